import type { Platform } from '../../platform/create-platform.ts'
import { analystOperatorRoutes } from './analyst.routes.ts'
import { AnalystHttpServer } from './analyst-http-server.ts'
import { type AnalystOperator, createAnalystOperator } from './analyst-operator.ts'
import { AnalystQueryService } from './analyst-query-service.ts'

export interface AnalystSql {
  queries: AnalystQueryService
  operator: AnalystOperator
  /** Starts the ClickHouse HTTP endpoint (unless ANALYST_SQL_PORT=off); returns its URL. */
  listen(): Promise<string | undefined>
  url(): string | undefined
}

/** SQL analysts: the tenant-scoped query service, its ClickHouse HTTP endpoint, and analyst:* operations. */
export async function createAnalystSql(platform: Platform, mountRoutes: boolean): Promise<AnalystSql> {
  const settings = platform.config.analystSql
  const limits = {
    maxExecutionSeconds: settings.maxExecutionSeconds,
    maxResultRows: settings.maxResultRows,
    maxResultBytes: settings.maxResultBytes,
    maxMemoryBytes: settings.maxMemoryBytes,
  }
  const queries = new AnalystQueryService(platform.clickhouse, {
    ...limits,
    maxConcurrent: settings.maxConcurrent,
  })
  let listening: string | undefined
  const configuredUrl = () =>
    settings.port === undefined ? undefined : `http://${settings.host}:${settings.port}`
  const operator = createAnalystOperator({
    tenancy: platform.tenancy,
    clickhouse: platform.clickhouse,
    limits,
    endpointUrl: () => listening ?? configuredUrl(),
  })
  if (mountRoutes) {
    await platform.server.register(analystOperatorRoutes(operator, platform.operatorToken), {
      prefix: '/v1/operator',
    })
  }
  let server: AnalystHttpServer | undefined
  platform.onClose(async () => {
    await server?.close()
  })
  return {
    queries,
    operator,
    async listen() {
      if (settings.port === undefined || server) return listening
      server = new AnalystHttpServer(queries, platform.tenancy, {
        host: settings.host,
        port: settings.port,
        maxQueryBytes: 1_048_576,
        logger: platform.logger.child({ component: 'analyst-sql' }),
      })
      listening = await server.listen()
      return listening
    },
    url: () => listening,
  }
}
