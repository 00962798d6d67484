import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { EdgeDocuments } from '../../engine/public/edge-documents.ts'
import { RedisStateStore } from '../../platform/state/redis-state-store.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

const url = serviceUrl('redis')
const prefix = `test-edge-${randomBytes(4).toString('hex')}:`

/**
 * Two API "processes" over one Redis: the app, and a second set of edge documents with its own Redis
 * connection and its own in-process copies (chdb admits one process per data directory, so the second
 * reads the same control tables through the app's services). A publish in one must reach the other at
 * once, from the stored document, without waiting for a TTL.
 */
describe.skipIf(!url)(
  `published edge documents across processes (${url ? 'redis' : skipNotice('redis')})`,
  () => {
    let app: App
    let other: RedisStateStore
    let otherEdge: EdgeDocuments
    let tenantId: string
    let publicKey: string

    beforeAll(async () => {
      app = await createApp(
        testConfig(await tempDir(), {
          REDIS_URL: url ?? '',
          REDIS_KEY_PREFIX: prefix,
          COMERIX_SECRET: randomBytes(32).toString('hex'),
        }),
      )
      other = await RedisStateStore.connect({
        url: url ?? '',
        logger: pino({ level: 'silent' }),
        keyPrefix: prefix,
      })
      otherEdge = new EdgeDocuments(other, app.engine.widget.settings, app.engine.widget.forms)
      await otherEdge.start()
      const { tenant } = await app.operator.createTenant({ slug: 'edge-redis' })
      tenantId = tenant.id
      publicKey = (
        await app.tenancy.createWidgetKey(tenantId, {
          allowedOrigins: ['https://shop.example'],
          allIntents: true,
        })
      ).publicKey
    })
    afterAll(async () => {
      await otherEdge?.stop()
      await other?.close()
      await app?.close()
    })

    const publish = async (greeting: string) => {
      await app.engine.widget.settings.saveDraft(tenantId, publicKey, { greeting })
      return app.engine.widget.settings.publish(tenantId, publicKey, 'test')
    }

    it('serves the stored document in another process and follows every publish at once', async () => {
      await publish('first')
      const first = await otherEdge.widget(tenantId, publicKey)
      expect(first.source).toBe('edge')
      expect(JSON.parse(first.document?.widgetConfig.body ?? '{}')).toMatchObject({
        version: 1,
        greeting: 'first',
      })
      // Held in the other process's memory now; a publish must evict it there through pub/sub.
      expect((await otherEdge.widget(tenantId, publicKey)).document?.version).toBe(1)
      await publish('second')
      await waitFor(async () => (await otherEdge.widget(tenantId, publicKey)).document?.version === 2, {
        timeoutMs: 5_000,
        message: 'the other process to serve version 2',
      })
      const second = await otherEdge.widget(tenantId, publicKey)
      expect(JSON.parse(second.document?.widgetConfig.body ?? '{}').greeting).toBe('second')
    })
  },
)
