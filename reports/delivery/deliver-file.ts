import { Agent, fetch } from 'undici'
import type { Clock } from '../../platform/clock.ts'
import {
  type AddressPolicy,
  BlockedAddressError,
  pinnedLookup,
  resolveAllowedAddresses,
} from '../../platform/http/public-address.ts'
import { signWebhook } from './webhook-signature.ts'

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
  const url = new URL(request.url)
  let agent: Agent | undefined
  try {
    const addresses = await resolveAllowedAddresses(url.hostname, options.policy)
    agent = new Agent({ connect: { lookup: pinnedLookup(addresses) } })
    const signature = signWebhook(
      request.secret,
      request.messageId,
      Math.floor(options.clock.now() / 1000),
      request.file.body,
    )
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': request.file.contentType,
        'content-disposition': `attachment; filename="${request.file.filename.replace(/["\\\r\n]/g, '_')}"`,
        'user-agent': 'Comerix-Reports/1',
        ...request.headers,
        ...signature,
      },
      body: request.file.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      dispatcher: agent,
    })
    // The answer's body is not needed; reading it lets the connection close cleanly.
    await response.body?.cancel()
    const { status } = response
    if (status >= 200 && status < 300) return { status, error: '', retryable: false }
    return {
      status,
      error: `the endpoint answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`,
      retryable: status === 429 || status >= 500,
    }
  } catch (error) {
    if (error instanceof BlockedAddressError)
      return { status: 0, error: `${error.message}; delivery refused`, retryable: false }
    return { status: 0, error: `POST ${url.origin} failed: ${describeCause(error)}`, retryable: true }
  } finally {
    await agent?.destroy().catch(() => undefined)
  }
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error
  const code = (cause as NodeJS.ErrnoException).code
  const message = cause instanceof Error ? cause.message : String(cause)
  return code && !message.includes(code) ? `${code} ${message}` : message
}
