import type { FastifyRequest } from 'fastify'
import { AppError } from '../platform/errors/catalog.ts'
import { OPERATOR_TOKEN_HEADER, requireOperatorToken } from '../platform/tenancy/auth.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import type { McpCaller } from './mcp-deps.ts'

/** The header naming the tenant when the operator token, not a secret key, authenticates (`comerix mcp`). */
export const TENANT_HEADER = 'x-comerix-tenant'
const MCP_SCOPES = ['mcp', 'analyst', 'admin'] as const

/**
 * Who calls /mcp: a secret key (`Authorization: Bearer sk_...`) with the `mcp`, `analyst` or `admin`
 * scope, or the operator token plus a tenant slug, which is how `comerix mcp` relays a desktop client to
 * the embedded server that owns the data directory (whoever holds the operator token runs the installation).
 */
export function mcpAuthenticator(tenancy: TenancyService, operatorToken: string) {
  const checkOperator = requireOperatorToken(operatorToken)
  return async (request: FastifyRequest): Promise<McpCaller> => {
    if (request.headers[OPERATOR_TOKEN_HEADER] !== undefined) {
      await checkOperator(request)
      const slug = request.headers[TENANT_HEADER]
      if (typeof slug !== 'string' || slug === '')
        throw new AppError('bad_request', `the operator token needs the ${TENANT_HEADER} header`)
      const tenant = await tenancy.requireTenant(slug)
      return { tenantId: tenant.id, keyId: 'operator', scopes: ['mcp'], transport: 'stdio' }
    }
    const header = request.headers.authorization
    const key = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined
    if (!key) throw new AppError('unauthorized', 'send a secret key as Authorization: Bearer sk_...')
    const principal = await tenancy.authenticateSecretKey(key)
    if (!principal) throw new AppError('unauthorized', 'the secret key is unknown or revoked')
    if (!principal.scopes.some((scope) => (MCP_SCOPES as readonly string[]).includes(scope)))
      throw new AppError('forbidden', 'the secret key needs the "mcp", "analyst" or "admin" scope')
    return {
      tenantId: principal.tenantId,
      keyId: principal.keyId,
      scopes: principal.scopes,
      transport: 'http',
    }
  }
}
