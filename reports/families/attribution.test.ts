import { describe, expect, it } from 'vitest'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { attributionFamily, attributionOptions } from './attribution.ts'

const tables = new Proxy({} as Tables, { get: (_target, name) => `comerix.${String(name)}` })
const family = attributionFamily(tables)
const window = { fromMs: 0, toMs: 86_400_000, timezone: 'UTC', granularity: 'day' as const }
const query = (overrides: Partial<Parameters<typeof family.compile>[0]> = {}) => ({
  tenantId: '7f1c2a44-2b5e-4f4e-9d1a-0c9e4b7a1d20',
  window,
  metrics: ['attributed_conversions'],
  groupBy: [],
  filters: {},
  options: attributionOptions.parse({}),
  ...overrides,
})

describe('attribution options', () => {
  it('default to last touch, 7-day lookback and half-life, and the chat_sessions engagement', () => {
    expect(attributionOptions.parse({})).toEqual({
      model: 'last_touch',
      lookback_days: 7,
      half_life_days: 7,
      engaged_by: ['message', 'quick_question', 'form'],
    })
  })

  it('read query-string text, and parse their own output again unchanged (the route parses twice)', () => {
    const once = attributionOptions.parse({
      model: 'time_decay',
      lookback_days: '30',
      half_life_days: '1.5',
      engaged_by: 'form, message',
    })
    expect(once).toEqual({
      model: 'time_decay',
      lookback_days: 30,
      half_life_days: 1.5,
      engaged_by: ['form', 'message'],
    })
    expect(attributionOptions.parse(once)).toEqual(once)
  })

  it('refuse a lookback outside 1-90 days, an unknown model or engagement kind', () => {
    for (const bad of [
      { lookback_days: '0' },
      { lookback_days: '91' },
      { lookback_days: '1.5' },
      { half_life_days: '0' },
      { model: 'u_shaped' },
      { engaged_by: 'message,opened' },
      { engaged_by: '' },
    ]) {
      expect(attributionOptions.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })
})

describe('attribution compile', () => {
  it('passes the tenant, options and filters as parameters, never in the SQL text', () => {
    const { sql, params } = family.compile(
      query({
        options: attributionOptions.parse({ lookback_days: '3', half_life_days: '2', engaged_by: 'form' }),
        filters: { flow: ["x' OR 1=1 --"] },
      }),
      { bucketed: true },
    )
    expect(sql).not.toContain('OR 1=1')
    expect(params).toMatchObject({
      tenant_id: '7f1c2a44-2b5e-4f4e-9d1a-0c9e4b7a1d20',
      lookback_ms: 3 * 86_400_000,
      half_life_ms: 2 * 86_400_000,
      engaged_types: ['chat.form.submitted', 'form.submitted'],
      filter_flow: ["x' OR 1=1 --"],
    })
  })

  it('refuses to mix visitor-engagement names with credited-sale names, naming both sides', () => {
    expect(() =>
      family.compile(query({ metrics: ['visitors'], groupBy: ['flow'] }), { bucketed: false }),
    ).toThrowError(/visitors \(visitor engagement\) cannot be combined with flow \(credited sales\)/)
    expect(() =>
      family.compile(
        query({ metrics: ['attributed_conversions'], filters: { visitor_engagement: ['engaged'] } }),
        {
          bucketed: false,
        },
      ),
    ).toThrowError(/visitor_engagement/)
  })

  it('reports the LLM cost metrics in USD from their own rows, never beside a credited-sale metric', () => {
    expect(family.implicitGroupBy?.(['llm_cost_per_attributed_sale_micros'])).toEqual(['currency'])
    expect(family.implicitGroupBy?.(['attributed_conversions'])).toEqual([])
    const { sql } = family.compile(query({ metrics: ['llm_cost_micros'], groupBy: ['flow', 'currency'] }), {
      bucketed: true,
    })
    expect(sql).toContain('FROM comerix.llm_calls')
    expect(sql).toContain("'USD' AS currency")
    expect(sql).toMatch(/FROM llm_cost_rows\s+GROUP BY bucket, flow, currency/)
    expect(() =>
      family.compile(query({ metrics: ['attributed_conversions', 'llm_cost_micros'] }), { bucketed: false }),
    ).toThrowError(
      /llm_cost_micros \(LLM cost in USD\) cannot be combined with attributed_conversions \(credited sales\)/,
    )
    expect(() =>
      family.compile(query({ metrics: ['visitors', 'llm_cost_micros'] }), { bucketed: false }),
    ).toThrowError(
      /visitors \(visitor engagement\) cannot be combined with llm_cost_micros \(LLM cost in USD\)/,
    )
  })

  it('orders time-to-convert buckets by duration, not by label', () => {
    const { sql } = family.compile(query({ groupBy: ['time_to_convert_bucket'] }), { bucketed: false })
    expect(sql).toContain(
      "ORDER BY indexOf(['0-30m', '30m-2h', '2h-1d', '1d-3d', '3d-7d', '7d-30d', '30d-90d']",
    )
  })
})
