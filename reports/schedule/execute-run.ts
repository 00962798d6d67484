import type { Readable } from 'node:stream'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import { storeArtifact } from '../delivery/artifact-store.ts'
import { type DeliveryOptions, deliverFile } from '../delivery/deliver-file.ts'
import type { ReportFormat, ReportRunner } from './report-runner.ts'
import { findRun, type RunRow, saveRun } from './run-queries.ts'
import type { RunJob } from './run-queue.ts'
import type { ScheduleRow } from './schedule-queries.ts'
import type { ScheduleService } from './schedule-service.ts'

export interface RunExecutorDeps {
  db: Db
  schedules: ScheduleService
  reports: ReportRunner
  clock: Clock
  delivery: Omit<DeliveryOptions, 'clock'>
  /** How long a run's file stays downloadable. */
  artifactRetentionMs: number
  /** A rendered report larger than this fails its run instead of being stored and sent. */
  maxReportBytes: number
}

/**
 * Renders, stores and delivers one queued run, recording each step in `report_runs`. A run already
 * finished (its job redelivered after a crash) is left alone; a failure anywhere ends the run as
 * `failed` with the reason, and the file, once stored, stays downloadable even if delivery failed.
 */
export async function executeRun(deps: RunExecutorDeps, job: RunJob): Promise<void> {
  const { db, clock } = deps
  const stored = await findRun(db, job.run.tenant_id, job.run.run_id)
  if (stored?.status === 'succeeded' || stored?.status === 'failed') return
  let run = stored ?? job.run
  const save = async (changes: Partial<RunRow>) => {
    run = { ...run, ...changes, updated_at: Math.max(clock.now(), run.updated_at + 1) }
    await saveRun(db, run)
  }
  const startedAt = performance.now()
  await save({ status: 'running', started_at: clock.now() })
  try {
    const schedule = await deps.schedules.find(run.tenant_id, run.schedule_id)
    if (!schedule) throw new Error('the schedule was deleted before the run started')
    await save(await renderAndDeliver(deps, schedule, run))
  } catch (error) {
    await save({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
  }
  await save({ finished_at: clock.now(), duration_ms: Math.round(performance.now() - startedAt) })
}

async function renderAndDeliver(
  deps: RunExecutorDeps,
  schedule: ScheduleRow,
  run: RunRow,
): Promise<Partial<RunRow>> {
  const file = await deps.reports.run(run.tenant_id, run.report_id, run.format as ReportFormat)
  const body = await readCapped(file.body, deps.maxReportBytes)
  const rendered = { contentType: file.contentType, filename: file.filename, body }
  const artifact = await storeArtifact(deps.db, {
    tenantId: run.tenant_id,
    scheduleId: run.schedule_id,
    runId: run.run_id,
    file: rendered,
    now: deps.clock.now(),
    retentionMs: deps.artifactRetentionMs,
  })
  const delivery = await deliverFile(
    {
      url: schedule.endpoint_url,
      secret: deps.schedules.signingSecret(schedule),
      messageId: run.run_id,
      file: rendered,
      headers: {
        'comerix-schedule-id': run.schedule_id,
        'comerix-report-id': run.report_id,
        'comerix-scheduled-for': new Date(run.scheduled_for).toISOString(),
        'comerix-trigger': run.trigger,
      },
    },
    { ...deps.delivery, clock: deps.clock },
  )
  return {
    status: delivery.delivered ? 'succeeded' : 'failed',
    rows: file.rows,
    bytes: body.length,
    attempts: delivery.attempts,
    http_status: delivery.status,
    error: delivery.error,
    artifact_id: artifact.id,
    artifact_path: artifact.path,
    artifact_expires_at: artifact.expiresAt,
  }
}

async function readCapped(body: Buffer | Readable, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new Error(`the report is larger than ${maxBytes} bytes; narrow it or export less`)
  if (Buffer.isBuffer(body)) {
    if (body.length > maxBytes) throw tooLarge()
    return body
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    size += buffer.length
    if (size > maxBytes) {
      body.destroy()
      throw tooLarge()
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}
