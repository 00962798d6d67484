import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'

const logger = pino({ level: 'silent' })
const redisUrl = serviceUrl('redis')
const dataDir = await tempDir()

/** Two processes' views of the state store: one shared local store, or two Redis connections. */
const pairs: Array<[string, (() => Promise<[StateStore, StateStore]>) | undefined]> = [
  [
    'local state',
    async () => {
      const state = await createStateStore({ dataDir, redisUrl: undefined }, logger)
      return [state, state]
    },
  ],
  [
    redisUrl ? 'redis state' : `redis state (${skipNotice('redis')})`,
    redisUrl
      ? async () => {
          const keyPrefix = `test:${process.pid}:tenancy:`
          const open = () => createStateStore({ dataDir, redisUrl }, logger, { keyPrefix })
          return [await open(), await open()]
        }
      : undefined,
  ],
]

describe.each(pairs)('key caches with %s', (_name, openPair) => {
  it.skipIf(!openPair)('a revocation in one process evicts the key from every process', async () => {
    const clickhouse = await testClickHouse()
    const [stateA, stateB] = await (openPair as () => Promise<[StateStore, StateStore]>)()
    await migrate({ clickhouse, state: stateA, logger })
    const db = createDb(clickhouse)
    const processA = new TenancyService(db, stateA)
    const processB = new TenancyService(db, stateB)
    await processA.start()
    await processB.start()
    try {
      const { tenant, adminKey } = await processA.createTenant({ slug: 'cache-shop' })
      const widgetKey = await processA.createWidgetKey(tenant.id, {
        allowedOrigins: ['https://shop.example'],
        allIntents: true,
      })
      expect(await processB.authenticateSecretKey(adminKey.key)).toMatchObject({ tenantId: tenant.id })
      expect(await processB.resolveWidgetKey(widgetKey.publicKey)).toMatchObject({ allIntents: true })

      await processA.revokeSecretKey(tenant.id, adminKey.keyId)
      await processA.revokeWidgetKey(tenant.id, widgetKey.publicKey)

      await waitFor(async () => (await processB.authenticateSecretKey(adminKey.key)) === undefined)
      await waitFor(async () => (await processB.resolveWidgetKey(widgetKey.publicKey)) === undefined)
    } finally {
      await processA.stop()
      await processB.stop()
      await stateA.close()
      if (stateB !== stateA) await stateB.close()
    }
  })
})
