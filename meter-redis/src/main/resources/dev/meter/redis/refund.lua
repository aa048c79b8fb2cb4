-- A start granted but never begun (another limit refused it, the run stopped): its lease is given
-- back, and its booking on the rate too if no start was booked after it (the rate's tat is still
-- what this grant set). Otherwise the booking stays: never less restrictive than the truth.
-- KEYS[1] the rate's tat; KEYS[2] the leases
-- ARGV[1] the lease id  ARGV[2] the tat this grant set  ARGV[3] the tat before it (-1: none)
redis.call('ZREM', KEYS[2], ARGV[1])
local stored = redis.call('GET', KEYS[1])
if stored and tonumber(stored) == tonumber(ARGV[2]) then
  if tonumber(ARGV[3]) < 0 then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
  end
  return 1
end
return 0
