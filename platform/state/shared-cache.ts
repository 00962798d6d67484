import { ExpiringCache } from '../expiring-cache.ts'
import type { StateStore } from './state-store.ts'

export interface SharedCacheOptions {
  /** The pub/sub channel that carries evicted keys to every process. */
  channel: string
  ttlMs: number
  /** How long a `null` (a lookup that found nothing) stays cached; `ttlMs` when omitted. */
  missTtlMs?: number
  /** Lets several caches share one channel: this one publishes and obeys only `<namespace>:<key>`. */
  namespace?: string
}

/**
 * A per-process cache of rows from a control table. `invalidate` evicts a key here and, through the
 * state store's pub/sub, in every other process, so a change made anywhere applies at once everywhere
 * instead of after the TTL. Subscribed between `start()` and `stop()`.
 */
export class SharedCache<Value> {
  private readonly entries: ExpiringCache<Value>
  private readonly prefix: string
  private unsubscribe: (() => Promise<void>) | undefined

  constructor(
    private readonly state: StateStore,
    private readonly options: SharedCacheOptions,
  ) {
    this.entries = new ExpiringCache(options.ttlMs)
    this.prefix = options.namespace === undefined ? '' : `${options.namespace}:`
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.state.subscribe(this.options.channel, (message) => {
      if (message.startsWith(this.prefix)) this.entries.delete(message.slice(this.prefix.length))
    })
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.()
  }

  /** The cached value, else what `load` returns (cached in turn, `null` for `missTtlMs`). */
  async getOrLoad(key: string, load: () => Promise<Value>): Promise<Value> {
    const cached = this.entries.get(key)
    if (cached !== undefined) return cached
    const value = await load()
    const { ttlMs, missTtlMs = ttlMs } = this.options
    this.entries.set(key, value, value === null ? missTtlMs : ttlMs)
    return value
  }

  /** The cached value without loading it; undefined when this process holds none. */
  peek(key: string): Value | undefined {
    return this.entries.get(key)
  }

  /** Evicts the key in this process now and in every other process once the message arrives. */
  async invalidate(key: string): Promise<void> {
    this.entries.delete(key)
    await this.state.publish(this.options.channel, `${this.prefix}${key}`)
  }
}
