import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

let app: App
const keys = { shop: '', rival: '' }
let shopTenant = ''

const DAY = Date.UTC(2026, 5, 10, 12)

/** One LLM call of `cost` micros on `flow`, `days` after the 10th of June. */
const call = (tenantId: string, flow: string, cost: number, days = 0) =>
  eventRow({
    tenant_id: tenantId,
    type: 'llm.call',
    ts: DAY + days * 86_400_000,
    flow_id: flow,
    chat_session_id: `cs-${flow}-${days}`,
    props: {
      call_id: crypto.randomUUID(),
      provider: 'local',
      model: 'comerix-local-faq',
      prompt_tokens: 10,
      cached_prompt_tokens: 0,
      completion_tokens: 5,
      total_tokens: 15,
      cost_micros: cost,
      cost_source: 'price_catalog',
      price_id: '',
      latency_ms: 3,
      outcome: 'ok',
      error: '',
    },
  })

const api = async (key: string, method: string, url: string, body?: unknown) => {
  const response = await app.server.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body as object }),
  })
  return { status: response.statusCode, body: response.body ? response.json() : undefined }
}

const spendByFlow = {
  title: 'Spend by flow',
  family: 'token_spend',
  metrics: ['cost_micros', 'calls'],
  dimensions: ['flow'],
  dateRange: { from: '2026-06-10', to: '2026-06-11' },
  granularity: 'total',
  timezone: 'Europe/Berlin',
  compareToPreviousPeriod: true,
  sort: [{ by: 'cost_micros', direction: 'desc' }],
  visualization: 'bar',
}

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir()))
  const shop = await app.tenancy.createTenant({ slug: 'hub-shop' })
  const rival = await app.tenancy.createTenant({ slug: 'hub-rival' })
  keys.shop = shop.adminKey.key
  keys.rival = rival.adminKey.key
  shopTenant = shop.tenant.id
  await app.db.insert('events', [
    call(shopTenant, 'faq', 300),
    call(shopTenant, 'faq', 200, 1),
    call(shopTenant, 'orders', 900),
    call(shopTenant, 'orders', 50, -1),
    call(rival.tenant.id, 'faq', 7_000),
  ])
})

afterAll(async () => {
  await app?.close()
})

describe('saved reports', () => {
  it('saves, lists, runs, updates and deletes a report', async () => {
    const created = await api(keys.shop, 'POST', '/v1/admin/reports', { spec: spendByFlow })
    expect(created.status).toBe(201)
    const { reportId } = created.body
    expect(created.body.spec).toMatchObject({ title: 'Spend by flow', filters: {}, options: {} })

    const run = await api(keys.shop, 'POST', `/v1/admin/reports/${reportId}/run`)
    expect(run.status).toBe(200)
    expect(run.body.result.range).toEqual({
      from: '2026-06-10T00:00:00.000+02:00',
      to: '2026-06-12T00:00:00.000+02:00',
      timezone: 'Europe/Berlin',
      granularity: 'total',
    })
    // A flow id no flow has keeps its id as its name.
    expect(run.body.result.rows).toEqual([
      { flow: 'orders', flow_name: 'orders', cost_micros: 900, calls: 1 },
      { flow: 'faq', flow_name: 'faq', cost_micros: 500, calls: 2 },
    ])
    expect(run.body.result.totals).toEqual([{ cost_micros: 1400, calls: 3 }])
    expect(run.body.result.previous.totals).toEqual([{ cost_micros: 50, calls: 1 }])

    const updated = await api(keys.shop, 'PUT', `/v1/admin/reports/${reportId}`, {
      spec: { ...spendByFlow, title: 'Top flow', limit: 1 },
    })
    expect(updated.status).toBe(200)
    const rerun = await api(keys.shop, 'POST', `/v1/admin/reports/${reportId}/run`)
    expect(rerun.body.result.rows).toEqual([
      { flow: 'orders', flow_name: 'orders', cost_micros: 900, calls: 1 },
    ])

    const listed = await api(keys.shop, 'GET', '/v1/admin/reports')
    expect(listed.body.reports.map((r: { spec: { title: string } }) => r.spec.title)).toEqual(['Top flow'])
    expect((await api(keys.rival, 'GET', '/v1/admin/reports')).body.reports).toEqual([])
    expect((await api(keys.rival, 'POST', `/v1/admin/reports/${reportId}/run`)).status).toBe(404)

    expect((await api(keys.shop, 'DELETE', `/v1/admin/reports/${reportId}`)).status).toBe(204)
    expect((await api(keys.shop, 'GET', `/v1/admin/reports/${reportId}`)).status).toBe(404)
  })

  it('refuses a spec the semantic layer cannot answer, naming what is wrong', async () => {
    const cases: [object, string][] = [
      [{ family: 'weather' }, 'unknown family "weather"'],
      [{ metrics: ['profit'] }, 'unknown metric "profit"'],
      [{ dimensions: ['planet'] }, 'unknown dimension "planet"'],
      [{ sort: [{ by: 'conversations', direction: 'asc' }] }, 'cannot sort by "conversations"'],
      [{ timezone: 'Mars/Olympus' }, 'IANA timezone'],
      [{ dateRange: { from: '2026-06-11', to: '2026-06-10' } }, '`to` must be after `from`'],
    ]
    for (const [change, message] of cases) {
      const response = await api(keys.shop, 'POST', '/v1/admin/reports', {
        spec: { ...spendByFlow, ...change },
      })
      expect(response.status, JSON.stringify(change)).toBe(400)
      const { message: said, details } = response.body.error
      expect(`${said} ${JSON.stringify(details)}`, JSON.stringify(change)).toContain(message)
    }
  })

  it('keeps filter values out of the SQL text', async () => {
    const spec = { ...spendByFlow, filters: { flow: ["faq' OR 1=1 --"] } }
    const preview = await api(keys.shop, 'POST', '/v1/admin/reports/preview', { spec })
    expect(preview.status).toBe(200)
    expect(preview.body.result.rows).toEqual([])
  })
})

describe('dashboards', () => {
  it('pins reports as tiles and renders them ready to draw', async () => {
    const report = await api(keys.shop, 'POST', '/v1/admin/reports', { spec: spendByFlow })
    const board = await api(keys.shop, 'POST', '/v1/admin/dashboards', { name: 'Costs' })
    expect(board.status).toBe(201)
    const path = `/v1/admin/dashboards/${board.body.dashboardId}`

    const first = await api(keys.shop, 'POST', `${path}/tiles`, { reportId: report.body.reportId })
    expect(first.body).toMatchObject({
      visualization: 'bar',
      size: { width: 6, height: 4 },
      position: { x: 0, y: 0 },
    })
    const second = await api(keys.shop, 'POST', `${path}/tiles`, {
      reportId: report.body.reportId,
      visualization: 'table',
    })
    expect(second.body.position).toEqual({ x: 0, y: 4 })
    const overflow = await api(keys.shop, 'POST', `${path}/tiles`, {
      reportId: report.body.reportId,
      size: { width: 8, height: 2 },
      position: { x: 6, y: 0 },
    })
    expect(overflow.status).toBe(400)
    const moved = await api(keys.shop, 'PATCH', `${path}/tiles/${second.body.tileId}`, {
      position: { x: 6, y: 0 },
    })
    expect(moved.body.position).toEqual({ x: 6, y: 0 })

    const rendered = await api(keys.shop, 'GET', path)
    expect(rendered.status).toBe(200)
    expect(rendered.body.tiles.map((t: { visualization: string }) => t.visualization)).toEqual([
      'bar',
      'table',
    ])
    expect(rendered.body.tiles[0].data.totals).toEqual([{ cost_micros: 1400, calls: 3 }])

    expect((await api(keys.shop, 'DELETE', `${path}/tiles/${first.body.tileId}`)).status).toBe(204)
    expect((await api(keys.shop, 'GET', path)).body.tiles).toHaveLength(1)
    expect((await api(keys.rival, 'GET', path)).status).toBe(404)
  })

  it('installs the built-in overview dashboard once, every tile answering', async () => {
    const first = await api(keys.shop, 'POST', '/v1/admin/dashboards/overview', { timezone: 'Europe/Berlin' })
    expect(first.status).toBe(200)
    const again = await api(keys.shop, 'POST', '/v1/admin/dashboards/overview', {})
    expect(again.body.dashboardId).toBe(first.body.dashboardId)
    const rendered = await api(keys.shop, 'GET', `/v1/admin/dashboards/${first.body.dashboardId}`)
    expect(rendered.body.tiles.map((tile: { title: string }) => tile.title)).toEqual([
      'Chat engagement',
      'Revenue and sales',
      'Attributed revenue by flow',
      'Engaged vs other visitors',
      'LLM spend by model',
    ])
    for (const tile of rendered.body.tiles) expect(tile.error, tile.title).toBeUndefined()
    expect(rendered.body.tiles[0].data.range.timezone).toBe('Europe/Berlin')
  })

  it('shows a tile whose report was deleted with its error instead of failing the dashboard', async () => {
    const report = await api(keys.shop, 'POST', '/v1/admin/reports', { spec: spendByFlow })
    const board = await api(keys.shop, 'POST', '/v1/admin/dashboards', { name: 'Orphans' })
    const path = `/v1/admin/dashboards/${board.body.dashboardId}`
    await api(keys.shop, 'POST', `${path}/tiles`, { reportId: report.body.reportId })
    await api(keys.shop, 'DELETE', `/v1/admin/reports/${report.body.reportId}`)
    const rendered = await api(keys.shop, 'GET', path)
    expect(rendered.status).toBe(200)
    expect(rendered.body.tiles[0].error.code).toBe('not_found')
  })
})
