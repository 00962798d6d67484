import type { Logger } from '../log/logger.ts'
import type { BatchHandler, LogEntry } from './event-log.ts'
import type { SegmentCursor } from './local-segment.ts'
import type { LocalTopic } from './local-topic.ts'
import { type Backoff, retryWithBackoff } from './retry-with-backoff.ts'

export interface ConsumeOptions {
  group: string
  maxBatchEntries: number
  maxWaitMs: number
  pollIntervalMs: number
  backoff: Backoff
  logger: Logger
  signal: AbortSignal
  handler: BatchHandler
}

/**
 * Consumes one topic for a group until `signal` aborts: stands by while another consumer of the group
 * is active, then hands batches to the handler from the committed offset, committing after each
 * success and redelivering the same batch after a failure.
 */
export async function consumeTopic(topic: LocalTopic, options: ConsumeOptions): Promise<void> {
  const { group, signal, logger } = options
  const release = await topic.leaseGroup(group, signal)
  if (release === undefined) return
  const cursor = topic.openCursor(topic.committedOffset(group))
  try {
    while (!signal.aborted) {
      const entries = await nextBatch(topic, cursor, options)
      if (entries.length === 0 || signal.aborted) continue
      const batch = { topic: topic.name, partition: 0, entries }
      const handled = await retryWithBackoff(() => options.handler(batch), {
        backoff: options.backoff,
        signal,
        onError: (error, attempt) =>
          logger.warn(
            { err: error, topic: topic.name, group, firstOffset: entries[0]?.offset, attempt },
            'event log handler failed; redelivering the batch',
          ),
      })
      if (!handled) return
      await retryWithBackoff(() => topic.commit(group, cursor.offset), {
        backoff: options.backoff,
        signal,
        onError: (error) =>
          logger.error({ err: error, topic: topic.name, group }, 'committing offset failed'),
      })
    }
  } finally {
    await cursor.close()
    release()
  }
}

/** Returns what is durable past the cursor, waiting up to `maxWaitMs` for a partial batch to fill. */
async function nextBatch(
  topic: LocalTopic,
  cursor: SegmentCursor,
  options: ConsumeOptions,
): Promise<LogEntry[]> {
  const { maxBatchEntries, signal } = options
  const entries = await cursor.read(maxBatchEntries, topic.durableEnd)
  if (entries.length === 0) {
    await topic.waitForAppend(cursor.offset, options.pollIntervalMs, signal)
    return entries
  }
  const deadline = Date.now() + options.maxWaitMs
  while (entries.length < maxBatchEntries && !signal.aborted) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    await topic.waitForAppend(cursor.offset, remaining, signal)
    for (const entry of await cursor.read(maxBatchEntries - entries.length, topic.durableEnd))
      entries.push(entry)
  }
  return entries
}
