import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ORIGIN, USER_AGENT } from '../ingest/bench-events.ts'
import { startComerix } from '../support/comerix.ts'
import { type LoadPlan, type LoadResult, runLoad, successes } from '../support/load.ts'
import { runTs, spawnTs, waitFor } from '../support/processes.ts'
import { note } from '../support/progress.ts'

export const PUBLIC_READS_USAGE = `npm run bench -- public-reads [--seconds=10] [--connections=32]

Public reads/s of GET /v1/public/quick-questions (embedded mode, published edge document) with a
matching If-None-Match (304) and without (200), against the bare-Fastify floor of the ingest bench
(the same load generator, keep-alive connections, one request in flight each). Aim: >= 0.5 of the floor.`

interface Options {
  seconds: number
  connections: number
}

function parseOptions(argv: string[]): Options {
  const options: Options = { seconds: 10, connections: 32 }
  for (const arg of argv) {
    const [name, value] = arg.replace(/^--/, '').split('=')
    const number = Number(value)
    if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} needs a positive integer`)
    if (name === 'seconds') options.seconds = number
    else if (name === 'connections') options.connections = number
    else throw new Error(`unknown option ${arg}\n${PUBLIC_READS_USAGE}`)
  }
  return options
}

const perSecond = (result: LoadResult, ok: (status: number) => boolean) => {
  let count = 0
  for (const [status, n] of result.statuses) if (ok(status)) count += n
  return result.elapsedMs > 0 ? (count * 1000) / result.elapsedMs : 0
}

/** A warm-up of 2 s, then the measured run. */
async function measure(plan: Omit<LoadPlan, 'maxRequests' | 'maxDurationMs'>, seconds: number) {
  await runLoad({ ...plan, maxRequests: Number.MAX_SAFE_INTEGER, maxDurationMs: 2_000 })
  return runLoad({ ...plan, maxRequests: Number.MAX_SAFE_INTEGER, maxDurationMs: seconds * 1000 })
}

/** `npm run bench -- public-reads`: the hottest path of a widget fleet against the bare-Fastify floor. */
export async function runPublicReadsSuite(argv: string[]): Promise<void> {
  const options = parseOptions(argv)
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'comerix-bench-reads-'))
  try {
    note('floor: bare Fastify in a child process (the ingest bench floor)')
    const floorServer = spawnTs('ops/bench/ingest/floor-server.ts', [])
    let floorUrl = ''
    await waitFor(
      () => {
        const line = floorServer.output().split('\n')[0] ?? ''
        if (line.startsWith('{') && floorServer.output().includes('\n')) floorUrl = JSON.parse(line).url
        return floorUrl !== ''
      },
      { timeoutMs: 30_000, message: 'the floor server to listen' },
    )
    const floor = await measure(
      {
        url: floorUrl,
        path: '/v1/telemetry',
        headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'User-Agent': USER_AGENT },
        connections: options.connections,
        body: () => '{}',
      },
      options.seconds,
    ).finally(() => floorServer.stop())

    note('comerix serve (embedded), a tenant, a widget key and published settings')
    const dataDir = path.join(workDir, 'embedded')
    const server = await startComerix({
      mode: 'embedded',
      dataDir,
      kafkaBrokers: undefined,
      profileDir: undefined,
      origin: ORIGIN,
      env: {},
    })
    try {
      const env = { DATA_DIR: dataDir }
      const tenant = JSON.parse(
        await runTs('bin/comerix.ts', ['tenant:create', 'bench-reads', '--json'], env),
      )
      const key = JSON.parse(
        await runTs(
          'bin/comerix.ts',
          [
            'widget-key:create',
            '--tenant',
            'bench-reads',
            '--all-intents',
            `--allowed-origin=${ORIGIN}`,
            '--json',
          ],
          env,
        ),
      ) as { publicKey: string }
      const admin = { authorization: `Bearer ${tenant.adminKey.key}`, 'content-type': 'application/json' }
      const settings = {
        greeting: 'Hi!',
        quickQuestions: [
          { id: 'order', label: 'Where is my order?', intent: 'order_status' },
          { id: 'finder', label: 'Find a product', intent: 'product_finder' },
          { id: 'returns', label: 'Return an item', intent: 'returns_request' },
        ],
      }
      const base = `${server.url}/v1/admin/widget-settings/${key.publicKey}`
      for (const [method, url, body] of [
        ['PUT', base, JSON.stringify(settings)],
        ['POST', `${base}/publish`, undefined],
      ] as const) {
        const response = await fetch(url, {
          method,
          headers: body ? admin : { authorization: admin.authorization },
          ...(body ? { body } : {}),
        })
        if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`)
      }
      const readPath = `/v1/public/quick-questions?publicKey=${key.publicKey}`
      const first = await fetch(`${server.url}${readPath}`, { headers: { origin: ORIGIN } })
      const etag = first.headers.get('etag') ?? ''
      const source = first.headers.get('x-edge-source')
      if (first.status !== 200 || !etag) throw new Error(`the public read answered ${first.status}`)

      const headers = { Origin: ORIGIN, 'User-Agent': USER_AGENT }
      const plan = (extra: Record<string, string>) => ({
        url: server.url,
        method: 'GET' as const,
        path: readPath,
        headers: { ...headers, ...extra },
        connections: options.connections,
        body: () => '',
      })
      note('public reads: 200 (no If-None-Match)')
      const full = await measure(plan({}), options.seconds)
      note('public reads: 304 (If-None-Match)')
      const revalidated = await measure(plan({ 'If-None-Match': etag }), options.seconds)

      const floorRate = perSecond(floor, (status) => status === 202)
      const fullRate = perSecond(full, (status) => status === 200)
      const notModifiedRate = perSecond(revalidated, (status) => status === 304)
      const row = (label: string, result: LoadResult, rate: number) =>
        `${label.padEnd(34)} ${rate.toFixed(0).padStart(8)}/s  ratio ${(rate / floorRate).toFixed(2).padStart(5)}  p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms  non-2xx/304 ${result.completed - successes(result) - (result.statuses.get(304) ?? 0)}  failed ${result.failed}`
      console.log(
        `\npublic reads bench: ${options.connections} connections, ${options.seconds} s each, X-Edge-Source: ${source}`,
      )
      console.log(row('floor (bare Fastify POST, 202)', floor, floorRate))
      console.log(row('quick-questions 200', full, fullRate))
      console.log(row('quick-questions 304 (If-None-Match)', revalidated, notModifiedRate))
      console.log(
        `aim: >= 0.50 of the floor; ${fullRate / floorRate >= 0.5 && notModifiedRate / floorRate >= 0.5 ? 'met' : 'NOT met'}`,
      )
    } finally {
      await server.child.stop()
    }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
