import { startComerix } from '../support/comerix.ts'
import { runTs } from '../support/processes.ts'
import { note } from '../support/progress.ts'
import { parseAnalyticsOptions } from './analytics-options.ts'
import { dashboardCases } from './dashboard-cases.ts'
import { discoverCases, type EndpointTiming, measureEndpoints } from './measure-endpoints.ts'
import { benchEnv, type Dataset, prepareDataset } from './prepare-dataset.ts'
import { printAnalyticsReport } from './print-analytics-report.ts'

/** Goals the goals endpoint evaluates: an event type, an engine goal and every sale. */
const BENCH_GOALS = [
  { name: 'Added to cart', kind: 'event', eventType: 'cart.added' },
  { name: 'Products shown', kind: 'event', eventType: 'goal.product_finder.shown' },
  { name: 'Sale', kind: 'conversion' },
]

/**
 * `npm run bench -- analytics`: each analytics endpoint's median latency and server CPU per request over
 * HTTP against a real server on a generated history, and its ratio to a scan floor measured in the same
 * run; then the overview dashboard against its slowest tile.
 */
export async function runAnalyticsSuite(argv: string[]): Promise<void> {
  const options = parseAnalyticsOptions(argv)
  const { dataset, reused } = await prepareDataset(options)
  const window = { from: dataset.summary.from, to: dataset.summary.to }

  note('starting comerix serve on the bench data directory')
  const server = await startComerix({
    mode: 'embedded',
    dataDir: options.dataDir,
    kafkaBrokers: undefined,
    profileDir: undefined,
    origin: 'https://shop.example',
    env: benchEnv(options.dataDir),
  })
  let timings: EndpointTiming[]
  try {
    const analystKey = await prepareTenant(server.url, dataset)
    const dashboards = await dashboardCases(server.url, analystKey, window)
    const cases = [...(await discoverCases(server.url, window)), ...dashboards.tiles, dashboards.overview]
    timings = await measureEndpoints(server.url, analystKey, server.child.pid, cases, options, (label) =>
      note(`timing ${label}`),
    )
  } finally {
    await server.child.stop()
  }

  note('timing the scan floor (server stopped: chdb admits one process per data directory)')
  const floor = JSON.parse(
    await runTs(
      'ops/bench/analytics/measure-floor.ts',
      [
        dataset.tenantId,
        String(Date.parse(window.from)),
        String(Date.parse(window.to)),
        String(options.warmup),
        String(options.requests),
      ],
      benchEnv(options.dataDir),
    ),
  ) as { medianMs: number; minMs: number; cpuMs: number; rows: number }
  printAnalyticsReport({ options, dataset, reused, timings, floor })
}

/** An analyst key for the bench tenant, and its goals (created once per data directory). */
async function prepareTenant(baseUrl: string, dataset: Dataset): Promise<string> {
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${dataset.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok)
      throw new Error(`${method} /v1/admin${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }
  const existing = await admin<{ goals: Array<{ name: string }> }>('GET', '/goals')
  for (const goal of BENCH_GOALS) {
    if (!existing.goals.some((candidate) => candidate.name === goal.name)) await admin('POST', '/goals', goal)
  }
  const issued = await admin<{ key: string }>('POST', '/secret-keys', {
    name: 'bench analyst',
    scopes: ['analyst'],
  })
  return issued.key
}
