import type { Db } from '../../platform/clickhouse/db.ts'
import { nameBasedId } from '../../platform/ids.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { type RunRow, saveRun } from './run-queries.ts'
import type { ScheduleRow } from './schedule-queries.ts'
import type { RunTrigger } from './schedule-schemas.ts'

/** The state port's job queue that scheduler processes drain; a crashed runner's job is claimed again. */
export const RUN_QUEUE = 'report-runs'

/** Carries the queued run itself, so a runner never depends on reading back a row just written. */
export interface RunJob {
  run: RunRow
}

/**
 * A scheduled occurrence always gets the same run id, so queuing it twice (a crash between queuing and
 * moving the cursor) is one job in the queue and one run in `report_runs`.
 */
export function occurrenceRunId(scheduleId: string, scheduledFor: number): string {
  return nameBasedId('report-run', scheduleId, scheduledFor)
}

export function queuedRun(
  schedule: ScheduleRow,
  run: { runId: string; trigger: RunTrigger; scheduledFor: number; now: number },
): RunRow {
  return {
    tenant_id: schedule.tenant_id,
    schedule_id: schedule.schedule_id,
    run_id: run.runId,
    report_id: schedule.report_id,
    trigger: run.trigger,
    status: 'queued',
    format: schedule.format,
    scheduled_for: run.scheduledFor,
    started_at: 0,
    finished_at: 0,
    duration_ms: 0,
    rows: 0,
    bytes: 0,
    attempts: 0,
    http_status: 0,
    error: '',
    artifact_id: '',
    artifact_path: '',
    artifact_expires_at: 0,
    updated_at: run.now,
  }
}

/** Records the run as queued, then hands it to whichever scheduler process claims it first. */
export async function queueRun(db: Db, state: StateStore, run: RunRow): Promise<void> {
  await saveRun(db, run)
  const job: RunJob = { run }
  await state.schedule(RUN_QUEUE, { id: run.run_id, payload: JSON.stringify(job), runAt: 0 })
}
