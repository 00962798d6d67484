import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { EventLog } from '../platform/event-log/event-log.ts'
import { EVENTS_TOPIC, SINK_GROUP } from './event-topics.ts'

export interface IngestMetrics {
  accepted: Counter
  rejected: Counter<'reason'>
  deduplicated: Counter
  deadLettered: Counter
  sinkBatchRows: Histogram
  sinkInsertSeconds: Histogram
  sinkStepSeconds: Histogram<'step'>
  sinkFailures: Counter
}

export function createIngestMetrics(registry: Registry, eventLog: EventLog): IngestMetrics {
  new Gauge({
    name: 'comerix_sink_consumer_lag',
    help: 'Events appended to the log but not yet committed by the sink, per partition',
    labelNames: ['partition'],
    registers: [registry],
    async collect() {
      for (const { partition, lag } of await eventLog.lag(SINK_GROUP, EVENTS_TOPIC)) {
        this.set({ partition: String(partition) }, lag)
      }
    },
  })
  return {
    accepted: new Counter({
      name: 'comerix_ingest_events_accepted_total',
      help: 'Events durably appended to the event log and answered 202',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'comerix_ingest_requests_rejected_total',
      help: 'Intake requests refused, by error code',
      labelNames: ['reason'],
      registers: [registry],
    }),
    deduplicated: new Counter({
      name: 'comerix_sink_events_deduplicated_total',
      help: 'Events the sink dropped because their event_id was already stored (retries, redeliveries)',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'comerix_sink_events_dead_lettered_total',
      help: 'Records the sink could not store, written to events_dead_letter',
      registers: [registry],
    }),
    sinkBatchRows: new Histogram({
      name: 'comerix_sink_batch_rows',
      help: 'Rows per sink insert',
      buckets: [1, 10, 100, 500, 1_000, 5_000, 10_000, 50_000],
      registers: [registry],
    }),
    sinkInsertSeconds: new Histogram({
      name: 'comerix_sink_insert_seconds',
      help: 'Time to store one sink batch in ClickHouse (lookup + insert)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sinkStepSeconds: new Histogram({
      name: 'comerix_sink_step_seconds',
      help: 'Time of each step of a sink batch: decode, lookup (ids already stored), insert, dead_letter',
      labelNames: ['step'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sinkFailures: new Counter({
      name: 'comerix_sink_batch_failures_total',
      help: 'Sink batches that failed and will be retried',
      registers: [registry],
    }),
  }
}
