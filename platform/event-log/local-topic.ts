import { open, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { DurableAppender } from '../fs/durable-appender.ts'
import { makePrivateDir } from '../fs/private-files.ts'
import { encodeFrame } from '../fs/record-frame.ts'
import type { Logger } from '../log/logger.ts'
import type { LogRecordInput } from './event-log.ts'
import { readGroupOffsets, syncDirectory, writeGroupOffset } from './local-files.ts'
import {
  encodeRecord,
  type Segment,
  SegmentCursor,
  scanSegment,
  segmentBase,
  segmentPath,
} from './local-segment.ts'

export interface LocalTopicOptions {
  segmentBytes: number
  logger: Logger
}

/**
 * One topic of the local log: a single partition stored as segment files named by their first offset,
 * plus one committed-offset file per consumer group.
 */
export class LocalTopic {
  /** Entries below this offset are fsync'd and may be handed to consumers. */
  durableEnd: number
  private nextOffset: number
  private activeBytes: number
  private active: Promise<DurableAppender>
  private lastDurable: Promise<void> = Promise.resolve()
  private failure: Error | undefined
  private closed = false
  private readonly waiters = new Set<() => void>()
  private readonly groupLeases = new Map<string, Promise<void>>()
  private readonly offsetWrites = new Map<string, Promise<void>>()

  private constructor(
    readonly name: string,
    private readonly directory: string,
    private readonly segments: Segment[],
    private readonly committed: Map<string, number>,
    appender: DurableAppender,
    end: number,
    private readonly options: LocalTopicOptions,
  ) {
    this.durableEnd = end
    this.nextOffset = end
    this.activeBytes = appender.size
    this.active = Promise.resolve(appender)
  }

  static async open(root: string, name: string, options: LocalTopicOptions): Promise<LocalTopic> {
    const directory = path.join(root, name)
    await makePrivateDir(directory)
    await makePrivateDir(path.join(directory, 'groups'))
    const segments = (await readdir(directory))
      .map((file) => segmentBase(file))
      .filter((base) => base !== undefined)
      .sort((a, b) => a - b)
      .map((base) => ({ base, path: segmentPath(directory, base) }))
    const last = segments.at(-1) ?? { base: 0, path: segmentPath(directory, 0) }
    if (segments.length === 0) segments.push(last)
    const count = await truncateTornTail(last.path, options.logger)
    const appender = await DurableAppender.open(last.path)
    await syncDirectory(directory)
    const committed = await readGroupOffsets(path.join(directory, 'groups'))
    return new LocalTopic(name, directory, segments, committed, appender, last.base + count, options)
  }

  /** Resolves once the records and everything appended before them are fsync'd. */
  append(records: readonly LogRecordInput[]): Promise<void> {
    if (this.failure)
      return Promise.reject(new Error(`topic ${this.name} failed earlier`, { cause: this.failure }))
    if (this.closed) return Promise.reject(new Error(`topic ${this.name} is closed`))
    const timestamp = Date.now()
    const frames = Buffer.concat(records.map((record) => encodeFrame(encodeRecord(record, timestamp))))
    if (this.activeBytes > 0 && this.activeBytes + frames.length > this.options.segmentBytes) this.roll()
    this.activeBytes += frames.length
    this.nextOffset += records.length
    const end = this.nextOffset
    const written = this.active.then((appender) => appender.append(frames))
    // Acknowledge in offset order: an append is durable only once every earlier one is, so a failed
    // write can never leave a hole below an acknowledged record.
    const durable = Promise.all([this.lastDurable, written]).then(() => {
      this.durableEnd = end
      this.wakeConsumers()
    })
    durable.catch((error: Error) => {
      this.failure ??= error
    })
    this.lastDurable = durable
    return durable
  }

  get earliestOffset(): number {
    return this.segments[0]?.base ?? 0
  }

  committedOffset(group: string): number {
    return this.committed.get(group) ?? this.earliestOffset
  }

  /** Persists a group's starting point so cleanup keeps its segments before it commits anything. */
  async registerGroup(group: string): Promise<void> {
    if (this.committed.has(group)) return
    const offset = this.earliestOffset
    this.committed.set(group, offset)
    await this.persistOffset(group, offset)
  }

  async commit(group: string, offset: number): Promise<void> {
    await this.persistOffset(group, offset)
    this.committed.set(group, offset)
    await this.deleteConsumedSegments()
  }

  openCursor(offset: number): SegmentCursor {
    return new SegmentCursor(() => this.segments, offset)
  }

  /** Resolves when entries at or past `offset` are durable, after `timeoutMs`, or on abort. */
  waitForAppend(offset: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.durableEnd > offset || signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      signal.addEventListener('abort', done)
      this.waiters.add(done)
    })
  }

  /**
   * Waits until no other consumer of `group` is active on this topic. Returns the release function,
   * or undefined when `signal` aborted while standing by.
   */
  async leaseGroup(group: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    const previous = this.groupLeases.get(group) ?? Promise.resolve()
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    this.groupLeases.set(
      group,
      previous.then(() => held),
    )
    const aborted = new Promise<boolean>((resolve) => {
      if (signal.aborted) resolve(true)
      signal.addEventListener('abort', () => resolve(true), { once: true })
    })
    if (await Promise.race([previous.then(() => false), aborted])) {
      release()
      return undefined
    }
    return release
  }

  get failed(): Error | undefined {
    return this.failure
  }

  async close(): Promise<void> {
    this.closed = true
    await this.lastDurable.catch(() => {})
    await Promise.all(this.offsetWrites.values()).catch(() => {})
    const appender = await this.active.catch(() => undefined)
    await appender?.close()
  }

  private roll(): void {
    const previous = this.active
    const segment = { base: this.nextOffset, path: segmentPath(this.directory, this.nextOffset) }
    this.segments.push(segment)
    this.activeBytes = 0
    // The next segment is created only after the previous one is fully synced, so after a crash only
    // the last segment can have a torn tail and earlier segments always hold base-to-base entries.
    this.active = previous.then(async (appender) => {
      await appender.close()
      const next = await DurableAppender.open(segment.path)
      await syncDirectory(this.directory)
      return next
    })
    this.active.catch((error: Error) => {
      this.failure ??= error
    })
  }

  private wakeConsumers(): void {
    for (const wake of [...this.waiters]) wake()
  }

  private persistOffset(group: string, offset: number): Promise<void> {
    const previous = this.offsetWrites.get(group) ?? Promise.resolve()
    const write = previous
      .catch(() => {})
      .then(() => writeGroupOffset(path.join(this.directory, 'groups'), group, offset))
    this.offsetWrites.set(group, write)
    return write
  }

  /** Deletes segments every known group has committed past; the active segment always stays. */
  private async deleteConsumedSegments(): Promise<void> {
    if (this.committed.size === 0) return
    const floor = Math.min(...this.committed.values())
    while (this.segments.length > 1 && (this.segments[1]?.base ?? Number.POSITIVE_INFINITY) <= floor) {
      const [segment] = this.segments.splice(0, 1)
      if (segment === undefined) break
      await rm(segment.path, { force: true })
      this.options.logger.debug({ topic: this.name, segment: segment.path }, 'deleted consumed segment')
    }
  }
}

/** Cuts an unacknowledged torn frame off the end of the last segment; returns its intact entry count. */
async function truncateTornTail(file: string, logger: Logger): Promise<number> {
  const { count, validBytes, size } = await scanSegment(file)
  if (validBytes < size) {
    logger.warn(
      { segment: file, droppedBytes: size - validBytes },
      'truncating torn tail of event log segment',
    )
    const handle = await open(file, 'r+')
    try {
      await handle.truncate(validBytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
  }
  return count
}
