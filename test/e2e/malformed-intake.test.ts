import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../support/cli.ts'
import { metricSum, scrapeMetrics, waitForSinkToCatchUp } from '../support/prometheus.ts'
import { type RawRequest, type RawResponse, sendRaw } from '../support/raw-http.ts'
import { tempDir } from '../support/temp-dir.ts'
import { createWidgetKey } from '../support/widget-key.ts'

const ORIGIN = 'https://shop.example'

const pageView = (overrides: Record<string, unknown> = {}) => ({
  event_id: randomUUID(),
  type: 'page.viewed',
  ts: Date.now(),
  anonymous_id: 'visitor-1',
  url: 'https://shop.example/shoes',
  ...overrides,
})

/** `{"a":{"a":...}}` nested `depth` levels, built as text: JSON.stringify of it would overflow the stack. */
const nestedObjects = (depth: number, leaf = '1') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

/** A valid event whose JSON text has `fragment` (raw bytes) spliced in as its `anonymous_id` value. */
const withRawAnonymousId = (fragment: Buffer) => {
  const [before, after] = JSON.stringify(pageView({ anonymous_id: '@' })).split('"@"') as [string, string]
  return Buffer.concat([Buffer.from(before), fragment, Buffer.from(after)])
}

interface Probe {
  body?: string | Buffer
  /** null sends no Content-Type at all. */
  contentType?: string | null
  /** null sends no Origin. */
  origin?: string | null
  /** 'query' (the default) sends the valid key in the query; a string is sent as the key instead. */
  key?: 'query' | 'none' | string
  status: number
  code: string
  /** Extra checks on the error's details. */
  details?: (details: unknown) => void
}

const indexes = (details: unknown) =>
  (details as { events: Array<{ index: number }> }).events.map((e) => e.index)
const paths = (details: unknown) => (details as { events: Array<{ path: string }> }).events.map((e) => e.path)

/** Every request here is malformed; each must get a 4xx catalog error, and the server must stay up. */
const CORPUS: Array<[string, Probe]> = [
  // Not JSON
  ['bad JSON', { body: '{"type": page.viewed}', status: 400, code: 'invalid_json' }],
  ['truncated JSON', { body: JSON.stringify(pageView()).slice(0, -7), status: 400, code: 'invalid_json' }],
  [
    'truncated JSON as text/plain',
    { body: '{"events":[{"type":', contentType: 'text/plain', status: 400, code: 'invalid_json' },
  ],
  ['an empty JSON body', { body: '', status: 400, code: 'invalid_json' }],
  ['an empty text/plain body', { body: '', contentType: 'text/plain', status: 400, code: 'invalid_json' }],
  [
    'invalid UTF-8 bytes between tokens',
    {
      body: Buffer.concat([Buffer.from('{"type":'), Buffer.from([0xc0, 0xaf]), Buffer.from('}')]),
      status: 400,
      code: 'invalid_json',
    },
  ],
  [
    'invalid UTF-8 bytes between tokens as text/plain',
    {
      body: Buffer.concat([Buffer.from('{"type":'), Buffer.from([0xff]), Buffer.from('}')]),
      contentType: 'text/plain',
      status: 400,
      code: 'invalid_json',
    },
  ],
  [
    'a UTF-16 body declared as such',
    {
      body: Buffer.from(JSON.stringify(pageView()), 'utf16le'),
      contentType: 'application/json; charset=utf-16le',
      status: 400,
      code: 'invalid_json',
    },
  ],
  // JSON, but not an event
  ['an array body', { body: JSON.stringify([pageView()]), status: 400, code: 'validation_failed' }],
  ['a string body', { body: '"page.viewed"', status: 400, code: 'validation_failed' }],
  ['a number body', { body: '42', status: 400, code: 'validation_failed' }],
  ['a null body', { body: 'null', status: 400, code: 'validation_failed' }],
  [
    'a null text/plain body',
    { body: 'null', contentType: 'text/plain', status: 400, code: 'validation_failed' },
  ],
  [
    'wrong field types',
    {
      body: JSON.stringify(
        pageView({ ts: 'yesterday', anonymous_id: 42, url: ['x'], props: 'x', flow_version: -1 }),
      ),
      status: 400,
      code: 'validation_failed',
      details: (details) =>
        expect(paths(details)).toEqual(
          expect.arrayContaining(['ts', 'anonymous_id', 'url', 'props', 'flow_version']),
        ),
    },
  ],
  [
    'an events field that is not an array',
    { body: '{"events":{"0":{}}}', status: 400, code: 'validation_failed' },
  ],
  [
    'an unknown field',
    { body: JSON.stringify(pageView({ colour: 'red' })), status: 400, code: 'validation_failed' },
  ],
  [
    'a tenant_id in the body',
    { body: JSON.stringify(pageView({ tenant_id: randomUUID() })), status: 400, code: 'validation_failed' },
  ],
  [
    'a __proto__ key',
    {
      body: `{"__proto__":{"admin":true},${JSON.stringify(pageView()).slice(1)}`,
      status: 400,
      code: 'invalid_json',
    },
  ],
  [
    'a __proto__ key as text/plain',
    {
      body: `{"__proto__":{"admin":true},${JSON.stringify(pageView()).slice(1)}`,
      contentType: 'text/plain',
      status: 400,
      code: 'invalid_json',
    },
  ],
  [
    'a constructor.prototype key',
    {
      body: JSON.stringify(pageView({ props: { constructor: { prototype: { admin: true } } } })),
      status: 400,
      code: 'invalid_json',
    },
  ],
  // Huge and deep
  [
    'a 300 KB event_id',
    {
      body: JSON.stringify(pageView({ event_id: 'f'.repeat(300_000) })),
      status: 400,
      code: 'validation_failed',
    },
  ],
  [
    'a 300 KB event type',
    {
      body: JSON.stringify(pageView({ type: `custom.${'x'.repeat(300_000)}` })),
      status: 400,
      code: 'validation_failed',
    },
  ],
  [
    'a 2 MB body',
    {
      body: JSON.stringify(pageView({ props: { blob: 'x'.repeat(2_000_000) } })),
      status: 413,
      code: 'payload_too_large',
    },
  ],
  [
    'props nested 10,000 levels deep',
    {
      body: JSON.stringify(pageView({ props: '@' })).replace('"@"', nestedObjects(10_000)),
      status: 400,
      code: 'validation_failed',
      // Refused as a body before parsing (deeper than any field may nest), so no field is named.
      details: (details) => expect(paths(details)).toEqual(['']),
    },
  ],
  [
    'props nested 6 levels deep (a shallow body)',
    {
      body: JSON.stringify(pageView({ props: '@' })).replace('"@"', nestedObjects(6)),
      status: 400,
      code: 'validation_failed',
      details: (details) => expect(paths(details)).toEqual(['props']),
    },
  ],
  [
    'props nested 10,000 levels deep as text/plain',
    {
      body: JSON.stringify(pageView({ props: '@' })).replace('"@"', nestedObjects(10_000)),
      contentType: 'text/plain',
      status: 400,
      code: 'validation_failed',
    },
  ],
  [
    'an unknown field nested 50,000 levels deep',
    {
      body: JSON.stringify(pageView({ extra: '@' })).replace('"@"', nestedObjects(50_000)),
      status: 400,
      code: 'validation_failed',
    },
  ],
  [
    'an anonymous_id nested 100,000 arrays deep',
    {
      body: JSON.stringify(pageView({ anonymous_id: '@' })).replace('"@"', nestedArrays(100_000)),
      status: 400,
      code: 'validation_failed',
    },
  ],
  [
    'a body of 200,000 nested arrays',
    { body: nestedArrays(200_000), status: 400, code: 'validation_failed' },
  ],
  // Batches
  [
    'a batch of 501 events',
    {
      body: JSON.stringify({ events: Array.from({ length: 501 }, () => pageView()) }),
      status: 413,
      code: 'payload_too_large',
    },
  ],
  ['an empty batch', { body: '{"events":[]}', status: 400, code: 'validation_failed' }],
  [
    'a batch with 3 bad events',
    {
      body: JSON.stringify({
        events: [
          pageView(),
          pageView({ type: 'nope' }),
          pageView(),
          pageView({ ts: 'soon' }),
          pageView({ value: 5 }),
        ],
      }),
      status: 400,
      code: 'validation_failed',
      details: (details) => expect(indexes(details)).toEqual([1, 3, 4]),
    },
  ],
  [
    'a batch with an unknown top-level field',
    { body: JSON.stringify({ events: [pageView()], tenant: 'x' }), status: 400, code: 'validation_failed' },
  ],
  // Content types
  [
    'an XML body',
    {
      body: '<event type="page.viewed"/>',
      contentType: 'application/xml',
      status: 415,
      code: 'unsupported_media_type',
    },
  ],
  [
    'a form body',
    {
      body: 'type=page.viewed',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'unsupported_media_type',
    },
  ],
  [
    'a multipart body',
    {
      body: `--b\r\ncontent-disposition: form-data; name="event"\r\n\r\n${JSON.stringify(pageView())}\r\n--b--\r\n`,
      contentType: 'multipart/form-data; boundary=b',
      status: 415,
      code: 'unsupported_media_type',
    },
  ],
  [
    'a body with no content type',
    { body: JSON.stringify(pageView()), contentType: null, status: 415, code: 'unsupported_media_type' },
  ],
  // Credentials and origins
  ['no key', { body: JSON.stringify(pageView()), key: 'none', status: 401, code: 'unauthorized' }],
  [
    'an unknown key',
    { body: JSON.stringify(pageView()), key: 'pk_unknown', status: 401, code: 'unauthorized' },
  ],
  [
    'a publicKey of the wrong type',
    {
      body: JSON.stringify({ ...pageView(), publicKey: 42 }),
      key: 'none',
      status: 401,
      code: 'unauthorized',
    },
  ],
  [
    'a foreign origin',
    {
      body: JSON.stringify(pageView()),
      origin: 'https://evil.example',
      status: 403,
      code: 'origin_not_allowed',
    },
  ],
  [
    'a look-alike origin',
    {
      body: JSON.stringify(pageView()),
      origin: 'https://shop.example.evil.example',
      status: 403,
      code: 'origin_not_allowed',
    },
  ],
  ['no origin', { body: JSON.stringify(pageView()), origin: null, status: 403, code: 'origin_not_allowed' }],
]

/** Malformed Unicode: refused at intake, because ClickHouse would refuse the whole sink batch later. */
const MALFORMED_UNICODE: Array<[string, Probe]> = [
  [
    'invalid UTF-8 bytes inside a JSON string',
    {
      body: withRawAnonymousId(Buffer.from([0x22, 0x61, 0xff, 0xfe, 0x62, 0x22])),
      status: 400,
      code: 'invalid_json',
    },
  ],
  [
    'invalid UTF-8 bytes inside a text/plain JSON string',
    {
      body: withRawAnonymousId(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])),
      contentType: 'text/plain',
      status: 400,
      code: 'invalid_json',
    },
  ],
  [
    'a lone UTF-16 surrogate escape, valid JSON but not Unicode',
    { body: withRawAnonymousId(Buffer.from('"\\ud800"')), status: 400, code: 'validation_failed' },
  ],
]

/** Spawns `comerix serve` (embedded) with a widget key for ORIGIN, and posts raw requests to it. */
function intakeServer(env: Record<string, string> = {}) {
  const state = { server: undefined as RunningServer | undefined, publicKey: '' }

  beforeAll(async () => {
    const serverEnv = { DATA_DIR: await tempDir('comerix-malformed-'), LOG_LEVEL: 'warn', ...env }
    state.server = await startServer(serverEnv)
    state.publicKey = (await createWidgetKey(serverEnv, 'malformed-shop', ORIGIN)).publicKey
  })
  afterAll(async () => {
    if (state.server?.process.exitCode === null) await state.server.stop('SIGTERM')
  })

  const running = () => {
    if (!state.server) throw new Error('the server did not start')
    return state.server
  }

  return {
    get server() {
      return running()
    },
    post(probe: Omit<Probe, 'status' | 'code' | 'details'>): Promise<RawResponse> {
      const key = probe.key ?? 'query'
      const query =
        key === 'none' ? '' : `?publicKey=${encodeURIComponent(key === 'query' ? state.publicKey : key)}`
      const headers: Record<string, string> = {}
      const contentType = probe.contentType === undefined ? 'application/json' : probe.contentType
      if (contentType !== null) headers['content-type'] = contentType
      const origin = probe.origin === undefined ? ORIGIN : probe.origin
      if (origin !== null) headers.origin = origin
      const request: RawRequest = { path: `/v1/telemetry${query}`, headers }
      if (probe.body !== undefined) request.body = probe.body
      return sendRaw(running().url, request)
    },
    /** The request got the probe's catalog error, and the server lived through it. */
    async expectRefused(probe: Probe) {
      const response = await this.post(probe)
      expect(response.headers['content-type']).toMatch(/^application\/json/)
      const body = JSON.parse(response.body)
      expect({ status: response.status, code: body.error?.code }).toEqual({
        status: probe.status,
        code: probe.code,
      })
      expect(body.error).toEqual(
        expect.objectContaining({
          message: expect.any(String),
          retryable: false,
          requestId: response.headers['x-request-id'],
        }),
      )
      probe.details?.(body.error.details)
      // Refusals a browser page must not read carry no CORS headers (refusals to the allowed origin may).
      if (probe.origin !== undefined) expect(response.headers['access-control-allow-origin']).toBeUndefined()

      expect(running().process.exitCode).toBeNull()
      expect((await sendRaw(running().url, { method: 'GET', path: '/healthz' })).status).toBe(200)
    },
  }
}

describe('telemetry intake under malformed requests, over real HTTP', () => {
  const intake = intakeServer({ SINK_BATCH_WAIT_MS: '50' })

  it.each(CORPUS)('refuses %s with a 4xx catalog error and stays up', async (_name, probe) => {
    await intake.expectRefused(probe)
  })

  it('counted every refusal by its code on /metrics', async () => {
    const rejected = metricSum(
      await scrapeMetrics(intake.server.url),
      'comerix_ingest_requests_rejected_total',
    )
    expect(rejected).toBe(CORPUS.length)
  })

  it('still accepts a valid sendBeacon text/plain beacon from the allowed origin, and the sink takes it', async () => {
    const { url } = intake.server
    const response = await intake.post({
      body: JSON.stringify(pageView()),
      contentType: 'text/plain;charset=UTF-8',
    })
    expect(response.status).toBe(202)
    expect(JSON.parse(response.body)).toEqual({ accepted: 1 })
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN)
    expect(metricSum(await scrapeMetrics(url), 'comerix_ingest_events_accepted_total')).toBe(1)
    // Nothing from the corpus reached the log: the one accepted event is all the sink had to store.
    await waitForSinkToCatchUp(url, 15_000)
    const sink = await scrapeMetrics(url)
    expect(metricSum(sink, 'comerix_sink_batch_rows_sum')).toBe(1)
    expect(metricSum(sink, 'comerix_sink_events_dead_lettered_total')).toBe(0)
  })
})

describe('telemetry intake and malformed Unicode', () => {
  const intake = intakeServer({ SINK_BATCH_WAIT_MS: '50' })

  it.each(MALFORMED_UNICODE)('refuses %s', async (_name, probe) => {
    await intake.expectRefused(probe)
  })

  it('refuses a beacon with a lone surrogate in props and keeps storing the events after it', async () => {
    const refused = await intake.post({ body: JSON.stringify(pageView({ props: { note: '\ud800' } })) })
    expect(refused.status).toBe(400)
    const valid = await intake.post({ body: JSON.stringify(pageView()) })
    expect(valid.status).toBe(202)
    await waitForSinkToCatchUp(intake.server.url, 15_000)
    expect(metricSum(await scrapeMetrics(intake.server.url), 'comerix_sink_batch_rows_sum')).toBe(1)
  })
})
