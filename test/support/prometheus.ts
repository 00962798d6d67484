import { waitFor } from './wait-for.ts'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Reads `GET /metrics` (Prometheus text format) into samples. */
export async function scrapeMetrics(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(new URL('/metrics', baseUrl))
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`)
  return (await response.text()).split('\n').flatMap((line) => {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) return []
    const [, name = '', labels = '', value = ''] = match
    const pairs = [...labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key = '', text = '']) => [
      key,
      text,
    ])
    return [{ name, labels: Object.fromEntries(pairs), value: Number(value) }]
  })
}

/** The sum of a metric over all its label sets (0 when absent). */
export function metricSum(samples: readonly Sample[], name: string): number {
  return samples.filter((sample) => sample.name === name).reduce((sum, sample) => sum + sample.value, 0)
}

/**
 * Waits until the sink has committed everything in the event log: `comerix_sink_consumer_lag` is 0 on
 * every partition. The sink commits only after the insert, so by then every appended event is stored.
 */
export async function waitForSinkToCatchUp(baseUrl: string, timeoutMs: number): Promise<void> {
  let last: Sample[] = []
  await waitFor(
    async () => {
      last = (await scrapeMetrics(baseUrl)).filter((sample) => sample.name === 'comerix_sink_consumer_lag')
      return last.length > 0 && last.every((sample) => sample.value === 0)
    },
    { timeoutMs, intervalMs: 200, message: 'sink consumer lag 0 on every partition' },
  ).catch((error: Error) => {
    const lag = last.map((sample) => `${sample.labels.partition}=${sample.value}`).join(', ')
    throw new Error(`${error.message} (last lag: ${lag || 'no samples'})`)
  })
}
