import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { createChdbConnection } from 'chdb/connection'
import { SETTING_DEFAULTS } from '../../platform/clickhouse/db.ts'

/**
 * Embedded ClickHouse (chdb, one data directory) served over ClickHouse's HTTP interface, as far as
 * `@clickhouse/client` uses it: several Comerix processes then share one store with CLICKHOUSE_URL, as
 * they would share a ClickHouse server (none can be installed on these machines, and chdb admits one
 * process per data directory).
 *
 * Differences from a server, and how they are closed:
 * - chdb keeps a setting for every later statement of its session, where a server scopes it to one
 *   query: every request sends the product's tracked settings at their default unless it sets them, so a
 *   deduplication token of one process never reaches another process's insert.
 * - Requests run one at a time, so two processes' settings can never interleave.
 */
export interface ClickHouseHttpServer {
  url: string
  /** Requests answered, and those answered with a ClickHouse error. */
  readonly requests: number
  readonly errors: number
  close(): Promise<void>
}

/** Not settings: the parts of a request URL the HTTP interface reads itself. */
const URL_FIELDS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'default_format'])
/** Settings that only shape the HTTP exchange; the chdb connection drops them too. */
const HTTP_ONLY = new Set(['enable_http_compression', 'wait_end_of_query', 'send_progress_in_http_headers'])

/** chdb types its connection against its own copy of the client's settings type. */
type ExecSettings = Parameters<ReturnType<typeof createChdbConnection>['exec']>[0]['clickhouse_settings']

export async function startClickHouseHttpServer(dataDir: string): Promise<ClickHouseHttpServer> {
  const connection = createChdbConnection({ path: dataDir })
  let queue: Promise<unknown> = Promise.resolve()
  let requests = 0
  let errors = 0
  const serialised = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run, run)
    queue = result.catch(() => undefined)
    return result
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://clickhouse')
    if (url.pathname === '/ping') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n')
      return
    }
    const body = await readBody(request)
    requests += 1
    try {
      const { sql, values, queryParams, settings, format } = parseRequest(url, body)
      const result = await serialised(async () => {
        const exec = await connection.exec({
          query: sql,
          query_params: queryParams,
          // The URL carries settings as text; ClickHouse parses them by name, and so does chdb's SET.
          clickhouse_settings: {
            ...SETTING_DEFAULTS,
            ...settings,
            ...(format ? { default_format: format } : {}),
          } as ExecSettings,
          ...(values === undefined ? {} : { values: Readable.from([values]) }),
        })
        const chunks: Buffer[] = []
        for await (const chunk of exec.stream) chunks.push(Buffer.from(chunk))
        return { bytes: Buffer.concat(chunks), summary: 'summary' in exec ? exec.summary : undefined }
      })
      response.writeHead(200, {
        'content-type': 'text/plain; charset=UTF-8',
        ...(result.summary ? { 'x-clickhouse-summary': JSON.stringify(result.summary) } : {}),
      })
      response.end(result.bytes)
    } catch (error) {
      errors += 1
      const { code, text } = describeError(error)
      response.writeHead(500, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': code }).end(text)
    }
  }

  const server: Server = createServer(
    { maxHeaderSize: 4 * 1024 * 1024, keepAliveTimeout: 10_000 },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error))
      })
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
    get errors() {
      return errors
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await queue
      await connection.close()
    },
  }
}

interface ParsedRequest {
  sql: string
  /** The rows of an insert (the statement then travels in the URL). */
  values: string | undefined
  queryParams: Record<string, string>
  settings: Record<string, string>
  format: string | undefined
}

function parseRequest(url: URL, body: string): ParsedRequest {
  const queryParams: Record<string, string> = {}
  const settings: Record<string, string> = {}
  for (const [name, value] of url.searchParams) {
    if (name.startsWith('param_')) queryParams[name.slice(6)] = fromUrlParam(value)
    else if (!URL_FIELDS.has(name) && !HTTP_ONLY.has(name)) settings[name] = value
  }
  const inUrl = url.searchParams.get('query')
  return {
    sql: inUrl ?? body,
    values: inUrl === null ? undefined : body,
    queryParams,
    settings,
    format: url.searchParams.get('default_format') ?? undefined,
  }
}

/**
 * A parameter arrives in ClickHouse's escaped text form, and chdb escapes a string parameter itself:
 * undo the escaping of scalars. Composite values (arrays, maps, tuples) carry SQL literals, which chdb's
 * escaping leaves alone as long as they hold no backslash.
 */
function fromUrlParam(value: string): string {
  if (/^[[{(]/.test(value)) {
    if (value.includes('\\')) throw new Error('composite parameters with backslashes are not supported')
    return value
  }
  const escapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0' }
  return value.replace(/\\(.)/gs, (_, char: string) => escapes[char] ?? char)
}

function describeError(error: unknown): { code: string; text: string } {
  // chdb throws the client's ClickHouseError from its own copy of the client, so match it by shape.
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown }
  if (typeof code === 'string' && /^\d+$/.test(code) && typeof type === 'string')
    return { code, text: `Code: ${code}. DB::Exception: ${String(message)}. (${type})` }
  const text = error instanceof Error ? error.message : String(error)
  return { code: '1001', text: `Code: 1001. DB::Exception: ${text}. (STD_EXCEPTION)` }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
