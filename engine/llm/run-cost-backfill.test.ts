import { describe, expect, it } from 'vitest'
import { AppError } from '../../platform/errors/catalog.ts'
import { backfillPeriod } from './run-cost-backfill.ts'

describe('backfillPeriod', () => {
  it('takes bare dates as whole UTC days, the last one included', () => {
    expect(backfillPeriod('2026-11-01', '2026-11-01')).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-02T00:00:00.000Z',
    })
  })

  it('takes timestamps as they are, the end excluded', () => {
    expect(backfillPeriod('2026-11-01T10:00:00+01:00', '2026-11-01T12:30:00Z')).toEqual({
      from: '2026-11-01T09:00:00.000Z',
      to: '2026-11-01T12:30:00.000Z',
    })
  })

  it('refuses unreadable dates and an end before the start', () => {
    expect(() => backfillPeriod('yesterday', '2026-11-01')).toThrow(AppError)
    expect(() => backfillPeriod('2026-11-02', '2026-11-01')).toThrow('--to must not be before --from')
  })
})
