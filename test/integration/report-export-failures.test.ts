import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { ANALYTICS_SETTINGS } from '../../reports/semantic/metric-family.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

/**
 * An export whose streamed query fails after the file has started: the tenant's calls span more flows
 * than an analytics query may return (`max_result_rows`), so the bounded head query succeeds and the
 * streamed one fails part-way. Over a real socket, the response is cut short (or, when nothing was
 * written yet, is an error body) and the server keeps answering.
 */
const FLOWS = Number(ANALYTICS_SETTINGS.max_result_rows) + 1
let app: App
let base = ''
let key = ''
let reportId = ''

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir()))
  base = await app.listen()
  const { tenant, adminKey } = await app.tenancy.createTenant({ slug: 'export-failures' })
  key = adminKey.key
  await app.db.command(
    `INSERT INTO ${app.db.tables.events} (tenant_id, event_id, type, source, ts, received_at, flow_id, chat_session_id, props)
     SELECT {tenant:UUID}, generateUUIDv4(), 'llm.call', 'engine', {at:DateTime64(3, 'UTC')}, {at:DateTime64(3, 'UTC')},
            concat('flow-', toString(number)), concat('cs-', toString(number)),
            '{"model":"m","provider":"local","prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost_micros":5,"outcome":"ok"}'
     FROM numbers({flows:UInt32})`,
    { tenant: tenant.id, at: Date.UTC(2026, 5, 10, 12) / 1000, flows: FLOWS },
  )
  const created = await api('POST', '/v1/admin/reports', {
    spec: {
      title: 'Every flow',
      family: 'token_spend',
      metrics: ['cost_micros'],
      dimensions: ['flow'],
      dateRange: { from: '2026-06-10', to: '2026-06-10' },
      granularity: 'total',
    },
  })
  expect(created.status).toBe(201)
  reportId = ((await created.json()) as { reportId: string }).reportId
}, 180_000)

afterAll(async () => {
  await app?.close()
})

function api(method: string, url: string, body?: unknown) {
  return fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
}

async function expectServing() {
  expect((await fetch(`${base}/readyz`)).status).toBe(200)
  const listed = await api('GET', '/v1/admin/reports')
  expect(listed.status).toBe(200)
}

describe('an export whose query fails', { timeout: 120_000 }, () => {
  it('is a catalog error when nothing was written yet (CSV writes nothing before its first row)', async () => {
    const response = await api('GET', `/v1/admin/reports/${reportId}/export?format=csv`)
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    expect(response.headers.get('content-disposition')).toBeNull()
    const { error } = (await response.json()) as { error: { code: string; message: string } }
    expect(error.code).toBe('validation_failed')
    expect(error.message).toMatch(/more than 200000 rows/)
    await expectServing()
  })

  it.each(['json', 'xlsx', 'pdf'])('cuts a %s file short once it has started', async (format) => {
    const response = await api('GET', `/v1/admin/reports/${reportId}/export?format=${format}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`every-flow-.*\\.${format}`))
    await expect(response.arrayBuffer()).rejects.toThrow(/terminated/)
    await expectServing()
  })

  it('is the same 400 from the analytics API', async () => {
    const response = await api(
      'GET',
      '/v1/analytics/token-spend?metrics=cost_micros&groupBy=flow&granularity=total&from=2026-06-10&to=2026-06-10',
    )
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('validation_failed')
  })
})
