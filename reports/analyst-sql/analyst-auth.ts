import type { IncomingHttpHeaders } from 'node:http'
import { ExpiringCache } from '../../platform/expiring-cache.ts'
import { hasScope, type TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { refuse } from './clickhouse-error.ts'

export interface Credentials {
  user: string
  key: string
}

/**
 * The credentials of the ClickHouse HTTP interface, in the order ClickHouse reads them: the
 * X-ClickHouse-User / X-ClickHouse-Key headers, HTTP basic auth, then `user` / `password` URL parameters.
 */
export function readCredentials(headers: IncomingHttpHeaders, url: URL): Credentials | undefined {
  const headerUser = headers['x-clickhouse-user']
  if (typeof headerUser === 'string') {
    const key = headers['x-clickhouse-key']
    return { user: headerUser, key: typeof key === 'string' ? key : '' }
  }
  const authorization = headers.authorization
  if (typeof authorization === 'string' && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) throw refuse('AUTHENTICATION_FAILED', 'malformed basic authorization')
    return { user: decoded.slice(0, colon), key: decoded.slice(colon + 1) }
  }
  const user = url.searchParams.get('user')
  if (user !== null) return { user, key: url.searchParams.get('password') ?? '' }
  return undefined
}

/**
 * An analyst signs in with the tenant's slug as the user name and a secret key with the `analyst` scope
 * (or `admin`) of that tenant as the password. Every failure gives the same answer, so a probe learns
 * nothing about which slugs or keys exist.
 */
export class AnalystAuthenticator {
  private readonly slugs = new ExpiringCache<string | null>(60_000)

  constructor(private readonly tenancy: TenancyService) {}

  async authenticate(credentials: Credentials | undefined): Promise<{ tenantId: string; slug: string }> {
    const failed = () =>
      refuse(
        'AUTHENTICATION_FAILED',
        `${credentials?.user || 'default'}: Authentication failed: password is incorrect, or there is no user with such name`,
      )
    if (!credentials || credentials.key === '') throw failed()
    const principal = await this.tenancy.authenticateSecretKey(credentials.key)
    if (!principal || !hasScope(principal, 'analyst')) throw failed()
    const tenantId = await this.tenantIdOf(credentials.user)
    if (tenantId !== principal.tenantId) throw failed()
    return { tenantId, slug: credentials.user }
  }

  private async tenantIdOf(slug: string): Promise<string | undefined> {
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) return undefined
    const cached = this.slugs.get(slug)
    if (cached !== undefined) return cached ?? undefined
    const tenant = await this.tenancy.requireTenant(slug).catch(() => undefined)
    this.slugs.set(slug, tenant?.id ?? null, tenant ? 60_000 : 5_000)
    return tenant?.id
  }
}
