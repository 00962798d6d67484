export const ATTRIBUTION_MODELS = [
  'last_touch',
  'first_touch',
  'linear',
  'time_decay',
  'position_based',
] as const
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number]

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** A conversion within this long after an engaged session's last event (inclusive) is direct. */
export const DIRECT_WINDOW_MS = 30 * MINUTE_MS

/** Time from the first counted touch to the conversion: each bucket's label and exclusive upper bound. */
export const TIME_TO_CONVERT_BUCKETS: ReadonlyArray<readonly [label: string, belowMs: number]> = [
  ['0-30m', 30 * MINUTE_MS],
  ['30m-2h', 2 * HOUR_MS],
  ['2h-1d', DAY_MS],
  ['1d-3d', 3 * DAY_MS],
  ['3d-7d', 7 * DAY_MS],
  ['7d-30d', 30 * DAY_MS],
  ['30d-90d', Number.POSITIVE_INFINITY],
]

/** Credits are Decimal(38, 12): sums are exact, so totals do not depend on how rows are grouped. */
const CREDIT_SCALE = 12

/** Each model's raw credit of a touch from its `position` (1 = earliest) among `touch_count` touches. */
const RAW_CREDIT: Record<AttributionModel, string> = {
  last_touch: 'if(position = touch_count, 1., 0.)',
  first_touch: 'if(position = 1, 1., 0.)',
  linear: '1. / touch_count',
  // Weights are taken relative to the latest touch (the largest weight is 1), which leaves the normalised
  // credits unchanged and keeps the sum from underflowing with a short half-life.
  time_decay: `exp2((latest_age_ms - age_ms) / {half_life_ms:Float64})
    / sum(exp2((latest_age_ms - age_ms) / {half_life_ms:Float64})) OVER line`,
  position_based: `multiIf(touch_count = 1, 1., touch_count = 2, 0.5,
    position = 1 OR position = touch_count, 0.4, 0.2 / (touch_count - 2))`,
}

/**
 * From `counted_touches` to `credits`, one row per (sale line, counted touch):
 * - `ranked_touches`: the touch's `position` ordered by (touch_time, chat_session_id), `touch_count`,
 *   whether the conversion is direct, and its time to convert (age of the earliest counted touch);
 * - `model_credits`: the model's raw credit (Float64);
 * - `credits`: the raw credit cut to 12 decimals, the last touch taking `1 - sum(others)`, so a
 *   conversion's credits sum to exactly 1.
 */
export function creditCtes(model: AttributionModel): string[] {
  const decimal = `toDecimal128(raw_credit, ${CREDIT_SCALE})`
  return [
    `ranked_touches AS (
      SELECT *,
        row_number() OVER ordered AS position,
        count() OVER line AS touch_count,
        min(age_ms) OVER line AS latest_age_ms,
        max(age_ms) OVER line AS time_to_convert_ms,
        max(toUInt8(toUnixTimestamp64Milli(credited_ts) <= toUnixTimestamp64Milli(ended_at) + ${DIRECT_WINDOW_MS}))
          OVER line AS is_direct
      FROM counted_touches
      WINDOW line AS (PARTITION BY line_id),
        ordered AS (PARTITION BY line_id ORDER BY touch_time, chat_session_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )`,
    `model_credits AS (
      SELECT *, ${RAW_CREDIT[model]} AS raw_credit
      FROM ranked_touches
      WINDOW line AS (PARTITION BY line_id)
    )`,
    `credits AS (
      SELECT *,
        if(position = touch_count,
           toDecimal128(1, ${CREDIT_SCALE}) - (sum(${decimal}) OVER line - ${decimal}),
           ${decimal}) AS credit
      FROM model_credits
      WINDOW line AS (PARTITION BY line_id)
    )`,
  ]
}

/**
 * `credit_rows`: one row per (sale line, credited touch) that the API sums, at the line's time. A refund
 * line carries its original's credits but a conversion credit of 0. Revenue is `trunc(value x credit)`
 * per touch, the last touch taking the remainder, so a line's revenue sums to exactly its value.
 */
export function creditRowsCtes(): string[] {
  const share = `toInt64(value_micros * credit)`
  return [
    `touch_rows AS (
      SELECT
        ts, currency, flow_id AS flow, intent, quick_question, widget_key, time_to_convert_ms, is_direct,
        ${timeToConvertBucketSql('time_to_convert_ms')} AS time_to_convert_bucket,
        if(is_refund = 1, toDecimal128(0, ${CREDIT_SCALE}), credit) AS conversion_credit,
        if(position = touch_count,
           value_micros - (sum(${share}) OVER line - ${share}),
           ${share}) AS revenue_micros
      FROM credits
      WINDOW line AS (PARTITION BY line_id)
    )`,
    // A touch with no credit and no revenue changes no sum: leave it out of the result.
    'credit_rows AS (SELECT * FROM touch_rows WHERE conversion_credit != 0 OR revenue_micros != 0)',
  ]
}

/** The `TIME_TO_CONVERT_BUCKETS` label of a duration in milliseconds. */
export function timeToConvertBucketSql(column: string): string {
  const bounded = TIME_TO_CONVERT_BUCKETS.slice(0, -1)
    .map(([label, belowMs]) => `${column} < ${belowMs}, '${label}'`)
    .join(', ')
  return `multiIf(${bounded}, '${TIME_TO_CONVERT_BUCKETS.at(-1)?.[0]}')`
}
