-- Lets nothing start through the quota until now + ARGV[1] microseconds, by the server's clock; a pause
-- already in force that ends later is kept.
-- KEYS[3] the end of a pause.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untilAt = now + tonumber(ARGV[1])
local current = redis.call('GET', KEYS[3])
if current and tonumber(current) >= untilAt then
  return 0
end
redis.call('SET', KEYS[3], untilAt, 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1)
return 1
