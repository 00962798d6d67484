import net from 'node:net'

/**
 * A bounded HTTP/1.1 load generator over raw keep-alive sockets: one request in flight per
 * connection, no pipelining. Raw sockets rather than `fetch` or `node:http` because on a 2-core
 * machine the generator shares the CPU with the server under test: the less it spends per request,
 * the more the figures describe the server. The floor and the product are driven by this same code.
 */
export interface LoadPlan {
  /** Base URL of the server. Only 127.0.0.1 is accepted: this is a local benchmark. */
  url: string
  /** POST unless told (the public reads bench sends GETs with an empty body). */
  method?: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  connections: number
  /** Body of request `seq` (0-based, in issue order). */
  body: (seq: number) => string
  /** Upper bound of requests issued. */
  maxRequests: number
  /** Upper bound of the time spent issuing; requests in flight then get `graceMs` to finish. */
  maxDurationMs: number
  graceMs?: number
  /** Requests per second across all connections; as fast as possible when absent. */
  ratePerSec?: number
  /** Called right before request `seq` is written to its socket. */
  onSend?: (seq: number) => void
  onResponse?: (seq: number, status: number, latencyMs: number) => void
}

export interface LoadResult {
  issued: number
  completed: number
  /** Responses by HTTP status. */
  statuses: Map<number, number>
  /** Requests lost to a socket error, a closed connection or the grace timeout. */
  failed: number
  /** From the first write to the last response. */
  elapsedMs: number
  latencyMs: { p50: number; p99: number; max: number }
  /** CPU time of this process (the generator) during the run. */
  cpuMs: number
}

const HEADER_END = Buffer.from('\r\n\r\n')
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n')

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const target = new URL(plan.url)
  if (target.hostname !== '127.0.0.1')
    throw new Error(`the load generator only targets 127.0.0.1, not ${target.hostname}`)
  const port = Number(target.port)
  const head = [
    `${plan.method ?? 'POST'} ${plan.path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Connection: keep-alive',
    ...Object.entries(plan.headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n')

  const statuses = new Map<number, number>()
  const latencies: number[] = []
  let issued = 0
  let completed = 0
  let firstSend = 0
  let lastResponse = 0
  const cpuStart = process.cpuUsage()
  const started = performance.now()
  const deadline = started + plan.maxDurationMs

  const dueAt = (seq: number) =>
    plan.ratePerSec === undefined ? 0 : started + (seq * 1000) / plan.ratePerSec

  const sockets = new Set<net.Socket>()
  let stopped = false
  const mayIssue = () => !stopped && issued < plan.maxRequests && performance.now() < deadline

  const drive = () =>
    new Promise<void>((resolve) => {
      let socket: net.Socket
      let buffer: Buffer = Buffer.alloc(0)
      let inFlight: { seq: number; sentAt: number } | undefined
      let finished = false

      const finish = () => {
        if (finished) return
        finished = true
        socket.destroy()
        resolve()
      }
      const connect = () => {
        buffer = Buffer.alloc(0)
        inFlight = undefined
        socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
        sockets.add(socket)
        socket.once('connect', next)
        socket.on('data', onData)
        socket.on('error', () => {})
        socket.on('close', () => {
          sockets.delete(socket)
          if (finished) return
          // A lost connection loses its request (counted as failed); the driver reconnects.
          if (mayIssue()) setTimeout(connect, 10)
          else finish()
        })
      }
      const next = (): void => {
        if (!mayIssue()) {
          finish()
          return
        }
        const wait = dueAt(issued) - performance.now()
        if (wait > 1) {
          setTimeout(next, wait)
          return
        }
        const seq = issued++
        const body = plan.body(seq)
        plan.onSend?.(seq)
        inFlight = { seq, sentAt: performance.now() }
        if (firstSend === 0) firstSend = inFlight.sentAt
        socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      }
      const onData = (chunk: Buffer) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
        const length = responseLength(buffer)
        if (length === undefined || !inFlight) return
        const now = performance.now()
        const status = Number(buffer.toString('latin1', 9, 12))
        const headers = buffer.toString('latin1', 0, buffer.indexOf(HEADER_END))
        buffer = buffer.subarray(length)
        const { seq, sentAt } = inFlight
        inFlight = undefined
        completed += 1
        lastResponse = now
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        latencies.push(now - sentAt)
        plan.onResponse?.(seq, status, now - sentAt)
        if (/\r\nconnection:\s*close/i.test(headers)) socket.destroy()
        else next()
      }
      connect()
    })

  const graceMs = plan.graceMs ?? 10_000
  const drivers = Array.from({ length: plan.connections }, drive)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, plan.maxDurationMs + graceMs)
  })
  await Promise.race([Promise.all(drivers), timeout])
  clearTimeout(timer)
  stopped = true
  for (const socket of sockets) socket.destroy()

  const cpu = process.cpuUsage(cpuStart)
  latencies.sort((a, b) => a - b)
  return {
    issued,
    completed,
    statuses,
    failed: issued - completed,
    elapsedMs: firstSend === 0 ? 0 : lastResponse - firstSend,
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? 0 },
    cpuMs: (cpu.user + cpu.system) / 1000,
  }
}

/** Bytes of the first complete response in `buffer`, or undefined while it is incomplete. */
function responseLength(buffer: Buffer): number | undefined {
  const headerEnd = buffer.indexOf(HEADER_END)
  if (headerEnd === -1) return undefined
  const headers = buffer.toString('latin1', 0, headerEnd)
  const bodyStart = headerEnd + HEADER_END.length
  const declared = /\r\ncontent-length:\s*(\d+)/i.exec(headers)
  if (declared) {
    const end = bodyStart + Number(declared[1])
    return buffer.length >= end ? end : undefined
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(headers)) {
    const end = buffer.indexOf(CHUNKED_END, bodyStart - 2)
    return end === -1 ? undefined : end + CHUNKED_END.length
  }
  return bodyStart
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

/** Responses with a 2xx status. */
export function successes(result: LoadResult): number {
  let sum = 0
  for (const [status, count] of result.statuses) if (status >= 200 && status < 300) sum += count
  return sum
}
