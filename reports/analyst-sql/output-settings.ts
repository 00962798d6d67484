import { refuse } from './clickhouse-error.ts'

/** Settings that only shape the HTTP exchange or the client's session; accepted and not applied. */
const PROTOCOL_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_buffer_size',
  'cancel_http_readonly_queries_on_client_close',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'readonly',
  'add_http_cors_header',
  'date_time_input_format',
  'input_format_skip_unknown_fields',
])
/** Limits an analyst may lower; the endpoint's limits win when theirs are higher. */
const LIMIT_SETTINGS = new Set(['max_execution_time', 'max_result_rows', 'max_result_bytes'])
const OUTPUT_SETTING =
  /^(output_format_[a-z0-9_]+|date_time_output_format|format_csv_delimiter|format_csv_null_representation|format_tsv_null_representation|extremes|use_client_time_zone|session_timezone)$/
const SAFE_VALUE = /^[A-Za-z0-9_./:,|+\- ]{0,64}$/

export interface RequestSettings {
  /** Output settings, rendered as SQL literals for the query's SETTINGS clause. */
  output: Record<string, string>
  /** Limits the request asked to lower. */
  limits: Partial<Record<'max_execution_time' | 'max_result_rows' | 'max_result_bytes', number>>
}

/** The settings a request carries in its URL: output settings apply, others are refused like a readonly user. */
export function readRequestSettings(entries: Iterable<[string, string]>): RequestSettings {
  const output: Record<string, string> = {}
  const limits: RequestSettings['limits'] = {}
  for (const [name, value] of entries) {
    if (PROTOCOL_SETTINGS.has(name)) continue
    if (LIMIT_SETTINGS.has(name)) {
      const number = Number(value)
      if (Number.isFinite(number) && number > 0) limits[name as keyof RequestSettings['limits']] = number
      continue
    }
    if (!OUTPUT_SETTING.test(name)) {
      throw refuse('READONLY', `Cannot modify '${name}' setting in readonly mode`)
    }
    if (!SAFE_VALUE.test(value)) throw refuse('BAD_ARGUMENTS', `bad value for setting ${name}`)
    output[name] = `'${value}'`
  }
  return { output, limits }
}
