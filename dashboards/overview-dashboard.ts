import type { ReportService } from '../reports/hub/report-service.ts'
import type { ReportSpecInput } from '../reports/hub/report-spec.ts'
import { reportSpec } from '../reports/hub/report-spec.ts'
import type { Dashboard, DashboardService, TileLayout } from './dashboard-service.ts'

export const OVERVIEW_NAME = 'Chat commerce overview'

const last30Days = { dateRange: { range: 'last_30_days' as const } }

/** The built-in dashboard: what a shop owner looks at first, one saved report per tile. */
const OVERVIEW_TILES: { spec: ReportSpecInput; layout: Pick<TileLayout, 'size' | 'position'> }[] = [
  {
    spec: {
      title: 'Chat engagement',
      family: 'engagement',
      metrics: ['opens', 'chat_sessions', 'engaged_sessions'],
      granularity: 'day',
      ...last30Days,
      visualization: 'line',
    },
    layout: { size: { width: 6, height: 4 }, position: { x: 0, y: 0 } },
  },
  {
    spec: {
      title: 'Revenue and sales',
      family: 'conversions',
      metrics: ['revenue_micros', 'conversions'],
      granularity: 'day',
      ...last30Days,
      visualization: 'line',
    },
    layout: { size: { width: 6, height: 4 }, position: { x: 6, y: 0 } },
  },
  {
    spec: {
      title: 'Attributed revenue by flow',
      family: 'attribution',
      metrics: ['attributed_revenue_micros', 'attributed_conversions', 'direct_conversions'],
      dimensions: ['flow'],
      granularity: 'total',
      ...last30Days,
      options: { model: 'last_touch' },
      sort: [{ by: 'attributed_revenue_micros', direction: 'desc' }],
      visualization: 'bar',
    },
    layout: { size: { width: 6, height: 4 }, position: { x: 0, y: 4 } },
  },
  {
    spec: {
      title: 'Engaged vs other visitors',
      family: 'attribution',
      metrics: ['visitors', 'visitor_conversion_rate', 'engagement_uplift'],
      dimensions: ['visitor_engagement'],
      granularity: 'total',
      ...last30Days,
      visualization: 'table',
    },
    layout: { size: { width: 6, height: 4 }, position: { x: 6, y: 4 } },
  },
  {
    spec: {
      title: 'LLM spend by model',
      family: 'token_spend',
      metrics: ['cost_micros', 'total_tokens', 'cost_per_conversation_micros'],
      dimensions: ['model'],
      granularity: 'day',
      ...last30Days,
      visualization: 'line',
    },
    layout: { size: { width: 12, height: 4 }, position: { x: 0, y: 8 } },
  },
]

/**
 * Installs the overview dashboard for a tenant (its reports saved and pinned) in `timezone`, or returns
 * the one already installed: installing twice changes nothing.
 */
export async function installOverviewDashboard(
  deps: { dashboards: DashboardService; reports: ReportService },
  tenantId: string,
  timezone = 'UTC',
): Promise<Dashboard> {
  const existing = (await deps.dashboards.list(tenantId)).find((board) => board.name === OVERVIEW_NAME)
  if (existing) return existing
  const board = await deps.dashboards.create(tenantId, {
    name: OVERVIEW_NAME,
    description: 'Engagement, sales, chat-to-sale attribution and LLM spend over the last 30 days',
  })
  for (const { spec, layout } of OVERVIEW_TILES) {
    const report = await deps.reports.create(tenantId, reportSpec.parse({ ...spec, timezone }))
    await deps.dashboards.pin(tenantId, board.dashboardId, { reportId: report.reportId, ...layout })
  }
  return board
}
