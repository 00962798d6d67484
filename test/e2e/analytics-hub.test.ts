import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { PDFParse } from 'pdf-parse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhook } from '../../platform/crypto/webhook-signature.ts'
import { type RunningServer, runCli, startServer } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'

/**
 * The Analytics Hub scenario of issue 7 on generated demo data, through a real server and the real CLI:
 * a marketing lead's report (attributed revenue by flow, last 30 days, time decay, compared with the
 * previous period) run through the API, exported as CSV, XLSX and PDF by `report:run`, pinned to a
 * dashboard and scheduled every Monday 08:00 Europe/Berlin to an endpoint.
 */
const SLUG = 'hub-scenario'
const spec = {
  title: 'Attributed revenue by flow',
  family: 'attribution',
  metrics: ['attributed_revenue_micros', 'attributed_conversions'],
  dimensions: ['flow'],
  dateRange: { range: 'last_30_days' },
  granularity: 'total',
  timezone: 'Europe/Berlin',
  compareToPreviousPeriod: true,
  options: { model: 'time_decay', half_life_days: 7 },
  sort: [{ by: 'attributed_revenue_micros', direction: 'desc' }],
  visualization: 'bar',
}

let dir = ''
let env: Record<string, string> & { DATA_DIR: string }
let server: RunningServer
let adminKey = ''
let reportId = ''
let endpoint: Server
const deliveries: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = []

const api = async (method: string, url: string, body?: unknown) => {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

beforeAll(async () => {
  dir = await tempDir()
  env = { DATA_DIR: dir, CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true' }
  endpoint = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks) })
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve))
  server = await startServer(env)
  const tenant = await runCli(['tenant:create', SLUG, '--json'], env)
  expect(tenant.code, tenant.stderr).toBe(0)
  adminKey = JSON.parse(tenant.stdout).adminKey.key
  const generated = await runCli(
    ['demo:generate', '--tenant', SLUG, '--days', '20', '--visitors', '120', '--json'],
    env,
  )
  expect(generated.code, generated.stderr).toBe(0)
}, 240_000)

afterAll(async () => {
  await server?.stop()
  await new Promise((resolve) => endpoint?.close(resolve))
})

describe('the Analytics Hub scenario on demo data', () => {
  let rows: { flow: string; currency: string; attributed_revenue_micros: number }[] = []

  it('saves and runs the report through the API', async () => {
    const created = await api('POST', '/v1/admin/reports', { spec })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    reportId = created.body.reportId
    const run = await api('POST', `/v1/admin/reports/${reportId}/run`)
    expect(run.status).toBe(200)
    rows = run.body.result.rows
    expect(rows.length).toBeGreaterThan(0)
    expect(run.body.result.previous.range.to).toBe(run.body.result.range.from)
    const revenue = rows.map((row) => row.attributed_revenue_micros)
    expect(revenue).toEqual([...revenue].sort((a, b) => b - a))
  })

  it('exports CSV, XLSX and PDF from the CLI with the API numbers', async () => {
    const files: Record<string, string> = {}
    for (const format of ['csv', 'xlsx', 'pdf']) {
      files[format] = path.join(dir, `report.${format}`)
      const result = await runCli(
        ['report:run', reportId, '--tenant', SLUG, '--format', format, '--out', files[format] as string],
        env,
      )
      expect(result.code, result.stderr).toBe(0)
    }
    const units = rows.map((row) => row.attributed_revenue_micros / 1e6)

    const csv: Record<string, string>[] = parse(await readFile(files.csv as string), {
      columns: true,
      bom: true,
    })
    expect(csv.map((line) => line.Flow)).toEqual(rows.map((row) => row.flow))
    expect(csv.map((line) => Number(line['Attributed revenue']))).toEqual(units)

    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(files.xlsx as string)
    const sheet = workbook.getWorksheet('Data') as ExcelJS.Worksheet
    const header = (sheet.getRow(1).values as unknown[]).map(String)
    const revenueColumn = header.indexOf('Attributed revenue')
    const values = rows.map((_, index) => sheet.getRow(index + 2).getCell(revenueColumn).value)
    expect(values).toEqual(units)

    const parser = new PDFParse({ data: new Uint8Array(await readFile(files.pdf as string)) })
    const text = (await parser.getText()).text
    await parser.destroy()
    expect(text).toContain('Attributed revenue by flow')
    for (const row of rows) {
      const amount = (row.attributed_revenue_micros / 1e6).toLocaleString('en-US', {
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      })
      expect(text).toContain(amount)
    }
  }, 120_000)

  it('pins the report to a dashboard that renders the same numbers', async () => {
    const board = await api('POST', '/v1/admin/dashboards', { name: 'Marketing' })
    await api('POST', `/v1/admin/dashboards/${board.body.dashboardId}/tiles`, { reportId })
    const rendered = await api('GET', `/v1/admin/dashboards/${board.body.dashboardId}`)
    expect(rendered.body.tiles[0].data.rows).toEqual(rows)
  })

  it('schedules it every Monday 08:00 Berlin time and delivers a signed file', async () => {
    const { port } = endpoint.address() as AddressInfo
    const created = await api('POST', '/v1/admin/report-schedules', {
      reportId,
      cron: '0 8 * * 1',
      timezone: 'Europe/Berlin',
      format: 'csv',
      endpointUrl: `http://127.0.0.1:${port}/reports`,
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const schedule = created.body
    expect(schedule.nextRuns).toHaveLength(5)
    for (const next of schedule.nextRuns) expect(next.local).toMatch(/T08:00:00(\.000)?\+0[12]:00$/)

    expect((await api('POST', `/v1/admin/report-schedules/${schedule.id}/run`)).status).toBe(202)
    await waitFor(async () => deliveries.length > 0, { timeoutMs: 60_000, message: 'delivery' })
    const delivery = deliveries[0] as (typeof deliveries)[number]
    expect(
      verifyWebhook(schedule.secret, delivery.headers, delivery.body, Math.floor(Date.now() / 1000)),
    ).toBe(true)
    const csv: Record<string, string>[] = parse(delivery.body, { columns: true, bom: true })
    expect(csv.map((line) => Number(line['Attributed revenue']))).toEqual(
      rows.map((row) => row.attributed_revenue_micros / 1e6),
    )
  }, 90_000)
})
