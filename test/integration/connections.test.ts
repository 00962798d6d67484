import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callConnection } from '../../engine/connections/call-connection.ts'
import { connectionRoutes } from '../../engine/connections/connection.routes.ts'
import { ConnectionService } from '../../engine/connections/connection-service.ts'
import { createDb, type Db } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { loadSecretBox } from '../../platform/crypto/secret-box.ts'
import { createServer } from '../../platform/http/create-server.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'

const logger = pino({ level: 'silent' })
const clickhouse = await testClickHouse()
const dataDir = await tempDir()

let state: StateStore
let db: Db
let tenancy: TenancyService
/** Two processes' services over one database and one state store, to see cache invalidation. */
let connections: ConnectionService
let otherProcess: ConnectionService
let app: Awaited<ReturnType<typeof createServer>>
const keys: Record<'shop' | 'rival', { tenantId: string; key: string }> = {
  shop: { tenantId: '', key: '' },
  rival: { tenantId: '', key: '' },
}

beforeAll(async () => {
  state = await createStateStore({ dataDir, redisUrl: undefined }, logger)
  await migrate({ clickhouse, state, logger })
  db = createDb(clickhouse)
  tenancy = new TenancyService(db, state)
  await tenancy.start()
  const secretBox = await loadSecretBox({ dataDir, secret: undefined })
  connections = new ConnectionService(db, state, secretBox)
  otherProcess = new ConnectionService(db, state, secretBox)
  await connections.start()
  await otherProcess.start()
  app = await createServer({ logger, version: 'test' })
  // Test calls may reach loopback here: the test's own server stands in for a shop API.
  await app.register(connectionRoutes(connections, tenancy, { allowPrivateNetworks: true }), {
    prefix: '/v1/admin',
  })
  await app.ready()
  for (const slug of ['shop', 'rival'] as const) {
    const { tenant, adminKey } = await tenancy.createTenant({ slug: `conn-${slug}` })
    keys[slug] = { tenantId: tenant.id, key: adminKey.key }
  }
})

afterAll(async () => {
  await app?.close()
  await connections?.stop()
  await otherProcess?.stop()
  await tenancy?.stop()
  await state?.close()
})

const admin = (
  tenant: 'shop' | 'rival',
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: object,
) =>
  app.inject({
    method,
    url: `/v1/admin${url}`,
    headers: { authorization: `Bearer ${keys[tenant].key}` },
    ...(body === undefined ? {} : { payload: body }),
  })

describe('connections admin API', () => {
  it('creates, reads, lists, updates and deletes a connection without ever returning its secret', async () => {
    const created = await admin('shop', 'POST', '/connections', {
      name: 'orders',
      baseUrl: 'https://api.shop.example/v2/',
      auth: { kind: 'bearer', token: 'tok_live_supersecret' },
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({
      name: 'orders',
      baseUrl: 'https://api.shop.example/v2',
      auth: { kind: 'bearer' },
      hasSecret: true,
      timeoutMs: 10_000,
    })

    const one = await admin('shop', 'GET', '/connections/orders')
    const list = await admin('shop', 'GET', '/connections')
    const updated = await admin('shop', 'PUT', '/connections/orders', {
      auth: { kind: 'header', name: 'X-Api-Key', value: 'key_live_othersecret' },
      timeoutMs: 2_000,
    })
    expect(one.json()).toEqual(created.json())
    expect(list.json()).toEqual({ connections: [created.json()] })
    expect(updated.statusCode).toBe(200)
    expect(updated.json()).toMatchObject({
      baseUrl: 'https://api.shop.example/v2',
      auth: { kind: 'header', headerName: 'X-Api-Key' },
      hasSecret: true,
      timeoutMs: 2_000,
      createdAt: created.json().createdAt,
    })
    for (const response of [created, one, list, updated]) {
      expect(response.body).not.toContain('supersecret')
      expect(response.body).not.toContain('othersecret')
    }

    expect((await admin('shop', 'DELETE', '/connections/orders')).statusCode).toBe(204)
    expect((await admin('shop', 'GET', '/connections/orders')).statusCode).toBe(404)
    expect((await admin('shop', 'GET', '/connections')).json()).toEqual({ connections: [] })
    expect(await connections.resolve(keys.shop.tenantId, 'orders')).toBeUndefined()
    expect((await admin('shop', 'DELETE', '/connections/orders')).statusCode).toBe(404)
  })

  it('answers 409 conflict to a duplicate name', async () => {
    const body = { name: 'dupe', baseUrl: 'https://a.example' }
    expect((await admin('shop', 'POST', '/connections', body)).statusCode).toBe(201)
    const again = await admin('shop', 'POST', '/connections', { ...body, baseUrl: 'https://b.example' })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('conflict')
  })

  it('validates names, URLs, auth and timeouts', async () => {
    for (const body of [
      { name: 'Bad Name', baseUrl: 'https://a.example' },
      { name: 'ok', baseUrl: 'ftp://a.example' },
      { name: 'ok', baseUrl: 'https://a.example/?key=1' },
      { name: 'ok', baseUrl: 'https://user:pw@a.example' },
      { name: 'ok', baseUrl: 'https://a.example', auth: { kind: 'bearer' } },
      { name: 'ok', baseUrl: 'https://a.example', auth: { kind: 'header', name: 'Host', value: 'x' } },
      { name: 'ok', baseUrl: 'https://a.example', auth: { kind: 'header', name: 'X-Key', value: 'a\r\nb' } },
      { name: 'ok', baseUrl: 'https://a.example', timeoutMs: 60_001 },
    ]) {
      const response = await admin('shop', 'POST', '/connections', body)
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
      expect(response.json().error.code).toBe('validation_failed')
    }
    expect((await admin('shop', 'PUT', '/connections/missing', { timeoutMs: 500 })).statusCode).toBe(404)
  })

  it('needs an admin secret key', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/admin/connections' })).statusCode).toBe(401)
    const engineKey = await tenancy.createSecretKey(keys.shop.tenantId, { scopes: ['engine'] })
    const response = await app.inject({
      method: 'GET',
      url: '/v1/admin/connections',
      headers: { authorization: `Bearer ${engineKey.key}` },
    })
    expect(response.statusCode).toBe(403)
  })
})

describe('connection secrets and tenancy', () => {
  it('stores only ciphertext in ClickHouse and resolves the plaintext for calls', async () => {
    await admin('shop', 'POST', '/connections', {
      name: 'crm',
      baseUrl: 'https://crm.example',
      auth: { kind: 'header', name: 'X-Api-Key', value: 'crm_plaintext_value' },
    })
    const rows = await db.select<{ secret_ciphertext: string }>(
      `SELECT secret_ciphertext FROM ${db.tables.connections} FINAL
       WHERE tenant_id = {tenantId:UUID} AND name = 'crm'`,
      { tenantId: keys.shop.tenantId },
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.secret_ciphertext).toMatch(/^v1\./)
    expect(rows[0]?.secret_ciphertext).not.toContain('crm_plaintext_value')
    expect(await connections.resolve(keys.shop.tenantId, 'crm')).toEqual({
      tenantId: keys.shop.tenantId,
      name: 'crm',
      baseUrl: 'https://crm.example',
      auth: { kind: 'header', name: 'X-Api-Key', value: 'crm_plaintext_value' },
      timeoutMs: 10_000,
    })
  })

  it('keeps tenants apart: another tenant can neither see, change nor resolve a connection', async () => {
    await admin('shop', 'POST', '/connections', { name: 'private-api', baseUrl: 'https://p.example' })
    expect((await admin('rival', 'GET', '/connections/private-api')).statusCode).toBe(404)
    expect((await admin('rival', 'GET', '/connections')).json()).toEqual({ connections: [] })
    expect((await admin('rival', 'PUT', '/connections/private-api', { timeoutMs: 500 })).statusCode).toBe(404)
    expect((await admin('rival', 'DELETE', '/connections/private-api')).statusCode).toBe(404)
    expect(await connections.resolve(keys.rival.tenantId, 'private-api')).toBeUndefined()
    expect(await connections.resolve(keys.shop.tenantId, 'private-api')).toMatchObject({ timeoutMs: 10_000 })

    // The same name is free for the other tenant.
    expect(
      (await admin('rival', 'POST', '/connections', { name: 'private-api', baseUrl: 'https://r.example' }))
        .statusCode,
    ).toBe(201)
    expect(await connections.resolve(keys.rival.tenantId, 'private-api')).toMatchObject({
      baseUrl: 'https://r.example',
    })
  })

  it('evicts a cached resolution in every process when the connection changes', async () => {
    await admin('shop', 'POST', '/connections', {
      name: 'cached',
      baseUrl: 'https://old.example',
      auth: { kind: 'bearer', token: 'old-token' },
    })
    expect(await otherProcess.resolve(keys.shop.tenantId, 'cached')).toMatchObject({
      auth: { kind: 'bearer', token: 'old-token' },
    })

    await admin('shop', 'PUT', '/connections/cached', {
      baseUrl: 'https://new.example',
      auth: { kind: 'bearer', token: 'new-token' },
    })
    await waitFor(
      async () =>
        (await otherProcess.resolve(keys.shop.tenantId, 'cached'))?.baseUrl === 'https://new.example',
    )
    expect(await otherProcess.resolve(keys.shop.tenantId, 'cached')).toMatchObject({
      auth: { kind: 'bearer', token: 'new-token' },
    })

    await admin('shop', 'DELETE', '/connections/cached')
    await waitFor(async () => (await otherProcess.resolve(keys.shop.tenantId, 'cached')) === undefined)
  })

  it('resolves into a connection the caller can use directly', async () => {
    await admin('shop', 'POST', '/connections', { name: 'local', baseUrl: 'http://127.0.0.1:9/api' })
    const resolved = await connections.resolve(keys.shop.tenantId, 'local')
    if (!resolved) throw new Error('expected the connection')
    // Refused before any socket opens: the default policy blocks loopback.
    await expect(
      callConnection(resolved, { method: 'GET', path: '/orders' }, { allowPrivateNetworks: false }),
    ).rejects.toMatchObject({ kind: 'blocked' })
  })
})

describe('test calls', () => {
  it('make one real request with the connection auth and answer status, latency and body', async () => {
    let seen: { url?: string; headers?: IncomingHttpHeaders } = {}
    const shop = createHttpServer((request, response) => {
      seen = { url: request.url, headers: request.headers }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"order":"A-1","status":"shipped"}')
    })
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve))
    const { port } = shop.address() as AddressInfo
    try {
      await admin('shop', 'POST', '/connections', {
        name: 'shop-api',
        baseUrl: `http://127.0.0.1:${port}/api`,
        auth: { kind: 'bearer', token: 'tok-123' },
      })
      const response = await admin('shop', 'POST', '/connections/shop-api/test', { path: '/orders/A-1' })
      expect(response.statusCode).toBe(200)
      const result = response.json()
      expect(result).toMatchObject({ ok: true, status: 200, body: { order: 'A-1', status: 'shipped' } })
      expect(result.latencyMs).toBeGreaterThanOrEqual(0)
      expect(seen).toMatchObject({ url: '/api/orders/A-1', headers: { authorization: 'Bearer tok-123' } })

      // Another tenant cannot call it; a failed call is an answer, not an API error.
      expect((await admin('rival', 'POST', '/connections/shop-api/test', {})).statusCode).toBe(404)
      await admin('shop', 'POST', '/connections', { name: 'nothing-there', baseUrl: 'http://127.0.0.1:9' })
      const failed = await admin('shop', 'POST', '/connections/nothing-there/test', { method: 'GET' })
      expect(failed.json()).toMatchObject({ ok: false, error: { kind: 'network', retryable: true } })
      const invalid = await admin('shop', 'POST', '/connections/shop-api/test', { method: 'TRACE' })
      expect(invalid.json()).toMatchObject({ error: { code: 'validation_failed' } })
    } finally {
      shop.close()
    }
  })
})
