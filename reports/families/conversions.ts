import { z } from 'zod'
import { sqlTypes } from '../../ingest/event-types.ts'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { MetricFamily } from '../semantic/metric-family.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'
import { compileOverFacts, ratioSql } from './grouped-facts.ts'

const CONVERTING = `uniqExactIf(f_visitor, f_conversion = 1)`
const VISITORS = `uniqExactIf(f_visitor, f_active = 1 AND f_visitor != '')`
const SALES_MICROS = 'sumIf(f_value_micros, f_conversion = 1)'

const METRIC_SQL: Record<string, string> = {
  conversions: 'sum(f_conversion)',
  refunds: 'sum(f_refund)',
  revenue_micros: 'sum(f_value_micros)',
  refunded_micros: '-sumIf(f_value_micros, f_refund = 1)',
  average_order_value_micros: `round(${ratioSql(SALES_MICROS, 'sum(f_conversion)')})`,
  converting_visitors: CONVERTING,
  visitors: VISITORS,
  conversion_rate: ratioSql(CONVERTING, VISITORS),
}
const MONEY = ['revenue_micros', 'refunded_micros', 'average_order_value_micros']
const VISITOR_METRICS = ['visitors', 'conversion_rate']
/** Visitor rows (the rate's denominator) have no currency or source: cutting the rate by them would be wrong,
 * so they are read only for the metrics that need them. */
const CONVERSION_ONLY_DIMENSIONS = ['currency', 'source']

/** The `widget_key` of each chat session, from its `chat.session.opened` event (whenever it was opened). */
const sessionWidgetKeys = (tables: Tables) => `
  SELECT chat_session_id, any(widget_key) AS widget_key FROM ${tables.events}
  WHERE tenant_id = {tenantId:UUID} AND type = ${sqlTypes('chat.session.opened')} AND chat_session_id != ''
  GROUP BY chat_session_id`

/**
 * One row per conversion of the `conversions` view in the window and, `withVisitors`, one per widget or chat
 * event (the rate's denominator). A conversion without a widget key takes its chat session's; the sessions
 * are read only when the query cuts by `widget_key`.
 */
function factsSql(
  tables: Tables,
  { withVisitors, byWidgetKey }: { withVisitors: boolean; byWidgetKey: boolean },
): string {
  const conversions = `
    SELECT c.ts AS ts, ${byWidgetKey ? "if(c.widget_key != '', c.widget_key, s.widget_key)" : "''"} AS widget_key,
      c.source AS source, c.currency AS currency, c.value_micros AS f_value_micros,
      toUInt8(c.is_refund = 0) AS f_conversion, c.is_refund AS f_refund, toUInt8(0) AS f_active,
      multiIf(c.anonymous_id != '', c.anonymous_id, c.customer_id != '', concat('customer:', c.customer_id),
        concat('conversion:', c.conversion_id)) AS f_visitor
    FROM (SELECT * FROM ${tables.conversions} WHERE tenant_id = {tenantId:UUID} AND ${inWindowSql('ts')}) AS c
    ${byWidgetKey ? `LEFT JOIN (${sessionWidgetKeys(tables)}) AS s ON s.chat_session_id = c.chat_session_id` : ''}`
  const visitors = `
    SELECT ts, ${byWidgetKey ? 'widget_key' : "''"}, '', '', toInt64(0), toUInt8(0), toUInt8(0), toUInt8(1), anonymous_id
    FROM ${tables.events}
    WHERE tenant_id = {tenantId:UUID} AND ${inWindowSql('ts')} AND source != 'backend'`
  return withVisitors ? `${conversions} UNION ALL ${visitors}` : conversions
}

/**
 * Conversions reported by the backend and refunds; purchase beacons only where the tenant counts them
 * (`conversion_settings`, applied by the `conversions` view: unverified, so not counted, by default), and
 * never when the backend reported the same order.
 */
export function conversionsFamily(tables: Tables): MetricFamily<Record<string, never>> {
  return {
    name: 'conversions',
    description: 'Conversions: sales, refunds, revenue per currency, average order value and conversion rate',
    metrics: {
      conversions: { label: 'Conversions', format: 'count', description: 'Non-refund conversions' },
      refunds: { label: 'Refunds', format: 'count', description: 'Conversions with a negative value' },
      revenue_micros: {
        label: 'Revenue',
        format: 'money_micros',
        description: 'Sum of values, net of refunds',
      },
      refunded_micros: {
        label: 'Refunded',
        format: 'money_micros',
        description: 'Sum of refunds, as a positive amount',
      },
      average_order_value_micros: {
        label: 'Average order value',
        format: 'money_micros',
        description: 'Sum of non-refund values / conversions, rounded to a micro',
      },
      converting_visitors: {
        label: 'Converting visitors',
        format: 'count',
        description:
          'Distinct visitors with a conversion (anonymous id, else customer id, else the conversion)',
      },
      visitors: {
        label: 'Visitors',
        format: 'count',
        description: 'Distinct anonymous ids with any widget or chat event',
      },
      conversion_rate: {
        label: 'Conversion rate',
        format: 'ratio',
        description: 'converting visitors / visitors',
      },
    },
    dimensions: {
      widget_key: {
        label: 'Widget key',
        description: "The beacon's key, or the key of the conversion's chat session",
      },
      source: {
        label: 'Source',
        description: '`backend` (conversions API) or `widget` (purchase beacon, when the tenant counts them)',
      },
      currency: { label: 'Currency', description: 'ISO 4217; money metrics are always grouped by it' },
    },
    options: z.object({}),
    implicitGroupBy: (metrics) => (metrics.some((name) => MONEY.includes(name)) ? ['currency'] : []),
    compile(query, shape) {
      const cut = [...query.groupBy, ...Object.keys(query.filters)]
      const needsVisitors = query.metrics.some((name) => VISITOR_METRICS.includes(name))
      if (needsVisitors && cut.some((name) => CONVERSION_ONLY_DIMENSIONS.includes(name))) {
        throw new AppError(
          'validation_failed',
          'conversions: visitors and conversion_rate cannot be cut by currency or source (ask them without money metrics)',
          { problems: ['visitors and conversion_rate are not split by currency or source'] },
        )
      }
      const facts = factsSql(tables, { withVisitors: needsVisitors, byWidgetKey: cut.includes('widget_key') })
      return compileOverFacts(query, shape, { sql: facts, params: {} }, METRIC_SQL)
    },
  }
}
