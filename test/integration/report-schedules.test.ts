import { afterAll, describe, expect, it } from 'vitest'
import { AppError } from '../../platform/errors/catalog.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import { ScheduleService } from '../../reports/schedule/schedule-service.ts'
import type { QueuedOccurrence } from '../../reports/schedule/scheduler.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'
import {
  adminOf,
  createWorld,
  logger,
  SQUARES_CSV,
  secretBox,
  startReceiver,
  testClock,
  type World,
} from './report-schedules-world.ts'

/** Every scenario gets its own database and state store: the scheduler ticks every tenant's schedules. */
const worlds: World[] = []
async function world(start: string | number): Promise<World> {
  const state = await createStateStore({ dataDir: await tempDir(), redisUrl: undefined }, logger)
  const created = await createWorld({ clickhouse: await testClickHouse(), state, clock: testClock(start) })
  worlds.push(created)
  const close = created.close
  created.close = async () => {
    await close()
    await state.close()
  }
  return created
}

afterAll(async () => {
  for (const created of worlds) await created.close()
})

const receiver = await startReceiver()
afterAll(() => receiver.close())

const schedule = (overrides: object = {}) => ({
  reportId: 'squares',
  cron: '30 2 * * *',
  timezone: 'Europe/Berlin',
  format: 'csv' as const,
  endpointUrl: receiver.url,
  ...overrides,
})

// Runs and artifacts expire by ClickHouse TTL in real time, so scenarios that read them back start
// tomorrow, on a whole UTC hour.
const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000
const at = (hours: number, minutes = 0, seconds = 0) => base + ((hours * 60 + minutes) * 60 + seconds) * 1_000
const iso = (ms: number) => new Date(ms).toISOString()

/** Moves the clock in steps from `from` to `to`, ticking at each step like the heartbeat would. */
async function tickThrough(w: World, from: number, to: number, stepMs: number): Promise<QueuedOccurrence[]> {
  const queued: QueuedOccurrence[] = []
  for (let now = from; now <= to; now += stepMs) {
    w.clock.set(now)
    queued.push(...(await w.scheduler.tick()))
  }
  return queued
}

describe('report schedules admin API', () => {
  it('creates a schedule with a one-time secret and the next 5 runs in its timezone, then reads, changes and deletes it', async () => {
    const w = await world('2026-06-01T06:00:00Z')
    const { call } = await adminOf(w, 'sched-crud')
    const created = await call('POST', '/report-schedules', schedule({ cron: '0 9 * * 1-5' }))
    expect(created.status).toBe(201)
    expect(created.body.secret).toMatch(/^whsec_/)
    expect(created.body.nextRuns.map((run: { local: string }) => run.local)).toEqual([
      '2026-06-01T09:00:00.000+02:00',
      '2026-06-02T09:00:00.000+02:00',
      '2026-06-03T09:00:00.000+02:00',
      '2026-06-04T09:00:00.000+02:00',
      '2026-06-05T09:00:00.000+02:00',
    ])
    expect(created.body.nextRuns[0].at).toBe('2026-06-01T07:00:00.000Z')
    const id = created.body.id

    const read = await call('GET', `/report-schedules/${id}`)
    expect(read.body).toMatchObject({ id, cron: '0 9 * * 1-5', paused: false })
    expect(read.body.secret).toBeUndefined()

    const changed = await call('PATCH', `/report-schedules/${id}`, { cron: '0 7 * * *', timezone: 'UTC' })
    expect(changed.body.nextRuns[0]).toEqual({
      at: '2026-06-01T07:00:00.000Z',
      local: '2026-06-01T07:00:00.000Z',
    })
    expect((await call('GET', '/report-schedules')).body.schedules).toHaveLength(1)

    expect((await call('DELETE', `/report-schedules/${id}`)).status).toBe(204)
    expect((await call('GET', `/report-schedules/${id}`)).status).toBe(404)
    expect((await call('GET', '/report-schedules')).body.schedules).toEqual([])
  })

  it('refuses bad input with catalog errors', async () => {
    const w = await world('2026-06-01T08:00:00Z')
    const { call } = await adminOf(w, 'sched-bad')
    const badCron = await call('POST', '/report-schedules', schedule({ cron: '0 30 2 * * *' }))
    expect(badCron).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } })
    expect(JSON.stringify(badCron.body)).toContain('five fields')
    const badZone = await call('POST', '/report-schedules', schedule({ timezone: 'Mars/Olympus' }))
    expect(JSON.stringify(badZone.body)).toContain('not an IANA timezone')
    expect((await call('POST', '/report-schedules', schedule({ format: 'docx' }))).status).toBe(400)
    expect(
      (await call('POST', '/report-schedules', schedule({ endpointUrl: 'ftp://x.example/' }))).status,
    ).toBe(400)
    expect((await call('POST', '/report-schedules', schedule({ reportId: 'nope' }))).status).toBe(404)
    expect((await call('GET', '/report-schedules/not-a-uuid')).status).toBe(400)

    const strict = new ScheduleService({
      db: w.db,
      state: w.state,
      secretBox,
      reports: { exists: async () => true },
      clock: w.clock,
      allowPrivateNetworks: false,
    })
    const { tenantId } = await adminOf(w, 'sched-private')
    await expect(strict.create(tenantId, schedule({ endpointUrl: 'http://10.0.0.8/hook' }))).rejects.toThrow(
      AppError,
    )
  })
})

describe('ticks across daylight-saving changes (Europe/Berlin, 30 2 * * *)', () => {
  for (const [season, from, to] of [
    [
      'spring forward: 02:30 does not exist on Mar 29 and runs at 03:30 CEST',
      '2026-03-27T00:00:00Z',
      '2026-03-31T23:59:00Z',
    ],
    [
      'fall back: 02:30 happens twice on Oct 25 and runs once, at 02:30 CEST',
      '2026-10-23T00:00:00Z',
      '2026-10-27T23:59:00Z',
    ],
  ] as const) {
    it(`${season}; the ticks run exactly the previewed occurrences`, async () => {
      const w = await world(from)
      const { call } = await adminOf(w, `sched-dst-${from.slice(5, 7)}`)
      const created = await call('POST', '/report-schedules', schedule())
      const preview: string[] = created.body.nextRuns.map((run: { at: string }) => run.at)

      const queued = await tickThrough(w, Date.parse(from), Date.parse(to), 15 * 60_000)
      expect(queued.map((run) => new Date(run.scheduledFor).toISOString())).toEqual(preview)
      expect(new Set(queued.map((run) => run.trigger))).toEqual(new Set(['schedule']))
    })
  }
})

describe('scheduler start-up after downtime', () => {
  it('runs a missed occurrence once, as a catch-up, and delivers it', async () => {
    const w = await world(at(0, 0, 30))
    const { call } = await adminOf(w, 'sched-catch-up')
    const created = await call('POST', '/report-schedules', schedule({ cron: '0 * * * *', timezone: 'UTC' }))
    receiver.useSecret(created.body.secret)
    const before = receiver.deliveries.length

    w.clock.set(at(4, 20)) // down from before the first occurrence until after the fourth
    await w.scheduler.start()
    const runsOf = async () => (await call('GET', `/report-schedules/${created.body.id}/runs`)).body.runs
    await waitFor(async () => (await runsOf())[0]?.status === 'succeeded', { message: 'the catch-up run' })
    await w.scheduler.stop()

    const runs = await runsOf()
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({
      trigger: 'catch_up',
      scheduledFor: iso(at(4)),
      attempts: 1,
    })
    expect(receiver.deliveries.slice(before).map((d) => d.body.toString())).toEqual([SQUARES_CSV])
    expect(await w.scheduler.tick()).toEqual([])
  })
})

describe('pause and resume', () => {
  it('runs nothing while paused, and does not catch up what was missed while paused', async () => {
    const w = await world(at(0, 0, 30))
    const { call } = await adminOf(w, 'sched-pause')
    const { id } = (await call('POST', '/report-schedules', schedule({ cron: '0 * * * *', timezone: 'UTC' })))
      .body

    const paused = await call('POST', `/report-schedules/${id}/pause`)
    expect(paused.body).toMatchObject({ paused: true, nextRuns: [] })
    expect(await tickThrough(w, at(0, 30), at(3, 30), 30 * 60_000)).toEqual([])

    const resumed = await call('POST', `/report-schedules/${id}/resume`)
    expect(resumed.body.paused).toBe(false)
    expect(resumed.body.nextRuns[0].at).toBe(iso(at(4)))
    expect(await w.scheduler.tick()).toEqual([])

    const queued = await tickThrough(w, at(4), at(5), 30 * 60_000)
    expect(queued.map((run) => [run.scheduledFor, run.trigger])).toEqual([
      [at(4), 'schedule'],
      [at(5), 'schedule'],
    ])
  })
})

describe('delivery and expiring download links', () => {
  it('retries a 503 twice with the same signed message, then succeeds; the link works until it expires', async () => {
    const w = await world(base)
    const flaky = await startReceiver([503, 503])
    try {
      const { call } = await adminOf(w, 'sched-retry')
      const created = await call('POST', '/report-schedules', schedule({ endpointUrl: flaky.url }))
      flaky.useSecret(created.body.secret)

      const queued = await call('POST', `/report-schedules/${created.body.id}/run`)
      expect(queued).toMatchObject({ status: 202, body: { status: 'queued', trigger: 'manual' } })
      expect(await w.scheduler.drain()).toBe(1)

      const [run] = (await call('GET', `/report-schedules/${created.body.id}/runs`)).body.runs
      expect(run).toMatchObject({
        id: queued.body.id,
        status: 'succeeded',
        attempts: 3,
        httpStatus: 200,
        rows: 3,
      })
      expect(run.bytes).toBe(Buffer.byteLength(SQUARES_CSV))
      expect(flaky.deliveries).toHaveLength(3)
      expect(flaky.deliveries.every((d) => d.signatureValid && d.body.toString() === SQUARES_CSV)).toBe(true)
      expect(new Set(flaky.deliveries.map((d) => d.headers['webhook-id']))).toEqual(new Set([run.id]))
      expect(flaky.deliveries[0]?.headers['content-type']).toBe('text/csv; charset=utf-8')

      const download = () => w.app.inject({ method: 'GET', url: run.download.path })
      w.clock.set(at(6 * 24)) // six days later
      const fresh = await download()
      expect(fresh.statusCode).toBe(200)
      expect(fresh.body).toBe(SQUARES_CSV)
      expect(fresh.headers['content-disposition']).toBe('attachment; filename="squares.csv"')

      const forged = await w.app.inject({
        method: 'GET',
        url: run.download.path.replace(/signature=./, 'signature=A'),
      })
      expect(forged.statusCode).toBe(403)
      w.clock.set(Date.parse(run.download.expiresAt))
      const expired = await download()
      expect(expired.statusCode).toBe(410)
      expect(expired.json().error.code).toBe('link_expired')
    } finally {
      await flaky.close()
    }
  })

  it('does not retry a 400; the run fails but its file stays downloadable', async () => {
    const w = await world(base)
    const refusing = await startReceiver([400])
    try {
      const { call } = await adminOf(w, 'sched-400')
      const created = await call('POST', '/report-schedules', schedule({ endpointUrl: refusing.url }))
      refusing.useSecret(created.body.secret)
      await call('POST', `/report-schedules/${created.body.id}/run`)
      expect(await w.scheduler.drain()).toBe(1)

      const [run] = (await call('GET', `/report-schedules/${created.body.id}/runs`)).body.runs
      expect(run).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 400 })
      expect(run.error).toContain('400')
      expect(refusing.deliveries).toHaveLength(1)
      expect((await w.app.inject({ method: 'GET', url: run.download.path })).body).toBe(SQUARES_CSV)
    } finally {
      await refusing.close()
    }
  })
})
