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
  group: string
  topics: string[]
  /** Upper bound of entries handed to one handler call. */
  maxBatchEntries?: number
  /** How long to wait for more entries before handing over a partial batch. */
  maxWaitMs?: number
}

/**
 * Handles one batch. Resolving commits every entry of the batch; throwing commits nothing and the
 * batch is delivered again after a backoff (at-least-once).
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
