import type { LookupAddress } from 'node:dns'
import { Agent, fetch } from 'undici'
import {
  BlockedAddressError,
  pinnedLookup,
  resolveAllowedAddresses,
} from '../../platform/http/public-address.ts'
import { parseRetryAfter } from '../../platform/http/retry-after.ts'
import type { ConnectionAuth } from './connection-schemas.ts'

export { parseRetryAfter }

/** A connection ready to call: what ConnectionService.resolve returns, secret decrypted. */
export interface ResolvedConnection {
  tenantId: string
  name: string
  baseUrl: string
  auth: ConnectionAuth
  timeoutMs: number
}

export interface ConnectionRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Appended to the base URL: `/orders/42?expand=items`. Already rendered; values should be URL-encoded. */
  path: string
  /** Sent as a JSON object. Not allowed with GET. */
  body?: Record<string, unknown>
  /** Overrides the connection's timeout for this call. */
  timeoutMs?: number
}

export interface CallOptions {
  /** CONNECTIONS_ALLOW_PRIVATE_NETWORKS: lets calls reach loopback and private addresses. */
  allowPrivateNetworks: boolean
  maxResponseBytes?: number
  /** Name resolution; tests swap it to resolve made-up hosts. */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>
}

export interface ConnectionResponse {
  status: number
  /** Parsed JSON for JSON content types, text otherwise, null when empty. */
  body: unknown
}

export type ConnectionErrorKind =
  | 'blocked'
  | 'invalid_request'
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'too_large'
  | 'invalid_response'

export class ConnectionCallError extends Error {
  readonly retryable: boolean

  constructor(
    readonly kind: ConnectionErrorKind,
    message: string,
    readonly details: { status?: number; body?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message)
    this.name = 'ConnectionCallError'
    const status = details.status ?? 0
    this.retryable =
      kind === 'timeout' ||
      kind === 'network' ||
      (kind === 'http_status' && (status === 429 || status >= 500))
  }

  get status(): number | undefined {
    return this.details.status
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs
  }
}

export const MAX_RESPONSE_BYTES = 1_048_576

/**
 * One HTTP call through a tenant connection. Redirects are not followed: a 3xx fails as a
 * non-retryable `http_status` (connections must name the final URL). The host is resolved once,
 * every address is checked, and the socket is pinned to the checked addresses, so a DNS answer
 * that changes between check and connect (rebinding) cannot reach a private address.
 */
export async function callConnection(
  connection: ResolvedConnection,
  request: ConnectionRequest,
  options: CallOptions,
): Promise<ConnectionResponse> {
  const url = buildUrl(connection.baseUrl, request.path)
  if (request.body !== undefined && request.method === 'GET')
    throw new ConnectionCallError(
      'invalid_request',
      'a GET request cannot carry a body; use POST or query parameters',
    )
  const timeoutMs = request.timeoutMs ?? connection.timeoutMs
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  const timeoutError = () => new ConnectionCallError('timeout', `no complete response within ${timeoutMs} ms`)
  let agent: Agent | undefined
  try {
    const addresses = await raceAbort(
      checkedAddresses(url.hostname, options),
      controller.signal,
      timeoutError,
    )
    agent = new Agent({ connect: { lookup: pinnedLookup(addresses) } })
    const response = await fetch(url, {
      method: request.method,
      headers: requestHeaders(connection.auth, request.body !== undefined),
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      redirect: 'manual',
      signal: controller.signal,
      dispatcher: agent,
    }).catch((error: unknown) => {
      if (timedOut) throw timeoutError()
      throw new ConnectionCallError(
        'network',
        `${request.method} ${url.origin} failed: ${describeCause(error)}`,
      )
    })
    const limit = options.maxResponseBytes ?? MAX_RESPONSE_BYTES
    const text = await readCapped(response, limit, controller).catch((error: unknown) => {
      if (error instanceof ConnectionCallError) throw error
      if (timedOut) throw timeoutError()
      throw new ConnectionCallError('network', `reading the response failed: ${describeCause(error)}`)
    })
    const body = parseBody(text, response.headers.get('content-type'))
    if (response.status >= 300) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
      const location = response.status < 400 ? response.headers.get('location') : null
      throw new ConnectionCallError(
        'http_status',
        location !== null
          ? `the endpoint redirected (${response.status}) to ${location}; redirects are not followed, point the connection at the final URL`
          : `the endpoint answered ${response.status}`,
        { status: response.status, body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      )
    }
    return { status: response.status, body }
  } finally {
    clearTimeout(timer)
    await agent?.destroy().catch(() => undefined)
  }
}

/** baseUrl + path, refusing any path that would leave the base URL's origin or climb above its path. */
export function buildUrl(baseUrl: string, path: string): URL {
  const refuse = (reason: string) => new ConnectionCallError('blocked', `path "${path}" refused: ${reason}`)
  const base = new URL(baseUrl)
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw refuse('only http and https are allowed')
  if (path !== '' && !path.startsWith('/') && !path.startsWith('?')) throw refuse('it must start with "/"')
  if (path.startsWith('//')) throw refuse('it must not name another host')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(path)) throw refuse('backslashes and control characters are not allowed')
  const basePath = base.pathname.replace(/\/+$/, '')
  const url = new URL(`${base.origin}${basePath}${path}`)
  if (url.origin !== base.origin) throw refuse('it must not change the host')
  if (basePath !== '' && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
    throw refuse('it climbs above the base path')
  // Encoded dot segments (`..%2f`) survive URL parsing but many servers decode them.
  if (safeDecode(url.pathname).split(/[/\\]/).includes('..')) throw refuse('".." segments are not allowed')
  url.hash = ''
  return url
}

/** Resolves and checks the host's addresses (platform/http/public-address.ts), as a connection error. */
async function checkedAddresses(hostname: string, options: CallOptions): Promise<LookupAddress[]> {
  try {
    return await resolveAllowedAddresses(hostname, options)
  } catch (error) {
    if (error instanceof BlockedAddressError)
      throw new ConnectionCallError(
        'blocked',
        `${error.message}; an operator can allow these with CONNECTIONS_ALLOW_PRIVATE_NETWORKS=true`,
      )
    throw new ConnectionCallError('network', `cannot resolve ${hostname}: ${describeCause(error)}`)
  }
}

function requestHeaders(auth: ConnectionAuth, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'Comerix-Connections/1',
  }
  if (hasBody) headers['content-type'] = 'application/json'
  if (auth.kind === 'bearer') headers.authorization = `Bearer ${auth.token}`
  if (auth.kind === 'header') headers[auth.name.toLowerCase()] = auth.value
  return headers
}

type FetchResponse = Awaited<ReturnType<typeof fetch>>

async function readCapped(
  response: FetchResponse,
  limit: number,
  controller: AbortController,
): Promise<string> {
  const tooLarge = () => new ConnectionCallError('too_large', `the response is larger than ${limit} bytes`)
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    controller.abort()
    throw tooLarge()
  }
  if (response.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body) {
    size += chunk.byteLength
    if (size > limit) {
      controller.abort()
      throw tooLarge()
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return null
  if (!/[/+]json\b/i.test(contentType ?? '')) return text
  try {
    return JSON.parse(text)
  } catch {
    throw new ConnectionCallError(
      'invalid_response',
      `the response claims ${contentType} but is not valid JSON`,
    )
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort())
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error
  const code = (cause as NodeJS.ErrnoException).code
  const message = cause instanceof Error ? cause.message : String(cause)
  return code && !message.includes(code) ? `${code} ${message}` : message
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
