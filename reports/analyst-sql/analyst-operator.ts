import { z } from 'zod'
import type { ClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { sha256Hex } from '../../platform/ids.ts'
import type { SecretKeyInfo, TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { ANALYST_SCHEMA } from './analyst-schema.ts'
import type { QueryLimits } from './scope-query.ts'
import { analystBootstrapDdl, analystUserName, createAnalystDdl, revokeAnalystDdl } from './server-ddl.ts'

export const analystName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,40}$/,
    'expected 1-41 lowercase letters, digits, - or _, starting with a letter or digit',
  )

export interface AnalystInfo {
  name: string
  keyId: string
  displayPrefix: string
  createdAt: string
  revoked: boolean
  /** How the analyst connects: the user name, and the ClickHouse user in server mode. */
  user: string
  database: string
}

export interface IssuedAnalyst extends AnalystInfo {
  /** The password (a secret key with the `analyst` scope); shown once. */
  key: string
  mode: 'embedded' | 'server'
  /** The analyst SQL endpoint in embedded mode; in server mode the analyst uses the ClickHouse server's URL. */
  url: string | undefined
}

/** `comerix analyst:create|list|revoke`: what the CLI asks, in-process or through the operator routes. */
export interface AnalystOperator {
  createAnalyst(tenantSlug: string, input: { name: string }): Promise<IssuedAnalyst>
  listAnalysts(tenantSlug: string): Promise<AnalystInfo[]>
  revokeAnalyst(tenantSlug: string, name: string): Promise<{ revoked: number }>
}

export interface AnalystOperatorDeps {
  tenancy: TenancyService
  clickhouse: ClickHouse
  limits: QueryLimits
  /** The embedded endpoint's URL (the configured one until it listens); undefined when switched off. */
  endpointUrl: () => string | undefined
}

/**
 * An analyst is a secret key with the `analyst` scope, named. In embedded mode that is all: the endpoint
 * takes the tenant slug and the key. In server mode the analyst is also a ClickHouse user (server-ddl.ts)
 * whose password is the same key, created and dropped with it.
 */
export function createAnalystOperator(deps: AnalystOperatorDeps): AnalystOperator {
  const { tenancy, clickhouse } = deps
  const target = { database: clickhouse.database, cluster: clickhouse.cluster }
  const run = async (statements: string[]) => {
    for (const query of statements) await clickhouse.client.command({ query })
  }
  const analystsOf = async (tenantId: string) =>
    (await tenancy.listSecretKeys(tenantId)).filter((key) => key.scopes.includes('analyst'))
  const info = (slug: string, key: SecretKeyInfo): AnalystInfo => ({
    name: key.name,
    keyId: key.keyId,
    displayPrefix: key.displayPrefix,
    createdAt: key.createdAt,
    revoked: key.revoked,
    user: clickhouse.mode === 'server' ? analystUserName(slug, key.name) : slug,
    database: clickhouse.mode === 'server' ? `${clickhouse.database}_${ANALYST_SCHEMA}` : ANALYST_SCHEMA,
  })

  return {
    async createAnalyst(slug, input) {
      const name = analystName.parse(input.name)
      const tenant = await tenancy.requireTenant(slug)
      if ((await analystsOf(tenant.id)).some((key) => key.name === name && !key.revoked)) {
        throw new AppError('conflict', `tenant "${slug}" already has an analyst "${name}"`)
      }
      const issued = await tenancy.createSecretKey(tenant.id, { name, scopes: ['analyst'] })
      if (clickhouse.mode === 'server') {
        await run(analystBootstrapDdl(target, deps.limits))
        await run(
          createAnalystDdl(target, {
            user: analystUserName(slug, name),
            tenantId: tenant.id,
            keyHash: sha256Hex(issued.key),
          }),
        )
      }
      return {
        ...info(slug, issued),
        key: issued.key,
        mode: clickhouse.mode,
        url: clickhouse.mode === 'embedded' ? deps.endpointUrl() : undefined,
      }
    },
    async listAnalysts(slug) {
      const tenant = await tenancy.requireTenant(slug)
      return (await analystsOf(tenant.id)).map((key) => info(slug, key))
    },
    async revokeAnalyst(slug, rawName) {
      const name = analystName.parse(rawName)
      const tenant = await tenancy.requireTenant(slug)
      const keys = (await analystsOf(tenant.id)).filter((key) => key.name === name && !key.revoked)
      if (keys.length === 0) throw new AppError('not_found', `tenant "${slug}" has no analyst "${name}"`)
      for (const key of keys) await tenancy.revokeSecretKey(tenant.id, key.keyId)
      if (clickhouse.mode === 'server') await run(revokeAnalystDdl(target, analystUserName(slug, name)))
      return { revoked: keys.length }
    },
  }
}
