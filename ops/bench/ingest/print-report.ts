import os from 'node:os'
import type { Mode } from '../support/comerix.ts'
import { successes } from '../support/load.ts'
import type { CpuUse, ProcessStats } from '../support/processes.ts'
import type { IngestOptions } from './ingest-options.ts'
import { FRESHNESS_POLL_MS, type FreshnessResult } from './measure-freshness.ts'
import type { BatchedResult, BeaconResult, DrainResult } from './measure-throughput.ts'

export interface CeilingResult {
  rows: number
  inserts: number
  seconds: number
  prepareSeconds: number
  rssBytes: number
}

export type ModeResult =
  | { mode: Mode; skipped: string }
  | {
      mode: Mode
      startSeconds: number
      single: BeaconResult
      afterSingle: DrainResult
      batched: BatchedResult
      freshness: FreshnessResult
      stats: ProcessStats | undefined
    }

type MeasuredMode = Exclude<ModeResult, { skipped: string }>

interface Report {
  options: IngestOptions
  fastifyVersion: string
  floor: BeaconResult
  ceiling: CeilingResult
  modes: ModeResult[]
  totalSeconds: number
  loadAverageAtStart: number[]
}

const TARGETS = { singleToFloor: 0.6, batchedToCeiling: 0.7, freshnessP99Ms: 2000 }

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—')
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—')
const mib = (bytes: number) => `${int(bytes / 1_048_576)} MiB`
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED')
/** "server / generator / [broker /] others" CPU seconds during a phase. */
const cpu = (use: CpuUse | undefined) =>
  use === undefined
    ? '—'
    : `${fixed(use.server, 1)} / ${fixed(use.generator, 1)} / ${use.broker === undefined ? '' : `${fixed(use.broker, 1)} / `}${fixed(use.others, 1)} s`
const microsPerEvent = (use: CpuUse | undefined, events: number) =>
  use === undefined ? '—' : `${int((use.server / events) * 1e6)} µs`

export function printReport(report: Report): void {
  const { options, floor, ceiling } = report
  const cpus = os.cpus()
  const lines: string[] = []
  const out = (line = '') => lines.push(line)
  const ceilingPerSecond = ceiling.rows / ceiling.seconds

  // Share of the machine's cores that other processes used during the busiest measured phase.
  const phases = [
    floor.cpu,
    ...report.modes.flatMap((r) => ('skipped' in r ? [] : [r.single.cpu, r.batched.cpu])),
  ]
  const othersShare = Math.max(
    0,
    ...phases.map((use) => (use === undefined ? 0 : use.others / (use.wallSeconds * cpus.length))),
  )
  out(`Comerix ingest bench, ${new Date().toISOString()} (${fixed(report.totalSeconds, 0)} s)`)
  out(
    `machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? '?'}, ${mib(os.totalmem())} RAM, ${os.type()} ${os.release()}, Node ${process.version}, Fastify ${report.fastifyVersion}`,
  )
  out(
    `note: the load generator runs in this process on the same ${cpus.length} cores as the server under test; it competes for CPU, so every rate here is below what the server alone would do (the floor most of all).`,
  )
  const loadAverage = (values: number[]) => values.map((value) => fixed(value)).join(' ')
  const noisy = othersShare > 0.1
  out(
    `load average at start ${loadAverage(report.loadAverageAtStart)}, at end ${loadAverage(os.loadavg())}; other processes used up to ${int(othersShare * 100)} % of the cores in a measured phase`,
  )
  if (noisy)
    out('WARNING: other processes competed for the CPU ("others" in the CPU rows): rerun on a quiet machine')
  out(
    `settings: ${options.connections} keep-alive connections, closed loop, same generator for floor and product; ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured; batched: ${int(options.events)} events in requests of ${options.batchSize}; SINK_BATCH_ROWS ${int(options.sinkBatchRows)}`,
  )
  out()
  out('Baselines (measured once in this run, shared by the modes)')
  out(
    `  floor: bare Fastify, POST -> 202 (JSON body parsed)   ${int(floor.perSecond)} req/s   p50 ${fixed(floor.load.latencyMs.p50)} ms, p99 ${fixed(floor.load.latencyMs.p99)} ms; CPU server / generator / others ${cpu(floor.cpu)} in ${fixed(floor.load.elapsedMs / 1000, 1)} s; server ${microsPerEvent(floor.cpu, successes(floor.load))} per request`,
  )
  out(
    `  direct insert ceiling: ${int(ceiling.rows)} enriched rows, ${ceiling.inserts} inserts into chdb events   ${int(ceilingPerSecond)} rows/s   (${fixed(ceiling.seconds)} s; validation + enrichment before the clock: ${fixed((ceiling.prepareSeconds / ceiling.rows) * 1e6, 1)} µs/event)`,
  )
  out()

  for (const result of report.modes) {
    if ('skipped' in result) {
      out(
        result.skipped.startsWith('FAILED')
          ? `${result.mode} mode ${result.skipped} (its output is above, on stderr)`
          : `${result.mode} mode SKIPPED: ${result.skipped}. Run it with: eval "$(bash ops/services.sh start kafka)" && npm run bench -- ingest`,
      )
      out()
    }
  }
  const measured = report.modes.filter((result): result is MeasuredMode => !('skipped' in result))
  const columns = measured.map((result) => result.mode)
  const rows: Array<[string, ...string[]]> = []
  const row = (label: string, cell: (result: MeasuredMode) => string) =>
    rows.push([label, ...measured.map(cell)])

  row('single-event beacons/s', (r) => int(r.single.perSecond))
  row(`  ratio to floor (target >= ${TARGETS.singleToFloor})`, (r) => {
    const ratio = r.single.perSecond / floor.perSecond
    return `${fixed(ratio)} ${verdict(ratio >= TARGETS.singleToFloor)}`
  })
  row(
    '  latency p50 / p99',
    (r) => `${fixed(r.single.load.latencyMs.p50)} / ${fixed(r.single.load.latencyMs.p99)} ms`,
  )
  row(
    '  non-2xx / lost requests',
    (r) => `${r.single.load.completed - successes(r.single.load)} / ${r.single.load.failed}`,
  )
  row('  CPU server / generator / [Kafka /] others', (r) => cpu(r.single.cpu))
  row('  server CPU per event', (r) => microsPerEvent(r.single.cpu, successes(r.single.load)))
  row(
    '  sink backlog after it, drained in',
    (r) => `${int(r.afterSingle.backlog)}, ${fixed(r.afterSingle.seconds, 1)} s`,
  )
  row('batched events/s end to end', (r) => int(r.batched.endToEndPerSecond))
  row(`  ratio to ceiling (target >= ${TARGETS.batchedToCeiling})`, (r) => {
    const ratio = r.batched.endToEndPerSecond / ceilingPerSecond
    return `${fixed(ratio)} ${verdict(ratio >= TARGETS.batchedToCeiling)}`
  })
  row(
    '  events, first send to all stored',
    (r) => `${int(r.batched.events)}, ${fixed(r.batched.endToEndSeconds)} s`,
  )
  row('  accepted (202) events/s', (r) => int(r.batched.events / r.batched.acceptSeconds))
  row(
    '  non-2xx / lost requests',
    (r) => `${r.batched.load.completed - successes(r.batched.load)} / ${r.batched.load.failed}`,
  )
  row(
    '  sink batches, mean rows',
    (r) => `${r.batched.sinkBatches}, ${int(r.batched.events / r.batched.sinkBatches)}`,
  )
  row('  time inside sink batches', (r) => `${fixed(r.batched.sinkSeconds)} s`)
  row('  CPU server / generator / [Kafka /] others', (r) => cpu(r.batched.cpu))
  row('  server CPU per event', (r) => microsPerEvent(r.batched.cpu, r.batched.events))
  row(`freshness p50 / p99 (target p99 < ${TARGETS.freshnessP99Ms / 1000} s)`, (r) => {
    const { p50Ms, p99Ms, unresolved } = r.freshness
    return `${fixed(p50Ms / 1000)} / ${fixed(p99Ms / 1000)} s ${verdict(p99Ms < TARGETS.freshnessP99Ms && unresolved === 0)}`
  })
  row(
    '  samples (never seen stored), max',
    (r) => `${r.freshness.samples} (${r.freshness.unresolved}), ${fixed(r.freshness.maxMs / 1000)} s`,
  )
  row('  background load', (r) => `${int(r.freshness.backgroundEventsPerSecond)} events/s`)
  row('server RSS peak / at end', (r) =>
    r.stats ? `${mib(r.stats.peakRssBytes)} / ${mib(r.stats.rssBytes)}` : '—',
  )
  row('server start (to listening)', (r) => `${fixed(r.startSeconds, 1)} s`)

  const widths = [
    Math.max(...rows.map((r) => r[0].length)),
    ...columns.map((_, i) => Math.max(columns[i]?.length ?? 0, ...rows.map((r) => r[i + 1]?.length ?? 0))),
  ]
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('   ')
  if (measured.length > 0) {
    out(render(['', ...columns]))
    for (const cells of rows) out(render(cells))
    out()
  }

  out('How it is measured (ops/bench/README.md has the details):')
  out(
    '- rates count only 2xx answers; the floor and single-event phases are closed loop over the same connections.',
  )
  out(
    `- "stored" = comerix_sink_batch_rows_sum on GET /metrics: rows the sink inserted; the insert is synchronous, so stored rows are queryable.`,
  )
  out(
    '- batched end to end = events / (first send -> the /metrics scrape, every 100 ms, that shows them all stored).',
  )
  out(
    `- freshness = a sample's 202 -> the first scrape proving it committed: acked[p] - lag[p] >= sent[p] at its 202 (p = its partition); an upper bound (in-flight window + ${FRESHNESS_POLL_MS} ms polling). Samples: ${options.freshnessSamplesPerSecond}/s for ${options.freshnessSeconds} s, background at ${options.freshnessLoad} x the batched end-to-end rate in requests of 10.`,
  )
  out(
    '- RSS: VmHWM (peak since the server started, over all phases) and VmRSS at the end, from /proc; Kafka runs in its own JVM, not counted.',
  )
  process.stdout.write(`${lines.join('\n')}\n`)
}
