import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../support/cli.ts'
import { type RawResponse, sendRaw } from '../support/raw-http.ts'
import { tempDir } from '../support/temp-dir.ts'
import { createWidgetKey } from '../support/widget-key.ts'

const ORIGIN = 'https://shop.example'

const widgetOpened = () => ({
  event_id: randomUUID(),
  type: 'widget.opened',
  ts: Date.now(),
  anonymous_id: 'visitor-1',
})

/** A server with the given intake limits and a widget key for ORIGIN. */
function limitedServer(limits: Record<string, string>) {
  const state = { server: undefined as RunningServer | undefined, publicKey: '' }
  beforeAll(async () => {
    const env = { DATA_DIR: await tempDir('comerix-rate-'), LOG_LEVEL: 'warn', ...limits }
    state.server = await startServer(env)
    state.publicKey = (await createWidgetKey(env, 'limited-shop', ORIGIN)).publicKey
  })
  afterAll(async () => {
    if (state.server?.process.exitCode === null) expect(await state.server.stop('SIGTERM')).toBe(0)
  })
  return {
    send(events: object[], origin = ORIGIN): Promise<RawResponse> {
      if (!state.server) throw new Error('the server did not start')
      return sendRaw(state.server.url, {
        path: `/v1/telemetry?publicKey=${state.publicKey}`,
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ events }),
      })
    },
    openChatSession(): Promise<RawResponse> {
      if (!state.server) throw new Error('the server did not start')
      return sendRaw(state.server.url, {
        path: `/v1/chat/sessions?publicKey=${state.publicKey}`,
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: '{}',
      })
    },
  }
}

/** The refusal the contract promises: 429 rate_limited, retryable, with Retry-After in whole seconds >= 1. */
function expectRateLimited(response: RawResponse, budget: 'ip' | 'key'): number {
  expect(response.status).toBe(429)
  const { error } = JSON.parse(response.body)
  expect(error).toMatchObject({ code: 'rate_limited', retryable: true })
  expect(error.message).toMatch(new RegExp(`for ${budget}$`))
  const retryAfter = response.headers['retry-after']
  expect(retryAfter).toMatch(/^\d+$/)
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
  return Number(retryAfter)
}

/** A widget on the allowed origin can read the refusal: CORS headers with Retry-After and the request id exposed. */
function expectReadableByTheWidget(response: RawResponse): void {
  expect(response.headers['access-control-allow-origin']).toBe(ORIGIN)
  const exposed = String(response.headers['access-control-expose-headers']).split(/,\s*/)
  expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'x-request-id']))
}

/**
 * Runs a burst of requests and says how many one-second budget windows it touched (the server counts
 * fixed windows of its clock, which is this machine's clock), so limits are asserted per window.
 */
async function burst(send: () => Promise<RawResponse[]>) {
  const first = Math.floor(Date.now() / 1000)
  const responses = await send()
  return { responses, windows: Math.floor(Date.now() / 1000) - first + 1 }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('intake rate limits', () => {
  describe('per client IP (INGEST_RATE_LIMIT_PER_IP=5)', () => {
    const intake = limitedServer({ INGEST_RATE_LIMIT_PER_IP: '5' })

    it('answers 429 with Retry-After once the second’s requests are spent, and accepts again after it', async () => {
      // The key is known to the server from then on, so refusals before the key check carry CORS too.
      expect((await intake.send([widgetOpened()])).status).toBe(202)
      const { responses, windows } = await burst(() =>
        Promise.all(Array.from({ length: 20 }, () => intake.send([widgetOpened()]))),
      )
      const accepted = responses.filter((response) => response.status === 202)
      const refused = responses.filter((response) => response.status === 429)
      expect(accepted.length + refused.length).toBe(20)
      expect(accepted.length).toBeLessThanOrEqual(5 * windows)
      expect(refused.length).toBeGreaterThan(0)
      const waits = refused.map((response) => expectRateLimited(response, 'ip'))
      for (const response of refused) expectReadableByTheWidget(response)

      await sleep(Math.max(...waits) * 1000)
      expect((await intake.send([widgetOpened()])).status).toBe(202)
    })

    it('refuses chat calls over the same budget with a 429 the widget can read', async () => {
      const responses = await Promise.all(Array.from({ length: 20 }, () => intake.openChatSession()))
      const refused = responses.filter((response) => response.status === 429)
      expect(refused.length).toBeGreaterThan(0)
      for (const response of refused) {
        expectRateLimited(response, 'ip')
        expectReadableByTheWidget(response)
      }
    })

    it('gives no CORS headers to another origin, refused or not', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => intake.send([widgetOpened()], 'https://evil.example')),
      )
      expect(responses.some((response) => response.status === 429)).toBe(true)
      for (const response of responses) {
        expect([403, 429]).toContain(response.status)
        expect(response.headers['access-control-allow-origin']).toBeUndefined()
      }
    })
  })

  describe('per widget key (INGEST_RATE_LIMIT_PER_KEY=10 events)', () => {
    const intake = limitedServer({ INGEST_RATE_LIMIT_PER_KEY: '10' })

    it('counts events, not requests: batches over the second’s budget get 429 with Retry-After', async () => {
      const { responses, windows } = await burst(() =>
        Promise.all(Array.from({ length: 5 }, () => intake.send(Array.from({ length: 4 }, widgetOpened)))),
      )
      const accepted = responses.filter((response) => response.status === 202)
      const refused = responses.filter((response) => response.status === 429)
      expect(accepted.length + refused.length).toBe(5)
      expect(accepted.length * 4).toBeLessThanOrEqual(10 * windows)
      expect(refused.length).toBeGreaterThan(0)
      const waits = refused.map((response) => expectRateLimited(response, 'key'))
      for (const response of refused) expectReadableByTheWidget(response)

      await sleep(Math.max(...waits) * 1000)
      expect((await intake.send(Array.from({ length: 4 }, widgetOpened))).status).toBe(202)
    })
  })
})
