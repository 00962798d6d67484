import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import { newWebhookSecret } from '../../platform/crypto/webhook-signature.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { blockedLiteral } from '../../platform/http/public-address.ts'
import { newId } from '../../platform/ids.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import { cronProblem } from './cron-schedule.ts'
import type { ReportRunner } from './report-runner.ts'
import { listRuns } from './run-queries.ts'
import { queuedRun, queueRun } from './run-queue.ts'
import {
  findSchedule,
  listActiveSchedules,
  listSchedules,
  type ScheduleRow,
  schedulesTable,
} from './schedule-queries.ts'
import {
  type CreateScheduleInput,
  createScheduleInput,
  type RunView,
  type ScheduleView,
  type UpdateScheduleInput,
  updateScheduleInput,
} from './schedule-schemas.ts'
import { toRunView, toScheduleView } from './schedule-views.ts'

const ACTIVE_KEY = 'active'
const LOCK_TTL_MS = 10_000

export interface ScheduleServiceDeps {
  db: Db
  state: StateStore
  secretBox: SecretBox
  reports: Pick<ReportRunner, 'exists'>
  clock: Clock
  /** Lets endpoints be loopback or private addresses (tests, on-premise receivers). */
  allowPrivateNetworks: boolean
}

/** Report schedules: durable rows in `report_schedules`, the active set cached in every process. */
export class ScheduleService {
  private readonly activeCache: SharedCache<ScheduleRow[]>

  constructor(private readonly deps: ScheduleServiceDeps) {
    this.activeCache = new SharedCache(deps.state, { channel: 'report-schedules:invalidate', ttlMs: 60_000 })
  }

  /** Drops this process's cached active set whenever any process changes a schedule. */
  async start(): Promise<void> {
    await this.activeCache.start()
  }

  async stop(): Promise<void> {
    await this.activeCache.stop()
  }

  async create(tenantId: string, input: CreateScheduleInput): Promise<ScheduleView & { secret: string }> {
    const parsed = createScheduleInput.parse(input)
    this.checkEndpoint(parsed.endpointUrl)
    await this.checkReport(tenantId, parsed.reportId)
    const now = this.deps.clock.now()
    const id = newId()
    const secret = newWebhookSecret()
    const row = await schedulesTable.write(
      this.deps.db,
      {
        tenant_id: tenantId,
        schedule_id: id,
        report_id: parsed.reportId,
        cron: parsed.cron,
        timezone: parsed.timezone,
        format: parsed.format,
        endpoint_url: parsed.endpointUrl,
        secret_ciphertext: this.deps.secretBox.seal(secret, secretContext(tenantId, id)),
        paused: parsed.paused ? 1 : 0,
        active_since: now,
      },
      undefined,
      now,
    )
    await this.activeCache.invalidate(ACTIVE_KEY)
    return { ...toScheduleView(row, now), secret }
  }

  async list(tenantId: string): Promise<ScheduleView[]> {
    const now = this.deps.clock.now()
    return (await listSchedules(this.deps.db, tenantId)).map((row) => toScheduleView(row, now))
  }

  async get(tenantId: string, id: string): Promise<ScheduleView> {
    return toScheduleView(await this.require(tenantId, id), this.deps.clock.now())
  }

  async update(tenantId: string, id: string, input: UpdateScheduleInput): Promise<ScheduleView> {
    const changes = updateScheduleInput.parse(input)
    if (changes.endpointUrl !== undefined) this.checkEndpoint(changes.endpointUrl)
    if (changes.reportId !== undefined) await this.checkReport(tenantId, changes.reportId)
    return this.change(tenantId, id, (current, now) => {
      const next = {
        ...current,
        report_id: changes.reportId ?? current.report_id,
        cron: changes.cron ?? current.cron,
        timezone: changes.timezone ?? current.timezone,
        format: changes.format ?? current.format,
        endpoint_url: changes.endpointUrl ?? current.endpoint_url,
        paused: changes.paused === undefined ? current.paused : changes.paused ? 1 : 0,
      }
      const problem = cronProblem(next)
      if (problem)
        throw new AppError('validation_failed', problem, {
          issues: [{ path: 'body.cron', message: problem }],
        })
      const retimed = next.cron !== current.cron || next.timezone !== current.timezone
      const resumed = current.paused === 1 && next.paused === 0
      return { ...next, active_since: retimed || resumed ? now : current.active_since }
    })
  }

  /** Pausing stops future runs; resuming counts from now, so occurrences missed while paused never run. */
  setPaused(tenantId: string, id: string, paused: boolean): Promise<ScheduleView> {
    return this.update(tenantId, id, { paused })
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.locked(tenantId, id, (current, now) => schedulesTable.remove(this.deps.db, current, now))
  }

  /** Queues a manual run now, paused or not; a scheduler process picks it up. */
  async runNow(tenantId: string, id: string): Promise<RunView> {
    const schedule = await this.require(tenantId, id)
    const now = this.deps.clock.now()
    const run = queuedRun(schedule, { runId: newId(), trigger: 'manual', scheduledFor: now, now })
    await queueRun(this.deps.db, this.deps.state, run)
    return toRunView(run)
  }

  async runs(tenantId: string, id: string, limit: number): Promise<RunView[]> {
    await this.require(tenantId, id)
    return (await listRuns(this.deps.db, tenantId, id, limit)).map(toRunView)
  }

  /** Every tenant's unpaused schedules, for the scheduler's tick. */
  async active(): Promise<ScheduleRow[]> {
    return this.activeCache.getOrLoad(ACTIVE_KEY, () => listActiveSchedules(this.deps.db))
  }

  /** The schedule as stored, paused or not; undefined once deleted. */
  find(tenantId: string, id: string): Promise<ScheduleRow | undefined> {
    return findSchedule(this.deps.db, tenantId, id)
  }

  signingSecret(row: ScheduleRow): string {
    return this.deps.secretBox.open(row.secret_ciphertext, secretContext(row.tenant_id, row.schedule_id))
  }

  private async require(tenantId: string, id: string): Promise<ScheduleRow> {
    const row = await this.find(tenantId, id)
    if (!row) throw new AppError('not_found', `no report schedule "${id}"`)
    return row
  }

  /** Writes a new version of one schedule under its lock, so concurrent changes cannot interleave. */
  private async change(
    tenantId: string,
    id: string,
    apply: (current: ScheduleRow, now: number) => ScheduleRow,
  ): Promise<ScheduleView> {
    return this.locked(tenantId, id, async (current, now) => {
      const next = await schedulesTable.write(this.deps.db, apply(current, now), current, now)
      return toScheduleView(next, now)
    })
  }

  private locked<T>(tenantId: string, id: string, write: (current: ScheduleRow, now: number) => Promise<T>) {
    const busy = () => new AppError('conflict', `report schedule "${id}" is being changed by another request`)
    return withLock(
      this.deps.state,
      `report-schedule:change:${tenantId}:${id}`,
      { leaseMs: LOCK_TTL_MS, waitMs: 2_000, busy },
      async () => {
        const written = await write(await this.require(tenantId, id), this.deps.clock.now())
        await this.activeCache.invalidate(ACTIVE_KEY)
        return written
      },
    )
  }

  private checkEndpoint(endpointUrl: string): void {
    if (blockedLiteral(new URL(endpointUrl), this.deps))
      throw new AppError(
        'validation_failed',
        'the endpoint is a private, loopback or reserved address; an operator can allow these with CONNECTIONS_ALLOW_PRIVATE_NETWORKS=true',
        { issues: [{ path: 'body.endpointUrl', message: 'private address' }] },
      )
  }

  private async checkReport(tenantId: string, reportId: string): Promise<void> {
    if (!(await this.deps.reports.exists(tenantId, reportId)))
      throw new AppError('not_found', `no report "${reportId}"`)
  }
}

/** Bound into the ciphertext: a sealed secret opens only for the schedule it was stored under. */
const secretContext = (tenantId: string, id: string): string => `report-schedule:${tenantId}:${id}`
