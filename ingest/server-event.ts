import { randomUUID } from 'node:crypto'
import type { EventRow } from './event-row.ts'
import type { KnownEventType } from './event-types.ts'
import type { ServerEventProps, ServerEventType } from './server-event-types.ts'

/** The fields a server-side producer (the chat engine, a backend API) sets; the rest default to empty. */
export type ServerEventInput<T extends ServerEventType = ServerEventType> = Pick<EventRow, 'tenant_id'> &
  Partial<Omit<EventRow, 'tenant_id' | 'type' | 'props'>> & { type: T; props?: ServerEventProps<T> }

/** Any event, typed by name only: for rows built without the intake (test fixtures, generated history). */
export type EventRowInput = Pick<EventRow, 'tenant_id'> &
  Partial<Omit<EventRow, 'tenant_id' | 'type' | 'props'>> & { type: KnownEventType; props?: object }

/** Builds the row of an event that did not come through the widget intake (no URL or user agent to parse). */
export function serverEventRow<T extends ServerEventType>(
  input: ServerEventInput<T>,
  source: EventRow['source'] = 'engine',
): EventRow {
  return eventRow(input, source)
}

/** The row of any event, every field it does not set empty. */
export function eventRow(input: EventRowInput, source: EventRow['source'] = 'engine'): EventRow {
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
