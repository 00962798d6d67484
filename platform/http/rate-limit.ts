import { AppError } from '../errors/catalog.ts'
import type { StateStore } from '../state/state-store.ts'

/**
 * Fixed one-second windows counted on the state port, so every process behind a load balancer
 * shares one budget per key. A refusal says when the next window opens (Retry-After, seconds).
 */
export class RateLimiter {
  constructor(private readonly state: StateStore) {}

  async consume(bucket: string, cost: number, limitPerSecond: number): Promise<void> {
    const now = Date.now()
    const window = Math.floor(now / 1000)
    const used = await this.state.increment(`ratelimit:${bucket}:${window}`, cost, {
      ttlMs: 2_000,
      durable: false,
    })
    if (used > limitPerSecond) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * 1000 - now) / 1000))
      throw new AppError(
        'rate_limited',
        `more than ${limitPerSecond} per second for ${bucket.split(':')[0]}`,
        undefined,
        {
          'retry-after': String(retryAfter),
        },
      )
    }
  }
}
