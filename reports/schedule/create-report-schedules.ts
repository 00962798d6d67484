import { type Clock, systemClock } from '../../platform/clock.ts'
import type { Platform } from '../../platform/create-platform.ts'
import { loadSecretBox } from '../../platform/crypto/secret-box.ts'
import { backoffMs } from '../../platform/state/state-store.ts'
import { artifactRoutes } from '../delivery/artifact.routes.ts'
import type { ReportRunner } from './report-runner.ts'
import { scheduleRoutes } from './schedule.routes.ts'
import { ScheduleService } from './schedule-service.ts'
import { createScheduler, type Scheduler } from './scheduler.ts'

export interface ReportSchedules {
  schedules: ScheduleService
  /** Present in processes with the `scheduler` role. */
  scheduler: Scheduler | undefined
}

export const DELIVERY_DEFAULTS = {
  maxAttempts: 5,
  backoffMs: (attempt: number) => backoffMs(attempt, 1_000, 60_000),
  timeoutMs: 30_000,
}
export const ARTIFACT_RETENTION_MS = 7 * 24 * 60 * 60_000
export const MAX_REPORT_BYTES = 50 * 1_048_576

/**
 * Schedules and delivery on the platform: the admin routes and the artifact download route for the
 * `api` role, the scheduler for the `scheduler` role. Report endpoints may be private addresses only
 * when CONNECTIONS_ALLOW_PRIVATE_NETWORKS=true (the same operator switch as flow connections).
 */
export async function createReportSchedules(
  platform: Platform,
  reports: ReportRunner,
  clock: Clock = systemClock,
): Promise<ReportSchedules> {
  const { config, db, state, server, tenancy, logger } = platform
  const allowPrivateNetworks = config.connectionsAllowPrivateNetworks
  const schedules = new ScheduleService({
    db,
    state,
    secretBox: await loadSecretBox(config),
    reports,
    clock,
    allowPrivateNetworks,
  })
  await schedules.start()
  platform.onClose(() => schedules.stop())

  if (config.roles.includes('api')) {
    await server.register(scheduleRoutes(schedules, tenancy), { prefix: '/v1/admin' })
    await server.register(artifactRoutes(db, clock), { prefix: '/v1/reports' })
  }

  let scheduler: Scheduler | undefined
  if (config.roles.includes('scheduler')) {
    const started = createScheduler({
      db,
      state,
      schedules,
      reports,
      clock,
      logger: logger.child({ role: 'scheduler' }),
      delivery: { ...DELIVERY_DEFAULTS, policy: { allowPrivateNetworks } },
      artifactRetentionMs: ARTIFACT_RETENTION_MS,
      maxReportBytes: MAX_REPORT_BYTES,
    })
    await started.start()
    platform.onClose(() => started.stop())
    scheduler = started
  }
  return { schedules, scheduler }
}
