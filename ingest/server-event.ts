import { randomUUID } from 'node:crypto'
import type { EventRow } from './event-row.ts'

/** The fields a server-side producer (the chat engine, a backend API) sets; the rest default to empty. */
export type ServerEventInput = Pick<EventRow, 'tenant_id' | 'type'> &
  Partial<Omit<EventRow, 'tenant_id' | 'type' | 'props'>> & { props?: Record<string, unknown> }

/** Builds the row of an event that did not come through the widget intake (no URL or user agent to parse). */
export function serverEventRow(input: ServerEventInput, source: EventRow['source'] = 'engine'): EventRow {
  const now = Date.now()
  const { props, ...fields } = input
  return {
    event_id: randomUUID(),
    source,
    ts: now,
    received_at: now,
    widget_key: '',
    anonymous_id: '',
    session_id: '',
    chat_session_id: '',
    execution_id: '',
    customer_id: '',
    intent: '',
    flow_id: '',
    flow_version: 0,
    block_id: '',
    url: '',
    url_host: '',
    url_path: '',
    referrer: '',
    referrer_host: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_term: '',
    utm_content: '',
    click_id_type: '',
    click_id: '',
    user_agent: '',
    browser: '',
    browser_version: '',
    os: '',
    device_type: '',
    country: '',
    value_micros: 0,
    currency: '',
    ...fields,
    props: JSON.stringify(props ?? {}),
  }
}
