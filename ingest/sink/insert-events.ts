import type { Db } from '../../platform/clickhouse/db.ts'
import type { DecodedEntry, PoisonEntry } from './decode-entries.ts'

/**
 * ClickHouse error codes that mean "this data is bad" rather than "ClickHouse is unwell". Only these
 * make the sink look for the offending row; any other failure is retried whole, later, in order.
 */
const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '25', // CANNOT_PARSE_ESCAPE_SEQUENCE
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '376', // CANNOT_PARSE_UUID
])

export function isDataError(error: unknown): boolean {
  return DATA_ERROR_CODES.has(String((error as { code?: unknown }).code))
}

/**
 * Inserts rows with a deduplication token derived from their log position, so an identical retry of
 * the same range is dropped by ClickHouse itself. When ClickHouse rejects the data, the range is split
 * in halves until the bad rows are isolated; those come back as poison and the rest is stored.
 */
export async function insertEvents(
  db: Db,
  entries: readonly DecodedEntry[],
  position: string,
): Promise<PoisonEntry[]> {
  if (entries.length === 0) return []
  const first = entries[0] as DecodedEntry
  const last = entries[entries.length - 1] as DecodedEntry
  try {
    await db.insert(
      'events',
      entries.map(({ row }) => row),
      { insert_deduplication_token: `${position}:${first.offset}-${last.offset}:${entries.length}` },
    )
    return []
  } catch (error) {
    if (!isDataError(error)) throw error
    if (entries.length === 1) {
      return [
        {
          offset: first.offset,
          payload: JSON.stringify(first.row).toWellFormed(),
          error: (error as Error).message,
        },
      ]
    }
    const middle = Math.ceil(entries.length / 2)
    return [
      ...(await insertEvents(db, entries.slice(0, middle), position)),
      ...(await insertEvents(db, entries.slice(middle), position)),
    ]
  }
}
