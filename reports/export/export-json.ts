import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ExportInput } from './export-input.ts'

/**
 * One JSON document for programs: the result's own shape (machine names, raw values: money in integer
 * micros, ratios as fractions, durations in ms, as `GET /v1/analytics/*` answers) with the report's
 * title, spec and generation time. `rows` come last and are written as they arrive; `rowCount` follows.
 */
export async function exportJson(input: ExportInput, output: Writable): Promise<void> {
  await pipeline(Readable.from(jsonChunks(input)), output)
}

async function* jsonChunks(input: ExportInput): AsyncGenerator<string> {
  const { rows, series: _series, generatedAt, ...about } = input
  const head = JSON.stringify({ ...about, generatedAt: generatedAt.toISOString() })
  yield `${head.slice(0, -1)},"rows":[`
  let count = 0
  let batch: string[] = []
  for await (const row of rows) {
    batch.push(`${count === 0 ? '' : ','}\n${JSON.stringify(row)}`)
    count += 1
    // Small strings batched into one chunk: a stream chunk per row costs more than the row itself.
    if (batch.length === 256) {
      yield batch.join('')
      batch = []
    }
  }
  yield `${batch.join('')}\n],"rowCount":${count}}\n`
}
