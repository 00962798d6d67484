import type { Db } from '../../platform/clickhouse/db.ts'

export interface GoalRow {
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
  created_at: string
  updated_at: string
}

const COLUMNS = `tenant_id, goal_id, name, kind, event_type, filter_properties, filter_ops, filter_values,
  url_patterns, url_like, min_value_micros, currency, created_at, updated_at`

export async function findGoal(db: Db, tenantId: string, goalId: string): Promise<GoalRow | undefined> {
  const rows = await db.select<GoalRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.goals} FINAL
     WHERE tenant_id = {tenantId:UUID} AND goal_id = {goalId:String} AND deleted = 0 LIMIT 1`,
    { tenantId, goalId },
  )
  return rows[0]
}

export async function listGoals(db: Db, tenantId: string): Promise<GoalRow[]> {
  return db.select<GoalRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.goals} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ORDER BY created_at, goal_id`,
    { tenantId },
  )
}
