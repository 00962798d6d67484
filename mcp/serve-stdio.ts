import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { JSONRPCMessage, McpServer } from '@modelcontextprotocol/server'
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio'
import { OPERATOR_TOKEN_HEADER } from '../platform/tenancy/auth.ts'
import { TENANT_HEADER } from './mcp-auth.ts'

/** Resolves once the client closed stdin (a desktop client quitting, or the test's transport closing). */
const stdinClosed = () =>
  new Promise<void>((resolve) => {
    process.stdin.once('end', resolve)
    process.stdin.once('close', resolve)
  })

/** Serves MCP on stdin/stdout from this process's own stores until the client goes away. */
export async function serveMcpStdio(build: () => McpServer): Promise<void> {
  const handle = serveStdio(() => build())
  await stdinClosed()
  await handle.close()
}

const protocolVersionOf = (message: JSONRPCMessage): string | undefined => {
  const result = (message as { result?: { protocolVersion?: unknown } }).result
  return typeof result?.protocolVersion === 'string' ? result.protocolVersion : undefined
}

/**
 * Relays stdin/stdout to the `/mcp` endpoint of the embedded server that owns the data directory (chdb
 * admits one process per directory), authenticated by the operator token for one tenant. Both ends are
 * the SDK's transports; the relay only passes messages and remembers the protocol version `initialize` chose.
 */
export async function relayMcpStdio(
  serverUrl: string,
  operatorToken: string,
  tenantSlug: string,
): Promise<void> {
  const http = new StreamableHTTPClientTransport(new URL('/mcp', serverUrl), {
    requestInit: { headers: { [OPERATOR_TOKEN_HEADER]: operatorToken, [TENANT_HEADER]: tenantSlug } },
  })
  const stdio = new StdioServerTransport()
  const report = (error: Error) => process.stderr.write(`comerix mcp: ${error.message}\n`)
  http.onerror = report
  stdio.onerror = report
  http.onmessage = (message) => {
    const version = protocolVersionOf(message)
    if (version !== undefined) http.setProtocolVersion(version)
    void stdio.send(message).catch(report)
  }
  stdio.onmessage = (message) => {
    void http.send(message).catch((error: Error) => {
      report(error)
      const id = (message as { id?: string | number }).id
      if (id !== undefined)
        void stdio.send({
          jsonrpc: '2.0',
          id,
          error: { code: -32603, message: `the Comerix server did not answer: ${error.message}` },
        })
    })
  }
  await http.start()
  await stdio.start()
  await stdinClosed()
  if (http.sessionId !== undefined) await http.terminateSession().catch(() => undefined)
  await http.close()
  await stdio.close()
}
