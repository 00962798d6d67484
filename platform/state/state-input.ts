/**
 * Argument checks shared by both adapters, so a bad TTL or counter step fails the same way locally as
 * on Redis (where `SET ... PX 0` or `INCRBY k 1.5` would otherwise be a server error).
 */
export function checkTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`)
  }
  return Math.ceil(ttlMs)
}

export function checkIncrement(by: number): number {
  if (!Number.isSafeInteger(by)) throw new RangeError(`increment must be a safe integer, got ${by}`)
  return by
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`)
  return limit
}

/** Non-negative delay in whole milliseconds. */
export function checkDelayMs(delayMs: number): number {
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`delayMs must be a non-negative number of milliseconds, got ${delayMs}`)
  }
  return Math.ceil(delayMs)
}

export function checkRunAt(runAt: number): number {
  if (!Number.isFinite(runAt)) throw new RangeError(`runAt must be epoch milliseconds, got ${runAt}`)
  return Math.round(runAt)
}
