import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { createServer } from '../../platform/http/create-server.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { adminSessionRoutes } from '../../platform/tenancy/admin-session.routes.ts'
import { AdminSessions } from '../../platform/tenancy/admin-sessions.ts'
import { operatorRoutes } from '../../platform/tenancy/operator.routes.ts'
import { createOperatorApi } from '../../platform/tenancy/operator-api.ts'
import { tenancyRoutes } from '../../platform/tenancy/tenancy.routes.ts'
import { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { tempDir } from '../support/temp-dir.ts'

const logger = pino({ level: 'silent' })
const clickhouse = await testClickHouse()
const dataDir = await tempDir()
const OPERATOR_TOKEN = 'op_admin_session_test_token_0123456789'

let state: StateStore
let tenancy: TenancyService
let app: Awaited<ReturnType<typeof createServer>>
const tenants: Record<'shop' | 'rival', { tenantId: string; key: string; keyId: string }> = {
  shop: { tenantId: '', key: '', keyId: '' },
  rival: { tenantId: '', key: '', keyId: '' },
}

beforeAll(async () => {
  state = await createStateStore({ dataDir, redisUrl: undefined }, logger)
  await migrate({ clickhouse, state, logger })
  const db = createDb(clickhouse)
  tenancy = new TenancyService(db, state)
  await tenancy.start()
  const sessions = new AdminSessions(state, 60_000)
  app = await createServer({ logger, version: 'test' })
  app.addHook('onRequest', sessions.resolveHook())
  await app.register(adminSessionRoutes(tenancy, sessions, OPERATOR_TOKEN, 60_000), {
    prefix: '/v1/admin/session',
  })
  await app.register(tenancyRoutes(tenancy), { prefix: '/v1/admin' })
  await app.register(
    operatorRoutes(
      createOperatorApi(tenancy, async () => ({ applied: [] })),
      OPERATOR_TOKEN,
    ),
    {
      prefix: '/v1/operator',
    },
  )
  await app.ready()
  for (const slug of ['shop', 'rival'] as const) {
    const { tenant, adminKey } = await tenancy.createTenant({ slug: `session-${slug}-${process.pid}` })
    tenants[slug] = { tenantId: tenant.id, key: adminKey.key, keyId: adminKey.keyId }
  }
})

afterAll(async () => {
  await app?.close()
  await tenancy?.stop()
  await state?.close()
})

async function signIn(body: { secretKey: string } | { operatorToken: string }) {
  const response = await app.inject({ method: 'POST', url: '/v1/admin/session', payload: body })
  const setCookie = String(response.headers['set-cookie'] ?? '')
  return { response, cookie: setCookie.split(';')[0] ?? '', setCookie, body: response.json() }
}

describe('admin panel sessions', () => {
  it('exchanges a secret key for an httpOnly SameSite cookie; the body never echoes the key', async () => {
    const { response, setCookie, body } = await signIn({ secretKey: tenants.shop.key })
    expect(response.statusCode).toBe(201)
    expect(setCookie).toMatch(
      /^comerix_admin=as_[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=60/,
    )
    expect(setCookie).not.toContain(tenants.shop.key)
    expect(body).toMatchObject({ kind: 'tenant', scopes: ['admin'], tenant: { id: tenants.shop.tenantId } })
    expect(JSON.stringify(body)).not.toContain(tenants.shop.key)
  })

  it('a wrong key or operator token gets 401 and no cookie', async () => {
    for (const body of [{ secretKey: 'sk_nope' }, { operatorToken: 'wrong' }] as const) {
      const { response, setCookie } = await signIn(body)
      expect(response.statusCode).toBe(401)
      expect(response.json().error.code).toBe('unauthorized')
      expect(setCookie).toBe('')
    }
    const empty = await app.inject({ method: 'POST', url: '/v1/admin/session', payload: { secretKey: '' } })
    expect(empty.statusCode).toBe(400)
  })

  it('the cookie reads its own tenant only; changing state needs the CSRF token', async () => {
    const { cookie, body } = await signIn({ secretKey: tenants.shop.key })
    const list = await app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { cookie } })
    expect(list.statusCode).toBe(200)
    const payload = { allowedOrigins: ['https://shop.example'], allIntents: true }
    const noToken = await app.inject({
      method: 'POST',
      url: '/v1/admin/widget-keys',
      headers: { cookie },
      payload,
    })
    expect(noToken.statusCode).toBe(403)
    expect(noToken.json().error.code).toBe('csrf_token_invalid')
    const wrongToken = await app.inject({
      method: 'POST',
      url: '/v1/admin/widget-keys',
      headers: { cookie, 'x-csrf-token': `${body.csrfToken.slice(0, -1)}x` },
      payload,
    })
    expect(wrongToken.statusCode).toBe(403)
    const created = await app.inject({
      method: 'POST',
      url: '/v1/admin/widget-keys',
      headers: { cookie, 'x-csrf-token': body.csrfToken },
      payload,
    })
    expect(created.statusCode).toBe(201)
    expect(created.json().tenantId).toBe(tenants.shop.tenantId)
    const rivalKeys = await tenancy.listWidgetKeys(tenants.rival.tenantId)
    expect(rivalKeys.map((key) => key.publicKey)).not.toContain(created.json().publicKey)
  })

  it('an Authorization header always wins over the cookie, and a bad one is not rescued by it', async () => {
    const { cookie } = await signIn({ secretKey: tenants.shop.key })
    const asRival = await app.inject({
      method: 'GET',
      url: '/v1/admin/secret-keys',
      headers: { cookie, authorization: `Bearer ${tenants.rival.key}` },
    })
    expect(
      asRival.json().secretKeys.every((key: { tenantId: string }) => key.tenantId === tenants.rival.tenantId),
    ).toBe(true)
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/admin/secret-keys',
      headers: { cookie, authorization: 'Bearer sk_bad' },
    })
    expect(bad.statusCode).toBe(401)
  })

  it('a tenant session cannot reach operator routes; an operator session can, and not tenant routes', async () => {
    const tenantSession = await signIn({ secretKey: tenants.shop.key })
    const refused = await app.inject({
      method: 'GET',
      url: '/v1/operator/tenants',
      headers: { cookie: tenantSession.cookie },
    })
    expect(refused.statusCode).toBe(401)
    const operator = await signIn({ operatorToken: OPERATOR_TOKEN })
    expect(operator.body).toMatchObject({ kind: 'operator', scopes: [] })
    const tenantsList = await app.inject({
      method: 'GET',
      url: '/v1/operator/tenants',
      headers: { cookie: operator.cookie },
    })
    expect(tenantsList.statusCode).toBe(200)
    expect(tenantsList.json().tenants.length).toBeGreaterThanOrEqual(2)
    const tenantRoute = await app.inject({
      method: 'GET',
      url: '/v1/admin/widget-keys',
      headers: { cookie: operator.cookie },
    })
    expect(tenantRoute.statusCode).toBe(401)
  })

  it('sign-out ends the session; a revoked key ends its sessions', async () => {
    const { cookie } = await signIn({ secretKey: tenants.shop.key })
    expect(
      (await app.inject({ method: 'GET', url: '/v1/admin/session', headers: { cookie } })).statusCode,
    ).toBe(200)
    const out = await app.inject({ method: 'DELETE', url: '/v1/admin/session', headers: { cookie } })
    expect(out.statusCode).toBe(204)
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0')
    expect(
      (await app.inject({ method: 'GET', url: '/v1/admin/session', headers: { cookie } })).statusCode,
    ).toBe(401)

    const issued = await tenancy.createSecretKey(tenants.rival.tenantId, { name: 'ui', scopes: ['analyst'] })
    const second = await signIn({ secretKey: issued.key })
    expect(second.body.scopes).toEqual(['analyst'])
    const forbidden = await app.inject({
      method: 'GET',
      url: '/v1/admin/widget-keys',
      headers: { cookie: second.cookie },
    })
    expect(forbidden.statusCode).toBe(403)
    await tenancy.revokeSecretKey(tenants.rival.tenantId, issued.keyId)
    const after = await app.inject({
      method: 'GET',
      url: '/v1/admin/session',
      headers: { cookie: second.cookie },
    })
    expect(after.statusCode).toBe(401)
  })

  it('a malformed or unknown cookie is simply not a session', async () => {
    for (const cookie of ['comerix_admin=../../etc', 'comerix_admin=as_unknownunknownunknown', 'other=1']) {
      const response = await app.inject({ method: 'GET', url: '/v1/admin/widget-keys', headers: { cookie } })
      expect(response.statusCode).toBe(401)
    }
  })
})
