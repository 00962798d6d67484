import type { DashboardService } from '../dashboards/dashboard-service.ts'
import type { Engine } from '../engine/create-engine.ts'
import { systemClock } from '../platform/clock.ts'
import type { Platform } from '../platform/create-platform.ts'
import type { AnalystSql } from '../reports/analyst-sql/create-analyst-sql.ts'
import type { Reports } from '../reports/create-reports.ts'
import { allTools, buildMcpServer } from './build-mcp-server.ts'
import { mcpRoutes } from './mcp.routes.ts'
import { mcpAuthenticator } from './mcp-auth.ts'
import type { McpCaller, McpDeps } from './mcp-deps.ts'
import { McpHttpEndpoint } from './mcp-http-endpoint.ts'

export interface Mcp {
  deps: McpDeps
  /** An MCP server bound to one caller (the stdio entry connects one to its transport). */
  serverFor(caller: McpCaller): ReturnType<typeof buildMcpServer>
}

export interface McpParts {
  engine: Engine
  reports: Reports
  dashboards: DashboardService
  analystSql: AnalystSql
  baseUrl: () => string
}

const SESSION_IDLE_MS = 30 * 60_000
const MAX_SESSIONS = 1_000

/** Wires the MCP server onto the platform: `/mcp` for the `api` role, and servers for the stdio entry. */
export async function createMcp(platform: Platform, parts: McpParts): Promise<Mcp> {
  const deps: McpDeps = {
    db: platform.db.withOrigin({ component: 'mcp' }),
    clock: systemClock,
    logger: platform.logger.child({ component: 'mcp' }),
    flows: parts.engine.flows,
    connections: parts.engine.connections,
    reports: parts.reports.reports,
    schedules: parts.reports.schedules.schedules,
    dashboards: parts.dashboards,
    analystSql: parts.analystSql.queries,
    maxStepsPerTurn: platform.config.chat.maxStepsPerTurn,
    allowPrivateNetworks: platform.config.connectionsAllowPrivateNetworks,
    baseUrl: parts.baseUrl,
  }
  const tools = allTools(deps)
  const serverFor = (caller: McpCaller) => buildMcpServer(tools, caller, deps)
  if (platform.config.roles.includes('api')) {
    const endpoint = new McpHttpEndpoint(serverFor, {
      idleMs: SESSION_IDLE_MS,
      maxSessions: MAX_SESSIONS,
      now: () => systemClock.now(),
    })
    platform.onClose(() => endpoint.close())
    await platform.server.register(
      mcpRoutes(endpoint, mcpAuthenticator(platform.tenancy, platform.operatorToken)),
    )
  }
  return { deps, serverFor }
}
