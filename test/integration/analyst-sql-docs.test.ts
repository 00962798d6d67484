import { readFile } from 'node:fs/promises'
import { createClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AnalystWorld, DAY, startAnalystWorld } from '../support/analyst-world.ts'

let world: AnalystWorld
let examples: Map<string, string>
beforeAll(async () => {
  world = await startAnalystWorld()
  const readme = await readFile(new URL('../../sql/README.md', import.meta.url), 'utf8')
  examples = new Map(
    [...readme.matchAll(/```sql analyst:([a-z-]+)\n([\s\S]*?)```/g)].map((match) => [
      match[1] as string,
      match[2] as string,
    ]),
  )
}, 60_000)
afterAll(() => world?.app.close())

const WINDOW = { from: `${DAY} 00:00:00`, to: '2026-03-11 00:00:00' }

async function runExample(name: string): Promise<Record<string, unknown>[]> {
  const sql = examples.get(name)
  if (!sql) throw new Error(`sql/README.md has no example ${name}`)
  const client = createClient({
    url: world.url.replace('http://', `http://${world.a.slug}:${encodeURIComponent(world.a.key)}@`),
  })
  try {
    const result = await client.query({ query: sql, query_params: WINDOW, format: 'JSONEachRow' })
    return await result.json()
  } finally {
    await client.close()
  }
}

async function api(family: string, query: Record<string, string>) {
  const key = (await world.app.tenancy.createSecretKey(world.a.id, { name: 'api', scopes: ['analyst'] })).key
  const search = new URLSearchParams({ from: DAY, to: DAY, timezone: 'UTC', ...query })
  const response = await world.app.server.inject({
    method: 'GET',
    url: `/v1/analytics/${family}?${search}`,
    headers: { authorization: `Bearer ${key}` },
  })
  expect(response.statusCode).toBe(200)
  return response.json() as { rows: Record<string, unknown>[]; totals: Record<string, unknown>[] }
}

const num = (value: unknown) => Number(value)

describe('the example queries of sql/README.md (analytics_v1)', () => {
  it('documents the examples the test runs', () => {
    expect([...examples.keys()].sort()).toEqual(
      [
        'daily-revenue',
        'daily-revenue-by-flow',
        'funnel',
        'token-spend',
        'token-spend-per-conversation',
      ].sort(),
    )
  })

  it('daily revenue equals GET /v1/analytics/conversions', async () => {
    const sql = await runExample('daily-revenue')
    const { rows } = await api('conversions', {
      granularity: 'day',
      metrics: 'conversions,revenue_micros',
      groupBy: 'currency',
    })
    expect(sql.map((row) => [row.day, row.currency, num(row.conversions), num(row.revenue_micros)])).toEqual(
      rows.map((row) => [
        String(row.bucket).slice(0, 10),
        row.currency,
        num(row.conversions),
        num(row.revenue_micros),
      ]),
    )
    expect(sql).toEqual([{ day: DAY, currency: 'EUR', conversions: '2', revenue_micros: '60000000' }])
  })

  it('daily revenue by flow equals GET /v1/analytics/attribution (last touch)', async () => {
    const sql = await runExample('daily-revenue-by-flow')
    const { rows } = await api('attribution', {
      granularity: 'day',
      metrics: 'attributed_conversions,attributed_revenue_micros',
      groupBy: 'flow',
    })
    expect(sql.length).toBeGreaterThan(0)
    const key = (day: unknown, flow: unknown, currency: unknown) =>
      `${String(day).slice(0, 10)}|${flow}|${currency}`
    expect(
      Object.fromEntries(
        sql.map((row) => [
          key(row.day, row.flow, row.currency),
          [num(row.attributed_conversions), num(row.attributed_revenue_micros)],
        ]),
      ),
    ).toEqual(
      Object.fromEntries(
        rows
          .filter((row) => num(row.attributed_conversions) !== 0 || num(row.attributed_revenue_micros) !== 0)
          .map((row) => [
            key(row.bucket, row.flow, row.currency),
            [num(row.attributed_conversions), num(row.attributed_revenue_micros)],
          ]),
      ),
    )
  })

  it('token spend per conversation adds up to GET /v1/analytics/token-spend', async () => {
    const perConversation = await runExample('token-spend-per-conversation')
    const [total] = await runExample('token-spend')
    const { totals, rows } = await api('token-spend', {
      granularity: 'total',
      metrics: 'cost_micros,total_tokens,conversations,cost_per_conversation_micros',
    })
    const answer = (totals[0] ?? rows[0]) as Record<string, unknown>
    expect(num(total?.cost_micros)).toBe(num(answer.cost_micros))
    expect(num(total?.total_tokens)).toBe(num(answer.total_tokens))
    expect(num(total?.conversations)).toBe(num(answer.conversations))
    expect(num(total?.cost_per_conversation_micros)).toBe(num(answer.cost_per_conversation_micros))
    expect(perConversation.reduce((sum, row) => sum + num(row.cost_micros), 0)).toBe(num(answer.cost_micros))
    expect(perConversation).toHaveLength(num(answer.conversations))
  })

  it('the funnel starts from the sessions of GET /v1/analytics/engagement', async () => {
    const [funnel] = await runExample('funnel')
    const { totals, rows } = await api('engagement', {
      granularity: 'total',
      metrics: 'chat_sessions,engaged_sessions',
    })
    const answer = (totals[0] ?? rows[0]) as Record<string, unknown>
    expect(num(funnel?.chat_sessions)).toBe(num(answer.chat_sessions))
    expect(num(funnel?.engaged_sessions)).toBe(num(answer.engaged_sessions))
    expect(num(funnel?.converting_sessions)).toBeGreaterThan(0)
    expect(num(funnel?.converting_sessions)).toBeLessThanOrEqual(num(funnel?.engaged_sessions))
  })
})
