import type { Tables } from '../../platform/clickhouse/db.ts'
import { timeToConvertBucketSql } from './attribution-credits.ts'

/**
 * What the chats that led to the window's sales cost in LLM spend, after the `credits` CTE:
 * - `session_llm_cost`: each chat session's spend in USD micros, every `llm_calls` row of it (calls and
 *   cost adjustments) whenever it happened;
 * - `llm_cost_rows`: one row per (sale, counted touch), refunds left out, with the sale's time and credit,
 *   the touch's session and dimensions, `'USD'` as the currency, and the session's spend (0 without calls).
 * Every counted touch is there, whatever credit the model gave it: a chat on the way to a sale cost what it
 * cost under any model.
 */
export function llmCostCtes(tables: Tables): string[] {
  return [
    `session_llm_cost AS (
      SELECT chat_session_id, sum(cost_micros) AS cost_micros
      FROM ${tables.llm_calls}
      WHERE tenant_id = {tenant_id:UUID} AND chat_session_id != ''
      GROUP BY chat_session_id
    )`,
    `llm_cost_rows AS (
      SELECT
        touch.ts AS ts, 'USD' AS currency, touch.flow_id AS flow, touch.intent AS intent,
        touch.quick_question AS quick_question, touch.widget_key AS widget_key,
        ${timeToConvertBucketSql('touch.time_to_convert_ms')} AS time_to_convert_bucket,
        touch.chat_session_id AS chat_session_id, touch.credit AS conversion_credit,
        spend.cost_micros AS session_cost_micros
      FROM credits AS touch
      LEFT JOIN session_llm_cost AS spend ON spend.chat_session_id = touch.chat_session_id
      WHERE touch.is_refund = 0
    )`,
  ]
}

/**
 * A session's spend counts once in a result row however many of the row's sales it touched: the distinct
 * (session, spend) pairs of the row, summed. Pairs and sessions are one to one, so this is exact.
 */
const touchingSessionsCost =
  'arraySum(pair -> pair.2, groupUniqArray((chat_session_id, session_cost_micros)))'

/** Metric expressions over `llm_cost_rows`. */
export const LLM_COST_METRICS = {
  llm_cost_micros: touchingSessionsCost,
  llm_cost_per_attributed_sale_micros: `if(sum(conversion_credit) = 0, NULL,
    round(${touchingSessionsCost} / toFloat64(sum(conversion_credit))))`,
} as const
