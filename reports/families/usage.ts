import { z } from 'zod'
import { sqlTypes } from '../../ingest/event-types.ts'
import type { Tables } from '../../platform/clickhouse/db.ts'
import type { MetricDef, MetricFamily } from '../semantic/metric-family.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'
import { compileOverFacts } from './grouped-facts.ts'

const METRICS: Record<string, MetricDef & { sql: string }> = {
  mounts: {
    label: 'Form mounts',
    format: 'count',
    description:
      'Published forms mounted by a widget (`form.mounted`, one per GET /v1/public/forms/{formId})',
    sql: 'sum(f_mount)',
  },
  sessions: {
    label: 'Sessions opened',
    format: 'count',
    description: 'Chat sessions opened (`chat.session.opened`)',
    sql: 'sum(f_session)',
  },
  messages: {
    label: 'Messages',
    format: 'count',
    description: 'Visitor messages: triggers and answers (`chat.message.received`)',
    sql: 'sum(f_message)',
  },
  executions: {
    label: 'Executions',
    format: 'count',
    description: 'Flow executions started by an intent trigger',
    sql: 'sum(f_execution)',
  },
  llm_tokens: {
    label: 'LLM tokens',
    format: 'tokens',
    description: 'Total tokens of the LLM calls (`llm.call`) made in chats of the key',
    sql: 'sum(f_tokens)',
  },
  llm_cost_micros: {
    label: 'LLM cost',
    format: 'money_micros',
    description: 'USD micros of those calls, price-backfill adjustments (`llm.cost_adjusted`) included',
    sql: 'sum(f_cost)',
  },
}

/**
 * One row per metered event of the window: what a widget key used. Every metric is a count or sum of
 * events, so each event (stored once by the sink) is metered once.
 */
function usageFactsSql(tables: Tables): string {
  const is = (...types: Parameters<typeof sqlTypes>) => `type IN (${sqlTypes(...types)})`
  return `
    SELECT ts, widget_key,
      toUInt8(${is('form.mounted')}) AS f_mount,
      toUInt8(${is('chat.session.opened')}) AS f_session,
      toUInt8(${is('chat.message.received')}) AS f_message,
      toUInt8(${is('chat.message.received')} AND JSONExtractString(props, 'kind') = 'trigger') AS f_execution,
      if(${is('llm.call')}, JSONExtractInt(props, 'total_tokens'), 0) AS f_tokens,
      if(${is('llm.call', 'llm.cost_adjusted')}, JSONExtractInt(props, 'cost_micros'), 0) AS f_cost
    FROM ${tables.events}
    WHERE tenant_id = {tenantId:UUID} AND ${inWindowSql('ts')}
      AND ${is('form.mounted', 'chat.session.opened', 'chat.message.received', 'llm.call', 'llm.cost_adjusted')}`
}

/** Usage metering per widget key and day: mounts, sessions, messages, executions, LLM tokens and cost. */
export function usageFamily(tables: Tables): MetricFamily<Record<string, never>> {
  const facts = usageFactsSql(tables)
  const metricSql = Object.fromEntries(Object.entries(METRICS).map(([name, def]) => [name, def.sql]))
  return {
    name: 'usage',
    description:
      'Usage metering per widget key: form mounts, sessions, messages, executions, LLM tokens and cost',
    metrics: Object.fromEntries(
      Object.entries(METRICS).map(([name, { label, format, description }]) => [
        name,
        { label, format, description },
      ]),
    ),
    dimensions: { widget_key: { label: 'Widget key', description: 'Public widget key' } },
    options: z.object({}),
    compile: (query, shape) => compileOverFacts(query, shape, { sql: facts, params: {} }, metricSql),
  }
}
