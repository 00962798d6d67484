import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { CONTEXT_LIMITS, VALUES_LIMITS } from '../../engine/chat.routes.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

const ORIGIN = 'https://shop.example'
const LIMITS = {
  CHAT_SESSIONS_PER_MINUTE_PER_IP: '3',
  CHAT_SESSIONS_PER_MINUTE_PER_KEY: '4',
  CHAT_TRIGGERS_PER_MINUTE_PER_SESSION: '3',
}

const formFlow = {
  intent: 'ask_name',
  name: 'Ask a name',
  start: 'ask',
  nodes: [
    {
      id: 'ask',
      type: 'ask',
      input: { kind: 'form', fields: [{ name: 'name', label: 'Name', type: 'text', required: true }] },
      next: 'done',
    },
    { id: 'done', type: 'end', message: 'Thanks {{name}}' },
  ],
  variables: { name: null },
}

/** `{"a":{"a":...}}` with `levels` objects, as text (JSON.stringify of a deep value would overflow). */
const nestedText = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`
const nested = (levels: number): unknown => JSON.parse(nestedText(levels))

let app: App
let tenantId: string
let engineKey: string
let ipCounter = 0

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir(), LIMITS))
  const { tenant, adminKey } = await app.operator.createTenant({ slug: 'chat-limits' })
  tenantId = tenant.id
  engineKey = (await app.tenancy.createSecretKey(tenant.id, { name: 'engine', scopes: ['engine'] })).key
  const admin = { authorization: `Bearer ${adminKey.key}` }
  const created = await app.server.inject({
    method: 'POST',
    url: '/v1/admin/flows',
    headers: admin,
    payload: formFlow,
  })
  expect(created.statusCode, created.body).toBe(201)
  const published = await app.server.inject({
    method: 'POST',
    url: `/v1/admin/flows/${created.json().flowId}/publish`,
    headers: admin,
  })
  expect(published.statusCode, published.body).toBe(200)
})
afterAll(() => app.close())

/** Each test gets its own client address and widget key, so the per-minute budgets of one never touch another. */
async function visitor() {
  ipCounter += 1
  const remoteAddress = `198.51.100.${ipCounter}`
  const { publicKey } = await app.tenancy.createWidgetKey(tenantId, {
    allowedOrigins: [ORIGIN],
    allIntents: true,
  })
  const openSession = (from = remoteAddress) =>
    app.server.inject({
      method: 'POST',
      url: `/v1/chat/sessions?publicKey=${publicKey}`,
      headers: { origin: ORIGIN },
      payload: {},
      remoteAddress: from,
    })
  const session = async () => {
    const opened = await openSession()
    expect(opened.statusCode, opened.body).toBe(201)
    return opened.json<{ sessionToken: string }>().sessionToken
  }
  const send = (token: string, payload: string | object, headers: Record<string, string> = {}) =>
    app.server.inject({
      method: 'POST',
      url: `/v1/chat/messages?publicKey=${publicKey}`,
      headers: {
        origin: ORIGIN,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...headers,
      },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      remoteAddress,
    })
  return { openSession, session, send }
}

const expectError = (response: { statusCode: number; json: () => unknown }, status: number, code: string) => {
  expect(response.statusCode).toBe(status)
  const body = response.json() as { error: { code: string; message: string; details?: unknown } }
  expect(body.error.code).toBe(code)
  return body.error
}

describe('chat context', () => {
  it(`accepts ${CONTEXT_LIMITS.maxDepth} levels, ${CONTEXT_LIMITS.maxKeys} keys and ${CONTEXT_LIMITS.maxBytes} bytes`, async () => {
    const chat = await visitor()
    const token = await chat.session()
    const context = {
      ...Object.fromEntries(Array.from({ length: CONTEXT_LIMITS.maxKeys - 1 }, (_, i) => [`k${i}`, i])),
      deep: nested(CONTEXT_LIMITS.maxDepth - 1),
    }
    const reply = await chat.send(token, { intentName: 'ask_name', context })
    expect(reply.statusCode, reply.body).toBe(200)
  })

  it('refuses a context nested too deep with 400 naming the field', async () => {
    const chat = await visitor()
    const error = expectError(
      await chat.send(await chat.session(), {
        intentName: 'ask_name',
        context: nested(CONTEXT_LIMITS.maxDepth + 1),
      }),
      400,
      'validation_failed',
    )
    expect(error.details).toEqual({
      issues: [
        { path: 'body.context', message: 'context nests deeper than 5 levels (at context.a.a.a.a.a)' },
      ],
    })
  })

  it('refuses a context with too many keys (400) or too many bytes (413)', async () => {
    const chat = await visitor()
    const token = await chat.session()
    const many = Object.fromEntries(
      Array.from({ length: CONTEXT_LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, i]),
    )
    expectError(await chat.send(token, { intentName: 'ask_name', context: many }), 400, 'validation_failed')
    const large = await chat.send(token, { intentName: 'ask_name', context: { blob: 'x'.repeat(1_000_000) } })
    const error = expectError(large, 413, 'payload_too_large')
    expect(error.message).toBe('context is 1000011 bytes as JSON; at most 8192 are accepted')
  })

  it('refuses a body nested 100,000 levels deep with 400, with and without an Idempotency-Key', async () => {
    const chat = await visitor()
    const token = await chat.session()
    const body = `{"intentName":"ask_name","context":${nestedText(100_000)}}`
    expectError(await chat.send(token, body), 400, 'validation_failed')
    expectError(await chat.send(token, body, { 'idempotency-key': 'deep-1' }), 400, 'validation_failed')
    const arrays = `{"intentName":"ask_name","context":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`
    expectError(await chat.send(token, arrays, { 'idempotency-key': 'deep-2' }), 400, 'validation_failed')
    // The session still works afterwards.
    expect((await chat.send(token, { intentName: 'ask_name' })).statusCode).toBe(200)
  })
})

describe('form values', () => {
  it('refuses values over their size with 413 and keeps the wait open', async () => {
    const chat = await visitor()
    const token = await chat.session()
    const started = (await chat.send(token, { intentName: 'ask_name' })).json()
    const resume = (values: unknown) =>
      chat.send(token, { executionId: started.executionId, waitToken: started.waitToken, values })
    expectError(await resume({ name: 'x'.repeat(VALUES_LIMITS.maxBytes) }), 413, 'payload_too_large')
    expectError(await resume({ name: nested(VALUES_LIMITS.maxDepth) }), 400, 'validation_failed')
    const finished = await resume({ name: 'Ada' })
    expect(finished.json()).toMatchObject({ status: 'completed' })
  })
})

describe('a secret-key route', () => {
  it('refuses a deep body with 400 before authentication or the Idempotency-Key are looked at', async () => {
    const response = await app.server.inject({
      method: 'POST',
      url: '/v1/engine/conversions',
      headers: {
        authorization: `Bearer ${engineKey}`,
        'content-type': 'application/json',
        'idempotency-key': 'deep-conversion',
      },
      payload: `{"conversionId":${nestedText(50_000)}}`,
    })
    expectError(response, 400, 'validation_failed')
  })
})

/** A 429 a browser widget can read: CORS for the allowed origin, Retry-After and the request id exposed. */
function expectReadableRateLimit(response: Awaited<ReturnType<App['server']['inject']>>, budget: string) {
  const error = expectError(response, 429, 'rate_limited')
  expect(error.message).toMatch(new RegExp(`per minute for ${budget}$`))
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  expect(response.headers['access-control-allow-origin']).toBe(ORIGIN)
  const exposed = String(response.headers['access-control-expose-headers']).split(/,\s*/)
  expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'x-request-id']))
}

describe('preflight', () => {
  it('lets a widget send an Idempotency-Key cross-origin', async () => {
    const { publicKey } = await app.tenancy.createWidgetKey(tenantId, {
      allowedOrigins: [ORIGIN],
      allIntents: true,
    })
    const preflight = await app.server.inject({
      method: 'OPTIONS',
      url: `/v1/chat/messages?publicKey=${publicKey}`,
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(String(preflight.headers['access-control-allow-headers']).split(/,\s*/)).toContain(
      'idempotency-key',
    )
  })
})

describe('session budgets', () => {
  // Fixed one-minute windows: 2 x limit + 1 requests span at most two windows, so at least one is refused.
  it('refuses sessions beyond the per-IP budget with a 429 the widget can read', async () => {
    const chat = await visitor()
    const answers = []
    for (let i = 0; i < 7; i++) answers.push(await chat.openSession())
    const refused = answers.filter((answer) => answer.statusCode === 429)
    expect(answers.filter((answer) => answer.statusCode === 201).length).toBeLessThanOrEqual(6)
    expect(refused.length).toBeGreaterThan(0)
    for (const answer of refused) expectReadableRateLimit(answer, 'sessions-per-ip')
  })

  it('refuses sessions beyond the per-key budget whatever the address', async () => {
    const chat = await visitor()
    const answers = []
    for (let i = 0; i < 9; i++) answers.push(await chat.openSession(`203.0.113.${i + 1}`))
    const refused = answers.filter((answer) => answer.statusCode === 429)
    expect(answers.filter((answer) => answer.statusCode === 201).length).toBeLessThanOrEqual(8)
    expect(refused.length).toBeGreaterThan(0)
    for (const answer of refused) expectReadableRateLimit(answer, 'sessions-per-key')
  })

  it('refuses triggers beyond the per-session budget, and resumes still pass', async () => {
    const chat = await visitor()
    const token = await chat.session()
    const answers = []
    for (let i = 0; i < 7; i++) answers.push(await chat.send(token, { intentName: 'ask_name' }))
    const refused = answers.filter((answer) => answer.statusCode === 429)
    expect(refused.length).toBeGreaterThan(0)
    for (const answer of refused) expectReadableRateLimit(answer, 'triggers-per-session')
    const started = answers.find((answer) => answer.statusCode === 200)?.json()
    const finished = await chat.send(token, {
      executionId: started.executionId,
      waitToken: started.waitToken,
      values: { name: 'Ada' },
    })
    expect(finished.statusCode).toBe(200)
  })
})
