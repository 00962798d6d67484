import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { newToken, sha256Hex } from '../ids.ts'
import type { StateStore } from '../state/state-store.ts'

/** The admin panel's cookie: an opaque session id, httpOnly and SameSite=Strict; the key stays on the server. */
export const ADMIN_SESSION_COOKIE = 'comerix_admin'
/** State-changing requests authenticated by the cookie must echo the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token'
export const ADMIN_SESSION_TTL_MS = 12 * 60 * 60 * 1000

const storedSession = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('tenant'),
    tenantId: z.string(),
    keyHash: z.string(),
    csrfToken: z.string(),
    expiresAt: z.number(),
  }),
  z.object({ kind: z.literal('operator'), csrfToken: z.string(), expiresAt: z.number() }),
])
export type AdminSession = z.infer<typeof storedSession>

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin panel session named by the request's cookie, resolved before route auth runs. */
    adminSession?: AdminSession
  }
}

/** Server-side admin sessions on the state port: the cookie holds only a random id, stored hashed. */
export class AdminSessions {
  constructor(
    private readonly state: StateStore,
    private readonly ttlMs = ADMIN_SESSION_TTL_MS,
  ) {}

  async create(
    fields: { kind: 'tenant'; tenantId: string; keyHash: string } | { kind: 'operator' },
  ): Promise<{ id: string; session: AdminSession }> {
    const id = newToken('as_', 32)
    const session = { ...fields, csrfToken: newToken('csrf_', 24), expiresAt: Date.now() + this.ttlMs }
    await this.state.set(stateKey(id), JSON.stringify(session), { ttlMs: this.ttlMs })
    return { id, session }
  }

  async find(id: string): Promise<AdminSession | undefined> {
    const raw = await this.state.get(stateKey(id))
    if (raw === null) return undefined
    const parsed = storedSession.safeParse(JSON.parse(raw))
    return parsed.success && parsed.data.expiresAt > Date.now() ? parsed.data : undefined
  }

  async delete(id: string): Promise<void> {
    await this.state.delete(stateKey(id))
  }

  /** A root onRequest hook: attaches the cookie's session (if any) for the route auth hooks to consider. */
  resolveHook() {
    return async (request: FastifyRequest): Promise<void> => {
      const id = readSessionCookie(request)
      if (id) request.adminSession = await this.find(id)
    }
  }
}

const stateKey = (id: string) => `admin-session:${sha256Hex(id)}`

export function readSessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === ADMIN_SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim()
      return /^as_[A-Za-z0-9_-]{10,100}$/.test(value) ? value : undefined
    }
  }
  return undefined
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, id: string, ttlMs: number) {
  const secure = request.protocol === 'https' ? '; Secure' : ''
  reply.header(
    'set-cookie',
    `${ADMIN_SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(ttlMs / 1000)}${secure}`,
  )
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.header('set-cookie', `${ADMIN_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** True when the request may act on the session: a safe method, or the session's CSRF token in its header. */
export function passesCsrfCheck(request: FastifyRequest, session: AdminSession): boolean {
  if (SAFE_METHODS.has(request.method)) return true
  const given = request.headers[CSRF_HEADER]
  if (typeof given !== 'string') return false
  const actual = Buffer.from(given)
  const expected = Buffer.from(session.csrfToken)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
