import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPERATOR_TOKEN_HEADER } from '../../platform/tenancy/auth.ts'
import { loadOperatorToken } from '../../platform/tenancy/operator-token.ts'
import { type RunningServer, runCli, startServer } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'

/**
 * Exports that fail before their first byte (unknown or deleted report) get a catalog error, and the
 * server process, a real `comerix serve`, keeps answering: an export used to end it with an unhandled
 * 'error' event right after its 404.
 */
const SLUG = 'export-errors'
let server: RunningServer
let dataDir = ''
let adminKey = ''
let operatorToken = ''
let deletedId = ''
let reportId = ''

const spec = {
  title: 'Spend by flow',
  family: 'token_spend',
  metrics: ['cost_micros'],
  dimensions: ['flow'],
  dateRange: { from: '2026-06-01', to: '2026-06-30' },
  granularity: 'total',
}

async function admin(method: string, url: string, body?: unknown) {
  return fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

function operatorExport(body: unknown, slug = SLUG) {
  return fetch(`${server.url}/v1/operator/tenants/${slug}/reports/export`, {
    method: 'POST',
    headers: { [OPERATOR_TOKEN_HEADER]: operatorToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function expectAlive() {
  expect(server.process.exitCode, server.output()).toBeNull()
  const ready = await fetch(`${server.url}/readyz`)
  expect(ready.status, server.output()).toBe(200)
  const listed = await admin('GET', '/v1/admin/reports')
  expect(listed.status).toBe(200)
}

async function expectCatalogError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  const body = (await response.json()) as { error: { code: string; requestId: string } }
  expect(body.error).toMatchObject({ code, retryable: false })
  expect(body.error.requestId).toEqual(expect.any(String))
}

beforeAll(async () => {
  dataDir = await tempDir()
  server = await startServer({ DATA_DIR: dataDir })
  operatorToken = await loadOperatorToken({ dataDir, secret: undefined })
  const tenant = await fetch(`${server.url}/v1/operator/tenants`, {
    method: 'POST',
    headers: { [OPERATOR_TOKEN_HEADER]: operatorToken, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: SLUG }),
  })
  expect(tenant.status).toBe(201)
  adminKey = ((await tenant.json()) as { adminKey: { key: string } }).adminKey.key
  const created = await admin('POST', '/v1/admin/reports', { spec })
  expect(created.status).toBe(201)
  reportId = ((await created.json()) as { reportId: string }).reportId
  const doomed = await admin('POST', '/v1/admin/reports', { spec: { ...spec, title: 'Deleted' } })
  deletedId = ((await doomed.json()) as { reportId: string }).reportId
  expect((await admin('DELETE', `/v1/admin/reports/${deletedId}`)).status).toBe(204)
}, 120_000)

afterAll(async () => {
  if (server?.process.exitCode === null) await server.stop()
})

describe('exports that fail before their first byte', { timeout: 120_000 }, () => {
  const missing = () => [
    ['an unknown report', 'no-such-report'],
    ['a deleted report', deletedId],
  ]

  it('answer 404 on the admin route, in every format, and the server keeps serving', async () => {
    for (const [, id] of missing()) {
      for (const format of ['csv', 'xlsx', 'pdf', 'json']) {
        await expectCatalogError(
          await admin('GET', `/v1/admin/reports/${id}/export?format=${format}`),
          404,
          'not_found',
        )
        await expectAlive()
      }
    }
  })

  it('answer 404 on the operator route, and for an unknown tenant', async () => {
    for (const [, id] of missing()) {
      await expectCatalogError(await operatorExport({ reportId: id, format: 'csv' }), 404, 'not_found')
      await expectAlive()
    }
    await expectCatalogError(
      await operatorExport({ reportId, format: 'csv' }, 'no-such-shop'),
      404,
      'not_found',
    )
    await expectAlive()
  })

  it('fail `comerix report:run` through the running server without leaving a file', async () => {
    for (const [what, id] of missing()) {
      const out = path.join(dataDir, `missing-${id}.csv`)
      const result = await runCli(
        ['report:run', id as string, '--tenant', SLUG, '--format', 'csv', '--out', out],
        {
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
        },
      )
      expect(result.code, `${what}: ${result.stdout}`).not.toBe(0)
      expect(result.stderr).toMatch(/not_found: no report/)
      expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false)
      await expectAlive()
    }
  })

  it('still export an existing report afterwards', async () => {
    const response = await admin('GET', `/v1/admin/reports/${reportId}/export?format=csv`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toMatch(/spend-by-flow/)
    expect(await response.text()).toContain('Flow')
    await expectAlive()
  })
})
