import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  createBrotliCompress,
  createBrotliDecompress,
  createDeflate,
  createGunzip,
  createGzip,
  createInflate,
} from 'node:zlib'
import type { Logger } from '../../platform/log/logger.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { AnalystAuthenticator, readCredentials } from './analyst-auth.ts'
import type { AnalystQueryService } from './analyst-query-service.ts'
import { ANALYST_SCHEMA } from './analyst-schema.ts'
import { ClickHouseProtocolError, fromEngineError, refuse } from './clickhouse-error.ts'
import { readRequestSettings } from './output-settings.ts'
import { readQueryParams } from './query-params.ts'

export interface AnalystHttpOptions {
  host: string
  port: number
  maxQueryBytes: number
  logger: Logger
}

/** URL parameters the HTTP interface reads itself; every other non-`param_` one is a setting. */
const URL_FIELDS = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'user',
  'password',
  'session_id',
  'session_timeout',
  'role',
  'quota_key',
])
const QUERY_ID = /^[A-Za-z0-9_.:-]{1,128}$/

/**
 * The ClickHouse HTTP interface, as far as ClickHouse clients use it, in front of the analyst query service:
 * GET /?query=, POST / (query in the URL, the body, or both), default_format and FORMAT, param_*, query_id,
 * database, basic auth or X-ClickHouse-User/Key, gzip/deflate/br both ways, /ping, and ClickHouse-shaped
 * errors with X-ClickHouse-Exception-Code.
 */
export class AnalystHttpServer {
  private server: Server | undefined
  private readonly auth: AnalystAuthenticator

  constructor(
    private readonly queries: AnalystQueryService,
    tenancy: TenancyService,
    private readonly options: AnalystHttpOptions,
  ) {
    this.auth = new AnalystAuthenticator(tenancy)
  }

  /** Listens; returns the URL, or undefined when the port is taken (logged: the product runs on without it). */
  async listen(): Promise<string | undefined> {
    const server = createServer(
      { maxHeaderSize: 64 * 1024, requestTimeout: 60_000, headersTimeout: 15_000 },
      (request, response) => {
        this.handle(request, response).catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'analyst sql: unexpected failure')
          if (!response.headersSent) sendError(response, fromEngineError(error))
          else response.destroy()
        })
      },
    )
    server.keepAliveTimeout = 10_000
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.options.port, this.options.host, () => resolve())
      })
    } catch (error) {
      this.options.logger.error(
        { err: error, port: this.options.port },
        'analyst sql endpoint not started: set ANALYST_SQL_PORT to a free port, or to off',
      )
      return undefined
    }
    this.server = server
    const { port } = server.address() as AddressInfo
    const url = `http://${this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host}:${port}`
    this.options.logger.info(
      { url, database: ANALYST_SCHEMA },
      'analyst sql endpoint listening (ClickHouse HTTP interface)',
    )
    return url
  }

  async close(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeIdleConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now()
    let url: URL
    try {
      url = new URL(request.url ?? '/', 'http://analyst')
    } catch {
      return sendError(response, refuse('CANNOT_PARSE_INPUT', 'malformed request URL'))
    }
    if (
      url.pathname === '/ping' ||
      (url.pathname === '/' && request.method === 'GET' && !url.searchParams.has('query'))
    ) {
      request.resume()
      response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n')
      return
    }
    const queryId = url.searchParams.get('query_id') || randomUUID()
    let tenant: { tenantId: string; slug: string } | undefined
    try {
      if (url.pathname !== '/')
        throw refuse('UNSUPPORTED_METHOD', `There is no handler ${url.pathname}: use / or /ping`)
      if (request.method !== 'GET' && request.method !== 'POST') {
        throw refuse('UNSUPPORTED_METHOD', `HTTP method ${request.method} is not supported: use GET or POST`)
      }
      if (!QUERY_ID.test(queryId))
        throw refuse('BAD_ARGUMENTS', 'query_id may hold 1-128 letters, digits and ._:-')
      tenant = await this.auth.authenticate(readCredentials(request.headers, url))
      const database = url.searchParams.get('database') ?? request.headers['x-clickhouse-database']
      if (
        database !== undefined &&
        database !== null &&
        database !== 'default' &&
        database !== ANALYST_SCHEMA
      ) {
        throw refuse(
          'UNKNOWN_DATABASE',
          `Database ${String(database)} does not exist: analysts use ${ANALYST_SCHEMA}`,
        )
      }
      const body = await readBody(request, this.options.maxQueryBytes)
      const sql = [url.searchParams.get('query') ?? '', body].filter((part) => part.trim() !== '').join('\n')
      if (sql === '') throw refuse('SYNTAX_ERROR', 'Empty query')
      const settingEntries = [...url.searchParams].filter(
        ([name]) => !URL_FIELDS.has(name) && !name.startsWith('param_'),
      )
      const abort = new AbortController()
      response.on('close', () => {
        if (!response.writableFinished) abort.abort()
      })
      const result = await this.queries.run({
        tenantId: tenant.tenantId,
        sql,
        params: readQueryParams(url.searchParams),
        defaultFormat: url.searchParams.get('default_format') ?? undefined,
        settings: readRequestSettings(settingEntries),
        queryId,
        signal: abort.signal,
      })
      const encoding = responseEncoding(request, url)
      response.writeHead(200, {
        'content-type': contentType(result.format),
        'x-clickhouse-format': result.format,
        'x-clickhouse-query-id': result.queryId,
        'x-clickhouse-timezone': 'UTC',
        'x-clickhouse-server-display-name': 'comerix',
        ...(result.summary ? { 'x-clickhouse-summary': JSON.stringify(result.summary) } : {}),
        ...(encoding ? { 'content-encoding': encoding } : {}),
      })
      if (encoding) await pipeline(result.stream, compressor(encoding), response)
      else await pipeline(result.stream, response)
      this.options.logger.info(
        {
          tenant: tenant.slug,
          queryId,
          format: result.format,
          ms: Date.now() - started,
          rows: result.summary?.result_rows,
        },
        'analyst query',
      )
    } catch (error) {
      const refused = fromEngineError(error)
      this.options.logger.warn(
        { tenant: tenant?.slug, queryId, code: refused.code, type: refused.type, ms: Date.now() - started },
        'analyst query refused',
      )
      request.resume()
      if (!response.headersSent) sendError(response, refused, queryId)
      else response.destroy()
    }
  }
}

function sendError(response: ServerResponse, error: ClickHouseProtocolError, queryId?: string): void {
  response
    .writeHead(error.status, {
      'content-type': 'text/plain; charset=UTF-8',
      'x-clickhouse-exception-code': String(error.code),
      ...(queryId ? { 'x-clickhouse-query-id': queryId } : {}),
    })
    .end(error.body())
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase()
  const source: Readable =
    encoding === 'gzip'
      ? request.pipe(createGunzip())
      : encoding === 'deflate'
        ? request.pipe(createInflate())
        : encoding === 'br'
          ? request.pipe(createBrotliDecompress())
          : encoding === '' || encoding === 'identity'
            ? request
            : (() => {
                throw refuse('BAD_ARGUMENTS', `Unknown Content-Encoding ${encoding}`)
              })()
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length
      if (size > maxBytes) throw refuse('BAD_ARGUMENTS', `The query is larger than ${maxBytes} bytes`)
      chunks.push(chunk as Buffer)
    }
  } catch (error) {
    if (error instanceof ClickHouseProtocolError) throw error
    throw refuse('CANNOT_PARSE_INPUT', 'the request body could not be read or decompressed')
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** ClickHouse compresses the response only when asked twice: enable_http_compression=1 and Accept-Encoding. */
function responseEncoding(request: IncomingMessage, url: URL): 'gzip' | 'deflate' | 'br' | undefined {
  if (url.searchParams.get('enable_http_compression') !== '1') return undefined
  const accepted = String(request.headers['accept-encoding'] ?? '').toLowerCase()
  if (/\bgzip\b/.test(accepted)) return 'gzip'
  if (/\bdeflate\b/.test(accepted)) return 'deflate'
  if (/\bbr\b/.test(accepted)) return 'br'
  return undefined
}

const compressor = (encoding: 'gzip' | 'deflate' | 'br') =>
  encoding === 'gzip' ? createGzip() : encoding === 'deflate' ? createDeflate() : createBrotliCompress()

function contentType(format: string): string {
  if (/^JSON/.test(format) && !/EachRow|Lines|StringsEachRow/.test(format))
    return 'application/json; charset=UTF-8'
  if (/^(JSONEachRow|JSONLines|NDJSON)/.test(format)) return 'application/x-ndjson; charset=UTF-8'
  if (/^CSV/.test(format)) return 'text/csv; charset=UTF-8; header=present'
  if (/^(TabSeparated|TSV)/.test(format)) return 'text/tab-separated-values; charset=UTF-8'
  if (/^(RowBinary|Native|Parquet|Arrow|ORC|Avro|BSON|MsgPack)/.test(format))
    return 'application/octet-stream'
  return 'text/plain; charset=UTF-8'
}
