import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { conversionBody } from '../../ingest/conversions/conversion-schema.ts'
import { loadEmailHasher } from '../../ingest/conversions/email-hasher.ts'
import { sha256Hex } from '../../platform/ids.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

const ORIGIN = 'https://shop.example'
// Beacons must fall inside the ingest horizon (7 days by default): the fixtures live two days ago.
const DAY = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10)
const at = (time: string) => `${DAY}T${time}Z`

let app: App
let dataDir: string
const tenants: Record<
  'shop' | 'rival',
  { id: string; engine: string; analyst: string; admin: string; publicKey: string }
> = {
  shop: { id: '', engine: '', analyst: '', admin: '', publicKey: '' },
  rival: { id: '', engine: '', analyst: '', admin: '', publicKey: '' },
}

beforeAll(async () => {
  dataDir = await tempDir()
  app = await createApp(testConfig(dataDir, { SINK_BATCH_WAIT_MS: '50' }))
  for (const slug of ['shop', 'rival'] as const) {
    const { tenant } = await app.operator.createTenant({ slug: `conv-${slug}` })
    const key = (scopes: Array<'engine' | 'analyst' | 'admin'>) =>
      app.tenancy.createSecretKey(tenant.id, { name: scopes.join('-'), scopes }).then((issued) => issued.key)
    tenants[slug] = {
      id: tenant.id,
      engine: await key(['engine']),
      analyst: await key(['analyst']),
      admin: await key(['admin']),
      publicKey: (
        await app.tenancy.createWidgetKey(tenant.id, { allowedOrigins: [ORIGIN], allIntents: true })
      ).publicKey,
    }
  }
})
afterAll(() => app?.close())

const report = (tenant: 'shop' | 'rival', body: object, headers: Record<string, string> = {}) =>
  app.server.inject({
    method: 'POST',
    url: '/v1/engine/conversions',
    headers: { authorization: `Bearer ${tenants[tenant].engine}`, ...headers },
    payload: body,
  })

const sale = (overrides: Record<string, unknown> = {}) => ({
  conversionId: 'conv-1',
  occurredAt: at('10:00:00'),
  value: 50,
  currency: 'EUR',
  orderId: 'o-1',
  ...overrides,
})

const beacon = (orderId: string, value: number, anonymousId: string, ts: string) =>
  app.server.inject({
    method: 'POST',
    url: `/v1/telemetry?publicKey=${tenants.shop.publicKey}`,
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    payload: {
      type: 'purchase',
      ts,
      anonymous_id: anonymousId,
      props: { order_id: orderId },
      value,
      currency: 'EUR',
    },
  })

const settings = async (method: 'GET' | 'PUT', payload?: object, tenant: 'shop' | 'rival' = 'shop') => {
  const response = await app.server.inject({
    method,
    url: '/v1/admin/conversion-settings',
    headers: { authorization: `Bearer ${tenants[tenant].admin}` },
    ...(payload ? { payload } : {}),
  })
  return { statusCode: response.statusCode, body: response.json() }
}

interface ConversionRow {
  conversion_id: string
  order_id: string
  value_micros: number
  is_refund: number
  source: string
  email_hash: string
}

const conversionsOf = (tenant: 'shop' | 'rival') =>
  app.db.select<ConversionRow>(
    `SELECT conversion_id, order_id, value_micros, is_refund, source, email_hash FROM ${app.db.tables.conversions}
     WHERE tenant_id = {tenantId:UUID} ORDER BY conversion_id`,
    { tenantId: tenants[tenant].id },
  )

const storedEvents = async (tenant: 'shop' | 'rival', type: string) => {
  const [row] = await app.db.select<{ n: string }>(
    `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID} AND type = {type:String}`,
    { tenantId: tenants[tenant].id, type },
  )
  return Number(row?.n)
}

/** Events the sink recognised as already seen (repeats in a batch or ids already stored). */
const deduplicated = async () => {
  const metric = await app.metrics.getSingleMetric('comerix_sink_events_deduplicated_total')?.get()
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0
}

const analytics = (query: string) =>
  app.server.inject({
    method: 'GET',
    url: `/v1/analytics/conversions?${query}`,
    headers: { authorization: `Bearer ${tenants.shop.analyst}` },
  })

describe('POST /v1/engine/conversions', () => {
  it('needs a secret key with the engine scope', async () => {
    const anonymous = await app.server.inject({
      method: 'POST',
      url: '/v1/engine/conversions',
      payload: sale(),
    })
    expect(anonymous.statusCode).toBe(401)
    const analyst = await app.server.inject({
      method: 'POST',
      url: '/v1/engine/conversions',
      headers: { authorization: `Bearer ${tenants.shop.analyst}` },
      payload: sale(),
    })
    expect(analyst.statusCode).toBe(403)
    expect(analyst.json().error.code).toBe('forbidden')
  })

  it('refuses a bad body with the fields named, and stores nothing', async () => {
    const response = await report(
      'shop',
      sale({ conversionId: 'bad-1', currency: 'euro', occurredAt: '2026-03-10T10:00:00' }),
    )
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('validation_failed')
    expect(JSON.stringify(response.json().error.details)).toMatch(/currency/)
    const future = await report(
      'shop',
      sale({ conversionId: 'bad-2', occurredAt: Date.now() + 3 * 86_400_000 }),
    )
    expect(future.statusCode).toBe(400)
  })

  it('records a conversionId once however often it is sent; the first report wins', async () => {
    const first = await report('shop', sale({ email: ' Ada@Example.COM ' }))
    const again = await report('shop', sale({ value: 999, email: ' Ada@Example.COM ' }))
    expect(first.statusCode).toBe(202)
    expect(again.statusCode).toBe(202)
    expect(again.json()).toEqual(first.json())
    await waitFor(async () => (await deduplicated()) === 1)
    await report('shop', sale({ value: 7 })) // a resend once the first is stored
    await waitFor(async () => (await deduplicated()) === 2)
    const rows = (await conversionsOf('shop')).filter((row) => row.conversion_id === 'conv-1')
    expect(rows).toEqual([
      expect.objectContaining({ value_micros: 50000000, is_refund: 0, source: 'backend' }),
    ])
  })

  it('stores only the salted hash of the e-mail, never the address', async () => {
    const [row] = (await conversionsOf('shop')).filter((conversion) => conversion.conversion_id === 'conv-1')
    const hasher = await loadEmailHasher({ dataDir, secret: undefined })
    expect(row?.email_hash).toBe(hasher.hash(tenants.shop.id, 'ada@example.com'))
    const [leak] = await app.db.select<{ n: string }>(
      `SELECT count() AS n FROM ${app.db.tables.events} WHERE positionCaseInsensitive(props, 'example.com') > 0`,
    )
    expect(Number(leak?.n)).toBe(0)
  })

  it('replays an Idempotency-Key with the same body, refuses another body (422) and a request in flight (409)', async () => {
    const headers = { 'idempotency-key': 'checkout-42' }
    const first = await report('shop', sale({ conversionId: 'conv-2', orderId: 'o-2', value: 30 }), headers)
    const replay = await report('shop', sale({ conversionId: 'conv-2', orderId: 'o-2', value: 30 }), headers)
    expect(first.statusCode).toBe(202)
    expect(replay.statusCode).toBe(202)
    expect(replay.json()).toEqual(first.json())
    const other = await report('shop', sale({ conversionId: 'conv-3', orderId: 'o-3', value: 30 }), headers)
    expect(other.statusCode).toBe(422)
    expect(other.json().error.code).toBe('idempotency_key_reused')

    // Another process holding the key: the claim it would have written (platform/http/idempotency.ts).
    const body = sale({ conversionId: 'conv-4', orderId: 'o-4', value: 30 })
    await app.state.set(
      `idempotency:conversion:${tenants.shop.id}:${sha256Hex('checkout-43')}`,
      JSON.stringify({ state: 'in_flight', bodyHash: sha256Hex(JSON.stringify(conversionBody.parse(body))) }),
      { ttlMs: 60_000 },
    )
    const inFlight = await report('shop', body, { 'idempotency-key': 'checkout-43' })
    expect(inFlight.statusCode).toBe(409)
    expect(inFlight.json().error.code).toBe('idempotency_in_flight')
  })

  it('refuses a session token as chatSessionId with a 400 naming the field, and stores nothing', async () => {
    const opened = await app.server.inject({
      method: 'POST',
      url: `/v1/chat/sessions?publicKey=${tenants.shop.publicKey}`,
      headers: { origin: ORIGIN },
      payload: { anonymousId: 'anon-token' },
    })
    expect(opened.statusCode).toBe(201)
    const { sessionId, sessionToken } = opened.json()
    expect(sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(sessionToken).toMatch(/^cs_/)
    const refused = await report('shop', sale({ conversionId: 'token-1', chatSessionId: sessionToken }))
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error.code).toBe('validation_failed')
    expect(JSON.stringify(refused.json().error.details)).toMatch(/chatSessionId.*sessionId/)
    const beaconWithToken = await app.server.inject({
      method: 'POST',
      url: `/v1/telemetry?publicKey=${tenants.shop.publicKey}`,
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      payload: {
        type: 'message.sent',
        ts: at('10:00:00'),
        anonymous_id: 'anon-token',
        chat_session_id: sessionToken,
      },
    })
    expect(beaconWithToken.statusCode).toBe(400)
    expect(JSON.stringify(beaconWithToken.json().error.details)).toMatch(/chat_session_id/)
    const [stored] = await app.db.select<{ n: string }>(
      `SELECT count() AS n FROM ${app.db.tables.events} WHERE position(props, {token:String}) > 0
         OR chat_session_id = {token:String}`,
      { token: sessionToken },
    )
    expect(Number(stored?.n)).toBe(0)
  })

  it('leaves purchase beacons out by default: unverified signals, the backend’s report of the order counts', async () => {
    expect((await beacon('o-1', 50, 'anon-1', at('09:59:00'))).statusCode).toBe(202)
    expect((await beacon('o-9', 20, 'anon-2', at('11:00:00'))).statusCode).toBe(202)
    expect((await beacon('o-9', 20, 'anon-2', at('11:00:05'))).statusCode).toBe(202)
    expect((await beacon('o-big', 1e9, 'anon-2', at('11:30:00'))).statusCode).toBe(202)
    await waitFor(async () => (await storedEvents('shop', 'purchase')) === 4)
    expect(await settings('GET')).toMatchObject({
      statusCode: 200,
      body: { purchaseBeacons: 'unverified', purchaseBeaconMaxValue: null, updatedAt: null },
    })
    expect((await conversionsOf('shop')).map((row) => row.conversion_id)).toEqual(['conv-1', 'conv-2'])
  })

  it('counts purchase beacons once, below the cap, when the tenant says so; the backend’s order wins', async () => {
    const engineKey = await app.server.inject({
      method: 'PUT',
      url: '/v1/admin/conversion-settings',
      headers: { authorization: `Bearer ${tenants.shop.engine}` },
      payload: { purchaseBeacons: 'counted' },
    })
    expect(engineKey.statusCode).toBe(403)
    expect((await settings('PUT', { purchaseBeacons: 'sometimes' })).statusCode).toBe(400)
    expect(
      (await settings('PUT', { purchaseBeacons: 'counted', purchaseBeaconMaxValue: 0 })).statusCode,
    ).toBe(400)

    expect(await settings('PUT', { purchaseBeacons: 'counted', purchaseBeaconMaxValue: 500 })).toMatchObject({
      statusCode: 200,
      body: { purchaseBeacons: 'counted', purchaseBeaconMaxValue: 500 },
    })
    expect(
      (await conversionsOf('shop')).map((row) => [row.conversion_id, row.source, row.value_micros]),
    ).toEqual([
      ['conv-1', 'backend', 50000000],
      ['conv-2', 'backend', 30000000],
      ['purchase:o-9', 'widget', 20000000],
    ])
    // Without a cap the billion-euro beacon counts too; the rival tenant still has the default.
    await settings('PUT', { purchaseBeacons: 'counted' })
    expect((await conversionsOf('shop')).map((row) => row.conversion_id)).toContain('purchase:o-big')
    expect((await settings('GET', undefined, 'rival')).body.purchaseBeacons).toBe('unverified')
    // Back to the cap for the rest of the file.
    const capped = await settings('PUT', { purchaseBeacons: 'counted', purchaseBeaconMaxValue: 500 })
    expect(capped.body.updatedAt).toEqual(expect.any(String))
    expect((await settings('GET')).body).toEqual(capped.body)
  })

  it('takes a refund as a negative conversion of the original order, netted in revenue', async () => {
    const refund = await report(
      'shop',
      sale({ conversionId: 'refund-1', orderId: 'o-1', value: -20, occurredAt: at('12:00:00') }),
    )
    expect(refund.statusCode).toBe(202)
    await waitFor(async () => (await conversionsOf('shop')).some((row) => row.conversion_id === 'refund-1'))
    // The refund does not bring the o-1 beacon back: the backend's sale of o-1 still stands.
    expect((await conversionsOf('shop')).map((row) => [row.conversion_id, row.is_refund])).toEqual([
      ['conv-1', 0],
      ['conv-2', 0],
      ['purchase:o-9', 0],
      ['refund-1', 1],
    ])
    const response = await analytics(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=conversions,refunds,revenue_micros,refunded_micros,average_order_value_micros`,
    )
    expect(response.statusCode).toBe(200)
    expect(response.json().rows).toEqual([
      {
        currency: 'EUR',
        conversions: 3,
        refunds: 1,
        revenue_micros: 80_000_000,
        refunded_micros: 20_000_000,
        average_order_value_micros: 33_333_333,
      },
    ])
    const rate = await analytics(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=converting_visitors,visitors,conversion_rate`,
    )
    // Visitors with any event: anon-1 and anon-2 (beacons). Converting: anon-2 (widget) and the two
    // backend conversions without identity, each its own visitor.
    expect(rate.json().rows).toEqual([{ converting_visitors: 3, visitors: 2, conversion_rate: 1.5 }])
    const bySource = await analytics(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=conversions&groupBy=source`,
    )
    expect(bySource.json().rows).toEqual([
      { source: 'backend', conversions: 2 },
      { source: 'widget', conversions: 1 },
    ])
    const cutRate = await analytics(`from=${DAY}&to=${DAY}&metrics=conversion_rate&groupBy=source`)
    expect(cutRate.statusCode).toBe(400)
  })

  it('keeps tenants apart: the same conversionId in another tenant is another conversion', async () => {
    const theirs = await report('rival', sale({ value: 5 }))
    expect(theirs.statusCode).toBe(202)
    await waitFor(async () => (await conversionsOf('rival')).length === 1)
    const [mine] = (await conversionsOf('shop')).filter((row) => row.conversion_id === 'conv-1')
    expect(mine?.value_micros).toBe(50000000)
    expect((await conversionsOf('rival'))[0]?.value_micros).toBe(5000000)
    expect(theirs.json().eventId).not.toBe((await report('shop', sale())).json().eventId)
  })
})
