import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newWebhookSecret } from '../crypto/webhook-signature.ts'
import { postSigned } from './post-signed.ts'

describe('postSigned', () => {
  let server: Server
  let base: string
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = []

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString(),
        })
        if (request.url === '/busy') response.writeHead(429, { 'retry-after': '7' }).end('x'.repeat(10_000))
        else if (request.url === '/slow') setTimeout(() => response.writeHead(204).end(), 2_000)
        else if (request.url === '/moved') response.writeHead(302, { location: '/elsewhere' }).end()
        else response.writeHead(200).end('thanks')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  const post = (path: string, options: { allowPrivateNetworks?: boolean; timeoutMs?: number } = {}) => {
    const secrets = [newWebhookSecret(), newWebhookSecret()]
    return {
      secrets,
      outcome: postSigned(
        {
          url: `${base}${path}`,
          secrets,
          messageId: 'msg_1',
          body: Buffer.from('{"a":1}'),
          contentType: 'application/json',
        },
        {
          policy: { allowPrivateNetworks: options.allowPrivateNetworks ?? true },
          timeoutMs: options.timeoutMs ?? 5_000,
          maxResponseBytes: 1_024,
        },
      ),
    }
  }

  it('signs so that a standardwebhooks receiver holding either secret verifies', async () => {
    const { secrets, outcome } = post('/ok')
    expect(await outcome).toMatchObject({
      status: 200,
      ok: true,
      error: '',
      responseExcerpt: 'thanks',
      blocked: false,
    })
    const request = received.at(-1)
    for (const secret of secrets)
      expect(
        new Webhook(secret).verify(request?.body ?? '', request?.headers as Record<string, string>),
      ).toEqual({ a: 1 })
  })

  it("reports Retry-After, caps the answer's excerpt, and does not follow redirects", async () => {
    const busy = await post('/busy').outcome
    expect(busy).toMatchObject({ status: 429, ok: false, retryable: true, retryAfterMs: 7_000 })
    expect(busy.responseExcerpt).toHaveLength(1_024)
    expect(await post('/moved').outcome).toMatchObject({ status: 302, ok: false, retryable: false })
    expect(received.some((entry) => entry.path === '/elsewhere')).toBe(false)
  })

  it('refuses private addresses unless allowed, without sending anything; times out as retryable', async () => {
    const before = received.length
    expect(await post('/ok', { allowPrivateNetworks: false }).outcome).toMatchObject({
      status: 0,
      blocked: true,
      retryable: false,
      error: expect.stringContaining('delivery refused'),
    })
    expect(received.length).toBe(before)
    expect(await post('/slow', { timeoutMs: 300 }).outcome).toMatchObject({
      status: 0,
      retryable: true,
      error: expect.stringContaining('timed out after 300 ms'),
    })
  })
})
