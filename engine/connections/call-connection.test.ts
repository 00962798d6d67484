import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type CallOptions,
  ConnectionCallError,
  type ConnectionRequest,
  callConnection,
  parseRetryAfter,
  type ResolvedConnection,
} from './call-connection.ts'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

const seen: Seen[] = []
const routes: Record<string, (response: ServerResponse) => void> = {
  '/api/orders/42': (response) => json(response, 200, { order: { id: 42, status: 'shipped' } }),
  '/api/echo': (response) => json(response, 200, { ok: true }),
  '/api/text': (response) => {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    response.end('plain answer ✓')
  },
  '/api/empty': (response) => response.writeHead(204).end(),
  '/api/missing': (response) => json(response, 404, { error: 'no such order' }),
  '/api/busy': (response) => {
    response.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' })
    response.end('busy')
  },
  '/api/limited': (response) => json(response, 429, { error: 'slow down' }),
  '/api/slow': (response) => {
    setTimeout(() => json(response, 200, { late: true }), 2_000).unref()
  },
  '/api/trickle': (response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('{"partial":')
    setTimeout(() => response.end('true}'), 2_000).unref()
  },
  '/api/huge': (response) => json(response, 200, { blob: 'x'.repeat(2 * 1_048_576) }),
  '/api/huge-chunked': (response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    const piece = 'x'.repeat(64 * 1024)
    let sent = 0
    const pump = () => {
      while (sent < 40 && !response.destroyed) {
        sent += 1
        if (!response.write(piece)) return void response.once('drain', pump)
      }
      response.end()
    }
    pump()
  },
  '/api/broken-json': (response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{not json')
  },
  '/api/moved': (response) => response.writeHead(302, { location: '/api/orders/42' }).end(),
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    })
    const route = routes[(request.url ?? '').split('?')[0] ?? '']
    if (route) route(response)
    else json(response, 404, { error: 'no route' })
  })
})

let port = 0
const allow: CallOptions = { allowPrivateNetworks: true }
const deny: CallOptions = { allowPrivateNetworks: false }
const connection = (overrides: Partial<ResolvedConnection> = {}): ResolvedConnection => ({
  tenantId: '00000000-0000-4000-8000-000000000001',
  name: 'shop',
  baseUrl: `http://127.0.0.1:${port}/api`,
  auth: { kind: 'none' },
  timeoutMs: 5_000,
  ...overrides,
})
const get = (path: string): ConnectionRequest => ({ method: 'GET', path })

async function failure(promise: Promise<unknown>): Promise<ConnectionCallError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ConnectionCallError)
  return error as ConnectionCallError
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  seen.length = 0
})

describe('callConnection over real HTTP', () => {
  it('returns parsed JSON and asks for JSON', async () => {
    const result = await callConnection(connection(), get('/orders/42?expand=items'), allow)
    expect(result).toEqual({ status: 200, body: { order: { id: 42, status: 'shipped' } } })
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/orders/42?expand=items' })
    expect(seen[0]?.headers.accept).toBe('application/json')
    expect(seen[0]?.headers['content-type']).toBeUndefined()
  })

  it('returns text bodies as strings and empty bodies as null', async () => {
    expect(await callConnection(connection(), get('/text'), allow)).toEqual({
      status: 200,
      body: 'plain answer ✓',
    })
    expect(await callConnection(connection(), get('/empty'), allow)).toEqual({ status: 204, body: null })
  })

  it('sends the bearer token or the custom header', async () => {
    await callConnection(connection({ auth: { kind: 'bearer', token: 'tok_123' } }), get('/echo'), allow)
    await callConnection(
      connection({ auth: { kind: 'header', name: 'X-Api-Key', value: 'key 456' } }),
      get('/echo'),
      allow,
    )
    expect(seen[0]?.headers.authorization).toBe('Bearer tok_123')
    expect(seen[1]?.headers['x-api-key']).toBe('key 456')
    expect(seen[1]?.headers.authorization).toBeUndefined()
  })

  it('sends a body as JSON', async () => {
    await callConnection(
      connection(),
      { method: 'POST', path: '/echo', body: { orderId: '42', note: 'é' } },
      allow,
    )
    expect(seen[0]?.method).toBe('POST')
    expect(seen[0]?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ orderId: '42', note: 'é' })
  })

  it('fails a 404 as http_status, not retryable, with the body', async () => {
    const error = await failure(callConnection(connection(), get('/missing'), allow))
    expect(error).toMatchObject({ kind: 'http_status', retryable: false, status: 404 })
    expect(error.details.body).toEqual({ error: 'no such order' })
  })

  it('fails a 503 as retryable with the Retry-After delay, and a 429 as retryable', async () => {
    const busy = await failure(callConnection(connection(), get('/busy'), allow))
    expect(busy).toMatchObject({ kind: 'http_status', retryable: true, status: 503, retryAfterMs: 7_000 })
    const limited = await failure(callConnection(connection(), get('/limited'), allow))
    expect(limited).toMatchObject({
      kind: 'http_status',
      retryable: true,
      status: 429,
      retryAfterMs: undefined,
    })
  })

  it('times out a slow response, and a body that stalls, as retryable', async () => {
    const slow = await failure(callConnection(connection(), { ...get('/slow'), timeoutMs: 200 }, allow))
    expect(slow).toMatchObject({ kind: 'timeout', retryable: true })
    const trickle = await failure(callConnection(connection({ timeoutMs: 200 }), get('/trickle'), allow))
    expect(trickle).toMatchObject({ kind: 'timeout', retryable: true })
  })

  it('refuses a response over the size cap, declared or streamed', async () => {
    for (const path of ['/huge', '/huge-chunked']) {
      const error = await failure(callConnection(connection(), get(path), allow))
      expect(error).toMatchObject({ kind: 'too_large', retryable: false })
    }
  })

  it('fails JSON that does not parse as invalid_response', async () => {
    const error = await failure(callConnection(connection(), get('/broken-json'), allow))
    expect(error).toMatchObject({ kind: 'invalid_response', retryable: false })
  })

  it('does not follow redirects', async () => {
    const error = await failure(callConnection(connection(), get('/moved'), allow))
    expect(error).toMatchObject({ kind: 'http_status', retryable: false, status: 302 })
    expect(error.message).toMatch(/redirects are not followed/)
    expect(seen.map((request) => request.url)).toEqual(['/api/moved'])
  })

  it('fails a refused connection as a retryable network error', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const error = await failure(
      callConnection(connection({ baseUrl: `http://127.0.0.1:${closedPort}` }), get('/'), allow),
    )
    expect(error).toMatchObject({ kind: 'network', retryable: true })
  })

  it('refuses a body on GET', async () => {
    const error = await failure(
      callConnection(connection(), { method: 'GET', path: '/echo', body: {} }, allow),
    )
    expect(error).toMatchObject({ kind: 'invalid_request', retryable: false })
  })
})

describe('callConnection paths', () => {
  it.each([
    '//evil.example/x',
    'http://evil.example/',
    'evil',
    '/../admin',
    '/orders/../../admin',
    '/%2e%2e/admin',
    '/..%2fadmin',
    '/\\evil.example',
    '/orders\n/x',
  ])('refuses %j before connecting', async (path) => {
    const error = await failure(callConnection(connection(), get(path), allow))
    expect(error).toMatchObject({ kind: 'blocked', retryable: false })
    expect(seen).toEqual([])
  })

  it('allows dot segments that stay under the base path', async () => {
    await callConnection(connection(), get('/orders/x/../42'), allow)
    expect(seen[0]?.url).toBe('/api/orders/42')
  })

  it('refuses non-http base URLs', async () => {
    const error = await failure(callConnection(connection({ baseUrl: 'file:///etc' }), get('/passwd'), allow))
    expect(error.kind).toBe('blocked')
  })
})

describe('SSRF guard', () => {
  it.each([
    '127.0.0.1',
    'localhost',
    '10.0.0.1',
    '169.254.169.254',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '[::127.0.0.1]',
    '[::169.254.169.254]',
    '[64:ff9b::127.0.0.1]',
    '[2002:7f00:1::1]',
  ])('refuses %s before connecting unless private networks are allowed', async (host) => {
    const error = await failure(
      callConnection(connection({ baseUrl: `http://${host}:${port}/api` }), get('/orders/42'), deny),
    )
    expect(error).toMatchObject({ kind: 'blocked', retryable: false })
    expect(error.message).toMatch(/CONNECTIONS_ALLOW_PRIVATE_NETWORKS/)
    expect(seen).toEqual([])
  })

  it('refuses a host when any of its addresses is private', async () => {
    const resolveHost = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '192.168.1.10', family: 4 },
    ]
    const error = await failure(
      callConnection(connection({ baseUrl: 'https://shop.example' }), get('/'), { ...deny, resolveHost }),
    )
    expect(error).toMatchObject({ kind: 'blocked' })
    expect(error.message).toMatch(/192\.168\.1\.10/)
  })

  it('connects to the address it checked, not to a second DNS answer', async () => {
    // `api.shop.invalid` cannot resolve through real DNS: reaching the server proves the pin.
    let lookups = 0
    const resolveHost = async () => {
      lookups += 1
      return [{ address: '127.0.0.1', family: 4 }]
    }
    const result = await callConnection(
      connection({ baseUrl: `http://api.shop.invalid:${port}/api` }),
      get('/orders/42'),
      { ...allow, resolveHost },
    )
    expect(result.status).toBe(200)
    expect(lookups).toBe(1)
    expect(seen[0]?.headers.host).toBe(`api.shop.invalid:${port}`)
  })
})

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})
