import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Mode } from '../support/comerix.ts'

export interface IngestOptions {
  /** Events of the batched end-to-end phase, and rows of the direct insert ceiling. */
  events: number
  batchSize: number
  connections: number
  /** Measured seconds of each requests/s phase (floor, single-event), after `warmupSeconds`. */
  durationSeconds: number
  warmupSeconds: number
  freshnessSeconds: number
  /** Background load of the freshness phase, as a fraction of the batched end-to-end rate. */
  freshnessLoad: number
  /** Sampled single-event requests per second in the freshness phase. */
  freshnessSamplesPerSecond: number
  /** The server's SINK_BATCH_ROWS, and the ceiling's insert size. */
  sinkBatchRows: number
  modes: Mode[]
  /** Write V8 CPU profiles of the server under test here. */
  profileDir: string | undefined
}

export const INGEST_USAGE = `usage: npm run bench -- ingest [options]
  --events <n>              events in the batched end-to-end phase and the insert ceiling (200000)
  --batch-size <n>          events per request in the batched phase (100; the server accepts <= 500)
  --connections <n>         concurrent keep-alive connections of the load generator (32)
  --duration <s>            measured seconds of the floor and single-event phases (8)
  --warmup <s>              unmeasured seconds before each of them (2)
  --freshness-seconds <s>   length of the freshness phase (15)
  --freshness-load <f>      its background load, as a fraction of the batched end-to-end rate (0.25)
  --sink-batch-rows <n>     SINK_BATCH_ROWS of the server, and the ceiling's insert size (10000)
  --modes <list>            embedded,kafka (kafka runs only when KAFKA_BROKERS is set)
  --profile <dir>           write V8 CPU profiles (--cpu-prof) of the server under test to <dir>`

export function parseIngestOptions(argv: string[]): IngestOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string', default: '200000' },
      'batch-size': { type: 'string', default: '100' },
      connections: { type: 'string', default: '32' },
      duration: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '2' },
      'freshness-seconds': { type: 'string', default: '15' },
      'freshness-load': { type: 'string', default: '0.25' },
      'sink-batch-rows': { type: 'string', default: '10000' },
      modes: { type: 'string', default: 'embedded,kafka' },
      profile: { type: 'string' },
    },
  })
  const positive = (name: string, raw: string, max = Number.MAX_SAFE_INTEGER): number => {
    const value = Number(raw)
    if (!Number.isFinite(value) || value <= 0 || value > max) {
      throw new Error(
        `--${name} ${raw}: expected a number above 0${max < Number.MAX_SAFE_INTEGER ? ` and at most ${max}` : ''}`,
      )
    }
    return value
  }
  const modes = values.modes.split(',').map((mode) => mode.trim())
  for (const mode of modes) {
    if (mode !== 'embedded' && mode !== 'kafka')
      throw new Error(`--modes: unknown mode "${mode}" (embedded, kafka)`)
  }
  return {
    events: Math.round(positive('events', values.events, 10_000_000)),
    batchSize: Math.round(positive('batch-size', values['batch-size'], 500)),
    connections: Math.round(positive('connections', values.connections, 1_000)),
    durationSeconds: positive('duration', values.duration, 600),
    warmupSeconds: Number(values.warmup) === 0 ? 0 : positive('warmup', values.warmup, 60),
    freshnessSeconds: positive('freshness-seconds', values['freshness-seconds'], 600),
    freshnessLoad: positive('freshness-load', values['freshness-load'], 1),
    freshnessSamplesPerSecond: 10,
    sinkBatchRows: Math.round(positive('sink-batch-rows', values['sink-batch-rows'], 1_000_000)),
    modes: modes as Mode[],
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
  }
}
