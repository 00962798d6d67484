import { describe, expect, it } from 'vitest'
import { decodeFrames, encodeFrame } from './record-frame.ts'

describe('record frames', () => {
  const frames = ['one', 'two', 'three'].map((text) => encodeFrame(Buffer.from(text)))
  const whole = Buffer.concat(frames)

  it('round-trips payloads', () => {
    const { payloads, validBytes } = decodeFrames(whole)
    expect(payloads.map(String)).toEqual(['one', 'two', 'three'])
    expect(validBytes).toBe(whole.length)
  })

  it('stops before a torn tail', () => {
    const { payloads, validBytes } = decodeFrames(whole.subarray(0, whole.length - 2))
    expect(payloads.map(String)).toEqual(['one', 'two'])
    expect(validBytes).toBe(whole.length - (frames[2]?.length ?? 0))
  })

  it('stops at a corrupt frame', () => {
    const damaged = Buffer.from(whole)
    const index = (frames[0]?.length ?? 0) + 9
    damaged[index] = (damaged[index] ?? 0) ^ 0xff
    expect(decodeFrames(damaged).payloads.map(String)).toEqual(['one'])
  })
})
