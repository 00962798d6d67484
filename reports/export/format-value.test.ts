import { describe, expect, it } from 'vitest'
import type { ResultColumn } from '../semantic/analytics-result.ts'
import {
  bucketLabel,
  dataValue,
  displayValue,
  formatMetric,
  generatedLabel,
  headerLabel,
  inUnits,
  periodLabel,
  spreadsheetNumFmt,
  spreadsheetValue,
} from './format-value.ts'

const metric = (format: ResultColumn['format']): ResultColumn => ({
  name: 'value',
  kind: 'metric',
  label: 'Value',
  format,
})

describe('inUnits', () => {
  it('turns micros into currency units, ratios into percent and ms into seconds, unrounded', () => {
    expect(inUnits('money_micros', 1_234_567_891)).toBe(1234.567891)
    expect(inUnits('money_micros', 4_213)).toBe(0.004213)
    expect(inUnits('ratio', 0.07)).toBe(7)
    expect(inUnits('ratio', 0.123456)).toBe(12.3456)
    expect(inUnits('duration_ms', 1_250)).toBe(1.25)
    expect(inUnits('count', 41.6)).toBe(42)
    expect(inUnits('number', 2.345)).toBe(2.345)
  })
})

describe('displayValue', () => {
  it('shows each format the way people read it', () => {
    const row = { value: 1_234_567_891, currency: 'EUR' }
    expect(displayValue(metric('money_micros'), row, 'day')).toBe('EUR 1,234.57')
    expect(displayValue(metric('money_micros'), { value: 4_213, currency: 'USD' }, 'day')).toBe('USD 0.0042')
    expect(displayValue(metric('money_micros'), { value: 2_500_000 }, 'day')).toBe('2.50')
    expect(displayValue(metric('ratio'), { value: 0.12345 }, 'day')).toBe('12.3%')
    expect(displayValue(metric('duration_ms'), { value: 1_260 }, 'day')).toBe('1.3 s')
    expect(displayValue(metric('count'), { value: 1_234_567 }, 'day')).toBe('1,234,567')
    expect(displayValue(metric('tokens'), { value: null }, 'day')).toBe('–')
  })

  it('cuts buckets to their granularity', () => {
    const bucket: ResultColumn = { name: 'bucket', kind: 'bucket', label: 'Period' }
    expect(displayValue(bucket, { bucket: '2026-03-29T14:00:00' }, 'hour')).toBe('2026-03-29 14:00')
    expect(bucketLabel('2026-03-29T00:00:00', 'day')).toBe('2026-03-29')
    expect(bucketLabel('2026-03-23T00:00:00', 'week')).toBe('2026-03-23')
    expect(bucketLabel('2026-03-01T00:00:00', 'month')).toBe('2026-03')
  })

  it('gives axes compact labels', () => {
    expect(formatMetric('money_micros', 2_500_000_000_000, undefined, { compact: true })).toBe('2.5M')
    expect(formatMetric('ratio', 0.25, undefined, { compact: true })).toBe('25%')
  })
})

describe('data files and spreadsheets', () => {
  it('carry unrounded values in units; spreadsheets keep ratios as fractions under a percent format', () => {
    expect(dataValue(metric('money_micros'), { value: 1_234_567_891 }, 'day')).toBe(1234.567891)
    expect(dataValue(metric('ratio'), { value: 0.5 }, 'day')).toBe(50)
    expect(spreadsheetValue('ratio', 0.5)).toBe(0.5)
    expect(spreadsheetNumFmt('ratio')).toBe('0.0%')
    expect(spreadsheetValue('money_micros', 1_500_000)).toBe(1.5)
    expect(spreadsheetNumFmt('money_micros', 'EUR')).toBe('#,##0.00####" EUR"')
  })

  it('put the unit in the header when cells do not show it', () => {
    expect(headerLabel({ ...metric('ratio'), label: 'Open rate' })).toBe('Open rate (%)')
    expect(headerLabel({ ...metric('ratio'), label: 'Open rate' }, { percentCells: true })).toBe('Open rate')
    expect(headerLabel({ ...metric('duration_ms'), label: 'Reply time' })).toBe('Reply time (s)')
  })
})

describe('periodLabel', () => {
  it('shows whole local days inclusively, across a DST change', () => {
    const range = {
      from: '2026-03-01T00:00:00.000+01:00',
      to: '2026-04-01T00:00:00.000+02:00',
      timezone: 'Europe/Berlin',
      granularity: 'day' as const,
    }
    expect(periodLabel(range)).toBe('2026-03-01 – 2026-03-31 (Europe/Berlin)')
    expect(periodLabel({ ...range, from: '2026-03-01T09:30:00.000+01:00' })).toBe(
      '2026-03-01 09:30 – 2026-04-01 00:00 (Europe/Berlin)',
    )
    expect(generatedLabel(new Date('2026-04-01T06:30:59Z'))).toBe('2026-04-01 06:30 UTC')
  })
})
