import { type FileHandle, open, readFile } from 'node:fs/promises'
import path from 'node:path'
import { decodeFrames } from '../fs/record-frame.ts'
import type { LogEntry, LogRecordInput } from './event-log.ts'

/** One segment file; its entries have offsets from `base` up to the next segment's base. */
export interface Segment {
  base: number
  path: string
}

const SEGMENT_NAME = /^(\d{20})\.log$/
const FRAME_HEADER_BYTES = 8
const READ_CHUNK_BYTES = 1 << 20
const NO_KEY = -1

export function segmentPath(directory: string, base: number): string {
  return path.join(directory, `${String(base).padStart(20, '0')}.log`)
}

export function segmentBase(fileName: string): number | undefined {
  const match = SEGMENT_NAME.exec(fileName)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/** Record payload: [timestamp f64][key length i32, -1 = none][key utf8][value]. */
export function encodeRecord(record: LogRecordInput, timestamp: number): Buffer {
  const key = record.key === undefined ? undefined : Buffer.from(record.key)
  const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value
  const header = Buffer.allocUnsafe(12)
  header.writeDoubleBE(timestamp, 0)
  header.writeInt32BE(key === undefined ? NO_KEY : key.length, 8)
  return Buffer.concat(key === undefined ? [header, value] : [header, key, value])
}

export function decodeRecord(payload: Buffer, offset: number): LogEntry {
  const timestamp = payload.readDoubleBE(0)
  const keyLength = payload.readInt32BE(8)
  const valueStart = 12 + Math.max(keyLength, 0)
  return {
    offset,
    key: keyLength === NO_KEY ? undefined : payload.toString('utf8', 12, valueStart),
    value: payload.subarray(valueStart),
    timestamp,
  }
}

/** Counts the intact frames of a segment file and the bytes they span (a torn tail is not counted). */
export async function scanSegment(
  file: string,
): Promise<{ count: number; validBytes: number; size: number }> {
  const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return Buffer.alloc(0)
    throw error
  })
  const { payloads, validBytes } = decodeFrames(data)
  return { count: payloads.length, validBytes, size: data.length }
}

/**
 * Reads a topic sequentially from an offset, across segments. Callers cap reads at the durable end,
 * below which every frame is complete, so a frame that does not decode there is real corruption.
 */
export class SegmentCursor {
  private file: FileHandle | undefined
  private segment: Segment | undefined
  private position = 0
  /** Reused for every read: a fresh 1 MiB buffer per read (one per append while a consumer waits) churned the GC. */
  private scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES)

  constructor(
    private readonly segments: () => readonly Segment[],
    private next: number,
  ) {}

  get offset(): number {
    return this.next
  }

  /** Reads up to `max` entries with offsets below `end` and moves past them. */
  async read(max: number, end: number): Promise<LogEntry[]> {
    const entries: LogEntry[] = []
    while (entries.length < max && this.next < end) {
      const segmentEnd = await this.enterSegment()
      const limit = Math.min(max - entries.length, Math.min(end, segmentEnd) - this.next)
      if (limit > 0) await this.readFrames(limit, entries)
      else await this.leaveSegment()
    }
    return entries
  }

  async close(): Promise<void> {
    await this.leaveSegment()
  }

  private async enterSegment(): Promise<number> {
    const segments = this.segments()
    // Cleanup may have deleted the segment this cursor just finished reading.
    if (this.segment !== undefined && !segments.includes(this.segment)) await this.leaveSegment()
    if (this.segment === undefined) {
      const segment = segments.filter((candidate) => candidate.base <= this.next).at(-1)
      if (segment === undefined) throw new Error(`offset ${this.next} was deleted with its segment`)
      this.file = await open(segment.path, 'r')
      this.segment = segment
      this.position = 0
      const target = this.next
      this.next = segment.base
      await this.readFrames(target - segment.base, undefined)
    }
    const index = segments.indexOf(this.segment)
    return segments[index + 1]?.base ?? Number.POSITIVE_INFINITY
  }

  private async leaveSegment(): Promise<void> {
    await this.file?.close()
    this.file = undefined
    this.segment = undefined
  }

  /** Reads `count` frames from the current position, collecting them into `into` or skipping them. */
  private async readFrames(count: number, into: LogEntry[] | undefined): Promise<void> {
    const file = this.file
    if (file === undefined) throw new Error('no segment is open')
    let remaining = count
    let chunkBytes = READ_CHUNK_BYTES
    while (remaining > 0) {
      if (this.scratch.length < chunkBytes) this.scratch = Buffer.allocUnsafe(chunkBytes)
      const { bytesRead } = await file.read(this.scratch, 0, chunkBytes, this.position)
      // Entries keep subarrays of the chunk, so it is copied out of the scratch buffer, sized to the data.
      const chunk = Buffer.from(this.scratch.subarray(0, bytesRead))
      const { payloads } = decodeFrames(chunk)
      if (payloads.length === 0) {
        const frameBytes = bytesRead >= FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES + chunk.readUInt32BE(0) : 0
        if (frameBytes <= chunkBytes) {
          throw new Error(`corrupt frame at byte ${this.position} of ${this.segment?.path}`)
        }
        chunkBytes = frameBytes
        continue
      }
      for (const payload of payloads.slice(0, remaining)) {
        into?.push(decodeRecord(payload, this.next))
        this.position += FRAME_HEADER_BYTES + payload.length
        this.next += 1
        remaining -= 1
      }
      chunkBytes = READ_CHUNK_BYTES
    }
  }
}
