import { processStats } from '../support/processes.ts'
import { median, percentile } from './median.ts'

/** One timed analytics request: a family's endpoint with every metric, over the whole history. */
export interface EndpointCase {
  label: string
  path: string
  query: Record<string, string>
  /** Target: median at most this many times the scan floor (a dashboard: its slowest tile's). */
  aim: number
  /** An analytics endpoint (the default), one overview tile alone, or the whole overview dashboard. */
  kind?: 'endpoint' | 'tile' | 'dashboard'
}

export interface EndpointTiming {
  case: EndpointCase
  /** Timed requests (fewer than asked when a warm-up took longer than SLOW_MS). */
  timed: number
  medianMs: number
  /** Nearest-rank 95th percentile of the timed requests (their maximum below 20 requests). */
  p95Ms: number
  minMs: number
  /**
   * The server process's CPU time (user + system, all threads, ClickHouse's included) over the timed
   * requests divided by their number: what one answer costs, much less sensitive to the machine's load
   * than the wall clock. NaN off Linux.
   */
  serverCpuMs: number
  /** Rows of the answer's `rows`, to show the request did real work. */
  rows: number
  /** Why the endpoint could not be timed (an error answer); the other fields are then NaN. */
  error?: string
}

/** Past this, a warm-up request means minutes per endpoint: time 3 requests, not the full count. */
const SLOW_MS = 10_000

interface OpenApiDocument {
  paths: Record<string, { get?: { parameters?: Array<{ name: string; description?: string }> } }>
}

const ATTRIBUTION_MODELS = ['last_touch', 'time_decay'] as const

/**
 * Metrics a family answers only in a query of their own (its 400 names the combination it refuses):
 * visitor counts are not cut by currency the way money is, and LLM cost is USD whatever the sales' currency.
 * Every other metric goes in the main query.
 */
const SEPARATE_METRICS: Record<string, Array<{ label: string; metrics: ReadonlySet<string> }>> = {
  attribution: [
    {
      label: 'engaged vs other visitors',
      metrics: new Set(['visitors', 'converted_visitors', 'visitor_conversion_rate', 'engagement_uplift']),
    },
    { label: 'LLM cost', metrics: new Set(['llm_cost_micros', 'llm_cost_per_attributed_sale_micros']) },
  ],
  conversions: [{ label: 'visitors', metrics: new Set(['visitors', 'conversion_rate']) }],
}

/**
 * The analytics endpoints the server answers, read from its OpenAPI document (so the bench runs those
 * that exist), each asked for all of its metrics by day over the window. Attribution credits run per model.
 */
export async function discoverCases(
  baseUrl: string,
  window: { from: string; to: string },
): Promise<EndpointCase[]> {
  const document = (await (await fetch(`${baseUrl}/docs/json`)).json()) as OpenApiDocument
  const cases: EndpointCase[] = []
  for (const [path, item] of Object.entries(document.paths).sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith('/v1/analytics/')) continue
    const described =
      item.get?.parameters?.find((parameter) => parameter.name === 'metrics')?.description ?? ''
    const metrics = described
      .replace(/^Comma-separated:\s*/, '')
      .replaceAll(' ', '')
      .split(',')
    const family = path.slice('/v1/analytics/'.length)
    const aim = family === 'attribution' ? 5 : 3
    const separate = SEPARATE_METRICS[family] ?? []
    const query = (names: string[]) => ({
      metrics: names.join(','),
      from: window.from,
      to: window.to,
      granularity: 'day',
    })
    const main = query(metrics.filter((metric) => !separate.some((group) => group.metrics.has(metric))))
    if (family === 'attribution') {
      for (const model of ATTRIBUTION_MODELS)
        cases.push({ label: `attribution (${model})`, path, query: { ...main, model }, aim })
    } else {
      cases.push({ label: family, path, query: main, aim })
    }
    for (const group of separate) {
      const own = metrics.filter((metric) => group.metrics.has(metric))
      if (own.length > 0) cases.push({ label: `${family} (${group.label})`, path, query: query(own), aim })
    }
  }
  return cases
}

/** Runs `warmup` unmeasured and `requests` timed requests of each case, one at a time. */
export async function measureEndpoints(
  baseUrl: string,
  analystKey: string,
  serverPid: number,
  cases: readonly EndpointCase[],
  counts: { warmup: number; requests: number },
  onCase: (label: string) => void,
): Promise<EndpointTiming[]> {
  const timings: EndpointTiming[] = []
  for (const entry of cases) {
    onCase(entry.label)
    const url = `${baseUrl}${entry.path}?${new URLSearchParams(entry.query)}`
    const request = async () => {
      const started = performance.now()
      const response = await fetch(url, { headers: { authorization: `Bearer ${analystKey}` } })
      const body = (await response.json()) as {
        rows?: unknown[]
        tiles?: Array<{ data?: { rows: unknown[] }; error?: { code: string; message: string } }>
        error?: { code: string; message: string }
      }
      if (!response.ok) throw new Error(`${response.status} ${body.error?.code}: ${body.error?.message}`)
      const failed = body.tiles?.find((tile) => tile.error)?.error
      if (failed) throw new Error(`a tile failed: ${failed.code}: ${failed.message}`)
      const rows =
        body.rows?.length ?? body.tiles?.reduce((sum, tile) => sum + (tile.data?.rows.length ?? 0), 0)
      return { ms: performance.now() - started, rows: rows ?? 0 }
    }
    try {
      let slowest = 0
      for (let i = 0; i < counts.warmup; i++) slowest = Math.max(slowest, (await request()).ms)
      const timed = slowest > SLOW_MS ? Math.min(3, counts.requests) : counts.requests
      const results = []
      const cpuBefore = processStats(serverPid)?.cpuSeconds
      for (let i = 0; i < timed; i++) results.push(await request())
      const cpuAfter = processStats(serverPid)?.cpuSeconds
      const elapsed = results.map((result) => result.ms)
      const rows = results.at(-1)?.rows ?? 0
      timings.push({
        case: entry,
        timed,
        medianMs: median(elapsed),
        p95Ms: percentile(elapsed, 95),
        minMs: Math.min(...elapsed),
        serverCpuMs:
          cpuBefore === undefined || cpuAfter === undefined
            ? Number.NaN
            : ((cpuAfter - cpuBefore) * 1000) / timed,
        rows,
      })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      timings.push({
        case: entry,
        timed: 0,
        medianMs: Number.NaN,
        p95Ms: Number.NaN,
        minMs: Number.NaN,
        serverCpuMs: Number.NaN,
        rows: 0,
        error: message,
      })
    }
  }
  return timings
}
