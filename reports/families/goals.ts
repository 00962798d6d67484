import { z } from 'zod'
import type { Tables } from '../../platform/clickhouse/db.ts'
import type { MetricFamily } from '../semantic/metric-family.ts'
import { goalFactsSql } from './goals-facts.ts'
import { compileOverFacts, ratioSql } from './grouped-facts.ts'

const COMPLETING_VISITORS = 'uniqExactMerge(f_completing)'
const VISITORS = 'uniqExactMerge(f_visitors)'

const METRIC_SQL: Record<string, string> = {
  completions: 'sum(f_hits)',
  completing_visitors: COMPLETING_VISITORS,
  visitors: VISITORS,
  conversion_rate: ratioSql(COMPLETING_VISITORS, VISITORS),
}

/** Goal completions and conversion rates, from the tenant's goal definitions (see /v1/admin/goals). */
export function goalsFamily(tables: Tables): MetricFamily<Record<string, never>> {
  return {
    name: 'goals',
    description: 'Goals: completions and conversion rate of the goals defined with /v1/admin/goals',
    metrics: {
      completions: {
        label: 'Completions',
        format: 'count',
        description: 'Events (or conversions) matching a goal',
      },
      completing_visitors: {
        label: 'Completing visitors',
        format: 'count',
        description: 'Distinct visitors with a completion (anonymous id, else customer id)',
      },
      visitors: { label: 'Visitors', format: 'count', description: 'Distinct anonymous ids with any event' },
      conversion_rate: {
        label: 'Conversion rate',
        format: 'ratio',
        description: 'completing visitors / visitors',
      },
    },
    dimensions: {
      goal: { label: 'Goal', description: 'Goal id' },
      goal_name: { label: 'Goal name', description: 'Goal name as defined now' },
      flow: { label: 'Flow', description: 'Flow id the event carries (engine events, beacons sending it)' },
      intent: { label: 'Intent', description: 'Intent the event carries' },
      widget_key: { label: 'Widget key', description: 'Public widget key the event came with' },
      device_type: { label: 'Device type', description: 'From widget beacons' },
      country: { label: 'Country', description: 'From widget beacons' },
      utm_source: { label: 'UTM source', description: 'From the page URL of widget beacons' },
    },
    options: z.object({}),
    compile: (query, shape) => {
      const facts = goalFactsSql(tables, {
        granularity: shape.bucketed ? query.window.granularity : undefined,
        dimensions: [...query.groupBy, ...Object.keys(query.filters)],
      })
      return compileOverFacts(query, shape, { sql: facts, params: {} }, METRIC_SQL)
    },
  }
}
