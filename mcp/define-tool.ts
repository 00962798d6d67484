import type { McpServer, ToolAnnotations } from '@modelcontextprotocol/server'
import type { z } from 'zod'
import { AppError } from '../platform/errors/catalog.ts'
import { hasScope } from '../platform/tenancy/tenancy-service.ts'
import type { McpCaller, McpDeps } from './mcp-deps.ts'
import { type ToolOutput, toCatalogError, toolFailure, toolSuccess } from './tool-result.ts'

/**
 * One MCP tool: a thin adapter over a service. `scope` is the secret-key scope its REST counterpart
 * asks for; a key with the `mcp` scope (or `admin`) sees every tool, an `analyst` key the analyst ones.
 */
export interface ToolDef<I extends z.ZodObject, O extends z.ZodObject> {
  name: string
  title: string
  description: string
  scope: 'analyst' | 'admin'
  annotations: Omit<ToolAnnotations, 'title'> & { readOnlyHint: boolean }
  input: I
  output: O
  run(input: z.output<I>, caller: McpCaller): Promise<ToolOutput<z.output<O>>>
}

// Tools of different shapes live in one list; each is checked against its own schemas when defined.
// biome-ignore lint/suspicious/noExplicitAny: the list erases each tool's own input and output types
export type AnyTool = ToolDef<any, any>

export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDef<I, O>): AnyTool => tool

/** Whether a caller's key may list and call a tool. */
export function mayUse(caller: Pick<McpCaller, 'scopes'>, tool: Pick<AnyTool, 'scope'>): boolean {
  const principal = { tenantId: '', keyId: '', scopes: [...caller.scopes] }
  return caller.scopes.includes('mcp') || hasScope(principal, tool.scope)
}

/**
 * Registers the tools the caller may use. Every call is tenant-scoped by the caller, logged (who, which
 * tool, how long, how it ended) and answers catalog errors as tool errors the model can act on.
 */
export function registerTools(
  server: McpServer,
  tools: readonly AnyTool[],
  caller: McpCaller,
  deps: Pick<McpDeps, 'logger' | 'clock'>,
): void {
  for (const tool of tools) {
    if (!mayUse(caller, tool)) continue
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (input: unknown) => {
        const started = deps.clock.now()
        const audit = {
          tenantId: caller.tenantId,
          keyId: caller.keyId,
          transport: caller.transport,
          tool: tool.name,
        }
        try {
          const output = await tool.run(input, caller)
          deps.logger.info(
            { ...audit, durationMs: deps.clock.now() - started, outcome: 'ok' },
            'mcp tool call',
          )
          return toolSuccess(output)
        } catch (error) {
          const failure = toCatalogError(error)
          const durationMs = deps.clock.now() - started
          if (failure.status >= 500)
            deps.logger.error({ ...audit, durationMs, err: error }, 'mcp tool call failed')
          else deps.logger.warn({ ...audit, durationMs, outcome: failure.code }, 'mcp tool call refused')
          return toolFailure(failure instanceof AppError ? failure : new AppError('internal'))
        }
      },
    )
  }
}
