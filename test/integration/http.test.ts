import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { loadOperatorToken } from '../../platform/tenancy/operator-token.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

let app: App
let operatorToken: string

beforeAll(async () => {
  const config = testConfig(await tempDir())
  app = await createApp(config)
  operatorToken = await loadOperatorToken(config)
})
afterAll(() => app.close())

const operator = (method: 'GET' | 'POST', url: string, payload?: object) =>
  app.server.inject({
    method,
    url,
    headers: { 'x-comerix-operator-token': operatorToken },
    ...(payload ? { payload } : {}),
  })

async function newTenant(slug: string) {
  const response = await operator('POST', '/v1/operator/tenants', { slug })
  expect(response.statusCode).toBe(201)
  return response.json<{ tenant: { id: string }; adminKey: { key: string; keyId: string } }>()
}

describe('health', () => {
  it('answers liveness and readiness with every dependency checked', async () => {
    expect((await app.server.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' })
    const ready = await app.server.inject({ url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({
      status: 'ready',
      checks: { clickhouse: { ok: true }, eventLog: { ok: true }, state: { ok: true } },
    })
  })
})

describe('errors', () => {
  it('answers an unknown route with a catalog error and the request id', async () => {
    const response = await app.server.inject({ url: '/nope', headers: { 'x-request-id': 'req-12345678' } })
    expect(response.statusCode).toBe(404)
    expect(response.headers['x-request-id']).toBe('req-12345678')
    expect(response.json()).toEqual({
      error: {
        code: 'route_not_found',
        message: 'no route for GET /nope',
        retryable: false,
        requestId: 'req-12345678',
      },
    })
  })

  it("answers the router's own refusals (bad percent-encoding, an over-long path parameter) with catalog errors", async () => {
    for (const url of ['/v1/admin/goals/%ED%A0%80', `/v1/admin/reports/${'x'.repeat(101)}`]) {
      const response = await app.server.inject({ url })
      expect(response.statusCode).toBe(400)
      expect(response.headers['content-type']).toMatch(/^application\/json/)
      expect(response.json()).toMatchObject({ error: { code: 'bad_request', retryable: false } })
    }
  })

  it('answers malformed JSON with invalid_json, never 500', async () => {
    const response = await app.server.inject({
      method: 'POST',
      url: '/v1/operator/tenants',
      headers: { 'content-type': 'application/json', 'x-comerix-operator-token': operatorToken },
      payload: '{"slug": ',
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('invalid_json')
  })

  it('answers an unsupported content type with 415', async () => {
    const response = await app.server.inject({
      method: 'POST',
      url: '/v1/operator/tenants',
      headers: { 'content-type': 'application/xml', 'x-comerix-operator-token': operatorToken },
      payload: '<slug/>',
    })
    expect(response.statusCode).toBe(415)
    expect(response.json().error.code).toBe('unsupported_media_type')
  })

  it('lists every invalid field', async () => {
    const { adminKey } = await newTenant('errors-shop')
    const response = await app.server.inject({
      method: 'POST',
      url: '/v1/admin/widget-keys',
      headers: { authorization: `Bearer ${adminKey.key}` },
      payload: { allowedOrigins: ['shop.example'], intents: ['Bad Intent'] },
    })
    expect(response.statusCode).toBe(400)
    const { error } = response.json()
    expect(error.code).toBe('validation_failed')
    expect(error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'body.allowedOrigins.0',
      'body.intents.0',
    ])
  })
})

describe('operator routes', () => {
  it('need the operator token', async () => {
    const response = await app.server.inject({
      method: 'POST',
      url: '/v1/operator/tenants',
      payload: { slug: 'x-shop' },
    })
    expect(response.statusCode).toBe(401)
    expect(response.json().error.code).toBe('unauthorized')
  })

  it('create a tenant once per slug', async () => {
    const { tenant, adminKey } = await newTenant('acme')
    expect(tenant.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(adminKey.key).toMatch(/^sk_/)
    const again = await operator('POST', '/v1/operator/tenants', { slug: 'acme' })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('conflict')
  })
})

describe('tenant admin routes', () => {
  it('manage widget keys with an admin secret key, scoped to the tenant', async () => {
    const shop = await newTenant('keys-shop')
    const other = await newTenant('other-shop')
    const admin = { authorization: `Bearer ${shop.adminKey.key}` }
    const created = await app.server.inject({
      method: 'POST',
      url: '/v1/admin/widget-keys',
      headers: admin,
      payload: { allowedOrigins: ['https://Shop.Example:443'], intents: ['order_status', 'faq'] },
    })
    expect(created.statusCode).toBe(201)
    const widgetKey = created.json()
    expect(widgetKey).toMatchObject({
      allowedOrigins: ['https://shop.example'],
      intents: ['order_status', 'faq'],
      allIntents: false,
      revoked: false,
    })
    expect(widgetKey.publicKey).toMatch(/^pk_/)

    const otherList = await app.server.inject({
      url: '/v1/admin/widget-keys',
      headers: { authorization: `Bearer ${other.adminKey.key}` },
    })
    expect(otherList.json().widgetKeys).toEqual([])

    const foreignRevoke = await app.server.inject({
      method: 'DELETE',
      url: `/v1/admin/widget-keys/${widgetKey.publicKey}`,
      headers: { authorization: `Bearer ${other.adminKey.key}` },
    })
    expect(foreignRevoke.statusCode).toBe(404)

    expect(await app.tenancy.resolveWidgetKey(widgetKey.publicKey)).toMatchObject({
      tenantId: shop.tenant.id,
    })
    const revoke = await app.server.inject({
      method: 'DELETE',
      url: `/v1/admin/widget-keys/${widgetKey.publicKey}`,
      headers: admin,
    })
    expect(revoke.statusCode).toBe(204)
    expect(await app.tenancy.resolveWidgetKey(widgetKey.publicKey)).toBeUndefined()
  })

  it('enforce secret key scopes and revocation', async () => {
    const shop = await newTenant('scopes-shop')
    const issued = await app.server.inject({
      method: 'POST',
      url: '/v1/admin/secret-keys',
      headers: { authorization: `Bearer ${shop.adminKey.key}` },
      payload: { name: 'backend', scopes: ['engine'] },
    })
    expect(issued.statusCode).toBe(201)
    const engineKey = issued.json<{ key: string; keyId: string }>()
    const forbidden = await app.server.inject({
      url: '/v1/admin/widget-keys',
      headers: { authorization: `Bearer ${engineKey.key}` },
    })
    expect(forbidden.statusCode).toBe(403)

    const listed = await app.server.inject({
      url: '/v1/admin/secret-keys',
      headers: { authorization: `Bearer ${shop.adminKey.key}` },
    })
    expect(JSON.stringify(listed.json())).not.toContain(engineKey.key)

    expect(await app.tenancy.authenticateSecretKey(engineKey.key)).toMatchObject({ scopes: ['engine'] })
    const revoke = await app.server.inject({
      method: 'DELETE',
      url: `/v1/admin/secret-keys/${engineKey.keyId}`,
      headers: { authorization: `Bearer ${shop.adminKey.key}` },
    })
    expect(revoke.statusCode).toBe(204)
    expect(await app.tenancy.authenticateSecretKey(engineKey.key)).toBeUndefined()

    const unknown = await app.server.inject({
      url: '/v1/admin/widget-keys',
      headers: { authorization: 'Bearer sk_nope' },
    })
    expect(unknown.statusCode).toBe(401)
  })
})

describe('OpenAPI', () => {
  it('documents the routes at /docs/json', async () => {
    const response = await app.server.inject({ url: '/docs/json' })
    expect(response.statusCode).toBe(200)
    const spec = response.json<{ openapi: string; paths: Record<string, unknown> }>()
    expect(spec.openapi).toMatch(/^3\./)
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/v1/operator/tenants', '/v1/admin/widget-keys']),
    )
  })
})
