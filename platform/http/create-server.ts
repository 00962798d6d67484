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
import { AppError } from '../errors/catalog.ts'
import type { Logger } from '../log/logger.ts'
import { handleError } from './error-handler.ts'

export interface ServerOptions {
  logger: Logger
  bodyLimitBytes?: number
  version: string
  /** Take the client address from X-Forwarded-For (behind a load balancer). */
  trustProxy?: boolean
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/

/** A Fastify instance with Comerix's conventions: request ids, one error shape, zod schemas, OpenAPI at /docs. */
export async function createServer(options: ServerOptions) {
  const server = Fastify({
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
  server.setNotFoundHandler(async (request) => {
    throw new AppError('route_not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)
  })
  server.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id)
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
