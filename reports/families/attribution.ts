import { z } from 'zod'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { groupingSql } from '../semantic/grouping-sets.ts'
import type { DimensionDef, FamilyQuery, MetricDef, MetricFamily } from '../semantic/metric-family.ts'
import { bucketSql } from '../semantic/time-bucket.ts'
import {
  ATTRIBUTION_MODELS,
  creditCtes,
  creditRowsCtes,
  TIME_TO_CONVERT_BUCKETS,
} from './attribution-credits.ts'
import { identityCtes } from './attribution-identity.ts'
import { LLM_COST_METRICS, llmCostCtes } from './attribution-llm-cost.ts'
import {
  countedTouchesCte,
  ENGAGEMENT_KINDS,
  engagedSessionsCte,
  engagementEventTypes,
  saleLinesCte,
  windowConversionsCte,
} from './attribution-touches.ts'
import { VISITOR_METRICS, visitorCtes } from './attribution-visitors.ts'

const DAY_MS = 86_400_000

const engagedBy = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(',')).map((kind) => kind.trim()).filter(Boolean),
  )
  .pipe(z.array(z.enum(ENGAGEMENT_KINDS)).min(1))
  .default([...ENGAGEMENT_KINDS])
  .describe(
    'Comma-separated interactions that make a chat session engaged (a touch): message, quick_question, form. Default all three, the chat_sessions.engaged definition',
  )

export const attributionOptions = z.object({
  model: z
    .enum(ATTRIBUTION_MODELS)
    .default('last_touch')
    .describe('How a conversion is credited across its touches'),
  lookback_days: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(7)
    .describe('Touches count up to this many days before the conversion (1-90)'),
  half_life_days: z.coerce
    .number()
    .positive()
    .max(90)
    .default(7)
    .describe('time_decay: a touch this many days older gets half the weight'),
  engaged_by: engagedBy,
})
export type AttributionOptions = z.output<typeof attributionOptions>

/** The relations a query can ask about; the credits' dimensions also cut the LLM cost of the touching chats. */
type Shape = 'credits' | 'llm_cost' | 'visitors'
type ShapedMetric = MetricDef & { shape: Shape; sql: string }
type DimensionShape = Exclude<Shape, 'llm_cost'>

const SHAPE_LABELS: Record<Shape, string> = {
  credits: 'credited sales',
  llm_cost: 'LLM cost in USD',
  visitors: 'visitor engagement',
}

const METRICS: Record<string, ShapedMetric> = {
  attributed_conversions: {
    shape: 'credits',
    label: 'Attributed conversions',
    format: 'number',
    description: 'Sum of the credits of sales (each sale with a counted touch sums to 1)',
    sql: 'toFloat64(sum(conversion_credit))',
  },
  attributed_revenue_micros: {
    shape: 'credits',
    label: 'Attributed revenue',
    format: 'money_micros',
    description: 'Sum of credit x value of sales and refunds, integer micros per currency',
    sql: 'sum(revenue_micros)',
  },
  direct_conversions: {
    shape: 'credits',
    label: 'Direct conversions',
    format: 'number',
    description: 'Credits of sales during or within 30 minutes after a counted engaged session',
    sql: 'toFloat64(sumIf(conversion_credit, is_direct = 1))',
  },
  assisted_conversions: {
    shape: 'credits',
    label: 'Assisted conversions',
    format: 'number',
    description: 'Credits of sales with counted touches that are not direct',
    sql: 'toFloat64(sumIf(conversion_credit, is_direct = 0))',
  },
  avg_time_to_convert_ms: {
    shape: 'credits',
    label: 'Average time to convert',
    format: 'duration_ms',
    description: 'Credit-weighted mean time from the first counted touch to the sale',
    sql: 'round(toFloat64(sum(conversion_credit * time_to_convert_ms)) / toFloat64(sum(conversion_credit)))',
  },
  llm_cost_micros: {
    shape: 'llm_cost',
    label: 'LLM cost of attributed sales',
    format: 'money_micros',
    description:
      'LLM spend (USD micros, calls and adjustments) of the chat sessions that are counted touches of the sales, each session once per row',
    sql: LLM_COST_METRICS.llm_cost_micros,
  },
  llm_cost_per_attributed_sale_micros: {
    shape: 'llm_cost',
    label: 'LLM cost per attributed sale',
    format: 'money_micros',
    description:
      'llm_cost_micros / attributed conversions in USD micros, rounded half to even (null without attributed conversions)',
    sql: LLM_COST_METRICS.llm_cost_per_attributed_sale_micros,
  },
  visitors: {
    shape: 'visitors',
    label: 'Visitors',
    format: 'count',
    description: 'People seen in the bucket (identities resolved as for attribution)',
    sql: VISITOR_METRICS.visitors,
  },
  converted_visitors: {
    shape: 'visitors',
    label: 'Converted visitors',
    format: 'count',
    description: 'Visitors with a sale in the bucket',
    sql: VISITOR_METRICS.converted_visitors,
  },
  visitor_conversion_rate: {
    shape: 'visitors',
    label: 'Visitor conversion rate',
    format: 'ratio',
    description: 'converted_visitors / visitors',
    sql: VISITOR_METRICS.visitor_conversion_rate,
  },
  engagement_uplift: {
    shape: 'visitors',
    label: 'Engagement uplift',
    format: 'multiplier',
    description: 'Conversion rate of engaged visitors / that of the others - 1 (null when undefined)',
    sql: VISITOR_METRICS.engagement_uplift,
  },
}

const DIMENSIONS: Record<string, DimensionDef & { shape: DimensionShape }> = {
  flow: { shape: 'credits', label: 'Flow', description: 'The last flow run in the touching session' },
  intent: { shape: 'credits', label: 'Intent', description: 'The last intent triggered in the session' },
  quick_question: {
    shape: 'credits',
    label: 'Quick question',
    description: 'The last quick question clicked in the session',
  },
  widget_key: { shape: 'credits', label: 'Widget key', description: 'The session’s widget key' },
  currency: {
    shape: 'credits',
    label: 'Currency',
    description: 'ISO 4217 currency of the sale; `USD` for the LLM cost metrics',
  },
  time_to_convert_bucket: {
    shape: 'credits',
    label: 'Time to convert',
    description: `First counted touch to sale: ${TIME_TO_CONVERT_BUCKETS.map(([label]) => label).join(', ')}`,
  },
  visitor_engagement: {
    shape: 'visitors',
    label: 'Visitor engagement',
    description: '`engaged` (an engaged chat session in the bucket) or `not_engaged`',
  },
}

/** Chat-to-sale attribution (DESIGN §6): credited sales and revenue, and engaged-vs-other visitors. */
export function attributionFamily(tables: Tables): MetricFamily<AttributionOptions> {
  return {
    name: 'attribution',
    description: 'Chat-to-sale attribution: sales and revenue credited to engaged chat sessions',
    metrics: Object.fromEntries(
      Object.entries(METRICS).map(([name, { label, format, description }]) => [
        name,
        { label, format, description },
      ]),
    ),
    dimensions: Object.fromEntries(
      Object.entries(DIMENSIONS).map(([name, { label, description }]) => [name, { label, description }]),
    ),
    options: attributionOptions,
    implicitGroupBy: (metrics) =>
      metrics.some((name) => METRICS[name]?.format === 'money_micros') ? ['currency'] : [],
    compile(query, { bucketed, totalsBy }) {
      const shape = shapeOf(query)
      const bucket = (column: string) => (bucketed ? bucketSql(column, query.window.granularity) : "''")
      const saleBucket = `${bucket('ts')} AS bucket`
      const shapes: Record<Shape, () => [ctes: string[], source: string, bucketColumn: string]> = {
        credits: () => [creditShapeCtes(tables, query.options), 'credit_rows', saleBucket],
        llm_cost: () => [llmCostShapeCtes(tables, query.options), 'llm_cost_rows', saleBucket],
        visitors: () => [visitorShapeCtes(tables, query.options, bucket), 'visitor_segments', 'bucket'],
      }
      const [ctes, source, bucketColumn] = shapes[shape]()
      const keys = [...(bucketed ? ['bucket'] : []), ...query.groupBy]
      const select = [
        ...(bucketed ? [bucketColumn] : []),
        ...query.groupBy,
        ...query.metrics.map((name) => `${METRICS[name]?.sql} AS ${name}`),
      ]
      const filters = Object.keys(query.filters).map((name) => `${name} IN {filter_${name}:Array(String)}`)
      // Visitors are counted once per bucket: a window's totals are not the sum of its buckets'.
      const grouping = groupingSql(keys, shape === 'visitors' ? undefined : totalsBy, orderKey)
      return {
        sql: `WITH ${ctes.join(',\n')}
          SELECT ${[...select, ...grouping.marker].join(', ')}
          FROM ${source}
          ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}
          ${grouping.groupBy} ${grouping.orderBy}`,
        // Rows and totals (`totalsBy`) in one pass: the CTEs are planned and read once.
        totalsMarked: grouping.totalsMarked,
        params: {
          tenant_id: query.tenantId,
          lookback_ms: query.options.lookback_days * DAY_MS,
          half_life_ms: query.options.half_life_days * DAY_MS,
          engaged_types: engagementEventTypes(query.options.engaged_by),
          ...Object.fromEntries(
            Object.entries(query.filters).map(([name, values]) => [`filter_${name}`, values]),
          ),
        },
      }
    },
  }
}

/** The CTEs ending in `credits` (per sale line and touch) and `credit_rows` (what the API sums). */
export function creditShapeCtes(tables: Tables, options: AttributionOptions): string[] {
  return [...touchCreditCtes(tables, options), ...creditRowsCtes()]
}

function llmCostShapeCtes(tables: Tables, options: AttributionOptions): string[] {
  return [...touchCreditCtes(tables, options), ...llmCostCtes(tables)]
}

function touchCreditCtes(tables: Tables, options: AttributionOptions): string[] {
  return [
    ...identityCtes(tables),
    engagedSessionsCte(tables, options.engaged_by),
    saleLinesCte(tables),
    countedTouchesCte(),
    ...creditCtes(options.model),
  ]
}

function visitorShapeCtes(
  tables: Tables,
  options: AttributionOptions,
  bucket: (column: string) => string,
): string[] {
  return [
    ...identityCtes(tables),
    engagedSessionsCte(tables, options.engaged_by),
    windowConversionsCte(tables),
    ...visitorCtes(tables, bucket),
  ]
}

/**
 * Credited sales, the LLM cost of their chats (USD, never split by the sales' currencies) and visitor
 * counts are different relations: one query asks about one of them. The sale dimensions cut both of the
 * first two.
 */
function shapeOf(query: FamilyQuery<AttributionOptions>): Shape {
  const metrics = query.metrics.map((name) => ({ name, shape: METRICS[name]?.shape }))
  const dimensions = [...query.groupBy, ...Object.keys(query.filters)].map((name) => ({
    name,
    shape: DIMENSIONS[name]?.shape,
  }))
  refuseMixing([...metrics, ...dimensions], 'visitors', 'credits')
  refuseMixing([...metrics, ...dimensions], 'visitors', 'llm_cost')
  refuseMixing(metrics, 'llm_cost', 'credits')
  return metrics[0]?.shape ?? 'credits'
}

function refuseMixing(named: { name: string; shape?: Shape }[], first: Shape, second: Shape): void {
  const namesOf = (shape: Shape) => named.filter((entry) => entry.shape === shape).map((entry) => entry.name)
  const [firsts, seconds] = [namesOf(first), namesOf(second)]
  if (firsts.length > 0 && seconds.length > 0) {
    throw new AppError(
      'validation_failed',
      `attribution: ${firsts.join(', ')} (${SHAPE_LABELS[first]}) cannot be combined with ${seconds.join(', ')} (${SHAPE_LABELS[second]}) in one query`,
      { family: 'attribution', [first]: firsts, [second]: seconds },
    )
  }
}

function orderKey(key: string): string {
  if (key !== 'time_to_convert_bucket') return key
  return `indexOf([${TIME_TO_CONVERT_BUCKETS.map(([label]) => `'${label}'`).join(', ')}], ${key})`
}
