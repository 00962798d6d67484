import type { Readable } from 'node:stream'
import type { ClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { ExpiringCache } from '../../platform/expiring-cache.ts'
import { sha256Hex } from '../../platform/ids.ts'
import { ANALYST_SCHEMA, ANALYST_VIEWS, analystDatabase, TENANT_PARAM } from './analyst-schema.ts'
import { refuseUnprintableIdentifiers } from './check-identifiers.ts'
import { checkReferences } from './check-references.ts'
import {
  checkSelectAst,
  classifyStatement,
  isOutputFormat,
  notReadOnly,
  type Statement,
} from './check-statement.ts'
import { fromEngineError, refuse } from './clickhouse-error.ts'
import { parseExplainTree } from './explain-tree.ts'
import type { RequestSettings } from './output-settings.ts'
import { type QueryLimits, scopeQuery } from './scope-query.ts'

export interface AnalystQuery {
  tenantId: string
  sql: string
  params: Record<string, string>
  /** `default_format` of the request; a FORMAT clause in the SQL wins. */
  defaultFormat: string | undefined
  settings: RequestSettings
  queryId: string
  signal?: AbortSignal
}

export interface AnalystResult {
  stream: Readable
  format: string
  queryId: string
  summary: Record<string, string> | undefined
}

export interface AnalystLimits extends QueryLimits {
  /** Analyst queries running at once in this process; more are refused (TOO_MANY_SIMULTANEOUS_QUERIES). */
  maxConcurrent: number
}

/** Settings for the endpoint's own parser calls: a setting chdb kept from another query cannot cut them short. */
const LONG_QUERY_MS = 1_000
const COOL_DOWN_MS = 250
const INTERNAL_SETTINGS =
  "SETTINGS max_result_rows = 0, max_result_bytes = 0, result_overflow_mode = 'throw', limit = 0, offset = 0, max_execution_time = 30"

/**
 * Runs an analyst's SQL for one tenant. ClickHouse's parser decides what the query is and touches
 * (formatQuery, EXPLAIN AST, EXPLAIN QUERY TREE before analysis: nothing is read or run until the checks pass),
 * then the query runs with its view names bound to the tenant's rows (scope-query.ts) and the limits as its
 * own SETTINGS.
 */
export class AnalystQueryService {
  /** Running queries by tenant and query id, with when they started. */
  private readonly running = new Map<string, number>()
  private coolUntil = 0
  /**
   * Statements already checked, by their text and parameters (a parameter may be an Identifier, so it is part
   * of what was checked): dashboards repeat the same queries, which then skip the parser round trips.
   */
  private readonly checked = new ExpiringCache<Statement>(600_000, 2_000)

  constructor(
    private readonly clickhouse: ClickHouse,
    private readonly limits: AnalystLimits,
  ) {}

  async run(query: AnalystQuery): Promise<AnalystResult> {
    const runningKey = `${query.tenantId}:${query.queryId}`
    if (this.running.has(runningKey)) {
      throw refuse(
        'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING',
        `Query with id = ${query.queryId} is already running`,
      )
    }
    await this.admit()
    const started = Date.now()
    this.running.set(runningKey, started)
    try {
      return await this.execute(query)
    } catch (error) {
      throw fromEngineError(error)
    } finally {
      this.running.delete(runningKey)
      if (Date.now() - started > LONG_QUERY_MS) this.coolUntil = Date.now() + COOL_DOWN_MS
    }
  }

  /**
   * chdb makes a write wait for the queries already running, and new reads keep starting while it waits, so
   * back-to-back heavy queries could hold the sink for ever. Once an analyst query has run LONG_QUERY_MS, no
   * new one starts until the running ones end, and then not for COOL_DOWN_MS: the sink's insert gets in, so
   * an analyst delays ingest by at most the time limit (max_execution_time) plus the cool-down.
   */
  private async admit(): Promise<void> {
    const deadline = Date.now() + (this.limits.maxExecutionSeconds + 2) * 1000
    for (;;) {
      const now = Date.now()
      const draining = [...this.running.values()].some((started) => now - started > LONG_QUERY_MS)
      if (!draining && now >= this.coolUntil && this.running.size < this.limits.maxConcurrent) return
      if (now > deadline) {
        throw refuse(
          'TOO_MANY_SIMULTANEOUS_QUERIES',
          `Too many simultaneous analyst queries (maximum ${this.limits.maxConcurrent}); retry shortly`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  private async execute(query: AnalystQuery): Promise<AnalystResult> {
    const statement = await this.statementOf(query)
    const format = statement.format ?? query.defaultFormat ?? 'TabSeparated'
    if (!isOutputFormat(format))
      throw refuse('UNKNOWN_FORMAT', `Format ${format} is not available to analysts`)
    switch (statement.kind) {
      case 'show_tables':
        return this.exec(query, format, 'SELECT arrayJoin({names:Array(String)}) AS name', {
          names: [...ANALYST_VIEWS],
        })
      case 'show_databases':
        return this.exec(query, format, 'SELECT {name:String} AS name', { name: ANALYST_SCHEMA })
      case 'describe':
        return this.exec(
          query,
          format,
          `DESCRIBE TABLE ${analystDatabase(this.clickhouse.database)}.${statement.view}`,
          {},
        )
      case 'select': {
        const limits = lowered(this.limits, query.settings.limits)
        const sql = scopeQuery(this.clickhouse.database, statement.body, limits, query.settings.output)
        return this.exec(query, format, sql, { ...query.params, [TENANT_PARAM]: query.tenantId })
      }
    }
  }

  private async statementOf(query: AnalystQuery): Promise<Statement> {
    const key = sha256Hex(JSON.stringify([query.sql, query.params]))
    const known = this.checked.get(key)
    if (known) return known
    const normalized = await this.normalize(query.sql)
    refuseUnprintableIdentifiers(normalized)
    const statement = classifyStatement(normalized)
    if (statement.kind === 'select') await this.check(statement.body, query.params)
    this.checked.set(key, statement)
    return statement
  }

  /** ClickHouse's own formatting of the statement; refuses anything but exactly one statement. */
  private async normalize(sql: string): Promise<string> {
    const rows = await this.internal<{ q: string }>(
      `SELECT formatQuery({sql:String}) AS q ${INTERNAL_SETTINGS}`,
      { sql },
    )
    return (rows[0]?.q ?? '').trim()
  }

  private async check(body: string, params: Record<string, string>): Promise<void> {
    const explain = async (what: string) => {
      try {
        const rows = await this.internal<{ explain: string }>(
          `SELECT explain FROM (EXPLAIN ${what} ${body}) ${INTERNAL_SETTINGS}`,
          params,
        )
        return rows.map((row) => row.explain)
      } catch (error) {
        const refused = fromEngineError(error)
        // ClickHouse admits only SELECT inside EXPLAIN as a subquery, and no output options there.
        if (refused.type === 'BAD_ARGUMENTS' && /EXPLAIN/.test(refused.message)) throw notReadOnly()
        throw refused
      }
    }
    checkSelectAst(parseExplainTree(await explain('AST'), 1))
    checkReferences(parseExplainTree(await explain('QUERY TREE run_passes = 0'), 2))
  }

  private async internal<Row>(sql: string, params: Record<string, unknown>): Promise<Row[]> {
    const result = await this.clickhouse.client.query({
      query: sql,
      query_params: params,
      format: 'JSONEachRow',
    })
    return result.json<Row>()
  }

  private async exec(
    query: AnalystQuery,
    format: string,
    sql: string,
    params: Record<string, unknown>,
  ): Promise<AnalystResult> {
    const result = await this.clickhouse.client.exec({
      query: sql,
      query_params: params,
      // The engine serialises any output format by name; the client's type lists only those it parses itself.
      clickhouse_settings: { default_format: format as 'JSON' },
      ...(query.signal ? { abort_signal: query.signal } : {}),
    })
    const summary = 'summary' in result ? (result.summary as Record<string, string> | undefined) : undefined
    return { stream: result.stream, format, queryId: query.queryId, summary }
  }
}

function lowered(limits: AnalystLimits, asked: RequestSettings['limits']): QueryLimits {
  const lower = (own: number, wanted: number | undefined) =>
    wanted === undefined ? own : Math.min(own, Math.floor(wanted))
  return {
    maxExecutionSeconds: lower(limits.maxExecutionSeconds, asked.max_execution_time),
    maxResultRows: lower(limits.maxResultRows, asked.max_result_rows),
    maxResultBytes: lower(limits.maxResultBytes, asked.max_result_bytes),
    maxMemoryBytes: limits.maxMemoryBytes,
  }
}
