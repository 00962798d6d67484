import { describe, expect, it } from 'vitest'
import { resolveWindow, windowInput } from './analytics-window.ts'
import { windowBuckets } from './chart-series.ts'

const NOW = Date.parse('2026-11-27T17:00:00Z')
const resolve = (input: Record<string, string>) => resolveWindow(windowInput.parse(input), NOW)
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

describe('resolveWindow', () => {
  it('ends last_30_days with today and compares with the 30 local days before, across a DST change', () => {
    const { current, previous } = resolve({
      range: 'last_30_days',
      timezone: 'Europe/Berlin',
      compare: 'previous_period',
    })
    expect(iso(current.fromMs)).toBe('2026-10-28T23:00:00.000Z')
    expect(iso(current.toMs)).toBe('2026-11-27T23:00:00.000Z')
    // 30 local days earlier starts at midnight summer time, not at 01:00.
    expect(iso(previous?.fromMs)).toBe('2026-09-28T22:00:00.000Z')
    expect(iso(previous?.toMs)).toBe('2026-10-28T23:00:00.000Z')
  })

  it('compares a month with the month before, whatever their lengths', () => {
    const { previous } = resolve({ from: '2026-03-01', to: '2026-03-31', compare: 'previous_period' })
    expect([iso(previous?.fromMs), iso(previous?.toMs)]).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ])
  })

  it('compares instants with the same number of milliseconds', () => {
    const { previous } = resolve({
      from: '2026-06-01T10:30:00Z',
      to: '2026-06-01T12:30:00Z',
      compare: 'previous_period',
    })
    expect([iso(previous?.fromMs), iso(previous?.toMs)]).toEqual([
      '2026-06-01T08:30:00.000Z',
      '2026-06-01T10:30:00.000Z',
    ])
  })

  it('refuses reversed and over-long windows, and a missing bound', () => {
    expect(() => resolve({ from: '2026-06-02', to: '2026-06-01' })).toThrow('`to` must be after `from`')
    expect(() => resolve({ from: '2024-01-01', to: '2026-01-01' })).toThrow('at most 400 days')
    expect(() => resolve({ from: '2026-06-01' })).toThrow('give `from` and `to`, or a `range`')
  })
})

describe('windowBuckets', () => {
  it('lists every local bucket start, weeks from Monday, days across DST', () => {
    const week = resolve({
      from: '2026-03-25',
      to: '2026-04-02',
      granularity: 'week',
      timezone: 'Europe/Berlin',
    }).current
    expect(windowBuckets(week)).toEqual(['2026-03-23T00:00:00', '2026-03-30T00:00:00'])
    const days = resolve({ from: '2026-03-28', to: '2026-03-30', timezone: 'Europe/Berlin' }).current
    expect(windowBuckets(days)).toEqual(['2026-03-28T00:00:00', '2026-03-29T00:00:00', '2026-03-30T00:00:00'])
    const hours = resolve({
      from: '2026-03-29',
      to: '2026-03-29',
      granularity: 'hour',
      timezone: 'Europe/Berlin',
    }).current
    expect(windowBuckets(hours)).toHaveLength(23)
  })
})

describe('the supported range', () => {
  it('refuses windows outside 1970-01-02 .. 2106-01-01 UTC, naming the field', () => {
    const refused: [Record<string, string>, string][] = [
      [{ from: '1970-01-01', to: '1970-01-02' }, 'from'],
      [{ from: '0001-01-01', to: '0001-01-02' }, 'from'],
      [{ from: '9999-12-30', to: '9999-12-31' }, 'to'],
      [{ from: '1970-01-03', to: '1970-01-04', compare: 'previous_period' }, 'compare'],
    ]
    for (const [input, field] of refused) {
      expect(() => resolve(input), JSON.stringify(input)).toThrow(
        /1970-01-02T00:00:00Z to 2106-01-01T00:00:00Z/,
      )
      try {
        resolve(input)
      } catch (error) {
        expect((error as { details?: unknown }).details).toMatchObject({ field })
      }
    }
    expect(resolve({ from: '1970-01-02', to: '1970-01-02' }).current.fromMs).toBe(Date.UTC(1970, 0, 2))
    expect(resolve({ from: '2105-12-31', to: '2105-12-31' }).current.toMs).toBe(Date.UTC(2106, 0, 1))
  })

  it('refuses windows longer than 400 days, so hourly buckets stay below 9,600', () => {
    expect(() => resolve({ from: '1970-01-02', to: '2105-12-31', granularity: 'hour' })).toThrow(/400 days/)
    expect(
      windowBuckets(resolve({ from: '2025-01-01', to: '2026-02-04', granularity: 'hour' }).current),
    ).toHaveLength(9_600)
  })
})
