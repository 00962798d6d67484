import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import type { EventRow } from '../../ingest/event-row.ts'
import type { KnownEventType } from '../../ingest/event-types.ts'
import { type EventRowInput, eventRow } from '../../ingest/server-event.ts'
import { publishStored } from '../support/publish-stored.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { withoutNames } from '../support/without-names.ts'

// A fixed winter day: 23:30 UTC is 00:30 the next day in Berlin (UTC+1).
const DAY = '2026-01-14'
const NEXT = '2026-01-15'
const at = (time: string) => Date.parse(`${DAY}T${time}Z`)

let app: App
let tenantId: string
let analystKey: string

/** One chat execution's engine events, as the turn runner records them. */
const chat = (session: string, execution: string, intent: string, flow: string) => {
  const base = { chat_session_id: session, widget_key: 'pk_a', anonymous_id: `anon-${session}` }
  const run = { ...base, execution_id: execution, intent, flow_id: flow }
  return {
    opened: (time: string): Partial<EventRowInput> => ({
      ...base,
      type: 'chat.session.opened',
      ts: at(time),
    }),
    trigger: (time: string): Partial<EventRowInput> => ({
      ...run,
      type: 'chat.message.received',
      ts: at(time),
      props: { kind: 'trigger' },
    }),
    block: (time: string, blockId: string, blockType: string): Partial<EventRowInput> => ({
      ...run,
      type: 'chat.block.rendered',
      ts: at(time),
      block_id: blockId,
      props: { block_type: blockType },
    }),
    status: (time: string, from: string, to: string): Partial<EventRowInput> => ({
      ...run,
      type: 'chat.execution.status_changed',
      ts: at(time),
      props: { from, to },
    }),
    form: (time: string, blockId: string): Partial<EventRowInput> => ({
      ...run,
      type: 'chat.form.submitted',
      ts: at(time),
      block_id: blockId,
      props: { kind: 'resume' },
    }),
  }
}

const s1 = chat('cs1', 'e1', 'faq', 'f1')
const s2 = chat('cs2', 'e2', 'faq', 'f1')
const s3 = chat('cs3', 'e0', 'faq', 'f1')
const s4 = chat('cs4', 'e3', 'order_status', 'f2')
const widget = (
  type: KnownEventType,
  time: string,
  key: string,
  extra: Partial<EventRowInput> = {},
): Partial<EventRowInput> => ({
  type,
  ts: at(time),
  widget_key: key,
  anonymous_id: 'anon-w',
  device_type: 'mobile',
  ...extra,
})

const FIXTURE: Array<Partial<EventRowInput> & { source?: EventRow['source'] }> = [
  widget('widget.loaded', '09:00:00', 'pk_a'),
  widget('widget.loaded', '09:10:00', 'pk_a'),
  widget('widget.loaded', '09:20:00', 'pk_a'),
  widget('widget.loaded', '09:30:00', 'pk_b'),
  widget('widget.opened', '09:01:00', 'pk_a'),
  widget('widget.opened', '09:11:00', 'pk_a'),
  // cs1: a quick question, a form, completed; first reply 250 ms after the trigger.
  s1.opened('10:00:00'),
  widget('quick_question.clicked', '10:00:00.500', 'pk_a', {
    chat_session_id: 'cs1',
    props: { question_id: 'q1' },
  }),
  s1.trigger('10:00:01'),
  s1.block('10:00:01.250', 'b1', 'text'),
  s1.block('10:00:01.250', 'b2', 'form'),
  s1.status('10:00:01.250', 'running', 'waiting_input'),
  s1.form('10:00:30', 'b2'),
  s1.block('10:00:30.500', 'b3', 'text'),
  s1.status('10:00:30.500', 'running', 'completed'),
  // cs2: left at the form (rendered in the same millisecond as b1), aborted by the idle expiry; reply 1 s.
  s2.opened('11:00:00'),
  s2.trigger('11:00:02'),
  s2.block('11:00:03', 'b1', 'text'),
  s2.block('11:00:03', 'b2', 'form'),
  s2.status('11:00:03', 'running', 'waiting_input'),
  s2.status('11:30:03', 'waiting_input', 'aborted'),
  // cs3: opened, never engaged.
  { ...s3.opened('12:00:00'), widget_key: 'pk_b' },
  // cs4: late in the UTC day (the next day in Berlin), failed after one block; reply 2 s.
  s4.opened('23:30:00'),
  s4.trigger('23:30:10'),
  s4.block('23:30:12', 'c1', 'text'),
  s4.status('23:30:12', 'running', 'failed'),
]

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50' }))
  const { tenant } = await app.operator.createTenant({ slug: 'engagement-shop' })
  tenantId = tenant.id
  analystKey = (await app.tenancy.createSecretKey(tenantId, { name: 'analyst', scopes: ['analyst'] })).key
  const rows = FIXTURE.map(({ source, ...event }) =>
    eventRow(
      { tenant_id: tenantId, type: '', ...event } as EventRowInput,
      source ?? (event.type?.startsWith('chat.') ? 'engine' : 'widget'),
    ),
  )
  await publishStored(app, tenantId, rows)
})
afterAll(() => app?.close())

const engagement = async (query: string) => {
  const response = await app.server.inject({
    method: 'GET',
    url: `/v1/analytics/engagement?${query}`,
    headers: { authorization: `Bearer ${analystKey}` },
  })
  const body = response.json()
  return { status: response.statusCode, body: body.rows ? { ...body, rows: withoutNames(body.rows) } : body }
}

describe('GET /v1/analytics/engagement', () => {
  it('computes every engagement metric of the day exactly', async () => {
    const { status, body } = await engagement(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=impressions,opens,open_rate,chat_sessions,engaged_sessions,engagement_rate,messages,messages_per_session,intent_triggers,flow_completions,flow_completion_rate,failure_rate,abort_rate,quick_question_clicks,quick_question_ctr,time_to_first_reply_ms`,
    )
    expect(status).toBe(200)
    expect(body.rows).toEqual([
      {
        impressions: 4,
        opens: 2,
        open_rate: 0.5,
        chat_sessions: 4,
        engaged_sessions: 3,
        engagement_rate: 0.75,
        messages: 3,
        messages_per_session: 0.75,
        intent_triggers: 3,
        flow_completions: 1,
        flow_completion_rate: 1 / 3,
        failure_rate: 1 / 3,
        abort_rate: 1 / 3,
        quick_question_clicks: 1,
        quick_question_ctr: 0.25,
        time_to_first_reply_ms: (250 + 1000 + 2000) / 3,
      },
    ])
  })

  it('cuts days in the requested timezone', async () => {
    const utc = await engagement(`from=${DAY}&to=${NEXT}&metrics=chat_sessions,intent_triggers`)
    expect(utc.body.rows).toEqual([{ bucket: `${DAY}T00:00:00`, chat_sessions: 4, intent_triggers: 3 }])
    const berlin = await engagement(
      `from=${DAY}&to=${NEXT}&timezone=Europe/Berlin&metrics=chat_sessions,intent_triggers`,
    )
    expect(berlin.body.rows).toEqual([
      { bucket: `${DAY}T00:00:00`, chat_sessions: 3, intent_triggers: 2 },
      { bucket: `${NEXT}T00:00:00`, chat_sessions: 1, intent_triggers: 1 },
    ])
  })

  it('groups and filters by widget key and intent', async () => {
    const byKey = await engagement(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=impressions,chat_sessions&groupBy=widget_key`,
    )
    expect(byKey.body.rows).toEqual([
      { widget_key: 'pk_a', impressions: 3, chat_sessions: 3 },
      { widget_key: 'pk_b', impressions: 1, chat_sessions: 1 },
    ])
    const faq = await engagement(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=intent_triggers,flow_completion_rate,abort_rate&filter=intent:faq`,
    )
    expect(faq.body.rows).toEqual([{ intent_triggers: 2, flow_completion_rate: 0.5, abort_rate: 0.5 }])
  })

  it('gives the per-block funnel of a flow: executions reaching each block and dropping off there', async () => {
    const { body } = await engagement(
      `from=${DAY}&to=${DAY}&granularity=total&metrics=block_reached,block_drop_offs,block_drop_off_rate&groupBy=flow,block`,
    )
    expect(body.rows).toEqual([
      { flow: 'f1', block: 'b1', block_reached: 2, block_drop_offs: 0, block_drop_off_rate: 0 },
      { flow: 'f1', block: 'b2', block_reached: 2, block_drop_offs: 1, block_drop_off_rate: 0.5 },
      { flow: 'f1', block: 'b3', block_reached: 1, block_drop_offs: 0, block_drop_off_rate: 0 },
      { flow: 'f2', block: 'c1', block_reached: 1, block_drop_offs: 1, block_drop_off_rate: 1 },
    ])
  })

  it('answers 400 naming an unknown metric, dimension or filter', async () => {
    const bad = await engagement(`range=last_7_days&metrics=opens,clicks&groupBy=browser&filter=city:x`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('validation_failed')
    expect(bad.body.error.message).toBe(
      'engagement: unknown metric "clicks"; unknown dimension "browser"; unknown filter "city"',
    )
  })
})
