import type { DemoOperator } from '../demo/demo-operator.ts'
import type { FlowOperator } from '../engine/flows/flow-operator.ts'
import type { CostBackfillOperator } from '../engine/llm/cost-backfill-operator.ts'
import type { OperatorApi } from '../platform/tenancy/operator-api.ts'
import type { AnalystOperator } from '../reports/analyst-sql/analyst-operator.ts'
import type { ReportOperator } from '../reports/hub/report-operator.ts'

/** Everything the CLI can ask of an installation. */
export type CliOperator = OperatorApi &
  FlowOperator &
  DemoOperator &
  CostBackfillOperator &
  ReportOperator &
  AnalystOperator
