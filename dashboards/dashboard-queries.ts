import type { Db } from '../platform/clickhouse/db.ts'

export interface DashboardRow {
  dashboard_id: string
  name: string
  description: string
  created_at: string
  updated_at: string
}

export interface TileRow {
  tile_id: string
  report_id: string
  visualization: string
  width: number
  height: number
  x: number
  y: number
  created_at: string
  updated_at: string
}

/** New versions (times in epoch ms; `deleted` = 1 removes). */
export type DashboardVersion = Omit<DashboardRow, 'created_at' | 'updated_at'> & {
  tenant_id: string
  created_at: number
  updated_at: number
  deleted: 0 | 1
}
export type TileVersion = Omit<TileRow, 'created_at' | 'updated_at'> & {
  tenant_id: string
  dashboard_id: string
  created_at: number
  updated_at: number
  deleted: 0 | 1
}

const DASHBOARD_COLUMNS = 'dashboard_id, name, description, created_at, updated_at'
const TILE_COLUMNS = 'tile_id, report_id, visualization, width, height, x, y, created_at, updated_at'

export async function findDashboard(db: Db, tenantId: string, dashboardId: string) {
  const rows = await db.select<DashboardRow>(
    `SELECT ${DASHBOARD_COLUMNS} FROM ${db.tables.dashboards} FINAL
     WHERE tenant_id = {tenantId:UUID} AND dashboard_id = {dashboardId:String} AND deleted = 0 LIMIT 1`,
    { tenantId, dashboardId },
  )
  return rows[0]
}

export async function listDashboards(db: Db, tenantId: string): Promise<DashboardRow[]> {
  return db.select<DashboardRow>(
    `SELECT ${DASHBOARD_COLUMNS} FROM ${db.tables.dashboards} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ORDER BY name, dashboard_id`,
    { tenantId },
  )
}

/** A dashboard's tiles in reading order: top to bottom, left to right. */
export async function listTiles(db: Db, tenantId: string, dashboardId: string): Promise<TileRow[]> {
  return db.select<TileRow>(
    `SELECT ${TILE_COLUMNS} FROM ${db.tables.dashboard_tiles} FINAL
     WHERE tenant_id = {tenantId:UUID} AND dashboard_id = {dashboardId:String} AND deleted = 0
     ORDER BY y, x, tile_id`,
    { tenantId, dashboardId },
  )
}

export async function writeDashboard(db: Db, row: DashboardVersion): Promise<void> {
  await db.insert('dashboards', [row])
}

export async function writeTile(db: Db, row: TileVersion): Promise<void> {
  await db.insert('dashboard_tiles', [row])
}
