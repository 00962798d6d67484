import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { ERROR_CATALOG } from '../../platform/errors/catalog.ts'
import { supportedTimezones } from '../../reports/semantic/timezone.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

/**
 * Inputs an adversarial probe sent to the analytics API and saved reports: names from Object.prototype,
 * timezones luxon accepts but ClickHouse does not, dates outside what ClickHouse holds. Each must be a
 * catalog 4xx (or an answer), never a 500.
 */
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']
const WINDOW = 'from=2026-06-01&to=2026-06-07'

let app: App
let key = ''
let families: { name: string; route: string; metric: string; dimension: string }[] = []

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir()))
  key = (await app.tenancy.createTenant({ slug: 'hostile-input' })).adminKey.key
  families = [...app.reports.families.values()].map((family) => ({
    name: family.name,
    route: `/v1/analytics/${family.name.replaceAll('_', '-')}`,
    metric: Object.keys(family.metrics)[0] as string,
    dimension: Object.keys(family.dimensions)[0] as string,
  }))
})

afterAll(async () => {
  await app?.close()
})

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  const response = await app.server.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  return { status: response.statusCode, body: response.body ? response.json() : undefined }
}

/** A catalog error body with the status its code has in the catalog. */
function expectCatalogError(response: { status: number; body: unknown }, status = 400) {
  expect(response.status, JSON.stringify(response.body)).toBe(status)
  const { error } = response.body as { error: { code: keyof typeof ERROR_CATALOG; requestId: string } }
  expect(ERROR_CATALOG[error.code].status).toBe(status)
  expect(error.requestId).toEqual(expect.any(String))
  return error as unknown as { code: string; message: string; details?: Record<string, unknown> }
}

describe('names from Object.prototype', () => {
  it('are unknown metrics, dimensions, filters and sort columns of every family', async () => {
    for (const family of families) {
      for (const name of PROTOTYPE_NAMES) {
        const cases = [
          `metrics=${name}`,
          `metrics=${family.metric}&groupBy=${name}`,
          `metrics=${family.metric}&filter=${name}:x`,
          `metrics=${family.metric}&filter=${name}:x&filter=${name}:y`,
          `metrics=${family.metric}&sort=${name}`,
          `metrics=${family.metric}&sort=-${name}`,
        ]
        for (const query of cases) {
          const error = expectCatalogError(await call('GET', `${family.route}?${query}&${WINDOW}`))
          expect(error.code, `${family.name} ${query}`).toBe('validation_failed')
          expect(error.message).toContain(`"${name}"`)
        }
      }
    }
  })

  it('as query-string keys are ignored or refused', async () => {
    for (const family of families) {
      for (const extra of ['__proto__=1', '__proto__[x]=1', 'constructor=1', 'constructor[prototype]=1']) {
        const response = await call('GET', `${family.route}?metrics=${family.metric}&${WINDOW}&${extra}`)
        expect([200, 400], `${family.name} ${extra}: ${JSON.stringify(response.body)}`).toContain(
          response.status,
        )
        if (response.status === 400) expectCatalogError(response)
      }
    }
  })

  const spec = {
    title: 'Hostile',
    family: 'token_spend',
    metrics: ['cost_micros'],
    dateRange: { from: '2026-06-01', to: '2026-06-07' },
  }

  it('are refused in saved report specs, on save, update and preview', async () => {
    const saved = await call('POST', '/v1/admin/reports', { spec })
    expect(saved.status).toBe(201)
    for (const name of PROTOTYPE_NAMES) {
      const specs = [
        { ...spec, metrics: [name] },
        { ...spec, dimensions: [name] },
        { ...spec, filters: { [name]: ['x'] } },
        { ...spec, sort: [{ by: name, direction: 'asc' }] },
      ]
      for (const bad of specs) {
        for (const [method, url] of [
          ['POST', '/v1/admin/reports'],
          ['PUT', `/v1/admin/reports/${saved.body.reportId}`],
          ['POST', '/v1/admin/reports/preview'],
        ] as const) {
          const error = expectCatalogError(await call(method, url, { spec: bad }))
          // Fastify's JSON parser already refuses a `__proto__` key.
          expect(['validation_failed', 'invalid_json'], `${method} ${url} ${JSON.stringify(bad)}`).toContain(
            error.code,
          )
        }
      }
    }
    // JSON.parse makes `__proto__` an own key; it must not become the spec's prototype.
    for (const field of ['filters', 'options']) {
      const raw = JSON.stringify({ spec }).replace('"title"', `"${field}":{"__proto__":["x"]},"title"`)
      expectCatalogError(await call('POST', '/v1/admin/reports/preview', raw))
    }
    const optionsProto = JSON.stringify({ spec }).replace('"title"', '"options":{"__proto__":"x"},"title"')
    expectCatalogError(await call('POST', '/v1/admin/reports/preview', optionsProto))
  })
})

describe('timezones', () => {
  it('are all known to ClickHouse', async () => {
    const rows = await app.db.select<{ time_zone: string }>('SELECT time_zone FROM system.time_zones')
    const known = new Set(rows.map((row) => row.time_zone))
    expect(supportedTimezones().filter((zone) => !known.has(zone))).toEqual([])
  })

  it('are normalised to the canonical name in analytics, saved reports, dashboards and schedules', async () => {
    for (const [given, canonical] of [
      ['utc', 'UTC'],
      ['Europe/berlin', 'Europe/Berlin'],
      ['US/Eastern', 'America/New_York'],
      ['etc/gmt+5', 'Etc/GMT+5'],
    ]) {
      const zone = encodeURIComponent(given as string)
      for (const family of families) {
        const answer = await call(
          'GET',
          `${family.route}?metrics=${family.metric}&${WINDOW}&timezone=${zone}`,
        )
        expect(answer.status, JSON.stringify(answer.body)).toBe(200)
        expect(answer.body.range.timezone).toBe(canonical)
      }
      const report = await call('POST', '/v1/admin/reports', {
        spec: {
          title: 'Zone',
          family: 'token_spend',
          metrics: ['cost_micros'],
          dateRange: { range: 'today' },
          timezone: given,
        },
      })
      expect(report.status, JSON.stringify(report.body)).toBe(201)
      expect(report.body.spec.timezone).toBe(canonical)
      const schedule = await call('POST', '/v1/admin/report-schedules', {
        reportId: report.body.reportId,
        cron: '0 9 * * *',
        timezone: given,
        endpointUrl: 'https://reports.example/hook',
      })
      expect(schedule.status, JSON.stringify(schedule.body)).toBe(201)
      expect(schedule.body.timezone).toBe(canonical)
    }
    const overview = await call('POST', '/v1/admin/dashboards/overview', { timezone: 'utc' })
    expect(overview.status, JSON.stringify(overview.body)).toBe(200)
    const board = await call('GET', `/v1/admin/dashboards/${overview.body.dashboardId}`)
    expect(board.status).toBe(200)
    for (const tile of board.body.tiles) {
      expect(tile.error).toBeUndefined()
      expect(tile.data.range.timezone).toBe('UTC')
    }
  })

  it('that ClickHouse does not know are a 400 naming the field', async () => {
    const refused = ['SystemV/AST4', 'Mars/Olympus', '+01:00', 'Z', 'localtime', 'Etc/GMT+13', 'x'.repeat(65)]
    for (const given of refused) {
      const zone = encodeURIComponent(given)
      for (const family of families) {
        const error = expectCatalogError(
          await call('GET', `${family.route}?metrics=${family.metric}&${WINDOW}&timezone=${zone}`),
        )
        expect(JSON.stringify(error.details)).toContain('timezone')
      }
      const spec = {
        title: 'Zone',
        family: 'token_spend',
        metrics: ['cost_micros'],
        dateRange: { range: 'today' },
      }
      const report = expectCatalogError(
        await call('POST', '/v1/admin/reports', { spec: { ...spec, timezone: given } }),
      )
      expect(JSON.stringify(report.details)).toContain('timezone')
      const board = expectCatalogError(
        await call('POST', '/v1/admin/dashboards/overview', { timezone: given }),
      )
      expect(JSON.stringify(board.details)).toContain('timezone')
      const schedule = expectCatalogError(
        await call('POST', '/v1/admin/report-schedules', {
          reportId: 'any',
          cron: '0 9 * * *',
          timezone: given,
          endpointUrl: 'https://reports.example/hook',
        }),
      )
      expect(JSON.stringify(schedule.details)).toContain('timezone')
    }
  })
})

describe('dates', () => {
  it('outside 1970-01-02 .. 2106-01-01 (UTC) are a 400 naming the supported range', async () => {
    const refused: [string, string][] = [
      ['from=1970-01-01&to=1970-01-02', 'from'],
      ['from=0001-01-01&to=0001-01-02', 'from'],
      ['from=9999-12-30&to=9999-12-31', 'to'],
      ['from=2105-12-30&to=2106-01-05', 'to'],
      ['from=1970-01-01T00:00:00Z&to=1970-01-05T00:00:00Z', 'from'],
      ['from=1970-01-02&to=1970-01-02&timezone=Asia/Tokyo', 'from'],
      ['from=1970-01-02&to=1970-01-05&compare=previous_period', 'compare'],
    ]
    for (const family of families) {
      for (const [window, field] of refused) {
        const error = expectCatalogError(
          await call('GET', `${family.route}?metrics=${family.metric}&${window}`),
        )
        expect(error.message, window).toContain('1970-01-02T00:00:00Z to 2106-01-01T00:00:00Z')
        expect(error.details).toMatchObject({ field })
      }
    }
  })

  it('at the edges of the range are answered, by every granularity', async () => {
    for (const family of families) {
      for (const window of [
        'from=1970-01-02&to=1970-01-31&granularity=hour',
        'from=1970-01-09&to=1970-01-15&compare=previous_period&granularity=week',
        'from=2105-01-01&to=2105-12-31&granularity=month',
        'from=2105-12-01&to=2105-12-31&timezone=Pacific/Kiritimati&granularity=day',
      ]) {
        const answer = await call('GET', `${family.route}?metrics=${family.metric}&${window}`)
        expect(answer.status, `${family.name} ${window}: ${JSON.stringify(answer.body)}`).toBe(200)
      }
    }
  })

  it('that do not exist, and windows too long for their buckets, are a 400', async () => {
    const route = families[0]?.route
    for (const window of [
      'from=2026-02-30&to=2026-03-02',
      'from=2026-13-01&to=2026-12-02',
      'from=2026-06-01T25:00:00Z&to=2026-06-02T00:00:00Z',
      'from=1970-01-02&to=2105-12-31&granularity=hour',
      'from=2026-06-07&to=2026-06-01',
    ]) {
      expectCatalogError(await call('GET', `${route}?metrics=${families[0]?.metric}&${window}`))
    }
    const saved = await call('POST', '/v1/admin/reports', {
      spec: {
        title: 'Far',
        family: 'token_spend',
        metrics: ['cost_micros'],
        dateRange: { from: '0001-01-01', to: '0001-01-02' },
      },
    })
    expect(expectCatalogError(saved).message).toContain('1970-01-02T00:00:00Z to 2106-01-01T00:00:00Z')
  })
})

describe('any string in any analytics parameter', () => {
  it('gets an answer or a catalog 4xx, never a 5xx', async () => {
    const hostile = fc.oneof(
      fc.constantFrom(
        ...PROTOTYPE_NAMES,
        '',
        ' ',
        ',',
        ':',
        '-',
        '--',
        ':x',
        'x:',
        '1970-01-01',
        '1970-01-02',
        '0001-01-01',
        '9999-12-30',
        '2026-02-30',
        '2026-06-01T00:00:00+14:00',
        'utc',
        'SystemV/AST4',
        'Europe/berlin',
        'Etc/GMT-14',
        '\u0000',
        '%',
        '`',
        "'; DROP TABLE events; --",
        'a'.repeat(2_100),
      ),
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 30 }),
    )
    const familyIndex = fc.nat({ max: 4 })
    const parameter = (valid: fc.Arbitrary<string>) => fc.option(fc.oneof(valid, hostile), { nil: undefined })
    const date = fc
      .date({
        min: new Date('2026-01-01T00:00:00Z'),
        max: new Date('2026-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((at) => at.toISOString().slice(0, 10))
    await fc.assert(
      fc.asyncProperty(
        familyIndex,
        fc.record({
          metrics: parameter(fc.constant('')),
          groupBy: parameter(fc.constant('')),
          filter: parameter(fc.constant('')),
          sort: parameter(fc.constant('')),
          timezone: parameter(fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kolkata')),
          from: parameter(date),
          to: parameter(date),
          granularity: parameter(fc.constantFrom('hour', 'day', 'week', 'month', 'total')),
          range: parameter(fc.constantFrom('last_7_days', 'this_year')),
          compare: parameter(fc.constant('previous_period')),
          limit: parameter(fc.constantFrom('1', '100000', '0', '-1', '1e9')),
          model: parameter(fc.constantFrom('linear', 'time_decay')),
        }),
        async (index, params) => {
          const family = families[index % families.length]
          if (!family) return
          const query = new URLSearchParams()
          for (const [name, value] of Object.entries(params)) {
            if (value === undefined) continue
            // An empty "valid" pick stands for the family's own names.
            const own =
              name === 'metrics'
                ? family.metric
                : name === 'groupBy' || name === 'sort'
                  ? family.dimension
                  : `${family.dimension}:x`
            query.set(
              name,
              value === '' && ['metrics', 'groupBy', 'filter', 'sort'].includes(name) ? own : value,
            )
          }
          const response = await app.server.inject({
            method: 'GET',
            url: `${family.route}?${query}`,
            headers: { authorization: `Bearer ${key}` },
          })
          expect(response.statusCode, `${family.route}?${query}: ${response.body}`).toBeLessThan(500)
          const body = response.json()
          if (response.statusCode >= 400) {
            expect(ERROR_CATALOG[body.error.code as keyof typeof ERROR_CATALOG]?.status).toBe(
              response.statusCode,
            )
          } else {
            expect(body.family).toBe(family.name)
          }
        },
      ),
      { numRuns: 300 },
    )
  }, 300_000)
})
