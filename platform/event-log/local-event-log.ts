import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { makePrivateDir } from '../fs/private-files.ts'
import type { Logger } from '../log/logger.ts'
import {
  type BatchHandler,
  type EventLog,
  type LogBatch,
  type LogRecordInput,
  SUBSCRIBE_DEFAULTS,
  type SubscribeOptions,
  type Subscription,
  type TopicLag,
} from './event-log.ts'
import { consumeTopic } from './local-consumer.ts'
import { lockDirectory } from './local-files.ts'
import { LocalTopic } from './local-topic.ts'
import { type Backoff, DEFAULT_BACKOFF } from './retry-with-backoff.ts'

export interface LocalEventLogOptions {
  /** The log lives in `<dataDir>/event-log/<topic>/`. */
  dataDir: string
  logger: Logger
  /** A new segment file starts once the current one would exceed this size. Default 64 MiB. */
  segmentBytes?: number
  /** Idle consumers are woken on append; this poll only guards against a missed wake-up. Default 1 s. */
  pollIntervalMs?: number
  /** Pause before a failed batch is delivered again, doubling up to `maxMs`. */
  retryBackoff?: Backoff
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/

/** Opens (creating if needed) the durable local event log of one process. */
export async function openLocalEventLog(options: LocalEventLogOptions): Promise<EventLog> {
  const directory = path.join(options.dataDir, 'event-log')
  await makePrivateDir(directory)
  const unlock = await lockDirectory(directory)
  return new LocalEventLog(directory, unlock, options)
}

class LocalEventLog implements EventLog {
  readonly kind = 'local'
  private readonly topics = new Map<string, Promise<LocalTopic>>()
  private readonly subscriptions = new Set<Subscription>()
  private closing: Promise<void> | undefined

  constructor(
    private readonly directory: string,
    private readonly unlock: () => Promise<void>,
    private readonly options: LocalEventLogOptions,
  ) {}

  async append(topic: string, records: readonly LogRecordInput[]): Promise<void> {
    const opened = await this.topic(topic)
    if (records.length > 0) await opened.append(records)
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    this.assertOpen()
    checkName('group', options.group)
    const topics = await Promise.all(options.topics.map((name) => this.topic(name)))
    for (const topic of topics) await topic.registerGroup(options.group)
    const controller = new AbortController()
    const handleOneAtATime = serialize(handler)
    const running = Promise.all(
      topics.map((topic) =>
        consumeTopic(topic, {
          group: options.group,
          maxBatchEntries: options.maxBatchEntries ?? SUBSCRIBE_DEFAULTS.maxBatchEntries,
          maxWaitMs: options.maxWaitMs ?? SUBSCRIBE_DEFAULTS.maxWaitMs,
          pollIntervalMs: this.options.pollIntervalMs ?? 1_000,
          backoff: this.options.retryBackoff ?? DEFAULT_BACKOFF,
          logger: this.options.logger,
          signal: controller.signal,
          handler: handleOneAtATime,
        }),
      ),
    )
    const subscription: Subscription = {
      stop: async () => {
        controller.abort()
        this.subscriptions.delete(subscription)
        await running
      },
    }
    this.subscriptions.add(subscription)
    running.catch((error: unknown) => {
      this.options.logger.error(
        { err: error, group: options.group },
        'event log consumer stopped on an error',
      )
    })
    return subscription
  }

  async lag(group: string, topic: string): Promise<TopicLag[]> {
    const opened = await this.topic(topic)
    return [{ topic, partition: 0, lag: opened.durableEnd - opened.committedOffset(group) }]
  }

  async ping(): Promise<void> {
    this.assertOpen()
    for (const topic of this.topics.values()) {
      const failure = (await topic).failed
      if (failure) throw new Error(`event log topic ${(await topic).name} cannot append`, { cause: failure })
    }
    await access(this.directory, constants.W_OK)
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()))
      const topics = await Promise.allSettled(this.topics.values())
      for (const topic of topics) if (topic.status === 'fulfilled') await topic.value.close()
      await this.unlock()
    })()
    return this.closing
  }

  private topic(name: string): Promise<LocalTopic> {
    this.assertOpen()
    let topic = this.topics.get(name)
    if (topic === undefined) {
      checkName('topic', name)
      topic = LocalTopic.open(this.directory, name, {
        segmentBytes: this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
        logger: this.options.logger,
      })
      this.topics.set(name, topic)
      // A failed open is retried on next use instead of being cached.
      topic.catch(() => this.topics.delete(name))
    }
    return topic
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('the event log is closed')
  }
}

function checkName(kind: 'topic' | 'group', name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`invalid ${kind} name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'`)
  }
}

/** Runs one handler call at a time, so a subscription to several topics behaves like one Kafka consumer. */
function serialize(handler: BatchHandler): BatchHandler {
  let queue: Promise<unknown> = Promise.resolve()
  return (batch: LogBatch) => {
    const run = queue.then(() => handler(batch))
    queue = run.catch(() => {})
    return run
  }
}
