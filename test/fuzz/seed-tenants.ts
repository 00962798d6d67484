import { randomBytes, randomUUID } from 'node:crypto'
import type { App } from '../../bin/create-app.ts'
import type { Hints } from './schema-arbitrary.ts'

export const FUZZ_ORIGIN = 'https://shop.example'

/** A way to authenticate: the headers it adds, and the tenant whose data it may see. */
export interface Credential {
  name: string
  /** undefined for the operator (every tenant) and for no credential at all. */
  tenant: 'shop' | 'rival' | undefined
  headers: Record<string, string>
}

/** One seeded tenant: its credentials, the ids of its objects, and a canary planted in their names. */
export interface SeededTenant {
  slug: string
  tenantId: string
  canary: string
  keys: Record<'admin' | 'engine' | 'analyst' | 'mcp', string>
  publicKey: string
  sessionToken: string
  ids: Record<string, string>
  /** Valid bodies per operation id, bases the fuzzer mutates. */
  examples: Record<string, unknown[]>
}

export interface Seeded {
  shop: SeededTenant
  rival: SeededTenant
  operatorToken: string
  credentials: Credential[]
  hints: Hints
}

const fuzzFlow = (canary: string) => ({
  intent: 'returns',
  name: `Returns ${canary}`,
  start: 'form',
  nodes: [
    {
      id: 'form',
      type: 'ask',
      prompt: 'Tell us about the return',
      input: {
        kind: 'form',
        fields: [
          { name: 'note', label: 'Note', type: 'text', required: true, min: 1 },
          {
            name: 'photo',
            label: 'Photo',
            type: 'file',
            required: false,
            accept: ['image/png'],
            maxBytes: 2_000,
          },
        ],
      },
      next: 'done',
    },
    { id: 'done', type: 'end', message: 'Got it.' },
  ],
})

const reportSpec = (canary: string) => ({
  title: `Spend ${canary}`,
  family: 'token_spend',
  metrics: ['cost_micros', 'calls'],
  dimensions: ['flow'],
  dateRange: { from: '2026-06-10', to: '2026-06-11' },
  granularity: 'day',
  timezone: 'Europe/Berlin',
})

/** Two tenants with a key of every scope, a widget key, a session, and one of each object. */
export async function seedTenants(app: App): Promise<Seeded> {
  const shop = await seedTenant(app, `fuzz-shop-${randomBytes(3).toString('hex')}`)
  const rival = await seedTenant(app, `fuzz-rival-${randomBytes(3).toString('hex')}`)
  const operatorToken = app.operatorToken
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
  const widget = (tenant: SeededTenant) => ({
    origin: FUZZ_ORIGIN,
    'x-comerix-public-key': tenant.publicKey,
    ...bearer(tenant.sessionToken),
  })
  const credentials: Credential[] = [
    ...(['admin', 'engine', 'analyst', 'mcp'] as const).map((scope) => ({
      name: scope,
      tenant: 'shop' as const,
      headers: bearer(shop.keys[scope]),
    })),
    { name: 'widget', tenant: 'shop', headers: widget(shop) },
    { name: 'operator', tenant: undefined, headers: { 'x-comerix-operator-token': operatorToken } },
    { name: 'rival-admin', tenant: 'rival', headers: bearer(rival.keys.admin) },
    { name: 'rival-widget', tenant: 'rival', headers: widget(rival) },
    { name: 'none', tenant: undefined, headers: {} },
    {
      name: 'forged',
      tenant: undefined,
      headers: { ...bearer(`sk_${'0'.repeat(43)}`), origin: 'https://evil.example' },
    },
  ]
  return { shop, rival, operatorToken, credentials, hints: hintsFor(shop, rival) }
}

async function seedTenant(app: App, slug: string): Promise<SeededTenant> {
  const canary = `canary${randomBytes(8).toString('hex')}`
  const { tenant, adminKey } = await app.tenancy.createTenant({ slug })
  const scoped = async (scope: 'engine' | 'analyst' | 'mcp') =>
    (await app.tenancy.createSecretKey(tenant.id, { name: `${scope} ${canary}`, scopes: [scope] })).key
  const keys = {
    admin: adminKey.key,
    engine: await scoped('engine'),
    analyst: await scoped('analyst'),
    mcp: await scoped('mcp'),
  }
  const spare = await app.tenancy.createSecretKey(tenant.id, { name: `spare ${canary}`, scopes: ['engine'] })
  const widgetKey = await app.tenancy.createWidgetKey(tenant.id, {
    allowedOrigins: [FUZZ_ORIGIN],
    allIntents: true,
  })
  const spareWidget = await app.tenancy.createWidgetKey(tenant.id, {
    allowedOrigins: [FUZZ_ORIGIN],
    allIntents: true,
  })

  const call = async (
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await app.server.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${keys.admin}`, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    if (response.statusCode >= 300)
      throw new Error(`seeding ${method} ${url}: ${response.statusCode} ${response.body}`)
    return response.body ? response.json() : undefined
  }

  const flow = await call('POST', '/v1/admin/flows', fuzzFlow(canary))
  await call('POST', `/v1/admin/flows/${flow.flowId}/publish`)
  const report = await call('POST', '/v1/admin/reports', { spec: reportSpec(canary) })
  const deleted = await call('POST', '/v1/admin/reports', { spec: reportSpec(canary) })
  await call('DELETE', `/v1/admin/reports/${deleted.reportId}`)
  const goal = await call('POST', '/v1/admin/goals', {
    name: `Goal ${canary}`,
    kind: 'event',
    eventType: 'cart.added',
  })
  const connection = {
    name: 'shop',
    baseUrl: `https://shop.example/api/${canary}`,
    auth: { kind: 'bearer', token: canary },
  }
  await call('POST', '/v1/admin/connections', connection)
  const schedule = await call('POST', '/v1/admin/report-schedules', {
    reportId: report.reportId,
    cron: '0 8 * * 1',
    timezone: 'Europe/Berlin',
    format: 'csv',
    endpointUrl: `https://hooks.example/${canary}`,
    paused: true,
  })
  const dashboard = await call('POST', '/v1/admin/dashboards', { name: `Board ${canary}` })
  const tile = await call('POST', `/v1/admin/dashboards/${dashboard.dashboardId}/tiles`, {
    reportId: report.reportId,
  })

  const widgetHeaders = { origin: FUZZ_ORIGIN }
  const session = await call(
    'POST',
    `/v1/chat/sessions?publicKey=${widgetKey.publicKey}`,
    { anonymousId: `anon-${canary}` },
    widgetHeaders,
  )
  const chatHeaders = { ...widgetHeaders, authorization: `Bearer ${session.sessionToken}` }
  const started = await call(
    'POST',
    `/v1/chat/messages?publicKey=${widgetKey.publicKey}`,
    { intentName: 'returns' },
    chatHeaders,
  )
  // A second waiting execution nobody resumes, so uploads always have a form to attach to.
  const forUploads = await call(
    'POST',
    `/v1/chat/messages?publicKey=${widgetKey.publicKey}`,
    { intentName: 'returns' },
    chatHeaders,
  )
  await call(
    'POST',
    `/v1/telemetry?publicKey=${widgetKey.publicKey}`,
    {
      type: 'page.viewed',
      ts: Date.now(),
      anonymous_id: `anon-${canary}`,
      url: `https://shop.example/${canary}`,
    },
    widgetHeaders,
  )

  return {
    slug,
    tenantId: tenant.id,
    canary,
    keys,
    publicKey: widgetKey.publicKey,
    sessionToken: session.sessionToken,
    ids: {
      flowId: flow.flowId,
      reportId: report.reportId,
      deletedReportId: deleted.reportId,
      goalId: goal.goalId ?? goal.id,
      scheduleId: schedule.id ?? schedule.scheduleId,
      dashboardId: dashboard.dashboardId,
      tileId: tile.tileId ?? tile.id,
      executionId: started.executionId,
      uploadExecutionId: forUploads.executionId,
      waitToken: started.waitToken,
      spareKeyId: spare.keyId,
      sparePublicKey: spareWidget.publicKey,
      connection: 'shop',
    },
    // No canary in the examples: whatever the fuzz creates from them may show up in any tenant.
    examples: {
      'POST /v1/admin/flows': [fuzzFlow('example')],
      'PUT /v1/admin/flows/{flowId}': [fuzzFlow('example')],
      'POST /v1/admin/flows/validate': [fuzzFlow('example')],
      'POST /v1/admin/reports': [{ spec: reportSpec('example') }],
      'PUT /v1/admin/reports/{reportId}': [{ spec: reportSpec('example') }],
      'POST /v1/admin/reports/preview': [{ spec: reportSpec('example') }],
      'POST /v1/operator/tenants/{slug}/reports/export': [
        { spec: reportSpec('example'), format: 'csv' },
        { reportId: report.reportId, format: 'pdf' },
      ],
      'POST /v1/admin/connections': [{ ...connection, baseUrl: 'https://shop.example/api' }],
      'PUT /v1/admin/connections/{name}': [{ ...connection, baseUrl: 'https://shop.example/api' }],
      'POST /v1/telemetry': [
        {
          type: 'page.viewed',
          ts: Date.now(),
          anonymous_id: 'anon-fuzz',
          url: 'https://shop.example/x?utm_source=%0A%3D1%2B1',
        },
        {
          events: [
            { type: 'cart.added', ts: Date.now(), anonymous_id: 'anon-fuzz', value: 10, currency: 'EUR' },
          ],
        },
      ],
      'POST /v1/chat/messages': [
        { intentName: 'returns', context: { order: 'A-1' } },
        { executionId: started.executionId, waitToken: started.waitToken, values: { note: 'hello' } },
      ],
      'POST /v1/engine/conversions': [
        {
          conversionId: randomUUID(),
          occurredAt: new Date().toISOString(),
          value: 12.5,
          currency: 'EUR',
          orderId: 'o-1',
          chatSessionId: session.sessionId,
        },
      ],
    },
  }
}

/** A few metrics of each family, so analytics requests get past the name checks. */
const METRICS = [
  ['opens', 'open_rate', 'chat_sessions', 'time_to_first_reply_ms', 'block_drop_off_rate'],
  ['completions', 'conversion_rate'],
  ['conversions', 'revenue_micros', 'average_order_value_micros'],
  ['cost_micros', 'calls', 'cost_per_conversation_micros'],
  ['attributed_conversions', 'attributed_revenue_micros', 'engagement_uplift'],
]
const DIMENSIONS = [
  'flow',
  'intent',
  'widget_key',
  'model',
  'goal',
  'currency',
  'device_type',
  'source',
  'utm_source',
  'block',
  'time_to_convert_bucket',
]

function hintsFor(shop: SeededTenant, rival: SeededTenant): Hints {
  const both = (name: string, ...extra: string[]) =>
    [shop.ids[name], rival.ids[name], ...extra].filter((v): v is string => Boolean(v))
  const unknownId = randomUUID()
  return {
    flowId: both('flowId', unknownId),
    reportId: both('reportId', shop.ids.deletedReportId as string, unknownId),
    goalId: both('goalId', unknownId),
    dashboardId: both('dashboardId', unknownId),
    tileId: both('tileId', unknownId),
    id: both('scheduleId', unknownId),
    executionId: [...both('uploadExecutionId'), ...both('executionId', unknownId)],
    waitToken: both('waitToken'),
    keyId: [shop.ids.spareKeyId as string, rival.ids.spareKeyId as string, unknownId],
    publicKey: [shop.publicKey, shop.publicKey, rival.publicKey, shop.ids.sparePublicKey as string],
    name: ['shop', 'nope'],
    slug: [shop.slug, rival.slug, 'demo', 'no-such-tenant'],
    tenant: [shop.slug, shop.tenantId, rival.slug, 'no-such-tenant'],
    intentName: ['returns', 'order_status'],
    intent: ['returns'],
    field: ['photo', 'note', 'nope'],
    family: ['token_spend', 'engagement', 'goals', 'conversions', 'attribution'],
    metrics: [
      ...METRICS,
      ...METRICS.map((m) => m.slice(0, 1)),
      ['__proto__'],
      ['constructor', 'calls'],
      ['toString'],
    ],
    dimensions: [['flow'], ['intent'], ['hasOwnProperty'], DIMENSIONS.slice(0, 3)],
    groupBy: ['flow', 'intent', 'widget_key', 'valueOf', 'flow,intent', DIMENSIONS.join(',')],
    filter: ['flow:returns', '__proto__:x', 'constructor:x', 'flow:', ':x', 'intent:a,b'],
    sort: ['cost_micros:desc', 'calls', 'toString:asc', '-calls'],
    timezone: ['UTC', 'Europe/Berlin', 'utc', 'Europe/berlin', 'SystemV/AST4', 'Etc/GMT-14'],
    from: ['2026-06-10', '1970-01-01', '0001-01-01', '9999-12-30', '2026-06-10T00:00:00Z'],
    to: ['2026-06-11', '1970-01-02', '9999-12-31', '2026-06-10T00:00:00Z'],
    format: ['csv', 'xlsx', 'pdf', 'json'],
    endpointUrl: ['https://hooks.example/x', 'http://[::127.0.0.1]/x', 'http://169.254.169.254/'],
    baseUrl: ['https://shop.example/api', 'http://[::169.254.169.254]/', 'http://localhost:1/'],
    cron: ['0 8 * * 1', '* * * * *', '61 * * * *', '0 0 31 2 *'],
    $key: ['flow', 'intent', '__proto__', 'constructor'],
    // Valid but heavy: a generated history of 5M visitors is a load test, not a fuzz case.
    visitors: [1, 10, 0, -1, 5_000_001],
    days: [1, 2, 0, 366],
    now: [Date.UTC(2026, 5, 10), 0, -1, Number.MAX_SAFE_INTEGER + 2],
  }
}
