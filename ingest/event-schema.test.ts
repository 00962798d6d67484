import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { newToken } from '../platform/ids.ts'
import { SESSION_TOKEN_BYTES, SESSION_TOKEN_PREFIX, SESSION_TOKEN_REFUSAL } from './chat-session-id.ts'
import {
  describeEventTypes,
  EVENT_FIELDS,
  EVENT_TYPE_RULES,
  type EventTypeRule,
  type ParseOptions,
  parseTelemetryBody,
} from './event-schema.ts'

const NOW = Date.parse('2025-06-01T12:00:00.000Z')
const HOUR = 3_600_000
const options: ParseOptions = { now: NOW, maxAgeDays: 30, maxBatchEvents: 5 }
const parse = (body: unknown) => parseTelemetryBody(body, options)

/** A valid value for every field the type table can require, keyed as the table names them. */
const SAMPLES: Record<string, unknown> = {
  anonymous_id: 'anon-1',
  chat_session_id: 'chat-1',
  block_id: 'block-1',
  customer_id: 'cust-1',
  url: 'https://shop.example/shoes',
  value: 19.99,
  currency: 'EUR',
  'props.question_id': 'q-shipping',
  'props.question_text': 'When will it ship?',
  'props.form_id': 'form-1',
  'props.product_id': 'sku-1',
  'props.order_id': 'order-1',
  'props.quantity': 2,
}

const concreteType = (type: string) => type.replace('<name>', 'newsletter_signup')

/** The smallest valid event of a rule's type, built from the table itself. */
function minimalEvent(type: string, omit?: string): Record<string, unknown> {
  const rule: EventTypeRule = EVENT_TYPE_RULES[type as keyof typeof EVENT_TYPE_RULES]
  const event: Record<string, unknown> = { type: concreteType(type), ts: NOW }
  const props: Record<string, unknown> = {}
  for (const field of rule.required) {
    if (field === omit) continue
    if (field.startsWith('props.')) props[field.slice(6)] = SAMPLES[field]
    else event[field] = SAMPLES[field]
  }
  return Object.keys(props).length > 0 ? { ...event, props } : event
}

const pageView = (overrides: Record<string, unknown> = {}) => ({
  type: 'page.viewed',
  ts: NOW,
  anonymous_id: 'anon-1',
  url: 'https://shop.example/',
  ...overrides,
})

/** The errors of a body that must be refused. */
function errorsOf(body: unknown): Array<{ index: number; path: string; reason: string }> {
  const result = parse(body)
  if (result.ok) throw new Error('expected the body to be refused')
  return result.errors
}

describe('event types', () => {
  const rules: Array<[string, EventTypeRule]> = Object.entries(EVENT_TYPE_RULES)

  it.each(rules.map(([type]) => type))('accepts a minimal %s', (type) => {
    const result = parse(minimalEvent(type))
    expect(result.ok && result.events[0]?.type).toBe(concreteType(type))
  })

  const requirements = rules.flatMap(([type, rule]) => rule.required.map((field) => [type, field] as const))
  it.each(requirements)('refuses %s without %s', (type, field) => {
    expect(errorsOf(minimalEvent(type, field))).toContainEqual({
      index: 0,
      path: field,
      reason: `required for ${type} events`,
    })
  })

  it('refuses an unknown type, listing the accepted types and prefixes', () => {
    const [error] = errorsOf(pageView({ type: 'nope' }))
    expect(error?.path).toBe('type')
    expect(error?.reason).toMatch(
      /^unknown event type "nope": expected one of widget\.loaded, .*goal\.<name>/,
    )
  })

  it.each(['goal.', 'goal.Signup', 'custom.a b', `custom.${'x'.repeat(65)}`, 'goals.signup'])(
    'refuses the custom name %s',
    (type) => {
      expect(errorsOf(pageView({ type }))[0]?.path).toBe('type')
    },
  )

  it('checks the well-known props a type accepts', () => {
    const cart = { type: 'cart.added', ts: NOW, anonymous_id: 'a', value: 5, currency: 'EUR' }
    expect(errorsOf({ ...cart, props: { product_id: 42, quantity: 0 } })).toEqual([
      { index: 0, path: 'props.product_id', reason: expect.stringMatching(/expected string/) },
      { index: 0, path: 'props.quantity', reason: 'expected a positive integer' },
    ])
  })
})

describe('timestamps', () => {
  it.each([
    ['ISO with Z', '2025-06-01T11:00:00.250Z', NOW - HOUR + 250],
    ['ISO with an offset', '2025-06-01T13:00:00+02:00', NOW - HOUR],
    ['epoch milliseconds', NOW - HOUR, NOW - HOUR],
    ['fractional epoch milliseconds', NOW - 0.6, NOW - 1],
  ])('accepts %s, normalised to epoch ms', (_name, ts, expected) => {
    const result = parse(pageView({ ts }))
    expect(result.ok && result.events[0]?.ts).toBe(expected)
  })

  it.each(['2025-06-01T11:00:00', '2025-06-01', 'yesterday', null])('refuses ts %j', (ts) => {
    expect(errorsOf(pageView({ ts }))).toEqual([
      { index: 0, path: 'ts', reason: expect.stringMatching(/ISO 8601 date-time with a timezone/) },
    ])
  })

  it('requires ts', () => {
    const { ts: _ts, ...event } = pageView()
    expect(errorsOf(event)[0]?.path).toBe('ts')
  })

  it('refuses ts more than 24 hours ahead, accepts it just inside', () => {
    expect(parse(pageView({ ts: NOW + 24 * HOUR })).ok).toBe(true)
    expect(errorsOf(pageView({ ts: NOW + 24 * HOUR + 1 }))).toEqual([
      { index: 0, path: 'ts', reason: 'ts is more than 24 hours in the future' },
    ])
  })

  it('refuses ts older than the horizon, naming it', () => {
    expect(parse(pageView({ ts: NOW - 30 * 24 * HOUR })).ok).toBe(true)
    expect(errorsOf(pageView({ ts: NOW - 30 * 24 * HOUR - 1 }))[0]?.reason).toBe(
      'ts is older than the 30-day ingest horizon',
    )
    expect(errorsOf(pageView({ ts: Math.floor(NOW / 1000) }))[0]?.reason).toMatch(/looks like seconds/)
  })
})

describe('envelope fields', () => {
  it('requires currency whenever value is given', () => {
    expect(errorsOf({ ...pageView({ type: 'checkout.started' }), value: 10 })).toEqual([
      { index: 0, path: 'currency', reason: 'currency is required whenever value is given' },
    ])
  })

  it('refuses a value beyond what micros can hold exactly', () => {
    expect(errorsOf(pageView({ type: 'checkout.started', value: 2e9, currency: 'EUR' }))).toEqual([
      { index: 0, path: 'value', reason: 'expected at most 1000000000 in absolute value' },
    ])
  })

  it('refuses a currency that is not an uppercase ISO 4217 code', () => {
    expect(errorsOf(pageView({ type: 'checkout.started', value: 5, currency: 'usd' }))).toEqual([
      { index: 0, path: 'currency', reason: 'expected an ISO 4217 code: 3 uppercase letters, e.g. EUR' },
    ])
  })

  it.each([
    ['tenant_id', 'not accepted: the tenant comes from the public key'],
    ['user_agent', 'not accepted: the user agent is read from the User-Agent header'],
  ])('refuses %s in the body', (field, reason) => {
    expect(errorsOf(pageView({ [field]: 'x' }))).toEqual([{ index: 0, path: field, reason }])
  })

  it('refuses unknown fields, pointing at props', () => {
    expect(errorsOf(pageView({ colour: 'red' }))).toEqual([
      {
        index: 0,
        path: 'colour',
        reason: expect.stringMatching(/^unknown field "colour".*put custom data in props/),
      },
    ])
  })

  it.each([
    ['anonymous_id', ''],
    ['anonymous_id', 'x'.repeat(129)],
    ['anonymous_id', 'a\u0000b'],
    ['session_id', 7],
    ['flow_version', -1],
    ['flow_version', 1.5],
    ['intent', 'Order Status'],
    ['url', '/relative'],
    ['url', 'javascript:alert(1)'],
    ['url', `https://shop.example/${'x'.repeat(2048)}`],
    ['referrer', 'ftp://files.example/'],
    ['props', ['a']],
    ['props', 'text'],
  ])('refuses %s = %j', (field, value) => {
    expect(errorsOf(pageView({ [field]: value })).map((e) => e.path)).toEqual([field])
  })

  it.each(['__proto__', 'constructor', 'toString'])('refuses a field named %s as unknown', (field) => {
    const body = JSON.parse(
      `{"type":"page.viewed","ts":${NOW},"url":"https://a.example/","${field}":{"anonymous_id":"x"}}`,
    )
    expect(
      errorsOf(body)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['anonymous_id', field].sort())
  })

  it('refuses a session token as chat_session_id, accepts the session id', () => {
    const token = newToken(SESSION_TOKEN_PREFIX, SESSION_TOKEN_BYTES)
    const message = { type: 'message.sent', ts: NOW, anonymous_id: 'anon-1' }
    expect(errorsOf({ ...message, chat_session_id: token })).toEqual([
      { index: 0, path: 'chat_session_id', reason: SESSION_TOKEN_REFUSAL },
    ])
    expect(parse({ ...message, chat_session_id: randomUUID() }).ok).toBe(true)
    // Only the token's exact shape: other ids that start with cs_ are the integrator's own.
    expect(parse({ ...message, chat_session_id: 'cs_1234' }).ok).toBe(true)
  })

  it('accepts an empty referrer, as document.referrer gives it', () => {
    expect(parse(pageView({ referrer: '' })).ok).toBe(true)
  })
})

describe('props limits', () => {
  const keyed = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]))
  const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) })

  it('accepts 50 keys, refuses 51', () => {
    expect(parse(pageView({ props: keyed(50) })).ok).toBe(true)
    expect(errorsOf(pageView({ props: keyed(51) }))[0]?.reason).toBe(
      'props has 51 keys; at most 50 are accepted',
    )
  })

  it('accepts 4 levels of nesting (props included), refuses 5', () => {
    expect(parse(pageView({ props: nested(4) })).ok).toBe(true)
    expect(errorsOf(pageView({ props: nested(5) }))[0]?.reason).toBe(
      'props nests deeper than 4 levels (at props.a.a.a.a)',
    )
    expect(errorsOf(pageView({ props: { a: [[[[1]]]] } }))[0]?.reason).toMatch(/at props\.a\[0\]\[0\]\[0\]\)/)
  })

  it('refuses more than 8 KiB of JSON', () => {
    expect(parse(pageView({ props: { blob: 'x'.repeat(8000) } })).ok).toBe(true)
    expect(errorsOf(pageView({ props: { blob: 'x'.repeat(8200) } }))[0]).toEqual({
      index: 0,
      path: 'props',
      reason: 'props is 8211 bytes as JSON; at most 8192 are accepted',
    })
  })
})

describe('event ids', () => {
  it('generates a UUID when absent', () => {
    const result = parse({ events: [pageView(), pageView()] })
    const ids = result.ok ? result.events.map((e) => e.event_id) : []
    expect(ids).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)])
    expect(ids[0]).not.toBe(ids[1])
  })

  it('keeps a client id, lowercased so retries match whatever the casing', () => {
    const result = parse(pageView({ event_id: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' }))
    expect(result.ok && result.events[0]?.event_id).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
  })

  it('refuses an id that is not a UUID', () => {
    expect(errorsOf(pageView({ event_id: 'evt-1' }))[0]?.path).toBe('event_id')
  })
})

describe('bodies and batches', () => {
  it('takes publicKey off a single event and returns it', () => {
    expect(
      parse({ ...pageView({ event_id: '00000000-0000-4000-8000-000000000001' }), publicKey: 'pk_1' }),
    ).toEqual({
      ok: true,
      publicKey: 'pk_1',
      events: [{ ...pageView(), event_id: '00000000-0000-4000-8000-000000000001' }],
    })
  })

  it('accepts a batch with its publicKey', () => {
    const result = parse({ publicKey: 'pk_1', events: [pageView(), pageView()] })
    expect(result.ok && [result.publicKey, result.events.length]).toEqual(['pk_1', 2])
  })

  it('refuses the whole batch, listing every bad event', () => {
    const body = {
      events: [pageView(), pageView({ value: 5, ts: 'soon' }), pageView(), pageView({ type: 'nope' })],
    }
    expect(errorsOf(body).map(({ index, path }) => `${index}:${path}`)).toEqual([
      '1:ts',
      '1:currency',
      '3:type',
    ])
  })

  it('flags a batch over the size limit as too large', () => {
    expect(parse({ events: Array.from({ length: 6 }, () => pageView()) })).toEqual({
      ok: false,
      tooLarge: true,
      errors: [
        { index: -1, path: 'events', reason: 'the batch has 6 events; at most 5 are accepted per request' },
      ],
    })
  })

  it.each([
    ['an empty batch', { events: [] }, 'events'],
    ['events that are not an array', { events: {} }, 'events'],
    ['an unknown batch field', { events: [pageView()], tenant_id: 't' }, 'tenant_id'],
    ['a non-string publicKey', { events: [pageView()], publicKey: 1 }, 'publicKey'],
    ['an array body', [pageView()], ''],
    ['a string body', 'page.viewed', ''],
    ['a null body', null, ''],
  ])('refuses %s at index -1', (_name, body, path) => {
    expect(errorsOf(body)).toEqual([{ index: -1, path, reason: expect.any(String) }])
  })

  it('refuses a non-object event inside a batch at its index', () => {
    expect(errorsOf({ events: [pageView(), 'x'] })).toEqual([
      { index: 1, path: '', reason: 'an event must be a JSON object' },
    ])
  })
})

describe('documentation', () => {
  it('describes every type in one Markdown table', () => {
    const table = describeEventTypes()
    expect(table.split('\n')).toHaveLength(Object.keys(EVENT_TYPE_RULES).length + 2)
    expect(table).toMatch(
      /^\| `purchase` +\| `anonymous_id`, `props.order_id`, `value`, `currency` +\| — +\|/m,
    )
  })

  it('EVENTS.md embeds the generated table verbatim and names every envelope field', async () => {
    const doc = await readFile(new URL('./EVENTS.md', import.meta.url), 'utf8')
    expect(doc).toContain(describeEventTypes())
    for (const field of EVENT_FIELDS) expect(doc).toContain(`\`${field}\``)
  })
})
