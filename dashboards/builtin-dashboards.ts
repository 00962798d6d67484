import type { ReportService } from '../reports/hub/report-service.ts'
import { type ReportSpecInput, reportSpec } from '../reports/hub/report-spec.ts'
import type { Dashboard, DashboardService, TileLayout } from './dashboard-service.ts'

type BuiltinTile = { spec: ReportSpecInput; layout: Pick<TileLayout, 'size' | 'position'> }
interface BuiltinDashboard {
  name: string
  description: string
  tiles: BuiltinTile[]
}

const last30Days = { dateRange: { range: 'last_30_days' as const } }
const at = (x: number, y: number, width = 6, height = 4) => ({ size: { width, height }, position: { x, y } })

/** The built-in dashboards besides the overview, by key; each tile a saved report the user can edit. */
export const BUILTIN_DASHBOARDS: Record<string, BuiltinDashboard> = {
  goals: {
    name: 'Goals & conversions',
    description: 'Goal completions and conversion rate, sales and revenue over the last 30 days',
    tiles: [
      {
        spec: {
          title: 'Goal completions',
          family: 'goals',
          metrics: ['completions', 'conversion_rate'],
          dimensions: ['goal'],
          granularity: 'total',
          ...last30Days,
          compareToPreviousPeriod: true,
          visualization: 'bar',
        },
        layout: at(0, 0),
      },
      {
        spec: {
          title: 'Sales and conversion rate',
          family: 'conversions',
          metrics: ['conversions', 'revenue_micros', 'conversion_rate'],
          granularity: 'total',
          ...last30Days,
          compareToPreviousPeriod: true,
          visualization: 'kpi',
        },
        layout: at(6, 0),
      },
      {
        spec: {
          title: 'Revenue by day',
          family: 'conversions',
          metrics: ['revenue_micros'],
          granularity: 'day',
          ...last30Days,
          visualization: 'line',
        },
        layout: at(0, 4, 12),
      },
    ],
  },
  engagement: {
    name: 'Chat engagement',
    description: 'Opens, sessions, engagement, flow completion and the per-block funnel',
    tiles: [
      {
        spec: {
          title: 'Engagement',
          family: 'engagement',
          metrics: ['opens', 'chat_sessions', 'engaged_sessions', 'engagement_rate'],
          granularity: 'total',
          ...last30Days,
          compareToPreviousPeriod: true,
          visualization: 'kpi',
        },
        layout: at(0, 0, 12, 2),
      },
      {
        spec: {
          title: 'Sessions by day',
          family: 'engagement',
          metrics: ['chat_sessions', 'engaged_sessions'],
          granularity: 'day',
          ...last30Days,
          visualization: 'line',
        },
        layout: at(0, 2),
      },
      {
        spec: {
          title: 'Flow completion by flow',
          family: 'engagement',
          metrics: ['intent_triggers', 'flow_completions', 'flow_completion_rate'],
          dimensions: ['flow'],
          granularity: 'total',
          ...last30Days,
          visualization: 'table',
        },
        layout: at(6, 2),
      },
      {
        spec: {
          title: 'Per-block funnel',
          family: 'engagement',
          metrics: ['block_reached'],
          dimensions: ['block'],
          granularity: 'total',
          ...last30Days,
          sort: [{ by: 'block_reached', direction: 'desc' }],
          limit: 12,
          visualization: 'bar',
        },
        layout: at(0, 6, 12),
      },
    ],
  },
  token_spend: {
    name: 'Token spend',
    description: 'LLM cost and tokens by model and flow, and cost per conversation (USD)',
    tiles: [
      {
        spec: {
          title: 'LLM spend',
          family: 'token_spend',
          metrics: ['cost_micros', 'total_tokens', 'cost_per_conversation_micros'],
          granularity: 'total',
          ...last30Days,
          compareToPreviousPeriod: true,
          visualization: 'kpi',
        },
        layout: at(0, 0, 12, 2),
      },
      {
        spec: {
          title: 'Cost by model',
          family: 'token_spend',
          metrics: ['cost_micros'],
          dimensions: ['model'],
          granularity: 'day',
          ...last30Days,
          visualization: 'line',
        },
        layout: at(0, 2),
      },
      {
        spec: {
          title: 'Cost by flow',
          family: 'token_spend',
          metrics: ['cost_micros', 'conversations', 'cost_per_conversation_micros'],
          dimensions: ['flow'],
          granularity: 'total',
          ...last30Days,
          visualization: 'table',
        },
        layout: at(6, 2),
      },
    ],
  },
  attribution: {
    name: 'Attribution',
    description:
      'Attributed sales (direct vs assisted), engaged vs other visitors, LLM cost per attributed sale',
    tiles: [
      {
        spec: {
          title: 'Attributed sales',
          family: 'attribution',
          metrics: [
            'attributed_conversions',
            'attributed_revenue_micros',
            'direct_conversions',
            'assisted_conversions',
          ],
          granularity: 'total',
          ...last30Days,
          options: { model: 'last_touch' },
          visualization: 'kpi',
        },
        layout: at(0, 0, 12, 2),
      },
      {
        spec: {
          title: 'Direct vs assisted by flow',
          family: 'attribution',
          metrics: ['direct_conversions', 'assisted_conversions'],
          dimensions: ['flow'],
          granularity: 'total',
          ...last30Days,
          options: { model: 'last_touch' },
          visualization: 'bar',
        },
        layout: at(0, 2),
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
        layout: at(6, 2),
      },
      {
        spec: {
          title: 'LLM cost per attributed sale',
          family: 'attribution',
          metrics: ['llm_cost_micros', 'llm_cost_per_attributed_sale_micros'],
          granularity: 'total',
          ...last30Days,
          options: { model: 'last_touch' },
          visualization: 'kpi',
        },
        layout: at(0, 6, 12, 2),
      },
    ],
  },
  roi: {
    name: 'Chat ROI per flow',
    description:
      'Attributed revenue against LLM spend for each flow (revenue in its currency, LLM cost in USD)',
    tiles: [
      {
        spec: {
          title: 'Attributed revenue and LLM spend by flow',
          family: 'attribution',
          metrics: ['attributed_revenue_micros', 'llm_cost_micros'],
          dimensions: ['flow'],
          granularity: 'total',
          ...last30Days,
          options: { model: 'last_touch' },
          sort: [{ by: 'attributed_revenue_micros', direction: 'desc' }],
          visualization: 'table',
        },
        layout: at(0, 0, 12),
      },
    ],
  },
}

/** Installs a built-in dashboard for a tenant, or returns the one already installed under its name. */
export async function installBuiltinDashboard(
  deps: { dashboards: DashboardService; reports: ReportService },
  tenantId: string,
  key: string,
  timezone = 'UTC',
): Promise<Dashboard | undefined> {
  const builtin = Object.hasOwn(BUILTIN_DASHBOARDS, key) ? BUILTIN_DASHBOARDS[key] : undefined
  if (!builtin) return undefined
  const existing = (await deps.dashboards.list(tenantId)).find((board) => board.name === builtin.name)
  if (existing) return existing
  const board = await deps.dashboards.create(tenantId, {
    name: builtin.name,
    description: builtin.description,
  })
  for (const { spec, layout } of builtin.tiles) {
    const report = await deps.reports.create(tenantId, reportSpec.parse({ ...spec, timezone }))
    await deps.dashboards.pin(tenantId, board.dashboardId, { reportId: report.reportId, ...layout })
  }
  return board
}
