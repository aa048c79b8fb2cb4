-- Keeps the leases of running tasks: each id still leased gets a new expiry. A lease that already
-- expired (the JVM was stalled past its lease time) is not brought back: its slot may be in use.
-- KEYS[2] the leases; ARGV[1] lease time (us); ARGV[2..] the ids.
-- Returns how many were renewed.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local leaseTime = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[2], 'XX', 'CH', now + leaseTime, ARGV[i])
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PEXPIRE', KEYS[2], math.floor(leaseTime / 1000) + 1)
end
return renewed
