import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import type { ResolvedWindows } from '../semantic/analytics-window.ts'
import { GRANULARITIES, RELATIVE_RANGES, resolveWindow } from '../semantic/analytics-window.ts'
import type { FamilyQuery, MetricFamily, RowShape } from '../semantic/metric-family.ts'
import { timezone } from '../semantic/timezone.ts'

const name = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a lower-case name such as attributed_revenue_micros')
const boundary = z.union([z.iso.date(), z.iso.datetime({ offset: true })])

export const VISUALIZATIONS = ['line', 'bar', 'table', 'kpi'] as const

/** What a report shows; saved, pinned, scheduled and exported as is. Documented in reports/README.md. */
export const reportSpec = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(2_000).optional(),
  family: name.describe('The metric family: engagement, goals, conversions, token_spend or attribution'),
  metrics: z.array(name).min(1).max(20).describe("Metrics of the family, e.g. ['attributed_revenue_micros']"),
  dimensions: z.array(name).max(5).default([]).describe("Group-by dimensions of the family, e.g. ['flow']"),
  filters: z
    .record(name, z.array(z.string().max(500)).min(1).max(100))
    .default({})
    .describe('Dimension -> allowed values (OR within a dimension, AND across)'),
  dateRange: z
    .union([
      z.strictObject({ range: z.enum(RELATIVE_RANGES) }),
      z.strictObject({ from: boundary, to: boundary }),
    ])
    .describe('A relative range (`last_30_days`) or dates/instants (`from` and `to`, dates inclusive)'),
  granularity: z.enum(GRANULARITIES).default('day'),
  timezone: timezone.default('UTC'),
  compareToPreviousPeriod: z.boolean().default(false),
  options: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe("Family options, e.g. attribution's { model: 'time_decay', half_life_days: 7 }"),
  sort: z
    .array(z.strictObject({ by: name, direction: z.enum(['asc', 'desc']).default('desc') }))
    .max(5)
    .default([]),
  limit: z.number().int().min(1).max(100_000).optional(),
  visualization: z.enum(VISUALIZATIONS).default('line'),
})
export type ReportSpec = z.output<typeof reportSpec>
export type ReportSpecInput = z.input<typeof reportSpec>

/** A saved report's id, or a spec to run without saving it. */
export type ReportRef = { reportId: string } | { spec: ReportSpec }

/** A spec resolved against the semantic layer: the family, its query, the windows and the row shape. */
export interface CompiledReport {
  family: MetricFamily<Record<string, unknown>>
  query: Omit<FamilyQuery<Record<string, unknown>>, 'window'>
  windows: ResolvedWindows
  shape: RowShape
}

/**
 * Resolves a spec for a tenant at `now`. Unknown families and bad options get a 400 naming them; unknown
 * metrics, dimensions, filters and sort columns are refused by the semantic layer when the report runs.
 */
export function compileReport(
  spec: ReportSpec,
  tenantId: string,
  families: ReadonlyMap<string, MetricFamily<never>>,
  now: number,
): CompiledReport {
  const family = families.get(spec.family) as MetricFamily<Record<string, unknown>> | undefined
  if (!family) {
    throw new AppError('validation_failed', `unknown family "${spec.family}"`, {
      field: 'family',
      families: [...families.keys()],
    })
  }
  const options = family.options.safeParse(spec.options)
  if (!options.success) {
    throw new AppError(
      'validation_failed',
      `invalid options for ${family.name}: ${z.prettifyError(options.error)}`,
      {
        field: 'options',
      },
    )
  }
  const windows = resolveWindow(
    {
      ...spec.dateRange,
      timezone: spec.timezone,
      granularity: spec.granularity,
      ...(spec.compareToPreviousPeriod ? { compare: 'previous_period' as const } : {}),
    },
    now,
  )
  return {
    family,
    query: {
      tenantId,
      metrics: spec.metrics,
      groupBy: spec.dimensions,
      filters: spec.filters,
      options: options.data,
    },
    windows,
    shape: { sort: spec.sort, ...(spec.limit === undefined ? {} : { limit: spec.limit }) },
  }
}
