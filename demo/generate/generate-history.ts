import type { EventRow } from '../../ingest/event-row.ts'
import type { GenerationOptions, GenerationTarget } from './generation-options.ts'
import type { SummaryTally } from './generation-summary.ts'
import { hashSeed } from './prng.ts'
import { synthesizeVisitor } from './synthesize-visitor.ts'

export interface HistoryBatch {
  rows: EventRow[]
  visitorsDone: number
}

/** The first 8 hex digits of every event id of a run: the same seed and end time give the same tag. */
export function runTagOf(options: Pick<GenerationOptions, 'seed' | 'now'>): string {
  return hashSeed('demo-run', options.seed, options.now).toString(16).padStart(8, '0')
}

/** The history visitor by visitor, in batches of about `batchRows` rows, tallied into `tally` on the way. */
export function* generateHistory(
  options: GenerationOptions,
  target: GenerationTarget,
  tally: SummaryTally,
  batchRows = 5_000,
): Generator<HistoryBatch> {
  const runTag = runTagOf(options)
  let rows: EventRow[] = []
  for (let index = 0; index < options.visitors; index++) {
    const visitor = synthesizeVisitor(index, options, target, runTag)
    tally.add(visitor)
    rows.push(...visitor.rows)
    if (rows.length >= batchRows || index === options.visitors - 1) {
      yield { rows, visitorsDone: index + 1 }
      rows = []
    }
  }
}
