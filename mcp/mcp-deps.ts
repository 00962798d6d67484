import type { DashboardService } from '../dashboards/dashboard-service.ts'
import type { ConnectionService } from '../engine/connections/connection-service.ts'
import type { FlowService } from '../engine/flows/flow-service.ts'
import type { Db } from '../platform/clickhouse/db.ts'
import type { Clock } from '../platform/clock.ts'
import type { Logger } from '../platform/log/logger.ts'
import type { SecretKeyScope } from '../platform/tenancy/tenancy-schemas.ts'
import type { AnalystQueryService } from '../reports/analyst-sql/analyst-query-service.ts'
import type { ReportService } from '../reports/hub/report-service.ts'
import type { ScheduleService } from '../reports/schedule/schedule-service.ts'

/** The services the MCP tools adapt: the same instances the REST routes use, built by createApp. */
export interface McpDeps {
  db: Db
  clock: Clock
  logger: Logger
  flows: FlowService
  connections: ConnectionService
  reports: ReportService
  schedules: ScheduleService
  dashboards: DashboardService
  /** Read-only SQL over the analyst schema (reports/analyst-sql). */
  analystSql: AnalystQueryService
  /** CHAT_MAX_STEPS_PER_TURN, for flow test runs. */
  maxStepsPerTurn: number
  /** CONNECTIONS_ALLOW_PRIVATE_NETWORKS, for the connection test call. */
  allowPrivateNetworks: boolean
  /** The API's base URL, for download links (export_report). */
  baseUrl: () => string
}

/** Who is calling: the tenant and key the credential named, its scopes, and the transport it came over. */
export interface McpCaller {
  tenantId: string
  keyId: string
  scopes: readonly SecretKeyScope[]
  transport: 'http' | 'stdio'
}
