import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse as parseCsv } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { PDFParse } from 'pdf-parse'
import type { Browser, BrowserContext, Download, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DemoInfo } from '../../demo/demo-operator.ts'
import { serverInfoPath } from '../../platform/create-platform.ts'
import { launchBrowser, saveScreenshot } from '../support/browser.ts'
import { runCli } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'
import { startWebhookReceiver } from '../support/webhook-receiver.ts'

/**
 * The admin panel in a real browser against a real server (`serve --demo`, `demo:seed`, a small
 * `demo:generate`): every page is driven through its UI and what it shows is held against the API.
 * Screenshots land under $TMPDIR/comerix-screenshots.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let dataDir: string
let child: ChildProcess
let output = ''
let url: string
let info: DemoInfo
let browser: Browser
let context: BrowserContext
let page: Page
let reportId = ''
let dashboardId = ''

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${info.adminKey}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`)
  return JSON.parse(text) as T
}

const main = () => page.locator('main')
/** The page has rendered real content: a heading and more than a few words, never a blank shell. */
async function expectRendered(heading: string) {
  await page.locator('h1', { hasText: heading }).first().waitFor({ timeout: 20_000 })
  await expect.poll(async () => (await main().innerText()).length, { timeout: 20_000 }).toBeGreaterThan(40)
}
/** A chart was drawn: its SVG holds shapes (lines, bars or funnel steps), not an empty frame. */
async function expectChart(scope: string, minShapes = 3) {
  await expect
    .poll(() => page.locator(`${scope} .chart svg path`).count(), { timeout: 30_000 })
    .toBeGreaterThan(minShapes)
}
async function download(trigger: () => Promise<void>): Promise<{ name: string; body: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), trigger()])
  const path = await (file as Download).path()
  return { name: (file as Download).suggestedFilename(), body: await readFile(path) }
}

beforeAll(async () => {
  dataDir = await tempDir()
  child = spawn(process.execPath, ['--import', 'tsx', 'bin/comerix.ts', 'serve', '--demo'], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: '',
      KAFKA_BROKERS: '',
      CLICKHOUSE_URL: '',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      ANALYST_SQL_PORT: 'off',
      LOG_LEVEL: 'warn',
      SINK_BATCH_WAIT_MS: '100',
    },
  })
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`)
      return output.includes('Admin API:')
    },
    { timeoutMs: 90_000, intervalMs: 100, message: 'the demo server to seed' },
  )
  url = JSON.parse(await readFile(serverInfoPath(dataDir), 'utf8')).url
  const seeded = await runCli(['demo:seed', '--json'], { DATA_DIR: dataDir })
  expect(seeded.code, seeded.stderr).toBe(0)
  info = JSON.parse(seeded.stdout)
  const generated = await runCli(['demo:generate', '--days', '7', '--visitors', '120', '--json'], {
    DATA_DIR: dataDir,
  })
  expect(generated.code, generated.stderr).toBe(0)
  browser = await launchBrowser()
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
}, 240_000)

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && page)
    await saveScreenshot(page, `admin-failed-${context.task.name.slice(0, 30)}`)
})

afterAll(async () => {
  await browser?.close()
  child?.kill('SIGTERM')
})

describe('the admin panel', () => {
  it('signs in with a secret key into an httpOnly session; the key stays out of the browser', async () => {
    await page.goto(`${url}/admin/`)
    await page.locator('h1', { hasText: 'Sign in to Comerix' }).waitFor()
    await page.locator('input[name="secret"]').fill('sk_not_a_key')
    await page.locator('button[type="submit"]').click()
    await page.locator('.error-box', { hasText: 'unknown or revoked' }).waitFor()
    await saveScreenshot(page, 'admin-0-sign-in-error')

    await page.locator('input[name="secret"]').fill(info.adminKey)
    await page.locator('button[type="submit"]').click()
    await expectRendered('Dashboards')
    const cookies = await context.cookies()
    const session = cookies.find((cookie) => cookie.name === 'comerix_admin')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    expect(session?.value).not.toContain(info.adminKey)
    const stored = await page.evaluate(() => {
      const storage = (
        globalThis as unknown as {
          localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null }
        }
      ).localStorage
      return Array.from(
        { length: storage.length },
        (_, index) => storage.getItem(storage.key(index) ?? '') ?? '',
      ).join('\n')
    })
    expect(stored).not.toContain('sk_')
    await saveScreenshot(page, 'admin-1-dashboards')
  }, 60_000)

  it('shows the overview dashboard with tiles whose numbers are the API’s', async () => {
    await page.locator('a', { hasText: 'Chat commerce overview' }).first().click()
    await expectRendered('Chat commerce overview')
    await expectChart('.tile', 5)
    expect(await page.locator('.tile').count()).toBe(5)
    const boards = await api<{ dashboards: { dashboardId: string; name: string }[] }>('/v1/admin/dashboards')
    const overview = boards.dashboards.find((board) => board.name === 'Chat commerce overview')
    const rendered = await api<{ tiles: { title: string; data?: { rows: Record<string, unknown>[] } }[] }>(
      `/v1/admin/dashboards/${overview?.dashboardId}`,
    )
    const visitors = rendered.tiles.find((tile) => tile.title === 'Engaged vs other visitors')
    const tile = page.locator('.tile', { hasText: 'Engaged vs other visitors' })
    const shown = await tile.locator('tbody td[data-metric="visitors"]').allInnerTexts()
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.map((text) => Number(text.replaceAll(',', '')))).toEqual(
      visitors?.data?.rows.map((row) => Number(row.visitors)),
    )
    // A multiplier reads as such.
    const uplift = await tile.locator('tbody td[data-metric="engagement_uplift"]').allInnerTexts()
    expect(uplift.length).toBeGreaterThan(0)
    for (const text of uplift) expect(text).toMatch(/^(—|-?[\d,]+(\.\d+)?x)$/)
    await saveScreenshot(page, 'admin-2-overview')
    // The dashboard-wide attribution model reaches every attribution tile.
    await page.locator('select[name="model"]').selectOption('first_touch')
    await expect.poll(() => page.url()).toContain('dashboards')
    const firstTouch = await api<{ tiles: { title: string; data?: { rows: Record<string, unknown>[] } }[] }>(
      `/v1/admin/dashboards/${overview?.dashboardId}?model=first_touch`,
    )
    expect(firstTouch.tiles.find((entry) => entry.title === 'Attributed revenue by flow')?.data).toBeDefined()
    await expectChart('.tile', 5)
  }, 90_000)

  it('edits a flow with inline problems at the node, publishes it and runs it in the test panel', async () => {
    await page.goto(`${url}/admin/#/flows`)
    await expectRendered('Flows')
    await page.locator('a', { hasText: 'Shop FAQ' }).click()
    await page.locator('.cm-content').waitFor()
    await page.locator('.editor-status', { hasText: 'Valid flow' }).waitFor({ timeout: 20_000 })
    const flows = await api<{ flows: { flowId: string; intent: string }[] }>('/v1/admin/flows')
    const faq = flows.flows.find((flow) => flow.intent === 'faq') as { flowId: string }
    const draft = (
      await api<{ draft: { name: string; nodes: { id: string; next?: string }[] } }>(
        `/v1/admin/flows/${faq.flowId}`,
      )
    ).draft

    const broken = structuredClone(draft)
    const take = broken.nodes.find((node) => node.id === 'take_text') as { next?: string }
    take.next = 'no_such_node'
    await replaceEditorText(JSON.stringify(broken, null, 2))
    await page.locator('.problems li', { hasText: 'take_text' }).waitFor({ timeout: 20_000 })
    expect(await page.getByRole('button', { name: 'Publish', exact: true }).isDisabled()).toBe(true)
    expect(await page.locator('.flow-graph .node.has-problem').count()).toBeGreaterThan(0)
    await saveScreenshot(page, 'admin-3-flow-problem')

    await replaceEditorText(JSON.stringify({ ...draft, name: 'Shop FAQ (edited)' }, null, 2))
    await page.locator('.editor-status', { hasText: 'Valid flow (unsaved)' }).waitFor({ timeout: 20_000 })
    expect(await page.locator('.flow-graph .node').count()).toBe(draft.nodes.length)
    await page.getByRole('button', { name: 'Publish', exact: true }).click()
    await page.locator('.notice', { hasText: 'Published' }).waitFor({ timeout: 20_000 })
    const versions = await api<{ versions: { version: number; name: string }[] }>(
      `/v1/admin/flows/${faq.flowId}/versions`,
    )
    expect(versions.versions.at(-1)).toMatchObject({ version: 2, name: 'Shop FAQ (edited)' })
    await page.locator('button[role="tab"]', { hasText: 'Versions' }).click()
    await page.locator('button', { hasText: 'v1' }).click()
    await page.locator('.diff-removed', { hasText: '"Shop FAQ"' }).waitFor()
    await page.locator('.diff-added', { hasText: 'Shop FAQ (edited)' }).waitFor()
    await saveScreenshot(page, 'admin-4-flow-versions')

    await page.locator('button[role="tab"]', { hasText: 'Test run' }).click()
    // A widget key allowing this page's origin is needed; the panel offers to create one when none does.
    const createKey = page.locator('button', { hasText: 'Create a test key for this origin' })
    if (await createKey.isVisible()) await createKey.click()
    await page.locator('button', { hasText: 'Start test chat' }).waitFor()
    await page.locator('input[aria-label="Trigger text (optional)"]').fill('How long does shipping take?')
    await page.locator('button', { hasText: 'Start test chat' }).click()
    // The flow answers, then asks "Anything else?" with buttons; one press resumes it to the end.
    await page.locator('.chat-log button', { hasText: 'No, thanks' }).click({ timeout: 30_000 })
    await page.locator('.chat-log [data-status="completed"]').waitFor({ timeout: 30_000 })
    expect(await page.locator('.chat-log').innerText()).toMatch(/working days/i)
    expect(await page.locator('.chat-log').innerText()).toMatch(/tokens/)
    await saveScreenshot(page, 'admin-5-flow-test-run')
  }, 120_000)

  it('creates a connection with a write-only secret', async () => {
    await page.goto(`${url}/admin/#/connections`)
    await expectRendered('Connections')
    await page.locator('input[name="name"]').fill('crm')
    await page.locator('input[name="baseUrl"]').fill('https://crm.example/api')
    await page.locator('select[name="auth"]').selectOption('bearer')
    await page.locator('input[name="secret"]').fill('crm-token-123')
    await page.locator('button', { hasText: 'Create connection' }).click()
    await page.locator('tr[data-connection="crm"]', { hasText: 'bearer (secret set)' }).waitFor()
    expect(await main().innerText()).not.toContain('crm-token-123')
    // The API's validation error lands at its field.
    await page.locator('input[name="name"]').fill('Bad Name!')
    await page.locator('input[name="baseUrl"]').fill('https://crm.example/other')
    await page.locator('button', { hasText: 'Create connection' }).click()
    await page.locator('.error-box').waitFor()
    // A test call through the demo's `shop` connection reaches the mock shop API and shows its answer.
    await page.locator('tr[data-connection="shop"] button', { hasText: 'Test call' }).click()
    await page.locator('input[name="path"]').fill('/products')
    await page.locator('button', { hasText: 'Send' }).click()
    const result = page.locator('[data-test-call-result]')
    await result.waitFor()
    expect(await result.innerText()).toMatch(/Answered 200 in \d+ ms/)
    expect(await result.innerText()).toContain('products')
    await saveScreenshot(page, 'admin-6-connections')
    const listed = await api<{ connections: { name: string; hasSecret: boolean }[] }>('/v1/admin/connections')
    expect(listed.connections.find((connection) => connection.name === 'crm')).toMatchObject({
      hasSecret: true,
    })
  }, 60_000)

  it('adds a webhook endpoint, shows its secret once, and logs a signed test delivery', async () => {
    const receiver = await startWebhookReceiver()
    try {
      await page.goto(`${url}/admin/#/webhooks`)
      await expectRendered('Webhooks')
      await page.locator('input[name="url"]').fill(receiver.url('/hooks'))
      await page.locator('input[name="eventTypes"]').fill('chat.execution.*, chat.handoff.requested')
      await page.locator('button', { hasText: 'Add endpoint' }).click()
      const secret = (await page.locator('[data-webhook-secret] pre').innerText()).trim()
      expect(secret).toMatch(/^whsec_/)
      receiver.trust('/hooks', [secret])
      const row = page.locator(`tr[data-endpoint="${receiver.url('/hooks')}"]`)
      await row.locator('button', { hasText: 'Send test event' }).click()
      // Verified with the standardwebhooks library against the secret the page showed once.
      await waitFor(() => receiver.events('/hooks').length > 0, {
        timeoutMs: 30_000,
        message: 'the test event',
      })
      expect(receiver.events('/hooks')[0]?.type).toBe('webhook.test')
      await row.locator('button', { hasText: 'Deliveries' }).click()
      await waitFor(
        async () => {
          await page.locator('button', { hasText: 'Refresh' }).click()
          return (await page.locator('[data-delivery-log]').count()) > 0
        },
        { timeoutMs: 30_000, message: 'the delivery log' },
      )
      expect(await page.locator('[data-delivery-log]').innerText()).toMatch(/webhook\.test[\s\S]*delivered/)
      await page.reload()
      await expectRendered('Webhooks')
      expect(await main().innerText()).not.toContain(secret)
      await saveScreenshot(page, 'admin-12-webhooks')
    } finally {
      await receiver.close()
    }
  }, 90_000)

  it('edits and publishes a widget key’s settings, which the public read then serves', async () => {
    await page.goto(`${url}/admin/#/widget-settings`)
    await expectRendered('Widget settings')
    await page.locator('select[name="widgetKey"]').selectOption(info.publicKey)
    await page.locator('.cm-content').waitFor()
    const before = await api<{ publishedVersion: number; draft: Record<string, unknown> }>(
      `/v1/admin/widget-settings/${info.publicKey}`,
    )
    await replaceEditorText(
      JSON.stringify({ ...before.draft, greeting: 'Hello from the admin panel' }, null, 2),
    )
    await page.locator('button', { hasText: 'Save and publish' }).click()
    await page.locator('[role="status"]', { hasText: 'Published.' }).waitFor()
    await page
      .locator('[data-settings-version]', { hasText: `Published version ${before.publishedVersion + 1}` })
      .waitFor()
    await saveScreenshot(page, 'admin-13-widget-settings')
    const origin = info.allowedOrigins[0] ?? url
    const config = await fetch(`${url}/v1/public/widget-config?publicKey=${info.publicKey}`, {
      headers: { origin },
    }).then((response) => response.json())
    expect(JSON.stringify(config)).toContain('Hello from the admin panel')
  }, 60_000)

  it('opens an execution’s step trace from the history', async () => {
    await page.goto(`${url}/admin/#/history`)
    await expectRendered('History')
    await page.locator('select[name="status"]').selectOption('completed')
    const first = page.locator('table.data tbody tr a').first()
    await first.waitFor({ timeout: 20_000 })
    const executionId = await first.innerText()
    await first.click()
    await expectRendered('Execution trace')
    await page.locator('.trace li', { hasText: 'Triggered' }).waitFor()
    const trace = await api<{ steps: unknown[] }>(`/v1/admin/executions/${executionId}`)
    expect(await page.locator('.trace li').count()).toBe(trace.steps.length)
    expect(await page.locator('.facts').innerText()).toMatch(
      /Shop FAQ|Order status|Product finder|Returns request/,
    )
    await saveScreenshot(page, 'admin-7-trace')
  }, 60_000)

  it('builds a report with a live chart, saves it and downloads every export format', async () => {
    await page.goto(`${url}/admin/#/analytics/new`)
    await expectRendered('Analytics Hub')
    await page.locator('input[name="title"]').fill('Sessions by flow')
    await page.locator('input[name="metric"][value="engaged_sessions"]').uncheck()
    await page.locator('input[name="dimension"][value="flow"]').check()
    await page.locator('select[name="range"]').selectOption('last_30_days')
    await page.locator('select[name="granularity"]').selectOption('total')
    await page.locator('select[name="visualization"]').selectOption('bar')
    await expectChart('.preview')
    const tableText = await page.locator('.preview table.data').innerText()
    expect(tableText).toContain('Order status')
    expect(tableText).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/)
    await saveScreenshot(page, 'admin-8-report-builder')

    await page.locator('button', { hasText: 'Save report' }).click()
    await page.waitForURL(/#\/analytics\/[0-9a-f-]{36}$/, { timeout: 20_000 })
    reportId = page.url().split('/').at(-1) as string
    await page.locator('button', { hasText: 'CSV' }).waitFor()

    const run = await api<{ result: { rows: Record<string, unknown>[] } }>(
      `/v1/admin/reports/${reportId}/run`,
      {
        method: 'POST',
      },
    )
    const csv = await download(() => page.locator('button', { hasText: 'CSV' }).click())
    expect(csv.name).toMatch(/\.csv$/)
    const records = parseCsv(csv.body.toString('utf8'), { columns: true, bom: true }) as Record<
      string,
      string
    >[]
    expect(records.length).toBeGreaterThanOrEqual(run.result.rows.length)
    expect(csv.body.toString('utf8')).toContain('Order status')

    const xlsx = await download(() => page.locator('button', { hasText: 'XLSX' }).click())
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.body as unknown as ArrayBuffer)
    expect(workbook.worksheets.length).toBeGreaterThan(0)
    expect(JSON.stringify(workbook.worksheets.map((sheet) => sheet.getSheetValues()))).toContain(
      'Order status',
    )

    const pdf = await download(() => page.locator('button', { hasText: 'PDF' }).click())
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-')
    const text = (await new PDFParse({ data: new Uint8Array(pdf.body) }).getText()).text
    expect(text).toContain('Sessions by flow')
    expect(text).toContain('Order status')

    // The analytics API's rows carry the name beside the id.
    const rows = await api<{ columns: { name: string }[]; rows: Record<string, unknown>[] }>(
      '/v1/analytics/engagement?metrics=chat_sessions&groupBy=flow&range=last_30_days&granularity=total',
    )
    expect(rows.columns.map((column) => column.name)).toEqual(['flow', 'flow_name', 'chat_sessions'])
    expect(rows.rows.map((row) => row.flow_name)).toContain('Order status')

    const json = await download(() => page.locator('button', { hasText: 'JSON' }).click())
    expect(JSON.stringify(JSON.parse(json.body.toString('utf8')))).toContain('Order status')
  }, 120_000)

  it('pins the report to a dashboard whose tile shows the API’s numbers, and schedules it', async () => {
    await page.locator('select[aria-label="Dashboard"]').selectOption('new')
    await page.locator('input[aria-label="New dashboard name"]').fill('Flow health')
    await page.locator('button', { hasText: 'Pin' }).click()
    await page.locator('[role="status"] a', { hasText: 'Flow health' }).waitFor()

    await page.locator('input[name="cron"]').fill('30 7 * * 1-5')
    await page.locator('input[name="scheduleTimezone"]').fill('Europe/Berlin')
    await page.locator('input[name="scheduleTimezone"]').press('Tab')
    await page.locator('.next-runs li').first().waitFor()
    expect(await page.locator('.next-runs li').count()).toBe(5)
    expect(await page.locator('.next-runs li').first().innerText()).toMatch(/07:30/)
    await page.locator('input[name="endpointUrl"]').fill('https://hooks.example/reports')
    await page.locator('button', { hasText: 'Schedule' }).last().click()
    await page.locator('.notice', { hasText: 'Signing secret' }).waitFor({ timeout: 20_000 })
    const schedules = await api<{ schedules: { reportId: string; cron: string; timezone: string }[] }>(
      '/v1/admin/report-schedules',
    )
    expect(schedules.schedules.find((schedule) => schedule.reportId === reportId)).toMatchObject({
      cron: '30 7 * * 1-5',
      timezone: 'Europe/Berlin',
    })
    await saveScreenshot(page, 'admin-9-pin-and-schedule')

    await page.locator('[role="status"] a', { hasText: 'Flow health' }).click()
    await expectRendered('Flow health')
    dashboardId = page.url().split('/').at(-1) as string
    await expectChart('.tile')
    const rendered = await api<{ tiles: { data: { rows: { flow: string; chat_sessions: number }[] } }[] }>(
      `/v1/admin/dashboards/${dashboardId}`,
    )
    const rows = rendered.tiles[0]?.data.rows ?? []
    expect(rows.length).toBeGreaterThan(0)
    // The bar chart's category labels are flow names, not ids.
    const svgText = (await page.locator('.tile .chart svg').textContent()) ?? ''
    expect(svgText).toContain('Order status')
    expect(svgText).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/)
    await saveScreenshot(page, 'admin-10-pinned-dashboard')
  }, 90_000)

  it('applies a dashboard-wide range, works at a phone width and keyboard first', async () => {
    await page.locator('select[name="range"]').selectOption('last_7_days')
    await expectChart('.tile')
    const narrowed = await api<{ tiles: { data: { range: { from: string; to: string } } }[] }>(
      `/v1/admin/dashboards/${dashboardId}?range=last_7_days`,
    )
    const days =
      (Date.parse(narrowed.tiles[0]?.data.range.to ?? '') -
        Date.parse(narrowed.tiles[0]?.data.range.from ?? '')) /
      86_400_000
    expect(days).toBeCloseTo(7, 0)
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${url}/admin/#/dashboards`)
    await page.reload()
    await expectRendered('Dashboards')
    await page.keyboard.press('Tab')
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document
            .activeElement.textContent,
      ),
    ).toContain('Skip to content')
    await saveScreenshot(page, 'admin-11-phone')
    await page.setViewportSize({ width: 1366, height: 900 })
  }, 60_000)

  it('an expired session returns to sign-in without losing an unsaved flow draft', async () => {
    const flows = await api<{ flows: { flowId: string; intent: string }[] }>('/v1/admin/flows')
    const order = flows.flows.find((flow) => flow.intent === 'order_status') as { flowId: string }
    await page.goto(`${url}/admin/#/flows/${order.flowId}`)
    await page.locator('.cm-content').waitFor()
    const draft = (await api<{ draft: Record<string, unknown> }>(`/v1/admin/flows/${order.flowId}`)).draft
    await replaceEditorText(JSON.stringify({ ...draft, name: 'Order status draft' }, null, 2))
    await page.locator('.editor-status', { hasText: 'unsaved' }).waitFor({ timeout: 20_000 })
    await context.clearCookies()
    await page.locator('button[role="tab"]', { hasText: 'Versions' }).click()
    await page.goto(`${url}/admin/#/flows`)
    await page.locator('h1', { hasText: 'Sign in to Comerix' }).waitFor({ timeout: 20_000 })
    await page.locator('input[name="secret"]').fill(info.adminKey)
    await page.locator('button[type="submit"]').click()
    await page.goto(`${url}/admin/#/flows/${order.flowId}`)
    await page.locator('.notice', { hasText: 'Restored your unsaved draft' }).waitFor({ timeout: 20_000 })
    expect(await page.locator('.cm-content').innerText()).toContain('Order status draft')
  }, 60_000)
})

/**
 * Replaces the CodeMirror document in one transaction through the editor's own API, as a paste does
 * (the element carries its EditorView like CodeMirror's findFromDOM). Playwright's keyboard.insertText of
 * a whole flow document stalled this page's evaluate calls, so the edit runs on the page's own turn.
 */
async function replaceEditorText(text: string) {
  await page.locator('.cm-content').click()
  await page.evaluate((next) => {
    type Editor = { state: { doc: { length: number } }; dispatch(spec: unknown): void }
    const host = (
      globalThis as unknown as { document: { querySelector(s: string): { cmView?: Editor } | null } }
    ).document.querySelector('.json-editor')
    const view = host?.cmView
    if (!view) throw new Error('no editor on the page')
    setTimeout(
      () =>
        view.dispatch({
          changes: { from: 0, to: view.state.doc.length, insert: next },
          selection: { anchor: 0 },
        }),
      0,
    )
  }, text)
  await expect
    .poll(async () =>
      (await page.locator('.cm-content').innerText()).includes(
        text.slice(-40).trim().split('\n').at(-1) ?? '',
      ),
    )
    .toBe(true)
}
