import { z } from 'zod'
import { ConnectionCallError, callConnection } from '../../engine/connections/call-connection.ts'
import {
  connectionName,
  connectionResponse,
  createConnectionInput,
  updateConnectionInput,
} from '../../engine/connections/connection-schemas.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import type { McpDeps } from '../mcp-deps.ts'

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false }
const name = connectionName.describe('The connection name flows use in their connection nodes')

/** Connections over ConnectionService (the /v1/admin/connections routes); secrets are never shown. */
export function connectionTools({
  connections,
  allowPrivateNetworks,
}: Pick<McpDeps, 'connections' | 'allowPrivateNetworks'>): AnyTool[] {
  return [
    defineTool({
      name: 'list_connections',
      title: 'List connections',
      description: 'The tenant’s HTTP connections (base URL, auth kind, timeout); never their secrets.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({}),
      output: z.object({ connections: z.array(connectionResponse) }),
      async run(_input, caller) {
        const list = await connections.list(caller.tenantId)
        return { data: { connections: list }, summary: `${list.length} connection(s)` }
      },
    }),
    defineTool({
      name: 'get_connection',
      title: 'Get a connection',
      description:
        'One connection; `hasSecret` says whether a token is stored, the secret itself is never returned.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({ name }),
      output: connectionResponse,
      async run(input, caller) {
        const connection = await connections.get(caller.tenantId, input.name)
        return {
          data: connection,
          summary: `${connection.name}: ${connection.baseUrl} (${connection.auth.kind})`,
        }
      },
    }),
    defineTool({
      name: 'create_connection',
      title: 'Create a connection',
      description:
        'Creates an HTTP connection flows can call: name, baseUrl (http/https, no query), auth ({kind:"none"}, {kind:"bearer",token} or {kind:"header",name,value}) and timeoutMs. The secret is stored encrypted and never shown again.',
      scope: 'admin',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      input: createConnectionInput,
      output: connectionResponse,
      async run(input, caller) {
        const connection = await connections.create(caller.tenantId, input)
        return { data: connection, summary: `created connection ${connection.name}` }
      },
    }),
    defineTool({
      name: 'update_connection',
      title: 'Update a connection',
      description:
        'Changes a connection: fields left out keep their value; `auth` replaces the auth and its secret.',
      scope: 'admin',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
      input: z.strictObject({ name, changes: updateConnectionInput }),
      output: connectionResponse,
      async run(input, caller) {
        const connection = await connections.update(caller.tenantId, input.name, input.changes)
        return { data: connection, summary: `updated connection ${connection.name}` }
      },
    }),
    defineTool({
      name: 'test_connection',
      title: 'Test-call a connection',
      description:
        'Makes one real HTTP request through a connection (its auth, timeout and address rules) and returns the status and body, or the error kind (blocked, timeout, network, http_status, too_large). Use GET unless the endpoint is safe to call with another method.',
      scope: 'admin',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
      input: z.strictObject({
        name,
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
        path: z.string().max(2_000).default('/').describe('Appended to the base URL, e.g. /orders/42'),
        body: z.record(z.string(), z.unknown()).optional().describe('A JSON object; not with GET'),
      }),
      output: z.object({
        ok: z.boolean(),
        status: z.number().optional(),
        body: z.unknown().optional(),
        error: z.object({ kind: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
      }),
      async run(input, caller) {
        const connection = await connections.resolve(caller.tenantId, input.name)
        if (!connection) throw new AppError('not_found', `no connection ${input.name}`)
        try {
          const response = await callConnection(
            connection,
            {
              method: input.method,
              path: input.path,
              ...(input.body === undefined ? {} : { body: input.body }),
            },
            { allowPrivateNetworks },
          )
          return {
            data: { ok: true, status: response.status, body: response.body },
            summary: `${input.method} ${input.path}: ${response.status}`,
          }
        } catch (error) {
          if (!(error instanceof ConnectionCallError)) throw error
          const failure = { kind: error.kind, message: error.message, retryable: error.retryable }
          return {
            data: {
              ok: false,
              ...(error.status === undefined ? {} : { status: error.status }),
              error: failure,
            },
            summary: `${input.method} ${input.path} failed: ${error.kind}: ${error.message}`,
          }
        }
      },
    }),
  ]
}
