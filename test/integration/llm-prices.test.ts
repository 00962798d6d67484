import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { LOCAL_MODEL } from '../../engine/llm/local-provider.ts'
import { PriceCatalog } from '../../engine/llm/price-catalog.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

let app: App
/** A second process's catalog over the same stores, to see cache invalidation. */
let otherProcess: PriceCatalog
const tenants: Record<'shop' | 'rival', { id: string; adminKey: string }> = {
  shop: { id: '', adminKey: '' },
  rival: { id: '', adminKey: '' },
}

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir()))
  for (const slug of ['shop', 'rival'] as const) {
    const { tenant, adminKey } = await app.operator.createTenant({ slug: `prices-${slug}` })
    tenants[slug] = { id: tenant.id, adminKey: adminKey.key }
  }
  otherProcess = new PriceCatalog(app.db, app.state)
  await otherProcess.start()
})

afterAll(async () => {
  await otherProcess?.stop()
  await app?.close()
})

const admin = (
  tenant: 'shop' | 'rival',
  method: 'GET' | 'POST',
  body?: object,
  key = tenants[tenant].adminKey,
) =>
  app.server.inject({
    method,
    url: '/v1/admin/llm-prices',
    headers: { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body }),
  })

const usage = {
  promptTokens: 10_000,
  cachedPromptTokens: 4_000,
  completionTokens: 1_000,
  totalTokens: 11_000,
}
const AT = Date.parse('2026-06-01T12:00:00Z')

describe('the seeded catalog', () => {
  it('lists the global defaults, the local model at 0 among them', async () => {
    const response = await admin('shop', 'GET')
    expect(response.statusCode).toBe(200)
    const { prices } = response.json() as { prices: Array<Record<string, unknown>> }
    expect(prices.every((price) => price.scope === 'global')).toBe(true)
    expect(prices).toContainEqual(
      expect.objectContaining({
        modelPattern: 'gpt-4o-mini-2*',
        inputMicrosPerMTok: 150_000,
        cachedInputMicrosPerMTok: 75_000,
        outputMicrosPerMTok: 600_000,
        currency: 'USD',
        effectiveFrom: '2024-01-01T00:00:00.000Z',
      }),
    )
    expect(prices).toContainEqual(
      expect.objectContaining({ modelPattern: LOCAL_MODEL, inputMicrosPerMTok: 0, outputMicrosPerMTok: 0 }),
    )
  })

  it('prices a dated snapshot by its glob, cached tokens at the cached price', async () => {
    const cost = await app.engine.llm.prices.costOf(tenants.shop.id, 'gpt-4o-mini-2024-07-18', AT, usage)
    // 4000 x 0.075 + 6000 x 0.15 + 1000 x 0.6 = 300 + 900 + 600 micros
    expect(cost).toEqual({
      costMicros: 1_800,
      source: 'price_catalog',
      priceId: '0b9f3a52-7c1e-4d0a-9e61-000000000004',
    })
  })

  it('lets a provider-reported cost win and leaves unknown models unpriced', async () => {
    const { prices } = app.engine.llm
    expect(await prices.costOf(tenants.shop.id, 'gpt-4o', AT, { ...usage, providerCostMicros: 77 })).toEqual({
      costMicros: 77,
      source: 'provider',
    })
    expect(await prices.costOf(tenants.shop.id, 'mistral-large', AT, usage)).toEqual({
      costMicros: 0,
      source: 'unpriced',
    })
    expect(await prices.costOf(tenants.shop.id, LOCAL_MODEL, AT, usage)).toMatchObject({
      costMicros: 0,
      source: 'price_catalog',
    })
  })
})

describe('tenant prices', () => {
  it('adds a version that applies from its effectiveFrom, to that tenant only, in every process', async () => {
    const before = await otherProcess.costOf(tenants.shop.id, 'gpt-4o-mini', AT, usage)
    expect(before.costMicros).toBe(1_800)

    const response = await admin('shop', 'POST', {
      modelPattern: 'gpt-4o-mini*',
      inputMicrosPerMTok: 1_000_000,
      outputMicrosPerMTok: 2_000_000,
      effectiveFrom: '2026-05-01T00:00:00Z',
      note: 'negotiated rate',
    })
    expect(response.statusCode).toBe(201)
    const added = response.json()
    expect(added).toMatchObject({
      scope: 'tenant',
      modelPattern: 'gpt-4o-mini*',
      cachedInputMicrosPerMTok: 1_000_000,
      effectiveFrom: '2026-05-01T00:00:00.000Z',
    })

    // 10000 x 1.0 + 1000 x 2.0 micros; the tenant's glob beats the global exact name.
    const expected = { costMicros: 12_000, source: 'price_catalog', priceId: added.priceId }
    expect(await app.engine.llm.prices.costOf(tenants.shop.id, 'gpt-4o-mini', AT, usage)).toEqual(expected)
    await waitFor(
      async () =>
        (await otherProcess.costOf(tenants.shop.id, 'gpt-4o-mini', AT, usage)).costMicros === 12_000,
      { message: "the other process's cache was invalidated" },
    )
    const earlier = Date.parse('2026-04-30T23:59:59Z')
    expect(
      (await app.engine.llm.prices.costOf(tenants.shop.id, 'gpt-4o-mini', earlier, usage)).costMicros,
    ).toBe(1_800)
    expect((await app.engine.llm.prices.costOf(tenants.rival.id, 'gpt-4o-mini', AT, usage)).costMicros).toBe(
      1_800,
    )

    const listed = (await admin('shop', 'GET')).json().prices
    expect(listed[0]).toEqual(added)
    expect(
      (await admin('rival', 'GET'))
        .json()
        .prices.some((price: { scope: string }) => price.scope === 'tenant'),
    ).toBe(false)
  })

  it('never edits a price: a later version adds a row and the earlier one still prices older calls', async () => {
    const later = await admin('shop', 'POST', {
      modelPattern: 'gpt-4o-mini*',
      inputMicrosPerMTok: 500_000,
      outputMicrosPerMTok: 1_000_000,
      effectiveFrom: '2026-07-01T00:00:00Z',
    })
    expect(later.statusCode).toBe(201)
    const { prices } = app.engine.llm
    expect((await prices.costOf(tenants.shop.id, 'gpt-4o-mini', AT, usage)).costMicros).toBe(12_000)
    const july = Date.parse('2026-07-02T00:00:00Z')
    expect((await prices.costOf(tenants.shop.id, 'gpt-4o-mini', july, usage)).costMicros).toBe(6_000)
    const tenantRows = (await admin('shop', 'GET'))
      .json()
      .prices.filter((p: { scope: string }) => p.scope === 'tenant')
    expect(tenantRows).toHaveLength(2)
  })

  it('refuses a malformed pattern, a non-USD currency and a key without the admin scope', async () => {
    const bad = await admin('shop', 'POST', {
      modelPattern: 'gpt*4o',
      inputMicrosPerMTok: 1,
      outputMicrosPerMTok: 1,
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('validation_failed')
    const euro = await admin('shop', 'POST', {
      modelPattern: 'gpt-4o',
      inputMicrosPerMTok: 1,
      outputMicrosPerMTok: 1,
      currency: 'EUR',
    })
    expect(euro.statusCode).toBe(400)
    const engineKey = await app.tenancy.createSecretKey(tenants.shop.id, {
      name: 'engine',
      scopes: ['engine'],
    })
    expect((await admin('shop', 'GET', undefined, engineKey.key)).statusCode).toBe(403)
  })
})
