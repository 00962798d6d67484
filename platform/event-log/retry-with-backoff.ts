import { setTimeout as sleep } from 'node:timers/promises'

export interface Backoff {
  initialMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 5_000 }

export interface RetryOptions {
  backoff: Backoff
  signal: AbortSignal
  onError: (error: unknown, attempt: number) => void
  /** Runs before each retry; what it throws ends the retries (e.g. a rebalance took the partition). */
  beforeRetry?: () => Promise<void>
}

/**
 * Runs `action` until it succeeds, doubling the pause between attempts up to `maxMs`. The first
 * attempt always runs; once `signal` aborts no further attempt is made and it returns false.
 */
export async function retryWithBackoff(action: () => Promise<void>, options: RetryOptions): Promise<boolean> {
  let delay = options.backoff.initialMs
  for (let attempt = 1; ; attempt++) {
    try {
      await action()
      return true
    } catch (error) {
      options.onError(error, attempt)
    }
    if (!(await pause(delay, options.signal))) return false
    await options.beforeRetry?.()
    delay = Math.min(delay * 2, options.backoff.maxMs)
  }
}

/** Waits `ms` unless `signal` aborts first; says whether the full pause elapsed. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}
