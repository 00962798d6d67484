import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DemoInfo } from '../../demo/demo-operator.ts'
import { serverInfoPath } from '../../platform/create-platform.ts'
import { launchBrowser, saveScreenshot } from '../support/browser.ts'
import { runCli } from '../support/cli.ts'
import { freePort } from '../support/comerix-process.ts'
import { tempDir } from '../support/temp-dir.ts'
import { pngFile } from '../support/upload-files.ts'
import { waitFor } from '../support/wait-for.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let dataDir: string
let child: ChildProcess
let output = ''
let url: string
let analystPort: number
let info: DemoInfo
let analystKey: string
let browser: Browser
let page: Page

async function api<T>(path: string, key = analystKey): Promise<T> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } })
  const body = await response.text()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body}`)
  return JSON.parse(body) as T
}

/** Rows through the analysts' SQL endpoint (the tenant's own events only). */
async function sql<T>(query: string): Promise<T[]> {
  const response = await fetch(`http://127.0.0.1:${analystPort}/?default_format=JSON`, {
    method: 'POST',
    headers: { 'x-clickhouse-user': info.tenant, 'x-clickhouse-key': analystKey },
    body: query,
  })
  const body = await response.text()
  if (!response.ok) throw new Error(`analyst SQL: ${response.status} ${body}`)
  return (JSON.parse(body) as { data: T[] }).data
}

beforeAll(async () => {
  dataDir = await tempDir()
  analystPort = await freePort()
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
      ANALYST_SQL_PORT: String(analystPort),
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
  const created = await fetch(`${url}/v1/admin/secret-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'browser test analyst', scopes: ['analyst'] }),
  })
  expect(created.status).toBe(201)
  analystKey = ((await created.json()) as { key: string }).key
  browser = await launchBrowser()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  child?.kill('SIGTERM')
})

const widget = () => page.locator('#comerix-widget')
const lastQuestion = (label: string) => widget().locator('.cx-question', { hasText: label }).last()
const lastForm = () => widget().locator('form.cx-form').last()
/** Clicks the newest quick question with `label` and waits for the form its flow asks with. */
async function askForForm(label: string) {
  const forms = widget().locator('form.cx-form')
  const before = await forms.count()
  await lastQuestion(label).click()
  await expect.poll(() => forms.count(), { timeout: 20_000 }).toBe(before + 1)
  return lastForm()
}
const finished = async (count: number) =>
  expect
    .poll(async () => widget().locator('.cx-status', { hasText: 'Conversation finished' }).count(), {
      timeout: 20_000,
    })
    .toBe(count)

describe('the demo shop with the reference widget', () => {
  it('shows the launcher and the published quick questions, styled by the settings', async () => {
    await page.goto(`${url}/demo`)
    await widget().locator('.cx-launcher', { hasText: 'Need help?' }).click()
    await expect.poll(() => widget().locator('.cx-question').count()).toBe(3)
    expect(await widget().locator('.cx-header').textContent()).toContain('Trailhead helper')
    expect(await widget().locator('.cx-text').first().textContent()).toContain('track an order')
    const color = await widget()
      .locator('.cx-launcher')
      .evaluate(
        (element) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
          ).getComputedStyle(element).backgroundColor,
      )
    expect(color).toBe('rgb(47, 111, 79)')
    await saveScreenshot(page, 'widget-1-open')
  }, 60_000)

  it('tracks an order: form, async lookup, product card, link button, buttons', async () => {
    const form = await askForForm('Where is my order?')
    await form.locator('input[name="order_number"]').fill('A-1001')
    await form.locator('button.cx-submit').click()
    await widget().locator('.cx-card', { hasText: 'Trail Runner GTX' }).first().waitFor({ timeout: 20_000 })
    await widget().locator('.cx-link-button', { hasText: 'Track the parcel' }).waitFor()
    await widget().locator('.cx-choice', { hasText: 'Yes' }).last().click()
    await finished(1)
    // Markdown is rendered safely: bold as an element, never raw HTML.
    expect(await widget().locator('.cx-text strong', { hasText: 'A-1001' }).count()).toBeGreaterThan(0)
    await saveScreenshot(page, 'widget-2-order-status')
  }, 60_000)

  it('hands a cancelled order over to a person', async () => {
    const form = await askForForm('Where is my order?')
    await form.locator('input[name="order_number"]').fill('A-1004')
    await form.locator('button.cx-submit').click()
    await widget().locator('.cx-handoff').waitFor({ timeout: 20_000 })
    expect(await widget().locator('.cx-handoff').textContent()).toContain('A-1004')
  }, 60_000)

  it('finds gear: number, select and multi-select fields, then a carousel', async () => {
    const form = await askForForm('Help me find gear')
    await form.locator('input[name="budget"]').fill('300')
    await form.locator('select[name="category"]').selectOption('shoes')
    await form.locator('input[name="features"][value="waterproof"]').check()
    await form.locator('button.cx-submit').click()
    await widget().locator('.cx-carousel .cx-card').first().waitFor({ timeout: 20_000 })
    expect(await widget().locator('.cx-carousel').last().locator('.cx-card').count()).toBeGreaterThanOrEqual(
      2,
    )
    await finished(3)
    await saveScreenshot(page, 'widget-3-product-finder')
  }, 60_000)

  it('starts a return with a photo upload', async () => {
    const form = await askForForm('I want to return an item')
    await form.locator('input[name="order_number"]').fill('A-1003')
    await form.locator('select[name="reason"]').selectOption('damaged')
    await form
      .locator('input[name="photo"]')
      .setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: pngFile(8) })
    await form.locator('input[name="email"]').fill('hiker@example.com')
    await form.locator('input[name="comment"]').fill('The sole came off.')
    await form.locator('button.cx-submit').click()
    await widget()
      .locator('.cx-link-button', { hasText: 'Download the return label' })
      .waitFor({ timeout: 20_000 })
    expect(await widget().locator('.cx-text', { hasText: 'is registered' }).count()).toBe(1)
    await saveScreenshot(page, 'widget-4-return')
  }, 60_000)

  it('buys a product and the sale is credited to the chat (direct)', async () => {
    const chatSessionId = await page.evaluate(() =>
      (globalThis as unknown as { Comerix: { chatSessionId(): string } }).Comerix.chatSessionId(),
    )
    expect(chatSessionId).toMatch(/^[0-9a-f-]{36}$/)
    await page.goto(`${url}/demo/products/p-trail-runner`)
    await page.locator('#add-to-cart').click()
    await page.locator('#added', { hasText: 'Added' }).waitFor()
    await page.goto(`${url}/demo/checkout`)
    await page.locator('#place-order').click()
    await page.waitForURL(/\/demo\/thanks\?order=/)
    const orderId = (await page.locator('#order-id').textContent()) ?? ''
    expect(orderId).toMatch(/^D-/)
    await saveScreenshot(page, 'widget-5-thanks')

    // The beacons, the chat events and the conversion, all with this chat's public id.
    const types = async () =>
      new Map(
        (
          await sql<{ type: string; source: string; n: string }>(
            `SELECT type, source, count() AS n FROM events WHERE chat_session_id = '${chatSessionId}' GROUP BY type, source`,
          )
        ).map((row) => [`${row.source}:${row.type}`, Number(row.n)]),
      )
    await waitFor(
      async () => (await types()).has('backend:conversion') && (await types()).has('widget:purchase'),
      {
        timeoutMs: 30_000,
        message: 'the conversion and the purchase beacon stored',
      },
    )
    const stored = await types()
    for (const beacon of [
      'quick_question.clicked',
      'message.sent',
      'block.rendered',
      'form.submitted',
      'page.viewed',
      'product.viewed',
      'cart.added',
      'checkout.started',
      'purchase',
    ]) {
      expect(stored.get(`widget:${beacon}`), beacon).toBeGreaterThan(0)
    }
    for (const event of [
      'chat.session.opened',
      'chat.message.received',
      'chat.form.submitted',
      'chat.block.rendered',
      'chat.handoff',
    ])
      expect(stored.get(`engine:${event}`), event).toBeGreaterThan(0)
    expect(stored.get('backend:conversion')).toBe(1)
    const anonymous = await sql<{ type: string }>(
      `SELECT DISTINCT type FROM events WHERE type IN ('widget.loaded', 'widget.opened') AND widget_key = '${info.publicKey}'`,
    )
    expect(anonymous.map((row) => row.type).sort()).toEqual(['widget.loaded', 'widget.opened'])

    const executions = await api<{ executions: { intent: string; status: string }[] }>(
      '/v1/admin/executions?limit=20',
      info.adminKey,
    )
    expect(executions.executions.map((e) => e.intent)).toEqual(
      expect.arrayContaining(['order_status', 'product_finder', 'returns_request']),
    )

    const attribution = await api<{ rows: Record<string, number | string | null>[] }>(
      '/v1/analytics/attribution?metrics=attributed_conversions,direct_conversions,assisted_conversions&range=last_7_days&groupBy=widget_key',
    )
    const mine = attribution.rows.find((row) => row.widget_key === info.publicKey)
    expect(mine).toMatchObject({ attributed_conversions: 1, direct_conversions: 1, assisted_conversions: 0 })

    const usage = await api<{ rows: Record<string, number | string | null>[] }>(
      '/v1/analytics/usage?metrics=sessions,messages,executions&range=last_7_days&groupBy=widget_key',
    )
    expect(usage.rows.find((row) => row.widget_key === info.publicKey)).toMatchObject({
      sessions: 1,
      executions: 4,
    })
  }, 120_000)
})
