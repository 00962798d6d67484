import { z } from 'zod'
import { ATTRIBUTION_MODELS } from '../../reports/families/attribution-credits.ts'
import type { ReportService } from '../../reports/hub/report-service.ts'
import { reportSpec } from '../../reports/hub/report-spec.ts'
import { GRANULARITIES, RELATIVE_RANGES } from '../../reports/semantic/analytics-window.ts'
import type { MetricFamily } from '../../reports/semantic/metric-family.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import type { McpDeps } from '../mcp-deps.ts'
import { compact, compactResult, summarize } from './analytics-result-output.ts'

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false }
const boundary = z.union([z.iso.date(), z.iso.datetime({ offset: true })])

/** The window every analytics shortcut takes; left out, the last 7 days in UTC as one total. */
const windowFields = {
  range: z
    .enum(RELATIVE_RANGES)
    .optional()
    .describe('A relative range (default last_7_days); or give from and to'),
  from: boundary.optional().describe('Start: a date (inclusive, in `timezone`) or an ISO instant'),
  to: boundary.optional().describe('End: a date (inclusive, in `timezone`) or an ISO instant (exclusive)'),
  timezone: z.string().default('UTC').describe('IANA timezone days and weeks are cut in'),
  granularity: z
    .enum(GRANULARITIES)
    .default('total')
    .describe('Buckets of the rows; `total` gives one row per group'),
  compareToPreviousPeriod: z.boolean().default(false).describe('Also return the period just before'),
  filters: z
    .record(z.string(), z.array(z.string()).min(1))
    .default({})
    .describe('Dimension -> allowed values, e.g. { "flow": ["<flowId>"] }'),
  limit: z.number().int().min(1).max(10_000).optional().describe('At most this many rows'),
}

type WindowArgs = z.output<z.ZodObject<typeof windowFields>>

interface Shortcut {
  name: string
  title: string
  description: string
  family: string
  metrics: string[]
  groupBy: string[]
  /** Family options the tool exposes (attribution's model, lookback, half-life). */
  options?: z.ZodRawShape
}

/** A tool for one family: its metrics and dimensions are enums the model can read, the rest is a spec. */
function familyTool(reports: ReportService, shortcut: Shortcut): AnyTool {
  const family = reports.families.get(shortcut.family) as MetricFamily<never> | undefined
  if (!family) throw new Error(`no metric family ${shortcut.family}`)
  const metricNames = Object.keys(family.metrics) as [string, ...string[]]
  const dimensionNames = Object.keys(family.dimensions) as [string, ...string[]]
  const input = z.strictObject({
    metrics: z
      .array(z.enum(metricNames))
      .min(1)
      .max(20)
      .default(shortcut.metrics)
      .describe(
        `Metrics: ${metricNames.map((name) => `${name} (${family.metrics[name]?.description})`).join('; ')}`,
      ),
    groupBy: z
      .array(z.enum(dimensionNames))
      .max(5)
      .default(shortcut.groupBy)
      .describe(`Dimensions: ${dimensionNames.join(', ')}`),
    ...windowFields,
    ...shortcut.options,
  })
  return defineTool({
    name: shortcut.name,
    title: shortcut.title,
    description: `${shortcut.description} Same numbers as GET /v1/analytics/${family.name.replaceAll('_', '-')}. Money is integer micros per currency.`,
    scope: 'analyst',
    annotations: readOnly,
    input,
    output: compactResult,
    async run(args, caller) {
      const { metrics, groupBy, ...rest } = args as { metrics: string[]; groupBy: string[] } & WindowArgs &
        Record<string, unknown>
      const { range, from, to, timezone, granularity, compareToPreviousPeriod, filters, limit, ...options } =
        rest
      const spec = reportSpec.parse({
        title: shortcut.title,
        family: family.name,
        metrics,
        dimensions: groupBy,
        filters,
        dateRange: from !== undefined || to !== undefined ? { from, to } : { range: range ?? 'last_7_days' },
        granularity,
        timezone,
        compareToPreviousPeriod,
        options,
        ...(limit === undefined ? {} : { limit }),
        visualization: 'table',
      })
      const { result } = await reports.run(caller.tenantId, { spec })
      return { data: compact(result), summary: summarize(result) }
    },
  })
}

/** The semantic layer as tools: its catalog, any ReportSpec, and shortcuts for the common questions. */
export function analyticsTools({ reports }: Pick<McpDeps, 'reports'>): AnyTool[] {
  return [
    defineTool({
      name: 'list_metric_families',
      title: 'List metric families',
      description:
        'The analytics catalog: each metric family with its metrics (label, format, meaning), dimensions and options. Read this before run_report to know which names exist.',
      scope: 'analyst',
      annotations: readOnly,
      input: z.strictObject({}),
      output: z.object({
        families: z.array(
          z.object({
            name: z.string(),
            description: z.string(),
            metrics: z.array(
              z.object({ name: z.string(), label: z.string(), format: z.string(), description: z.string() }),
            ),
            dimensions: z.array(z.object({ name: z.string(), label: z.string(), description: z.string() })),
            options: z.record(z.string(), z.unknown()).describe('JSON Schema of the family options'),
          }),
        ),
      }),
      async run() {
        const families = metricCatalog(reports)
        return {
          data: { families },
          summary: `${families.length} families: ${families.map((f) => f.name).join(', ')}`,
        }
      },
    }),
    defineTool({
      name: 'run_report',
      title: 'Run a report spec',
      description:
        'Runs any ReportSpec (family, metrics, dimensions, filters, dateRange, granularity, timezone, compareToPreviousPeriod, options, sort, limit) without saving it, like POST /v1/admin/reports/preview. Unknown names are refused with the valid ones listed.',
      scope: 'analyst',
      annotations: readOnly,
      input: z.strictObject({ spec: reportSpec }),
      output: compactResult,
      async run({ spec }, caller) {
        const { result } = await reports.run(caller.tenantId, { spec })
        return { data: compact(result), summary: summarize(result) }
      },
    }),
    familyTool(reports, {
      name: 'attribution',
      title: 'Chat-to-sale attribution',
      description:
        'Conversions and revenue credited to chat sessions (identity-resolved touches within the lookback), by flow, intent, quick question or widget key, under an attribution model.',
      family: 'attribution',
      metrics: [
        'attributed_conversions',
        'attributed_revenue_micros',
        'direct_conversions',
        'assisted_conversions',
      ],
      groupBy: ['flow'],
      options: {
        model: z
          .enum(ATTRIBUTION_MODELS)
          .default('last_touch')
          .describe('How a conversion is credited across touches'),
        lookback_days: z
          .number()
          .int()
          .min(1)
          .max(90)
          .default(7)
          .describe('Touches count up to this many days before'),
        half_life_days: z
          .number()
          .positive()
          .max(90)
          .default(7)
          .describe('time_decay only: half-life in days'),
      },
    }),
    familyTool(reports, {
      name: 'token_spend',
      title: 'LLM token spend',
      description:
        'LLM calls, tokens and cost (provider cost or the price in effect), by model, provider, flow, intent or widget key.',
      family: 'token_spend',
      metrics: ['calls', 'total_tokens', 'cost_micros', 'cost_per_conversation_micros'],
      groupBy: ['model'],
    }),
    familyTool(reports, {
      name: 'engagement_funnel',
      title: 'Engagement funnel per flow',
      description:
        'The chat funnel: sessions, engaged sessions, intent triggers, completions and failure/abort rates per flow; group by block for drop-off per node.',
      family: 'engagement',
      metrics: [
        'chat_sessions',
        'engaged_sessions',
        'intent_triggers',
        'flow_completions',
        'flow_completion_rate',
        'abort_rate',
        'failure_rate',
      ],
      groupBy: ['flow'],
    }),
    familyTool(reports, {
      name: 'conversions',
      title: 'Conversions',
      description:
        'Conversions, refunds, revenue, average order value and conversion rate, by widget key, source or currency.',
      family: 'conversions',
      metrics: ['conversions', 'revenue_micros', 'average_order_value_micros', 'conversion_rate'],
      groupBy: [],
    }),
  ]
}

/** Families, metrics, dimensions and option schemas: the list_metric_families tool and the metrics resource. */
export function metricCatalog(reports: Pick<ReportService, 'families'>) {
  return [...reports.families.values()].map((family) => ({
    name: family.name,
    description: family.description,
    metrics: Object.entries(family.metrics).map(([name, metric]) => ({ name, ...metric })),
    dimensions: Object.entries(family.dimensions).map(([name, dimension]) => ({ name, ...dimension })),
    options: z.toJSONSchema(family.options as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  }))
}
