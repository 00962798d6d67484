import type { Tables } from '../platform/clickhouse/db.ts'
import { systemClock } from '../platform/clock.ts'
import type { Platform } from '../platform/create-platform.ts'
import { attributionFamily } from './families/attribution.ts'
import { conversionsFamily } from './families/conversions.ts'
import { engagementFamily } from './families/engagement.ts'
import { goalsFamily } from './families/goals.ts'
import { tokenSpendFamily } from './families/token-spend.ts'
import { usageFamily } from './families/usage.ts'
import { goalRoutes } from './goals/goal.routes.ts'
import { GoalService } from './goals/goal-service.ts'
import { reportRoutes } from './hub/report.routes.ts'
import { createReportOperator, type ReportOperator, reportOperatorRoutes } from './hub/report-operator.ts'
import { ReportService } from './hub/report-service.ts'
import { savedReportRunner } from './hub/saved-report-runner.ts'
import { createReportSchedules, type ReportSchedules } from './schedule/create-report-schedules.ts'
import { analyticsRoutes } from './semantic/analytics.routes.ts'
import type { MetricFamily } from './semantic/metric-family.ts'

export interface Reports {
  /** Every metric family of the semantic layer, by name. */
  families: Map<string, MetricFamily<never>>
  reports: ReportService
  /** What the CLI asks of reports (`report:run`). */
  operator: ReportOperator
  schedules: ReportSchedules
}

/**
 * The semantic layer's families; each one answers `GET /v1/analytics/<name>` and report specs. Families
 * name their tables, so they are built from the platform's `db.tables` (the database is configured).
 * Each family's options type is erased here; the routes and report specs validate options with its schema.
 */
const FAMILIES = (tables: Tables) =>
  [
    tokenSpendFamily(tables),
    engagementFamily(tables),
    goalsFamily(tables),
    conversionsFamily(tables),
    attributionFamily(tables),
    usageFamily(tables),
  ] as MetricFamily<never>[]

/**
 * Wires analytics onto the platform: the analytics, saved-report, goal and schedule routes for the
 * `api` role, and the report scheduler for the `scheduler` role.
 */
export async function createReports(platform: Platform): Promise<Reports> {
  const { config, db, server, tenancy } = platform
  const families = FAMILIES(db.tables)
  const byName = new Map(families.map((family) => [family.name, family]))
  const reports = new ReportService(db, byName, systemClock)
  const goals = new GoalService(db, platform.state)
  await goals.start()
  platform.onClose(() => goals.stop())
  if (config.roles.includes('api')) {
    await server.register(analyticsRoutes({ db, tenancy, clock: systemClock, families }), {
      prefix: '/v1/analytics',
    })
    await server.register(reportRoutes(reports, tenancy), { prefix: '/v1/admin' })
    await server.register(reportOperatorRoutes(reports, tenancy, platform.operatorToken), {
      prefix: '/v1/operator',
    })
    await server.register(goalRoutes(goals, tenancy), { prefix: '/v1/admin' })
  }
  const schedules = await createReportSchedules(platform, savedReportRunner(reports))
  return { families: byName, reports, operator: createReportOperator(reports, tenancy), schedules }
}
