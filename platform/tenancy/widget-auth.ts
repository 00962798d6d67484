import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors/catalog.ts'
import type { RateLimiter } from '../http/rate-limit.ts'
import { isOriginAllowed } from './origins.ts'
import type { TenancyService, WidgetKey } from './tenancy-service.ts'

export const PUBLIC_KEY_HEADER = 'x-comerix-public-key'

const CORS_ALLOW_HEADERS = `content-type, authorization, ${PUBLIC_KEY_HEADER}, x-request-id, idempotency-key, if-none-match`
/**
 * What a page may read of an answer: the wait of a 429, the id to quote in a support request, and the
 * public reads' validator and edge source.
 */
const CORS_EXPOSE_HEADERS = 'retry-after, x-request-id, etag, x-edge-source'

/** The public key from `?publicKey=`, the X-Comerix-Public-Key header, or a `publicKey` body field. */
export function publicKeyOf(request: FastifyRequest, bodyKey?: unknown): string | undefined {
  const query = (request.query as { publicKey?: unknown } | undefined)?.publicKey
  const header = request.headers[PUBLIC_KEY_HEADER]
  const candidate = [query, header, bodyKey].find((value) => typeof value === 'string' && value.length > 0)
  return candidate as string | undefined
}

/**
 * Admits a browser call made with a widget key: the key must exist and the request's Origin must be
 * one the key allows. Refusals carry no CORS headers, so the browser hides the answer from the page.
 */
export async function authorizeWidgetRequest(
  tenancy: TenancyService,
  request: FastifyRequest,
  reply: FastifyReply,
  publicKey: string | undefined,
): Promise<WidgetKey> {
  if (!publicKey) {
    throw new AppError(
      'unauthorized',
      `send the widget key as ?publicKey=, the ${PUBLIC_KEY_HEADER} header or publicKey in the body`,
    )
  }
  const widgetKey = await tenancy.resolveWidgetKey(publicKey)
  if (!widgetKey) throw new AppError('unauthorized', 'the widget key is unknown or revoked')
  const origin = requestOrigin(request)
  if (!isOriginAllowedCached(widgetKey, origin)) {
    throw new AppError(
      'origin_not_allowed',
      `origin ${origin ?? '(none)'} is not allowed for this widget key`,
    )
  }
  allowOrigin(reply, origin)
  return widgetKey
}

/**
 * The page's origin: the Origin header, or for a same-origin GET (browsers send no Origin then, but do
 * send Sec-Fetch-Site, which a page cannot set) the server's own origin as the browser addressed it. So a
 * page served by the API's own host (the demo shop) passes only when the key allows that origin.
 */
function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin
  if (origin !== undefined) return origin
  if (request.headers['sec-fetch-site'] !== 'same-origin') return undefined
  return `${request.protocol}://${request.host}`
}

/** CORS headers for an allowed origin; every answer after the origin check carries them, errors included. */
function allowOrigin(reply: FastifyReply, origin: string | undefined): void {
  void reply.headers({
    'access-control-allow-origin': origin,
    'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    vary: 'Origin',
  })
}

export interface WidgetGate {
  tenancy: TenancyService
  rateLimiter: RateLimiter
  /** Requests per second one client IP may send. */
  rateLimitPerIp: number
}

/**
 * The client IP's budget, then the key and origin (authorizeWidgetRequest). The IP budget comes first,
 * so a flood from one address never reaches the key store. Its refusal (429) still carries the CORS
 * headers when the key is cached in this process and allows the origin: a widget must be able to read
 * Retry-After.
 */
export async function admitWidgetRequest(
  gate: WidgetGate,
  request: FastifyRequest,
  reply: FastifyReply,
  publicKey: string | undefined,
): Promise<WidgetKey> {
  try {
    await gate.rateLimiter.consume(`ip:${request.ip}`, 1, gate.rateLimitPerIp)
  } catch (error) {
    const known = publicKey === undefined ? undefined : gate.tenancy.peekWidgetKey(publicKey)
    const origin = requestOrigin(request)
    if (known && isOriginAllowedCached(known, origin)) allowOrigin(reply, origin)
    throw error
  }
  return authorizeWidgetRequest(gate.tenancy, request, reply, publicKey)
}

// Keyed by the cached WidgetKey object, so decisions are dropped together with the key's cache entry.
const originDecisions = new WeakMap<WidgetKey, Map<string, boolean>>()

/** Origin checks parse URLs; a widget sends the same Origin on every beacon, so decisions are remembered. */
function isOriginAllowedCached(widgetKey: WidgetKey, origin: string | undefined): boolean {
  if (origin === undefined) return false
  let decisions = originDecisions.get(widgetKey)
  if (!decisions) {
    decisions = new Map()
    originDecisions.set(widgetKey, decisions)
  }
  let allowed = decisions.get(origin)
  if (allowed === undefined) {
    allowed = isOriginAllowed(widgetKey.allowedOrigins, origin)
    if (decisions.size < 100) decisions.set(origin, allowed)
  }
  return allowed
}

/**
 * Answers a CORS preflight. One that names its key (`?publicKey=`) is answered under the call's own rule:
 * only an allowed origin of that key gets the Access-Control-Allow-* headers, a foreign one a 403 without
 * them. A preflight cannot carry the X-Comerix-Public-Key header's value or the body (it only lists the
 * header in Access-Control-Request-Headers), so one without a key is let through for the requesting origin
 * and the real request, which carries the key, is checked: a foreign origin's real call gets
 * `403 origin_not_allowed` without CORS headers, so the page never reads an answer.
 */
export async function answerPreflight(
  tenancy: TenancyService,
  request: FastifyRequest,
  reply: FastifyReply,
  methods: string,
): Promise<void> {
  const publicKey = publicKeyOf(request)
  if (publicKey !== undefined) await authorizeWidgetRequest(tenancy, request, reply, publicKey)
  else if (typeof request.headers.origin === 'string') allowOrigin(reply, request.headers.origin)
  await reply
    .status(204)
    .headers({
      'access-control-allow-methods': methods,
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': '600',
    })
    .send()
}
