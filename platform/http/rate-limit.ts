import { AppError } from '../errors/catalog.ts'
import type { StateStore } from '../state/state-store.ts'

const WINDOW_NAMES: Record<number, string> = { 1: 'second', 60: 'minute', 3600: 'hour' }

/**
 * Fixed windows (one second unless told) counted on the state port, so every process behind a load
 * balancer shares one budget per key. A refusal says when the next window opens (Retry-After, seconds).
 */
export class RateLimiter {
  constructor(private readonly state: StateStore) {}

  async consume(bucket: string, cost: number, limit: number, windowSeconds = 1): Promise<void> {
    const now = Date.now()
    const windowMs = windowSeconds * 1000
    const window = Math.floor(now / windowMs)
    const used = await this.state.increment(`ratelimit:${bucket}:${windowSeconds}:${window}`, cost, {
      ttlMs: windowMs + 1_000,
      durable: false,
    })
    if (used > limit) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000))
      const per = WINDOW_NAMES[windowSeconds] ?? `${windowSeconds} seconds`
      throw new AppError(
        'rate_limited',
        `more than ${limit} per ${per} for ${bucket.split(':')[0]}`,
        undefined,
        {
          'retry-after': String(retryAfter),
        },
      )
    }
  }
}
