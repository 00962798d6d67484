import { spawn } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { GenerationSummary } from '../../../demo/generate/generation-summary.ts'
import { ROOT, runTs } from '../support/processes.ts'
import { note } from '../support/progress.ts'
import type { AnalyticsOptions } from './analytics-options.ts'
import { planDataset } from './plan-dataset.ts'

const MARKER = 'bench-dataset.json'
export const BENCH_TENANT = 'bench'

/** What the bench needs of a generated history; written once it is completely stored. */
export interface Dataset {
  params: { events: number; conversions: number; days: number; seed: number }
  tenantId: string
  adminKey: string
  summary: GenerationSummary
  generationSeconds: number
}

/** The server environment of every process the analytics bench starts on its data directory. */
export const benchEnv = (dataDir: string): Record<string, string> => ({
  DATA_DIR: dataDir,
  CLICKHOUSE_URL: '',
  KAFKA_BROKERS: '',
  REDIS_URL: '',
  LOG_LEVEL: 'warn',
})

/**
 * Reuses the history in the data directory when it was generated with the same parameters, else
 * generates it with the real `comerix demo:generate --direct` (no server running: the CLI opens the data
 * directory and inserts the generator's rows, built as the intake and the engine build them, straight
 * into `events` in 100k-row batches; the event log and the sink are skipped, the materialized views run).
 */
export async function prepareDataset(
  options: AnalyticsOptions,
): Promise<{ dataset: Dataset; reused: boolean }> {
  const params = {
    events: options.events,
    conversions: options.conversions,
    days: options.days,
    seed: options.seed,
  }
  const markerPath = path.join(options.dataDir, MARKER)
  const existing = await readFile(markerPath, 'utf8').then(
    (text) => JSON.parse(text) as Dataset,
    () => undefined,
  )
  if (existing && JSON.stringify(existing.params) === JSON.stringify(params))
    return { dataset: existing, reused: true }

  await rm(options.dataDir, { recursive: true, force: true })
  await mkdir(options.dataDir, { recursive: true })
  const env = benchEnv(options.dataDir)
  const plan = planDataset(params)
  note(
    `generating ~${options.events} events: ${plan.visitors} visitors, base rate ${plan.conversionRate} orders/visitor`,
  )
  const created = JSON.parse(
    await runTs('bin/comerix.ts', ['tenant:create', BENCH_TENANT, '--json'], env),
  ) as {
    tenant: { id: string }
    adminKey: { key: string }
  }
  const started = performance.now()
  const summary = JSON.parse(
    await runShowingProgress(
      [
        'demo:generate',
        '--tenant',
        BENCH_TENANT,
        '--days',
        String(options.days),
        '--visitors',
        String(plan.visitors),
        '--seed',
        String(options.seed),
        '--conversion-rate',
        String(plan.conversionRate),
        '--direct',
        '--json',
      ],
      env,
    ),
  ) as GenerationSummary
  const dataset: Dataset = {
    params,
    tenantId: created.tenant.id,
    adminKey: created.adminKey.key,
    summary,
    generationSeconds: (performance.now() - started) / 1000,
  }
  await writeFile(markerPath, JSON.stringify(dataset, null, 2))
  return { dataset, reused: false }
}

/** `comerix <args>` with its progress bars on this terminal; resolves with its stdout. */
function runShowingProgress(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/comerix.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`comerix ${args.join(' ')} exited with ${code}`)),
    )
  })
}
