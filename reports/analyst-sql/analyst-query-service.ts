import type { Readable } from 'node:stream'
import type { ClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { ANALYST_SCHEMA, ANALYST_VIEWS, analystDatabase, TENANT_PARAM } from './analyst-schema.ts'
import { refuseUnprintableIdentifiers } from './check-identifiers.ts'
import { checkReferences } from './check-references.ts'
import { checkSelectAst, classifyStatement, isOutputFormat, notReadOnly } from './check-statement.ts'
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
const INTERNAL_SETTINGS =
  "SETTINGS max_result_rows = 0, max_result_bytes = 0, result_overflow_mode = 'throw', limit = 0, offset = 0, max_execution_time = 30"

/**
 * Runs an analyst's SQL for one tenant. ClickHouse's parser decides what the query is and touches
 * (formatQuery, EXPLAIN AST, EXPLAIN QUERY TREE before analysis: nothing is read or run until the checks pass),
 * then the query runs with its view names bound to the tenant's rows (scope-query.ts) and the limits as its
 * own SETTINGS.
 */
export class AnalystQueryService {
  private readonly running = new Set<string>()

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
    if (this.running.size >= this.limits.maxConcurrent) {
      throw refuse(
        'TOO_MANY_SIMULTANEOUS_QUERIES',
        `Too many simultaneous analyst queries. Maximum: ${this.limits.maxConcurrent}; retry shortly`,
      )
    }
    this.running.add(runningKey)
    try {
      return await this.execute(query)
    } catch (error) {
      throw fromEngineError(error)
    } finally {
      this.running.delete(runningKey)
    }
  }

  private async execute(query: AnalystQuery): Promise<AnalystResult> {
    const normalized = await this.normalize(query.sql)
    refuseUnprintableIdentifiers(normalized)
    const statement = classifyStatement(normalized)
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
        await this.check(statement.body, query.params)
        const limits = lowered(this.limits, query.settings.limits)
        const sql = scopeQuery(this.clickhouse.database, statement.body, limits, query.settings.output)
        return this.exec(query, format, sql, { ...query.params, [TENANT_PARAM]: query.tenantId })
      }
    }
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
