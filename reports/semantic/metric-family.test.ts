import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createDb } from '../../platform/clickhouse/db.ts'
import { testClickHouse } from '../../test/support/clickhouse.ts'
import { resolveWindow, windowInput } from './analytics-window.ts'
import { type MetricFamily, runFamily, streamFamilyRows } from './metric-family.ts'
import { bucketSql, inWindowSql } from './time-bucket.ts'

const clickhouse = await testClickHouse()
const db = createDb(clickhouse)
await db.command(`CREATE DATABASE IF NOT EXISTS ${clickhouse.database}`)
const table = `${clickhouse.database}.sales`
await db.command(
  `CREATE TABLE ${table} (ts DateTime64(3, 'UTC'), shop String, currency String, value_micros Int64) ENGINE = MergeTree ORDER BY ts`,
)
await db.command(
  `INSERT INTO ${table} VALUES ('2026-03-28 22:30:00', 'a', 'EUR', 1000000), ('2026-03-28 23:30:00', 'b', 'EUR', 2000000), ('2026-03-29 10:00:00', 'a', 'USD', 5000000)`,
)

/** A family over a scratch table: sales count and revenue by shop, per currency. */
const sales: MetricFamily<{ minimum?: number }> = {
  name: 'sales',
  description: 'Sales',
  metrics: {
    sales: { label: 'Sales', format: 'count', description: 'Number of sales' },
    revenue_micros: { label: 'Revenue', format: 'money_micros', description: 'Sum of values' },
  },
  dimensions: {
    shop: { label: 'Shop', description: 'Shop' },
    currency: { label: 'Currency', description: 'ISO currency' },
  },
  options: z.object({ minimum: z.coerce.number().optional() }),
  implicitGroupBy: (metrics) => (metrics.includes('revenue_micros') ? ['currency'] : []),
  compile(query, { bucketed }) {
    const keys = [...(bucketed ? ['bucket'] : []), ...query.groupBy]
    const select = [
      ...(bucketed ? [`${bucketSql('ts', query.window.granularity)} AS bucket`] : []),
      ...query.groupBy,
      ...query.metrics.map((m) =>
        m === 'sales' ? 'count() AS sales' : 'sum(value_micros) AS revenue_micros',
      ),
    ]
    const filters = Object.keys(query.filters).map((name) => `${name} IN {filter_${name}:Array(String)}`)
    return {
      sql: `SELECT ${select.join(', ')} FROM ${table} WHERE ${[inWindowSql('ts'), ...filters].join(' AND ')}
        ${keys.length ? `GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}` : ''}`,
      params: Object.fromEntries(
        Object.entries(query.filters).map(([name, values]) => [`filter_${name}`, values]),
      ),
    }
  },
}

const windows = (input: Record<string, string>) =>
  resolveWindow(windowInput.parse(input), Date.UTC(2026, 2, 30))

describe('runFamily', () => {
  it('cuts days in the requested timezone and keeps currencies apart', async () => {
    const result = await runFamily(
      db,
      sales,
      { tenantId: 't', metrics: ['sales', 'revenue_micros'], groupBy: [], filters: {}, options: {} },
      windows({ from: '2026-03-28', to: '2026-03-29', timezone: 'Europe/Berlin' }),
    )
    // 22:30 UTC on the 28th is 23:30 in Berlin (the 28th); 23:30 UTC is 01:30 on the 29th after the DST change.
    expect(result.rows).toEqual([
      { bucket: '2026-03-28T00:00:00', currency: 'EUR', sales: 1, revenue_micros: 1000000 },
      { bucket: '2026-03-29T00:00:00', currency: 'EUR', sales: 1, revenue_micros: 2000000 },
      { bucket: '2026-03-29T00:00:00', currency: 'USD', sales: 1, revenue_micros: 5000000 },
    ])
    expect(result.totals).toEqual([
      { currency: 'EUR', sales: 2, revenue_micros: 3000000 },
      { currency: 'USD', sales: 1, revenue_micros: 5000000 },
    ])
    expect(result.range).toEqual({
      from: '2026-03-28T00:00:00.000+01:00',
      to: '2026-03-30T00:00:00.000+02:00',
      timezone: 'Europe/Berlin',
      granularity: 'day',
    })
    expect(result.series.map((line) => line.group)).toEqual([{ currency: 'EUR' }, { currency: 'USD' }])
  })

  it('filters with parameters and compares with the previous period', async () => {
    const result = await runFamily(
      db,
      sales,
      {
        tenantId: 't',
        metrics: ['sales'],
        groupBy: ['shop'],
        filters: { shop: ["a' OR 1=1 --"] },
        options: {},
      },
      windows({
        from: '2026-03-29T00:00:00Z',
        to: '2026-03-30T00:00:00Z',
        granularity: 'total',
        compare: 'previous_period',
      }),
    )
    expect(result.rows).toEqual([])
    expect(result.previous?.range.from).toBe('2026-03-28T00:00:00.000Z')
  })

  it('sorts and cuts the grouped rows on request, and refuses to sort by a column it does not return', async () => {
    const query = { tenantId: 't', metrics: ['sales'], groupBy: ['shop'], filters: {}, options: {} }
    const window = windows({ from: '2026-03-28T00:00:00Z', to: '2026-03-30T00:00:00Z', granularity: 'total' })
    const result = await runFamily(db, sales, query, window, {
      sort: [{ by: 'sales', direction: 'desc' }],
      limit: 1,
    })
    expect(result.rows).toEqual([{ shop: 'a', sales: 2 }])
    await expect(
      runFamily(db, sales, query, window, { sort: [{ by: 'revenue_micros', direction: 'asc' }] }),
    ).rejects.toMatchObject({ code: 'validation_failed', message: 'sales: cannot sort by "revenue_micros"' })
  })

  it('streams the same rows it returns', async () => {
    const query = {
      tenantId: 't',
      metrics: ['sales', 'revenue_micros'],
      groupBy: ['shop'],
      filters: {},
      options: {},
    }
    const window = windows({ from: '2026-03-28', to: '2026-03-29', timezone: 'Europe/Berlin' })
    const streamed = []
    for await (const row of streamFamilyRows(db, sales, query, window)) streamed.push(row)
    expect(streamed).toEqual((await runFamily(db, sales, query, window)).rows)
    expect(streamed).toHaveLength(3)
  })

  it('names every unknown metric, dimension and filter', async () => {
    const run = runFamily(
      db,
      sales,
      { tenantId: 't', metrics: ['profit'], groupBy: ['country'], filters: { city: ['x'] }, options: {} },
      windows({ range: 'last_7_days' }),
    )
    await expect(run).rejects.toMatchObject({
      code: 'validation_failed',
      message: 'sales: unknown metric "profit"; unknown dimension "country"; unknown filter "city"',
    })
  })
})
