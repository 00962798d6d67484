import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

const ORIGIN = 'https://shop.example'
const FOREIGN = 'https://evil.example'

const flow = (intent: string) => ({
  intent,
  name: intent,
  start: 'done',
  nodes: [{ id: 'done', type: 'end', message: 'ok' }],
  variables: {},
})

const settings = {
  displayName: 'Trail Helper',
  greeting: 'Hi! How can we help?',
  theme: { primaryColor: '#123456' },
  launcher: { position: 'bottom-left', label: 'Ask us' },
  quickQuestions: [
    { id: 'second', label: 'Where is my order?', intent: 'order_status', order: 2 },
    { id: 'hidden', label: 'Hidden', intent: 'order_status', order: 0, enabled: false },
    { id: 'first', label: 'Find a product', intent: 'order_status', order: 1, context: { from: 'qq' } },
  ],
}

const contactForm = {
  name: 'Contact',
  title: 'Write to us',
  fields: [
    { name: 'email', label: 'Email', type: 'email', required: true },
    { name: 'topic', label: 'Topic', type: 'select', options: [{ label: 'Order', value: 'order' }] },
    { name: 'photo', label: 'Photo', type: 'file', accept: ['image/*'], maxBytes: 1_000_000 },
  ],
  submitLabel: 'Send',
}

let app: App
let tenantId: string
let admin: Record<string, string>
let analyst: Record<string, string>
let publicKey: string

const get = (url: string, headers: Record<string, string> = {}) =>
  app.server.inject({ method: 'GET', url, headers: { origin: ORIGIN, ...headers } })
const withKey = (path: string, key = publicKey) => `${path}${path.includes('?') ? '&' : '?'}publicKey=${key}`

async function adminCall(method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown, headers = admin) {
  const response = await app.server.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return response
}

async function publishSettings(key: string, document: unknown, headers = admin) {
  const saved = await adminCall('PUT', `/v1/admin/widget-settings/${key}`, document, headers)
  expect(saved.statusCode, saved.body).toBe(200)
  const published = await adminCall('POST', `/v1/admin/widget-settings/${key}/publish`, undefined, headers)
  expect(published.statusCode, published.body).toBe(200)
  return published.json().version as number
}

async function publishForm(document: unknown): Promise<string> {
  const created = await adminCall('POST', '/v1/admin/forms', document)
  expect(created.statusCode, created.body).toBe(201)
  const formId = created.json().formId as string
  const published = await adminCall('POST', `/v1/admin/forms/${formId}/publish`)
  expect(published.statusCode, published.body).toBe(200)
  return formId
}

async function countEvents(type: string, where = ''): Promise<number> {
  const [row] = await app.db.select<{ n: string }>(
    `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID} AND type = {type:String} ${where}`,
    { tenantId, type },
  )
  return Number(row?.n ?? 0)
}

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir()))
  const { tenant, adminKey } = await app.operator.createTenant({ slug: 'public-reads' })
  tenantId = tenant.id
  admin = { authorization: `Bearer ${adminKey.key}` }
  const analystKey = await app.tenancy.createSecretKey(tenantId, { name: 'analyst', scopes: ['analyst'] })
  analyst = { authorization: `Bearer ${analystKey.key}` }
  const created = await adminCall('POST', '/v1/admin/flows', flow('order_status'))
  await adminCall('POST', `/v1/admin/flows/${created.json().flowId}/publish`)
  publicKey = (
    await app.tenancy.createWidgetKey(tenantId, {
      allowedOrigins: [ORIGIN],
      intents: ['order_status', 'unpublished_intent'],
    })
  ).publicKey
})
afterAll(() => app.close())

describe('widget settings (admin)', () => {
  it('refuses quick questions for intents the key may not trigger, listing each problem', async () => {
    const response = await adminCall('POST', `/v1/admin/widget-settings/${publicKey}/validate`, {
      quickQuestions: [{ id: 'x', label: 'X', intent: 'refunds' }],
      theme: { primaryColor: 'red' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('validation_failed')
    const paths = response.json().error.details.problems.map((p: { path: string }) => p.path)
    expect(paths).toContain('theme.primaryColor')
  })

  it('serves nothing until published: 404 not_published', async () => {
    const response = await get(withKey('/v1/public/widget-config'))
    expect(response.statusCode).toBe(404)
    expect(response.json().error.code).toBe('not_published')
    expect(response.headers['cache-control']).toBe('no-store')
  })
})

describe('public reads', () => {
  beforeAll(async () => {
    await publishSettings(publicKey, settings)
  })

  it('answers the widget config shared-cacheable, with a strong ETag, Vary and the edge source', async () => {
    const response = await get(withKey('/v1/public/widget-config'))
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json()).toMatchObject({
      publicKey,
      version: 1,
      displayName: 'Trail Helper',
      greeting: 'Hi! How can we help?',
      theme: { primaryColor: '#123456', radius: 12 },
      launcher: { position: 'bottom-left', label: 'Ask us' },
    })
    expect(response.json()).not.toHaveProperty('monthlyQuota')
    expect(response.headers['cache-control']).toBe(
      'public, max-age=60, s-maxage=300, stale-while-revalidate=600',
    )
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
    expect(String(response.headers.vary).split(/,\s*/)).toEqual(
      expect.arrayContaining(['Origin', 'X-Comerix-Public-Key']),
    )
    expect(response.headers['x-edge-source']).toBe('edge')
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN)
  })

  it('answers If-None-Match with 304, no body, and the same ETag, Cache-Control and Vary', async () => {
    for (const path of ['/v1/public/widget-config', '/v1/public/quick-questions']) {
      const first = await get(withKey(path))
      const again = await get(withKey(path), { 'if-none-match': String(first.headers.etag) })
      expect(again.statusCode).toBe(304)
      expect(again.body).toBe('')
      for (const header of ['etag', 'cache-control', 'vary', 'x-edge-source'])
        expect(again.headers[header], header).toBe(first.headers[header])
      const weakList = await get(withKey(path), { 'if-none-match': `"other", W/${first.headers.etag}` })
      expect(weakList.statusCode).toBe(304)
      const stale = await get(withKey(path), { 'if-none-match': '"stale"' })
      expect(stale.statusCode).toBe(200)
    }
  })

  it('serves only enabled quick questions, in order, and takes the key from the header too', async () => {
    const response = await get('/v1/public/quick-questions', { 'x-comerix-public-key': publicKey })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      version: 1,
      questions: [
        { id: 'first', label: 'Find a product', intent: 'order_status', context: { from: 'qq' } },
        { id: 'second', label: 'Where is my order?', intent: 'order_status' },
      ],
    })
  })

  it('refuses a foreign origin with 403 origin_not_allowed and no CORS headers', async () => {
    for (const path of ['/v1/public/widget-config', '/v1/public/quick-questions']) {
      const response = await get(withKey(path), { origin: FOREIGN })
      expect(response.statusCode).toBe(403)
      expect(response.json().error.code).toBe('origin_not_allowed')
      expect(response.headers['access-control-allow-origin']).toBeUndefined()
      expect(response.headers['cache-control']).toBe('no-store')
    }
  })

  it('answers key-less preflights for the header way, and checks the real request', async () => {
    const preflight = await app.server.inject({
      method: 'OPTIONS',
      url: '/v1/public/widget-config',
      headers: {
        origin: FOREIGN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-comerix-public-key, if-none-match',
      },
    })
    expect(preflight.statusCode).toBe(204)
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('x-comerix-public-key')
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('if-none-match')
    const real = await get('/v1/public/widget-config', { origin: FOREIGN, 'x-comerix-public-key': publicKey })
    expect(real.statusCode).toBe(403)
    expect(real.headers['access-control-allow-origin']).toBeUndefined()
    // A preflight naming its key is still checked against the key's origins.
    const named = await app.server.inject({
      method: 'OPTIONS',
      url: withKey('/v1/public/widget-config'),
      headers: { origin: FOREIGN, 'access-control-request-method': 'GET' },
    })
    expect(named.statusCode).toBe(403)
    expect(named.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('lets a chat session be opened with the key in the header or the body after a key-less preflight', async () => {
    const preflight = await app.server.inject({
      method: 'OPTIONS',
      url: '/v1/chat/sessions',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN)
    const byBody = await app.server.inject({
      method: 'POST',
      url: '/v1/chat/sessions',
      headers: { origin: ORIGIN },
      payload: { publicKey },
    })
    expect(byBody.statusCode, byBody.body).toBe(201)
  })

  it('serves a new version everywhere once published: new ETag, still from the edge document', async () => {
    const before = await get(withKey('/v1/public/widget-config'))
    await publishSettings(publicKey, { ...settings, greeting: 'Hello again' })
    const after = await get(withKey('/v1/public/widget-config'))
    expect(after.json()).toMatchObject({ version: 2, greeting: 'Hello again' })
    expect(after.headers.etag).not.toBe(before.headers.etag)
    expect(after.headers['x-edge-source']).toBe('edge')
    const revalidated = await get(withKey('/v1/public/widget-config'), {
      'if-none-match': String(before.headers.etag),
    })
    expect(revalidated.statusCode).toBe(200)
  })

  it('builds the document from the control tables when none is stored (origin), then serves the stored one', async () => {
    await app.state.delete(`public-edge:w:${publicKey}`)
    await app.state.publish('public-edge:invalidate', `w:${publicKey}`)
    await waitFor(
      async () => (await get(withKey('/v1/public/widget-config'))).headers['x-edge-source'] === 'origin',
      {
        message: 'an origin answer',
      },
    )
    const next = await get(withKey('/v1/public/widget-config'))
    expect(next.headers['x-edge-source']).toBe('edge')
    expect(await app.state.get(`public-edge:w:${publicKey}`)).not.toBeNull()
  })

  it('answers a revoked key with 401 unauthorized', async () => {
    const key = await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], allIntents: true })
    await publishSettings(key.publicKey, { quickQuestions: [] })
    expect((await get(withKey('/v1/public/widget-config', key.publicKey))).statusCode).toBe(200)
    await app.tenancy.revokeWidgetKey(tenantId, key.publicKey)
    const response = await get(withKey('/v1/public/widget-config', key.publicKey))
    expect(response.statusCode).toBe(401)
    expect(response.json().error.code).toBe('unauthorized')
  })
})

describe('intents, precisely', () => {
  it('refuses an intent outside the list (403) and a listed one without a published flow (404)', async () => {
    const session = await app.server.inject({
      method: 'POST',
      url: withKey('/v1/chat/sessions'),
      headers: { origin: ORIGIN },
      payload: {},
    })
    const token = session.json().sessionToken
    const trigger = (intentName: string) =>
      app.server.inject({
        method: 'POST',
        url: withKey('/v1/chat/messages'),
        headers: { origin: ORIGIN, authorization: `Bearer ${token}` },
        payload: { intentName },
      })
    const outside = await trigger('refunds')
    expect(outside.statusCode).toBe(403)
    expect(outside.json().error.code).toBe('intent_not_allowed')
    const unpublished = await trigger('unpublished_intent')
    expect(unpublished.statusCode).toBe(404)
    expect(unpublished.json().error.code).toBe('intent_not_matched')
  })
})

describe('forms', () => {
  let formId: string
  beforeAll(async () => {
    formId = await publishForm(contactForm)
  })

  it('refuses invalid forms listing every problem', async () => {
    const response = await adminCall('POST', '/v1/admin/forms/validate', {
      name: 'Bad',
      fields: [
        { name: 'a', label: 'A', type: 'select' },
        { name: 'a', label: 'B', type: 'text', accept: ['image/png'] },
      ],
    })
    expect(response.statusCode).toBe(400)
    const paths = response.json().error.details.problems.map((p: { path: string }) => p.path)
    expect(paths).toEqual(expect.arrayContaining(['fields.1.name', 'fields.0.options', 'fields.1.accept']))
  })

  it('serves the schema privately cacheable with 304s, and writes nothing', async () => {
    const schema = await get(withKey(`/v1/public/forms/${formId}/schema`))
    expect(schema.statusCode, schema.body).toBe(200)
    expect(schema.json()).toMatchObject({ formId, version: 1, name: 'Contact', submitLabel: 'Send' })
    expect(schema.json().fields.map((f: { type: string }) => f.type)).toEqual(['email', 'select', 'file'])
    expect(schema.headers['cache-control']).toBe('private, max-age=60')
    expect(schema.headers.etag).toMatch(/^"/)
    expect(schema.headers['x-edge-source']).toBe('edge')
    const again = await get(withKey(`/v1/public/forms/${formId}/schema`), {
      'if-none-match': String(schema.headers.etag),
    })
    expect(again.statusCode).toBe(304)
    expect(again.headers['cache-control']).toBe('private, max-age=60')
  })

  it('counts exactly one mount per plain read, none per schema read, uncached', async () => {
    const mountsOf = () =>
      countEvents('form.mounted', `AND JSONExtractString(props, 'form_id') = '${formId}'`)
    for (let i = 0; i < 3; i++) {
      const mount = await get(withKey(`/v1/public/forms/${formId}`))
      expect(mount.statusCode).toBe(200)
      expect(mount.headers['cache-control']).toBe('no-store')
      expect(mount.headers.etag).toMatch(/^"/)
      await get(withKey(`/v1/public/forms/${formId}/schema`))
    }
    await waitFor(async () => (await mountsOf()) >= 3, { message: 'three mounts stored' })
    // The sink has passed the last mount; the five schema reads added no event of any type.
    expect(await mountsOf()).toBe(3)
    const [row] = await app.db.select<{ n: string }>(
      `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID} AND type NOT IN ('form.mounted', 'chat.session.opened', 'chat.message.received', 'chat.execution.status_changed', 'chat.block.rendered')`,
      { tenantId },
    )
    expect(Number(row?.n)).toBe(0)
  })

  it('meters mounts and sessions per key and day in GET /v1/analytics/usage', async () => {
    const usage = async () =>
      (
        await app.server.inject({
          method: 'GET',
          url: '/v1/analytics/usage?metrics=mounts,sessions,messages,executions,llm_tokens,llm_cost_micros&groupBy=widget_key&range=last_7_days&granularity=day',
          headers: analyst,
        })
      ).json()
    await waitFor(async () => (await usage()).totals?.[0]?.mounts >= 3, {
      message: 'usage with three mounts',
    })
    const result = await usage()
    const mine = result.rows.filter((r: { widget_key: string }) => r.widget_key === publicKey)
    expect(mine.reduce((sum: number, r: { mounts: number }) => sum + Number(r.mounts), 0)).toBe(3)
    expect(
      mine.reduce((sum: number, r: { sessions: number }) => sum + Number(r.sessions), 0),
    ).toBeGreaterThanOrEqual(2)
    expect(mine.reduce((sum: number, r: { executions: number }) => sum + Number(r.executions), 0)).toBe(0)
  })

  it('keeps tenants apart: another tenant key gets 404 not_published for this form', async () => {
    const other = await app.operator.createTenant({ slug: 'public-reads-other' })
    const key = await app.tenancy.createWidgetKey(other.tenant.id, {
      allowedOrigins: [ORIGIN],
      allIntents: true,
    })
    for (const path of [`/v1/public/forms/${formId}`, `/v1/public/forms/${formId}/schema`]) {
      const response = await get(withKey(path, key.publicKey))
      expect(response.statusCode).toBe(404)
      expect(response.json().error.code).toBe('not_published')
    }
    const otherAdmin = { authorization: `Bearer ${other.adminKey.key}` }
    expect(
      (await adminCall('GET', `/v1/admin/widget-settings/${publicKey}`, undefined, otherAdmin)).statusCode,
    ).toBe(404)
    expect((await adminCall('GET', `/v1/admin/forms/${formId}`, undefined, otherAdmin)).statusCode).toBe(404)
  })
})

describe('monthly quota', () => {
  it('answers 429 usage_quota_exceeded past the key quota of mounts and sessions', async () => {
    const key = await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], allIntents: true })
    await publishSettings(key.publicKey, { monthlyQuota: { mounts: 2, sessions: 1 } })
    const formId = await publishForm({ ...contactForm, name: 'Quota form' })
    const mounts = []
    for (let i = 0; i < 3; i++) mounts.push(await get(withKey(`/v1/public/forms/${formId}`, key.publicKey)))
    expect(mounts.map((m) => m.statusCode)).toEqual([200, 200, 429])
    expect(mounts[2]?.json().error).toMatchObject({
      code: 'usage_quota_exceeded',
      details: { metric: 'mounts', limit: 2 },
    })
    expect(Number(mounts[2]?.headers['retry-after'])).toBeGreaterThan(0)
    const open = () =>
      app.server.inject({
        method: 'POST',
        url: withKey('/v1/chat/sessions', key.publicKey),
        headers: { origin: ORIGIN },
        payload: {},
      })
    expect((await open()).statusCode).toBe(201)
    const refused = await open()
    expect(refused.statusCode).toBe(429)
    expect(refused.json().error.code).toBe('usage_quota_exceeded')
    const usage = await adminCall('GET', `/v1/admin/widget-settings/${key.publicKey}/usage`)
    expect(usage.json()).toMatchObject({
      quota: { mounts: 2, sessions: 1 },
      used: { mounts: 2, sessions: 1 },
    })
  })
})
