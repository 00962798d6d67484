import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs'
import type { Logger } from '../log/logger.ts'
import type { BatchHandler, LogEntry, Subscription } from './event-log.ts'
import { type Backoff, retryWithBackoff } from './retry-with-backoff.ts'

export interface KafkaConsumerOptions {
  groupId: string
  /** Full (prefixed) topic names. */
  topics: string[]
  /** Maps a full topic name back to the name callers use. */
  topicName: (fullName: string) => string
  maxBatchEntries: number
  maxWaitMs: number
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  backoff: Backoff
  logger: Logger
  handler: BatchHandler
}

/** With maxWaitMs 0 an idle fetch still long-polls this long, so an idle consumer does not spin. */
const IDLE_FETCH_WAIT_MS = 500
/** With maxWaitMs > 0 the broker holds a fetch until this much data is ready or maxWaitMs passed. */
const ACCUMULATE_BYTES = 1 << 20

export async function startKafkaConsumer(kafka: Kafka, options: KafkaConsumerOptions): Promise<Subscription> {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    maxWaitTimeInMs: options.maxWaitMs > 0 ? options.maxWaitMs : IDLE_FETCH_WAIT_MS,
    minBytes: options.maxWaitMs > 0 ? ACCUMULATE_BYTES : 1,
    // kafkajs fetches 1 MiB per partition by default, which capped sink batches near 1,000 rows and
    // cost an insert (and a dedup lookup) each; 16 MiB lets a batch reach the sink's row bound.
    maxBytesPerPartition: 16 * 1_048_576,
    maxBytes: 48 * 1_048_576,
    allowAutoTopicCreation: false,
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    options.logger.error(
      { err: payload.error, group: options.groupId, restart: payload.restart },
      'Kafka consumer crashed',
    )
  })
  const stopping = new AbortController()
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: options.topics, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => handleFetchedBatch(payload, options, stopping.signal),
    })
  } catch (error) {
    await consumer.disconnect()
    throw error
  }
  return {
    // kafkajs's disconnect waits for the running eachBatch, which commits what its handler finished.
    stop: async () => {
      stopping.abort()
      await consumer.disconnect()
    },
  }
}

/**
 * Hands one fetched partition batch to the handler in chunks of `maxBatchEntries`, in order. A chunk is
 * committed only after its handler call succeeded, and a failed chunk is retried before the next one
 * starts, so the committed offset is always the end of the contiguous handled prefix.
 */
async function handleFetchedBatch(
  payload: EachBatchPayload,
  options: KafkaConsumerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { batch, heartbeat, isRunning, isStale } = payload
  const { topic, partition } = batch
  for (let start = 0; start < batch.messages.length; start += options.maxBatchEntries) {
    if (signal.aborted || !isRunning() || isStale()) return
    const messages = batch.messages.slice(start, start + options.maxBatchEntries)
    const entries = messages.map(toEntry)
    const logBatch = { topic: options.topicName(topic), partition, entries }
    const handled = await retryWithBackoff(
      () => whileHeartbeating(() => options.handler(logBatch), payload, options),
      {
        backoff: options.backoff,
        signal,
        // Throws on a rebalance, so kafkajs rejoins and the new owner of the partition redelivers.
        beforeRetry: heartbeat,
        onError: (error, attempt) =>
          options.logger.warn(
            { err: error, topic, partition, firstOffset: entries[0]?.offset, attempt },
            'event log handler failed; redelivering the batch',
          ),
      },
    )
    if (!handled) return
    const last = messages[messages.length - 1]?.offset
    if (last === undefined) return
    payload.resolveOffset(last)
    const next = (BigInt(last) + 1n).toString()
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] })
    await heartbeat()
  }
}

/** Keeps the group membership alive while a handler runs longer than the session timeout. */
async function whileHeartbeating(
  run: () => Promise<void>,
  payload: EachBatchPayload,
  options: KafkaConsumerOptions,
): Promise<void> {
  const timer = setInterval(() => {
    payload.heartbeat().catch((error: unknown) => {
      options.logger.debug({ err: error, group: options.groupId }, 'heartbeat during handler failed')
    })
  }, options.heartbeatIntervalMs)
  try {
    await run()
  } finally {
    clearInterval(timer)
  }
}

function toEntry(message: KafkaMessage): LogEntry {
  return {
    offset: Number(message.offset),
    key: message.key === null || message.key === undefined ? undefined : message.key.toString(),
    value: message.value ?? Buffer.alloc(0),
    timestamp: Number(message.timestamp),
  }
}
