import type { Db } from '../platform/clickhouse/db.ts'
import type { Clock } from '../platform/clock.ts'
import { AppError } from '../platform/errors/catalog.ts'
import { newId } from '../platform/ids.ts'
import type { ReportService } from '../reports/hub/report-service.ts'
import type { ReportSpec } from '../reports/hub/report-spec.ts'
import type { AnalyticsResult } from '../reports/semantic/analytics-result.ts'
import {
  type DashboardRow,
  dashboardsTable,
  findDashboard,
  listDashboards,
  listTiles,
  type TileRow,
  tilesTable,
} from './dashboard-queries.ts'

/** Tiles sit on a grid this many columns wide. */
export const GRID_COLUMNS = 12

export interface Dashboard {
  dashboardId: string
  name: string
  description: string
  createdAt: string
  updatedAt: string
}

export interface TileLayout {
  visualization: ReportSpec['visualization']
  size: { width: number; height: number }
  position: { x: number; y: number }
}

export interface Tile extends TileLayout {
  tileId: string
  reportId: string
}

export type RenderedTile = Tile & { title: string } & (
    | { data: AnalyticsResult }
    | { error: { code: string; message: string } }
  )

/** Dashboards and the saved reports pinned to them as tiles. */
export class DashboardService {
  constructor(
    private readonly db: Db,
    private readonly reports: ReportService,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, input: { name: string; description?: string }): Promise<Dashboard> {
    const row = await dashboardsTable.write(
      this.db,
      { tenant_id: tenantId, dashboard_id: newId(), name: input.name, description: input.description ?? '' },
      undefined,
      this.clock.now(),
    )
    return toDashboard(row)
  }

  async list(tenantId: string): Promise<Dashboard[]> {
    return (await listDashboards(this.db, tenantId)).map(toDashboard)
  }

  async get(tenantId: string, dashboardId: string): Promise<Dashboard> {
    return toDashboard(await this.require(tenantId, dashboardId))
  }

  async delete(tenantId: string, dashboardId: string): Promise<void> {
    await dashboardsTable.remove(this.db, await this.require(tenantId, dashboardId), this.clock.now())
  }

  async tiles(tenantId: string, dashboardId: string): Promise<Tile[]> {
    await this.get(tenantId, dashboardId)
    return (await listTiles(this.db, tenantId, dashboardId)).map(toTile)
  }

  /** Pins a saved report; without a position the tile goes on a new row below the others. */
  async pin(
    tenantId: string,
    dashboardId: string,
    input: { reportId: string } & Partial<TileLayout>,
  ): Promise<Tile> {
    const [tiles, report] = await Promise.all([
      this.tiles(tenantId, dashboardId),
      this.reports.get(tenantId, input.reportId),
    ])
    const size = input.size ?? { width: 6, height: 4 }
    const position = input.position ?? {
      x: 0,
      y: Math.max(0, ...tiles.map((t) => t.position.y + t.size.height)),
    }
    const tile: Tile = {
      tileId: newId(),
      reportId: input.reportId,
      visualization: input.visualization ?? report.spec.visualization,
      size,
      position,
    }
    checkFits(tile)
    await tilesTable.write(this.db, toTileRow(tenantId, dashboardId, tile), undefined, this.clock.now())
    return tile
  }

  async updateTile(
    tenantId: string,
    dashboardId: string,
    tileId: string,
    input: Partial<TileLayout>,
  ): Promise<Tile> {
    const { tile, row } = await this.findTile(tenantId, dashboardId, tileId)
    const updated = { ...tile, ...input }
    checkFits(updated)
    await tilesTable.write(this.db, toTileRow(tenantId, dashboardId, updated), row, this.clock.now())
    return updated
  }

  async unpin(tenantId: string, dashboardId: string, tileId: string): Promise<void> {
    const { row } = await this.findTile(tenantId, dashboardId, tileId)
    await tilesTable.remove(this.db, row, this.clock.now())
  }

  /** The dashboard with every tile's data, ready to draw; a tile whose report fails carries its error. */
  async render(
    tenantId: string,
    dashboardId: string,
    view: DashboardView = {},
  ): Promise<{ dashboard: Dashboard; tiles: RenderedTile[] }> {
    const [dashboard, tiles] = await Promise.all([
      this.get(tenantId, dashboardId),
      this.tiles(tenantId, dashboardId),
    ])
    // Tiles side by side: the dashboard waits for its slowest tile, not for the sum of them.
    return { dashboard, tiles: await Promise.all(tiles.map((tile) => this.renderTile(tenantId, tile, view))) }
  }

  private async renderTile(tenantId: string, tile: Tile, view: DashboardView): Promise<RenderedTile> {
    try {
      const ref = { reportId: tile.reportId }
      const { spec, result } =
        view.dateRange || view.timezone || view.attributionModel
          ? await this.reports.run(tenantId, {
              spec: withView(await this.reports.specOf(tenantId, ref), view),
            })
          : await this.reports.run(tenantId, ref)
      return { ...tile, title: spec.title, data: result }
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      return { ...tile, title: '', error: { code: error.code, message: error.message } }
    }
  }

  private async findTile(tenantId: string, dashboardId: string, tileId: string) {
    const row = (await listTiles(this.db, tenantId, dashboardId)).find((entry) => entry.tile_id === tileId)
    if (!row) throw new AppError('not_found', `no tile ${tileId} on dashboard ${dashboardId}`)
    return { tile: toTile(row), row }
  }

  private async require(tenantId: string, dashboardId: string): Promise<DashboardRow> {
    const row = await findDashboard(this.db, tenantId, dashboardId)
    if (!row) throw new AppError('not_found', `no dashboard ${dashboardId}`)
    return row
  }
}

function checkFits(tile: Tile): void {
  if (tile.position.x + tile.size.width > GRID_COLUMNS) {
    throw new AppError(
      'validation_failed',
      `the tile overflows the ${GRID_COLUMNS}-column grid (x + width > ${GRID_COLUMNS})`,
      {
        field: 'position.x',
      },
    )
  }
}

const toDashboard = (row: DashboardRow): Dashboard => ({
  dashboardId: row.dashboard_id,
  name: row.name,
  description: row.description,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
})

const toTileRow = (tenantId: string, dashboardId: string, tile: Tile) => ({
  tenant_id: tenantId,
  dashboard_id: dashboardId,
  tile_id: tile.tileId,
  report_id: tile.reportId,
  visualization: tile.visualization,
  width: tile.size.width,
  height: tile.size.height,
  x: tile.position.x,
  y: tile.position.y,
})

const toTile = (row: TileRow): Tile => ({
  tileId: row.tile_id,
  reportId: row.report_id,
  visualization: row.visualization as Tile['visualization'],
  size: { width: Number(row.width), height: Number(row.height) },
  position: { x: Number(row.x), y: Number(row.y) },
})

/** A dashboard-wide date range and timezone, applied to every tile instead of its report's own. */
export interface DashboardView {
  dateRange?: ReportSpec['dateRange']
  timezone?: string
  /** The attribution model of every attribution tile (the dashboard's model switcher). */
  attributionModel?: string
}

function withView(spec: ReportSpec, view: DashboardView): ReportSpec {
  const options =
    view.attributionModel && spec.family === 'attribution'
      ? { ...spec.options, model: view.attributionModel }
      : spec.options
  return {
    ...spec,
    dateRange: view.dateRange ?? spec.dateRange,
    timezone: view.timezone ?? spec.timezone,
    options,
  }
}
