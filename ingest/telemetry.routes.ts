import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import secureJson from 'secure-json-parse'
import { z } from 'zod'
import type { Config } from '../platform/config/config.ts'
import { AppError } from '../platform/errors/catalog.ts'
import { toAppError } from '../platform/http/error-handler.ts'
import { MAX_JSON_BODY_DEPTH, nestsDeeperThan } from '../platform/http/json-body.ts'
import type { RateLimiter } from '../platform/http/rate-limit.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import { admitWidgetRequest, answerPreflight, publicKeyOf } from '../platform/tenancy/widget-auth.ts'
import { enrichEvent } from './enrich-event.ts'
import type { EventPublisher } from './event-publisher.ts'
import { parseTelemetryBody } from './event-schema.ts'
import type { IngestMetrics } from './ingest-metrics.ts'

export interface TelemetryDeps {
  tenancy: TenancyService
  publisher: EventPublisher
  rateLimiter: RateLimiter
  metrics: IngestMetrics
  config: Config['ingest']
}

const accepted = z.object({
  accepted: z.number().int().describe('Events durably appended; each is stored once'),
})

/** `POST /v1/telemetry`: widget beacons, one event or a batch, JSON or sendBeacon's text/plain. */
export function telemetryRoutes(deps: TelemetryDeps): FastifyPluginAsyncZod {
  const { config } = deps
  return async (routes) => {
    // sendBeacon can only send text/plain (a CORS-safelisted type, so no preflight); the text is JSON.
    // Both types are decoded strictly: invalid UTF-8 is refused rather than stored as U+FFFD.
    routes.removeContentTypeParser(['application/json', 'text/plain'])
    routes.addContentTypeParser(
      ['application/json', 'text/plain'],
      { parseAs: 'buffer' },
      (_request, body, done) => {
        try {
          done(null, parseJsonStrictly(body as Buffer))
        } catch (error) {
          done(error as AppError, undefined)
        }
      },
    )

    routes.addHook('onError', async (_request, _reply, error) => {
      deps.metrics.rejected.inc({ reason: toAppError(error).code })
    })

    routes.options('/v1/telemetry', { schema: { hide: true } }, (request, reply) =>
      answerPreflight(deps.tenancy, request, reply, 'POST'),
    )

    routes.post(
      '/v1/telemetry',
      {
        bodyLimit: config.bodyLimitBytes,
        // The answer is built here, never from input: plain JSON.stringify instead of validating it
        // against the zod schema on every beacon (the schema still documents it in OpenAPI).
        serializerCompiler: () => (data) => JSON.stringify(data),
        schema: {
          tags: ['telemetry'],
          summary: 'Send widget telemetry: one event, or { events: [...] }',
          description:
            'Answers 202 only after every event is durably appended to the event log. A batch with any invalid event is refused whole (400, each bad event listed). See ingest/EVENTS.md.',
          querystring: z.object({ publicKey: z.string().optional() }),
          response: { 202: accepted },
        },
      },
      async (request, reply) => {
        const body = request.body as Record<string, unknown> | undefined
        const bodyKey =
          body !== null && typeof body === 'object' && !Array.isArray(body) ? body.publicKey : undefined
        const widgetKey = await admitWidgetRequest(
          { tenancy: deps.tenancy, rateLimiter: deps.rateLimiter, rateLimitPerIp: config.rateLimitPerIp },
          request,
          reply,
          publicKeyOf(request, bodyKey),
        )

        const receivedAt = Date.now()
        const parsed = parseTelemetryBody(request.body, {
          now: receivedAt,
          maxAgeDays: config.maxEventAgeDays,
          maxBatchEvents: config.maxBatchEvents,
        })
        if (!parsed.ok) {
          if (parsed.tooLarge) throw new AppError('payload_too_large', parsed.errors[0]?.reason)
          throw new AppError(
            'validation_failed',
            'the events were not stored: fix the events listed and resend the batch',
            {
              events: parsed.errors,
            },
          )
        }
        await deps.rateLimiter.consume(
          `key:${widgetKey.publicKey}`,
          parsed.events.length,
          config.rateLimitPerKey,
        )

        const country = config.countryHeader ? request.headers[config.countryHeader] : undefined
        const rows = parsed.events.map((event) =>
          enrichEvent(event, {
            tenantId: widgetKey.tenantId,
            widgetKey: widgetKey.publicKey,
            source: 'widget',
            receivedAt,
            userAgent: request.headers['user-agent'],
            country: typeof country === 'string' ? country : undefined,
          }),
        )
        try {
          await deps.publisher.publish(rows)
        } catch (error) {
          request.log.error({ err: error }, 'event log append failed')
          throw new AppError(
            'not_ready',
            'the events could not be stored durably; retry with the same event_id values',
          )
        }
        deps.metrics.accepted.inc(rows.length)
        return reply.status(202).send({ accepted: rows.length })
      },
    )
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function parseJsonStrictly(body: Buffer): unknown {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new AppError('invalid_json', 'the body is not valid UTF-8')
  }
  // Every event field nests a few levels at most; deeper text is refused before it is parsed.
  if (nestsDeeperThan(text, MAX_JSON_BODY_DEPTH)) {
    const reason = `the body nests deeper than ${MAX_JSON_BODY_DEPTH} levels of objects and arrays`
    throw new AppError('validation_failed', reason, { events: [{ index: -1, path: '', reason }] })
  }
  try {
    // Fastify's own parser, strict: `__proto__` and `constructor.prototype` keys are refused outright.
    return secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' })
  } catch (error) {
    throw new AppError('invalid_json', `the body is not JSON: ${(error as Error).message}`)
  }
}
