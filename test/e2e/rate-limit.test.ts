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
    send(events: object[]): Promise<RawResponse> {
      if (!state.server) throw new Error('the server did not start')
      return sendRaw(state.server.url, {
        path: `/v1/telemetry?publicKey=${state.publicKey}`,
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ events }),
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
      const { responses, windows } = await burst(() =>
        Promise.all(Array.from({ length: 20 }, () => intake.send([widgetOpened()]))),
      )
      const accepted = responses.filter((response) => response.status === 202)
      const refused = responses.filter((response) => response.status === 429)
      expect(accepted.length + refused.length).toBe(20)
      expect(accepted.length).toBeLessThanOrEqual(5 * windows)
      expect(refused.length).toBeGreaterThan(0)
      const waits = refused.map((response) => expectRateLimited(response, 'ip'))

      await sleep(Math.max(...waits) * 1000)
      expect((await intake.send([widgetOpened()])).status).toBe(202)
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

      await sleep(Math.max(...waits) * 1000)
      expect((await intake.send(Array.from({ length: 4 }, widgetOpened))).status).toBe(202)
    })
  })
})
