import multipart from '@fastify/multipart'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { EventPublisher } from '../ingest/event-publisher.ts'
import { serverEventRow } from '../ingest/server-event.ts'
import { tokenUsageSchema } from '../ingest/server-event-types.ts'
import type { Config } from '../platform/config/config.ts'
import { AppError } from '../platform/errors/catalog.ts'
import { boundedJson, type JsonLimits } from '../platform/http/bounded-json.ts'
import type { Idempotency } from '../platform/http/idempotency.ts'
import type { RateLimiter } from '../platform/http/rate-limit.ts'
import { intentName } from '../platform/tenancy/tenancy-schemas.ts'
import type { TenancyService, WidgetKey } from '../platform/tenancy/tenancy-service.ts'
import { admitWidgetRequest, answerPreflight, publicKeyOf } from '../platform/tenancy/widget-auth.ts'
import { EXECUTION_STATUSES } from './runtime/execution.ts'
import type { ExecutionService } from './runtime/execution-service.ts'
import type { SessionStore } from './sessions/session-store.ts'
import type { UploadedFile, UploadService } from './uploads/upload-service.ts'
import type { SessionFacts } from './webhooks/webhook-job.ts'

export interface ChatDeps {
  tenancy: TenancyService
  sessions: SessionStore
  executions: ExecutionService
  uploads: UploadService
  publisher: EventPublisher
  rateLimiter: RateLimiter
  idempotency: Idempotency
  config: Pick<Config, 'ingest' | 'chat'>
  /** Told of every session opened, before the answer (webhooks queue chat.session.opened and its expiry). */
  sessionOpened?: (tenantId: string, session: SessionFacts) => Promise<void>
  /** Counts a session open toward the key's monthly usage quota (engine/public/usage-quota.ts). */
  admitSession?: (widgetKey: WidgetKey) => Promise<void>
}

const id = z.string().min(1).max(128)
const DEFAULT_UPLOAD_BYTES = 10 * 1_048_576
const MAX_UPLOAD_BYTES = 20 * 1_048_576

const openSessionBody = z
  .strictObject({
    publicKey: z.string().optional(),
    anonymousId: id
      .optional()
      .describe("The visitor's browser-scoped id, to join the chat to their telemetry"),
  })
  .default({})

/** Anonymous visitors write `context` into state kept for days, so it is small (engine/CHAT.md). */
export const CONTEXT_LIMITS: JsonLimits = { maxKeys: 50, maxDepth: 5, maxBytes: 8_192 }
/** Form values: a field per key, lists for multi-selects; text fields bound their own lengths. */
export const VALUES_LIMITS: JsonLimits = { maxKeys: 100, maxDepth: 3, maxBytes: 32_768 }

const triggerBody = z.strictObject({
  publicKey: z.string().optional(),
  intentName,
  text: z.string().max(4_000).optional(),
  context: boundedJson('context', CONTEXT_LIMITS)
    .optional()
    .describe(
      `Exposed to the flow as {{context.*}}; at most ${CONTEXT_LIMITS.maxKeys} keys, ${CONTEXT_LIMITS.maxDepth} levels and ${CONTEXT_LIMITS.maxBytes} bytes of JSON`,
    ),
})

const resumeBody = z.strictObject({
  publicKey: z.string().optional(),
  executionId: id,
  waitToken: z.string().min(1).max(200),
  values: boundedJson('values', VALUES_LIMITS).default({}),
})

const replySchema = z.object({
  executionId: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  blocks: z
    .array(z.record(z.string(), z.unknown()))
    .describe('What to render; see engine/CHAT.md for block types'),
  waitToken: z.string().optional().describe('Single use: send it back with the values to resume'),
  pollAfterMs: z
    .number()
    .optional()
    .describe('While waiting_time: poll GET /v1/chat/executions/{id} after this'),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  tokenUsage: tokenUsageSchema.optional(),
})

/** The widget's chat API: open a session, trigger or resume a flow, poll async steps. */
export function chatRoutes(deps: ChatDeps): FastifyPluginAsyncZod {
  const widget = async (
    request: FastifyRequest,
    reply: FastifyReply,
    bodyKey?: unknown,
  ): Promise<WidgetKey> => {
    const widgetKey = await admitWidgetRequest(
      {
        tenancy: deps.tenancy,
        rateLimiter: deps.rateLimiter,
        rateLimitPerIp: deps.config.ingest.rateLimitPerIp,
      },
      request,
      reply,
      publicKeyOf(request, bodyKey),
    )
    await deps.rateLimiter.consume(`key:${widgetKey.publicKey}`, 1, deps.config.ingest.rateLimitPerKey)
    return widgetKey
  }
  const session = async (request: FastifyRequest, widgetKey: WidgetKey) => {
    const chat = await deps.sessions.authenticate(request.headers.authorization, widgetKey.publicKey)
    // Per-session budget: one visitor cannot exhaust the key's.
    await deps.rateLimiter.consume(`session:${chat.chatSessionId}`, 1, deps.config.chat.rateLimitPerSession)
    return chat
  }

  return async (routes) => {
    for (const [url, methods] of [
      ['/v1/chat/sessions', 'POST'],
      ['/v1/chat/messages', 'POST'],
      ['/v1/chat/executions/:executionId', 'GET'],
      ['/v1/chat/uploads', 'POST'],
    ] as const) {
      routes.options(url, { schema: { hide: true } }, (request, reply) =>
        answerPreflight(deps.tenancy, request, reply, methods),
      )
    }

    routes.post(
      '/v1/chat/sessions',
      {
        schema: {
          tags: ['chat'],
          summary: 'Open a chat session with a widget key',
          querystring: z.object({ publicKey: z.string().optional() }),
          body: openSessionBody,
          response: {
            201: z.object({
              sessionId: z
                .string()
                .describe(
                  "The chat's public id (not a credential): send it as beacons' chat_session_id and as a conversion's chatSessionId",
                ),
              sessionToken: z
                .string()
                .describe('A credential: send only as Authorization: Bearer on later chat calls'),
              expiresAt: z.string(),
              intents: z.array(z.string()).describe("The key's intents that are published now"),
            }),
          },
        },
      },
      async (request, reply) => {
        const widgetKey = await widget(request, reply, request.body.publicKey)
        // Sessions (and the executions they start) live in state: per-minute budgets bound what
        // anonymous callers can make it hold.
        const { chat: limits } = deps.config
        await deps.rateLimiter.consume(`sessions-per-ip:${request.ip}`, 1, limits.sessionsPerMinutePerIp, 60)
        await deps.rateLimiter.consume(
          `sessions-per-key:${widgetKey.publicKey}`,
          1,
          limits.sessionsPerMinutePerKey,
          60,
        )
        await deps.admitSession?.(widgetKey)
        const { token, session: opened } = await deps.sessions.open({
          tenantId: widgetKey.tenantId,
          publicKey: widgetKey.publicKey,
          anonymousId: request.body.anonymousId ?? '',
        })
        await deps.sessionOpened?.(widgetKey.tenantId, {
          sessionId: opened.chatSessionId,
          widgetKey: widgetKey.publicKey,
          anonymousId: opened.anonymousId,
          openedAt: opened.createdAt,
          expiresAt: opened.expiresAt,
        })
        const intents = await deps.executions.availableIntents(widgetKey)
        await deps.publisher
          .publish([
            serverEventRow({
              tenant_id: widgetKey.tenantId,
              type: 'chat.session.opened',
              widget_key: widgetKey.publicKey,
              anonymous_id: opened.anonymousId,
              chat_session_id: opened.chatSessionId,
            }),
          ])
          .catch((error: unknown) => request.log.error({ err: error }, 'session event not recorded'))
        return reply.status(201).send({
          sessionId: opened.chatSessionId,
          sessionToken: token,
          expiresAt: new Date(opened.expiresAt).toISOString(),
          intents,
        })
      },
    )

    routes.post(
      '/v1/chat/messages',
      {
        schema: {
          tags: ['chat'],
          summary:
            'Trigger an intent (intentName) or resume a waiting execution (executionId + waitToken + values)',
          querystring: z.object({ publicKey: z.string().optional() }),
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: z.union([triggerBody, resumeBody]),
          response: { 200: replySchema },
        },
      },
      async (request, reply) => {
        const widgetKey = await widget(request, reply, request.body.publicKey)
        const chat = await session(request, widgetKey)
        const { body } = request
        const { publicKey: _key, ...idempotent } = body
        if ('intentName' in body) {
          await deps.rateLimiter.consume(
            `triggers-per-session:${chat.chatSessionId}`,
            1,
            deps.config.chat.triggersPerMinutePerSession,
            60,
          )
        }
        const result = await deps.idempotency.run(
          `chat:${chat.chatSessionId}`,
          request.headers['idempotency-key'],
          idempotent,
          () =>
            'intentName' in body
              ? deps.executions.trigger(chat, widgetKey, {
                  intent: body.intentName,
                  ...(body.text === undefined ? {} : { text: body.text }),
                  ...(body.context === undefined ? {} : { context: body.context }),
                })
              : deps.executions.resume(chat, {
                  executionId: body.executionId,
                  waitToken: body.waitToken,
                  values: body.values,
                }),
        )
        return reply.send(result)
      },
    )

    routes.get(
      '/v1/chat/executions/:executionId',
      {
        schema: {
          tags: ['chat'],
          summary: 'Poll an execution (every 1-2 s while waiting_time)',
          querystring: z.object({ publicKey: z.string().optional() }),
          params: z.object({ executionId: id }),
          response: { 200: replySchema },
        },
      },
      async (request, reply) => {
        const widgetKey = await widget(request, reply)
        const chat = await session(request, widgetKey)
        return reply.send(await deps.executions.poll(chat, request.params.executionId))
      },
    )

    await routes.register(multipart, { limits: { files: 1, fields: 0, fileSize: MAX_UPLOAD_BYTES } })

    routes.post(
      '/v1/chat/uploads',
      {
        schema: {
          tags: ['chat'],
          summary: "Upload a file for a waiting form's file field (multipart/form-data, one file part)",
          description:
            "Send the returned uploadId as the field value when resuming. Size and type limits come from the field (maxBytes, accept); the type is decided from the file's bytes (a declared type they contradict, and HTML, SVG or XML, get 415), and uploads count against per-execution, per-session and per-key budgets (429 upload_quota_exceeded). Uploads are never served back.",
          querystring: z.object({
            publicKey: z.string().optional(),
            executionId: id,
            field: z.string().min(1).max(64),
          }),
          response: {
            201: z.object({
              uploadId: z.string(),
              filename: z.string(),
              contentType: z.string().describe("Decided from the file's bytes, not the declared type"),
              size: z.number(),
            }),
          },
        },
      },
      async (request, reply) => {
        const widgetKey = await widget(request, reply)
        const chat = await session(request, widgetKey)
        const { executionId, field: fieldName } = request.query
        const { execution, field } = await deps.executions.waitingFileField(chat, executionId, fieldName)
        const owner = {
          tenantId: execution.tenantId,
          publicKey: widgetKey.publicKey,
          chatSessionId: chat.chatSessionId,
          executionId: execution.executionId,
        }
        await deps.uploads.quota.checkRoom(owner)
        const file = await readFilePart(request, fieldName, field.maxBytes ?? DEFAULT_UPLOAD_BYTES)
        return reply.status(201).send(await deps.uploads.upload(owner, field, file))
      },
    )
  }
}

/** The request's one file part, read whole; more than `limit` bytes is a 413 naming the field. */
async function readFilePart(
  request: FastifyRequest,
  fieldName: string,
  limit: number,
): Promise<UploadedFile> {
  try {
    const part = await request.file({ limits: { fileSize: limit } })
    if (!part) throw new AppError('bad_request', 'send one file part as multipart/form-data')
    return { filename: part.filename, declaredType: part.mimetype, bytes: await part.toBuffer() }
  } catch (error) {
    if (error instanceof AppError) throw error
    const { code, message } = error as { code?: string; message?: string }
    if (code === 'FST_REQ_FILE_TOO_LARGE')
      throw new AppError('payload_too_large', `"${fieldName}" accepts files up to ${limit} bytes`)
    // The multipart parser's own errors (no boundary, a malformed part) are the body's fault.
    if (code === undefined)
      throw new AppError('bad_request', `the multipart body could not be read: ${message}`)
    throw error
  }
}
