import { timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../errors/catalog.ts'
import { sha256Hex } from '../ids.ts'
import {
  type AdminSession,
  type AdminSessions,
  clearSessionCookie,
  readSessionCookie,
  setSessionCookie,
} from './admin-sessions.ts'
import { tenantResponse } from './tenancy-responses.ts'
import { SECRET_KEY_SCOPES } from './tenancy-schemas.ts'
import type { TenancyService } from './tenancy-service.ts'

const signInBody = z.union([
  z.object({ secretKey: z.string().min(1).max(200).describe('A tenant secret key (sk_...)') }).strict(),
  z.object({ operatorToken: z.string().min(1).max(200).describe('The operator token') }).strict(),
])

const sessionResponse = z.object({
  kind: z.enum(['tenant', 'operator']),
  tenant: tenantResponse.optional(),
  scopes: z.array(z.enum(SECRET_KEY_SCOPES)),
  csrfToken: z.string().describe(`Send it as the x-csrf-token header on every state-changing request`),
  expiresAt: z.string(),
})

/**
 * The admin panel's sign-in: a secret key (or the operator token) is exchanged for a server-side session
 * named by an httpOnly, SameSite=Strict cookie. Mounted under /v1/admin/session.
 */
export function adminSessionRoutes(
  tenancy: TenancyService,
  sessions: AdminSessions,
  operatorToken: string,
  ttlMs: number,
): FastifyPluginAsyncZod {
  const describe = async (session: AdminSession): Promise<z.infer<typeof sessionResponse>> => {
    const base = { csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() }
    if (session.kind === 'operator') return { ...base, kind: 'operator', scopes: [] }
    const principal = await tenancy.authenticateSecretKeyHash(session.keyHash)
    if (!principal || principal.tenantId !== session.tenantId)
      throw new AppError('unauthorized', 'the secret key of this session was revoked: sign in again')
    const tenant = (await tenancy.listTenants()).find((entry) => entry.id === principal.tenantId)
    return { ...base, kind: 'tenant', tenant, scopes: principal.scopes }
  }

  return async (routes) => {
    routes.post(
      '/',
      {
        schema: {
          tags: ['admin panel'],
          summary:
            'Sign in to the admin panel: exchange a secret key or the operator token for a session cookie',
          body: signInBody,
          response: { 201: sessionResponse },
        },
      },
      async (request, reply) => {
        const body = request.body
        let created: Awaited<ReturnType<AdminSessions['create']>>
        if ('secretKey' in body) {
          const principal = await tenancy.authenticateSecretKey(body.secretKey)
          if (!principal) throw new AppError('unauthorized', 'the secret key is unknown or revoked')
          created = await sessions.create({
            kind: 'tenant',
            tenantId: principal.tenantId,
            keyHash: sha256Hex(body.secretKey),
          })
        } else {
          if (!sameSecret(body.operatorToken, operatorToken))
            throw new AppError('unauthorized', 'the operator token is wrong')
          created = await sessions.create({ kind: 'operator' })
        }
        setSessionCookie(request, reply, created.id, ttlMs)
        return reply.status(201).send(await describe(created.session))
      },
    )

    routes.get(
      '/',
      {
        schema: {
          tags: ['admin panel'],
          summary: "The admin panel's current session (401 when signed out or expired)",
          response: { 200: sessionResponse },
        },
      },
      async (request) => {
        if (!request.adminSession) throw new AppError('unauthorized', 'not signed in, or the session expired')
        return describe(request.adminSession)
      },
    )

    routes.delete(
      '/',
      { schema: { tags: ['admin panel'], summary: 'Sign out of the admin panel' } },
      async (request, reply) => {
        const id = readSessionCookie(request)
        if (id) await sessions.delete(id)
        clearSessionCookie(reply)
        return reply.status(204).send()
      },
    )
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
