import { UAParser } from 'ua-parser-js'
import type { EventRow, EventSource } from './event-row.ts'
import type { TelemetryEvent } from './event-schema.ts'

export interface EnrichContext {
  /** From the credential, never from the body. */
  tenantId: string
  widgetKey: string
  source: EventSource
  /** Epoch milliseconds. */
  receivedAt: number
  userAgent: string | undefined
  /** From the operator-configured country header, if any. */
  country: string | undefined
}

/** One row of the `events` table (sql/migrations/0002_events.sql), as JSONEachRow inserts it. */

/** Ad-platform click ids, in the order that decides which one a URL carrying several is credited to. */
export const CLICK_ID_PARAMS = [
  'gclid',
  'gbraid',
  'wbraid',
  'fbclid',
  'msclkid',
  'ttclid',
  'li_fat_id',
  'twclid',
  'dclid',
  'yclid',
] as const

const UTM_PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const

/**
 * Crawlers, link previewers and headless automation: ua-parser-js names browsers, not bots, and
 * counting these as visitors would inflate impressions.
 */
const BOT_UA =
  /bot\b|crawl|spider|slurp|mediapartners|facebookexternalhit|headless|lighthouse|curl\/|wget\/|python-requests/i

const MAX_USER_AGENT_CHARS = 1024
const UA_CACHE_SIZE = 1000

interface ParsedAgent {
  browser: string
  browser_version: string
  os: string
  device_type: string
}

/** Turns a validated event into its stored row: credential context, URL, campaign and device facts. */
export function enrichEvent(event: TelemetryEvent, context: EnrichContext): EventRow {
  const page = parseUrl(event.url)
  const userAgent = (context.userAgent ?? '').slice(0, MAX_USER_AGENT_CHARS)
  return {
    tenant_id: context.tenantId,
    event_id: event.event_id,
    type: event.type,
    source: context.source,
    ts: event.ts,
    received_at: context.receivedAt,
    widget_key: context.widgetKey,
    anonymous_id: event.anonymous_id ?? '',
    session_id: event.session_id ?? '',
    chat_session_id: event.chat_session_id ?? '',
    execution_id: event.execution_id ?? '',
    customer_id: event.customer_id ?? '',
    intent: event.intent ?? '',
    flow_id: event.flow_id ?? '',
    flow_version: event.flow_version ?? 0,
    block_id: event.block_id ?? '',
    url: event.url ?? '',
    url_host: page?.hostname ?? '',
    url_path: page?.pathname ?? '',
    referrer: event.referrer ?? '',
    referrer_host: parseUrl(event.referrer)?.hostname ?? '',
    ...readUtm(page),
    ...readClickId(page),
    user_agent: userAgent,
    ...parseUserAgent(userAgent),
    country: normaliseCountry(context.country),
    props: JSON.stringify(event.props ?? {}),
    value_micros: event.value === undefined ? 0 : toMicros(event.value),
    currency: event.currency ?? '',
  }
}

/** Integer micros; Math.round absorbs binary float error (19.99 * 1e6 is 19990000.000000004). */
export function toMicros(value: number): number {
  return Math.round(value * 1e6) || 0 // `|| 0` turns -0 into 0
}

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

function readUtm(page: URL | undefined): Pick<EventRow, (typeof UTM_PARAMS)[number]> {
  const read = (name: string) => page?.searchParams.get(name) ?? ''
  return {
    utm_source: read('utm_source'),
    utm_medium: read('utm_medium'),
    utm_campaign: read('utm_campaign'),
    utm_term: read('utm_term'),
    utm_content: read('utm_content'),
  }
}

function readClickId(page: URL | undefined): Pick<EventRow, 'click_id_type' | 'click_id'> {
  for (const name of CLICK_ID_PARAMS) {
    const value = page?.searchParams.get(name)
    if (value) return { click_id_type: name, click_id: value }
  }
  return { click_id_type: '', click_id: '' }
}

function normaliseCountry(value: string | undefined): string {
  const code = (value ?? '').trim().toUpperCase()
  // XX is what CDNs (Cloudflare among them) send when they do not know the country.
  return /^[A-Z]{2}$/.test(code) && code !== 'XX' ? code : ''
}

// Map keeps insertion order: re-inserting on a hit makes the first key the least recently used.
const agentCache = new Map<string, ParsedAgent>()

function parseUserAgent(userAgent: string): ParsedAgent {
  const cached = agentCache.get(userAgent)
  if (cached) {
    agentCache.delete(userAgent)
    agentCache.set(userAgent, cached)
    return cached
  }
  const parsed = describeAgent(userAgent)
  if (agentCache.size >= UA_CACHE_SIZE) agentCache.delete(agentCache.keys().next().value as string)
  agentCache.set(userAgent, parsed)
  return parsed
}

function describeAgent(userAgent: string): ParsedAgent {
  if (userAgent === '') return { browser: '', browser_version: '', os: '', device_type: '' }
  const { browser, os, device } = new UAParser(userAgent).getResult()
  return {
    browser: browser.name ?? '',
    browser_version: browser.major ?? '',
    os: os.name ?? '',
    device_type: BOT_UA.test(userAgent) ? 'bot' : (device.type ?? 'desktop'),
  }
}
