import { type Admin, Kafka, type Message, Partitioners, type Producer, type TopicMessages } from 'kafkajs'
import { AppError } from '../errors/catalog.ts'
import type { Logger } from '../log/logger.ts'
import { SendCoalescer } from './coalesce-sends.ts'
import {
  type BatchHandler,
  type EventLog,
  type LogRecordInput,
  SUBSCRIBE_DEFAULTS,
  type SubscribeOptions,
  type Subscription,
  type TopicLag,
} from './event-log.ts'
import { startKafkaConsumer } from './kafka-consumer.ts'
import { kafkaLogLevel, pinoLogCreator } from './kafka-logging.ts'
import { type Backoff, DEFAULT_BACKOFF } from './retry-with-backoff.ts'

export interface KafkaEventLogOptions {
  brokers: string[]
  /** Prepended to every topic and consumer group, so environments can share a cluster. */
  topicPrefix: string
  logger: Logger
  clientId?: string
  /** Partitions of topics created on demand. Default 3. */
  partitions?: number
  /** Replicas of topics created on demand. Default: 3, or fewer when the cluster has fewer brokers. */
  replicationFactor?: number
  /** A consumer that stops heartbeating this long loses its partitions. Default 10 s. */
  sessionTimeoutMs?: number
  /** How often a consumer heartbeats, also while its handler runs. Default 3 s. */
  heartbeatIntervalMs?: number
  /** Pause before a failed batch is delivered again, doubling up to `maxMs`. */
  retryBackoff?: Backoff
  /** Upper bound of one coalesced produce request, below the broker's 1 MiB `message.max.bytes`. */
  maxSendBytes?: number
  /** An append not acknowledged by then is refused as `not_ready` (the send may still land). Default 10 s. */
  appendTimeoutMs?: number
}

const NAME = /^[A-Za-z0-9._-]{1,200}$/
/** Rough per-message overhead in a record batch, so tiny messages still bound the request size. */
const MESSAGE_OVERHEAD_BYTES = 70

export async function openKafkaEventLog(options: KafkaEventLogOptions): Promise<EventLog> {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'comerix',
    brokers: options.brokers,
    logLevel: kafkaLogLevel(options.logger),
    logCreator: pinoLogCreator(options.logger),
  })
  const admin = kafka.admin()
  // Not idempotent: kafkajs's idempotent producer is experimental (loss reported with concurrent sends).
  // One request in flight keeps retries from reordering; duplicates from retries are removed
  // downstream by event_id.
  const producer = kafka.producer({
    idempotent: false,
    maxInFlightRequests: 1,
    // A few quick retries ride out a leader change; a broker that stays away is the caller's 503 within
    // seconds (kafkajs's default retries, nested per connection, kept requests waiting for a minute).
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  try {
    await admin.connect()
    await producer.connect()
  } catch (error) {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()])
    throw new Error(`cannot reach Kafka at ${options.brokers.join(',')} (KAFKA_BROKERS)`, { cause: error })
  }
  return new KafkaEventLog(kafka, admin, producer, options)
}

class KafkaEventLog implements EventLog {
  readonly kind = 'kafka'
  private readonly topics = new Map<string, Promise<void>>()
  private readonly subscriptions = new Set<Subscription>()
  private readonly sends: SendCoalescer<TopicMessages>
  private closing: Promise<void> | undefined

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly options: KafkaEventLogOptions,
  ) {
    this.sends = new SendCoalescer((batch) => this.sendBatch(batch), options.maxSendBytes ?? 768 * 1024)
  }

  async append(topic: string, records: readonly LogRecordInput[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(notReady(new Error('no acknowledgement from Kafka in time'))),
        this.options.appendTimeoutMs ?? 10_000,
      )
    })
    try {
      // A refused append may still be stored later: the client's retry carries the same event_id, and
      // the sink keeps one copy.
      await Promise.race([this.appendDurably(topic, records), deadline])
    } catch (error) {
      throw unavailable(error)
    } finally {
      clearTimeout(timer)
    }
  }

  private async appendDurably(topic: string, records: readonly LogRecordInput[]): Promise<void> {
    await this.ensureTopic(topic)
    if (records.length === 0) return
    const messages: Message[] = records.map((record) => ({ key: record.key ?? null, value: record.value }))
    const bytes = records.reduce(
      (sum, record) =>
        sum + MESSAGE_OVERHEAD_BYTES + Buffer.byteLength(record.value) + Buffer.byteLength(record.key ?? ''),
      0,
    )
    await this.sends.add({ topic: this.fullName(topic), messages }, bytes)
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    checkName('group', options.group)
    await Promise.all(options.topics.map((topic) => this.ensureTopic(topic)))
    const prefix = this.options.topicPrefix
    const consumer = await startKafkaConsumer(this.kafka, {
      groupId: this.fullName(options.group),
      topics: options.topics.map((topic) => this.fullName(topic)),
      topicName: (fullName) => fullName.slice(prefix.length),
      maxBatchEntries: options.maxBatchEntries ?? SUBSCRIBE_DEFAULTS.maxBatchEntries,
      maxWaitMs: options.maxWaitMs ?? SUBSCRIBE_DEFAULTS.maxWaitMs,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 3_000,
      backoff: this.options.retryBackoff ?? DEFAULT_BACKOFF,
      logger: this.options.logger,
      handler,
    })
    const subscription: Subscription = {
      stop: async () => {
        this.subscriptions.delete(subscription)
        await consumer.stop()
      },
    }
    this.subscriptions.add(subscription)
    return subscription
  }

  async lag(group: string, topic: string): Promise<TopicLag[]> {
    await this.ensureTopic(topic)
    const fullName = this.fullName(topic)
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(fullName),
      this.admin.fetchOffsets({ groupId: this.fullName(group), topics: [fullName] }),
    ])
    const committedOffsets = new Map(
      (committed[0]?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]),
    )
    return ends
      .map(({ partition, high, low }) => {
        // -1 (nothing committed) or an offset retention already deleted: the group would start from
        // the earliest entry still stored.
        const position = Math.max(committedOffsets.get(partition) ?? -1, Number(low))
        return { topic, partition, lag: Number(high) - position }
      })
      .sort((a, b) => a.partition - b.partition)
  }

  async ping(): Promise<void> {
    this.assertOpen()
    await this.admin.describeCluster()
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()))
      await this.sends.drain()
      await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()])
    })()
    return this.closing
  }

  private async sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    const byTopic = new Map<string, Message[]>()
    for (const { topic, messages } of topicMessages) {
      const list = byTopic.get(topic) ?? []
      for (const message of messages) list.push(message)
      byTopic.set(topic, list)
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    })
  }

  /** Creates the topic on first use; a failed attempt is retried on the next call. */
  private ensureTopic(topic: string): Promise<void> {
    this.assertOpen()
    let ready = this.topics.get(topic)
    if (ready === undefined) {
      checkName('topic', topic)
      ready = this.createTopic(this.fullName(topic))
      this.topics.set(topic, ready)
      ready.catch(() => this.topics.delete(topic))
    }
    return ready
  }

  private async createTopic(fullName: string): Promise<void> {
    // Checked first because kafkajs logs an existing topic's creation error at error level.
    if ((await this.admin.listTopics()).includes(fullName)) return
    const replicationFactor =
      this.options.replicationFactor ?? Math.min(3, (await this.admin.describeCluster()).brokers.length)
    const numPartitions = this.options.partitions ?? 3
    const created = await this.admin.createTopics({
      topics: [{ topic: fullName, numPartitions, replicationFactor }],
      waitForLeaders: true,
    })
    if (created)
      this.options.logger.info({ topic: fullName, numPartitions, replicationFactor }, 'created Kafka topic')
  }

  private fullName(name: string): string {
    return `${this.options.topicPrefix}${name}`
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('the event log is closed')
  }
}

/**
 * A broker that cannot be reached (kafkajs gave up connecting or retrying) is the catalog's 503
 * `not_ready`, so every caller's client retries instead of seeing a 500; other errors stay as they are.
 */
function unavailable(error: unknown): unknown {
  if (!(error instanceof Error) || !error.name.startsWith('KafkaJS')) return error
  return notReady(error)
}

function notReady(cause: Error): AppError {
  const appError = new AppError(
    'not_ready',
    'The event log (Kafka) is unavailable; retry shortly.',
    undefined,
    {
      'retry-after': '1',
    },
  )
  return Object.assign(appError, { cause })
}

function checkName(kind: 'topic' | 'group', name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`invalid ${kind} name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'`)
  }
}
