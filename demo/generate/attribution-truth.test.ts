import { describe, expect, it } from 'vitest'
import { classifyOrder } from './attribution-truth.ts'

const MINUTE = 60_000
const DAY = 86_400_000
const touch = (touchTime: number, end: number) => ({ chatSessionId: `cs-${touchTime}`, touchTime, end })

describe('classifyOrder', () => {
  it('is direct during a session and up to 30 minutes after its end', () => {
    expect(classifyOrder(5 * MINUTE, [touch(0, 10 * MINUTE)])).toBe('direct')
    expect(classifyOrder(40 * MINUTE, [touch(0, 10 * MINUTE)])).toBe('direct')
  })

  it('is assisted later within the 7-day lookback, unattributed beyond it or before any touch', () => {
    expect(classifyOrder(41 * MINUTE, [touch(0, 10 * MINUTE)])).toBe('assisted')
    expect(classifyOrder(7 * DAY, [touch(0, 10 * MINUTE)])).toBe('assisted')
    expect(classifyOrder(7 * DAY + 1, [touch(0, 10 * MINUTE)])).toBe('unattributed')
    expect(classifyOrder(0, [touch(MINUTE, 10 * MINUTE)])).toBe('unattributed')
    expect(classifyOrder(0, [])).toBe('unattributed')
  })

  it('is direct when any counted touch is recent enough', () => {
    expect(classifyOrder(3 * DAY, [touch(0, MINUTE), touch(3 * DAY - MINUTE, 3 * DAY)])).toBe('direct')
  })
})
