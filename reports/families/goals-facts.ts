import type { Tables } from '../../platform/clickhouse/db.ts'
import type { Granularity } from '../semantic/analytics-window.ts'
import { bucketSql, inWindowSql } from '../semantic/time-bucket.ts'

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

const CONVERSION_HIT = `a.value_micros >= g.min_value_micros AND (g.currency = '' OR a.currency = g.currency)`

const GOALS = (tables: Tables, where = '') => `(
      SELECT goal_id, name, kind, event_type, filter_properties, filter_ops, filter_values, url_like,
        min_value_micros, currency
      FROM ${tables.goals} FINAL
      WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ${where}
    )`

/** The goals dimensions' columns on an events row; conversions carry only `widget_key`. */
const EVENT_COLUMNS: Record<string, string> = {
  flow: 'flow_id',
  intent: 'intent',
  widget_key: 'widget_key',
  device_type: 'device_type',
  country: 'country',
  utm_source: 'utm_source',
}
const CONVERSION_COLUMNS: Record<string, string> = { widget_key: 'widget_key' }

/** What the facts are cut by: the bucket granularity (none for totals) and the dimensions used. */
export interface GoalFactsShape {
  granularity: Granularity | undefined
  dimensions: string[]
}

/**
 * Goal facts, aggregated per bucket, goal and used dimension before the outer query cuts them: `ts` (the
 * group's first, so it falls in the same bucket), `goal`, `goal_name`, the event dimensions ('' when not
 * used), `f_hits` (completions) and uniqExact states of the completing visitors and the active visitors.
 * Each part is aggregated first and paired with the goals after, so no event row meets every goal:
 *  - every event of the window (any type but `conversion`), for the visitors, paired with every goal;
 *  - events of the goals' event types joined to those goals by type, kept when they complete the goal;
 *  - every non-refund conversion of the window paired with every goal, flagged when it completes it.
 * The goal definitions are read from the `goals` control table in the same query and evaluated as data, so
 * no definition reaches the SQL text.
 */
export function goalFactsSql(tables: Tables, shape: GoalFactsShape): string {
  const cut = (columns: Record<string, string>, alias: string) => {
    const used = Object.keys(EVENT_COLUMNS).filter((name) => shape.dimensions.includes(name))
    const select = Object.keys(EVENT_COLUMNS).map((name) =>
      used.includes(name) && columns[name] ? `${alias}.${columns[name]} AS ${name}` : `'' AS ${name}`,
    )
    // tenant_id keeps every aggregation keyed: without keys an empty window would still give one (empty) group.
    const keys = [
      `${alias}.tenant_id`,
      ...(shape.granularity ? [bucketSql(`${alias}.ts`, shape.granularity)] : []),
      ...used.filter((name) => columns[name]).map((name) => `${alias}.${columns[name]}`),
    ]
    return { select: select.join(', '), keys: keys.join(', ') }
  }
  const events = cut(EVENT_COLUMNS, 'a')
  const conversions = cut(CONVERSION_COLUMNS, 'a')
  const dimensions = Object.keys(EVENT_COLUMNS)
  const window = `a.tenant_id = {tenantId:UUID} AND ${inWindowSql('a.ts')}`
  const eventGoals = GOALS(tables, "AND kind = 'event'")
  return `
    SELECT v.first_ts AS ts, g.goal_id AS goal, g.name AS goal_name, ${dimensions.map((name) => `v.${name} AS ${name}`).join(', ')},
      toUInt64(0) AS f_hits, v.none AS f_completing, v.visitors AS f_visitors
    FROM (
      SELECT min(a.ts) AS first_ts, ${events.select}, uniqExactStateIf(a.anonymous_id, 0) AS none,
        uniqExactStateIf(a.anonymous_id, a.anonymous_id != '') AS visitors
      FROM ${tables.events} AS a
      WHERE ${window} AND a.type != 'conversion'
      GROUP BY ${events.keys}
    ) AS v
    CROSS JOIN ${GOALS(tables)} AS g
    UNION ALL
    SELECT min(a.ts) AS ts, g.goal_id AS goal, g.name AS goal_name, ${events.select}, count() AS f_hits,
      uniqExactStateIf(a.anonymous_id, a.anonymous_id != '') AS f_completing,
      uniqExactStateIf(a.anonymous_id, 0) AS f_visitors
    FROM (
      SELECT tenant_id, ts, type, props, url, url_path, anonymous_id, ${Object.values(EVENT_COLUMNS).join(', ')}
      FROM ${tables.events} AS a
      WHERE ${window} AND a.type != 'conversion'
        AND a.type IN (SELECT event_type FROM ${eventGoals})
    ) AS a
    INNER JOIN ${eventGoals} AS g ON g.event_type = a.type
    WHERE ${FILTERS_HOLD} AND ${URL_MATCHES}
    GROUP BY ${events.keys}, g.goal_id, g.name
    UNION ALL
    SELECT min(a.ts) AS ts, g.goal_id AS goal, g.name AS goal_name, ${conversions.select},
      countIf(g.kind = 'conversion' AND ${CONVERSION_HIT}) AS f_hits,
      uniqExactStateIf(a.visitor, g.kind = 'conversion' AND ${CONVERSION_HIT}) AS f_completing,
      uniqExactStateIf(a.visitor, 0) AS f_visitors
    FROM (
      SELECT *, multiIf(anonymous_id != '', anonymous_id, customer_id != '', concat('customer:', customer_id),
        concat('conversion:', conversion_id)) AS visitor
      FROM ${tables.conversions} AS a
      WHERE ${window} AND a.is_refund = 0
    ) AS a
    CROSS JOIN ${GOALS(tables)} AS g
    GROUP BY ${conversions.keys}, g.goal_id, g.name`
}
