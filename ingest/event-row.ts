/** Who produced an event: the widget's beacons, the chat engine, or a shop backend's API call. */
export type EventSource = 'widget' | 'engine' | 'backend'

/** One row of the `events` table, as the sink inserts it (sql/migrations/0002_events.sql). */
export interface EventRow {
  tenant_id: string
  event_id: string
  type: string
  source: EventSource
  /** Epoch milliseconds; ClickHouse reads them into DateTime64(3). */
  ts: number
  received_at: number
  widget_key: string
  anonymous_id: string
  session_id: string
  chat_session_id: string
  execution_id: string
  customer_id: string
  intent: string
  flow_id: string
  flow_version: number
  block_id: string
  url: string
  url_host: string
  url_path: string
  referrer: string
  referrer_host: string
  utm_source: string
  utm_medium: string
  utm_campaign: string
  utm_term: string
  utm_content: string
  click_id_type: string
  click_id: string
  user_agent: string
  browser: string
  browser_version: string
  os: string
  device_type: string
  country: string
  /** The event's props as JSON text, '{}' when none. */
  props: string
  value_micros: number
  currency: string
}
