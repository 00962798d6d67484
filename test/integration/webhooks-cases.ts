import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { parseWebhookEvent } from '../../engine/webhooks/webhook-event-types.ts'
import { type ChatCompletionsServer, startChatCompletionsServer } from '../support/chat-completions-server.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts'

const ORIGIN = 'https://hooks.example'
const RETRY_AFTER_SECONDS = 3

const FLOWS = [
  {
    intent: 'support',
    name: 'Support',
    variables: { order_number: null, note: null, helpful: null },
    exports: ['order_number', 'helpful'],
    start: 'ask_order',
    nodes: [
      {
        id: 'ask_order',
        type: 'ask',
        prompt: 'Your order number?',
        input: {
          kind: 'form',
          fields: [
            { name: 'order_number', label: 'Order number', type: 'text', required: true },
            { name: 'note', label: 'Note', type: 'text' },
          ],
        },
        next: 'answer',
      },
      {
        id: 'answer',
        type: 'llm',
        provider: 'ai',
        model: 'gpt-4o-mini',
        prompt: 'Where is order {{order_number}}?',
        timeoutMs: 5_000,
        next: 'agent',
      },
      { id: 'agent', type: 'handoff', message: 'A colleague takes over.', next: 'rate' },
      {
        id: 'rate',
        type: 'ask',
        input: { kind: 'buttons', variable: 'helpful', options: [{ label: 'Yes', value: 'yes' }] },
        next: 'done',
      },
      { id: 'done', type: 'end', message: 'Thanks!' },
    ],
  },
  {
    intent: 'quit',
    name: 'Quit',
    start: 'bye',
    nodes: [{ id: 'bye', type: 'abort', reason: 'the visitor left' }],
  },
  {
    intent: 'broken',
    name: 'Broken',
    start: 'answer',
    nodes: [
      {
        id: 'answer',
        type: 'llm',
        provider: 'ai',
        model: 'gpt-4o-mini',
        prompt: 'Hi',
        timeoutMs: 2_000,
        next: 'done',
      },
      { id: 'done', type: 'end' },
    ],
  },
  { intent: 'hello', name: 'Hello', start: 'done', nodes: [{ id: 'done', type: 'end', message: 'Hello!' }] },
]

type Reply = {
  executionId: string
  status: string
  waitToken?: string
  blocks: Array<Record<string, unknown>>
  tokenUsage?: Record<string, unknown>
}
type Received = ReturnType<WebhookReceiver['events']>[number]

/**
 * Webhooks end to end on a real socket, checked by a receiver that verifies with the `standardwebhooks`
 * npm library: every event type, tokenUsage to the micro, retries with Retry-After, disable on 410,
 * secret rotation, replay, the delivery log, and tenant isolation; plus the Engine API reads.
 * Run once per state store (`env` selects it).
 */
export function webhookCases(name: string, env: Record<string, string> | undefined): void {
  describe.skipIf(env === undefined)(`webhooks and engine reads on ${name}`, () => {
    let app: App
    let base: string
    let receiver: WebhookReceiver
    let completions: ChatCompletionsServer
    let tenantId: string
    let admin: Record<string, string>
    let engine: Record<string, string>
    let otherAdmin: Record<string, string>
    let otherEngine: Record<string, string>
    let publicKey: string
    let otherPublicKey: string

    const api = jsonApi(() => base, ORIGIN)
    const createEndpoint = async (path: string, eventTypes: string[], auth = admin) => {
      const created = await api(
        'POST',
        '/v1/admin/webhook-endpoints',
        { url: receiver.url(path), eventTypes },
        auth,
      )
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      expect(created.body.secret).toMatch(/^whsec_/)
      receiver.trust(path, [created.body.secret])
      return created.body as { endpointId: string; secret: string }
    }
    const openSession = async (key = publicKey, anonymousId = 'anon-wh') => {
      const response = await api('POST', `/v1/chat/sessions?publicKey=${key}`, { anonymousId })
      expect(response.status).toBe(201)
      return {
        id: response.body.sessionId as string,
        auth: { authorization: `Bearer ${response.body.sessionToken}` },
      }
    }
    const chat = async (
      session: { auth: Record<string, string> },
      body: unknown,
      key = publicKey,
    ): Promise<Reply> => {
      const response = await api('POST', `/v1/chat/messages?publicKey=${key}`, body, session.auth)
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      return response.body
    }
    const settle = async (session: { auth: Record<string, string> }, reply: Reply): Promise<Reply> => {
      let current = reply
      await waitFor(
        async () => {
          const polled = await api(
            'GET',
            `/v1/chat/executions/${reply.executionId}?publicKey=${publicKey}`,
            undefined,
            session.auth,
          )
          // A 429 (the session's budget of CHAT_RATE_LIMIT_PER_SESSION calls a second) means poll again.
          if (polled.status !== 200) return false
          current = polled.body
          return current.status !== 'waiting_time'
        },
        // A widget polls every second or two; four times a second stays inside the session's budget.
        { timeoutMs: 20_000, intervalMs: 250, message: `${reply.executionId} to leave waiting_time` },
      )
      return current
    }
    const eventsOf = (path: string, executionId: string) =>
      receiver.events(path).filter((event) => event.data.executionId === executionId)
    const waitForEvents = async (path: string, match: (event: Received) => boolean, count: number) => {
      await waitFor(() => receiver.events(path).filter(match).length >= count, {
        timeoutMs: 20_000,
        intervalMs: 50,
        message: `${count} matching webhooks on ${path}`,
      })
      return receiver.events(path).filter(match)
    }
    const attemptsOf = async (endpointId: string, auth = admin) => {
      const response = await api('GET', `/v1/admin/webhook-endpoints/${endpointId}/attempts`, undefined, auth)
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      return response.body.attempts as Array<
        Record<string, unknown> & { messageId: string; status: string; attempt: number }
      >
    }

    beforeAll(async () => {
      receiver = await startWebhookReceiver()
      completions = await startChatCompletionsServer()
      app = await createApp(
        testConfig(await tempDir(), {
          CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true',
          SINK_BATCH_WAIT_MS: '100',
          WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.2,0.2,0.2',
          WEBHOOK_TIMEOUT_MS: '3000',
          ...env,
        }),
      )
      base = await app.listen()
      const suffix = Math.random().toString(36).slice(2, 8)
      const shop = await app.operator.createTenant({ slug: `hooks-${suffix}` })
      tenantId = shop.tenant.id
      admin = { authorization: `Bearer ${shop.adminKey.key}` }
      engine = {
        authorization: `Bearer ${(await app.tenancy.createSecretKey(tenantId, { scopes: ['engine'] })).key}`,
      }
      publicKey = (
        await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], allIntents: true })
      ).publicKey
      const other = await app.operator.createTenant({ slug: `hooks-other-${suffix}` })
      otherAdmin = { authorization: `Bearer ${other.adminKey.key}` }
      otherEngine = {
        authorization: `Bearer ${(await app.tenancy.createSecretKey(other.tenant.id, { scopes: ['engine'] })).key}`,
      }
      otherPublicKey = (
        await app.tenancy.createWidgetKey(other.tenant.id, { allowedOrigins: [ORIGIN], allIntents: true })
      ).publicKey
      for (const auth of [admin, otherAdmin]) {
        const connection = await api(
          'POST',
          '/v1/admin/connections',
          { name: 'ai', baseUrl: completions.baseUrl, auth: { kind: 'bearer', token: 'sk-test' } },
          auth,
        )
        expect(connection.status, JSON.stringify(connection.body)).toBe(201)
        for (const flow of FLOWS) {
          const created = await api('POST', '/v1/admin/flows', flow, auth)
          expect(created.status, JSON.stringify(created.body)).toBe(201)
          const published = await api(
            'POST',
            `/v1/admin/flows/${created.body.flowId}/publish`,
            undefined,
            auth,
          )
          expect(published.status).toBe(200)
        }
      }
    })
    afterAll(async () => {
      await app?.close()
      await receiver?.close()
      await completions?.close()
    })

    it('delivers every event type, each verified by standardwebhooks and valid against its schema', async () => {
      await createEndpoint('/all', ['chat.*', 'conversion.recorded'])
      await createEndpoint('/other-tenant', ['chat.*', 'conversion.recorded'], otherAdmin)
      completions.enqueue({
        kind: 'complete',
        content: 'It ships tomorrow.',
        model: 'gpt-4o-mini-2024-07-18',
        usage: {
          prompt_tokens: 1_200,
          completion_tokens: 300,
          total_tokens: 1_500,
          prompt_tokens_details: { cached_tokens: 200 },
        },
      })
      const session = await openSession()
      const asked = await chat(session, { intentName: 'support' })
      expect(asked.status).toBe('waiting_input')
      const resumed = await chat(session, {
        executionId: asked.executionId,
        waitToken: asked.waitToken,
        values: { order_number: 'A-1001', note: 'gift' },
      })
      const answered = await settle(session, resumed)
      expect(answered.status).toBe('waiting_input')
      expect(answered.tokenUsage).toMatchObject({ cost_micros: 345, model: 'gpt-4o-mini-2024-07-18' })
      const done = await chat(session, {
        executionId: asked.executionId,
        waitToken: answered.waitToken,
        values: { helpful: 'yes' },
      })
      expect(done.status).toBe('completed')

      const quit = await chat(session, { intentName: 'quit' })
      expect(quit.status).toBe('aborted')
      completions.setDefault({ kind: 'error', status: 400, message: 'bad request' })
      let broken: Reply
      try {
        broken = await settle(session, await chat(session, { intentName: 'broken' }))
      } finally {
        completions.setDefault({ kind: 'complete' })
      }
      expect(broken.status).toBe('failed')

      const sale = await api(
        'POST',
        '/v1/engine/conversions',
        {
          conversionId: `sale-${asked.executionId}`,
          occurredAt: new Date().toISOString(),
          value: 89.9,
          currency: 'EUR',
          orderId: 'A-1001',
          chatSessionId: session.id,
          customerId: 'cust-wh',
          anonymousId: 'anon-wh',
          lineItems: [{ productId: 'shoe', quantity: 1, value: 89.9 }],
        },
        engine,
      )
      expect(sale.status, JSON.stringify(sale.body)).toBe(202)

      // Deliveries of one execution may overtake each other (concurrent claims); events say when they happened.
      const rank = ['started', 'submitted', 'requested', 'updated', 'completed', 'failed', 'aborted']
      const place = (event: Received) => rank.indexOf(event.type.split('.').at(-1) ?? '')
      const executionTypes = (executionId: string) =>
        eventsOf('/all', executionId)
          .sort(
            (a, b) =>
              Date.parse(String(a.timestamp)) - Date.parse(String(b.timestamp)) || place(a) - place(b),
          )
          .map((event) => event.type)
      await waitForEvents('/all', (event) => event.type === 'conversion.recorded', 1)
      await waitForEvents('/all', (event) => event.type === 'chat.execution.failed', 1)
      await waitForEvents('/all', (event) => event.type === 'chat.execution.completed', 1)
      expect(executionTypes(asked.executionId)).toEqual([
        'chat.execution.started',
        'chat.execution.updated',
        'chat.form.submitted',
        'chat.execution.updated',
        'chat.handoff.requested',
        'chat.execution.updated',
        'chat.execution.updated',
        'chat.execution.completed',
      ])
      expect(executionTypes(quit.executionId)).toEqual([
        'chat.execution.started',
        'chat.execution.updated',
        'chat.execution.aborted',
      ])
      expect(executionTypes(broken.executionId)).toEqual(
        expect.arrayContaining(['chat.execution.started', 'chat.execution.updated', 'chat.execution.failed']),
      )
      const all = receiver.events('/all')
      const types = new Set(all.map((event) => event.type))
      for (const type of [
        'chat.session.opened',
        'chat.execution.started',
        'chat.execution.updated',
        'chat.execution.completed',
        'chat.execution.failed',
        'chat.execution.aborted',
        'chat.form.submitted',
        'chat.handoff.requested',
        'conversion.recorded',
      ])
        expect(types, type).toContain(type)
      for (const event of all) {
        expect(parseWebhookEvent(event)).toEqual(event)
        expect(event.tenantId).toBe(tenantId)
      }
      // Standard Webhooks headers: the id is the event's, the signature v1.
      const first = receiver.received.find((entry) => entry.path === '/all')
      expect(first?.headers['webhook-id']).toBe((first?.verified as { id: string } | undefined)?.id)
      expect(first?.headers['webhook-signature']).toMatch(/^v1,/)

      const form = all.find((event) => event.type === 'chat.form.submitted')
      expect(form?.data).toMatchObject({
        nodeId: 'ask_order',
        values: { order_number: 'A-1001', note: 'gift' },
      })
      const completed = all.find((event) => event.type === 'chat.execution.completed')
      expect(completed?.data).toMatchObject({ variables: { order_number: 'A-1001', helpful: 'yes' } })
      expect(completed?.data.variables).not.toHaveProperty('note')
      expect(all.find((event) => event.type === 'conversion.recorded')?.data).toMatchObject({
        orderId: 'A-1001',
        valueMicros: 89_900_000,
        currency: 'EUR',
        chatSessionId: session.id,
      })
      expect(all.find((event) => event.type === 'chat.session.opened')?.data).toMatchObject({
        sessionId: session.id,
      })

      // tokenUsage on the update of the LLM turn is the reply's, to the micro.
      const llmUpdate = eventsOf('/all', asked.executionId).find(
        (event) => event.type === 'chat.execution.updated' && event.data.previousStatus === 'waiting_time',
      )
      expect(llmUpdate?.data.tokenUsage).toEqual(answered.tokenUsage)
      expect(llmUpdate?.data.blocks).toEqual(answered.blocks)
      // The other tenant's endpoint heard nothing of this tenant.
      expect(receiver.received.filter((entry) => entry.path === '/other-tenant')).toEqual([])
    })

    it('retries a 429 after its Retry-After, and logs every attempt', async () => {
      receiver.answer('/busy', (count) =>
        count === 0
          ? { status: 429, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) }, body: 'slow down' }
          : { status: 200 },
      )
      const endpoint = await createEndpoint('/busy', ['chat.execution.completed'])
      const test = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/test`,
        undefined,
        admin,
      )
      expect(test.status).toBe(202)
      await waitForEvents('/busy', (event) => event.id === test.body.messageId, 1)
      const [refused, accepted] = receiver.received.filter((entry) => entry.path === '/busy')
      expect(refused?.status).toBe(429)
      // The schedule would have retried after 0.2 s: the endpoint's Retry-After won.
      expect((accepted?.receivedAt ?? 0) - (refused?.receivedAt ?? 0)).toBeGreaterThanOrEqual(
        RETRY_AFTER_SECONDS * 1000 - 50,
      )
      expect(accepted?.headers['webhook-id']).toBe(refused?.headers['webhook-id'])

      let attempts: Awaited<ReturnType<typeof attemptsOf>> = []
      await waitFor(
        async () => {
          attempts = await attemptsOf(endpoint.endpointId)
          return attempts.length === 2
        },
        {
          timeoutMs: 10_000,
        },
      )
      expect(
        attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.httpStatus, attempt.trigger]),
      ).toEqual([
        [2, 'delivered', 200, 'test'],
        [1, 'retrying', 429, 'test'],
      ])
      const retrying = attempts[1] as Record<string, string>
      expect(Date.parse(retrying.nextAttemptAt ?? '') - Date.parse(retrying.attemptedAt ?? '')).toBe(
        RETRY_AFTER_SECONDS * 1000,
      )
      expect(retrying.responseExcerpt).toBe('slow down')
      const byMessage = await api(
        'GET',
        `/v1/admin/webhook-messages/${test.body.messageId}/attempts`,
        undefined,
        admin,
      )
      expect(byMessage.body.attempts).toHaveLength(2)
    })

    it('disables an endpoint that answers 410 at once and says so on the endpoint and in a metric', async () => {
      receiver.answer('/gone', () => ({ status: 410 }))
      const endpoint = await createEndpoint('/gone', ['chat.*'])
      const test = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/test`,
        undefined,
        admin,
      )
      expect(test.status).toBe(202)
      let view: Record<string, unknown> = {}
      await waitFor(
        async () => {
          view = (await api('GET', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, undefined, admin))
            .body
          return view.enabled === false
        },
        { timeoutMs: 10_000, message: 'the endpoint to be disabled' },
      )
      expect(view).toMatchObject({ enabled: false, disabledReason: 'gone', disabledAt: expect.any(String) })
      expect(receiver.received.filter((entry) => entry.path === '/gone')).toHaveLength(1)
      // The metric is counted right after the endpoint's row changes.
      await waitFor(
        async () =>
          /comerix_webhook_endpoints_disabled_total\{reason="gone"\} [1-9]/.test(
            await (await fetch(`${base}/metrics`)).text(),
          ),
        { timeoutMs: 5_000, message: 'the disabled metric' },
      )
      const again = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/test`,
        undefined,
        admin,
      )
      expect(again.status).toBe(409)
      // Events no longer reach it; re-enabling brings it back.
      const session = await openSession()
      await chat(session, { intentName: 'hello' })
      const enabled = await api(
        'PATCH',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}`,
        { enabled: true },
        admin,
      )
      expect(enabled.body).toMatchObject({ enabled: true })
      expect(enabled.body.disabledReason).toBeUndefined()
      expect(receiver.received.filter((entry) => entry.path === '/gone')).toHaveLength(1)
    })

    it('signs with both secrets during a rotation overlap, then only with the new one', async () => {
      const endpoint = await createEndpoint('/rotate', ['chat.execution.completed'])
      const rotated = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/rotate-secret`,
        { overlapSeconds: 3_600 },
        admin,
      )
      expect(rotated.status).toBe(200)
      expect(rotated.body.secret).not.toBe(endpoint.secret)
      expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String))
      receiver.trust('/rotate', [endpoint.secret, rotated.body.secret])
      const during = (
        await api('POST', `/v1/admin/webhook-endpoints/${endpoint.endpointId}/test`, undefined, admin)
      ).body
      await waitForEvents('/rotate', (event) => event.id === during.messageId, 1)
      expect(receiver.received.find((entry) => entry.verified?.id === during.messageId)?.verifiedBy).toEqual([
        0, 1,
      ])

      const final = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/rotate-secret`,
        { overlapSeconds: 0 },
        admin,
      )
      receiver.trust('/rotate', [endpoint.secret, rotated.body.secret, final.body.secret])
      const after = (
        await api('POST', `/v1/admin/webhook-endpoints/${endpoint.endpointId}/test`, undefined, admin)
      ).body
      await waitForEvents('/rotate', (event) => event.id === after.messageId, 1)
      expect(receiver.received.find((entry) => entry.verified?.id === after.messageId)?.verifiedBy).toEqual([
        2,
      ])
    })

    it('gives up after the schedule, then replays one event or every failed one with the same id', async () => {
      let down = true
      receiver.answer('/flaky', () => (down ? { status: 503, body: 'maintenance' } : { status: 204 }))
      const endpoint = await createEndpoint('/flaky', ['chat.execution.completed'])
      const since = new Date().toISOString()
      const session = await openSession()
      const hello = await chat(session, { intentName: 'hello' })
      const hello2 = await chat(session, { intentName: 'hello' })
      expect([hello.status, hello2.status]).toEqual(['completed', 'completed'])
      let attempts: Awaited<ReturnType<typeof attemptsOf>> = []
      await waitFor(
        async () => {
          attempts = await attemptsOf(endpoint.endpointId)
          return attempts.filter((a) => a.status === 'failed').length === 2
        },
        { timeoutMs: 15_000, message: 'both deliveries to fail for good' },
      )
      // 1 attempt + 3 retries each.
      expect(attempts).toHaveLength(8)
      expect(attempts.filter((a) => a.status === 'retrying')).toHaveLength(6)
      const [one, two] = [...new Set(attempts.map((a) => a.messageId))]

      down = false
      const single = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/replay`,
        { messageId: one },
        admin,
      )
      expect(single).toMatchObject({ status: 202, body: { messageIds: [one] } })
      await waitForEvents('/flaky', (event) => event.id === one, 1)
      await waitFor(
        async () =>
          (await attemptsOf(endpoint.endpointId)).some(
            (a) => a.messageId === one && a.status === 'delivered',
          ),
        { timeoutMs: 10_000, message: 'the replay to be logged' },
      )
      const rest = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/replay`,
        { since },
        admin,
      )
      expect(rest.status).toBe(202)
      expect(rest.body.messageIds).toEqual([two])
      const [replayed] = await waitForEvents('/flaky', (event) => event.id === two, 1)
      expect(replayed?.type).toBe('chat.execution.completed')
      expect([hello.executionId, hello2.executionId]).toContain(replayed?.data.executionId)
      const missing = await api(
        'POST',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}/replay`,
        { messageId: 'nope' },
        admin,
      )
      expect(missing.status).toBe(404)
    })

    it('keeps endpoints, logs and replays to their tenant; refuses hostile input with catalog errors', async () => {
      const endpoint = await createEndpoint('/isolated', ['chat.session.opened'])
      for (const [method, path, body] of [
        ['GET', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, undefined],
        ['PATCH', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, { enabled: false }],
        ['DELETE', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, undefined],
        ['GET', `/v1/admin/webhook-endpoints/${endpoint.endpointId}/attempts`, undefined],
        ['POST', `/v1/admin/webhook-endpoints/${endpoint.endpointId}/test`, undefined],
        ['POST', `/v1/admin/webhook-endpoints/${endpoint.endpointId}/rotate-secret`, {}],
      ] as const) {
        const response = await api(method, path, body, otherAdmin)
        expect(response.status, `${method} ${path}`).toBe(404)
      }
      const list = await api('GET', '/v1/admin/webhook-endpoints', undefined, otherAdmin)
      expect(list.body.endpoints.map((e: { endpointId: string }) => e.endpointId)).not.toContain(
        endpoint.endpointId,
      )
      expect(
        (await api('GET', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, undefined, admin)).status,
      ).toBe(200)
      expect((await api('GET', '/v1/admin/webhook-endpoints', undefined, engine)).status).toBe(403)

      for (const body of [
        { url: 'ftp://x.example/hook', eventTypes: ['chat.*'] },
        { url: receiver.url('/x'), eventTypes: ['chat.nope'] },
        { url: receiver.url('/x'), eventTypes: [] },
        { url: receiver.url('/x'), eventTypes: ['*'] },
        { url: receiver.url('/x'), eventTypes: ['chat.*'], secret: 'mine' },
      ]) {
        const response = await api('POST', '/v1/admin/webhook-endpoints', body, admin)
        expect(response.status, JSON.stringify(body)).toBe(400)
        expect(response.body.error.code).toMatch(/^(validation_failed|bad_request)$/)
      }
      expect((await api('GET', '/v1/admin/webhook-endpoints/not-a-uuid', undefined, admin)).status).toBe(400)

      const types = await api('GET', '/v1/admin/webhook-event-types', undefined, admin)
      expect(types.body.eventTypes.map((t: { type: string }) => t.type)).toContain('chat.execution.updated')
      const deleted = await api(
        'DELETE',
        `/v1/admin/webhook-endpoints/${endpoint.endpointId}`,
        undefined,
        admin,
      )
      expect(deleted.status).toBe(204)
      expect(
        (await api('GET', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, undefined, admin)).status,
      ).toBe(404)
    })

    it('Engine API: reads a session, an execution (exported variables only) and lists by customer, visitor, time', async () => {
      const session = await openSession(publicKey, 'anon-reads')
      const asked = await chat(session, { intentName: 'support' })
      const detail = await api('GET', `/v1/engine/executions/${asked.executionId}`, undefined, engine)
      expect(detail.status).toBe(200)
      expect(detail.body).toMatchObject({
        executionId: asked.executionId,
        sessionId: session.id,
        status: 'waiting_input',
        currentWait: { kind: 'input', nodeId: 'ask_order' },
        variables: { order_number: null, helpful: null },
        intent: 'support',
      })
      expect(detail.body.variables).not.toHaveProperty('note')
      expect(JSON.stringify(detail.body)).not.toContain(asked.waitToken)

      completions.enqueue({
        kind: 'complete',
        content: 'Soon.',
        model: 'gpt-4o-mini-2024-07-18',
        usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
      })
      const answered = await settle(
        session,
        await chat(session, {
          executionId: asked.executionId,
          waitToken: asked.waitToken,
          values: { order_number: 'B-2', note: 'private' },
        }),
      )
      const later = await api('GET', `/v1/engine/executions/${asked.executionId}`, undefined, engine)
      expect(later.body.tokenUsage).toEqual(answered.tokenUsage)
      expect(later.body.variables).toEqual({ order_number: 'B-2', helpful: null })
      expect(later.body.blocks).toEqual(answered.blocks)

      // Another tenant's key sees nothing of it.
      expect(
        (await api('GET', `/v1/engine/executions/${asked.executionId}`, undefined, otherEngine)).status,
      ).toBe(404)
      expect((await api('GET', `/v1/engine/sessions/${session.id}`, undefined, otherEngine)).status).toBe(404)
      const analyst = {
        authorization: `Bearer ${(await app.tenancy.createSecretKey(tenantId, { scopes: ['analyst'] })).key}`,
      }
      expect(
        (await api('GET', `/v1/engine/executions/${asked.executionId}`, undefined, analyst)).status,
      ).toBe(403)

      // A sale links the visitor to a customer; the lists read the event pipeline.
      const sale = await api(
        'POST',
        '/v1/engine/conversions',
        {
          conversionId: `reads-${asked.executionId}`,
          occurredAt: new Date().toISOString(),
          value: 10,
          currency: 'EUR',
          orderId: 'B-2',
          customerId: 'cust-reads',
          anonymousId: 'anon-reads',
        },
        engine,
      )
      expect(sale.status).toBe(202)
      let byCustomer: Record<string, unknown> & {
        executions: Array<{ executionId: string; status: string }>
      } = {
        executions: [],
      }
      await waitFor(
        async () => {
          byCustomer = (await api('GET', '/v1/engine/executions?customerId=cust-reads', undefined, engine))
            .body
          return byCustomer.executions.some(
            (e) => e.executionId === asked.executionId && e.status === 'waiting_input',
          )
        },
        { timeoutMs: 15_000, message: "the customer's executions" },
      )
      const byVisitor = await api('GET', '/v1/engine/executions?anonymousId=anon-reads', undefined, engine)
      expect(byVisitor.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([
        asked.executionId,
      ])
      const future = new Date(Date.now() + 3_600_000).toISOString()
      const none = await api(
        'GET',
        `/v1/engine/executions?anonymousId=anon-reads&from=${future}`,
        undefined,
        engine,
      )
      expect(none.body.executions).toEqual([])
      expect(
        (await api('GET', '/v1/engine/executions?customerId=cust-reads', undefined, otherEngine)).body
          .executions,
      ).toEqual([])

      const read = await api('GET', `/v1/engine/sessions/${session.id}`, undefined, engine)
      expect(read.status).toBe(200)
      expect(read.body).toMatchObject({
        sessionId: session.id,
        status: 'open',
        anonymousId: 'anon-reads',
        intents: ['support'],
        executions: [{ executionId: asked.executionId }],
      })
      expect((await api('GET', '/v1/engine/executions?from=yesterday', undefined, engine)).status).toBe(400)

      // The other tenant's own chat is its own.
      const otherSession = await openSession(otherPublicKey, 'anon-reads')
      await chat(otherSession, { intentName: 'hello' }, otherPublicKey)
      expect((await api('GET', `/v1/engine/sessions/${otherSession.id}`, undefined, engine)).status).toBe(404)
    })
  })
}
