import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * Lua for the operations that must be atomic across processes. Job keys, per queue:
 * KEYS[1] due (zset, score = epoch ms when the job is next claimable: runAt or lease end),
 * KEYS[2] payload (hash id -> payload), KEYS[3] attempt (hash id -> claims so far),
 * KEYS[4] lease (hash id -> current lease token).
 * Job scripts read the server's clock (TIME) so every worker process agrees on "now".
 */
export interface RedisScript {
  lua: string
  sha: string
}

const script = (lua: string): RedisScript => ({ lua, sha: createHash('sha1').update(lua).digest('hex') })

const NOW_MS = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`

/** ARGV: by, ttlMs. The expiry is set only by the call that creates the counter. */
export const incrementScript = script(`
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`)

/** ARGV: token, ttlMs. */
export const renewLockScript = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

/** ARGV: token. */
export const releaseLockScript = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

/** ARGV: id, payload, runAt. A job under a live lease is left alone (its worker acks or retries it). */
export const scheduleJobScript = script(`${NOW_MS}
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[4], id) == 1 then
  local dueAt = tonumber(redis.call('ZSCORE', KEYS[1], id))
  if dueAt and dueAt > now then return 0 end
end
redis.call('ZADD', KEYS[1], ARGV[3], id)
redis.call('HSET', KEYS[2], id, ARGV[2])
redis.call('HDEL', KEYS[4], id)
return 1
`)

/** ARGV: limit, leaseMs, token prefix. Returns a flat list: id, payload, attempt, leaseToken, ... */
export const claimJobsScript = script(`${NOW_MS}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local leaseEnd = now + tonumber(ARGV[2])
local claimed = {}
for i, id in ipairs(ids) do
  local token = ARGV[3] .. ':' .. i
  redis.call('ZADD', KEYS[1], leaseEnd, id)
  local attempt = redis.call('HINCRBY', KEYS[3], id, 1)
  redis.call('HSET', KEYS[4], id, token)
  table.insert(claimed, id)
  table.insert(claimed, redis.call('HGET', KEYS[2], id) or '')
  table.insert(claimed, attempt)
  table.insert(claimed, token)
end
return claimed
`)

/** ARGV: id, leaseToken. */
export const ackJobScript = script(`
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
`)

/** ARGV: id, leaseToken, delayMs. */
export const retryJobScript = script(`${NOW_MS}
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
`)

/** EVALSHA, loading the script on first use (or after the server restarted and forgot it). */
export async function runScript(
  client: Redis,
  { lua, sha }: RedisScript,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    return client.eval(lua, keys.length, ...keys, ...args)
  }
}
