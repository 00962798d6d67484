import { cp, readFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { parseAnalyticsOptions } from '../analytics/analytics-options.ts'
import { median } from '../analytics/median.ts'
import { benchEnv, prepareDataset } from '../analytics/prepare-dataset.ts'
import { startComerix } from '../support/comerix.ts'
import { ROOT } from '../support/processes.ts'
import { note } from '../support/progress.ts'

export const UI_USAGE = `usage: npm run bench -- ui [options]
  the analytics bench's history options (--events 1000000 --conversions 20000 by default here), plus
  --requests <n>      timed page loads and timed API calls per tile (5)
  The history is generated once into .tmp/bench-ui/... (copied from .tmp/bench-analytics/... when that
  holds the same parameters). Needs Debian's chromium (ops/services.sh start installs it).`

const CHROMIUM = '/usr/bin/chromium'

/**
 * `npm run bench -- ui`: the admin panel's overview dashboard in a real browser on the generated history:
 * first contentful paint, the first tile drawn and every tile drawn (browser clock, from navigation start),
 * and the API time of each tile's report, all medians over `--requests` loads.
 */
export async function runUiSuite(argv: string[]): Promise<void> {
  const withDefaults = [
    ...(argv.some((arg) => arg.startsWith('--events')) ? [] : ['--events', '1000000']),
    ...(argv.some((arg) => arg.startsWith('--conversions')) ? [] : ['--conversions', '20000']),
    ...(argv.some((arg) => arg.startsWith('--requests')) ? [] : ['--requests', '5']),
    ...argv,
  ]
  const analytics = parseAnalyticsOptions(withDefaults)
  const name = path.basename(analytics.dataDir)
  const dataDir = withDefaults.includes('--data-dir')
    ? analytics.dataDir
    : path.join(ROOT, '.tmp/bench-ui', name)
  // chdb admits one process per directory: the UI bench works on its own copy of the analytics history.
  const source = path.join(ROOT, '.tmp/bench-analytics', name)
  if (
    dataDir !== source &&
    (await exists(path.join(source, 'bench-dataset.json'))) &&
    !(await exists(path.join(dataDir, 'bench-dataset.json')))
  ) {
    note(`copying the history from ${source}`)
    await cp(source, dataDir, { recursive: true })
  }
  const { dataset } = await prepareDataset({ ...analytics, dataDir })

  note('starting comerix serve on the bench data directory')
  const server = await startComerix({
    mode: 'embedded',
    dataDir,
    kafkaBrokers: undefined,
    profileDir: undefined,
    origin: 'https://shop.example',
    env: benchEnv(dataDir),
  })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  try {
    const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${server.url}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${dataset.adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`)
      return (await response.json()) as T
    }
    const board = await api<{ dashboardId: string }>('POST', '/v1/admin/dashboards/overview', {
      timezone: 'UTC',
    })
    const rendered = await api<{ tiles: { reportId: string; title: string }[] }>(
      'GET',
      `/v1/admin/dashboards/${board.dashboardId}`,
    )

    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } })
    const page = await context.newPage()
    await page.goto(`${server.url}/admin/`)
    await page.locator('input[name="secret"]').fill(dataset.adminKey)
    await page.locator('button[type="submit"]').click()
    await page.locator('h1', { hasText: 'Dashboards' }).waitFor({ timeout: 60_000 })

    const loads: { fcp: number; firstTile: number; allTiles: number }[] = []
    for (let run = 0; run < analytics.warmup + analytics.requests; run++) {
      note(`page load ${run + 1}/${analytics.warmup + analytics.requests}`)
      await page.goto(`${server.url}/admin/#/dashboards/${board.dashboardId}`)
      await page.reload()
      const timing = (await page.evaluate(drawnTiming(rendered.tiles.length))) as {
        fcp: number
        firstTile: number
        allTiles: number
      }
      if (run >= analytics.warmup) loads.push(timing)
    }

    const tileTimes: { title: string; ms: number }[] = []
    for (const tile of rendered.tiles) {
      const samples: number[] = []
      for (let run = 0; run < analytics.warmup + analytics.requests; run++) {
        const started = performance.now()
        await api('POST', `/v1/admin/reports/${tile.reportId}/run`)
        if (run >= analytics.warmup) samples.push(performance.now() - started)
      }
      tileTimes.push({ title: tile.title, ms: median(samples) })
    }

    const summary = dataset.summary as unknown as { events?: number }
    console.log(
      `\nUI bench: the overview dashboard at /admin on ${summary.events ?? analytics.events} events, ${analytics.requests} timed loads (median, browser clock from navigation start)`,
    )
    console.log('| figure | median ms |')
    console.log('|---|---:|')
    console.log(`| first contentful paint | ${Math.round(median(loads.map((load) => load.fcp)))} |`)
    console.log(`| first tile drawn | ${Math.round(median(loads.map((load) => load.firstTile)))} |`)
    console.log(`| every tile drawn | ${Math.round(median(loads.map((load) => load.allTiles)))} |`)
    console.log('\n| tile (POST /v1/admin/reports/{id}/run) | median ms |')
    console.log('|---|---:|')
    for (const tile of tileTimes) console.log(`| ${tile.title} | ${Math.round(tile.ms)} |`)
  } finally {
    await browser.close()
    await server.child.stop()
  }
}

/**
 * Page-side script (a string: the bench runs under tsx, whose helpers do not exist in the page) that
 * resolves once every tile shows its chart, KPIs, table, empty state or error, with the browser's times.
 */
function drawnTiming(tileCount: number): string {
  return `new Promise((resolve) => {
    let firstTile = 0
    const drawn = () => [...document.querySelectorAll('.tile')].filter((tile) =>
      tile.querySelector('.chart svg path, .kpis, table.data, .empty, .error-text')).length
    const tick = () => {
      const count = drawn()
      if (!firstTile && count > 0) firstTile = performance.now()
      if (count >= ${tileCount}) resolve({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0,
        firstTile,
        allTiles: performance.now(),
      })
      else setTimeout(tick, 10)
    }
    tick()
  })`
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    () => false,
  )
}
