import { controlTable, type VersionedRow } from '../platform/clickhouse/control-table.ts'
import type { Db } from '../platform/clickhouse/db.ts'

export interface DashboardRow extends VersionedRow {
  tenant_id: string
  dashboard_id: string
  name: string
  description: string
}

export interface TileRow extends VersionedRow {
  tenant_id: string
  dashboard_id: string
  tile_id: string
  report_id: string
  visualization: string
  width: number
  height: number
  x: number
  y: number
}

export const dashboardsTable = controlTable<DashboardRow>({
  table: 'dashboards',
  columns: ['tenant_id', 'dashboard_id', 'name', 'description'],
  deletable: true,
})

export const tilesTable = controlTable<TileRow>({
  table: 'dashboard_tiles',
  columns: [
    'tenant_id',
    'dashboard_id',
    'tile_id',
    'report_id',
    'visualization',
    'width',
    'height',
    'x',
    'y',
  ],
  deletable: true,
})

export function findDashboard(
  db: Db,
  tenantId: string,
  dashboardId: string,
): Promise<DashboardRow | undefined> {
  return dashboardsTable.selectOne(
    db,
    'tenant_id = {tenantId:UUID} AND dashboard_id = {dashboardId:String}',
    {
      tenantId,
      dashboardId,
    },
  )
}

export function listDashboards(db: Db, tenantId: string): Promise<DashboardRow[]> {
  return dashboardsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'name, dashboard_id')
}

/** A dashboard's tiles in reading order: top to bottom, left to right. */
export function listTiles(db: Db, tenantId: string, dashboardId: string): Promise<TileRow[]> {
  return tilesTable.select(
    db,
    'tenant_id = {tenantId:UUID} AND dashboard_id = {dashboardId:String}',
    { tenantId, dashboardId },
    'y, x, tile_id',
  )
}
