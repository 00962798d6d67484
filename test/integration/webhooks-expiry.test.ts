import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts'

const ORIGIN = 'https://expiry.example'
const SESSION_TTL_SECONDS = 2

/**
 * What only time produces: `chat.session.expired` when a session's token stops working, an idle
 * execution aborted (the settle path), and an endpoint disabled after failing for longer than
 * WEBHOOK_DISABLE_AFTER_SECONDS. Short clocks, one app.
 */
describe('webhooks that time produces', () => {
  let app: App
  let base: string
  let receiver: WebhookReceiver
  let admin: Record<string, string>
  let publicKey: string
  const api = jsonApi(() => base, ORIGIN)
  const createEndpoint = async (path: string, eventTypes: string[]) => {
    const created = await api(
      'POST',
      '/v1/admin/webhook-endpoints',
      { url: receiver.url(path), eventTypes },
      admin,
    )
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    receiver.trust(path, [created.body.secret])
    return created.body as { endpointId: string }
  }

  beforeAll(async () => {
    receiver = await startWebhookReceiver()
    app = await createApp(
      testConfig(await tempDir(), {
        CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true',
        CHAT_SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS),
        CHAT_IDLE_TIMEOUT_SECONDS: '1',
        WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.3,0.3,0.3,0.3,0.3,0.3',
        WEBHOOK_DISABLE_AFTER_SECONDS: '1',
      }),
    )
    base = await app.listen()
    const { tenant, adminKey } = await app.operator.createTenant({ slug: 'hooks-expiry' })
    admin = { authorization: `Bearer ${adminKey.key}` }
    publicKey = (await app.tenancy.createWidgetKey(tenant.id, { allowedOrigins: [ORIGIN], allIntents: true }))
      .publicKey
    const flow = {
      intent: 'wait',
      name: 'Wait',
      start: 'ask',
      nodes: [
        {
          id: 'ask',
          type: 'ask',
          input: { kind: 'buttons', variable: 'ok', options: [{ label: 'OK', value: 'ok' }] },
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    }
    const created = await api('POST', '/v1/admin/flows', flow, admin)
    expect(created.status).toBe(201)
    expect(
      (await api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)).status,
    ).toBe(200)
  })
  afterAll(async () => {
    await app?.close()
    await receiver?.close()
  })

  it('sends chat.session.expired when the session token expires, and aborts an idle execution', async () => {
    await createEndpoint('/sessions', ['chat.session.*', 'chat.execution.*'])
    const opened = await api('POST', `/v1/chat/sessions?publicKey=${publicKey}`, { anonymousId: 'anon-x' })
    expect(opened.status).toBe(201)
    const auth = { authorization: `Bearer ${opened.body.sessionToken}` }
    const asked = await api('POST', `/v1/chat/messages?publicKey=${publicKey}`, { intentName: 'wait' }, auth)
    expect(asked.body.status).toBe('waiting_input')

    await waitFor(() => receiver.events('/sessions').some((event) => event.type === 'chat.session.expired'), {
      timeoutMs: 15_000,
      message: 'chat.session.expired',
    })
    const events = receiver.events('/sessions')
    const expired = events.find((event) => event.type === 'chat.session.expired')
    expect(expired?.data).toMatchObject({
      sessionId: opened.body.sessionId,
      anonymousId: 'anon-x',
      expiresAt: opened.body.expiresAt,
    })
    expect(expired?.timestamp).toBe(opened.body.expiresAt)
    // The token no longer works once the event says so.
    const late = await api(
      'GET',
      `/v1/chat/executions/${asked.body.executionId}?publicKey=${publicKey}`,
      undefined,
      auth,
    )
    expect(late.status).toBe(401)

    await waitFor(
      () => receiver.events('/sessions').some((event) => event.type === 'chat.execution.aborted'),
      {
        timeoutMs: 15_000,
        message: 'the idle execution to be aborted',
      },
    )
    const aborted = receiver.events('/sessions').find((event) => event.type === 'chat.execution.aborted')
    expect(aborted?.data).toMatchObject({
      executionId: asked.body.executionId,
      status: 'aborted',
      error: { code: 'idle_timeout' },
    })
    const update = receiver
      .events('/sessions')
      .find((event) => event.type === 'chat.execution.updated' && event.data.status === 'aborted')
    expect(update?.data).toMatchObject({ previousStatus: 'waiting_input', blocks: [] })
  })

  it('disables an endpoint whose attempts all failed for longer than WEBHOOK_DISABLE_AFTER_SECONDS', async () => {
    receiver.answer('/broken', () => ({ status: 500 }))
    const endpoint = await createEndpoint('/broken', ['chat.session.opened'])
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
        view = (await api('GET', `/v1/admin/webhook-endpoints/${endpoint.endpointId}`, undefined, admin)).body
        return view.enabled === false
      },
      { timeoutMs: 15_000, message: 'the failing endpoint to be disabled' },
    )
    expect(view).toMatchObject({ enabled: false, disabledReason: 'failing' })
    const attempts = receiver.received.filter((entry) => entry.path === '/broken')
    // Failing since the first attempt; disabled at the first failure a second or more later.
    expect(attempts.length).toBeGreaterThanOrEqual(2)
    expect((attempts.at(-1)?.receivedAt ?? 0) - (attempts[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1_000)
    // The metric is counted right after the endpoint's row changes.
    await waitFor(
      async () =>
        /comerix_webhook_endpoints_disabled_total\{reason="failing"\} 1/.test(
          await (await fetch(`${base}/metrics`)).text(),
        ),
      { timeoutMs: 5_000, message: 'the disabled metric' },
    )
  })
})
