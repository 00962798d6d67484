import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors/catalog.ts'
import { type AdminSession, CSRF_HEADER, passesCsrfCheck } from './admin-sessions.ts'
import type { SecretKeyScope } from './tenancy-schemas.ts'
import { hasScope, type Principal, type TenancyService } from './tenancy-service.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
}

/**
 * An onRequest hook admitting only `Authorization: Bearer sk_...` keys that carry `scope`, or, with no
 * Authorization header, the admin panel's cookie session of such a key (CSRF token required to change state).
 */
export function requireSecretKey(tenancy: TenancyService, scope: SecretKeyScope) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization
    if (header === undefined && request.adminSession?.kind === 'tenant') {
      request.principal = await sessionPrincipal(tenancy, request, request.adminSession, scope)
      return
    }
    const key = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined
    if (!key) throw new AppError('unauthorized', 'send a secret key as Authorization: Bearer sk_...')
    const principal = await tenancy.authenticateSecretKey(key)
    if (!principal) throw new AppError('unauthorized', 'the secret key is unknown or revoked')
    if (!hasScope(principal, scope))
      throw new AppError('forbidden', `the secret key lacks the "${scope}" scope`)
    request.principal = principal
  }
}

async function sessionPrincipal(
  tenancy: TenancyService,
  request: FastifyRequest,
  session: Extract<AdminSession, { kind: 'tenant' }>,
  scope: SecretKeyScope,
): Promise<Principal> {
  if (!passesCsrfCheck(request, session))
    throw new AppError('csrf_token_invalid', `send the session's CSRF token in the ${CSRF_HEADER} header`)
  const principal = await tenancy.authenticateSecretKeyHash(session.keyHash)
  if (!principal || principal.tenantId !== session.tenantId)
    throw new AppError('unauthorized', "the session's secret key was revoked: sign in again")
  if (!hasScope(principal, scope))
    throw new AppError('forbidden', `the secret key lacks the "${scope}" scope`)
  return principal
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized')
  return request.principal
}

export const OPERATOR_TOKEN_HEADER = 'x-comerix-operator-token'

/** An onRequest hook admitting only callers that present the operator token (or hold an operator admin session). */
export function requireOperatorToken(token: string) {
  const expected = Buffer.from(token)
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers[OPERATOR_TOKEN_HEADER]
    if (given === undefined && request.adminSession?.kind === 'operator') {
      if (!passesCsrfCheck(request, request.adminSession))
        throw new AppError('csrf_token_invalid', `send the session's CSRF token in the ${CSRF_HEADER} header`)
      return
    }
    const actual = Buffer.from(typeof given === 'string' ? given : '')
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new AppError('unauthorized', `operator routes need the ${OPERATOR_TOKEN_HEADER} header`)
    }
  }
}
