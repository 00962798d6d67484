import { describe, expect, it } from 'vitest'
import {
  analystBootstrapDdl,
  analystUserName,
  createAnalystDdl,
  revokeAnalystDdl,
} from '../../reports/analyst-sql/server-ddl.ts'
import { testClickHouse } from '../support/clickhouse.ts'

const limits = {
  maxExecutionSeconds: 10,
  maxResultRows: 1_000_000,
  maxResultBytes: 100_000_000,
  maxMemoryBytes: 1_000_000_000,
}
const analyst = {
  user: analystUserName('acme-shop', 'bob'),
  tenantId: '0b6f1a52-3c1e-4d7a-9a55-2f7f4b0c1d2e',
  keyHash: 'f'.repeat(64),
}

/** ClickHouse's own parser (the embedded engine, same SQL as a server) normalises each statement. */
async function formatted(statements: string[]): Promise<string[]> {
  const { client } = await testClickHouse()
  const out: string[] = []
  for (const statement of statements) {
    const result = await client.query({
      query: 'SELECT formatQuery({q:String}) AS f',
      query_params: { q: statement },
      format: 'JSONEachRow',
    })
    out.push(((await result.json<{ f: string }>())[0] as { f: string }).f)
  }
  return out
}

describe('server-mode analyst DDL', () => {
  it.each([undefined, 'main'])('parses with ClickHouse, cluster %s', async (cluster) => {
    const target = { database: 'comerix', cluster }
    const statements = [
      ...analystBootstrapDdl(target, limits),
      ...createAnalystDdl(target, analyst),
      ...revokeAnalystDdl(target, analyst.user),
    ]
    const parsed = await formatted(statements)
    expect(parsed).toHaveLength(statements.length)
    for (const statement of parsed) {
      if (cluster) expect(statement).toContain('ON CLUSTER main')
      else expect(statement).not.toContain('ON CLUSTER')
    }
    const joined = parsed.join('\n')
    expect(joined).toContain(
      'GRANT SELECT ON comerix_analytics_v1.* TO comerix_analyst'.replace(
        'GRANT',
        cluster ? 'GRANT ON CLUSTER main' : 'GRANT',
      ),
    )
    expect(joined).toMatch(/readonly = 2/)
    expect(joined).toMatch(/max_execution_time = 10 CONST/)
    expect(joined).toContain(`tenant_id = toUUID('${analyst.tenantId}')`)
    expect(joined).toContain("IDENTIFIED WITH sha256_hash BY 'ffff")
    expect(joined).toMatch(
      /CREATE QUOTA IF NOT EXISTS analyst_acme-shop_bob|CREATE QUOTA IF NOT EXISTS `analyst_acme-shop_bob`/,
    )
  })

  it('refuses names and values that are not plain', () => {
    expect(() => analystUserName('acme', "bob'; DROP USER default")).toThrow()
    expect(() => analystUserName('ACME', 'bob')).toThrow()
    expect(() =>
      createAnalystDdl({ database: 'comerix', cluster: undefined }, { ...analyst, tenantId: "x') OR 1 --" }),
    ).toThrow()
    expect(() =>
      createAnalystDdl({ database: 'comerix', cluster: undefined }, { ...analyst, keyHash: 'sk_plaintext' }),
    ).toThrow()
    expect(() => analystBootstrapDdl({ database: 'comerix', cluster: 'a`b' }, limits)).toThrow()
  })

  it('never carries the key itself, only its SHA-256', () => {
    const ddl = createAnalystDdl({ database: 'comerix', cluster: undefined }, analyst).join('\n')
    expect(ddl).not.toMatch(/sk_/)
  })
})
