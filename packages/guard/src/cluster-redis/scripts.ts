// The Lua scripts of the Redis cluster store. Each runs atomically in Redis, on Redis's clock.

/**
 * KEYS: one counter base per request. ARGV: deadline (Redis ms), live replicas, then per request
 * limit, windowMs, want, used. Per request it counts `used` (passes admitted before a lease),
 * grants up to `want` of what is left in the current window, never more than an even part of
 * the rest per replica (so one replica cannot drain a window's tail), and returns granted, ms
 * left in the window, the window number and the previous window's total. A call that arrives
 * after its deadline returns nothing and changes nothing.
 */
export const LEASE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[1]) then return {} end
local live = math.max(1, tonumber(ARGV[2]))
local out = {}
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 4
  local limit = tonumber(ARGV[a + 1])
  local windowMs = tonumber(ARGV[a + 2])
  local want = tonumber(ARGV[a + 3])
  local used = tonumber(ARGV[a + 4])
  local w = math.floor(now / windowMs)
  local key = KEYS[i] .. ':' .. w
  local taken = tonumber(redis.call('GET', key) or '0')
  local left = limit - taken - used
  local g = math.max(0, math.min(want, left, math.max(1, math.ceil(left / live))))
  local add = g + used
  if add > 0 then
    redis.call('INCRBY', key, add)
    redis.call('PEXPIRE', key, windowMs * 3)
  end
  local prev = tonumber(redis.call('GET', KEYS[i] .. ':' .. (w - 1)) or '0')
  out[#out + 1] = g
  out[#out + 1] = windowMs - (now % windowMs)
  out[#out + 1] = w
  out[#out + 1] = prev
end
return out
`;

/** KEYS[1]: the replica set. ARGV: replica id, ttl ms. Returns {live replicas, Redis now ms}. */
export const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 10)
return {redis.call('ZCARD', KEYS[1]), now}
`;

/** KEYS[1]: the replica set. ARGV[1]: replica id. */
export const LEAVE_SCRIPT = `return redis.call('ZREM', KEYS[1], ARGV[1])`;
