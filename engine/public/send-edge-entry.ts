import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EdgeSource } from './edge-documents.ts'
import type { EdgeEntry } from './render-edge-documents.ts'

/**
 * Widget config and quick questions: browsers keep them a minute, shared caches (a CDN in front of the
 * API) five, and either may serve a stale copy for ten more minutes while it revalidates in the
 * background. Revalidation is cheap (a 304 from the edge document), so a publish shows within about a
 * minute in a browser and five behind a CDN.
 */
export const SHARED_CACHE_CONTROL = 'public, max-age=60, s-maxage=300, stale-while-revalidate=600'
/** A form's schema: one visitor's browser only (it may hold it a minute), never a shared cache. */
export const PRIVATE_CACHE_CONTROL = 'private, max-age=60'
/** A form mount is metered: every request must reach the server. */
export const NO_STORE = 'no-store'
/**
 * What an answer depends on besides the URL: the Origin (the CORS headers echo it) and the key when it
 * travels in the header instead of the query.
 */
export const PUBLIC_VARY = 'Origin, X-Comerix-Public-Key'

/** Whether If-None-Match names the entry's tag (a list, `*`, or weak forms of it, compared weakly per RFC 9110). */
export function matchesIfNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false
  const value = Array.isArray(header) ? header.join(',') : header
  if (value.trim() === '*') return true
  return value.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag)
}

/**
 * Sends a rendered entry with its validator, cache policy, Vary and edge source; `304` with the same
 * headers and no body when the client already holds it (only where `revalidate`).
 */
export function sendEdgeEntry(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: EdgeEntry,
  options: { cacheControl: string; source: EdgeSource; revalidate: boolean },
): FastifyReply {
  void reply.headers({
    etag: entry.etag,
    'cache-control': options.cacheControl,
    vary: PUBLIC_VARY,
    'x-edge-source': options.source,
  })
  if (options.revalidate && matchesIfNoneMatch(request.headers['if-none-match'], entry.etag))
    return reply.status(304).send()
  return reply.type('application/json; charset=utf-8').send(entry.body)
}
