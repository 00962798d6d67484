import { Redis } from 'ioredis'
import { AppError } from '../errors/catalog.ts'
import { newId } from '../ids.ts'
import type { Logger } from '../log/logger.ts'
import {
  ackJobScript,
  claimJobsScript,
  incrementScript,
  type RedisScript,
  releaseLockScript,
  renewLockScript,
  retryJobScript,
  runScript,
  scheduleJobScript,
} from './redis-scripts.ts'
import { checkDelayMs, checkIncrement, checkLimit, checkRunAt, checkTtlMs } from './state-input.ts'
import type {
  ClaimedJob,
  CounterOptions,
  JobInput,
  Lock,
  MessageHandler,
  StateStore,
  TtlOption,
} from './state-store.ts'
import { Subscribers } from './subscribers.ts'

export interface RedisStateStoreOptions {
  url: string
  logger: Logger
  /** Prepended to every key and channel, so several deployments or test runs can share one server. */
  keyPrefix?: string
}

/**
 * The distributed runtime-state adapter. Key layout under the prefix: `kv:<key>`, `lock:<name>`,
 * `jobs:<queue>:{due,payload,attempt,lease}` (see redis-scripts.ts) and channels `ch:<channel>`.
 * Pub/sub uses a second connection, opened on the first subscribe, because a subscribed connection
 * can run no other commands.
 */
export class RedisStateStore implements StateStore {
  readonly kind = 'redis'
  private readonly subscribers = new Subscribers()
  private subscriber: Promise<Redis> | undefined
  private closed = false
  /** SUBSCRIBE replies per channel, so a second subscriber waits until messages can arrive. */
  private readonly listening = new Map<string, Promise<unknown>>()

  private constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  static async connect(options: RedisStateStoreOptions): Promise<RedisStateStore> {
    const client = createClient(options.url, options.logger)
    // connect() rejects with a bare "Connection is closed"; the cause arrives as an error event.
    let cause: unknown
    const recordCause = (error: Error): void => {
      cause ??= error
    }
    client.on('error', recordCause)
    try {
      await client.connect()
    } catch (error) {
      client.disconnect()
      const reason = String(cause ?? error)
      throw new Error(`cannot connect to Redis at ${redactUrl(options.url)} (REDIS_URL): ${reason}`)
    } finally {
      client.off('error', recordCause)
    }
    return new RedisStateStore(client, options.keyPrefix ?? 'comerix:', options.logger)
  }

  get(key: string): Promise<string | null> {
    return reach(this.client.get(this.valueKey(key)))
  }

  async set(key: string, value: string, options?: TtlOption): Promise<void> {
    if (options?.ttlMs === undefined) await reach(this.client.set(this.valueKey(key), value))
    else await reach(this.client.set(this.valueKey(key), value, 'PX', checkTtlMs(options.ttlMs)))
  }

  async setIfAbsent(key: string, value: string, options?: TtlOption): Promise<boolean> {
    const reply =
      options?.ttlMs === undefined
        ? await reach(this.client.set(this.valueKey(key), value, 'NX'))
        : await reach(this.client.set(this.valueKey(key), value, 'PX', checkTtlMs(options.ttlMs), 'NX'))
    return reply === 'OK'
  }

  async delete(key: string): Promise<boolean> {
    return (await reach(this.client.del(this.valueKey(key)))) > 0
  }

  take(key: string): Promise<string | null> {
    return reach(this.client.getdel(this.valueKey(key)))
  }

  async increment(key: string, by: number, options: CounterOptions): Promise<number> {
    const args = [checkIncrement(by), checkTtlMs(options.ttlMs)]
    return Number(await this.run(incrementScript, [this.valueKey(key)], args))
  }

  async ttl(key: string): Promise<number | null> {
    const remaining = await reach(this.client.pttl(this.valueKey(key)))
    return remaining < 0 ? null : remaining
  }

  async acquireLock(name: string, ttlMs: number): Promise<Lock | null> {
    const key = this.key(`lock:${name}`)
    const token = newId()
    if ((await reach(this.client.set(key, token, 'PX', checkTtlMs(ttlMs), 'NX'))) !== 'OK') return null
    return {
      name,
      token,
      renew: async (renewMs) => (await this.run(renewLockScript, [key], [token, checkTtlMs(renewMs)])) === 1,
      release: async () => (await this.run(releaseLockScript, [key], [token])) === 1,
    }
  }

  async schedule(queue: string, job: JobInput): Promise<void> {
    await this.run(scheduleJobScript, this.jobKeys(queue), [job.id, job.payload, checkRunAt(job.runAt)])
  }

  async claim(queue: string, options: { limit: number; leaseMs: number }): Promise<ClaimedJob[]> {
    const args = [checkLimit(options.limit), checkTtlMs(options.leaseMs), newId()]
    const flat = (await this.run(claimJobsScript, this.jobKeys(queue), args)) as Array<string | number>
    const claimed: ClaimedJob[] = []
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const [id, payload, attempt, leaseToken] = flat.slice(i, i + 4)
      claimed.push({
        id: String(id),
        payload: String(payload),
        attempt: Number(attempt),
        leaseToken: String(leaseToken),
      })
    }
    return claimed
  }

  async ack(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>): Promise<boolean> {
    return (await this.run(ackJobScript, this.jobKeys(queue), [job.id, job.leaseToken])) === 1
  }

  async retry(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>, delayMs: number): Promise<boolean> {
    const args = [job.id, job.leaseToken, checkDelayMs(delayMs)]
    return (await this.run(retryJobScript, this.jobKeys(queue), args)) === 1
  }

  size(queue: string): Promise<number> {
    return reach(this.client.zcard(this.jobKeys(queue)[0]))
  }

  async publish(channel: string, message: string): Promise<void> {
    await reach(this.client.publish(this.key(`ch:${channel}`), message))
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const subscriber = await this.openSubscriber()
    const name = this.key(`ch:${channel}`)
    const subscription = this.subscribers.add(name, handler)
    if (subscription.first) this.listening.set(name, subscriber.subscribe(name))
    try {
      await this.listening.get(name)
    } catch (error) {
      if (subscription.remove().last) this.listening.delete(name)
      throw error
    }
    return async () => {
      if (!subscription.remove().last) return
      this.listening.delete(name)
      // Commands on one connection run in order, so an UNSUBSCRIBE racing a later SUBSCRIBE ends subscribed.
      await subscriber.unsubscribe(name)
    }
  }

  async ping(): Promise<void> {
    await reach(this.client.ping())
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.subscribers.clear()
    const subscriber = await this.subscriber?.catch(() => undefined)
    await Promise.all([subscriber?.quit(), this.client.quit()])
  }

  /** Deletes every key under this store's prefix (test runs, decommissioning a deployment). */
  async clearNamespace(): Promise<void> {
    const pattern = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`
    let cursor = '0'
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500)
      if (keys.length > 0) await this.client.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  }

  private openSubscriber(): Promise<Redis> {
    this.subscriber ??= (async () => {
      const subscriber = this.client.duplicate({ lazyConnect: true })
      subscriber.on('error', (error: Error) =>
        this.logger.warn({ err: error }, 'redis subscriber connection error'),
      )
      subscriber.on('message', (channel: string, message: string) =>
        this.subscribers.deliver(channel, message, (error) =>
          this.logger.error({ err: error, channel }, 'state subscriber failed'),
        ),
      )
      await subscriber.connect()
      return subscriber
    })()
    return this.subscriber
  }

  private run(script: RedisScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    return reach(runScript(this.client, script, keys, args))
  }

  private key(suffix: string): string {
    return `${this.prefix}${suffix}`
  }

  private valueKey(key: string): string {
    return this.key(`kv:${key}`)
  }

  private jobKeys(queue: string): [due: string, payload: string, attempt: string, lease: string] {
    const base = this.key(`jobs:${queue}:`)
    return [`${base}due`, `${base}payload`, `${base}attempt`, `${base}lease`]
  }
}

/**
 * While Redis is unreachable a command fails within about a second instead of waiting in the offline
 * queue through 20 reconnects (ioredis's default, a minute and more), and reconnects are tried at least
 * every second, so a restarted server is back in use at once.
 */
const CLIENT_OPTIONS = {
  lazyConnect: true,
  maxRetriesPerRequest: 2,
  retryStrategy: (times: number) => Math.min(50 * 2 ** (times - 1), 1_000),
  connectTimeout: 5_000,
  commandTimeout: 5_000,
} as const

/** Reply errors that mean "not now" (a restarted server loading its dataset), not a bad command. */
const TRANSIENT_REPLY = /^(LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/

/**
 * Runs a command, turning "Redis cannot be reached" (connection refused or closed, retries used up, a
 * timeout) into the catalog's 503 `not_ready`, so clients retry instead of seeing a 500. A reply error
 * (Redis answered) stays what it is: that is a bug, not an outage.
 */
async function reach<T>(command: Promise<T>): Promise<T> {
  try {
    return await command
  } catch (error) {
    const reply = error instanceof Error && error.name === 'ReplyError'
    if (reply && !TRANSIENT_REPLY.test(error.message)) throw error
    const appError = new AppError(
      'not_ready',
      'The state store (Redis) is unavailable; retry shortly.',
      undefined,
      {
        'retry-after': '1',
      },
    )
    throw Object.assign(appError, { cause: error })
  }
}

function createClient(url: string, logger: Logger): Redis {
  const client = new Redis(url, CLIENT_OPTIONS)
  // Without a listener ioredis prints every reconnect error itself; commands still reject on their own.
  client.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'))
  return client
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
