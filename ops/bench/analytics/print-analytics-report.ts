import type { AnalyticsOptions } from './analytics-options.ts'
import type { EndpointTiming } from './measure-endpoints.ts'
import type { Dataset } from './prepare-dataset.ts'

const EXPECTED_FAMILIES = ['engagement', 'goals', 'conversions', 'token-spend', 'attribution']

export interface AnalyticsReport {
  options: AnalyticsOptions
  dataset: Dataset
  reused: boolean
  timings: EndpointTiming[]
  floor: { medianMs: number; minMs: number; cpuMs: number; rows: number }
}

/** The report on stdout: the history, the floor, and one row per endpoint with its ratio and aim. */
export function printAnalyticsReport({ options, dataset, reused, timings, floor }: AnalyticsReport): void {
  const number = (value: number) => value.toLocaleString('en-US')
  const ms = (value: number) => value.toFixed(1)
  const { summary } = dataset
  const lines = [
    `Analytics bench: ${number(summary.events)} events, ${number(summary.orders.total)} orders (${number(summary.eventsByType.conversion ?? 0)} conversion events), ${summary.visitors} visitors, ${summary.days} days, seed ${summary.seed}`,
    reused
      ? `History reused from ${options.dataDir} (generated with the same parameters in ${ms(dataset.generationSeconds)} s)`
      : `History generated into ${options.dataDir} in ${ms(dataset.generationSeconds)} s (comerix demo:generate --direct: the generator's rows inserted straight into events, 100k a batch)`,
    `Window ${summary.from} .. ${summary.to}; ${options.warmup} warm-up + ${options.requests} timed requests per endpoint, one at a time`,
    `Scan floor: SELECT count() over the tenant's ${number(floor.rows)} events in the window, in-process through the product's ClickHouse client: median ${ms(floor.medianMs)} ms (min ${ms(floor.minMs)}), ${ms(floor.cpuMs)} ms CPU per query`,
    "CPU ms: the server process's CPU time (all threads, ClickHouse included) over the timed requests, per request; CPU ratio: that over the floor's CPU per query (less sensitive to the machine's load than the wall clock)",
    '',
    '| endpoint | median ms | p95 ms | min ms | n | rows | floor ms | ratio | CPU ms | CPU ratio | aim | |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...timings
      .filter((timing) => (timing.case.kind ?? 'endpoint') === 'endpoint')
      .map((timing) => {
        const aim = `<= ${timing.case.aim}x`
        if (timing.error)
          return `| ${timing.case.label} | | | | 0 | | ${ms(floor.medianMs)} | | | | ${aim} | failed: ${timing.error} |`
        const ratio = timing.medianMs / floor.medianMs
        const cpuRatio = timing.serverCpuMs / floor.cpuMs
        return `| ${timing.case.label} | ${ms(timing.medianMs)} | ${ms(timing.p95Ms)} | ${ms(timing.minMs)} | ${timing.timed} | ${timing.rows} | ${ms(floor.medianMs)} | ${ratio.toFixed(1)}x | ${ms(timing.serverCpuMs)} | ${cpuRatio.toFixed(1)}x | ${aim} | ${ratio <= timing.case.aim ? 'met' : 'missed'} |`
      }),
    ...dashboardLines(timings),
  ]
  const benched = new Set(timings.map((timing) => timing.case.path.slice('/v1/analytics/'.length)))
  const missing = EXPECTED_FAMILIES.filter((family) => !benched.has(family))
  if (missing.length > 0)
    lines.push('', `Not benched (the server does not serve them yet): ${missing.join(', ')}`)
  console.log(lines.join('\n'))
}

/** The overview dashboard against its slowest tile rendered alone (same route, same window). */
function dashboardLines(timings: EndpointTiming[]): string[] {
  const tiles = timings.filter((timing) => timing.case.kind === 'tile')
  const board = timings.find((timing) => timing.case.kind === 'dashboard')
  if (!board) return []
  const ms = (value: number) => value.toFixed(1)
  const slowest = Math.max(...tiles.map((tile) => tile.medianMs))
  const row = (timing: EndpointTiming, verdict: string) =>
    timing.error
      ? `| ${timing.case.label} | | | | 0 | | | failed: ${timing.error} |`
      : `| ${timing.case.label} | ${ms(timing.medianMs)} | ${ms(timing.p95Ms)} | ${ms(timing.minMs)} | ${timing.timed} | ${timing.rows} | ${ms(timing.serverCpuMs)} | ${verdict} |`
  const ratio = board.medianMs / slowest
  return [
    '',
    'Overview dashboard (GET /v1/admin/dashboards/{id} over the window), and each tile alone on a one-tile dashboard:',
    '',
    '| dashboard | median ms | p95 ms | min ms | n | rows | CPU ms | |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...tiles.map((tile) => row(tile, '')),
    row(
      board,
      `${ratio.toFixed(1)}x the slowest tile (aim <= ${board.case.aim}x): ${ratio <= board.case.aim ? 'met' : 'missed'}`,
    ),
  ]
}
