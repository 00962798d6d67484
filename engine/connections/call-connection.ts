import { promises as dns, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'
import { Agent, fetch } from 'undici'
import type { ConnectionAuth } from './connection-schemas.ts'

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

/** True for addresses a tenant may reach: global unicast only. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
  return ipaddr.process(address).range() === 'unicast'
}

async function checkedAddresses(hostname: string, options: CallOptions): Promise<LookupAddress[]> {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  let addresses: LookupAddress[]
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }]
  else {
    try {
      addresses = await (options.resolveHost ?? ((name) => dns.lookup(name, { all: true })))(host)
    } catch (error) {
      throw new ConnectionCallError('network', `cannot resolve ${host}: ${describeCause(error)}`)
    }
    if (addresses.length === 0) throw new ConnectionCallError('network', `${host} has no addresses`)
  }
  if (!options.allowPrivateNetworks) {
    const refused = addresses.find(({ address }) => !isPublicAddress(address))
    if (refused)
      throw new ConnectionCallError(
        'blocked',
        `${host} resolves to ${refused.address}, a private, loopback or reserved address; an operator can allow these with CONNECTIONS_ALLOW_PRIVATE_NETWORKS=true`,
      )
  }
  return addresses
}

/** Answers every lookup with the addresses already checked, whatever DNS would say now. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0
    const matching = addresses.filter(({ family }) => wanted === 0 || family === wanted)
    const first = matching[0]
    if (first === undefined) {
      const error: NodeJS.ErrnoException = new Error('no checked address of the requested family')
      error.code = 'ENOTFOUND'
      callback(error, '', 0)
      return
    }
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, matching)
    else callback(null, first.address, first.family)
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

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
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
