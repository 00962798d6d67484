import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { conversionRow } from '../../ingest/conversions/conversion-row.ts'
import { conversionBody } from '../../ingest/conversions/conversion-schema.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { publishStored } from '../support/publish-stored.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

// A fixed winter day: 23:30 UTC is 00:30 the next day in Berlin (UTC+1).
const DAY = '2026-01-14'
const NEXT = '2026-01-15'
const at = (time: string) => Date.parse(`${DAY}T${time}Z`)

let app: App
let tenantId: string
let adminKey: string
let analystKey: string

const pageView = (visitor: string, url: string, time: string) => {
  const parsed = new URL(url)
  return {
    type: 'page.viewed' as const,
    anonymous_id: visitor,
    ts: at(time),
    url,
    url_host: parsed.host,
    url_path: parsed.pathname,
  }
}
const cartAdd = (visitor: string, props: Record<string, unknown>, time: string) => ({
  type: 'cart.added' as const,
  anonymous_id: visitor,
  ts: at(time),
  props,
})

const EVENTS = [
  pageView('anon-1', 'https://shop.example/thank-you?order=1', '10:00:00'),
  cartAdd('anon-1', { product_id: 'sku-shoe-1', quantity: 3 }, '10:05:00'),
  pageView('anon-2', 'https://shop.example/products', '10:00:00'),
  cartAdd('anon-2', { product_id: 'sku-shoe-2', quantity: 1 }, '10:06:00'),
  pageView('anon-2', 'https://shop.example/thank-you/', '23:30:00'),
  // `_` is not a wildcard: /thank_you does not match /thank-you*.
  pageView('anon-3', 'https://shop.example/thank_you', '10:00:00'),
  cartAdd('anon-3', { product_id: 'SHOE', quantity: '2' }, '10:07:00'),
]

const conversion = (conversionId: string, anonymousId: string, value: number, time: string) =>
  conversionRow(
    conversionBody.parse({
      conversionId,
      anonymousId,
      value,
      currency: 'EUR',
      orderId: `o-${conversionId}`,
      occurredAt: at(time),
    }),
    { tenantId, receivedAt: Date.now(), emailHash: () => '' },
  )

const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: object) =>
  app.server.inject({
    method,
    url: `/v1/admin${url}`,
    headers: { authorization: `Bearer ${adminKey}` },
    ...(body === undefined ? {} : { payload: body }),
  })

const goals = async (query: string) => {
  const response = await app.server.inject({
    method: 'GET',
    url: `/v1/analytics/goals?${query}`,
    headers: { authorization: `Bearer ${analystKey}` },
  })
  return { status: response.statusCode, body: response.json() }
}

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50' }))
  const created = await app.operator.createTenant({ slug: 'goals-shop' })
  tenantId = created.tenant.id
  adminKey = created.adminKey.key
  analystKey = (await app.tenancy.createSecretKey(tenantId, { name: 'analyst', scopes: ['analyst'] })).key
  const rows = [
    ...EVENTS.map((event) => eventRow({ tenant_id: tenantId, ...event }, 'widget')),
    conversion('c-1', 'anon-1', 50, '11:00:00'),
    conversion('c-2', 'anon-3', 30, '11:00:00'),
    conversion('c-3', 'anon-1', -50, '12:00:00'), // a refund never completes a goal
  ]
  await publishStored(app, tenantId, rows)
})
afterAll(() => app?.close())

describe('goals admin API', () => {
  it('creates, lists, replaces and deletes goals, and refuses bad definitions', async () => {
    const bad = await admin('POST', '/goals', {
      name: 'x',
      kind: 'event',
      eventType: 'cart.added',
      propertyFilters: [{ property: 'quantity', op: 'gte', value: 'many' }],
    })
    expect(bad.statusCode).toBe(400)

    const thanks = await admin('POST', '/goals', {
      name: 'Thank-you page',
      kind: 'event',
      eventType: 'page.viewed',
      urlPatterns: ['/thank-you*'],
    })
    expect(thanks.statusCode).toBe(201)
    const shoes = await admin('POST', '/goals', {
      name: 'Shoes x2',
      kind: 'event',
      eventType: 'cart.added',
      propertyFilters: [{ property: 'quantity', op: 'lte', value: '1' }],
    })
    const replaced = await admin('PUT', `/goals/${shoes.json().goalId}`, {
      name: 'Shoes x2',
      kind: 'event',
      eventType: 'cart.added',
      propertyFilters: [
        { property: 'quantity', op: 'gte', value: '2' },
        { property: 'product_id', op: 'contains', value: 'shoe' },
      ],
    })
    expect(replaced.statusCode).toBe(200)
    expect(replaced.json().propertyFilters).toHaveLength(2)
    expect(
      (
        await admin('POST', '/goals', {
          name: 'Sale over 40',
          kind: 'conversion',
          minValue: 40,
          currency: 'EUR',
        })
      ).statusCode,
    ).toBe(201)
    const injection = await admin('POST', '/goals', {
      name: 'Never',
      kind: 'event',
      eventType: 'page.viewed',
      propertyFilters: [{ property: 'x', op: 'eq', value: "' OR 1=1 --" }],
    })
    expect((await admin('GET', `/goals/${injection.json().goalId}`)).json().name).toBe('Never')
    expect((await admin('DELETE', `/goals/${injection.json().goalId}`)).statusCode).toBe(204)
    expect((await admin('GET', `/goals/${injection.json().goalId}`)).statusCode).toBe(404)

    const listed = await admin('GET', '/goals')
    expect(listed.json().goals.map((goal: { name: string }) => goal.name)).toEqual([
      'Thank-you page',
      'Shoes x2',
      'Sale over 40',
    ])
    expect(listed.json().goals[0]).toMatchObject({
      kind: 'event',
      eventType: 'page.viewed',
      urlPatterns: ['/thank-you*'],
    })
  })
})

describe('GET /v1/analytics/goals', () => {
  it('counts completions, completing visitors and the conversion rate per goal', async () => {
    const { status, body } = await goals(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=completions,completing_visitors,visitors,conversion_rate&groupBy=goal_name`,
    )
    expect(status).toBe(200)
    expect(body.rows).toEqual([
      {
        goal_name: 'Sale over 40',
        completions: 1,
        completing_visitors: 1,
        visitors: 3,
        conversion_rate: 1 / 3,
      },
      { goal_name: 'Shoes x2', completions: 2, completing_visitors: 2, visitors: 3, conversion_rate: 2 / 3 },
      {
        goal_name: 'Thank-you page',
        completions: 2,
        completing_visitors: 2,
        visitors: 3,
        conversion_rate: 2 / 3,
      },
    ])
    const overall = await goals(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=completions,completing_visitors,conversion_rate`,
    )
    expect(overall.body.rows).toEqual([{ completions: 5, completing_visitors: 3, conversion_rate: 1 }])
  })

  it('cuts days in the requested timezone', async () => {
    const { body } = await goals(
      `from=${DAY}&to=${NEXT}&timezone=Europe/Berlin&metrics=completions,visitors&groupBy=goal_name&filter=goal_name:Thank-you page&filter=goal_name:Shoes x2`,
    )
    expect(body.rows).toEqual([
      { bucket: `${DAY}T00:00:00`, goal_name: 'Shoes x2', completions: 2, visitors: 3 },
      { bucket: `${DAY}T00:00:00`, goal_name: 'Thank-you page', completions: 1, visitors: 3 },
      { bucket: `${NEXT}T00:00:00`, goal_name: 'Shoes x2', completions: 0, visitors: 1 },
      { bucket: `${NEXT}T00:00:00`, goal_name: 'Thank-you page', completions: 1, visitors: 1 },
    ])
  })

  it('answers 400 naming an unknown metric, dimension or filter', async () => {
    const bad = await goals(`range=last_7_days&metrics=completions,revenue&groupBy=page&filter=model:x`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toBe(
      'goals: unknown metric "revenue"; unknown dimension "page"; unknown filter "model"',
    )
  })
})
