import { createWriteStream } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import cliProgress from 'cli-progress'
import type { Config } from '../platform/config/config.ts'
import { EXPORT_FORMATS, type ExportFormat } from '../reports/export/export-report.ts'
import type { ReportRef } from '../reports/hub/report-spec.ts'
import { reportSpec } from '../reports/hub/report-spec.ts'
import { withOperator } from './with-operator.ts'

export interface ReportRunOptions {
  tenant: string
  format: string
  out: string
}

/** `comerix report:run <id | spec.json>`: writes the file next to `out` and renames it when complete. */
export async function reportRun(config: Config, target: string, options: ReportRunOptions) {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new Error(`--format must be one of ${EXPORT_FORMATS.join(', ')}`)
  }
  const format = options.format as ExportFormat
  const report = await reportRefOf(target)
  const bar = new cliProgress.SingleBar(
    {
      format: '  exporting [{bar}] {value}/{total} rows, {kib} KiB',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(0, 0, { kib: 0 })
  let bytes = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      bar.update({ kib: Math.round(bytes / 1024) })
      done(null, chunk)
    },
  })
  const partial = `${options.out}.partial`
  const written = pipeline(counter, createWriteStream(partial))
  try {
    const result = await withOperator(config, (operator) =>
      operator.exportReport({ tenant: options.tenant, report, format }, counter, {
        onStart: ({ rowsKnown }) => bar.setTotal(rowsKnown ?? 0),
        onRow: (rows) => bar.update(rows),
      }),
    )
    await written
    await rename(partial, options.out)
    return { ...result, bytes, out: options.out }
  } catch (error) {
    counter.destroy()
    await written.catch(() => undefined)
    await rm(partial, { force: true })
    throw error
  } finally {
    bar.stop()
  }
}

/** A path ending in `.json` is a ReportSpec file; anything else is a saved report's id. */
async function reportRefOf(target: string): Promise<ReportRef> {
  if (!target.endsWith('.json')) return { reportId: target }
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(target, 'utf8'))
  } catch (error) {
    throw new Error(`${target}: ${(error as Error).message}`)
  }
  return { spec: reportSpec.parse(parsed) }
}
