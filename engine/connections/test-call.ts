import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import { type CallOptions, ConnectionCallError, callConnection } from './call-connection.ts'
import type { ConnectionService } from './connection-service.ts'

export const testCallInput = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  path: z.string().max(2_000).default('/').describe('Appended to the base URL, e.g. /orders/42'),
  body: z.record(z.string(), z.unknown()).optional().describe('A JSON object; not with GET'),
})
export type TestCallInput = z.output<typeof testCallInput>

export const testCallResult = z.object({
  ok: z.boolean(),
  status: z.number().optional(),
  latencyMs: z.number(),
  body: z.unknown().optional(),
  error: z
    .object({ kind: z.string(), message: z.string(), retryable: z.boolean() })
    .optional()
    .describe('Why the call failed: blocked, timeout, network, http_status, too_large, ...'),
})
export type TestCallResult = z.output<typeof testCallResult>

/**
 * One real request through a connection (its auth, timeout and address rules), as a flow's connection
 * node would make it: what the admin panel's "Test call" button and the MCP tool answer. A failed call is
 * an answer (`ok: false` with the error kind), not an API error; an unknown connection is 404.
 */
export async function testCallConnection(
  connections: Pick<ConnectionService, 'resolve'>,
  tenantId: string,
  name: string,
  input: TestCallInput,
  options: CallOptions,
): Promise<TestCallResult> {
  const connection = await connections.resolve(tenantId, name)
  if (!connection) throw new AppError('not_found', `no connection "${name}"`)
  const started = performance.now()
  const latency = () => Math.round(performance.now() - started)
  try {
    const request = { method: input.method, path: input.path, ...(input.body ? { body: input.body } : {}) }
    const response = await callConnection(connection, request, options)
    return { ok: true, status: response.status, latencyMs: latency(), body: response.body }
  } catch (error) {
    if (!(error instanceof ConnectionCallError)) throw error
    return {
      ok: false,
      ...(error.status === undefined ? {} : { status: error.status }),
      latencyMs: latency(),
      error: { kind: error.kind, message: error.message, retryable: error.retryable },
    }
  }
}
