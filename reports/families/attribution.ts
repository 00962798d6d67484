import { z } from 'zod'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { DimensionDef, FamilyQuery, MetricDef, MetricFamily } from '../semantic/metric-family.ts'
import { bucketSql } from '../semantic/time-bucket.ts'
import {
  ATTRIBUTION_MODELS,
  creditCtes,
  creditRowsCtes,
  TIME_TO_CONVERT_BUCKETS,
} from './attribution-credits.ts'
import { identityCtes } from './attribution-identity.ts'
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

type Shape = 'credits' | 'visitors'
type ShapedMetric = MetricDef & { shape: Shape; sql: string }

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
    format: 'ratio',
    description: 'Conversion rate of engaged visitors / that of the others - 1 (null when undefined)',
    sql: VISITOR_METRICS.engagement_uplift,
  },
}

const DIMENSIONS: Record<string, DimensionDef & { shape: Shape }> = {
  flow: { shape: 'credits', label: 'Flow', description: 'The last flow run in the touching session' },
  intent: { shape: 'credits', label: 'Intent', description: 'The last intent triggered in the session' },
  quick_question: {
    shape: 'credits',
    label: 'Quick question',
    description: 'The last quick question clicked in the session',
  },
  widget_key: { shape: 'credits', label: 'Widget key', description: 'The session’s widget key' },
  currency: { shape: 'credits', label: 'Currency', description: 'ISO 4217 currency of the sale' },
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
    implicitGroupBy: (metrics) => (metrics.includes('attributed_revenue_micros') ? ['currency'] : []),
    compile(query, { bucketed }) {
      const shape = shapeOf(query)
      const bucket = (column: string) => (bucketed ? bucketSql(column, query.window.granularity) : "''")
      const [ctes, source, bucketColumn] =
        shape === 'credits'
          ? [creditShapeCtes(tables, query.options), 'credit_rows', `${bucket('ts')} AS bucket`]
          : [visitorShapeCtes(tables, query.options, bucket), 'visitor_segments', 'bucket']
      const keys = [...(bucketed ? ['bucket'] : []), ...query.groupBy]
      const select = [
        ...(bucketed ? [bucketColumn] : []),
        ...query.groupBy,
        ...query.metrics.map((name) => `${METRICS[name]?.sql} AS ${name}`),
      ]
      const filters = Object.keys(query.filters).map((name) => `${name} IN {filter_${name}:Array(String)}`)
      return {
        sql: `WITH ${ctes.join(',\n')}
          SELECT ${select.join(', ')}
          FROM ${source}
          ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}
          ${keys.length ? `GROUP BY ${keys.join(', ')} ORDER BY ${keys.map(orderKey).join(', ')}` : ''}`,
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
  return [
    ...identityCtes(tables),
    engagedSessionsCte(tables, options.engaged_by),
    windowConversionsCte(tables),
    saleLinesCte(tables),
    countedTouchesCte(),
    ...creditCtes(options.model),
    ...creditRowsCtes(),
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

/** Credited sales and visitor counts are different relations: one query asks about one of them. */
function shapeOf(query: FamilyQuery<AttributionOptions>): Shape {
  const named = [
    ...query.metrics.map((name) => ({ name, shape: METRICS[name]?.shape })),
    ...[...query.groupBy, ...Object.keys(query.filters)].map((name) => ({
      name,
      shape: DIMENSIONS[name]?.shape,
    })),
  ]
  const namesOf = (shape: Shape) => named.filter((entry) => entry.shape === shape).map((entry) => entry.name)
  const [credits, visitors] = [namesOf('credits'), namesOf('visitors')]
  if (credits.length > 0 && visitors.length > 0) {
    throw new AppError(
      'validation_failed',
      `attribution: ${visitors.join(', ')} (visitor engagement) cannot be combined with ${credits.join(', ')} (credited sales) in one query`,
      { family: 'attribution', visitorEngagement: visitors, credits },
    )
  }
  return visitors.length > 0 ? 'visitors' : 'credits'
}

function orderKey(key: string): string {
  if (key !== 'time_to_convert_bucket') return key
  return `indexOf([${TIME_TO_CONVERT_BUCKETS.map(([label]) => `'${label}'`).join(', ')}], ${key})`
}
