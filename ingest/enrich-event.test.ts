import { describe, expect, it } from 'vitest'
import { CLICK_ID_PARAMS, type EnrichContext, enrichEvent, toMicros } from './enrich-event.ts'
import type { TelemetryEvent } from './event-schema.ts'

const TS = Date.parse('2025-06-01T12:00:00.000Z')
const CHROME_DESKTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'

const context: EnrichContext = {
  tenantId: '7f1c2a44-2b5e-4f4e-9d1a-0c9e4b7a1d20',
  widgetKey: 'pk_test',
  source: 'widget',
  receivedAt: TS + 250,
  userAgent: CHROME_DESKTOP,
  country: 'de',
}

const event = (overrides: Partial<TelemetryEvent> = {}): TelemetryEvent => ({
  event_id: '0b9c6f3e-8d2a-4c71-a5e4-3f2d1c0b9a87',
  type: 'page.viewed',
  ts: TS,
  anonymous_id: 'anon-1',
  url: 'https://shop.example/shoes',
  ...overrides,
})

describe('enrichEvent', () => {
  it('fills every column, empty strings and zeros for what the event lacks', () => {
    expect(enrichEvent(event(), context)).toEqual({
      tenant_id: context.tenantId,
      event_id: '0b9c6f3e-8d2a-4c71-a5e4-3f2d1c0b9a87',
      type: 'page.viewed',
      source: 'widget',
      ts: TS,
      received_at: TS + 250,
      widget_key: 'pk_test',
      anonymous_id: 'anon-1',
      session_id: '',
      chat_session_id: '',
      execution_id: '',
      customer_id: '',
      intent: '',
      flow_id: '',
      flow_version: 0,
      block_id: '',
      url: 'https://shop.example/shoes',
      url_host: 'shop.example',
      url_path: '/shoes',
      referrer: '',
      referrer_host: '',
      utm_source: '',
      utm_medium: '',
      utm_campaign: '',
      utm_term: '',
      utm_content: '',
      click_id_type: '',
      click_id: '',
      user_agent: CHROME_DESKTOP,
      browser: 'Chrome',
      browser_version: '130',
      os: 'Windows',
      device_type: 'desktop',
      country: 'DE',
      props: '{}',
      value_micros: 0,
      currency: '',
    })
  })

  it('copies the chat and flow fields and serialises props', () => {
    const row = enrichEvent(
      event({
        type: 'block.rendered',
        session_id: 's-1',
        chat_session_id: 'chat-1',
        execution_id: 'exec-1',
        customer_id: 'cust-1',
        intent: 'order_status',
        flow_id: 'flow-1',
        flow_version: 3,
        block_id: 'block-1',
        props: { step: 2, tags: ['a'] },
      }),
      { ...context, source: 'engine' },
    )
    expect(row).toMatchObject({
      source: 'engine',
      session_id: 's-1',
      chat_session_id: 'chat-1',
      execution_id: 'exec-1',
      customer_id: 'cust-1',
      intent: 'order_status',
      flow_id: 'flow-1',
      flow_version: 3,
      block_id: 'block-1',
      props: '{"step":2,"tags":["a"]}',
    })
  })
})

describe('page and referrer URLs', () => {
  it('splits the page URL into a lowercase host and a path', () => {
    const row = enrichEvent(event({ url: 'https://Shop.EXAMPLE:8443/Shoes/Red?size=9#reviews' }), context)
    expect([row.url_host, row.url_path]).toEqual(['shop.example', '/Shoes/Red'])
  })

  it('reads the UTM parameters from the page URL', () => {
    const url =
      'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=june%20sale&utm_term=shoes&utm_content=hero'
    expect(enrichEvent(event({ url }), context)).toMatchObject({
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'june sale',
      utm_term: 'shoes',
      utm_content: 'hero',
    })
  })

  it.each(CLICK_ID_PARAMS.map((name) => [name]))('recognises the %s click id', (name) => {
    const row = enrichEvent(event({ url: `https://shop.example/?${name}=id-123` }), context)
    expect([row.click_id_type, row.click_id]).toEqual([name, 'id-123'])
  })

  it('takes the first click id in priority order, skipping empty ones', () => {
    const row = enrichEvent(event({ url: 'https://shop.example/?fbclid=fb-1&gclid=&msclkid=ms-1' }), context)
    expect([row.click_id_type, row.click_id]).toEqual(['fbclid', 'fb-1'])
  })

  it('leaves URL columns empty without a page URL', () => {
    const { url: _url, ...withoutUrl } = event()
    expect(enrichEvent(withoutUrl, context)).toMatchObject({
      url: '',
      url_host: '',
      url_path: '',
      utm_source: '',
    })
  })

  it('keeps the referrer and its host', () => {
    const row = enrichEvent(event({ referrer: 'https://www.Google.com/search?q=shoes' }), context)
    expect([row.referrer, row.referrer_host]).toEqual([
      'https://www.Google.com/search?q=shoes',
      'www.google.com',
    ])
  })
})

describe('user agents', () => {
  it.each([
    ['Chrome on Windows', CHROME_DESKTOP, ['Chrome', '130', 'Windows', 'desktop']],
    [
      'Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ['Mobile Safari', '17', 'iOS', 'mobile'],
    ],
    [
      'Chrome on an Android tablet',
      'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      ['Chrome', '120', 'Android', 'tablet'],
    ],
    [
      'Safari on a Mac',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      ['Safari', '17', 'Mac OS', 'desktop'],
    ],
    [
      'Googlebot',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      ['', '', '', 'bot'],
    ],
    [
      'Googlebot smartphone',
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      ['Chrome', '126', 'Android', 'bot'],
    ],
    ['no user agent', undefined, ['', '', '', '']],
  ])('parses %s', (_name, userAgent, expected) => {
    const row = enrichEvent(event(), { ...context, userAgent })
    expect([row.browser, row.browser_version, row.os, row.device_type]).toEqual(expected)
  })

  it('gives the same answer from its cache, and stays correct past the cache size', () => {
    const first = enrichEvent(event(), context)
    for (let i = 0; i < 1_100; i += 1)
      enrichEvent(event(), { ...context, userAgent: `${CHROME_DESKTOP} x/${i}` })
    expect(enrichEvent(event(), context)).toEqual(first)
  })

  it('bounds the stored user agent', () => {
    const row = enrichEvent(event(), { ...context, userAgent: `${CHROME_DESKTOP} ${'x'.repeat(5000)}` })
    expect(row.user_agent).toHaveLength(1024)
  })
})

describe('country', () => {
  it.each([
    ['de', 'DE'],
    [' FR ', 'FR'],
    ['XX', ''],
    ['T1', ''],
    ['Germany', ''],
    [undefined, ''],
  ])('%j is stored as %j', (country, expected) => {
    expect(enrichEvent(event(), { ...context, country }).country).toBe(expected)
  })
})

describe('money', () => {
  it.each([
    [19.99, 19_990_000],
    [0.1 + 0.2, 300_000],
    [1234.565, 1_234_565_000],
    [0.0000015, 2],
    [-5.5, -5_500_000],
    [999_999_999.99, 999_999_999_990_000],
  ])('stores %d as %d integer micros', (value, micros) => {
    expect(toMicros(value)).toBe(micros)
    expect(Number.isInteger(toMicros(value))).toBe(true)
  })

  it('carries value and currency into the row', () => {
    const row = enrichEvent(
      event({ type: 'purchase', value: 42.1, currency: 'EUR', props: { order_id: 'o-1' } }),
      context,
    )
    expect([row.value_micros, row.currency, row.props]).toEqual([42_100_000, 'EUR', '{"order_id":"o-1"}'])
  })

  it('stores no value as zero micros, never -0', () => {
    expect(Object.is(toMicros(-0.0000001), 0)).toBe(true)
  })
})
