import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { pngFile } from '../support/upload-files.ts'
import { waitFor } from '../support/wait-for.ts'

const ORIGIN = 'https://shop.example'

/** The shop API the order-status flow calls through its `shop` connection. */
function startShopApi(): Promise<Server> {
  const server = createServer((request, response) => {
    const match = /^\/orders\/([\w-]+)$/.exec(request.url ?? '')
    if (request.headers.authorization !== 'Bearer shop-secret') {
      response.writeHead(401).end()
    } else if (match?.[1] === 'A-1001') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          order: { id: 'A-1001', status: 'shipped', item: { title: 'Trail shoes', price: '89.90 EUR' } },
        }),
      )
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such order"}')
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const orderStatusFlow = {
  intent: 'order_status',
  name: 'Order status',
  start: 'ask_order',
  nodes: [
    {
      id: 'ask_order',
      type: 'ask',
      prompt: 'What is your order number?',
      input: {
        kind: 'form',
        fields: [{ name: 'order_number', label: 'Order number', type: 'text', required: true, min: 3 }],
      },
      next: 'lookup',
    },
    {
      id: 'lookup',
      type: 'connection',
      connection: 'shop',
      path: '/orders/{{order_number}}',
      map: [
        { variable: 'status', path: 'order.status' },
        { variable: 'title', path: 'order.item.title' },
        { variable: 'price', path: 'order.item.price' },
      ],
      next: 'shipped',
      onError: 'not_found',
    },
    {
      id: 'shipped',
      type: 'condition',
      branches: [{ when: 'status == "shipped"', next: 'show' }],
      else: 'not_found',
    },
    {
      id: 'show',
      type: 'message',
      blocks: [
        { kind: 'text', markdown: 'Order {{order_number}} has shipped.' },
        { kind: 'product_card', product: { title: '{{title}}', price: '{{price}}' } },
      ],
      next: 'rate',
    },
    {
      id: 'rate',
      type: 'ask',
      input: {
        kind: 'buttons',
        variable: 'helpful',
        options: [
          { label: 'Yes', value: 'yes' },
          { label: 'No', value: 'no' },
        ],
      },
      next: 'done',
    },
    { id: 'done', type: 'end', message: 'Thanks!' },
    { id: 'not_found', type: 'end', message: 'We could not find that order.' },
  ],
  variables: { status: null, title: null, price: null, helpful: null },
}

/**
 * The widget's quick start over a real socket — session, trigger, resume, async poll — and every error
 * of the chat contract, run once per state adapter (`env` selects it).
 */
export function chatCases(name: string, env: Record<string, string> | undefined): void {
  describe.skipIf(env === undefined)(`chat lifecycle on ${name}`, () => {
    let app: App
    let base: string
    let shopApi: Server
    let admin: Record<string, string>
    let publicKey: string
    let flowId: string

    const api = jsonApi(() => base, ORIGIN)
    const openSession = async (key = publicKey) => {
      const response = await api('POST', `/v1/chat/sessions?publicKey=${key}`, { anonymousId: 'anon-42' })
      expect(response.status).toBe(201)
      return { ...response.body, auth: { authorization: `Bearer ${response.body.sessionToken}` } }
    }
    const chat = (
      session: { auth: Record<string, string> },
      body: unknown,
      headers: Record<string, string> = {},
    ) => api('POST', `/v1/chat/messages?publicKey=${publicKey}`, body, { ...session.auth, ...headers })
    const pollUntilMoved = async (session: { auth: Record<string, string> }, executionId: string) => {
      let reply: { status: number; body: { status: string } } | undefined
      await waitFor(
        async () => {
          reply = await api(
            'GET',
            `/v1/chat/executions/${executionId}?publicKey=${publicKey}`,
            undefined,
            session.auth,
          )
          return reply.body.status !== 'waiting_time'
        },
        { intervalMs: 200 },
      )
      return reply?.body as Record<string, unknown> & {
        status: string
        blocks: Array<Record<string, unknown>>
      }
    }

    beforeAll(async () => {
      shopApi = await startShopApi()
      app = await createApp(
        testConfig(await tempDir(), {
          CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true',
          CHAT_MAX_STEPS_PER_TURN: '20',
          ...env,
        }),
      )
      base = await app.listen()
      const { tenant, adminKey } = await app.operator.createTenant({ slug: 'chat-shop' })
      admin = { authorization: `Bearer ${adminKey.key}` }
      publicKey = (
        await app.tenancy.createWidgetKey(tenant.id, { allowedOrigins: [ORIGIN], intents: ['order_status'] })
      ).publicKey
      const { port } = shopApi.address() as AddressInfo
      const connection = await api(
        'POST',
        '/v1/admin/connections',
        { name: 'shop', baseUrl: `http://127.0.0.1:${port}`, auth: { kind: 'bearer', token: 'shop-secret' } },
        admin,
      )
      expect(connection.status).toBe(201)
      const created = await api('POST', '/v1/admin/flows', orderStatusFlow, admin)
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      flowId = created.body.flowId
      const published = await api('POST', `/v1/admin/flows/${flowId}/publish`, undefined, admin)
      expect(published.body).toMatchObject({ version: 1, intent: 'order_status' })
    })
    afterAll(async () => {
      await app?.close()
      shopApi?.close()
    })

    it('runs the quick start: session, trigger, form, async connection, poll, buttons, completion', async () => {
      const session = await openSession()
      expect(session.intents).toEqual(['order_status'])
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now())

      const started = await chat(session, { intentName: 'order_status' })
      expect(started.status).toBe(200)
      expect(started.headers.get('access-control-allow-origin')).toBe(ORIGIN)
      expect(started.body).toMatchObject({ status: 'waiting_input', waitToken: expect.any(String) })
      expect(started.body.blocks.map((block: { type: string }) => block.type)).toEqual(['text', 'form'])
      for (const block of started.body.blocks) expect(block.id).toEqual(expect.any(String))

      const invalid = await chat(session, {
        executionId: started.body.executionId,
        waitToken: started.body.waitToken,
        values: { order_number: 'A' },
      })
      expect(invalid.status).toBe(400)
      expect(invalid.body.error.details.fields).toEqual([
        { field: 'order_number', message: 'expected at least 3 characters' },
      ])

      const resumed = await chat(session, {
        executionId: started.body.executionId,
        waitToken: started.body.waitToken,
        values: { order_number: 'A-1001' },
      })
      expect(resumed.body).toMatchObject({ status: 'waiting_time', pollAfterMs: expect.any(Number) })
      expect(resumed.body.waitToken).toBeUndefined()

      const moved = await pollUntilMoved(session, started.body.executionId)
      expect(moved.status).toBe('waiting_input')
      expect(moved.blocks).toEqual([
        { id: 'show.0', type: 'text', markdown: 'Order A-1001 has shipped.' },
        { id: 'show.1', type: 'product_card', product: { title: 'Trail shoes', price: '89.90 EUR' } },
        expect.objectContaining({ id: 'rate.input', type: 'buttons', variable: 'helpful' }),
      ])

      const finished = await chat(session, {
        executionId: started.body.executionId,
        waitToken: moved.waitToken,
        values: { helpful: 'yes' },
      })
      expect(finished.body).toMatchObject({
        status: 'completed',
        blocks: [{ id: 'done', type: 'text', markdown: 'Thanks!' }],
      })
    })

    it('takes the error branch when the connection answers 404', async () => {
      const session = await openSession()
      const started = await chat(session, { intentName: 'order_status' })
      await chat(session, {
        executionId: started.body.executionId,
        waitToken: started.body.waitToken,
        values: { order_number: 'Z-999' },
      })
      const moved = await pollUntilMoved(session, started.body.executionId)
      expect(moved).toMatchObject({
        status: 'completed',
        blocks: [{ type: 'text', markdown: 'We could not find that order.' }],
      })
    })

    it('refuses a replayed wait token and lets exactly one of two concurrent resumes win', async () => {
      const session = await openSession()
      const started = await chat(session, { intentName: 'order_status' })
      const resume = () =>
        chat(session, {
          executionId: started.body.executionId,
          waitToken: started.body.waitToken,
          values: { order_number: 'A-1001' },
        })
      const results = await Promise.all([resume(), resume(), resume()])
      expect(results.map((result) => result.status).sort()).toEqual([200, 409, 409])
      const replay = await resume()
      expect(replay.status).toBe(409)
      expect(replay.body.error.code).toBe('wait_token_invalid')
    })

    it('refuses a foreign wait token and a foreign execution', async () => {
      const mine = await openSession()
      const theirs = await openSession()
      const a = await chat(mine, { intentName: 'order_status' })
      const b = await chat(theirs, { intentName: 'order_status' })
      const foreignToken = await chat(mine, {
        executionId: a.body.executionId,
        waitToken: b.body.waitToken,
        values: { order_number: 'A-1001' },
      })
      expect(foreignToken.status).toBe(409)
      const foreignExecution = await chat(mine, {
        executionId: b.body.executionId,
        waitToken: b.body.waitToken,
        values: { order_number: 'A-1001' },
      })
      expect(foreignExecution.status).toBe(404)
      // Neither refusal consumed the other session's token.
      const owner = await chat(theirs, {
        executionId: b.body.executionId,
        waitToken: b.body.waitToken,
        values: { order_number: 'A-1001' },
      })
      expect(owner.status).toBe(200)
    })

    it.each([
      ['an intent outside the key', { intentName: 'faq' }, 403, 'intent_not_allowed'],
      ['a body that is neither trigger nor resume', { hello: 1 }, 400, 'validation_failed'],
    ])('refuses %s', async (_case, body, status, code) => {
      const session = await openSession()
      const response = await chat(session, body)
      expect(response.status).toBe(status)
      expect(response.body.error.code).toBe(code)
    })

    it('answers 404 intent_not_matched for an allowed intent with no published flow', async () => {
      const tenantId = (await app.tenancy.resolveWidgetKey(publicKey))?.tenantId as string
      const allKey = (
        await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], allIntents: true })
      ).publicKey
      const session = await openSession(allKey)
      const response = await api(
        'POST',
        `/v1/chat/messages?publicKey=${allKey}`,
        { intentName: 'returns' },
        session.auth,
      )
      expect(response.status).toBe(404)
      expect(response.body.error.code).toBe('intent_not_matched')
    })

    it('refuses bad sessions, keys and origins', async () => {
      const session = await openSession()
      const noSession = await api('POST', `/v1/chat/messages?publicKey=${publicKey}`, {
        intentName: 'order_status',
      })
      expect(noSession.status).toBe(401)
      const badSession = await chat(
        { auth: { authorization: 'Bearer cs_nope' } },
        { intentName: 'order_status' },
      )
      expect(badSession.status).toBe(401)
      const badKey = await api('POST', '/v1/chat/sessions?publicKey=pk_nope', {})
      expect(badKey.status).toBe(401)
      const foreign = await api(
        'POST',
        `/v1/chat/messages?publicKey=${publicKey}`,
        { intentName: 'order_status' },
        {
          ...session.auth,
          origin: 'https://evil.example',
        },
      )
      expect(foreign.status).toBe(403)
      expect(foreign.body.error.code).toBe('origin_not_allowed')
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
      const preflight = await fetch(`${base}/v1/chat/messages?publicKey=${publicKey}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      })
      expect(preflight.status).toBe(403)
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    })

    it('honours Idempotency-Key: replay, other body, same answer', async () => {
      const session = await openSession()
      const key = { 'idempotency-key': `idem-${Date.now()}` }
      const first = await chat(session, { intentName: 'order_status' }, key)
      const again = await chat(session, { intentName: 'order_status' }, key)
      expect(again.body).toEqual(first.body)
      const other = await chat(session, { intentName: 'order_status', text: 'hi' }, key)
      expect(other.status).toBe(422)
      expect(other.body.error.code).toBe('idempotency_key_reused')
    })

    it('drops an unpublished intent from new sessions while a running execution finishes', async () => {
      const session = await openSession()
      const started = await chat(session, { intentName: 'order_status' })
      const unpublished = await api('POST', `/v1/admin/flows/${flowId}/unpublish`, undefined, admin)
      expect(unpublished.body.publishedVersion).toBe(0)
      try {
        expect((await openSession()).intents).toEqual([])
        const refused = await chat(session, { intentName: 'order_status' })
        expect(refused.body.error.code).toBe('intent_not_matched')
        const resumed = await chat(session, {
          executionId: started.body.executionId,
          waitToken: started.body.waitToken,
          values: { order_number: 'Z-1' },
        })
        expect(resumed.status).toBe(200)
        expect((await pollUntilMoved(session, started.body.executionId)).status).toBe('completed')
      } finally {
        const republished = await api('POST', `/v1/admin/flows/${flowId}/publish`, undefined, admin)
        expect(republished.body.version).toBe(2)
      }
    })

    it('binds uploads to the waiting form field, with its size and type limits', async () => {
      const returns = {
        intent: 'returns',
        name: 'Returns',
        start: 'form',
        nodes: [
          {
            id: 'form',
            type: 'ask',
            input: {
              kind: 'form',
              fields: [
                {
                  name: 'photo',
                  label: 'Photo',
                  type: 'file',
                  required: true,
                  accept: ['image/png'],
                  maxBytes: 1_000,
                },
              ],
            },
            next: 'done',
          },
          { id: 'done', type: 'end', message: 'Got it.' },
        ],
      }
      const created = await api('POST', '/v1/admin/flows', returns, admin)
      await api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)
      const tenantId = (await app.tenancy.resolveWidgetKey(publicKey))?.tenantId as string
      const key = (
        await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], intents: ['returns'] })
      ).publicKey
      const session = await openSession(key)
      const started = await api(
        'POST',
        `/v1/chat/messages?publicKey=${key}`,
        { intentName: 'returns' },
        session.auth,
      )
      expect(started.body.status).toBe('waiting_input')
      const upload = async (field: string, type: string, bytes: number) => {
        const form = new FormData()
        form.append('file', new Blob([pngFile(2, bytes)], { type }), 'photo.png')
        const response = await fetch(
          `${base}/v1/chat/uploads?publicKey=${key}&executionId=${started.body.executionId}&field=${field}`,
          { method: 'POST', headers: { origin: ORIGIN, ...session.auth }, body: form },
        )
        return {
          status: response.status,
          body: (await response.json()) as {
            uploadId: string
            filename: string
            contentType: string
            size: number
          },
        }
      }
      expect((await upload('photo', 'text/plain', 10)).status).toBe(415)
      expect((await upload('photo', 'image/png', 5_000)).status).toBe(413)
      expect((await upload('nope', 'image/png', 10)).status).toBe(400)
      const stored = await upload('photo', 'image/png', 500)
      expect(stored).toMatchObject({
        status: 201,
        body: { filename: 'photo.png', contentType: 'image/png', size: 500 },
      })

      const resume = (photo: string) =>
        api(
          'POST',
          `/v1/chat/messages?publicKey=${key}`,
          { executionId: started.body.executionId, waitToken: started.body.waitToken, values: { photo } },
          session.auth,
        )
      const bogus = await resume('up_not-mine')
      expect(bogus.status).toBe(400)
      expect(bogus.body.error.details.fields[0].field).toBe('photo')
      expect((await resume(stored.body.uploadId)).body).toMatchObject({ status: 'completed' })
    })

    it('publishes a flow once when two publishes race, never the same version twice', async () => {
      const race = {
        intent: 'race',
        name: 'Race',
        start: 'a',
        nodes: [{ id: 'a', type: 'end', message: 'Hi' }],
      }
      const created = await api('POST', '/v1/admin/flows', race, admin)
      const publish = () => api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)
      const results = await Promise.all([publish(), publish()])
      expect(results.map((result) => result.status).sort()).toEqual([200, 409])
      const versions = await api('GET', `/v1/admin/flows/${created.body.flowId}/versions`, undefined, admin)
      expect(versions.body.versions.map((version: { version: number }) => version.version)).toEqual([1])
    })

    it('reports flow problems with node ids at save time', async () => {
      const broken = {
        ...orderStatusFlow,
        intent: 'broken',
        nodes: [...orderStatusFlow.nodes, { id: 'orphan', type: 'end' }],
      }
      const response = await api('POST', '/v1/admin/flows', broken, admin)
      expect(response.status).toBe(400)
      expect(response.body.error.details.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ nodeId: 'orphan' })]),
      )
    })
  })
}
