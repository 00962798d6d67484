import type { Tables } from '../../platform/clickhouse/db.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'
import { sessionFirstIdsSql, withPersonSql } from './attribution-identity.ts'

/**
 * The engaged-vs-non-engaged comparison, per bucket (`bucketExpression` of a time column):
 * - `visitor_activity`: the people seen in the window, each sighting with its person: the window's events
 *   other than sales, its sales (converted) and its engaged sessions by touch time (engaged);
 * - `visitor_people`: one row per (bucket, person), engaged and converted when any sighting is;
 * - `visitor_segments`: counts per (bucket, `visitor_engagement`) and, over both segments of the bucket,
 *   `engagement_uplift = (converted_engaged / engaged) / (converted_not_engaged / not_engaged) - 1`.
 * Expects the identity CTEs, `engaged_sessions` and `window_conversions` before it.
 */
export function visitorCtes(tables: Tables, bucketExpression: (column: string) => string): string[] {
  const segment = (name: string, column: string) =>
    `sumIf(${column}, visitor_engagement = '${name}') OVER bucket_segments`
  const rate = (name: string) => `(${segment(name, 'converted_count')} / ${segment(name, 'visitor_count')})`
  const flags = ['ts', 'engaged', 'converted']
  const sightings = `(
    SELECT ts, 0 AS engaged, 0 AS converted, chat_session_id, customer_id, anonymous_id, '' AS email_hash
    FROM ${tables.events}
    WHERE tenant_id = {tenant_id:UUID} AND ${inWindowSql('ts')} AND type NOT IN ('conversion', 'purchase')
      AND (chat_session_id != '' OR customer_id != '' OR anonymous_id != '')
    UNION ALL
    SELECT ts, 0, 1, chat_session_id, customer_id, anonymous_id, email_hash
    FROM window_conversions WHERE is_refund = 0
  )`
  const identified = `(
    ${sessionFirstIdsSql(tables, sightings, flags, 'email_hash')}
    UNION ALL
    SELECT touch_time, 1, 0, id_customer, id_email, id_anonymous, id_session
    FROM engaged_sessions WHERE ${inWindowSql('touch_time')}
  )`
  return [
    `visitor_activity AS (${withPersonSql(identified, flags)})`,
    `visitor_people AS (
      SELECT ${bucketExpression('ts')} AS bucket, person, max(engaged) AS engaged, max(converted) AS converted
      FROM visitor_activity
      WHERE person != ''
      GROUP BY bucket, person
    )`,
    `visitor_segments AS (
      SELECT *, ${rate('engaged')} / ${rate('not_engaged')} - 1 AS engagement_uplift
      FROM (
        SELECT bucket, if(engaged = 1, 'engaged', 'not_engaged') AS visitor_engagement,
          count() AS visitor_count, sum(converted) AS converted_count
        FROM visitor_people
        GROUP BY bucket, visitor_engagement
      )
      WINDOW bucket_segments AS (PARTITION BY bucket)
    )`,
  ]
}

/** Metric expressions over `visitor_segments`, summed over the segments a result row covers. */
export const VISITOR_METRICS = {
  visitors: 'sum(visitor_count)',
  converted_visitors: 'sum(converted_count)',
  visitor_conversion_rate: 'sum(converted_count) / sum(visitor_count)',
  engagement_uplift: 'any(engagement_uplift)',
} as const
