import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { startComerix } from '../support/comerix.ts'
import { quantile } from '../support/load.ts'
import { runTs, waitFor } from '../support/processes.ts'
import { note } from '../support/progress.ts'

export const WEBHOOKS_USAGE = `npm run bench -- webhooks [--turns=300] [--chats=400] [--concurrency=16]

Embedded mode, a loopback receiver. Reports:
  - deliveries/s of chat webhooks (each chat: session opened, execution started, updated, completed)
    against the floor: plain POSTs of the same bodies from one process to the same receiver
    (--concurrency in flight), ratio delivered/floor;
  - the latency of a chat turn (trigger of a one-node flow, one request in flight) with no endpoint
    and with an endpoint subscribed to chat.*, p50 and p95, ratio on/off (aim: <= 1.5).`

interface Options {
  turns: number
  chats: number
  concurrency: number
}

const ORIGIN = 'https://bench-webhooks.example'

function parseOptions(argv: string[]): Options {
  const options: Options = { turns: 300, chats: 400, concurrency: 16 }
  for (const arg of argv) {
    const [name, value] = arg.replace(/^--/, '').split('=')
    const number = Number(value)
    if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} needs a positive integer`)
    if (name === 'turns') options.turns = number
    else if (name === 'chats') options.chats = number
    else if (name === 'concurrency') options.concurrency = number
    else throw new Error(`unknown option ${arg}\n${WEBHOOKS_USAGE}`)
  }
  return options
}

interface Receiver {
  url: string
  count: number
  firstAt: number
  lastAt: number
  server: Server
}

/** Counts POSTs and answers 204, as fast as node:http goes. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', count: 0, firstAt: 0, lastAt: 0, server: createServer() }
  receiver.server.on('request', (request, response) => {
    request.resume()
    request.on('end', () => {
      const now = performance.now()
      if (receiver.count === 0) receiver.firstAt = now
      receiver.count += 1
      receiver.lastAt = now
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', () => resolve()))
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`
  return receiver
}

/** The floor: `total` POSTs of a webhook-sized body, `concurrency` in flight, a new connection each (as deliveries do). */
async function postFloor(url: string, total: number, concurrency: number): Promise<number> {
  const body = JSON.stringify({ id: 'x', type: 'chat.execution.updated', data: { pad: 'x'.repeat(600) } })
  let sent = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent += 1
        const response = await fetch(`${url}/floor`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body,
        })
        await response.arrayBuffer()
      }
    }),
  )
  return (total * 1000) / (performance.now() - started)
}

/** `npm run bench -- webhooks`: delivery rate against a plain-POST floor, and what webhooks add to a chat turn. */
export async function runWebhooksSuite(argv: string[]): Promise<void> {
  const options = parseOptions(argv)
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'comerix-bench-webhooks-'))
  const receiver = await startReceiver()
  try {
    note('floor: plain POSTs to the loopback receiver')
    const floorPerSecond = await postFloor(receiver.url, 2_000, options.concurrency)
    receiver.count = 0

    note('comerix serve (embedded), a tenant, a widget key, a one-node flow')
    const dataDir = path.join(workDir, 'embedded')
    const server = await startComerix({
      mode: 'embedded',
      dataDir,
      kafkaBrokers: undefined,
      profileDir: undefined,
      origin: ORIGIN,
      env: {
        CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true',
        CHAT_RATE_LIMIT_PER_SESSION: '1000000',
        CHAT_TRIGGERS_PER_MINUTE_PER_SESSION: '1000000',
        CHAT_SESSIONS_PER_MINUTE_PER_IP: '1000000',
        CHAT_SESSIONS_PER_MINUTE_PER_KEY: '1000000',
      },
    })
    try {
      const env = { DATA_DIR: dataDir }
      const slug = `bench-hooks-${randomBytes(3).toString('hex')}`
      const tenant = JSON.parse(await runTs('bin/comerix.ts', ['tenant:create', slug, '--json'], env))
      const { publicKey } = JSON.parse(
        await runTs(
          'bin/comerix.ts',
          ['widget-key:create', '--tenant', slug, '--all-intents', `--allowed-origin=${ORIGIN}`, '--json'],
          env,
        ),
      ) as { publicKey: string }
      const call = async (
        method: string,
        url: string,
        body?: unknown,
        headers: Record<string, string> = {},
      ) => {
        const response = await fetch(`${server.url}${url}`, {
          method,
          headers: {
            origin: ORIGIN,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
        const text = await response.text()
        if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`)
        return text ? JSON.parse(text) : undefined
      }
      const admin = { authorization: `Bearer ${tenant.adminKey.key}` }
      const flow = {
        intent: 'hello',
        name: 'Hello',
        start: 'done',
        nodes: [{ id: 'done', type: 'end', message: 'Hi' }],
      }
      const { flowId } = await call('POST', '/v1/admin/flows', flow, admin)
      await call('POST', `/v1/admin/flows/${flowId}/publish`, undefined, admin)
      const session = await call('POST', `/v1/chat/sessions?publicKey=${publicKey}`, { anonymousId: 'bench' })
      const auth = { authorization: `Bearer ${session.sessionToken}` }
      const turn = async () => {
        const started = performance.now()
        await call('POST', `/v1/chat/messages?publicKey=${publicKey}`, { intentName: 'hello' }, auth)
        return performance.now() - started
      }
      const latencies = async (label: string) => {
        note(`${options.turns} chat turns, one at a time, ${label}`)
        for (let warm = 0; warm < 30; warm += 1) await turn()
        const times: number[] = []
        for (let index = 0; index < options.turns; index += 1) times.push(await turn())
        return times.sort((a, b) => a - b)
      }

      const off = await latencies('no webhook endpoint')
      await call(
        'POST',
        '/v1/admin/webhook-endpoints',
        { url: `${receiver.url}/hook`, eventTypes: ['chat.*'] },
        admin,
      )
      const on = await latencies('an endpoint subscribed to chat.*')
      await waitFor(() => receiver.count >= (options.turns + 30) * 3, {
        timeoutMs: 120_000,
        message: 'the latency run deliveries',
      })

      note(`${options.chats} chats at ${options.concurrency} in flight, then the deliveries drain`)
      receiver.count = 0
      let next = 0
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < options.chats) {
            next += 1
            const opened = await call('POST', `/v1/chat/sessions?publicKey=${publicKey}`, {
              anonymousId: `a-${next}`,
            })
            await call(
              'POST',
              `/v1/chat/messages?publicKey=${publicKey}`,
              { intentName: 'hello' },
              { authorization: `Bearer ${opened.sessionToken}` },
            )
          }
        }),
      )
      const expected = options.chats * 4
      await waitFor(() => receiver.count >= expected, {
        timeoutMs: 300_000,
        message: `${expected} deliveries`,
      })
      const deliveredPerSecond = (receiver.count * 1000) / Math.max(1, receiver.lastAt - receiver.firstAt)

      const ms = (value: number) => `${value.toFixed(2)} ms`
      const [offP50, offP95, onP50, onP95] = [
        quantile(off, 0.5),
        quantile(off, 0.95),
        quantile(on, 0.5),
        quantile(on, 0.95),
      ]
      console.log(
        [
          '',
          'webhooks (embedded, loopback receiver)',
          `  floor: plain POSTs            ${floorPerSecond.toFixed(0)}/s (${options.concurrency} in flight)`,
          `  deliveries                    ${deliveredPerSecond.toFixed(0)}/s (${receiver.count} signed POSTs)  ratio ${(deliveredPerSecond / floorPerSecond).toFixed(2)}`,
          `  chat turn, webhooks off       p50 ${ms(offP50)}  p95 ${ms(offP95)}`,
          `  chat turn, webhooks on        p50 ${ms(onP50)}  p95 ${ms(onP95)}`,
          `  turn latency ratio on/off     p50 ${(onP50 / offP50).toFixed(2)}  p95 ${(onP95 / offP95).toFixed(2)}`,
          '',
        ].join('\n'),
      )
    } finally {
      await server.child.stop()
    }
  } finally {
    receiver.server.closeAllConnections()
    receiver.server.close()
    await rm(workDir, { recursive: true, force: true })
  }
}
