import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { AppError } from '../platform/errors/catalog.ts'
import { refuseDeepJson } from '../platform/http/json-body.ts'
import type { McpCaller } from './mcp-deps.ts'
import type { McpHttpEndpoint } from './mcp-http-endpoint.ts'

const parseError = (message: string) =>
  Response.json(
    { jsonrpc: '2.0', error: { code: -32700, message: `Parse error: ${message}` }, id: null },
    { status: 400 },
  )

/** The request as the SDK's web-standard transports take it; the body is the text Fastify read. */
function toWebRequest(request: FastifyRequest, body: string | undefined): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  return new Request(`http://localhost${request.url}`, {
    method: request.method,
    headers,
    ...(body === undefined ? {} : { body }),
  })
}

/**
 * A browser page on another site must not drive a local server (DNS rebinding): a request that carries
 * an Origin is served only when that origin is the server's own host.
 */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin
  if (origin === undefined) return
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    throw new AppError('origin_not_allowed', 'the Origin header is not a URL')
  }
  if (host !== request.headers.host)
    throw new AppError('origin_not_allowed', `origin ${origin} may not call /mcp`)
}

/**
 * `/mcp`: MCP over Streamable HTTP (POST messages, GET the notification stream, DELETE a session). The
 * body is read as text whatever its type, so the JSON-RPC layer, not the API's JSON parser, answers bad JSON.
 */
export function mcpRoutes(
  endpoint: McpHttpEndpoint,
  authenticate: (request: FastifyRequest) => Promise<McpCaller>,
): FastifyPluginAsync {
  return async (routes) => {
    routes.removeAllContentTypeParsers()
    routes.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
    // Checked before the body is read: a refused credential costs no body.
    const callers = new WeakMap<FastifyRequest, McpCaller>()
    routes.addHook('onRequest', async (request) => {
      checkOrigin(request)
      callers.set(request, await authenticate(request))
    })
    routes.route({
      method: ['GET', 'POST', 'DELETE'],
      url: '/mcp',
      schema: { hide: true },
      handler: async (request, reply) => {
        const caller = callers.get(request)
        if (!caller) throw new AppError('unauthorized')
        const text = typeof request.body === 'string' ? request.body : undefined
        let parsedBody: unknown
        if (request.method === 'POST') {
          try {
            refuseDeepJson(text ?? '')
            parsedBody = JSON.parse(text ?? '')
          } catch (error) {
            return reply.send(parseError((error as Error).message))
          }
        }
        return reply.send(await endpoint.handle(toWebRequest(request, text), caller, parsedBody))
      },
    })
  }
}
