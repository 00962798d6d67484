import { Agent, fetch } from 'undici'
import { signWebhook } from '../crypto/webhook-signature.ts'
import {
  type AddressPolicy,
  BlockedAddressError,
  pinnedLookup,
  resolveAllowedAddresses,
} from './public-address.ts'
import { parseRetryAfter } from './retry-after.ts'

export interface SignedPost {
  url: string
  /** `whsec_...` secrets: the current one first, then any still honoured during a rotation. */
  secrets: readonly string[]
  /** `webhook-id`: the same on every attempt, so the receiver can drop repeats. */
  messageId: string
  body: Buffer
  contentType: string
  /** Extra headers; the signature headers are added last and cannot be overridden. */
  headers?: Record<string, string>
}

export interface SignedPostOptions {
  policy: AddressPolicy
  timeoutMs: number
  /** The response body is read up to this many bytes (kept for the delivery log), the rest dropped. */
  maxResponseBytes?: number
  /** Epoch ms for `webhook-timestamp`; default Date.now(). */
  now?: () => number
}

export interface SignedPostOutcome {
  /** The HTTP status, 0 when no response came. */
  status: number
  ok: boolean
  /** '' when the endpoint answered 2xx. */
  error: string
  /** Network errors, timeouts, 429 and 5xx are worth another attempt; anything else is not. */
  retryable: boolean
  /** The endpoint's Retry-After (429, 503), in ms. */
  retryAfterMs?: number
  /** The start of the response body as text, at most `maxResponseBytes`. */
  responseExcerpt: string
  /** The address policy refused the URL's host (no request was sent). */
  blocked: boolean
  latencyMs: number
}

/**
 * One signed POST (Standard Webhooks) to a tenant-supplied URL: the host is resolved and checked once
 * against the address policy and the socket pinned to the checked addresses; redirects are not followed.
 * Never throws: every failure is an outcome the caller logs and may retry.
 */
export async function postSigned(
  request: SignedPost,
  options: SignedPostOptions,
): Promise<SignedPostOutcome> {
  const started = performance.now()
  const latencyMs = () => Math.round(performance.now() - started)
  let agent: Agent | undefined
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    return failure({ error: 'the URL is not valid', retryable: false, latencyMs: latencyMs() })
  }
  try {
    const addresses = await resolveAllowedAddresses(url.hostname, options.policy)
    agent = new Agent({ connect: { lookup: pinnedLookup(addresses) } })
    const now = options.now ?? Date.now
    const signature = signWebhook(request.secrets, request.messageId, Math.floor(now() / 1000), request.body)
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': request.contentType, ...request.headers, ...signature },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      dispatcher: agent,
    })
    const responseExcerpt = await readExcerpt(response.body, options.maxResponseBytes ?? 0)
    const { status } = response
    const ok = status >= 200 && status < 300
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    return {
      status,
      ok,
      error: ok
        ? ''
        : `the endpoint answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`,
      retryable: status === 429 || status >= 500,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      responseExcerpt,
      blocked: false,
      latencyMs: latencyMs(),
    }
  } catch (error) {
    if (error instanceof BlockedAddressError)
      return failure({
        error: `${error.message}; delivery refused`,
        retryable: false,
        blocked: true,
        latencyMs: latencyMs(),
      })
    const timedOut = (error as Error).name === 'TimeoutError'
    return failure({
      error: timedOut
        ? `POST ${url.origin} timed out after ${options.timeoutMs} ms`
        : `POST ${url.origin} failed: ${describeCause(error)}`,
      retryable: true,
      latencyMs: latencyMs(),
    })
  } finally {
    await agent?.destroy().catch(() => undefined)
  }
}

function failure(fields: {
  error: string
  retryable: boolean
  blocked?: boolean
  latencyMs: number
}): SignedPostOutcome {
  return { status: 0, ok: false, responseExcerpt: '', blocked: false, ...fields }
}

/** Reads at most `limit` bytes of the body as text and cancels the rest (the connection still closes cleanly). */
async function readExcerpt(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return ''
  if (limit === 0) {
    await body.cancel()
    return ''
  }
  const chunks: Buffer[] = []
  let size = 0
  const reader = body.getReader()
  try {
    while (size < limit) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(Buffer.from(value))
      size += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8')
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error
  const code = (cause as NodeJS.ErrnoException).code
  const message = cause instanceof Error ? cause.message : String(cause)
  return code && !message.includes(code) ? `${code} ${message}` : message
}
