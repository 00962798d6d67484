import { z } from 'zod'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { groupingSql, TOTALS_MARKER } from '../semantic/grouping-sets.ts'
import type { MetricDef, MetricFamily } from '../semantic/metric-family.ts'
import { bucketSql, inWindowSql } from '../semantic/time-bucket.ts'
import {
  BASE_AGGREGATES,
  type BaseAggregate,
  hourlyRollup,
  perCallRows,
  rollupAnswers,
} from './token-spend-source.ts'

type TokenSpendMetric = BaseAggregate | 'error_rate' | 'cost_per_conversation_micros'

const METRICS: Record<TokenSpendMetric, MetricDef> = {
  calls: { label: 'LLM calls', format: 'count', description: 'LLM calls made, failed ones included' },
  errors: {
    label: 'Failed calls',
    format: 'count',
    description: 'Calls that ended in a timeout or an error',
  },
  error_rate: { label: 'Error rate', format: 'ratio', description: 'errors / calls (null without calls)' },
  prompt_tokens: {
    label: 'Prompt tokens',
    format: 'tokens',
    description: 'Input tokens, cached ones included',
  },
  cached_prompt_tokens: {
    label: 'Cached prompt tokens',
    format: 'tokens',
    description: "Input tokens served from the provider's prompt cache",
  },
  completion_tokens: { label: 'Completion tokens', format: 'tokens', description: 'Output tokens' },
  total_tokens: {
    label: 'Total tokens',
    format: 'tokens',
    description: 'Tokens as the provider counted them',
  },
  cost_micros: {
    label: 'Cost',
    format: 'money_micros',
    description: 'Spend in USD micros: the cost of each call plus any price-backfill adjustment',
  },
  conversations: {
    label: 'Conversations',
    format: 'count',
    description: 'Distinct chat sessions with at least one LLM call',
  },
  cost_per_conversation_micros: {
    label: 'Cost per conversation',
    format: 'money_micros',
    description:
      'cost_micros / conversations in USD micros, rounded half to even (null without conversations)',
  },
}

/** How each metric is computed over the base aggregates of one (bucket, group). */
const METRIC_SQL: Record<TokenSpendMetric, string> = {
  ...(Object.fromEntries(BASE_AGGREGATES.map((name) => [name, `agg_${name}`])) as Record<
    BaseAggregate,
    string
  >),
  error_rate: 'if(agg_calls = 0, NULL, agg_errors / agg_calls)',
  cost_per_conversation_micros: 'if(agg_conversations = 0, NULL, round(agg_cost_micros / agg_conversations))',
}

/** Dimension name -> column, identical in the rollup and in the per-call rows. */
const DIMENSION_COLUMNS: Record<string, string> = {
  model: 'model',
  provider: 'provider',
  flow: 'flow_id',
  intent: 'intent',
  widget_key: 'widget_key',
}

/**
 * Token spend: LLM calls, tokens and USD cost by model, provider, flow, intent and widget key. Reads the
 * hourly rollup when hour buckets answer the window exactly, the per-call rows otherwise; both sum the
 * same `llm.call` and `llm.cost_adjusted` events, so either answer equals the sum of the per-call rows.
 */
export function tokenSpendFamily(tables: Tables): MetricFamily<Record<string, never>> {
  const rollup = hourlyRollup(tables)
  const perCall = perCallRows(tables)
  return {
    name: 'token_spend',
    description:
      'Token spend: LLM calls, tokens and cost (USD micros) by model, provider, flow, intent and key',
    metrics: METRICS,
    dimensions: {
      model: { label: 'Model', description: 'Model as reported by the provider' },
      provider: { label: 'Provider', description: '`openai-compatible` or `local`' },
      flow: { label: 'Flow', description: 'Flow id of the execution that made the call' },
      intent: { label: 'Intent', description: 'Intent the execution was triggered with' },
      widget_key: { label: 'Widget key', description: 'Public widget key of the chat session' },
    },
    options: z.object({}),
    compile(query, { bucketed, totalsBy }) {
      const source = rollupAnswers(query.window) ? rollup : perCall
      const time = source.timeColumn
      const keys = [...(bucketed ? ['bucket'] : []), ...query.groupBy]
      const inner = [
        ...(bucketed ? [`${bucketSql(time, query.window.granularity)} AS bucket`] : []),
        ...query.groupBy.map((name) => `${DIMENSION_COLUMNS[name]} AS ${name}`),
        ...BASE_AGGREGATES.map((name) => `${source.aggregates[name]} AS agg_${name}`),
      ]
      const where = [
        'tenant_id = {tenantId:UUID}',
        inWindowSql(time),
        ...Object.keys(query.filters).map(
          (name) => `${DIMENSION_COLUMNS[name]} IN {filter_${name}:Array(String)}`,
        ),
      ]
      // Rows and totals (`totalsBy`) from one pass over the source.
      const grouping = groupingSql(keys, totalsBy)
      const metrics = query.metrics.map((name) => `${METRIC_SQL[name as TokenSpendMetric]} AS ${name}`)
      const marker = grouping.totalsMarked ? [TOTALS_MARKER] : []
      return {
        sql: `SELECT ${[...keys, ...metrics, ...marker].join(', ')}
          FROM (SELECT ${[...inner, ...grouping.marker].join(', ')} FROM ${source.table}
            WHERE ${where.join(' AND ')} ${grouping.groupBy})
          ${grouping.orderBy}`,
        totalsMarked: grouping.totalsMarked,
        params: {
          tenantId: query.tenantId,
          ...Object.fromEntries(
            Object.entries(query.filters).map(([name, values]) => [`filter_${name}`, values]),
          ),
        },
      }
    },
  }
}
