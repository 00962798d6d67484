import { z } from 'zod'
import type { Tables } from '../../platform/clickhouse/db.ts'
import type { MetricDef, MetricFamily } from '../semantic/metric-family.ts'
import { engagementFactsSql } from './engagement-facts.ts'
import { compileOverFacts, ratioSql } from './grouped-facts.ts'

const METRICS: Record<string, MetricDef & { sql: string }> = {
  impressions: {
    label: 'Widget impressions',
    format: 'count',
    description: '`widget.loaded` events',
    sql: 'sum(f_impression)',
  },
  opens: {
    label: 'Widget opens',
    format: 'count',
    description: '`widget.opened` events',
    sql: 'sum(f_open)',
  },
  open_rate: {
    label: 'Open rate',
    format: 'ratio',
    description: 'opens / impressions',
    sql: ratioSql('sum(f_open)', 'sum(f_impression)'),
  },
  chat_sessions: {
    label: 'Chat sessions',
    format: 'count',
    description: 'Chat sessions opened (`chat.session.opened`)',
    sql: 'sum(f_session)',
  },
  engaged_sessions: {
    label: 'Engaged sessions',
    format: 'count',
    description:
      'Sessions opened in which the visitor sent a message, clicked a quick question or submitted a form',
    sql: 'sum(f_engaged)',
  },
  engagement_rate: {
    label: 'Engagement rate',
    format: 'ratio',
    description: 'engaged sessions / chat sessions',
    sql: ratioSql('sum(f_engaged)', 'sum(f_session)'),
  },
  messages: {
    label: 'Visitor messages',
    format: 'count',
    description: '`chat.message.received` events (triggers and text answers)',
    sql: 'sum(f_message)',
  },
  messages_per_session: {
    label: 'Messages per session',
    format: 'number',
    description: 'visitor messages / chat sessions',
    sql: ratioSql('sum(f_message)', 'sum(f_session)'),
  },
  intent_triggers: {
    label: 'Intent triggers',
    format: 'count',
    description: 'Executions started by triggering an intent',
    sql: 'sum(f_trigger)',
  },
  flow_completions: {
    label: 'Flow completions',
    format: 'count',
    description: 'Executions started in the window that reached `completed`',
    sql: 'sum(f_exec_completed)',
  },
  flow_completion_rate: {
    label: 'Flow completion rate',
    format: 'ratio',
    description: 'completed / started executions',
    sql: ratioSql('sum(f_exec_completed)', 'sum(f_exec_started)'),
  },
  failure_rate: {
    label: 'Failure rate',
    format: 'ratio',
    description: 'executions that reached `failed` / started executions',
    sql: ratioSql('sum(f_exec_failed)', 'sum(f_exec_started)'),
  },
  abort_rate: {
    label: 'Abort rate',
    format: 'ratio',
    description: 'executions that reached `aborted` / started executions',
    sql: ratioSql('sum(f_exec_aborted)', 'sum(f_exec_started)'),
  },
  quick_question_clicks: {
    label: 'Quick-question clicks',
    format: 'count',
    description: '`quick_question.clicked` events',
    sql: 'sum(f_qq_click)',
  },
  quick_question_ctr: {
    label: 'Quick-question click-through',
    format: 'ratio',
    description: 'quick-question clicks / widget impressions',
    sql: ratioSql('sum(f_qq_click)', 'sum(f_impression)'),
  },
  time_to_first_reply_ms: {
    label: 'Time to first reply',
    format: 'duration_ms',
    description:
      "Mean over sessions of the time from the visitor's first message to the first block rendered after it",
    sql: 'avg(f_reply_ms)',
  },
  block_reached: {
    label: 'Executions reaching the block',
    format: 'count',
    description: 'Executions that rendered the block (group by `block`)',
    sql: 'sum(f_block_reached)',
  },
  block_drop_offs: {
    label: 'Drop-offs at the block',
    format: 'count',
    description: 'Executions whose last rendered block it was and that did not complete (group by `block`)',
    sql: 'sum(f_block_dropped)',
  },
  block_drop_off_rate: {
    label: 'Drop-off rate',
    format: 'ratio',
    description: 'drop-offs / executions reaching the block',
    sql: ratioSql('sum(f_block_dropped)', 'sum(f_block_reached)'),
  },
}

/** Chat engagement (DESIGN.md §6): widget, session, execution and per-block funnel metrics. */
export function engagementFamily(tables: Tables): MetricFamily<Record<string, never>> {
  const facts = engagementFactsSql(tables)
  const metricSql = Object.fromEntries(Object.entries(METRICS).map(([name, def]) => [name, def.sql]))
  return {
    name: 'engagement',
    description:
      'Chat engagement: impressions, opens, sessions, engagement, flow completion, drop-off per block',
    metrics: Object.fromEntries(
      Object.entries(METRICS).map(([name, { label, format, description }]) => [
        name,
        { label, format, description },
      ]),
    ),
    dimensions: {
      flow: { label: 'Flow', description: 'Flow id (chat rows only; widget beacons carry none)' },
      intent: { label: 'Intent', description: 'Intent of the execution (chat rows only)' },
      widget_key: { label: 'Widget key', description: 'Public widget key' },
      block: {
        label: 'Block',
        description: 'Rendered block id: use with the block_* metrics for the per-flow funnel',
      },
      device_type: {
        label: 'Device type',
        description: 'desktop, mobile, tablet, ... (from widget beacons)',
      },
      country: { label: 'Country', description: 'ISO 3166 alpha-2 (from widget beacons)' },
      utm_source: { label: 'UTM source', description: 'From the page URL of widget beacons' },
    },
    options: z.object({}),
    // Grouped by block, the rows without one (widget, session and execution rows) would only add a '' group.
    compile: (query, shape) =>
      compileOverFacts(query, shape, { sql: facts, params: {} }, metricSql, [
        ...(query.groupBy.includes('block') ? ["block != ''"] : []),
      ]),
  }
}
