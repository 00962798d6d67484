import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import type { EventRow } from '../../ingest/event-row.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'
import { withoutNames } from '../support/without-names.ts'

const HOUR = 3_600_000
const DAY = 86_400_000
/** A recent UTC midnight (well inside the events TTL); calls run from 17:00 the day before to 03:00. */
const DAY_START = Math.floor(Date.now() / DAY) * DAY - 10 * DAY
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10)

const METRICS = [
  'calls',
  'errors',
  'error_rate',
  'prompt_tokens',
  'cached_prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost_micros',
  'conversations',
  'cost_per_conversation_micros',
]
const FLOWS = [
  { flow_id: 'flow-orders', intent: 'order_status' },
  { flow_id: 'flow-faq', intent: 'faq' },
  { flow_id: 'flow-returns', intent: 'returns' },
]

/**
 * 36 calls 17 minutes apart across models, flows, intents and keys (crossing midnight in Berlin at
 * 23:00 UTC and in Kolkata at 18:30 UTC), every sixth failed with no usage, and price-backfill
 * adjustments (some negative) on every fourth successful call. `scale` makes tenants' costs differ.
 */
function llmEvents(tenantId: string, scale: number): EventRow[] {
  const rows: EventRow[] = []
  for (let i = 0; i < 36; i += 1) {
    const failed = i % 6 === 5
    const local = i % 5 === 4
    const prompt = failed ? 0 : 100 + 13 * i
    const completion = failed ? 0 : 20 + 3 * i
    const cost = failed || local ? 0 : (37 * prompt + 101 * completion + i) * scale
    const envelope = {
      tenant_id: tenantId,
      ts: DAY_START - 7 * HOUR + i * 17 * 60_000,
      chat_session_id: i === 0 ? '' : `session-${i % 7}`,
      execution_id: `execution-${i}`,
      ...(FLOWS[i % 3] as (typeof FLOWS)[number]),
      flow_version: 1,
      block_id: 'answer',
      widget_key: Math.floor(i / 2) % 2 ? 'pk_test_b' : 'pk_test_a',
    }
    const priced = {
      provider: local ? 'local' : 'openai-compatible',
      model: local ? 'comerix-local-faq' : i % 2 ? 'gpt-4.1' : 'gpt-4o-mini',
      cost_source: failed ? 'unpriced' : 'price_catalog',
      price_id: '',
    }
    const callId = randomUUID()
    rows.push(
      eventRow({
        ...envelope,
        event_id: callId,
        type: 'llm.call',
        props: {
          call_id: callId,
          ...priced,
          prompt_tokens: prompt,
          cached_prompt_tokens: failed ? 0 : (7 * i) % 50,
          completion_tokens: completion,
          total_tokens: prompt + completion,
          cost_micros: cost,
          latency_ms: 900,
          outcome: failed ? (i % 2 ? 'timeout' : 'error') : 'ok',
          error: failed ? 'the provider did not answer' : '',
        },
      }),
    )
    if (failed || i % 4 !== 0) continue
    const zeroUsage = { prompt_tokens: 0, cached_prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
    const delta = i % 8 === 0 ? -Math.floor(cost / 3) : 1_234 * scale
    const adjustment = { call_id: callId, ...priced, ...zeroUsage, cost_micros: delta, latency_ms: 0 }
    rows.push(
      eventRow(
        {
          ...envelope,
          type: 'llm.cost_adjusted',
          props: { ...adjustment, outcome: 'adjustment', error: '' },
        },
        'backend',
      ),
    )
  }
  return rows
}

const props = (row: EventRow) => JSON.parse(row.props) as Record<string, number | string>

/** Sums over generated rows, computed without ClickHouse. */
function expectedTotals(rows: EventRow[]) {
  const calls = rows.filter((row) => row.type === 'llm.call')
  const sum = (field: string) => rows.reduce((total, row) => total + Number(props(row)[field]), 0)
  return {
    calls: calls.length,
    errors: calls.filter((row) => props(row).outcome !== 'ok').length,
    cost_micros: sum('cost_micros'),
    total_tokens: sum('total_tokens'),
    conversations: new Set(calls.map((row) => row.chat_session_id).filter(Boolean)).size,
  }
}

let app: App
const tenants: Record<'a' | 'b', { id: string; key: string; rows: EventRow[] }> = {} as never

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50' }))
  for (const [name, scale] of [
    ['a', 1],
    ['b', 1000],
  ] as const) {
    const { tenant } = await app.operator.createTenant({ slug: `token-spend-${name}` })
    const { key } = await app.tenancy.createSecretKey(tenant.id, { name: 'analytics', scopes: ['analyst'] })
    tenants[name] = { id: tenant.id, key, rows: llmEvents(tenant.id, scale) }
    await app.publisher.publish(tenants[name].rows)
  }
  await waitFor(
    async () => {
      const [row] = await app.db.select<{ n: string }>(
        `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id IN {ids:Array(UUID)}`,
        { ids: [tenants.a.id, tenants.b.id] },
      )
      return Number(row?.n) === tenants.a.rows.length + tenants.b.rows.length
    },
    { timeoutMs: 30_000, message: 'llm events stored' },
  )
})
afterAll(() => app?.close())

async function tokenSpend(tenant: 'a' | 'b', query: Record<string, string | string[]>) {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries({ metrics: METRICS.join(','), ...query })) {
    for (const one of [value].flat()) search.append(name, one)
  }
  const response = await app.server.inject({
    method: 'GET',
    url: `/v1/analytics/token-spend?${search}`,
    headers: { authorization: `Bearer ${tenants[tenant].key}` },
  })
  const body = response.json()
  return { status: response.statusCode, body: body.rows ? { ...body, rows: withoutNames(body.rows) } : body }
}

const DIMENSION_SQL: Record<string, string> = {
  model: "JSONExtractString(props, 'model')",
  provider: "JSONExtractString(props, 'provider')",
  flow: 'flow_id',
  intent: 'intent',
  widget_key: 'widget_key',
}

/** The same question answered from `events` directly, one reference query independent of the family. */
async function referenceRows(
  tenantId: string,
  range: { from: string; to: string; timezone: string; granularity: string },
  groupBy: string[],
  filters: Record<string, string[]> = {},
) {
  const start = { hour: 'toStartOfHour', day: 'toStartOfDay' }[range.granularity]
  const keys = [
    ...(start
      ? [`formatDateTime(${start}(ts, {tz:String}), '%Y-%m-%dT%H:%i:%S', {tz:String}) AS bucket`]
      : []),
    ...groupBy.map((name) => `${DIMENSION_SQL[name]} AS ${name}`),
  ]
  const names = [...(start ? ['bucket'] : []), ...groupBy]
  const rows = await app.db.select<Record<string, string | number | null>>(
    `SELECT ${[
      ...keys,
      "countIf(type = 'llm.call') AS calls",
      "countIf(type = 'llm.call' AND JSONExtractString(props, 'outcome') != 'ok') AS errors",
      'if(calls = 0, NULL, errors / calls) AS error_rate',
      ...['prompt_tokens', 'cached_prompt_tokens', 'completion_tokens', 'total_tokens'].map(
        (name) => `sum(JSONExtractUInt(props, '${name}')) AS ${name}`,
      ),
      "sum(JSONExtractInt(props, 'cost_micros')) AS cost_micros",
      "uniqExactIf(chat_session_id, type = 'llm.call' AND chat_session_id != '') AS conversations",
      'if(conversations = 0, NULL, round(cost_micros / conversations)) AS cost_per_conversation_micros',
    ].join(', ')}
    FROM ${app.db.tables.events}
    WHERE tenant_id = {tenantId:UUID} AND type IN ('llm.call', 'llm.cost_adjusted')
      AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
      ${Object.keys(filters)
        .map((name) => `AND ${DIMENSION_SQL[name]} IN {filter_${name}:Array(String)}`)
        .join(' ')}
    ${names.length ? `GROUP BY ${names.join(', ')} ORDER BY ${names.join(', ')}` : ''}`,
    {
      tenantId,
      tz: range.timezone,
      from: Date.parse(range.from) / 1000,
      to: Date.parse(range.to) / 1000,
      ...Object.fromEntries(Object.entries(filters).map(([name, values]) => [`filter_${name}`, values])),
    },
  )
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => [
        name,
        METRICS.includes(name) && value !== null ? Number(value) : value,
      ]),
    ),
  )
}

const days = { from: date(DAY_START - DAY), to: date(DAY_START) }

describe('GET /v1/analytics/token-spend', () => {
  it.each([
    ['Europe/Berlin', 'day'],
    ['Asia/Kolkata', 'day'],
    ['UTC', 'hour'],
    ['Asia/Kolkata', 'hour'],
  ])('equals the per-call sums in %s by %s for every group-by', async (timezone, granularity) => {
    const groupings = [[], ['model'], ['flow'], ['intent', 'widget_key'], ['provider', 'model', 'flow']]
    for (const groupBy of groupings) {
      const { status, body } = await tokenSpend('a', {
        ...days,
        timezone,
        granularity,
        ...(groupBy.length ? { groupBy: groupBy.join(',') } : {}),
      })
      expect(status).toBe(200)
      expect(body.rows).toEqual(await referenceRows(tenants.a.id, body.range, groupBy))
      expect(body.totals).toEqual(
        await referenceRows(tenants.a.id, { ...body.range, granularity: 'total' }, []),
      )
      expect(body.totals[0]).toMatchObject(expectedTotals(tenants.a.rows))
    }
  })

  it('cuts days at local midnight: Berlin and Kolkata split the same calls differently', async () => {
    const callsPerLocalDay = (timezone: string) => {
      const counts = new Map<string, number>()
      for (const row of tenants.a.rows.filter((r) => r.type === 'llm.call')) {
        const day = `${DateTime.fromMillis(row.ts, { zone: timezone }).toISODate()}T00:00:00`
        counts.set(day, (counts.get(day) ?? 0) + 1)
      }
      return [...counts].map(([bucket, calls]) => ({ bucket, calls }))
    }
    for (const timezone of ['Europe/Berlin', 'Asia/Kolkata']) {
      const { body } = await tokenSpend('a', { ...days, timezone, metrics: 'calls' })
      expect(body.rows).toEqual(callsPerLocalDay(timezone))
    }
    expect(callsPerLocalDay('Europe/Berlin')).not.toEqual(callsPerLocalDay('Asia/Kolkata'))
  })

  it('answers windows whose bounds are off the hour from the calls', async () => {
    const range = {
      from: new Date(DAY_START - 5.5 * HOUR).toISOString(),
      to: new Date(DAY_START + 1.25 * HOUR).toISOString(),
    }
    const { body } = await tokenSpend('a', { ...range, granularity: 'total', groupBy: 'flow' })
    expect(body.rows.length).toBeGreaterThan(0)
    expect(body.rows).toEqual(await referenceRows(tenants.a.id, body.range, ['flow']))
  })

  it('filters by dimension values, ORed within a dimension and ANDed across', async () => {
    const filters = { flow: ['flow-orders', 'flow-faq'], model: ['gpt-4.1'] }
    const { body } = await tokenSpend('a', {
      ...days,
      timezone: 'Europe/Berlin',
      groupBy: 'flow',
      filter: ['flow:flow-orders', 'flow:flow-faq', 'model:gpt-4.1'],
    })
    expect(body.rows.map((row: { flow: string }) => row.flow)).toContain('flow-faq')
    expect(body.rows).toEqual(await referenceRows(tenants.a.id, body.range, ['flow'], filters))
  })

  it('ranks the most expensive flows', async () => {
    const { body } = await tokenSpend('a', {
      ...days,
      granularity: 'total',
      groupBy: 'flow',
      metrics: 'cost_micros,calls',
      sort: '-cost_micros',
      limit: '2',
    })
    const all = await referenceRows(tenants.a.id, body.range, ['flow'])
    const ranked = all
      .map(({ flow, cost_micros, calls }) => ({ flow, cost_micros, calls }))
      .sort((x, y) => Number(y.cost_micros) - Number(x.cost_micros))
    expect(all).toHaveLength(3)
    expect(body.rows).toEqual(ranked.slice(0, 2))
  })

  it("never shows another tenant's calls", async () => {
    for (const name of ['a', 'b'] as const) {
      const { body } = await tokenSpend(name, { ...days, granularity: 'total' })
      expect(body.totals).toEqual([expect.objectContaining(expectedTotals(tenants[name].rows))])
    }
  })

  it('gives cost per conversation as cost over distinct chat sessions', async () => {
    const { body } = await tokenSpend('a', { ...days, granularity: 'total' })
    const { cost_micros, conversations } = expectedTotals(tenants.a.rows)
    expect(conversations).toBe(7)
    expect(body.totals[0].cost_per_conversation_micros).toBe(roundHalfToEven(cost_micros / conversations))
  })

  it('refuses unknown metrics and dimensions, naming them', async () => {
    const { status, body } = await tokenSpend('a', { ...days, metrics: 'calls,profit', groupBy: 'country' })
    expect(status).toBe(400)
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.message).toContain('unknown metric "profit"')
    expect(body.error.message).toContain('unknown dimension "country"')
  })

  it('counts an insert that events drops as an identical retry once in the rollup too', async () => {
    const { tenant } = await app.operator.createTenant({ slug: 'token-spend-retry' })
    const rows = llmEvents(tenant.id, 1)
    const token = `retry-${randomUUID()}`
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await app.db.insert('events', rows, { insert_deduplication_token: token })
    }
    const [row] = await app.db.select<{ calls: string }>(
      `SELECT sum(calls) AS calls FROM ${app.db.tables.token_spend_hourly} WHERE tenant_id = {tenantId:UUID}`,
      { tenantId: tenant.id },
    )
    expect(Number(row?.calls)).toBe(expectedTotals(rows).calls)
  })
})

function roundHalfToEven(value: number): number {
  const floor = Math.floor(value)
  const fraction = value - floor
  if (fraction !== 0.5) return Math.round(value)
  return floor % 2 === 0 ? floor : floor + 1
}
