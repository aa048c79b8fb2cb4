-- A start's task settled: its lease, if any, is given back.
-- KEYS[2] the leases; ARGV[1] the lease id.
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
