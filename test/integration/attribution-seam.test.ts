import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { resolveWindow, windowInput } from '../../reports/semantic/analytics-window.ts'
import { windowParams } from '../../reports/semantic/time-bucket.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'
import { withoutNames } from '../support/without-names.ts'

/**
 * The chat-to-sale seam as an integrator uses it: chats opened with POST /v1/chat/sessions, the widget's
 * beacons naming the answered `sessionId`, sales reported through POST /v1/engine/conversions (or as
 * `purchase` beacons) naming it as `chatSessionId`. Every expectation is computed by hand from the
 * definitions in sql/README.md, then checked through the API and through the SQL printed there.
 */

const ORIGIN = 'https://shop.example'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
// Chats start now (the engine stamps chat.session.opened with the server's clock); sales follow within
// hours, inside the intake's 24-hour future bound.
const T = Date.now()
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const WINDOW = { from: isoDay(T - DAY), to: isoDay(T + DAY), timezone: 'UTC' }
const EUR = (units: number) => units * 1_000_000

let app: App
beforeAll(async () => {
  app = await createApp(testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50' }))
})
afterAll(() => app?.close())

interface Shop {
  id: string
  engine: string
  analyst: string
  admin: string
  keys: string[]
  sent: number
}

async function newShop(slug: string, widgetKeys = 1): Promise<Shop> {
  const { tenant } = await app.operator.createTenant({ slug: `seam-${slug}-${randomUUID().slice(0, 8)}` })
  const key = (scope: 'engine' | 'analyst' | 'admin') =>
    app.tenancy.createSecretKey(tenant.id, { name: scope, scopes: [scope] }).then((issued) => issued.key)
  const keys: string[] = []
  for (let index = 0; index < widgetKeys; index++) {
    const widget = await app.tenancy.createWidgetKey(tenant.id, {
      allowedOrigins: [ORIGIN],
      allIntents: true,
    })
    keys.push(widget.publicKey)
  }
  return {
    id: tenant.id,
    engine: await key('engine'),
    analyst: await key('analyst'),
    admin: await key('admin'),
    keys,
    sent: 0,
  }
}

/** Opens a chat as the widget does; the answer's sessionId is the chat's public id. */
async function openChat(shop: Shop, anonymousId: string, keyIndex = 0): Promise<string> {
  const response = await app.server.inject({
    method: 'POST',
    url: `/v1/chat/sessions?publicKey=${shop.keys[keyIndex]}`,
    headers: { origin: ORIGIN },
    payload: { anonymousId },
  })
  expect(response.statusCode).toBe(201)
  const { sessionId, sessionToken } = response.json()
  expect(sessionId).not.toBe(sessionToken)
  shop.sent += 1 // chat.session.opened
  return sessionId
}

async function beacon(shop: Shop, event: Record<string, unknown>, keyIndex = 0): Promise<void> {
  const response = await app.server.inject({
    method: 'POST',
    url: `/v1/telemetry?publicKey=${shop.keys[keyIndex]}`,
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    payload: event,
  })
  expect(response.statusCode).toBe(202)
  shop.sent += 1
}

/** An engaged chat: a visitor message at `at` (its touch time) and a rendered block at `endAt` (its end). */
async function chat(
  shop: Shop,
  chatInput: { sessionId: string; anonymousId: string; flowId: string; at: number; endAt: number },
  keyIndex = 0,
): Promise<void> {
  const common = {
    anonymous_id: chatInput.anonymousId,
    chat_session_id: chatInput.sessionId,
    flow_id: chatInput.flowId,
  }
  await beacon(shop, { ...common, type: 'message.sent', ts: chatInput.at }, keyIndex)
  await beacon(shop, { ...common, type: 'block.rendered', block_id: 'b-1', ts: chatInput.endAt }, keyIndex)
}

async function sale(shop: Shop, body: Record<string, unknown>): Promise<void> {
  const response = await app.server.inject({
    method: 'POST',
    url: '/v1/engine/conversions',
    headers: { authorization: `Bearer ${shop.engine}` },
    payload: { currency: 'EUR', orderId: body.conversionId, ...body },
  })
  expect(response.statusCode).toBe(202)
  shop.sent += 1
}

async function purchaseBeacon(
  shop: Shop,
  order: { orderId: string; at: number; value: number; anonymousId: string; chatSessionId?: string },
): Promise<void> {
  await beacon(shop, {
    type: 'purchase',
    ts: order.at,
    anonymous_id: order.anonymousId,
    ...(order.chatSessionId ? { chat_session_id: order.chatSessionId } : {}),
    props: { order_id: order.orderId },
    value: order.value,
    currency: 'EUR',
  })
}

async function stored(shop: Shop): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await app.db.select<{ n: string }>(
        `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID}`,
        { tenantId: shop.id },
      )
      return Number(row?.n) === shop.sent
    },
    { message: `the ${shop.sent} events of the shop stored` },
  )
}

async function attribution(shop: Shop, query: Record<string, string>) {
  const response = await app.server.inject({
    method: 'GET',
    url: `/v1/analytics/attribution?${new URLSearchParams({ ...WINDOW, granularity: 'total', ...query })}`,
    headers: { authorization: `Bearer ${shop.analyst}` },
  })
  expect(response.statusCode).toBe(200)
  const body = response.json() as { rows: Record<string, unknown>[]; totals: Record<string, unknown>[] }
  return { rows: withoutNames(body.rows), totals: body.totals }
}

const CREDITED = 'attributed_conversions,attributed_revenue_micros,direct_conversions,assisted_conversions'

/** Credits by flow (linear) and direct/assisted by flow, through the API and the SQL of sql/README.md, by day. */
async function expectReadmeSqlAgrees(shop: Shop) {
  const readme = await readFile(new URL('../../sql/README.md', import.meta.url), 'utf8')
  const block = (name: string) => new RegExp(`\`\`\`sql ${name}\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1] ?? ''
  const credits = block('attribution')
  const direct = credits.slice(0, credits.indexOf('  shares AS (')) + block('attribution-direct')
  const database = app.db.tables.events.split('.')[0]
  const resolved = resolveWindow(windowInput.parse({ ...WINDOW, granularity: 'day' }), Date.now()).current
  const run = (sql: string) =>
    app.db.select<Record<string, unknown>>(sql.replaceAll('comerix.', `${database}.`).replace(/;\s*$/, ''), {
      ...windowParams(resolved),
      tenant_id: shop.id,
      lookback_ms: 7 * DAY,
    })
  const byDay = (rows: Record<string, unknown>[]) =>
    rows.map(({ bucket, ...row }) => ({ day: String(bucket).slice(0, 10), ...row }))
  const api = (metrics: string) =>
    attribution(shop, { granularity: 'day', metrics, groupBy: 'flow', model: 'linear' }).then((r) => r.rows)
  const apiCredits = await api('attributed_conversions,attributed_revenue_micros')
  expect(apiCredits.length).toBeGreaterThan(0)
  expect(await run(credits)).toEqual(byDay(apiCredits))
  expect(await run(direct)).toEqual(byDay(await api('direct_conversions,assisted_conversions')))
}

describe('a sale names its chat without becoming part of it', () => {
  it('a late sale naming the chat is assisted, and does not make a later sale direct', async () => {
    const shop = await newShop('late')
    const sessionId = await openChat(shop, 'v1')
    await chat(shop, {
      sessionId,
      anonymousId: 'v1',
      flowId: 'f-late',
      at: T + MINUTE,
      endAt: T + 5 * MINUTE,
    })
    // Chat ends at T+5m: direct up to T+35m.
    await sale(shop, {
      conversionId: 'in-chat',
      occurredAt: T + 20 * MINUTE,
      value: 10,
      chatSessionId: sessionId,
    })
    await sale(shop, { conversionId: 'late', occurredAt: T + 3 * HOUR, value: 20, chatSessionId: sessionId })
    await sale(shop, {
      conversionId: 'after-late',
      occurredAt: T + 3 * HOUR + 10 * MINUTE,
      value: 30,
      anonymousId: 'v1',
    })
    await stored(shop)

    const { rows } = await attribution(shop, { metrics: CREDITED, groupBy: 'flow' })
    expect(rows).toEqual([
      {
        flow: 'f-late',
        currency: 'EUR',
        attributed_conversions: 3,
        attributed_revenue_micros: EUR(60),
        direct_conversions: 1,
        assisted_conversions: 2,
      },
    ])
    await expectReadmeSqlAgrees(shop)
  })

  it('a sale whose chatSessionId matches no chat falls back to its customer id, e-mail, anonymous id', async () => {
    const shop = await newShop('unknown')
    const sessionId = await openChat(shop, 'v2')
    await chat(shop, {
      sessionId,
      anonymousId: 'v2',
      flowId: 'f-known',
      at: T + MINUTE,
      endAt: T + 5 * MINUTE,
    })
    await beacon(shop, { type: 'identify', ts: T + 2 * MINUTE, anonymous_id: 'v2', customer_id: 'cust-2' })
    const unknown = () => randomUUID()
    // The first sale also links the e-mail to cust-2; the second has only the e-mail, the third only v2.
    await sale(shop, {
      conversionId: 'by-customer',
      occurredAt: T + 2 * HOUR,
      value: 10,
      chatSessionId: unknown(),
      customerId: 'cust-2',
      email: 'ada@example.com',
    })
    await sale(shop, {
      conversionId: 'by-email',
      occurredAt: T + 2 * HOUR + 10 * MINUTE,
      value: 20,
      chatSessionId: unknown(),
      email: 'Ada@Example.com',
    })
    await sale(shop, {
      conversionId: 'by-anonymous',
      occurredAt: T + 2 * HOUR + 20 * MINUTE,
      value: 30,
      chatSessionId: unknown(),
      anonymousId: 'v2',
    })
    await stored(shop)

    const { rows } = await attribution(shop, { metrics: CREDITED, groupBy: 'flow' })
    expect(rows).toEqual([
      {
        flow: 'f-known',
        currency: 'EUR',
        attributed_conversions: 3,
        attributed_revenue_micros: EUR(60),
        direct_conversions: 0,
        assisted_conversions: 3,
      },
    ])
    await expectReadmeSqlAgrees(shop)
  })

  it('chatSessionId with a customerId does not re-key the chat: the person’s two chats share the sale', async () => {
    const shop = await newShop('rekey', 2)
    const first = await openChat(shop, 'v3', 0)
    const second = await openChat(shop, 'v3', 1)
    await chat(
      shop,
      { sessionId: first, anonymousId: 'v3', flowId: 'f-first', at: T + MINUTE, endAt: T + 5 * MINUTE },
      0,
    )
    await chat(
      shop,
      {
        sessionId: second,
        anonymousId: 'v3',
        flowId: 'f-second',
        at: T + 10 * MINUTE,
        endAt: T + 15 * MINUTE,
      },
      1,
    )
    await sale(shop, {
      conversionId: 'sale',
      occurredAt: T + 3 * HOUR,
      value: 100,
      chatSessionId: second,
      customerId: 'cust-3',
    })
    await stored(shop)

    const linear = await attribution(shop, { metrics: CREDITED, groupBy: 'widget_key', model: 'linear' })
    expect(linear.rows).toEqual(
      [...shop.keys].sort().map((widgetKey) => ({
        widget_key: widgetKey,
        currency: 'EUR',
        attributed_conversions: 0.5,
        attributed_revenue_micros: EUR(50),
        direct_conversions: 0,
        assisted_conversions: 0.5,
      })),
    )
    const last = await attribution(shop, { metrics: 'attributed_conversions', groupBy: 'flow' })
    expect(last.rows).toEqual([{ flow: 'f-second', attributed_conversions: 1 }])
    await expectReadmeSqlAgrees(shop)
  })

  it('purchase beacons naming the chat: unverified by default; once counted, assisted and never moving the chat', async () => {
    const shop = await newShop('beacons')
    const sessionId = await openChat(shop, 'v4')
    await chat(shop, {
      sessionId,
      anonymousId: 'v4',
      flowId: 'f-beacon',
      at: T + MINUTE,
      endAt: T + 5 * MINUTE,
    })
    await purchaseBeacon(shop, {
      orderId: 'o-41',
      at: T + 3 * HOUR,
      value: 40,
      anonymousId: 'v4',
      chatSessionId: sessionId,
    })
    await purchaseBeacon(shop, {
      orderId: 'o-42',
      at: T + 3 * HOUR + 10 * MINUTE,
      value: 50,
      anonymousId: 'v4',
    })
    await purchaseBeacon(shop, {
      orderId: 'o-43',
      at: T + 3 * HOUR + 20 * MINUTE,
      value: 60,
      anonymousId: 'v4',
      chatSessionId: randomUUID(),
    })
    await stored(shop)

    expect((await attribution(shop, { metrics: CREDITED })).totals).toEqual([])
    const counted = await app.server.inject({
      method: 'PUT',
      url: '/v1/admin/conversion-settings',
      headers: { authorization: `Bearer ${shop.admin}` },
      payload: { purchaseBeacons: 'counted', purchaseBeaconMaxValue: 1000 },
    })
    expect(counted.statusCode).toBe(200)
    const { rows } = await attribution(shop, { metrics: CREDITED, groupBy: 'flow' })
    expect(rows).toEqual([
      {
        flow: 'f-beacon',
        currency: 'EUR',
        attributed_conversions: 3,
        attributed_revenue_micros: EUR(150),
        direct_conversions: 0,
        assisted_conversions: 3,
      },
    ])
    await expectReadmeSqlAgrees(shop)
  })
})
