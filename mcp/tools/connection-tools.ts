import { z } from 'zod'
import {
  connectionName,
  connectionResponse,
  createConnectionInput,
  updateConnectionInput,
} from '../../engine/connections/connection-schemas.ts'
import { testCallConnection, testCallInput, testCallResult } from '../../engine/connections/test-call.ts'
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
      input: testCallInput.extend({ name }),
      output: testCallResult,
      async run({ name: target, ...call }, caller) {
        const result = await testCallConnection(connections, caller.tenantId, target, call, {
          allowPrivateNetworks,
        })
        const outcome = result.ok
          ? String(result.status)
          : `failed: ${result.error?.kind}: ${result.error?.message}`
        return { data: result, summary: `${call.method} ${call.path}: ${outcome}` }
      },
    }),
  ]
}
