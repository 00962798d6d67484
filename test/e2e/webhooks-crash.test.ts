import { afterAll, describe, expect, it } from 'vitest'
import { loadOperatorToken } from '../../platform/tenancy/operator-token.ts'
import { type RunningServer, startServer } from '../support/cli.ts'
import { jsonApi } from '../support/json-api.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'
import { startWebhookReceiver } from '../support/webhook-receiver.ts'

const ORIGIN = 'https://crash.example'
const CHATS = 20
const SECRET = 'test-secret-test-secret-test-secret-0'
const redisUrl = serviceUrl('redis')

/**
 * A server SIGKILLed with webhook deliveries pending (its endpoint answering 503, so every event is queued
 * and retrying, or not yet tried) delivers every event it had accepted after a restart on the same data:
 * nothing lost, repeats allowed (at least once). Once per state store.
 */
for (const [name, env] of [
  ['the local state store', {}],
  [
    redisUrl ? 'Redis' : `Redis (${skipNotice('redis')})`,
    redisUrl
      ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `test-wh-crash-${process.pid}:`, COMERIX_SECRET: SECRET }
      : undefined,
  ],
] as const) {
  describe.skipIf(env === undefined)(`webhook deliveries across a SIGKILL on ${name}`, () => {
    const servers: RunningServer[] = []
    afterAll(async () => {
      for (const server of servers) {
        if (server.process.exitCode === null && server.process.signalCode === null)
          await server.stop('SIGKILL')
      }
    })

    it('delivers every accepted event after a restart', { timeout: 180_000 }, async () => {
      const receiver = await startWebhookReceiver()
      try {
        let up = false
        receiver.answer('/hook', () => (up ? { status: 204 } : { status: 503 }))
        const dataDir = await tempDir('comerix-wh-crash-')
        const serverEnv: Record<string, string> & { DATA_DIR: string } = {
          ...env,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true',
          WEBHOOK_RETRY_SCHEDULE_SECONDS: Array.from({ length: 30 }, () => '1').join(','),
          WEBHOOK_TIMEOUT_MS: '1000',
        }
        const first = await startServer(serverEnv)
        servers.push(first)
        let base = first.url
        const api = jsonApi(() => base, ORIGIN)
        const operator = {
          'x-comerix-operator-token': await loadOperatorToken({
            dataDir,
            secret: env && 'COMERIX_SECRET' in env ? SECRET : undefined,
          }),
        }
        const slug = `crash-${Math.random().toString(36).slice(2, 8)}`
        const tenant = await api('POST', '/v1/operator/tenants', { slug }, operator)
        expect(tenant.status, JSON.stringify(tenant.body)).toBe(201)
        const admin = { authorization: `Bearer ${tenant.body.adminKey.key}` }
        const key = await api(
          'POST',
          `/v1/operator/tenants/${slug}/widget-keys`,
          { allowedOrigins: [ORIGIN], allIntents: true },
          operator,
        )
        expect(key.status, JSON.stringify(key.body)).toBe(201)
        const publicKey = key.body.publicKey as string
        const flow = {
          intent: 'hello',
          name: 'Hello',
          start: 'done',
          nodes: [{ id: 'done', type: 'end', message: 'Hi' }],
        }
        const created = await api('POST', '/v1/admin/flows', flow, admin)
        expect(
          (await api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)).status,
        ).toBe(200)
        const endpoint = await api(
          'POST',
          '/v1/admin/webhook-endpoints',
          { url: receiver.url('/hook'), eventTypes: ['chat.*'] },
          admin,
        )
        expect(endpoint.status).toBe(201)
        receiver.trust('/hook', [endpoint.body.secret])

        // Every event of these chats was accepted (the answers came) before the kill.
        const expected = new Set<string>()
        for (let chat = 0; chat < CHATS; chat += 1) {
          const session = await api('POST', `/v1/chat/sessions?publicKey=${publicKey}`, {
            anonymousId: `anon-${chat}`,
          })
          expect(session.status).toBe(201)
          const reply = await api(
            'POST',
            `/v1/chat/messages?publicKey=${publicKey}`,
            { intentName: 'hello' },
            {
              authorization: `Bearer ${session.body.sessionToken}`,
            },
          )
          expect(reply.body.status).toBe('completed')
          expected.add(`chat.session.opened:${session.body.sessionId}`)
          for (const type of ['started', 'updated', 'completed'])
            expected.add(`chat.execution.${type}:${reply.body.executionId}`)
        }
        const refusedBeforeKill = receiver.received.length
        await first.stop('SIGKILL')
        expect(first.process.signalCode).toBe('SIGKILL')

        up = true
        const second = await startServer(serverEnv)
        servers.push(second)
        base = second.url
        const delivered = () =>
          new Set(
            receiver
              .events('/hook')
              .map((event) => `${event.type}:${String(event.data.executionId ?? event.data.sessionId)}`),
          )
        await waitFor(() => [...expected].every((entry) => delivered().has(entry)), {
          timeoutMs: 120_000,
          intervalMs: 200,
          message: `all ${expected.size} accepted events delivered after the restart`,
        })
        const ids = receiver.events('/hook').map((event) => event.id)
        const repeats = ids.length - new Set(ids).size
        console.info(
          `[webhooks-crash ${name}] ${expected.size} events accepted before SIGKILL, ${refusedBeforeKill} attempts refused (503) before it; all delivered after restart, ${repeats} delivered twice`,
        )
        expect(await second.stop('SIGTERM')).toBe(0)
      } finally {
        await receiver.close()
      }
    })
  })
}
