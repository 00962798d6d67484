import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface GoalRow extends VersionedRow {
  tenant_id: string
  goal_id: string
  name: string
  kind: string
  event_type: string
  filter_properties: string[]
  filter_ops: string[]
  filter_values: string[]
  url_patterns: string[]
  url_like: string[]
  min_value_micros: number | string
  currency: string
}

export const goalsTable = controlTable<GoalRow>({
  table: 'goals',
  columns: [
    'tenant_id',
    'goal_id',
    'name',
    'kind',
    'event_type',
    'filter_properties',
    'filter_ops',
    'filter_values',
    'url_patterns',
    'url_like',
    'min_value_micros',
    'currency',
  ],
  deletable: true,
})

export function findGoal(db: Db, tenantId: string, goalId: string): Promise<GoalRow | undefined> {
  return goalsTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND goal_id = {goalId:String}', {
    tenantId,
    goalId,
  })
}

export function listGoals(db: Db, tenantId: string): Promise<GoalRow[]> {
  return goalsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'created_at, goal_id')
}
