/**
 * The event stream port. Two adapters implement it (local segment files, Kafka) and one contract
 * suite (test/contract/event-log.contract.ts) runs the same cases on both.
 */
export interface LogRecordInput {
  /** Partition key: records with one key keep their order. */
  key?: string
  value: Buffer | string
}

export interface LogEntry {
  offset: number
  key: string | undefined
  value: Buffer
  /** Append time, epoch ms. */
  timestamp: number
}

export interface LogBatch {
  topic: string
  partition: number
  entries: LogEntry[]
}

export interface SubscribeOptions {
  /** Consumer group: a new group starts from the earliest retained entry. */
  group: string
  topics: string[]
  /** Upper bound of entries handed to one handler call. Default 10_000. */
  maxBatchEntries?: number
  /**
   * How long a partial batch may wait to fill up before it is handed over. Default 0: hand over at
   * once whatever exists (batches still grow under load, while the previous handler call runs). A
   * sink that wants bigger inserts raises it. Kafka waits for 1 MiB instead of `maxBatchEntries`.
   */
  maxWaitMs?: number
}

/** What `SubscribeOptions` left unset means, the same on both adapters. */
export const SUBSCRIBE_DEFAULTS = { maxBatchEntries: 10_000, maxWaitMs: 0 } as const

/**
 * Handles one batch. Resolving commits every entry of the batch; throwing commits nothing and the
 * same batch is delivered again after a backoff (at-least-once, never skipped or reordered). A
 * subscription calls its handler for one batch at a time.
 */
export type BatchHandler = (batch: LogBatch) => Promise<void>

export interface Subscription {
  /** Stops fetching, waits for the running handler, commits what it handled. */
  stop(): Promise<void>
}

export interface TopicLag {
  topic: string
  partition: number
  /** Entries appended but not yet committed by the group. */
  lag: number
}

export interface EventLog {
  readonly kind: 'local' | 'kafka'
  /** Resolves only once every record is durable (fsync'd locally, acknowledged by all in-sync replicas on Kafka). */
  append(topic: string, records: readonly LogRecordInput[]): Promise<void>
  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription>
  lag(group: string, topic: string): Promise<TopicLag[]>
  /** Throws when the log cannot serve appends. */
  ping(): Promise<void>
  close(): Promise<void>
}
