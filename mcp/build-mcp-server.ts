import { McpServer } from '@modelcontextprotocol/server'
import { VERSION } from '../platform/create-platform.ts'
import type { AnyTool } from './define-tool.ts'
import { registerTools } from './define-tool.ts'
import type { McpCaller, McpDeps } from './mcp-deps.ts'
import { registerPrompts } from './prompts.ts'
import { registerResources } from './resources.ts'
import { analyticsTools } from './tools/analytics-tools.ts'
import { connectionTools } from './tools/connection-tools.ts'
import { executionTools } from './tools/execution-tools.ts'
import { flowTools } from './tools/flow-tools.ts'
import { reportTools } from './tools/report-tools.ts'
import { sqlTools } from './tools/sql-tools.ts'

const INSTRUCTIONS = `Comerix: chat-commerce analytics (engagement, goals, conversions, token spend, chat-to-sale attribution) and the chat flows that produce them.
Every call acts on the tenant of your key. Start analytics with list_metric_families (or the comerix://metrics resource); money is integer micros of the row's currency and is never summed across currencies.
Flows: validate_flow, save_flow_draft, test_run_flow, then publish_flow. Errors come back as tool results with a catalog code (validation_failed, not_found, forbidden, ...) and retryable.`

/** Every tool, built once per process over the app's services; each server lists those its caller may use. */
export function allTools(deps: McpDeps): AnyTool[] {
  return [
    ...analyticsTools(deps),
    ...reportTools(deps),
    ...sqlTools(deps),
    ...flowTools(deps),
    ...connectionTools(deps),
    ...executionTools(deps),
  ]
}

/** An MCP server for one caller: the tools, resources and prompts its key's scopes admit, bound to its tenant. */
export function buildMcpServer(tools: readonly AnyTool[], caller: McpCaller, deps: McpDeps): McpServer {
  const server = new McpServer({ name: 'comerix', version: VERSION }, { instructions: INSTRUCTIONS })
  registerTools(server, tools, caller, deps)
  registerResources(server, caller, deps)
  registerPrompts(server, caller)
  return server
}
