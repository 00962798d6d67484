import type { Clock } from '../../platform/clock.ts'
import { postSigned } from '../../platform/http/post-signed.ts'
import type { AddressPolicy } from '../../platform/http/public-address.ts'

export interface DeliveryFile {
  body: Buffer
  contentType: string
  filename: string
}

export interface DeliveryRequest {
  url: string
  /** The schedule's `whsec_...` secret. */
  secret: string
  /** `webhook-id`: the same on every attempt, so the receiver can drop repeats. */
  messageId: string
  file: DeliveryFile
  /** Extra headers describing the file (schedule, report, scheduled time). */
  headers: Record<string, string>
}

export interface DeliveryOptions {
  policy: AddressPolicy
  clock: Clock
  maxAttempts: number
  /** Delay before attempt `attempt + 1`. */
  backoffMs: (attempt: number) => number
  timeoutMs: number
  sleep?: (ms: number) => Promise<void>
}

export interface DeliveryResult {
  delivered: boolean
  attempts: number
  /** The last HTTP status, 0 when no response came. */
  status: number
  error: string
}

interface AttemptOutcome {
  status: number
  error: string
  retryable: boolean
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * POSTs the file, signed per Standard Webhooks, to the tenant's endpoint. Network errors, timeouts,
 * 429 and 5xx are retried with backoff up to `maxAttempts`; any other non-2xx (including redirects,
 * which are not followed) and a refused address stop at once.
 */
export async function deliverFile(
  request: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const sleep = options.sleep ?? sleepFor
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptDelivery(request, options)
    if (outcome.status >= 200 && outcome.status < 300)
      return { delivered: true, attempts: attempt, ...outcome, error: '' }
    if (!outcome.retryable || attempt >= options.maxAttempts)
      return { delivered: false, attempts: attempt, status: outcome.status, error: outcome.error }
    await sleep(options.backoffMs(attempt))
  }
}

async function attemptDelivery(request: DeliveryRequest, options: DeliveryOptions): Promise<AttemptOutcome> {
  const outcome = await postSigned(
    {
      url: request.url,
      secrets: [request.secret],
      messageId: request.messageId,
      body: request.file.body,
      contentType: request.file.contentType,
      headers: {
        'content-disposition': `attachment; filename="${request.file.filename.replace(/["\\\r\n]/g, '_')}"`,
        'user-agent': 'Comerix-Reports/1',
        ...request.headers,
      },
    },
    { policy: options.policy, timeoutMs: options.timeoutMs, now: () => options.clock.now() },
  )
  return { status: outcome.status, error: outcome.error, retryable: outcome.retryable }
}
