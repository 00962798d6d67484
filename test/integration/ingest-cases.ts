import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { EVENTS_TOPIC } from '../../ingest/event-topics.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

const ORIGIN = 'https://shop.example'

/**
 * The ingest pipeline's behaviour, run once per event-log adapter: `env` picks the adapter
 * (nothing for the local log, KAFKA_BROKERS for Kafka).
 */
export function ingestCases(name: string, env: Record<string, string> | undefined): void {
  describe.skipIf(env === undefined)(`ingest through ${name}`, () => {
    let app: App
    let tenantId: string
    let publicKey: string

    beforeAll(async () => {
      app = await createApp(testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50', ...env }))
      const { tenant } = await app.operator.createTenant({ slug: 'ingest-shop' })
      tenantId = tenant.id
      publicKey = (
        await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], allIntents: true })
      ).publicKey
    })
    afterAll(() => app?.close())

    const post = (
      payload: unknown,
      options: { contentType?: string; origin?: string; key?: string | null } = {},
    ) =>
      app.server.inject({
        method: 'POST',
        url: options.key === null ? '/v1/telemetry' : `/v1/telemetry?publicKey=${options.key ?? publicKey}`,
        headers: {
          'content-type': options.contentType ?? 'application/json',
          origin: options.origin ?? ORIGIN,
          'user-agent':
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
        },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      })

    const pageView = (overrides: Record<string, unknown> = {}) => ({
      event_id: randomUUID(),
      type: 'page.viewed',
      ts: Date.now(),
      anonymous_id: 'anon-1',
      url: 'https://shop.example/shoes?utm_source=newsletter&gclid=abc123',
      ...overrides,
    })

    const countStored = async (ids: string[]) => {
      const [row] = await app.db.select<{ n: string }>(
        `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID} AND event_id IN {ids:Array(UUID)}`,
        { tenantId, ids },
      )
      return Number(row?.n)
    }

    /**
     * Sends a marker and waits until it is stored and the sink has committed everything appended
     * (lag 0 on every partition): all that came before has been fully handled, dead letters included.
     */
    const waitForSinkToPass = async () => {
      const marker = pageView()
      expect((await post(marker)).statusCode).toBe(202)
      await waitFor(
        async () => (await countStored([marker.event_id])) === 1 && (await app.sink?.lag()) === 0,
        {
          message: 'sink caught up',
        },
      )
    }

    it('stores a single JSON event once, enriched', async () => {
      const event = pageView()
      const response = await post(event)
      expect(response.statusCode).toBe(202)
      expect(response.json()).toEqual({ accepted: 1 })
      expect(response.headers['access-control-allow-origin']).toBe(ORIGIN)
      await waitFor(async () => (await countStored([event.event_id])) === 1, { message: 'event stored' })
      const [row] = await app.db.select<Record<string, unknown>>(
        `SELECT widget_key, url_host, url_path, utm_source, click_id_type, click_id, browser, device_type, source
         FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID} AND event_id = {id:UUID}`,
        { tenantId, id: event.event_id },
      )
      expect(row).toEqual({
        widget_key: publicKey,
        url_host: 'shop.example',
        url_path: '/shoes',
        utm_source: 'newsletter',
        click_id_type: 'gclid',
        click_id: 'abc123',
        browser: 'Chrome',
        device_type: 'desktop',
        source: 'widget',
      })
    })

    it('accepts sendBeacon text/plain bodies and batches with the key in the body', async () => {
      const events = [pageView(), pageView()]
      const response = await app.server.inject({
        method: 'POST',
        url: '/v1/telemetry',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN },
        payload: JSON.stringify({ publicKey, events }),
      })
      expect(response.statusCode).toBe(202)
      await waitFor(async () => (await countStored(events.map((e) => e.event_id))) === 2)
    })

    it('counts a retried batch once', async () => {
      const events = Array.from({ length: 20 }, () => pageView())
      for (let attempt = 0; attempt < 3; attempt += 1) expect((await post({ events })).statusCode).toBe(202)
      await waitForSinkToPass()
      expect(await countStored(events.map((e) => e.event_id))).toBe(20)
    })

    it('counts an event redelivered by the log once', async () => {
      const event = pageView()
      expect((await post(event)).statusCode).toBe(202)
      await waitFor(async () => (await countStored([event.event_id])) === 1)
      // A redelivery is the same record appearing again in the log (a producer retry, a replay).
      const [row] = await app.db.select<Record<string, unknown>>(
        `SELECT * FROM ${app.db.tables.events} WHERE event_id = {id:UUID}`,
        { id: event.event_id },
      )
      await app.eventLog.append(EVENTS_TOPIC, [
        { key: event.event_id, value: JSON.stringify(normalise(row)) },
      ])
      await waitForSinkToPass()
      expect(await countStored([event.event_id])).toBe(1)
    })

    it('refuses a batch with invalid events whole, naming each', async () => {
      const good = pageView()
      const response = await post({
        events: [
          good,
          { ...pageView(), currency: 'usd', value: 5 },
          pageView(),
          { ...pageView(), type: 'nope' },
        ],
      })
      expect(response.statusCode).toBe(400)
      const { error } = response.json()
      expect(error.code).toBe('validation_failed')
      expect(error.details.events.map((e: { index: number }) => e.index)).toEqual([1, 3])
      await waitForSinkToPass()
      expect(await countStored([good.event_id])).toBe(0)
    })

    it('refuses a foreign origin without CORS headers', async () => {
      const response = await post(pageView(), { origin: 'https://evil.example' })
      expect(response.statusCode).toBe(403)
      expect(response.json().error.code).toBe('origin_not_allowed')
      expect(response.headers['access-control-allow-origin']).toBeUndefined()
    })

    it('answers preflights by the same rule', async () => {
      const preflight = (origin: string) =>
        app.server.inject({
          method: 'OPTIONS',
          url: `/v1/telemetry?publicKey=${publicKey}`,
          headers: { origin, 'access-control-request-method': 'POST' },
        })
      const allowed = await preflight(ORIGIN)
      expect(allowed.statusCode).toBe(204)
      expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN)
      const refused = await preflight('https://evil.example')
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['access-control-allow-origin']).toBeUndefined()
    })

    it.each([
      ['no key', () => post(pageView(), { key: null }), 401, 'unauthorized'],
      ['an unknown key', () => post(pageView(), { key: 'pk_unknown' }), 401, 'unauthorized'],
      ['malformed JSON', () => post('{"type":', {}), 400, 'invalid_json'],
      [
        'malformed text/plain JSON',
        () => post('{"type":', { contentType: 'text/plain' }),
        400,
        'invalid_json',
      ],
      [
        'a form body',
        () => post('a=1', { contentType: 'application/x-www-form-urlencoded' }),
        415,
        'unsupported_media_type',
      ],
      [
        'too many events',
        () => post({ events: Array.from({ length: 501 }, () => pageView()) }),
        413,
        'payload_too_large',
      ],
      [
        'too many bytes',
        () => post({ events: [pageView({ props: { blob: 'x'.repeat(600_000) } })] }),
        413,
        'payload_too_large',
      ],
    ])('refuses %s', async (_case, send, status, code) => {
      const response = await send()
      expect(response.statusCode).toBe(status)
      expect(response.json().error.code).toBe(code)
    })

    it('sends a poison record to the dead-letter table and keeps flowing', async () => {
      await app.eventLog.append(EVENTS_TOPIC, [{ key: 'x', value: 'not json at all' }])
      await waitForSinkToPass()
      const rows = await app.db.select<{ payload: string; error: string }>(
        `SELECT payload, error FROM ${app.db.tables.events_dead_letter}`,
      )
      expect(rows).toEqual([{ payload: 'not json at all', error: expect.stringMatching(/^not JSON/) }])
    })

    it('keeps accepting while ClickHouse refuses inserts, and stores everything once it recovers', async () => {
      await app.db.command(`DETACH TABLE ${app.db.tables.events}`)
      const events = Array.from({ length: 10 }, () => pageView())
      try {
        expect((await post({ events })).statusCode).toBe(202)
        const failures = () => app.metrics.getSingleMetricAsString('comerix_sink_batch_failures_total')
        await waitFor(async () => / [1-9]\d*$/m.test(await failures()), { message: 'the sink failing' })
      } finally {
        await app.db.command(`ATTACH TABLE ${app.db.tables.events}`)
      }
      await waitFor(async () => (await countStored(events.map((e) => e.event_id))) === 10, {
        timeoutMs: 30_000,
      })
      await waitForSinkToPass()
      expect(await countStored(events.map((e) => e.event_id))).toBe(10)
    })

    it('reports pipeline health on /metrics', async () => {
      const response = await app.server.inject({ url: '/metrics' })
      expect(response.statusCode).toBe(200)
      const text = response.body
      expect(text).toMatch(/^comerix_ingest_events_accepted_total \d+/m)
      expect(text).toMatch(/^comerix_ingest_requests_rejected_total\{reason="origin_not_allowed"\} [1-9]/m)
      expect(text).toMatch(/^comerix_sink_events_deduplicated_total [1-9]\d*/m)
      expect(text).toMatch(/^comerix_sink_consumer_lag\{partition="\d+"\} \d+/m)
      expect(text).toMatch(/^comerix_sink_insert_seconds_count [1-9]\d*/m)
      for (const step of ['decode', 'lookup', 'insert', 'dead_letter'])
        expect(text).toMatch(
          new RegExp(`^comerix_sink_step_seconds_count\\{step="${step}"\\} [1-9]\\d*`, 'm'),
        )
      expect(text).toMatch(/^comerix_sink_batch_failures_total [1-9]\d*/m)
      expect(text).toMatch(/^comerix_sink_events_dead_lettered_total 1/m)
    })
  })
}

/** ClickHouse returns DateTime64 as text; the log carries epoch milliseconds, as intake writes them. */
function normalise(row: Record<string, unknown> | undefined): Record<string, unknown> {
  const toMs = (value: unknown) => Date.parse(`${String(value).replace(' ', 'T')}Z`)
  return { ...row, ts: toMs(row?.ts), received_at: toMs(row?.received_at) }
}
