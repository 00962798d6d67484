import { describe, expect, it } from 'vitest'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { type Granularity, resolveWindow, windowInput } from '../semantic/analytics-window.ts'
import { tokenSpendFamily } from './token-spend.ts'
import { rollupAnswers } from './token-spend-source.ts'

const window = (input: { from: string; to: string; timezone: string; granularity: Granularity }) =>
  resolveWindow(windowInput.parse(input), 0).current

describe('rollupAnswers', () => {
  it('uses hour buckets for days cut in whole-hour timezones, across a DST change', () => {
    expect(
      rollupAnswers(
        window({ from: '2026-03-01', to: '2026-04-30', timezone: 'Europe/Berlin', granularity: 'day' }),
      ),
    ).toBe(true)
    expect(
      rollupAnswers(
        window({ from: '2026-10-31', to: '2026-11-02', timezone: 'America/New_York', granularity: 'hour' }),
      ),
    ).toBe(true)
  })

  it('reads the calls when local days start off the UTC hour', () => {
    expect(
      rollupAnswers(
        window({ from: '2026-11-01', to: '2026-11-02', timezone: 'Asia/Kolkata', granularity: 'day' }),
      ),
    ).toBe(false)
  })

  it('reads the calls for hour buckets of a half-hour zone even when the bounds are whole UTC hours', () => {
    const bounds = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' }
    expect(rollupAnswers(window({ ...bounds, timezone: 'Asia/Kolkata', granularity: 'hour' }))).toBe(false)
    expect(rollupAnswers(window({ ...bounds, timezone: 'Asia/Kolkata', granularity: 'total' }))).toBe(true)
  })

  it('reads the calls when a zone turns to a half-hour offset inside the window', () => {
    // Australia/Adelaide is +10:30 in summer and +09:30 in winter; Pacific/Chatham is +12:45.
    const bounds = { from: '2026-01-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }
    expect(rollupAnswers(window({ ...bounds, timezone: 'Australia/Adelaide', granularity: 'month' }))).toBe(
      false,
    )
    expect(rollupAnswers(window({ ...bounds, timezone: 'Pacific/Chatham', granularity: 'week' }))).toBe(false)
  })

  it('reads the calls when a bound is off the hour', () => {
    expect(
      rollupAnswers(
        window({
          from: '2026-11-01T10:15:00Z',
          to: '2026-11-02T00:00:00Z',
          timezone: 'UTC',
          granularity: 'total',
        }),
      ),
    ).toBe(false)
  })
})

describe('tokenSpendFamily', () => {
  const tables = { token_spend_hourly: 'd.token_spend_hourly', llm_calls: 'd.llm_calls' } as Tables
  const family = tokenSpendFamily(tables)
  const compile = (timezone: string) =>
    family.compile(
      {
        tenantId: 't',
        window: window({ from: '2026-11-01', to: '2026-11-07', timezone, granularity: 'day' }),
        metrics: ['cost_micros', 'cost_per_conversation_micros'],
        groupBy: ['flow'],
        filters: { model: ['gpt-4.1'] },
        options: {},
      },
      { bucketed: true },
    )

  it('compiles to the rollup or the per-call rows with every value as a parameter', () => {
    const berlin = compile('Europe/Berlin')
    expect(berlin.sql).toContain('FROM d.token_spend_hourly')
    expect(berlin.sql).toContain('uniqExactMerge(conversations)')
    expect(berlin.params).toEqual({ tenantId: 't', filter_model: ['gpt-4.1'] })
    const kolkata = compile('Asia/Kolkata')
    expect(kolkata.sql).toContain('FROM d.llm_calls')
    expect(kolkata.sql).toContain('flow_id AS flow')
  })
})
