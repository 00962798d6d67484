/** The pipeline counters the bench reads from `GET /metrics` (Prometheus text format). */
export interface PipelineMetrics {
  /** When the scrape was sent (performance.now()). */
  sentAt: number
  /** When its answer arrived. */
  receivedAt: number
  /** comerix_ingest_events_accepted_total: events answered 202. */
  accepted: number
  /** comerix_sink_batch_rows_sum: rows the sink inserted; the insert is synchronous, so queryable rows. */
  stored: number
  /** comerix_sink_insert_seconds_count / _sum: sink batches and the time they took. */
  sinkBatches: number
  sinkSeconds: number
  /** comerix_sink_consumer_lag by partition. */
  lag: Map<number, number>
}

export const totalLag = (metrics: PipelineMetrics): number =>
  [...metrics.lag.values()].reduce((a, b) => a + b, 0)

export async function scrapeMetrics(baseUrl: string): Promise<PipelineMetrics> {
  const sentAt = performance.now()
  const response = await fetch(`${baseUrl}/metrics`)
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`)
  const text = await response.text()
  const receivedAt = performance.now()
  const lag = new Map<number, number>()
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (!match) continue
    const [, name = '', labels = '', value = ''] = match
    if (name === 'comerix_sink_consumer_lag') {
      const partition = Number(/partition="(\d+)"/.exec(labels)?.[1] ?? 0)
      lag.set(partition, Number(value))
    } else if (labels === '') values.set(name, Number(value))
  }
  const read = (name: string) => values.get(name) ?? 0
  return {
    sentAt,
    receivedAt,
    accepted: read('comerix_ingest_events_accepted_total'),
    stored: read('comerix_sink_batch_rows_sum'),
    sinkBatches: read('comerix_sink_insert_seconds_count'),
    sinkSeconds: read('comerix_sink_insert_seconds_sum'),
    lag,
  }
}
