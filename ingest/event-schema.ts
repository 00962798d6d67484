import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { intentName } from '../platform/tenancy/tenancy-schemas.ts'

export const PROPS_LIMITS = { maxKeys: 50, maxDepth: 4, maxBytes: 8192 } as const
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000
/** The `<name>` of `goal.<name>` and `custom.<name>` events. */
export const CUSTOM_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/
const DAY_MS = 24 * 60 * 60 * 1000
// Keeps value * 1e6 far inside Number.MAX_SAFE_INTEGER, so the stored integer micros are exact.
const MAX_ABS_VALUE = 1e9

const identifier = z
  .string()
  .min(1, 'expected 1-128 characters')
  .max(128, 'expected 1-128 characters')
  .regex(/^\P{Cc}+$/u, 'must not contain control characters')

const absoluteUrl = z
  .string()
  .max(2048, 'expected at most 2048 characters')
  .refine(isHttpUrl, 'expected an absolute http(s) URL')

const TIMESTAMP_FORMATS =
  'expected an ISO 8601 date-time with a timezone (2024-05-01T10:00:00.000Z) or epoch milliseconds'
const timestamp = z
  .union([z.iso.datetime({ offset: true, error: TIMESTAMP_FORMATS }), z.number()], {
    error: TIMESTAMP_FORMATS,
  })
  .transform((value) => (typeof value === 'number' ? Math.round(value) : Date.parse(value)))

const props = z
  .custom<Record<string, unknown>>(isPlainObject, 'props must be a JSON object')
  .superRefine((value, context) => {
    const reason = describePropsProblem(value)
    if (reason) context.addIssue({ code: 'custom', message: reason })
  })

/** Validators of the well-known props that some event types require or accept (see EVENT_TYPE_RULES). */
const PROP_FIELDS = {
  question_id: identifier,
  question_text: z.string().max(1000, 'expected at most 1000 characters'),
  form_id: identifier,
  product_id: identifier,
  order_id: identifier,
  quantity: z.number().int('expected a positive integer').positive('expected a positive integer'),
} satisfies Record<string, z.ZodType>

const eventEnvelope = z.strictObject({
  event_id: z
    .guid('expected a UUID (8-4-4-4-12 hex digits)')
    .transform((id) => id.toLowerCase())
    .optional(),
  type: z.string(),
  ts: timestamp,
  anonymous_id: identifier.optional(),
  session_id: identifier.optional(),
  chat_session_id: identifier.optional(),
  execution_id: identifier.optional(),
  intent: intentName.optional(),
  flow_id: identifier.optional(),
  flow_version: z.number().int('expected an integer from 0').min(0).max(4_294_967_295).optional(),
  block_id: identifier.optional(),
  customer_id: identifier.optional(),
  url: absoluteUrl.optional(),
  // `document.referrer` is '' when there is none; sending it as is must not cost the whole batch.
  referrer: z.union([z.literal(''), absoluteUrl]).optional(),
  props: props.optional(),
  value: z
    .number()
    .refine(
      (value) => Math.abs(value) <= MAX_ABS_VALUE,
      `expected at most ${MAX_ABS_VALUE} in absolute value`,
    )
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code: 3 uppercase letters, e.g. EUR')
    .optional(),
})

export const EVENT_FIELDS = Object.keys(eventEnvelope.shape) as ReadonlyArray<
  keyof typeof eventEnvelope.shape
>

type RuleField =
  | 'anonymous_id'
  | 'chat_session_id'
  | 'block_id'
  | 'customer_id'
  | 'url'
  | 'value'
  | 'currency'
  | `props.${keyof typeof PROP_FIELDS}`

export interface EventTypeRule {
  readonly required: readonly RuleField[]
  /** Where these fields are meaningful; well-known props listed here are validated when present. */
  readonly optional?: readonly RuleField[]
  readonly meaning: string
}

const MONEY: readonly RuleField[] = ['value', 'currency']

/**
 * The one table of event types, keyed by type (`<prefix>.<name>` for a family of tenant-named types):
 * validation, EVENTS.md and the README all come from it.
 */
export const EVENT_TYPE_RULES = {
  'widget.loaded': { required: ['anonymous_id'], meaning: 'The widget loaded on a page.' },
  'widget.opened': { required: ['anonymous_id'], meaning: 'The visitor opened the widget.' },
  'widget.closed': { required: ['anonymous_id'], meaning: 'The visitor closed the widget.' },
  'quick_question.clicked': {
    required: ['anonymous_id', 'props.question_id'],
    optional: ['props.question_text'],
    meaning: 'The visitor clicked a quick question.',
  },
  'message.sent': {
    required: ['anonymous_id', 'chat_session_id'],
    meaning: 'The visitor sent a chat message.',
  },
  'block.rendered': { required: ['chat_session_id', 'block_id'], meaning: 'A flow block was shown.' },
  'form.submitted': {
    required: ['chat_session_id', 'props.form_id'],
    meaning: 'The visitor submitted a form.',
  },
  'page.viewed': { required: ['anonymous_id', 'url'], meaning: 'A page view.' },
  'product.viewed': {
    required: ['anonymous_id', 'props.product_id'],
    optional: MONEY,
    meaning: 'A product page view; value is the price.',
  },
  'cart.added': {
    required: ['anonymous_id', 'props.product_id', ...MONEY],
    optional: ['props.quantity'],
    meaning: 'A product was added to the cart; value is the line total.',
  },
  'checkout.started': { required: ['anonymous_id'], optional: MONEY, meaning: 'Checkout began.' },
  purchase: {
    required: ['anonymous_id', 'props.order_id', ...MONEY],
    meaning: 'An order was placed; value is the order total.',
  },
  identify: {
    required: ['anonymous_id', 'customer_id'],
    meaning: 'Links the anonymous visitor to a customer id.',
  },
  'goal.<name>': { required: ['anonymous_id'], optional: MONEY, meaning: 'A tenant-defined goal.' },
  'custom.<name>': { required: ['anonymous_id'], optional: MONEY, meaning: 'Any other tenant event.' },
} as const satisfies Record<string, EventTypeRule>

type RuleType = keyof typeof EVENT_TYPE_RULES
type FamilyType<T> = T extends `${infer Prefix}.<name>` ? `${Prefix}.${string}` : never
export type EventType = Exclude<RuleType, `${string}.<name>`> | FamilyType<RuleType>

export type TelemetryEvent = Omit<z.output<typeof eventEnvelope>, 'event_id' | 'type'> & {
  event_id: string
  type: EventType
  /** Epoch milliseconds. */
  ts: number
}

export interface EventError {
  /** The event's position in the batch (0 for a single event); -1 for the body itself. */
  index: number
  path: string
  reason: string
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

type FieldError = Omit<EventError, 'index'>

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
  if (!parsed.success) errors.push(...parsed.error.issues.flatMap(describeIssue))
  errors.push(...checkTypeRules(candidate))
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

function checkTypeRules(event: Record<string, unknown>): FieldError[] {
  if (typeof event.type !== 'string') return []
  const ruleType = findRuleType(event.type)
  if (!ruleType) return [{ path: 'type', reason: describeUnknownType(event.type) }]
  const rule: EventTypeRule = EVENT_TYPE_RULES[ruleType]
  const props = isPlainObject(event.props) ? event.props : {}
  const errors: FieldError[] = []
  for (const field of rule.required) {
    if (fieldValue(event, props, field) === undefined) {
      errors.push({ path: field, reason: `required for ${ruleType} events` })
    }
  }
  for (const field of [...rule.required, ...(rule.optional ?? [])]) {
    if (!field.startsWith('props.')) continue
    const value = fieldValue(event, props, field)
    const result = PROP_FIELDS[field.slice(6) as keyof typeof PROP_FIELDS].safeParse(value)
    if (value !== undefined && !result.success) {
      errors.push({ path: field, reason: result.error.issues[0]?.message ?? 'invalid' })
    }
  }
  if (event.value !== undefined && event.currency === undefined) {
    errors.push({ path: 'currency', reason: 'currency is required whenever value is given' })
  }
  return errors
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

function findRuleType(type: string): RuleType | undefined {
  if (Object.hasOwn(EVENT_TYPE_RULES, type)) return type as RuleType
  const dot = type.indexOf('.')
  const family = `${type.slice(0, dot)}.<name>`
  if (dot > 0 && Object.hasOwn(EVENT_TYPE_RULES, family) && CUSTOM_NAME.test(type.slice(dot + 1))) {
    return family as RuleType
  }
  return undefined
}

function describeUnknownType(type: string): string {
  const known = Object.keys(EVENT_TYPE_RULES).join(', ')
  return `unknown event type "${type.slice(0, 100)}": expected one of ${known}, where <name> matches ${CUSTOM_NAME.source}`
}

function fieldValue(
  event: Record<string, unknown>,
  props: Record<string, unknown>,
  field: RuleField,
): unknown {
  return field.startsWith('props.') ? props[field.slice(6)] : event[field]
}

function describeIssue(issue: z.core.$ZodIssue): FieldError[] {
  const path = formatPath(issue.path)
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      reason: `unknown field "${key}": an event has only ${EVENT_FIELDS.join(', ')} (put custom data in props)`,
    }))
  }
  return [{ path, reason: issue.message }]
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`
    return text ? `${text}.${String(key)}` : String(key)
  }, '')
}

function describePropsProblem(props: Record<string, unknown>): string | undefined {
  const keys = Object.keys(props).length
  if (keys > PROPS_LIMITS.maxKeys)
    return `props has ${keys} keys; at most ${PROPS_LIMITS.maxKeys} are accepted`
  const deep = findTooDeep(props, 1, 'props')
  if (deep) return `props nests deeper than ${PROPS_LIMITS.maxDepth} levels (at ${deep})`
  const bytes = Buffer.byteLength(JSON.stringify(props))
  if (bytes > PROPS_LIMITS.maxBytes) {
    return `props is ${bytes} bytes as JSON; at most ${PROPS_LIMITS.maxBytes} are accepted`
  }
  return undefined
}

/** The path of the first object or array nested beyond the depth limit (props itself is level 1). */
function findTooDeep(value: unknown, depth: number, path: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (depth > PROPS_LIMITS.maxDepth) return path
  for (const [key, child] of Object.entries(value)) {
    const found = findTooDeep(child, depth + 1, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`)
    if (found) return found
  }
  return undefined
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

/**
 * The per-type table as Markdown, embedded verbatim in ingest/EVENTS.md (a test keeps them equal).
 * Columns are padded so the table also reads well as plain text.
 */
export function describeEventTypes(): string {
  const list = (fields: readonly string[]) => (fields.length ? fields.map((f) => `\`${f}\``).join(', ') : '—')
  const rows = [
    ['type', 'required', 'optional', 'meaning'],
    ...Object.entries(EVENT_TYPE_RULES).map(([type, rule]: [string, EventTypeRule]) => [
      `\`${type}\``,
      list(rule.required),
      list(rule.optional ?? []),
      rule.meaning,
    ]),
  ]
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? []
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`
  const [header = [], ...body] = rows
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}
