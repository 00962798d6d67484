import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../../platform/log/logger.ts'
import { backoffMs, type ClaimedJob, type StateStore } from '../../platform/state/state-store.ts'
import { dueOccurrences } from './cron-schedule.ts'
import { executeRun, type RunExecutorDeps } from './execute-run.ts'
import { lastScheduledOccurrence } from './run-queries.ts'
import { occurrenceRunId, queuedRun, queueRun, RUN_QUEUE, type RunJob } from './run-queue.ts'
import type { ScheduleRow } from './schedule-queries.ts'
import type { RunTrigger } from './schedule-schemas.ts'

export interface SchedulerDeps extends RunExecutorDeps {
  state: StateStore
  logger: Logger
  /** node-cron expression of the heartbeat that evaluates every schedule; every minute by default. */
  heartbeat?: string
  /** How often an idle process looks for queued runs. */
  pollIntervalMs?: number
  concurrency?: number
}

/** One occurrence this process queued. */
export interface QueuedOccurrence {
  scheduleId: string
  runId: string
  scheduledFor: number
  trigger: RunTrigger
  /** Occurrences that were due; above 1 they collapsed into this one catch-up run. */
  due: number
}

export interface Scheduler {
  /** Catches up what was missed while no scheduler ran, then ticks on the heartbeat and runs queued runs. */
  start(): Promise<void>
  stop(): Promise<void>
  /** Queues every occurrence due now (what the heartbeat does); returns what this process queued. */
  tick(): Promise<QueuedOccurrence[]>
  /** Claims and executes the queued runs due now; returns how many it executed. */
  drain(): Promise<number>
}

const TICK_LOCK_MS = 30_000
// Longer than the longest run (render + every delivery attempt), so a live run is never claimed twice.
const RUN_LEASE_MS = 30 * 60_000
const MAX_JOB_ATTEMPTS = 5
// An occurrence found later than this after its time ran late (downtime), not on its tick.
const LATE_AFTER_MS = 2 * 60_000
const CURSOR_TTL_MS = 400 * 24 * 60 * 60_000

/**
 * The `scheduler` role. One node-cron heartbeat per process evaluates every active schedule with the
 * same cron-parser walk as the preview. Each schedule is ticked under a leased lock on the state port
 * and remembers the last occurrence it queued (its cursor), so with several scheduler processes each
 * occurrence is queued once; queued runs go through the state port's job queue, so any scheduler
 * process runs them and a crashed one's run is claimed again.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { db, state, schedules, clock, logger } = deps
  let task: ScheduledTask | undefined
  let running = false
  let loop: Promise<void> | undefined

  async function tickSchedule(listed: ScheduleRow, now: number): Promise<QueuedOccurrence | undefined> {
    const lock = await state.acquireLock(`report-schedule:tick:${listed.schedule_id}`, TICK_LOCK_MS)
    if (!lock) return undefined // another scheduler process is ticking this schedule right now
    try {
      const cursorKey = `report-schedule:cursor:${listed.schedule_id}`
      const stored = await state.get(cursorKey)
      const cursor =
        stored === null
          ? await lastScheduledOccurrence(db, listed.tenant_id, listed.schedule_id)
          : Number(stored)
      if (!dueOccurrences(listed, Math.max(cursor, listed.active_since), now)) return undefined
      // The active list may be a moment stale: decide on the stored schedule.
      const schedule = await schedules.find(listed.tenant_id, listed.schedule_id)
      if (!schedule || schedule.paused === 1) return undefined
      const due = dueOccurrences(schedule, Math.max(cursor, schedule.active_since), now)
      if (!due) return undefined
      const trigger: RunTrigger = due.count > 1 || now - due.latest > LATE_AFTER_MS ? 'catch_up' : 'schedule'
      const runId = occurrenceRunId(schedule.schedule_id, due.latest)
      await queueRun(db, state, queuedRun(schedule, { runId, trigger, scheduledFor: due.latest, now }))
      await state.set(cursorKey, String(due.latest), { ttlMs: CURSOR_TTL_MS })
      return { scheduleId: schedule.schedule_id, runId, scheduledFor: due.latest, trigger, due: due.count }
    } finally {
      await lock.release()
    }
  }

  async function tick(): Promise<QueuedOccurrence[]> {
    const now = clock.now()
    const queued: QueuedOccurrence[] = []
    for (const schedule of await schedules.active()) {
      try {
        const occurrence = await tickSchedule(schedule, now)
        if (occurrence) queued.push(occurrence)
      } catch (error) {
        logger.error({ err: error, scheduleId: schedule.schedule_id }, 'report schedule tick failed')
      }
    }
    return queued
  }

  async function handle(job: ClaimedJob): Promise<void> {
    try {
      await executeRun(deps, JSON.parse(job.payload) as RunJob)
      await state.ack(RUN_QUEUE, job)
    } catch (error) {
      // Only bookkeeping fails here (the run itself records its own failures): try again later.
      logger.warn({ err: error, job: job.id, attempt: job.attempt }, 'report run failed; retrying')
      if (job.attempt >= MAX_JOB_ATTEMPTS) await state.ack(RUN_QUEUE, job)
      else await state.retry(RUN_QUEUE, job, backoffMs(job.attempt))
    }
  }

  async function drain(): Promise<number> {
    const jobs = await state.claim(RUN_QUEUE, { limit: deps.concurrency ?? 2, leaseMs: RUN_LEASE_MS })
    await Promise.all(jobs.map(handle))
    return jobs.length
  }

  async function poll(): Promise<void> {
    while (running) {
      let executed = 0
      try {
        executed = await drain()
      } catch (error) {
        logger.error({ err: error }, 'report run poll failed')
      }
      if (executed === 0) await new Promise((resolve) => setTimeout(resolve, deps.pollIntervalMs ?? 1_000))
    }
  }

  const safeTick = async () => {
    try {
      const queued = await tick()
      if (queued.length > 0) logger.info({ queued }, 'report runs queued')
    } catch (error) {
      logger.error({ err: error }, 'report scheduler tick failed')
    }
  }

  return {
    tick,
    drain,
    async start() {
      await safeTick()
      task = cron.schedule(deps.heartbeat ?? '* * * * *', safeTick, {
        name: 'report-schedules',
        noOverlap: true,
      })
      running = true
      loop = poll()
    },
    async stop() {
      await task?.destroy()
      running = false
      await loop
    },
  }
}
