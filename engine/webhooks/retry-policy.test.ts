import { describe, expect, it } from 'vitest'
import { decideAfterAttempt } from './retry-policy.ts'

const SCHEDULE = [5_000, 30_000, 120_000]
const answer = (status: number, retryAfterMs?: number) => ({
  ok: status >= 200 && status < 300,
  status,
  retryable: status === 0 || status === 429 || status >= 500,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
})

describe('webhook retry policy', () => {
  it('retries timeouts, network errors, 429 and 5xx along the schedule, then gives up', () => {
    expect(decideAfterAttempt(answer(0), 1, SCHEDULE)).toEqual({ kind: 'retry', delayMs: 5_000 })
    expect(decideAfterAttempt(answer(503), 2, SCHEDULE)).toEqual({ kind: 'retry', delayMs: 30_000 })
    expect(decideAfterAttempt(answer(429), 3, SCHEDULE)).toEqual({ kind: 'retry', delayMs: 120_000 })
    expect(decideAfterAttempt(answer(500), 4, SCHEDULE)).toEqual({ kind: 'failed' })
  })

  it("takes the endpoint's Retry-After instead of the step's delay, within 1 s and a day", () => {
    expect(decideAfterAttempt(answer(429, 2_000), 1, SCHEDULE)).toEqual({ kind: 'retry', delayMs: 2_000 })
    expect(decideAfterAttempt(answer(503, 0), 1, SCHEDULE)).toEqual({ kind: 'retry', delayMs: 1_000 })
    expect(decideAfterAttempt(answer(429, 10 * 86_400_000), 1, SCHEDULE)).toEqual({
      kind: 'retry',
      delayMs: 86_400_000,
    })
  })

  it('stops at once on other answers, and on 410 asks to disable the endpoint', () => {
    expect(decideAfterAttempt(answer(204), 1, SCHEDULE)).toEqual({ kind: 'delivered' })
    expect(decideAfterAttempt(answer(400), 1, SCHEDULE)).toEqual({ kind: 'failed' })
    expect(decideAfterAttempt(answer(301), 1, SCHEDULE)).toEqual({ kind: 'failed' })
    expect(decideAfterAttempt(answer(410), 1, SCHEDULE)).toEqual({ kind: 'gone' })
  })
})
