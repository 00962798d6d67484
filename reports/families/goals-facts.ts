import type { Tables } from '../../platform/clickhouse/db.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'

/** A props value as text: strings unquoted, numbers and booleans as written in the JSON. */
const PROP_TEXT = `if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p))`
const compareNumber = (operator: string) =>
  `coalesce(toFloat64OrNull(${PROP_TEXT}) ${operator} toFloat64(v), 0)`

/** Whether event row `a` satisfies every property filter of goal `g` (AND; none = true). */
const FILTERS_HOLD = `arrayAll((p, o, v) -> multiIf(
    o = 'exists', JSONHas(a.props, p),
    NOT JSONHas(a.props, p), o = 'neq',
    o = 'eq', ${PROP_TEXT} = v,
    o = 'neq', ${PROP_TEXT} != v,
    o = 'contains', positionCaseInsensitiveUTF8(${PROP_TEXT}, v) > 0,
    o = 'gt', ${compareNumber('>')},
    o = 'gte', ${compareNumber('>=')},
    o = 'lt', ${compareNumber('<')},
    o = 'lte', ${compareNumber('<=')},
    0), g.filter_properties, g.filter_ops, g.filter_values)`

/** Any URL pattern matches (none = true): full-URL patterns against `url`, the others against the path. */
const URL_MATCHES = `(empty(g.url_like) OR arrayExists(l ->
    if(startsWith(l, 'http://') OR startsWith(l, 'https://'), a.url, a.url_path) LIKE l, g.url_like))`

const GOAL_HIT = `toUInt8(if(g.kind = 'conversion',
    a.row_kind = 'conversion' AND a.value_micros >= g.min_value_micros AND (g.currency = '' OR a.currency = g.currency),
    a.row_kind = 'event' AND a.type = g.event_type AND ${FILTERS_HOLD} AND ${URL_MATCHES}))`

/**
 * Goal facts: every event of the window (and every non-refund conversion of the `conversions` view) paired
 * with every goal of the tenant, flagged when it completes that goal. The goal definitions are read from
 * the `goals` control table in the same query and evaluated as data, so no definition reaches the SQL text.
 */
export function goalFactsSql(tables: Tables): string {
  return `
    SELECT a.ts AS ts, g.goal_id AS goal, g.name AS goal_name, a.flow_id AS flow, a.intent AS intent,
      a.widget_key AS widget_key, a.device_type AS device_type, a.country AS country, a.utm_source AS utm_source,
      a.visitor AS f_visitor, toUInt8(a.row_kind = 'event') AS f_active, ${GOAL_HIT} AS f_hit
    FROM (
      SELECT ts, 'event' AS row_kind, type, props, url, url_path, anonymous_id AS visitor, widget_key, intent,
        flow_id, device_type, country, utm_source, toInt64(0) AS value_micros, '' AS currency
      FROM ${tables.events}
      WHERE tenant_id = {tenantId:UUID} AND ${inWindowSql('ts')} AND type != 'conversion'
      UNION ALL
      SELECT ts, 'conversion', 'conversion', '{}', '', '',
        multiIf(anonymous_id != '', anonymous_id, customer_id != '', concat('customer:', customer_id),
          concat('conversion:', conversion_id)),
        widget_key, '', '', '', '', '', value_micros, currency
      FROM ${tables.conversions}
      WHERE tenant_id = {tenantId:UUID} AND ${inWindowSql('ts')} AND is_refund = 0
    ) AS a
    CROSS JOIN (
      SELECT goal_id, name, kind, event_type, filter_properties, filter_ops, filter_values, url_like,
        min_value_micros, currency
      FROM ${tables.goals} FINAL
      WHERE tenant_id = {tenantId:UUID} AND deleted = 0
    ) AS g`
}
