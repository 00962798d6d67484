/**
 * Errors of the ClickHouse HTTP interface: the analyst endpoint speaks ClickHouse's protocol, so its
 * refusals are ClickHouse exceptions (`Code: N. DB::Exception: ... (NAME)` with X-ClickHouse-Exception-Code),
 * which every ClickHouse client already parses. Codes and names are ClickHouse's own.
 */
export const CLICKHOUSE_CODES = {
  SYNTAX_ERROR: 62,
  UNKNOWN_TABLE: 60,
  UNKNOWN_DATABASE: 81,
  UNKNOWN_FUNCTION: 46,
  UNKNOWN_FORMAT: 73,
  UNKNOWN_QUERY_PARAMETER: 456,
  BAD_QUERY_PARAMETER: 457,
  READONLY: 164,
  ACCESS_DENIED: 497,
  AUTHENTICATION_FAILED: 516,
  TIMEOUT_EXCEEDED: 159,
  TOO_MANY_ROWS_OR_BYTES: 396,
  MEMORY_LIMIT_EXCEEDED: 241,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: 216,
  NOT_IMPLEMENTED: 48,
  UNSUPPORTED_METHOD: 1,
  BAD_ARGUMENTS: 36,
  CANNOT_PARSE_INPUT: 27,
  QUERY_WAS_CANCELLED: 394,
  UNKNOWN_EXCEPTION: 1002,
} as const

export type ClickHouseErrorName = keyof typeof CLICKHOUSE_CODES

const STATUS: Partial<Record<ClickHouseErrorName, number>> = {
  AUTHENTICATION_FAILED: 401,
  ACCESS_DENIED: 403,
  READONLY: 403,
  UNKNOWN_TABLE: 404,
  UNKNOWN_DATABASE: 404,
  TOO_MANY_SIMULTANEOUS_QUERIES: 503,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: 409,
  UNSUPPORTED_METHOD: 405,
  UNKNOWN_EXCEPTION: 500,
}

export class ClickHouseProtocolError extends Error {
  override name = 'ClickHouseProtocolError'
  readonly code: number
  readonly status: number
  constructor(
    readonly type: string,
    message: string,
    code?: number,
  ) {
    super(message)
    this.code = code ?? CLICKHOUSE_CODES[type as ClickHouseErrorName] ?? CLICKHOUSE_CODES.UNKNOWN_EXCEPTION
    // Anything the analyst's SQL provoked (bad type, unknown column, limit hit) is the request's fault.
    this.status = STATUS[type as ClickHouseErrorName] ?? 400
  }

  /** The body ClickHouse sends, which clients match with `Code: (\d+).*Exception: (.+?)\((NAME)\)`. */
  body(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type})\n`
  }
}

export const refuse = (type: ClickHouseErrorName, message: string): ClickHouseProtocolError =>
  new ClickHouseProtocolError(type, message)

/** A ClickHouse exception thrown by the engine (chdb or server), as the client reshaped it. */
export function fromEngineError(error: unknown): ClickHouseProtocolError {
  if (error instanceof ClickHouseProtocolError) return error
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown }
  if (
    typeof code === 'string' &&
    /^\d+$/.test(code) &&
    typeof type === 'string' &&
    /^[A-Z0-9_]+$/.test(type)
  ) {
    return new ClickHouseProtocolError(type, cleanMessage(String(message)), Number(code))
  }
  const text = error instanceof Error ? error.message : String(error)
  const match = /Code: (\d+)\. DB::Exception: (.+?)\. \(([A-Z0-9_]+)\)/s.exec(text)
  if (match)
    return new ClickHouseProtocolError(match[3] as string, cleanMessage(match[2] as string), Number(match[1]))
  return new ClickHouseProtocolError(
    'UNKNOWN_EXCEPTION',
    'internal error',
    CLICKHOUSE_CODES.UNKNOWN_EXCEPTION,
  )
}

/**
 * The analyst sees the query they wrote, not the tenant scoping around it: engine messages that quote the
 * rewritten query name the internal database, which is cut out.
 */
function cleanMessage(message: string): string {
  return message
    .replace(/\s*\(version [\d.]+\)/g, '')
    .replace(/: In scope [\s\S]*$/, '')
    .replace(/\s+$/, '')
    .replace(/\.$/, '')
}
