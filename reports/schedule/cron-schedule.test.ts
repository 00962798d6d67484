import { describe, expect, it } from 'vitest'
import { cronProblem, dueOccurrences, nextRuns } from './cron-schedule.ts'

const berlin = (cron: string) => ({ cron, timezone: 'Europe/Berlin' })
const ms = (iso: string) => Date.parse(iso)

describe('cronProblem', () => {
  it('accepts five-field expressions in an IANA timezone', () => {
    expect(cronProblem(berlin('30 2 * * *'))).toBeUndefined()
    expect(cronProblem({ cron: '0 9 * * 1-5', timezone: 'UTC' })).toBeUndefined()
  })

  it('names what is wrong', () => {
    expect(cronProblem(berlin('0 30 2 * * *'))).toMatch(/five fields/)
    expect(cronProblem(berlin('61 * * * *'))).toMatch(/invalid cron expression.*0-59/)
    expect(cronProblem(berlin('0 0 31 2 *'))).toMatch(/invalid cron expression/)
    expect(cronProblem({ cron: '0 0 * * *', timezone: 'Mars/Olympus' })).toMatch(/not an IANA timezone/)
  })
})

describe('nextRuns across daylight-saving changes (Europe/Berlin, 30 2 * * *)', () => {
  it('moves the non-existent 02:30 of the spring-forward Sunday to 03:30 summer time, once', () => {
    const runs = nextRuns(berlin('30 2 * * *'), ms('2026-03-27T00:00:00Z'), 5)
    expect(runs.map((run) => run.local)).toEqual([
      '2026-03-27T02:30:00.000+01:00',
      '2026-03-28T02:30:00.000+01:00',
      '2026-03-29T03:30:00.000+02:00',
      '2026-03-30T02:30:00.000+02:00',
      '2026-03-31T02:30:00.000+02:00',
    ])
    expect(new Date(runs[2]?.at ?? 0).toISOString()).toBe('2026-03-29T01:30:00.000Z')
  })

  it('runs the twice-occurring 02:30 of the fall-back Sunday once, at the first (summer-time) one', () => {
    const runs = nextRuns(berlin('30 2 * * *'), ms('2026-10-23T00:00:00Z'), 5)
    expect(runs.map((run) => run.local)).toEqual([
      '2026-10-23T02:30:00.000+02:00',
      '2026-10-24T02:30:00.000+02:00',
      '2026-10-25T02:30:00.000+02:00',
      '2026-10-26T02:30:00.000+01:00',
      '2026-10-27T02:30:00.000+01:00',
    ])
  })

  it('keeps real-time spacing for interval expressions: both halves of the repeated hour run', () => {
    const runs = nextRuns(berlin('*/30 * * * *'), ms('2026-10-25T00:00:00Z'), 4)
    expect(runs.map((run) => run.local)).toEqual([
      '2026-10-25T02:30:00.000+02:00',
      '2026-10-25T02:00:00.000+01:00',
      '2026-10-25T02:30:00.000+01:00',
      '2026-10-25T03:00:00.000+01:00',
    ])
  })
})

describe('dueOccurrences', () => {
  const daily = berlin('30 2 * * *')

  it('is strictly after the cursor and at or before now', () => {
    const at = ms('2026-03-27T01:30:00Z')
    expect(dueOccurrences(daily, at - 1, at)).toEqual({ latest: at, count: 1 })
    expect(dueOccurrences(daily, at, at + 60_000)).toBeUndefined()
    expect(dueOccurrences(daily, at - 60_000, at - 1)).toBeUndefined()
  })

  it('collapses a downtime into its latest occurrence and says how many were due', () => {
    const due = dueOccurrences(daily, ms('2026-03-20T00:00:00Z'), ms('2026-03-29T12:00:00Z'))
    expect(due).toEqual({ latest: ms('2026-03-29T01:30:00Z'), count: 10 })
  })

  it('does not run the repeated 02:30 of the fall-back night a second time', () => {
    const first = ms('2026-10-25T00:30:00Z')
    expect(dueOccurrences(daily, first, ms('2026-10-25T12:00:00Z'))).toBeUndefined()
  })

  it('finds the latest occurrence of a frequent schedule after a long downtime without walking all of it', () => {
    const now = ms('2026-05-01T10:07:30Z')
    const due = dueOccurrences(berlin('* * * * *'), ms('2026-04-01T00:00:00Z'), now)
    expect(due?.latest).toBe(ms('2026-05-01T10:07:00Z'))
    expect(due?.count).toBeGreaterThan(1)
  })
})
