import { randomUUID } from 'node:crypto'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { LogController } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { Config } from '../config/config.ts'
import { AppError } from '../errors/catalog.ts'
import type { Logger } from '../log/logger.ts'
import { answerClientError } from './client-error.ts'
import { handleError } from './error-handler.ts'
import { refuseDeepJson } from './json-body.ts'
import { enterRequestContext, reenterRequestContext } from './request-context.ts'

export interface ServerOptions {
  logger: Logger
  bodyLimitBytes?: number
  version: string
  /** Take the client address from X-Forwarded-For (behind a load balancer). */
  trustProxy?: boolean
  /** Socket timeouts; Node's defaults (no request timeout under Fastify) when omitted. */
  timeouts?: Config['http']
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/

/** A Fastify instance with Comerix's conventions: request ids, one error shape, zod schemas, OpenAPI at /docs. */
export async function createServer(options: ServerOptions) {
  const { timeouts } = options
  const server = Fastify({
    ...(timeouts && {
      requestTimeout: timeouts.requestTimeoutMs,
      connectionTimeout: timeouts.connectionTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      http: {
        // Node validates headersTimeout against requestTimeout here, before Fastify sets the latter.
        requestTimeout: timeouts.requestTimeoutMs,
        headersTimeout: timeouts.headersTimeoutMs,
        // Node checks both timeouts on this interval (30 s by default), so short timeouts need it shorter.
        connectionsCheckingInterval: Math.min(30_000, Math.ceil(timeouts.headersTimeoutMs / 4)),
      },
    }),
    clientErrorHandler: answerClientError,
    // The router's own refusals (a malformed percent-encoding, a path parameter over 100 characters)
    // answer with the catalog's shape like every other error.
    frameworkErrors: (error, request, reply) => void handleError(error, request, reply),
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    requestIdHeader: false,
    trustProxy: options.trustProxy ?? false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    // One line per request from the onResponse hook below instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>()

  server.setValidatorCompiler(validatorCompiler)
  server.setSerializerCompiler(serializerCompiler)
  server.setErrorHandler(handleError)
  // Fastify's JSON parser behind a depth guard: nothing nested deeper than any schema allows gets parsed.
  const parseJson = server.getDefaultJsonParser('error', 'error')
  server.removeContentTypeParser('application/json')
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      refuseDeepJson(body as string)
    } catch (error) {
      done(error as AppError, undefined)
      return
    }
    void parseJson(request, body as string, done)
  })
  // Async work a request starts carries its id, so the process guard can name it (platform/process-guard.ts).
  server.addHook('onRequest', enterRequestContext)
  server.addHook('preValidation', reenterRequestContext)
  server.setNotFoundHandler(async (request) => {
    throw new AppError('route_not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)
  })
  server.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id)
  })
  // An answer given before the body arrived (a refused credential) closes the connection: otherwise
  // Node reads the rest of the body, however slowly it comes, before the socket serves another request.
  server.addHook('onSend', async (request, reply) => {
    if (request.raw.complete === false) void reply.header('connection', 'close')
  })
  server.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    )
  })

  await server.register(swagger, {
    openapi: {
      info: { title: 'Comerix API', version: options.version },
      components: {
        securitySchemes: {
          secretKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'A secret key (sk_...) with the scope the route names',
          },
          operatorToken: { type: 'apiKey', in: 'header', name: 'x-comerix-operator-token' },
        },
      },
    },
    transform: jsonSchemaTransform,
  })
  await server.register(swaggerUi, { routePrefix: '/docs' })
  return server
}

export type ComerixServer = Awaited<ReturnType<typeof createServer>>
