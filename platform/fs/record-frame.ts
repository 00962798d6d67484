import { crc32 } from 'node:zlib'

const HEADER_BYTES = 8

/** Frames a payload as [length u32][crc32 u32][payload] so a torn write at the tail is detectable. */
export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  frame.writeUInt32BE(crc32(payload), 4)
  payload.copy(frame, HEADER_BYTES)
  return frame
}

/**
 * Reads frames from the start of `buffer` and stops at the first incomplete or corrupt one: after a
 * crash mid-write only an unacknowledged tail can be damaged, and `validBytes` says where to truncate.
 */
export function decodeFrames(buffer: Buffer): { payloads: Buffer[]; validBytes: number } {
  const payloads: Buffer[] = []
  let position = 0
  while (position + HEADER_BYTES <= buffer.length) {
    const length = buffer.readUInt32BE(position)
    const checksum = buffer.readUInt32BE(position + 4)
    const end = position + HEADER_BYTES + length
    if (end > buffer.length) break
    const payload = buffer.subarray(position + HEADER_BYTES, end)
    if (crc32(payload) !== checksum) break
    payloads.push(payload)
    position = end
  }
  return { payloads, validBytes: position }
}
