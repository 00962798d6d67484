import { randomUUID } from 'node:crypto'
import {
  type AuthInfo,
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server'
import type { McpCaller } from './mcp-deps.ts'

interface Session {
  transport: WebStandardStreamableHTTPServerTransport
  server: McpServer
  keyId: string
  lastSeen: number
}

export interface McpHttpOptions {
  /** A session no request touched for this long is closed (its client starts a new one on the 404). */
  idleMs: number
  /** Sessions one process keeps; beyond it the least recently used one is closed. */
  maxSessions: number
  now: () => number
}

const jsonRpcError = (status: number, code: number, message: string): Response =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status })

const authInfoOf = (caller: McpCaller): AuthInfo => ({
  token: '',
  clientId: caller.keyId,
  scopes: [...caller.scopes],
  extra: { caller },
})

/**
 * Streamable HTTP for both protocol eras on one path. 2026-07-28 clients are served per request by the
 * SDK's createMcpHandler (that revision has no sessions). 2025-era clients get what their revision
 * specifies: `initialize` opens a session (an `Mcp-Session-Id` header) held by one sessionful SDK transport,
 * later requests, the GET notification stream and DELETE go to it, and an unknown or expired id gets 404.
 * A session belongs to the key that opened it: another key presenting its id gets the same 404.
 * Sessions live in this process: behind several API processes, route by Mcp-Session-Id (or use 2026 clients).
 */
export class McpHttpEndpoint {
  private readonly sessions = new Map<string, Session>()
  private readonly modern: McpHttpHandler
  private readonly sweeper: NodeJS.Timeout

  constructor(
    private readonly build: (caller: McpCaller) => McpServer,
    private readonly options: McpHttpOptions,
  ) {
    this.modern = createMcpHandler(
      ({ authInfo }) => {
        const caller = (authInfo?.extra as { caller?: McpCaller } | undefined)?.caller
        if (!caller) throw new Error('an MCP request reached the handler without its caller')
        return build(caller)
      },
      { legacy: 'reject', responseMode: 'json' },
    )
    this.sweeper = setInterval(() => void this.closeIdle(), Math.min(options.idleMs, 60_000))
    this.sweeper.unref()
  }

  get sessionCount(): number {
    return this.sessions.size
  }

  async handle(request: Request, caller: McpCaller, parsedBody: unknown): Promise<Response> {
    const authInfo = authInfoOf(caller)
    const sessionId = request.headers.get('mcp-session-id')
    if (sessionId !== null) {
      const session = this.sessions.get(sessionId)
      if (!session || session.keyId !== caller.keyId) return jsonRpcError(404, -32001, 'Session not found')
      session.lastSeen = this.options.now()
      return session.transport.handleRequest(request, { parsedBody, authInfo })
    }
    if (!(await isLegacyRequest(request, parsedBody)))
      return this.modern.fetch(request, { authInfo, parsedBody })
    if (request.method === 'POST' && isInitializeRequest(parsedBody))
      return this.open(request, caller, parsedBody)
    return jsonRpcError(
      400,
      -32000,
      'Bad Request: send initialize first, then the Mcp-Session-Id header it returned',
    )
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper)
    await Promise.all([...this.sessions.values()].map((session) => session.transport.close()))
    this.sessions.clear()
    await this.modern.close()
  }

  private async open(request: Request, caller: McpCaller, parsedBody: unknown): Promise<Response> {
    if (this.sessions.size >= this.options.maxSessions) await this.closeLeastRecent()
    const server = this.build(caller)
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, keyId: caller.keyId, lastSeen: this.options.now() })
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id)
      },
    })
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId)
    }
    await server.connect(transport)
    return transport.handleRequest(request, { parsedBody, authInfo: authInfoOf(caller) })
  }

  private async closeIdle(): Promise<void> {
    const cutoff = this.options.now() - this.options.idleMs
    for (const [id, session] of this.sessions) {
      if (session.lastSeen < cutoff) {
        this.sessions.delete(id)
        await session.server.close().catch(() => undefined)
      }
    }
  }

  private async closeLeastRecent(): Promise<void> {
    let oldest: [string, Session] | undefined
    for (const entry of this.sessions) if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry
    if (!oldest) return
    this.sessions.delete(oldest[0])
    await oldest[1].server.close().catch(() => undefined)
  }
}
