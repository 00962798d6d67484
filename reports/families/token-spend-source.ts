import { IANAZone } from 'luxon'
import type { Tables } from '../../platform/clickhouse/db.ts'
import type { ResolvedWindow } from '../semantic/analytics-window.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** The sums every token-spend metric is derived from, as the inner query names them. */
export const BASE_AGGREGATES = [
  'calls',
  'errors',
  'prompt_tokens',
  'cached_prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost_micros',
  'conversations',
] as const
export type BaseAggregate = (typeof BASE_AGGREGATES)[number]

/** A relation token spend is read from: its table, its time column and how it sums each base aggregate. */
export interface TokenSpendSource {
  table: string
  timeColumn: string
  aggregates: Record<BaseAggregate, string>
}

/** The hourly rollup (migration 0008): pre-summed per UTC hour, conversations as uniqExact states. */
export function hourlyRollup(tables: Tables): TokenSpendSource {
  return {
    table: tables.token_spend_hourly,
    timeColumn: 'hour',
    aggregates: {
      calls: 'sum(calls)',
      errors: 'sum(errors)',
      prompt_tokens: 'sum(prompt_tokens)',
      cached_prompt_tokens: 'sum(cached_prompt_tokens)',
      completion_tokens: 'sum(completion_tokens)',
      total_tokens: 'sum(total_tokens)',
      cost_micros: 'sum(cost_micros)',
      conversations: 'uniqExactMerge(conversations)',
    },
  }
}

/** The per-call rows (`llm_calls`, migration 0007): one row per call or cost adjustment. */
export function perCallRows(tables: Tables): TokenSpendSource {
  const isCall = "kind = 'call'"
  return {
    table: tables.llm_calls,
    timeColumn: 'ts',
    aggregates: {
      calls: `countIf(${isCall})`,
      errors: `countIf(${isCall} AND outcome != 'ok')`,
      prompt_tokens: 'sum(prompt_tokens)',
      cached_prompt_tokens: 'sum(cached_prompt_tokens)',
      completion_tokens: 'sum(completion_tokens)',
      total_tokens: 'sum(total_tokens)',
      cost_micros: 'sum(cost_micros)',
      conversations: `uniqExactIf(chat_session_id, ${isCall} AND chat_session_id != '')`,
    },
  }
}

/**
 * Whether hourly UTC buckets answer the window exactly: its bounds fall on whole UTC hours and, unless
 * it has no buckets, every local hour, day, week and month start in it does too, which holds when the
 * zone's offset is a whole number of hours throughout (Europe/Berlin, America/New_York; not Asia/Kolkata).
 */
export function rollupAnswers(window: ResolvedWindow): boolean {
  if (window.fromMs % HOUR_MS !== 0 || window.toMs % HOUR_MS !== 0) return false
  if (window.granularity === 'total') return true
  return offsetsAreWholeHours(window.timezone, window.fromMs, window.toMs)
}

/**
 * Samples the zone's offset once a day and at the end: an offset holds between transitions, and no zone
 * keeps a non-whole-hour offset for less than a day, so a day's step cannot miss one.
 */
function offsetsAreWholeHours(timezone: string, fromMs: number, toMs: number): boolean {
  const zone = IANAZone.create(timezone)
  for (let at = fromMs; at < toMs + DAY_MS; at += DAY_MS) {
    if (zone.offset(Math.min(at, toMs - 1)) % 60 !== 0) return false
  }
  return true
}
