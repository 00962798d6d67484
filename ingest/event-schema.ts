import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import { looksLikeSessionToken, SESSION_TOKEN_REFUSAL } from './chat-session-id.ts'
import { checkTypeRules } from './check-event-type.ts'
import {
  describeEnvelopeIssue,
  eventEnvelope,
  type FieldError,
  isPlainObject,
  timestamp,
} from './event-envelope.ts'
import type { EventType } from './event-type-rules.ts'

export { EVENT_FIELDS, PROPS_LIMITS } from './event-envelope.ts'
export {
  CUSTOM_NAME,
  describeEventTypes,
  EVENT_TYPE_RULES,
  type EventType,
  type EventTypeRule,
} from './event-type-rules.ts'

export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000

export type TelemetryEvent = Omit<z.output<typeof eventEnvelope>, 'event_id' | 'type'> & {
  event_id: string
  type: EventType
  /** Epoch milliseconds. */
  ts: number
}

export interface EventError extends FieldError {
  /** The event's position in the batch (0 for a single event); -1 for the body itself. */
  index: number
}

export interface ParseOptions {
  now: number
  maxAgeDays: number
  maxBatchEvents: number
}

export type ParseResult =
  | { ok: true; events: TelemetryEvent[]; publicKey?: string }
  | { ok: false; tooLarge?: true; errors: EventError[] }

const SERVER_FIELDS = new Map([
  ['tenant_id', 'not accepted: the tenant comes from the public key'],
  ['user_agent', 'not accepted: the user agent is read from the User-Agent header'],
  ['received_at', 'not accepted: the server sets the time it received the event'],
])

/**
 * Validates a telemetry body: one event, or `{ events: [...], publicKey? }`. All or nothing: any bad
 * event rejects the body, and every bad event is listed so a client can fix the batch in one round.
 */
export function parseTelemetryBody(body: unknown, options: ParseOptions): ParseResult {
  if (!isPlainObject(body)) {
    return bodyError('', 'the body must be a JSON object: one event, or { "events": [...] }')
  }
  const { publicKey, ...rest } = body
  if (publicKey !== undefined && typeof publicKey !== 'string') {
    return bodyError('publicKey', 'publicKey must be a string')
  }
  const withKey = publicKey === undefined ? {} : { publicKey }
  if (!('events' in rest)) {
    const parsed = parseEvent(rest, options)
    if ('errors' in parsed)
      return { ok: false, errors: parsed.errors.map((error) => ({ index: 0, ...error })) }
    return { ok: true, events: [parsed.event], ...withKey }
  }

  const { events, ...unknown } = rest
  const [extra] = Object.keys(unknown)
  if (extra !== undefined) {
    return bodyError(extra, `unknown field "${extra}": a batch is { "events": [...], "publicKey"? }`)
  }
  if (!Array.isArray(events)) return bodyError('events', 'events must be an array of events')
  if (events.length === 0) return bodyError('events', 'events is empty: send at least one event')
  if (events.length > options.maxBatchEvents) {
    const reason = `the batch has ${events.length} events; at most ${options.maxBatchEvents} are accepted per request`
    return { ...bodyError('events', reason), tooLarge: true }
  }

  const accepted: TelemetryEvent[] = []
  const errors: EventError[] = []
  events.forEach((raw: unknown, index) => {
    const parsed = parseEvent(raw, options)
    if ('errors' in parsed) errors.push(...parsed.errors.map((error) => ({ index, ...error })))
    else accepted.push(parsed.event)
  })
  return errors.length > 0 ? { ok: false, errors } : { ok: true, events: accepted, ...withKey }
}

function parseEvent(
  raw: unknown,
  options: ParseOptions,
): { event: TelemetryEvent } | { errors: FieldError[] } {
  if (!isPlainObject(raw)) return { errors: [{ path: '', reason: 'an event must be a JSON object' }] }
  const errors: FieldError[] = []
  for (const key of Object.keys(raw)) {
    const refusal = SERVER_FIELDS.get(key)
    if (refusal) errors.push({ path: key, reason: refusal })
  }
  // fromEntries defines a JSON "__proto__" key as a plain field (then refused as unknown), never as a prototype.
  const candidate = Object.fromEntries(Object.entries(raw).filter(([key]) => !SERVER_FIELDS.has(key)))

  const malformed = findMalformedString(candidate, '')
  if (malformed !== undefined) {
    errors.push({ path: malformed, reason: 'the text is not valid Unicode (a lone UTF-16 surrogate)' })
  }
  const parsed = eventEnvelope.safeParse(candidate)
  if (!parsed.success) errors.push(...parsed.error.issues.flatMap(describeEnvelopeIssue))
  errors.push(...checkTypeRules(candidate))
  if (typeof candidate.chat_session_id === 'string' && looksLikeSessionToken(candidate.chat_session_id)) {
    errors.push({ path: 'chat_session_id', reason: SESSION_TOKEN_REFUSAL })
  }
  const ts = parsed.success ? parsed.data.ts : timestamp.safeParse(candidate.ts).data
  if (ts !== undefined) errors.push(...checkTime(ts, options))
  if (errors.length > 0 || !parsed.success) return { errors: firstPerPath(errors) }

  const { event_id, ...event } = parsed.data
  return { event: { ...event, event_id: event_id ?? randomUUID(), type: event.type as EventType } }
}

/**
 * A lone surrogate (`"\ud800"`) is valid JSON but not valid text: ClickHouse refuses the whole insert
 * holding it, so it is refused here, at intake, with its path (keys included).
 */
function findMalformedString(root: unknown, rootPath: string): string | undefined {
  // Iterative: bodies may nest thousands of levels (refused later by the props depth rule).
  const pending: Array<[unknown, string]> = [[root, rootPath]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return path
      continue
    }
    if (value === null || typeof value !== 'object') continue
    for (const [key, item] of Object.entries(value)) {
      const itemPath = path === '' ? key : `${path}.${key}`
      if (!key.isWellFormed()) return itemPath
      pending.push([item, itemPath])
    }
  }
  return undefined
}

function checkTime(ts: number, { now, maxAgeDays }: ParseOptions): FieldError[] {
  if (ts > now + MAX_FUTURE_MS) return [{ path: 'ts', reason: 'ts is more than 24 hours in the future' }]
  if (ts < now - maxAgeDays * DAY_MS) {
    // A common client bug is sending Date.now() / 1000; say so rather than only "too old".
    const hint = ts > 0 && ts < 1e11 ? ' (it looks like seconds; send milliseconds)' : ''
    return [{ path: 'ts', reason: `ts is older than the ${maxAgeDays}-day ingest horizon${hint}` }]
  }
  return []
}

/** One reason per path: a field both mistyped and required should read as one problem. */
function firstPerPath(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>()
  return errors.filter(({ path }) => {
    if (seen.has(path)) return false
    seen.add(path)
    return true
  })
}

function bodyError(path: string, reason: string): { ok: false; errors: EventError[] } {
  return { ok: false, errors: [{ index: -1, path, reason }] }
}
