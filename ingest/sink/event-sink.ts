import type { Histogram } from 'prom-client'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { EventLog, LogBatch, Subscription } from '../../platform/event-log/event-log.ts'
import { sha256Hex } from '../../platform/ids.ts'
import type { Logger } from '../../platform/log/logger.ts'
import { EVENTS_TOPIC, SINK_GROUP } from '../event-topics.ts'
import type { IngestMetrics } from '../ingest-metrics.ts'
import { decodeEntries, dropRepeats, type PoisonEntry } from './decode-entries.ts'
import { insertEvents } from './insert-events.ts'
import { findStoredEventIds } from './stored-event-ids.ts'

export interface EventSinkOptions {
  eventLog: EventLog
  db: Db
  logger: Logger
  metrics: IngestMetrics
  batchRows: number
  batchWaitMs: number
}

/**
 * Moves events from the log into ClickHouse, each exactly once. A batch is committed on the log only
 * after it is stored; if storing fails the log hands the same batch back after a backoff, so nothing is
 * skipped or reordered, and the stored-id lookup makes the second pass insert only what is missing.
 */
export class EventSink {
  private subscription: Subscription | undefined

  constructor(private readonly options: EventSinkOptions) {}

  async start(): Promise<void> {
    const { eventLog, batchRows, batchWaitMs } = this.options
    this.subscription = await eventLog.subscribe(
      { group: SINK_GROUP, topics: [EVENTS_TOPIC], maxBatchEntries: batchRows, maxWaitMs: batchWaitMs },
      (batch) => this.store(batch),
    )
  }

  /** Stores what the log already holds (up to `drainMs`), then stops consuming. */
  async stop(drainMs = 5_000): Promise<void> {
    const deadline = Date.now() + drainMs
    while (Date.now() < deadline && (await this.lag()) > 0)
      await new Promise((resolve) => setTimeout(resolve, 50))
    await this.subscription?.stop()
  }

  async lag(): Promise<number> {
    const partitions = await this.options.eventLog.lag(SINK_GROUP, EVENTS_TOPIC)
    return partitions.reduce((sum, partition) => sum + partition.lag, 0)
  }

  async store(batch: LogBatch): Promise<void> {
    const { db, metrics, logger } = this.options
    const started = performance.now()
    try {
      const step = <T>(name: string, run: () => T | Promise<T>) => timed(metrics.sinkStepSeconds, name, run)
      const { poison, unique, repeats } = await step('decode', () => {
        const decoded = decodeEntries(batch.entries)
        return { poison: decoded.poison, ...dropRepeats(decoded.rows) }
      })
      const stored = await step('lookup', () => findStoredEventIds(db, unique))
      const fresh = unique.filter(({ row }) => !stored.has(`${row.tenant_id}/${row.event_id}`))
      const position = `${batch.topic}:${batch.partition}`
      const rejected = await step('insert', () => insertEvents(db, fresh, position))
      await step('dead_letter', () => this.deadLetter(batch, [...poison, ...rejected]))

      metrics.deduplicated.inc(repeats + unique.length - fresh.length)
      metrics.sinkBatchRows.observe(fresh.length - rejected.length)
      metrics.sinkInsertSeconds.observe((performance.now() - started) / 1000)
    } catch (error) {
      metrics.sinkFailures.inc()
      logger.warn(
        { err: error, partition: batch.partition, entries: batch.entries.length },
        'sink batch failed; it will be retried',
      )
      throw error
    }
  }

  private async deadLetter(batch: LogBatch, entries: PoisonEntry[]): Promise<void> {
    if (entries.length === 0) return
    const offsets = entries.map((entry) => entry.offset).sort((a, b) => a - b)
    await this.options.db.insert(
      'events_dead_letter',
      entries.map((entry) => ({
        received_at: Date.now(),
        topic: batch.topic,
        partition: batch.partition,
        offset: entry.offset,
        error: entry.error,
        payload: entry.payload,
      })),
      {
        insert_deduplication_token: `dead-letter:${batch.topic}:${batch.partition}:${sha256Hex(offsets.join(','))}`,
      },
    )
    this.options.metrics.deadLettered.inc(entries.length)
    this.options.logger.error({ partition: batch.partition, offsets }, 'events dead-lettered')
  }
}

/** Runs one step of a batch, recording its duration under the step's name. */
async function timed<T>(histogram: Histogram<'step'>, step: string, run: () => T | Promise<T>): Promise<T> {
  const done = histogram.startTimer({ step })
  try {
    return await run()
  } finally {
    done()
  }
}
