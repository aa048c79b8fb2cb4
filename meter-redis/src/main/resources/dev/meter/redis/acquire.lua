-- One start through a quota held in Redis, atomically: a pause (when one is set), the rate (GCRA, the
-- same envelope as meter's local limiter: at most burst + ceil(w * rate) starts in any window w) and,
-- when given, a lease on one of maxAtOnce slots that expires unless renewed (a JVM that dies loses its
-- slots). Times are the server's (TIME, in microseconds), the one clock every JVM shares.
--
-- KEYS[1] the rate's theoretical arrival time; KEYS[2] the leases, a sorted set scored by expiry;
-- KEYS[3] the end of a pause
-- ARGV[1] interval (us, 0: no rate)  ARGV[2] tolerance (us: (burst - 1) * interval)
-- ARGV[3] maxAtOnce (0: none)  ARGV[4] lease time (us)  ARGV[5] this start's lease id
--
-- Granted: {1, now, tat before (-1: none), tat after (-1: no rate), room, wait}: room is how many more
-- starts the quota would grant at this instant (capped at 1000), and when it is 0, wait is the
-- microseconds until the rate allows the next one (-1 when the slots are what is full).
-- Refused: {0, wait}: the microseconds until the pause ends or the rate allows a start, or -1 when every
-- slot is leased (then the third value is the microseconds until the earliest lease expires).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local maxAtOnce = tonumber(ARGV[3])
local leaseTime = tonumber(ARGV[4])

local pausedUntil = redis.call('GET', KEYS[3])
if pausedUntil and tonumber(pausedUntil) > now then
  return {0, tonumber(pausedUntil) - now}
end

local leased = 0
if maxAtOnce > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  leased = redis.call('ZCARD', KEYS[2])
  if leased >= maxAtOnce then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local expiry = -1
    if first[2] then expiry = tonumber(first[2]) - now end
    return {0, -1, expiry}
  end
end

local before = -1
local booked = -1
local room = 1000
local wait = 0
if interval > 0 then
  local stored = redis.call('GET', KEYS[1])
  local tat = now
  if stored then tat = math.max(tonumber(stored), now) end
  local allowedAt = tat - tolerance
  if now < allowedAt then
    return {0, allowedAt - now}
  end
  before = stored and tonumber(stored) or -1
  booked = tat + interval
  -- Kept only while it still holds back a start: past it, a missing key reads as a full burst.
  redis.call('SET', KEYS[1], booked, 'PX', math.floor((booked - now) / 1000) + 1)
  local nextAt = booked - tolerance
  if now < nextAt then
    room = 0
    wait = nextAt - now
  else
    room = math.min(room, math.floor((now - nextAt) / interval) + 1)
  end
end

if maxAtOnce > 0 then
  redis.call('ZADD', KEYS[2], now + leaseTime, ARGV[5])
  redis.call('PEXPIRE', KEYS[2], math.floor(leaseTime / 1000) + 1)
  local free = maxAtOnce - leased - 1
  if free < room then
    room = free
    if free == 0 then wait = -1 end
  end
end
return {1, now, before, booked, room, wait}
