import { type LoadResult, runLoad, successes } from '../support/load.ts'
import { type PipelineMetrics, scrapeMetrics, totalLag } from '../support/metrics.ts'
import { type CpuUse, sleep, startCpuWindow, waitFor } from '../support/processes.ts'
import { withProgress } from '../support/progress.ts'
import { BenchBodies, ORIGIN, USER_AGENT } from './bench-events.ts'
import type { IngestOptions } from './ingest-options.ts'

export interface Target {
  url: string
  pid: number
  publicKey: string
  /** A local Kafka broker whose CPU is counted apart. */
  brokerPid?: number | undefined
}

/** What a browser's beacon carries; the floor gets the same headers and bodies. */
export function beaconHeaders(publicKey: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Origin: ORIGIN,
    'User-Agent': USER_AGENT,
    'X-Comerix-Public-Key': publicKey,
  }
}

export interface BeaconResult {
  load: LoadResult
  perSecond: number
  /** CPU use during the measured run. */
  cpu: CpuUse | undefined
}

/**
 * Requests/s of one-event POSTs, closed loop (each connection sends its next request when the previous
 * one is answered), after an unmeasured warm-up. Only 2xx answers count.
 */
export async function measureBeacons(
  label: string,
  target: Target,
  options: IngestOptions,
): Promise<BeaconResult> {
  const bodies = new BenchBodies()
  const plan = {
    url: target.url,
    path: '/v1/telemetry',
    headers: beaconHeaders(target.publicKey),
    connections: options.connections,
    body: (seq: number) => bodies.event(seq).json,
    maxRequests: Number.MAX_SAFE_INTEGER,
  }
  const total = Math.ceil(options.warmupSeconds + options.durationSeconds)
  return withProgress(
    label,
    total,
    's',
    async () => {
      if (options.warmupSeconds > 0) await runLoad({ ...plan, maxDurationMs: options.warmupSeconds * 1000 })
      const endCpu = startCpuWindow(target.pid, target.brokerPid)
      const load = await runLoad({ ...plan, maxDurationMs: options.durationSeconds * 1000 })
      const cpu = endCpu()
      return {
        load,
        perSecond: successes(load) / (load.elapsedMs / 1000),
        cpu,
      }
    },
    { tickSeconds: true },
  )
}

export interface DrainResult {
  /** Events accepted but not yet stored when the wait began. */
  backlog: number
  seconds: number
  metrics: PipelineMetrics
}

/** Waits until the sink has stored every accepted event (lag 0, stored = accepted). */
export async function waitForDrain(url: string, timeoutMs = 120_000): Promise<DrainResult> {
  const started = performance.now()
  let metrics = await scrapeMetrics(url)
  const backlog = Math.max(0, metrics.accepted - metrics.stored)
  await waitFor(
    async () => {
      metrics = await scrapeMetrics(url)
      return totalLag(metrics) === 0 && metrics.stored >= metrics.accepted
    },
    { timeoutMs, intervalMs: 100, message: 'the sink to store every accepted event' },
  )
  return { backlog, seconds: (performance.now() - started) / 1000, metrics }
}

export interface BatchedResult {
  events: number
  requests: number
  load: LoadResult
  /** First send to last 202. */
  acceptSeconds: number
  /** First send to the scrape that saw every accepted event stored. */
  endToEndSeconds: number
  endToEndPerSecond: number
  sinkBatches: number
  /** Time inside sink batches (stored-id lookup + insert), summed. */
  sinkSeconds: number
  cpu: CpuUse | undefined
}

/**
 * Posts `options.events` events in batches, then waits until the sink reports them all stored. Bodies
 * are built before the clock starts so that the generator spends its CPU on sending only.
 */
export async function measureBatched(target: Target, options: IngestOptions): Promise<BatchedResult> {
  const { events, batchSize } = options
  const requests = Math.ceil(events / batchSize)
  const generator = new BenchBodies()
  const bodies = Array.from(
    { length: requests },
    (_, i) => generator.batch(i * batchSize, Math.min(batchSize, events - i * batchSize)).json,
  )
  const eventsOf = (seq: number) => Math.min(batchSize, events - seq * batchSize)
  const base = (await waitForDrain(target.url)).metrics
  const endCpu = startCpuWindow(target.pid, target.brokerPid)

  return withProgress('batched, end to end', events, 'events stored', async (progress) => {
    let firstSend = 0
    let acceptedEvents = 0
    let loadDone = false
    const loading = runLoad({
      url: target.url,
      path: '/v1/telemetry',
      headers: beaconHeaders(target.publicKey),
      connections: options.connections,
      body: (seq) => bodies[seq] as string,
      maxRequests: requests,
      maxDurationMs: 300_000,
      onSend: () => {
        if (firstSend === 0) firstSend = performance.now()
      },
      onResponse: (seq, status) => {
        if (status === 202) acceptedEvents += eventsOf(seq)
      },
    }).finally(() => {
      loadDone = true
    })

    let last: PipelineMetrics = base
    const deadline = performance.now() + 300_000
    while (performance.now() < deadline) {
      await sleep(100)
      last = await scrapeMetrics(target.url)
      const stored = last.stored - base.stored
      progress.update(stored, `(${acceptedEvents} accepted)`)
      if (stored >= (loadDone ? acceptedEvents : events)) break
    }
    const load = await loading
    const cpu = endCpu()
    const endToEndSeconds = (last.receivedAt - firstSend) / 1000
    if (last.stored - base.stored < acceptedEvents) throw new Error('timed out waiting for the sink')
    return {
      events: acceptedEvents,
      requests,
      load,
      acceptSeconds: load.elapsedMs / 1000,
      endToEndSeconds,
      endToEndPerSecond: acceptedEvents / endToEndSeconds,
      sinkBatches: last.sinkBatches - base.sinkBatches,
      sinkSeconds: last.sinkSeconds - base.sinkSeconds,
      cpu,
    }
  })
}
