import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { createClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnalystWorld, startAnalystWorld } from '../support/analyst-world.ts'

let world: AnalystWorld
beforeAll(async () => {
  world = await startAnalystWorld()
}, 60_000)
afterAll(() => world?.app.close())

const basic = (user: string, key: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`
const http = (path: string, init: RequestInit = {}) =>
  fetch(`${world.url}${path}`, {
    ...init,
    headers: { authorization: basic(world.a.slug, world.a.key), ...(init.headers as Record<string, string>) },
  })

/** An ordinary ClickHouse URL: http://<tenant slug>:<analyst key>@host:port */
const analystUrl = () =>
  world.url.replace('http://', `http://${world.a.slug}:${encodeURIComponent(world.a.key)}@`)

describe('the analyst endpoint with @clickhouse/client', () => {
  const client = () => createClient({ url: analystUrl(), database: 'analytics_v1' })

  it('answers ping, queries with query_params, JSONEachRow and streams', async () => {
    const ch = client()
    try {
      expect((await ch.ping()).success).toBe(true)
      const result = await ch.query({
        query:
          'SELECT type, count() AS n FROM events WHERE ts >= {from:DateTime64(3)} GROUP BY type ORDER BY type',
        query_params: { from: '2026-03-10 00:00:00' },
        format: 'JSONEachRow',
      })
      const rows = await result.json<{ type: string; n: string }>()
      expect(rows).toEqual([
        { type: 'chat.message.received', n: '2' },
        { type: 'chat.session.opened', n: '3' },
        { type: 'conversion', n: '3' },
        { type: 'llm.call', n: '2' },
      ])
      const streamed: unknown[] = []
      const stream = (
        await ch.query({
          query: 'SELECT chat_session_id FROM chat_sessions ORDER BY 1',
          format: 'JSONEachRow',
        })
      ).stream()
      for await (const chunk of stream) for (const row of chunk) streamed.push(row.json())
      expect(streamed).toEqual(['s1', 's2', 's3'].map((id) => ({ chat_session_id: `alpha-${id}` })))
      const json = await (
        await ch.query({
          query: 'SELECT sum(value_micros) AS net FROM analytics_v1.conversions',
          format: 'JSON',
        })
      ).json<{ data: unknown[] }>()
      expect(json.data).toEqual([{ net: '60000000' }])
    } finally {
      await ch.close()
    }
  })

  it('surfaces ClickHouse errors as ClickHouseError with code and type', async () => {
    const ch = createClient({ url: analystUrl() })
    try {
      expect(
        await (await ch.query({ query: 'SELECT count() AS n FROM llm_calls', format: 'JSONEachRow' })).json(),
      ).toEqual([{ n: '2' }])
      await expect(
        ch.query({ query: 'SELECT * FROM system.tables', format: 'JSONEachRow' }),
      ).rejects.toMatchObject({ code: '497', type: 'ACCESS_DENIED' })
      await expect(ch.command({ query: 'DROP TABLE events' })).rejects.toMatchObject({ type: 'READONLY' })
    } finally {
      await ch.close()
    }
  })

  it('compresses the response when the client asks for it', async () => {
    const ch = createClient({
      url: world.url,
      username: world.a.slug,
      password: world.a.key,
      compression: { response: true, request: true },
    })
    try {
      const rows = await (
        await ch.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
      ).json()
      expect(rows).toEqual([{ n: '10' }])
    } finally {
      await ch.close()
    }
  })
})

describe('the analyst endpoint over raw HTTP', () => {
  it('takes the query from GET ?query=, a POST body, or both, with FORMAT, default_format and param_*', async () => {
    const get = await http(`/?query=${encodeURIComponent('SELECT count() FROM events FORMAT CSV')}`)
    expect(get.status).toBe(200)
    expect(get.headers.get('x-clickhouse-format')).toBe('CSV')
    expect(await get.text()).toBe('10\n')
    const post = await http('/?default_format=JSONCompact&param_kind=llm.call', {
      method: 'POST',
      body: 'SELECT count() AS n FROM events WHERE type = {kind:String}',
    })
    expect(await post.json()).toMatchObject({ data: [['2']] })
    const both = await http(`/?query=${encodeURIComponent('SELECT 1 AS one')}`, {
      method: 'POST',
      body: 'FORMAT TabSeparatedWithNamesAndTypes',
    })
    expect(await both.text()).toBe('one\nUInt8\n1\n')
    const summary = JSON.parse(post.headers.get('x-clickhouse-summary') ?? '{}')
    expect(summary).toHaveProperty('read_rows')
    expect(post.headers.get('x-clickhouse-query-id')).toMatch(/./)
  })

  it('reads gzip request bodies and answers SHOW TABLES, SHOW DATABASES and DESCRIBE', async () => {
    const zipped = await http('/?default_format=CSV', {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync('SELECT count() FROM conversions'),
    })
    expect(await zipped.text()).toBe('3\n')
    const compressed = await http('/?enable_http_compression=1&query=SELECT%201', {
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(compressed.headers.get('content-encoding')).toBe('gzip')
    expect(await compressed.text()).toBe('1\n')
    expect(await (await http('/?query=SHOW%20TABLES')).text()).toContain('attribution_credits\n')
    expect(await (await http('/?query=SHOW%20DATABASES')).text()).toBe('analytics_v1\n')
    const describe = await (
      await http(`/?query=${encodeURIComponent('DESCRIBE TABLE llm_calls FORMAT JSONEachRow')}`)
    ).text()
    expect(describe).toContain('"name":"cost_micros"')
  })

  it('works with curl, basic auth in the URL and the X-ClickHouse-User/Key headers', async () => {
    const run = promisify(execFile)
    const withHeaders = await run('curl', [
      '-sS',
      '-H',
      `X-ClickHouse-User: ${world.a.slug}`,
      '-H',
      `X-ClickHouse-Key: ${world.a.key}`,
      `${world.url}/?query=SELECT%20count()%20FROM%20chat_sessions`,
    ])
    expect(withHeaders.stdout).toBe('3\n')
    const withBasic = await run('curl', [
      '-sS',
      '--data-binary',
      'SELECT uniqExact(chat_session_id) FROM llm_calls FORMAT CSV',
      '-u',
      `${world.a.slug}:${world.a.key}`,
      `${world.url}/`,
    ])
    expect(withBasic.stdout).toBe('2\n')
    const ping = await run('curl', ['-sS', `${world.url}/ping`])
    expect(ping.stdout).toBe('Ok.\n')
  })

  it('answers ClickHouse-shaped errors with X-ClickHouse-Exception-Code', async () => {
    const noAuth = await fetch(`${world.url}/?query=SELECT%201`)
    expect(noAuth.status).toBe(401)
    expect(noAuth.headers.get('x-clickhouse-exception-code')).toBe('516')
    expect(await noAuth.text()).toMatch(/^Code: 516\. DB::Exception: .*\(AUTHENTICATION_FAILED\)\n$/)
    const wrongTenant = await fetch(`${world.url}/?query=SELECT%201`, {
      headers: { authorization: basic(world.b.slug, world.a.key) },
    })
    expect(wrongTenant.status).toBe(401)
    const syntax = await http('/?query=SELEC%201')
    expect(syntax.status).toBe(400)
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62')
    const unknownColumn = await http('/?query=SELECT%20nope%20FROM%20events')
    expect(unknownColumn.status).toBe(400)
    expect(await unknownColumn.text()).not.toContain('analyst_events')
    const database = await http('/?database=comerix&query=SELECT%201')
    expect(database.headers.get('x-clickhouse-exception-code')).toBe('81')
  })
})

describe('analyst:create, list and revoke', () => {
  it('a revoked analyst can no longer sign in; list shows it revoked', async () => {
    const operator = world.app.analystSql.operator
    const issued = await operator.createAnalyst(world.a.slug, { name: 'temp' })
    expect(issued).toMatchObject({
      user: world.a.slug,
      database: 'analytics_v1',
      mode: 'embedded',
      url: world.url,
    })
    const asTemp = () =>
      fetch(`${world.url}/?query=SELECT%201`, { headers: { authorization: basic(world.a.slug, issued.key) } })
    expect((await asTemp()).status).toBe(200)
    await expect(operator.createAnalyst(world.a.slug, { name: 'temp' })).rejects.toMatchObject({
      code: 'conflict',
    })
    expect(await operator.revokeAnalyst(world.a.slug, 'temp')).toEqual({ revoked: 1 })
    const refused = await asTemp()
    expect(refused.status).toBe(401)
    expect(refused.headers.get('x-clickhouse-exception-code')).toBe('516')
    const listed = await operator.listAnalysts(world.a.slug)
    expect(listed.map((analyst) => [analyst.name, analyst.revoked])).toEqual([
      ['ana', false],
      ['temp', true],
    ])
    expect(JSON.stringify(listed)).not.toContain(issued.key)
  })

  it('an admin key of another tenant, or an engine-scoped key, does not sign in', async () => {
    const engine = await world.app.tenancy.createSecretKey(world.a.id, { name: 'engine', scopes: ['engine'] })
    const response = await fetch(`${world.url}/?query=SELECT%201`, {
      headers: { authorization: basic(world.a.slug, engine.key) },
    })
    expect(response.status).toBe(401)
  })
})
