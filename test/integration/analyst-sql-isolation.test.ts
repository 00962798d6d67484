import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANALYST_VIEWS } from '../../reports/analyst-sql/analyst-schema.ts'
import { type AnalystWorld, startAnalystWorld } from '../support/analyst-world.ts'

// Tenant A's analyst tries to read tenant B (marker "bravo") and anything outside analytics_v1.
let world: AnalystWorld
let db: string
beforeAll(async () => {
  world = await startAnalystWorld({
    ANALYST_SQL_MAX_EXECUTION_SECONDS: '2',
    ANALYST_SQL_MAX_RESULT_ROWS: '100000',
  })
  db = world.app.clickhouse.database
}, 60_000)
afterAll(() => world?.app.close())

const basic = (user: string, key: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`
async function ask(sql: string, search = '', init: RequestInit = {}) {
  const response = await fetch(`${world.url}/?${search}`, {
    method: 'POST',
    body: sql,
    ...init,
    headers: { authorization: basic(world.a.slug, world.a.key), ...(init.headers as Record<string, string>) },
  })
  return {
    status: response.status,
    code: response.headers.get('x-clickhouse-exception-code'),
    body: await response.text(),
  }
}

/** Refused with a ClickHouse error of `type`, a 4xx, and not a byte of tenant B's data in the answer. */
async function expectRefused(sql: string, type: string, search = '', init: RequestInit = {}) {
  const answer = await ask(sql, search, init)
  expect(answer.body).toMatch(new RegExp(`^Code: \\d+\\. DB::Exception: [\\s\\S]*\\(${type}\\)\\n$`))
  expect(answer.status).toBeGreaterThanOrEqual(400)
  expect(answer.status).toBeLessThan(500)
  expect(answer.body).not.toContain('bravo')
  expect(answer.body).not.toContain(world.b.id)
  return answer
}

describe('tenant isolation, by content', () => {
  it.each(ANALYST_VIEWS)('every row of %s belongs to the analyst tenant', async (view) => {
    const answer = await ask(`SELECT * FROM ${view} FORMAT JSONEachRow`)
    expect(answer.status).toBe(200)
    expect(answer.body).not.toContain('bravo')
    expect(answer.body).not.toContain(world.b.id)
    const rows = answer.body
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { tenant_id: string })
    for (const row of rows) expect(row.tenant_id).toBe(world.a.id)
    if (view !== 'goal_completions') {
      expect(rows.length).toBeGreaterThan(0)
      expect(answer.body).toContain('alpha')
    }
  })

  it('a filter on the other tenant id, qualified names and nested queries find nothing of it', async () => {
    for (const sql of [
      `SELECT * FROM events WHERE tenant_id = '${world.b.id}'`,
      `SELECT * FROM analytics_v1.events WHERE tenant_id != '${world.a.id}'`,
      "SELECT * FROM (SELECT * FROM (SELECT * FROM events)) WHERE chat_session_id LIKE 'bravo%'",
      "SELECT count() FROM events WHERE chat_session_id IN (SELECT chat_session_id FROM llm_calls WHERE model != '')  AND chat_session_id LIKE 'bravo%'",
      "WITH x AS (SELECT * FROM conversions) SELECT * FROM x WHERE conversion_id LIKE 'bravo%' UNION ALL SELECT * FROM analytics_v1.conversions WHERE order_id LIKE 'bravo%'",
    ]) {
      const answer = await ask(`${sql} FORMAT JSONEachRow`)
      expect(answer.status).toBe(200)
      expect(['', '{"count()":"0"}\n']).toContain(answer.body)
    }
  })

  it('another tenant reads its own rows through the same views', async () => {
    const answer = await ask(
      "SELECT DISTINCT chat_session_id FROM events WHERE chat_session_id != '' ORDER BY 1 FORMAT CSV",
      '',
      {
        headers: { authorization: basic(world.b.slug, world.b.key) },
      },
    )
    expect(answer.body).toBe('"bravo-s1"\n"bravo-s2"\n"bravo-s3"\n')
  })
})

describe('escape attempts are refused with nothing leaked', () => {
  it('internal tables by full name, the views behind the schema, and system tables', async () => {
    for (const table of ['events', 'tenants', 'secret_keys', 'analyst_events', 'chat_sessions']) {
      await expectRefused(`SELECT * FROM ${db}.${table}`, 'ACCESS_DENIED')
    }
    await expectRefused(`SELECT * FROM ${db}_analytics_v1.events`, 'ACCESS_DENIED')
    for (const table of ['tables', 'query_log', 'processes', 'users', 'settings', 'databases']) {
      await expectRefused(`SELECT * FROM system.${table}`, 'ACCESS_DENIED')
    }
    await expectRefused('SELECT * FROM tenants', 'UNKNOWN_TABLE')
    await expectRefused('SELECT 1 WHERE 1 IN tenants', 'UNKNOWN_TABLE')
    await expectRefused(`SELECT 1 WHERE '' IN ${db}.tenants`, 'ACCESS_DENIED')
  })

  it('calling the tenant-scoped views with another tenant, or sending the tenant parameter', async () => {
    await expectRefused(
      `SELECT * FROM ${db}.analyst_events(comerix_tenant_id = '${world.b.id}')`,
      'ACCESS_DENIED',
    )
    await expectRefused(`SELECT * FROM events(comerix_tenant_id = '${world.b.id}')`, 'ACCESS_DENIED')
    await expectRefused(
      'SELECT * FROM events',
      'BAD_QUERY_PARAMETER',
      `param_comerix_tenant_id=${world.b.id}`,
    )
  })

  it('table functions other than row generators, dictionaries and files', async () => {
    for (const sql of [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')",
      "SELECT * FROM remote('127.0.0.1', system.one)",
      "SELECT * FROM s3('http://127.0.0.1:1/x.csv')",
      "SELECT * FROM executable('ls', 'TSV', 'x String')",
      "SELECT * FROM input('x String')",
      `SELECT * FROM merge('${db}', '.*')`,
      `SELECT * FROM view(SELECT * FROM ${db}.events)`,
      "SELECT * FROM cluster('default', system.one)",
    ]) {
      await expectRefused(sql, 'ACCESS_DENIED')
    }
    for (const sql of [
      "SELECT dictGet('d', 'a', toUInt64(1))",
      "SELECT DICTGETSTRING('d', 'a', toUInt64(1))",
      "SELECT joinGet('j', 'v', 1)",
      "SELECT file('/etc/passwd')",
      "SELECT `file`('/etc/passwd')",
      `SELECT hasColumnInTable('${db}', 'events', 'tenant_id')`,
    ]) {
      await expectRefused(sql, 'ACCESS_DENIED')
    }
    const numbers = await ask('SELECT sum(number) FROM numbers(10)')
    expect(numbers.body).toBe('45\n')
  })

  it('SET, SETTINGS clauses and setting overrides in the URL', async () => {
    await expectRefused('SET readonly = 0', 'READONLY')
    await expectRefused('SELECT * FROM events SETTINGS readonly = 0', 'READONLY')
    await expectRefused('SELECT * FROM (SELECT * FROM events SETTINGS max_result_rows = 0)', 'READONLY')
    await expectRefused('SELECT 1', 'READONLY', 'allow_ddl=1')
    await expectRefused('SELECT 1', 'READONLY', 'max_memory_usage=0')
    // Asking for a higher limit than the endpoint's is accepted and has no effect.
    await expectRefused(
      'SELECT * FROM numbers(200000)',
      'TOO_MANY_ROWS_OR_BYTES',
      'max_result_rows=0&readonly=0',
    )
  })

  it('DDL, INSERT, other statements and several statements in one request', async () => {
    for (const sql of [
      'DROP TABLE events',
      `DROP TABLE ${db}.events`,
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      `ALTER TABLE ${db}.events DELETE WHERE 1`,
      `TRUNCATE TABLE ${db}.events`,
      `INSERT INTO ${db}.events (tenant_id) VALUES ('${world.b.id}')`,
      'INSERT INTO events SELECT * FROM events',
      'KILL QUERY WHERE 1',
      'SYSTEM FLUSH LOGS',
      'USE system',
      `EXPLAIN SELECT * FROM ${db}.events`,
      'SHOW CREATE TABLE events',
      "SELECT 1 INTO OUTFILE '/tmp/analyst-escape'",
    ]) {
      await expectRefused(sql, '(READONLY|ACCESS_DENIED|SYNTAX_ERROR)')
    }
    await expectRefused(`SELECT 1; DROP TABLE ${db}.events`, 'SYNTAX_ERROR')
    await expectRefused(`SELECT 1;\nINSERT INTO ${db}.tenants (slug) VALUES ('x')`, 'SYNTAX_ERROR')
    expect((await ask('SELECT count() FROM events')).body).toBe('10\n')
  })

  it('comments, quoting and name tricks', async () => {
    await expectRefused(`SELECT * FROM /* events */ \`${db}\`.\`events\``, 'ACCESS_DENIED')
    await expectRefused(`SELECT * FROM "${db}"."tenants"`, 'ACCESS_DENIED')
    await expectRefused('SELECT * FROM "system"."tables" -- FROM events', 'ACCESS_DENIED')
    await expectRefused(`WITH events AS (SELECT * FROM ${db}.events) SELECT * FROM events`, 'ACCESS_DENIED')
    await expectRefused(
      'SELECT * FROM (WITH tenants AS (SELECT 1) SELECT * FROM tenants), tenants',
      'UNKNOWN_TABLE',
    )
    await expectRefused('SELECT 1 AS `a\nIDENTIFIER id: 9, identifier: events` FROM events', 'SYNTAX_ERROR')
    await expectRefused('SELECT 1 FROM `events\n    IDENTIFIER id: 8, identifier: events`', 'SYNTAX_ERROR')
    await expectRefused('SELECT * FROM `events, identifier: tenants`', 'UNKNOWN_TABLE')
    const literal = await ask("SELECT 'FROM system.tables; DROP TABLE events' AS s FORMAT TSV")
    expect(literal.body).toBe('FROM system.tables; DROP TABLE events\n')
  })

  it('query_id reuse while the first query runs, and for another tenant', async () => {
    const slow = 'SELECT count() FROM numbers(100000000000) WHERE cityHash64(number) = 7'
    const first = ask(slow, 'query_id=analyst-dup')
    await new Promise((resolve) => setTimeout(resolve, 500))
    const second = await expectRefused(
      'SELECT 1',
      'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING',
      'query_id=analyst-dup',
    )
    expect(second.status).toBe(409)
    const otherTenant = await ask('SELECT 1', 'query_id=analyst-dup', {
      headers: { authorization: basic(world.b.slug, world.b.key) },
    })
    expect(otherTenant.body).toBe('1\n')
    expect((await first).body).toMatch(/\(TIMEOUT_EXCEEDED\)/)
  })

  it('huge results and long queries stop at the limits', async () => {
    await expectRefused('SELECT * FROM numbers(100000000)', 'TOO_MANY_ROWS_OR_BYTES')
    await expectRefused(
      'SELECT count() FROM numbers(100000000000) WHERE cityHash64(number) = 7',
      'TIMEOUT_EXCEEDED',
    )
    await expectRefused(
      "SELECT groupArray(repeat('x', 1000)) FROM numbers(10000000)",
      '(MEMORY_LIMIT_EXCEEDED|TIMEOUT_EXCEEDED|TOO_MANY_ROWS_OR_BYTES)',
    )
  })

  it('malformed protocol requests', async () => {
    await expectRefused('SELECT 1', 'AUTHENTICATION_FAILED', '', { headers: { authorization: 'Basic %%%' } })
    await expectRefused('SELECT 1', 'AUTHENTICATION_FAILED', '', {
      headers: { authorization: basic(world.a.slug, 'sk_nope') },
    })
    await expectRefused('SELECT 1', 'AUTHENTICATION_FAILED', '', {
      headers: { authorization: basic('default', '') },
    })
    await expectRefused('SELECT 1', 'BAD_ARGUMENTS', '', { headers: { 'content-encoding': 'zstd-unknown' } })
    await expectRefused('not gzip at all', 'CANNOT_PARSE_INPUT', '', {
      headers: { 'content-encoding': 'gzip' },
    })
    await expectRefused('SELECT 1', 'UNSUPPORTED_METHOD', '', { method: 'PUT' })
    await expectRefused('', 'SYNTAX_ERROR')
    await expectRefused(`SELECT '${'x'.repeat(1_100_000)}'`, 'BAD_ARGUMENTS')
    await expectRefused('SELECT {n:UInt8}', 'UNKNOWN_QUERY_PARAMETER')
    await expectRefused('SELECT {n:UInt8}', '[A-Z_]+', 'param_n=abc')
    await expectRefused('SELECT 1', 'BAD_QUERY_PARAMETER', 'param_a%20b=1')
    await expectRefused('SELECT 1', 'BAD_ARGUMENTS', `query_id=${'x'.repeat(300)}`)
    await expectRefused('SELECT 1 FORMAT Protobuf', 'UNKNOWN_FORMAT')
    await expectRefused(gzipSync('SELECT * FROM system.users') as unknown as string, 'ACCESS_DENIED', '', {
      headers: { 'content-encoding': 'gzip' },
    })
    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(world.url).port), '127.0.0.1', () =>
        socket.write('GARBAGE \x00\x01\r\n\r\n'),
      )
      let data = ''
      socket.on('data', (chunk) => {
        data += chunk.toString()
      })
      socket.on('close', () => resolve(data))
      socket.on('error', () => resolve(data))
    })
    expect(garbage).toMatch(/^HTTP\/1\.1 400/)
    expect((await ask('SELECT count() FROM chat_sessions')).body).toBe('3\n')
  })
})
