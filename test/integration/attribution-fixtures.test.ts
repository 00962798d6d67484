import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import type { EventRow } from '../../ingest/event-row.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { resolveWindow, windowInput } from '../../reports/semantic/analytics-window.ts'
import { windowParams } from '../../reports/semantic/time-bucket.ts'
import {
  type AttributeQuery,
  attribute,
  attributionDb,
  chatEvents,
  conversionEvent,
  identifyEvent,
  newTenant,
  pageViewEvent,
} from '../support/attribution-events.ts'

const context = await attributionDb()
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 86_400_000
const T0 = Date.parse('2026-03-10T12:00:00Z')
const EUR = (units: number) => units * 1_000_000
const MARCH = { from: '2026-03-01', to: '2026-03-20' }

const insert = (...rows: (EventRow | EventRow[])[]) => context.db.insert('events', rows.flat())

/** `groupBy` value -> metric, over the whole of March unless the query says otherwise. */
async function byDimension(tenant: string, metric: string, query: Partial<AttributeQuery> = {}) {
  const groupBy = query.groupBy ?? ['flow']
  const result = await attribute(context, tenant, { ...MARCH, metrics: [metric], ...query, groupBy })
  return Object.fromEntries(
    result.rows.map((row) => [groupBy.map((name) => row[name]).join('/'), row[metric]]),
  )
}

const credits = (tenant: string, model: string, query: Partial<AttributeQuery> = {}) =>
  byDimension(tenant, 'attributed_conversions', { ...query, options: { model, ...query.options } })

const revenue = (tenant: string, model: string) =>
  byDimension(tenant, 'attributed_revenue_micros', { options: { model }, groupBy: ['flow'] })

async function totals(tenant: string, metrics: string[], query: Partial<AttributeQuery> = {}) {
  return (await attribute(context, tenant, { ...MARCH, metrics, ...query })).totals
}

describe('attribution models', () => {
  const tenant = newTenant()
  beforeAll(() =>
    insert(
      ...[4, 3, 2, 1].map((days, index) =>
        chatEvents(tenant, {
          session: `s${index + 1}`,
          at: T0 - days * DAY,
          anonymousId: 'a',
          flowId: `f${index + 1}`,
        }),
      ),
      conversionEvent(tenant, { id: 'sale', at: T0, valueMicros: EUR(100), anonymousId: 'a' }),
    ),
  )

  it('gives everything to the last or the first touch', async () => {
    expect(await credits(tenant, 'last_touch')).toEqual({ f4: 1 })
    expect(await revenue(tenant, 'last_touch')).toEqual({ f4: EUR(100) })
    expect(await credits(tenant, 'first_touch')).toEqual({ f1: 1 })
  })

  it('splits evenly (linear) and 40/20/40 (position based)', async () => {
    expect(await credits(tenant, 'linear')).toEqual({ f1: 0.25, f2: 0.25, f3: 0.25, f4: 0.25 })
    expect(await revenue(tenant, 'linear')).toEqual({ f1: EUR(25), f2: EUR(25), f3: EUR(25), f4: EUR(25) })
    expect(await credits(tenant, 'position_based')).toEqual({ f1: 0.4, f2: 0.1, f3: 0.1, f4: 0.4 })
    expect(await revenue(tenant, 'position_based')).toEqual({
      f1: EUR(40),
      f2: EUR(10),
      f3: EUR(10),
      f4: EUR(40),
    })
  })

  it('halves a touch’s weight per half-life (time decay, default 7 days)', async () => {
    const weights = [4, 3, 2, 1].map((days) => 2 ** (-days / 7))
    const sum = weights.reduce((a, b) => a + b)
    const result = await credits(tenant, 'time_decay')
    weights.forEach((weight, index) => {
      expect(result[`f${index + 1}`]).toBeCloseTo(weight / sum, 11)
    })
  })

  it('gives time-decay weights 1/2, 1, 1 to touches 1, 0 and 0 half-lives old, touches at the sale counting', async () => {
    const decay = newTenant()
    await insert(
      chatEvents(decay, { session: 'td-a', at: T0 - DAY, anonymousId: 'd', flowId: 'old' }),
      chatEvents(decay, { session: 'td-b', at: T0, anonymousId: 'd', flowId: 'now-b' }),
      chatEvents(decay, { session: 'td-c', at: T0, anonymousId: 'd', flowId: 'now-c' }),
      conversionEvent(decay, { id: 'sale', at: T0, valueMicros: EUR(100), anonymousId: 'd' }),
    )
    const query = { options: { half_life_days: 1 } }
    expect(await credits(decay, 'time_decay', query)).toEqual({ old: 0.2, 'now-b': 0.4, 'now-c': 0.4 })
  })

  it('splits position-based credit 1 and 0.5/0.5 for one and two touches', async () => {
    const few = newTenant()
    await insert(
      chatEvents(few, { session: 'one', at: T0 - DAY, anonymousId: 'solo', flowId: 'single' }),
      chatEvents(few, { session: 'two-a', at: T0 - 2 * DAY, anonymousId: 'pair', flowId: 'pair-first' }),
      chatEvents(few, { session: 'two-b', at: T0 - DAY, anonymousId: 'pair', flowId: 'pair-last' }),
      conversionEvent(few, { id: 'solo-sale', at: T0, valueMicros: EUR(10), anonymousId: 'solo' }),
      conversionEvent(few, { id: 'pair-sale', at: T0, valueMicros: EUR(10), anonymousId: 'pair' }),
    )
    expect(await credits(few, 'position_based')).toEqual({ single: 1, 'pair-first': 0.5, 'pair-last': 0.5 })
  })

  it('gives the rounding remainder of a revenue split to the last touch', async () => {
    const thirds = newTenant()
    await insert(
      ...[3, 2, 1].map((days) =>
        chatEvents(thirds, {
          session: `t${days}`,
          at: T0 - days * DAY,
          anonymousId: 't',
          flowId: `d${days}`,
        }),
      ),
      conversionEvent(thirds, { id: 'sale', at: T0, valueMicros: EUR(100), anonymousId: 't' }),
    )
    // 1/3 is 0.333333333333 (12 decimals); 100,000,000 x that truncates to 33,333,333.
    expect(await credits(thirds, 'linear')).toEqual({
      d3: 0.333333333333,
      d2: 0.333333333333,
      d1: 0.333333333334,
    })
    expect(await revenue(thirds, 'linear')).toEqual({ d3: 33_333_333, d2: 33_333_333, d1: 33_333_334 })
  })
})

describe('which touches count', () => {
  it('credits nothing without a touch, and never a touch after the sale', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'before', at: T0 - 1 * 60 * MINUTE, anonymousId: 'a', flowId: 'before' }),
      chatEvents(tenant, { session: 'after', at: T0 + 1, anonymousId: 'a', flowId: 'after' }),
      chatEvents(tenant, { session: 'late', at: T0 + 1, anonymousId: 'b', flowId: 'late' }),
      conversionEvent(tenant, { id: 'a-sale', at: T0, valueMicros: EUR(5), anonymousId: 'a' }),
      conversionEvent(tenant, { id: 'b-sale', at: T0, valueMicros: EUR(7), anonymousId: 'b' }),
      conversionEvent(tenant, { id: 'c-sale', at: T0, valueMicros: EUR(9), anonymousId: 'nobody' }),
    )
    expect(await credits(tenant, 'last_touch')).toEqual({ before: 1 })
    expect(await totals(tenant, ['attributed_conversions', 'attributed_revenue_micros'])).toEqual([
      { currency: 'EUR', attributed_conversions: 1, attributed_revenue_micros: EUR(5) },
    ])
  })

  it('counts a touch exactly the lookback before the sale, and not a millisecond earlier', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'edge', at: T0 - 7 * DAY, anonymousId: 'a', flowId: 'edge' }),
      chatEvents(tenant, { session: 'outside', at: T0 - 7 * DAY - 1, anonymousId: 'a', flowId: 'outside' }),
      conversionEvent(tenant, { id: 'sale', at: T0, valueMicros: EUR(5), anonymousId: 'a' }),
    )
    expect(await credits(tenant, 'first_touch')).toEqual({ edge: 1 })
    expect(await credits(tenant, 'first_touch', { options: { lookback_days: 6 } })).toEqual({})
  })

  it('breaks ties in touch time by chat_session_id', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'tie-b', at: T0 - DAY, anonymousId: 'a', flowId: 'b' }),
      chatEvents(tenant, { session: 'tie-a', at: T0 - DAY, anonymousId: 'a', flowId: 'a' }),
      conversionEvent(tenant, { id: 'sale', at: T0, valueMicros: EUR(5), anonymousId: 'a' }),
    )
    expect(await credits(tenant, 'last_touch')).toEqual({ b: 1 })
    expect(await credits(tenant, 'first_touch')).toEqual({ a: 1 })
  })

  it('counts only the chosen engagement kinds when engaged_by is given', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'm', at: T0 - 2 * DAY, anonymousId: 'a', flowId: 'message' }),
      chatEvents(tenant, {
        session: 'f',
        at: T0 - DAY,
        anonymousId: 'a',
        flowId: 'form',
        engagedBy: 'form.submitted',
      }),
      conversionEvent(tenant, { id: 'sale', at: T0, valueMicros: EUR(5), anonymousId: 'a' }),
    )
    expect(await credits(tenant, 'last_touch')).toEqual({ form: 1 })
    expect(await credits(tenant, 'last_touch', { options: { engaged_by: 'message' } })).toEqual({
      message: 1,
    })
    expect(await credits(tenant, 'linear', { options: { engaged_by: 'form,quick_question' } })).toEqual({
      form: 1,
    })
  })
})

describe('identity', () => {
  it('follows an identify link made after the chat and the sale', async () => {
    const tenant = newTenant()
    const unlinked = newTenant()
    for (const id of [tenant, unlinked]) {
      await insert(
        chatEvents(id, { session: 'chat', at: T0 - 2 * DAY, anonymousId: 'visitor', flowId: 'linked' }),
        conversionEvent(id, { id: 'sale', at: T0, valueMicros: EUR(5), customerId: 'cust-1' }),
      )
    }
    await insert([identifyEvent(tenant, 'visitor', 'cust-1', T0 + 2 * DAY)])
    expect(await credits(tenant, 'last_touch')).toEqual({ linked: 1 })
    expect(await credits(unlinked, 'last_touch')).toEqual({})
  })

  it('maps an email hash to the customer a conversion linked it to', async () => {
    const tenant = newTenant()
    await insert(
      conversionEvent(tenant, {
        id: 'first',
        at: T0 - 6 * DAY,
        valueMicros: EUR(1),
        customerId: 'cust-m',
        emailHash: 'h1',
      }),
      chatEvents(tenant, { session: 'chat', at: T0 - DAY, customerId: 'cust-m', flowId: 'mail' }),
      conversionEvent(tenant, { id: 'second', at: T0, valueMicros: EUR(5), emailHash: 'h1' }),
    )
    expect(await credits(tenant, 'last_touch')).toEqual({ mail: 1 })
  })

  it('identifies a sale by its chat session before its customer id', async () => {
    const tenant = newTenant()
    const session = { tenant_id: tenant, chat_session_id: 'chat-p', anonymous_id: 'p' }
    await insert(
      chatEvents(tenant, { session: 'chat-p', at: T0 - 60 * MINUTE, anonymousId: 'p', flowId: 'session' }),
      // The session's latest customer id is its own, not the one the sale reports.
      [
        eventRow({
          ...session,
          type: 'block.rendered',
          customer_id: 'cust-session',
          ts: T0 + 5 * MINUTE,
        }),
      ],
      chatEvents(tenant, {
        session: 'chat-o',
        at: T0 - 30 * MINUTE,
        customerId: 'cust-other',
        flowId: 'customer',
      }),
      conversionEvent(tenant, {
        id: 'via-chat',
        at: T0,
        valueMicros: EUR(5),
        chatSessionId: 'chat-p',
        customerId: 'cust-other',
      }),
      conversionEvent(tenant, {
        id: 'by-customer',
        at: T0 + MINUTE,
        valueMicros: EUR(5),
        customerId: 'cust-other',
      }),
    )
    expect(await credits(tenant, 'last_touch')).toEqual({ session: 1, customer: 1 })
  })
})

describe('money, days and refunds', () => {
  it('keeps currencies apart', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'chat', at: T0 - DAY, anonymousId: 'a', flowId: 'f' }),
      conversionEvent(tenant, { id: 'eur', at: T0, valueMicros: EUR(10), currency: 'EUR', anonymousId: 'a' }),
      conversionEvent(tenant, { id: 'usd', at: T0, valueMicros: EUR(20), currency: 'USD', anonymousId: 'a' }),
    )
    expect(await totals(tenant, ['attributed_revenue_micros', 'attributed_conversions'])).toEqual([
      { currency: 'EUR', attributed_revenue_micros: EUR(10), attributed_conversions: 1 },
      { currency: 'USD', attributed_revenue_micros: EUR(20), attributed_conversions: 1 },
    ])
  })

  it('puts a sale on the day of the requested timezone', async () => {
    const tenant = newTenant()
    const sale = Date.parse('2026-03-28T23:30:00Z')
    await insert(
      chatEvents(tenant, { session: 'chat', at: sale - 60 * MINUTE, anonymousId: 'a' }),
      conversionEvent(tenant, { id: 'sale', at: sale, valueMicros: EUR(5), anonymousId: 'a' }),
    )
    const days = async (timezone: string) =>
      (
        await attribute(context, tenant, {
          from: '2026-03-28',
          to: '2026-03-29',
          timezone,
          granularity: 'day',
          metrics: ['attributed_conversions'],
        })
      ).rows
    expect(await days('UTC')).toEqual([{ bucket: '2026-03-28T00:00:00', attributed_conversions: 1 }])
    expect(await days('Europe/Berlin')).toEqual([
      { bucket: '2026-03-29T00:00:00', attributed_conversions: 1 },
    ])
  })

  it('credits a refund with its original order’s credits without counting a conversion', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'a', at: T0 - 2 * DAY, anonymousId: 'v', flowId: 'fa' }),
      chatEvents(tenant, { session: 'b', at: T0 - DAY, anonymousId: 'v', flowId: 'fb' }),
      conversionEvent(tenant, {
        id: 'sale',
        orderId: 'o-1',
        at: T0,
        valueMicros: EUR(100),
        anonymousId: 'v',
      }),
      // The refund carries no ids of its own: its order says whom it belongs to.
      conversionEvent(tenant, { id: 'refund', orderId: 'o-1', at: T0 + DAY, valueMicros: -EUR(30) }),
    )
    const both = { options: { model: 'linear' }, groupBy: ['flow'] }
    const metrics = ['attributed_conversions', 'attributed_revenue_micros']
    expect((await attribute(context, tenant, { ...MARCH, ...both, metrics })).rows).toEqual([
      { flow: 'fa', currency: 'EUR', attributed_conversions: 0.5, attributed_revenue_micros: EUR(35) },
      { flow: 'fb', currency: 'EUR', attributed_conversions: 0.5, attributed_revenue_micros: EUR(35) },
    ])
    const refundDay = { from: '2026-03-11', to: '2026-03-11' }
    expect((await attribute(context, tenant, { ...refundDay, ...both, metrics })).rows).toEqual([
      { flow: 'fa', currency: 'EUR', attributed_conversions: 0, attributed_revenue_micros: -EUR(15) },
      { flow: 'fb', currency: 'EUR', attributed_conversions: 0, attributed_revenue_micros: -EUR(15) },
    ])
  })
})

describe('direct, assisted and time to convert', () => {
  it('is direct up to exactly 30 minutes after the session’s last event', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, {
        session: 'd1',
        at: T0 - 120 * MINUTE,
        endAt: T0 - 30 * MINUTE,
        anonymousId: 'a',
        flowId: 'direct',
      }),
      chatEvents(tenant, {
        session: 'd2',
        at: T0 - 120 * MINUTE,
        endAt: T0 - 30 * MINUTE - 1,
        anonymousId: 'b',
        flowId: 'assisted',
      }),
      conversionEvent(tenant, { id: 'a-sale', at: T0, valueMicros: EUR(5), anonymousId: 'a' }),
      conversionEvent(tenant, { id: 'b-sale', at: T0, valueMicros: EUR(5), anonymousId: 'b' }),
    )
    const result = await attribute(context, tenant, {
      ...MARCH,
      metrics: ['direct_conversions', 'assisted_conversions'],
      groupBy: ['flow'],
    })
    expect(result.rows).toEqual([
      { flow: 'assisted', direct_conversions: 0, assisted_conversions: 1 },
      { flow: 'direct', direct_conversions: 1, assisted_conversions: 0 },
    ])
  })

  it('buckets the time from the first counted touch to the sale', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'quick', at: T0 - 10 * MINUTE, anonymousId: 'a' }),
      chatEvents(tenant, { session: 'slow', at: T0 - 2 * DAY, anonymousId: 'b' }),
      chatEvents(tenant, { session: 'slow-2', at: T0 - DAY, anonymousId: 'b' }),
      conversionEvent(tenant, { id: 'a-sale', at: T0, valueMicros: EUR(5), anonymousId: 'a' }),
      conversionEvent(tenant, { id: 'b-sale', at: T0, valueMicros: EUR(5), anonymousId: 'b' }),
    )
    expect(
      await byDimension(tenant, 'attributed_conversions', { groupBy: ['time_to_convert_bucket'] }),
    ).toEqual({
      '0-30m': 1,
      '1d-3d': 1,
    })
    expect(await totals(tenant, ['avg_time_to_convert_ms'])).toEqual([
      { avg_time_to_convert_ms: (10 * MINUTE + 2 * DAY) / 2 },
    ])
  })
})

describe('engaged versus other visitors', () => {
  it('compares conversion rates and gives the uplift', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'c1', at: T0 - DAY, anonymousId: 'v1' }),
      chatEvents(tenant, { session: 'c2', at: T0 - DAY, anonymousId: 'v2' }),
      conversionEvent(tenant, { id: 'v1-sale', at: T0, valueMicros: EUR(5), anonymousId: 'v1' }),
      ['v3', 'v4', 'v5', 'v6'].map((visitor) => pageViewEvent(tenant, visitor, T0 - DAY)),
      // v6 becomes customer c6, who buys: one visitor, not two.
      [identifyEvent(tenant, 'v6', 'c6', T0 - DAY)],
      conversionEvent(tenant, { id: 'c6-sale', at: T0, valueMicros: EUR(5), customerId: 'c6' }),
    )
    const metrics = ['visitors', 'converted_visitors', 'visitor_conversion_rate', 'engagement_uplift']
    const result = await attribute(context, tenant, { ...MARCH, metrics, groupBy: ['visitor_engagement'] })
    expect(result.rows).toEqual([
      {
        visitor_engagement: 'engaged',
        visitors: 2,
        converted_visitors: 1,
        visitor_conversion_rate: 0.5,
        engagement_uplift: 1,
      },
      {
        visitor_engagement: 'not_engaged',
        visitors: 4,
        converted_visitors: 1,
        visitor_conversion_rate: 0.25,
        engagement_uplift: 1,
      },
    ])
    expect(result.totals[0]).toMatchObject({ visitors: 6, converted_visitors: 2, engagement_uplift: 1 })
  })

  it('refuses to mix visitor and credited-sale metrics in one query', async () => {
    await expect(
      attribute(context, newTenant(), { ...MARCH, metrics: ['visitors', 'attributed_conversions'] }),
    ).rejects.toMatchObject({ code: 'validation_failed' })
  })
})

describe('the analyst SQL in sql/README.md', () => {
  it('reproduces the API’s credits and revenue by flow, day and currency', async () => {
    const tenant = newTenant()
    await insert(
      chatEvents(tenant, { session: 'a', at: T0 - 2 * DAY, anonymousId: 'v', flowId: 'fa' }),
      chatEvents(tenant, { session: 'b', at: T0 - DAY, anonymousId: 'v', flowId: 'fb' }),
      chatEvents(tenant, { session: 'b2', at: T0 - HOUR, anonymousId: 'v', flowId: 'fb2' }),
      conversionEvent(tenant, {
        id: 'sale',
        orderId: 'o-1',
        at: T0,
        valueMicros: EUR(100),
        anonymousId: 'v',
      }),
      conversionEvent(tenant, { id: 'refund', orderId: 'o-1', at: T0 + DAY, valueMicros: -EUR(30) }),
      [identifyEvent(tenant, 'w', 'cust-w', T0 + 9 * DAY)],
      chatEvents(tenant, { session: 'c', at: T0 - 3 * DAY, anonymousId: 'w', flowId: 'fc' }),
      conversionEvent(tenant, {
        id: 'usd',
        at: T0 + 2 * DAY,
        valueMicros: 33_333_333,
        currency: 'USD',
        customerId: 'cust-w',
      }),
      conversionEvent(tenant, {
        id: 'link',
        at: T0 - 5 * DAY,
        valueMicros: EUR(1),
        customerId: 'cust-w',
        emailHash: 'h',
      }),
      conversionEvent(tenant, { id: 'mail', at: T0 + 3 * DAY, valueMicros: EUR(10), emailHash: 'h' }),
    )
    const window = { ...MARCH, timezone: 'Europe/Berlin', granularity: 'day' as const }
    const api = await attribute(context, tenant, {
      ...window,
      metrics: ['attributed_conversions', 'attributed_revenue_micros'],
      groupBy: ['flow'],
      options: { model: 'linear' },
    })
    const readme = await readFile(new URL('../../sql/README.md', import.meta.url), 'utf8')
    const sql = /```sql attribution\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const database = context.db.tables.events.split('.')[0]
    const resolved = resolveWindow(windowInput.parse(window), Date.now()).current
    const analyst = await context.db.select<Record<string, unknown>>(
      sql.replaceAll('comerix.', `${database}.`).replace(/;\s*$/, ''),
      { ...windowParams(resolved), tenant_id: tenant, lookback_ms: 7 * DAY },
    )
    expect(api.rows.length).toBe(8)
    expect(analyst).toEqual(
      api.rows.map(({ bucket, ...row }) => ({
        day: String(bucket).slice(0, 10),
        ...row,
      })),
    )
  })
})
