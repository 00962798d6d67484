import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

let app: App
let port: number

beforeAll(async () => {
  app = await createApp(
    testConfig(await tempDir(), { HTTP_REQUEST_TIMEOUT_MS: '800', HTTP_HEADERS_TIMEOUT_MS: '400' }),
  )
  port = Number(new URL(await app.listen()).port)
})
afterAll(() => app.close())

interface Trickle {
  /** Everything the server sent before it closed the connection. */
  answer: Promise<string>
  stop(): void
}

/**
 * A slow client: sends `head` at once, then one byte of `rest` every 50 ms, for ever (the bytes repeat),
 * until the server closes the connection.
 */
function trickle(head: string, rest: string): Trickle {
  const socket: Socket = connect(port, '127.0.0.1')
  let received = ''
  let index = 0
  const timer = setInterval(() => {
    if (socket.writable) socket.write(rest[index++ % rest.length] ?? ' ')
  }, 50)
  socket.on('data', (chunk) => (received += chunk.toString('utf8')))
  socket.write(head)
  const answer = new Promise<string>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer)
      resolve(received)
    })
    // A write racing the server's close may fail with EPIPE/ECONNRESET; the close still follows.
    socket.on('error', () => undefined)
  })
  return {
    answer,
    stop: () => {
      clearInterval(timer)
      socket.destroy()
    },
  }
}

/** The status line and the catalog error of a raw HTTP answer. */
function parseAnswer(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  return { statusLine: head.split('\r\n')[0], head: head.toLowerCase(), body: JSON.parse(body) }
}

describe('slow clients', () => {
  const slowBody = (headers: string) =>
    `POST /v1/operator/tenants HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n${headers}\r\n{"slug":"`

  it('closes a connection whose body arrives one byte at a time, with 408 request_timeout', async () => {
    const client = trickle(slowBody(`x-comerix-operator-token: ${app.operatorToken}\r\n`), 'abcdefghij')
    const { statusLine, head, body } = parseAnswer(await client.answer)
    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout')
    expect(head).toContain('connection: close')
    expect(body.error).toMatchObject({
      code: 'request_timeout',
      retryable: true,
      requestId: expect.any(String),
    })
  })

  it('closes the connection after answering before the body arrived, instead of reading the rest', async () => {
    const client = trickle(slowBody(''), 'abcdefghij')
    const { statusLine, head, body } = parseAnswer(await client.answer)
    expect(statusLine).toBe('HTTP/1.1 401 Unauthorized')
    expect(head).toContain('connection: close')
    expect(body.error.code).toBe('unauthorized')
  })

  it('closes a connection whose headers arrive one byte at a time', async () => {
    const client = trickle(
      'GET /healthz HTTP/1.1\r\nhost: localhost\r\n',
      'x-slow: abcdefghijklmnopqrstuvwxyz\r\n',
    )
    const { statusLine, body } = parseAnswer(await client.answer)
    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout')
    expect(body.error.code).toBe('request_timeout')
  })

  it('keeps serving other clients', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(response.status).toBe(200)
  })

  it('applies the configured socket settings', () => {
    const server = app.server.server
    expect(server.requestTimeout).toBe(800)
    expect(server.headersTimeout).toBe(400)
    expect(server.keepAliveTimeout).toBe(72_000)
    expect(server.timeout).toBe(120_000)
  })
})
