-- Keeps the leases of running tasks: each id still leased gets a new expiry. A lease that already
-- expired (the JVM was stalled past its lease time, or the server lost its data in a restart) is taken
-- again only if a slot is free: its task is still running, but the slot may have gone to another.
-- (A lease released after the renewal was sent but run before it is taken again too: the JVM sees
-- it no longer holds it in the reply, and releases it again.)
-- KEYS[2] the leases; ARGV[1] lease time (us); ARGV[2] maxAtOnce; ARGV[3..] the ids.
-- Returns {renewed, taken again, lost, then the index (from 0) of each id taken again}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local leaseTime = tonumber(ARGV[1])
local maxAtOnce = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local renewed = 0
local retaken = 0
local lost = 0
local retakenAt = {}
for i = 3, #ARGV do
  if redis.call('ZADD', KEYS[2], 'XX', 'CH', now + leaseTime, ARGV[i]) == 1 then
    renewed = renewed + 1
  elseif redis.call('ZCARD', KEYS[2]) < maxAtOnce then
    redis.call('ZADD', KEYS[2], now + leaseTime, ARGV[i])
    retaken = retaken + 1
    retakenAt[retaken] = i - 3
  else
    lost = lost + 1
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], math.floor(leaseTime / 1000) + 1)
end
local reply = {renewed, retaken, lost}
for j = 1, retaken do
  reply[3 + j] = retakenAt[j]
end
return reply
