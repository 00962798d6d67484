import { afterAll, describe, expect, it } from 'vitest'
import { newId } from '../../platform/ids.ts'
import { RedisStateStore } from '../../platform/state/redis-state-store.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { waitFor } from '../support/wait-for.ts'
import {
  adminOf,
  createWorld,
  logger,
  SQUARES_CSV,
  startReceiver,
  testClock,
} from './report-schedules-world.ts'

const url = serviceUrl('redis')

/**
 * Two scheduler "processes" in one test process: each has its own Redis connection (its own state
 * store), its own services and caches, over one chdb database (chdb admits one process per data
 * directory, so two OS processes cannot share it). What is under test is the leased tick lock and the
 * cursor in Redis, which are all the processes share besides ClickHouse.
 */
describe.skipIf(!url)(
  `report schedules with two schedulers on Redis ${url ? '' : skipNotice('redis')}`,
  () => {
    const keyPrefix = `comerix-test-${newId()}:`
    const stores: RedisStateStore[] = []
    const connect = async () => {
      const store = await RedisStateStore.connect({ url: url as string, logger, keyPrefix })
      stores.push(store)
      return store
    }
    afterAll(async () => {
      await stores[0]?.clearNamespace()
      await Promise.all(stores.map((store) => store.close()))
    })

    it('queues and delivers each occurrence once, whichever scheduler ticks it', async () => {
      const clickhouse = await testClickHouse()
      const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000
      const clock = testClock(base + 30_000)
      const first = await createWorld({ clickhouse, state: await connect(), clock })
      const second = await createWorld({ clickhouse, state: await connect(), clock, migrateFirst: false })
      const receiver = await startReceiver()
      try {
        // The second process caches the (empty) active set, then sees the first's new schedule.
        expect(await second.schedules.active()).toEqual([])
        const { call } = await adminOf(first, 'sched-redis')
        const created = await call('POST', '/report-schedules', {
          reportId: 'squares',
          cron: '0 * * * *',
          timezone: 'UTC',
          endpointUrl: receiver.url,
        })
        receiver.useSecret(created.body.secret)
        await waitFor(async () => (await second.schedules.active()).length === 1, {
          message: 'the schedule reaching the second scheduler',
        })

        for (let hour = 1; hour <= 3; hour += 1) {
          clock.set(base + hour * 3_600_000)
          const [fromFirst, fromSecond] = await Promise.all([first.scheduler.tick(), second.scheduler.tick()])
          expect([...fromFirst, ...fromSecond].map((run) => run.scheduledFor)).toEqual([
            base + hour * 3_600_000,
          ])
          const [ranFirst, ranSecond] = await Promise.all([first.scheduler.drain(), second.scheduler.drain()])
          expect(ranFirst + ranSecond).toBe(1)
        }

        expect(receiver.deliveries).toHaveLength(3)
        expect(receiver.deliveries.every((d) => d.signatureValid && d.body.toString() === SQUARES_CSV)).toBe(
          true,
        )
        const runs = (await call('GET', `/report-schedules/${created.body.id}/runs`)).body.runs
        expect(runs.map((run: { status: string; trigger: string }) => [run.status, run.trigger])).toEqual([
          ['succeeded', 'schedule'],
          ['succeeded', 'schedule'],
          ['succeeded', 'schedule'],
        ])
      } finally {
        await receiver.close()
        await first.close()
        await second.close()
      }
    })
  },
)
