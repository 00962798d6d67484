/** What an attempt's answer means for the delivery. */
export type AttemptDecision =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed' }
  /** 410 Gone: the receiver says the endpoint is no more; it is disabled at once. */
  | { kind: 'gone' }

export interface AttemptAnswer {
  ok: boolean
  status: number
  retryable: boolean
  retryAfterMs?: number
}

const MIN_RETRY_AFTER_MS = 1_000
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000

/**
 * After attempt `attempt` (1-based): timeouts, network errors, 429 and 5xx are retried, retry n after
 * `scheduleMs[n - 1]`, or after the endpoint's Retry-After when it sent one (bounded to 1 s - 24 h);
 * once the schedule is spent the delivery has failed. Any other answer fails at once.
 */
export function decideAfterAttempt(
  answer: AttemptAnswer,
  attempt: number,
  scheduleMs: readonly number[],
): AttemptDecision {
  if (answer.ok) return { kind: 'delivered' }
  if (answer.status === 410) return { kind: 'gone' }
  const next = scheduleMs[attempt - 1]
  if (!answer.retryable || next === undefined) return { kind: 'failed' }
  if (answer.retryAfterMs !== undefined)
    return {
      kind: 'retry',
      delayMs: Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, answer.retryAfterMs)),
    }
  return { kind: 'retry', delayMs: next }
}
