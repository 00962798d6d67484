import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { tokenUsageSchema } from '../../ingest/server-event-types.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { FlowService } from '../flows/flow-service.ts'
import { EXECUTION_STATUSES, type ExecutionState } from '../runtime/execution.ts'
import type { ExecutionStore } from '../runtime/execution-store.ts'
import { toTokenUsage } from '../runtime/token-usage.ts'
import { type ExecutionListRow, findSession, listEngineExecutions } from './engine-read-queries.ts'

export interface EngineReadDeps {
  db: Db
  tenancy: TenancyService
  flows: FlowService
  executions: ExecutionStore
  sessionTtlMs: number
}

const security = [{ secretKey: [] }]
const tags = ['engine']
const id = z.string().min(1).max(128)
const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant, e.g. 2026-12-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

const executionSummary = z.object({
  executionId: z.string(),
  sessionId: z.string(),
  anonymousId: z.string(),
  intent: z.string(),
  flow: z.object({ id: z.string(), version: z.number() }),
  status: z.string().describe("The last status recorded ('' until its first status event is stored)"),
  startedAt: z.string(),
  updatedAt: z.string(),
})

const executionDetail = z.object({
  executionId: z.string(),
  sessionId: z.string(),
  anonymousId: z.string(),
  widgetKey: z.string(),
  intent: z.string(),
  flow: z.object({ id: z.string(), version: z.number() }),
  status: z.enum(EXECUTION_STATUSES),
  currentWait: z
    .object({ kind: z.enum(['input', 'time']), nodeId: z.string() })
    .optional()
    .describe('What the execution waits for: the visitor (input) or async work (time)'),
  variables: z
    .record(z.string(), z.unknown())
    .describe('The variables the flow lists in `exports`; no others'),
  blocks: z.array(z.record(z.string(), z.unknown())).describe('The blocks the last reply showed'),
  tokenUsage: tokenUsageSchema.optional().describe("The current turn's usage, as on its reply"),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  steps: z.array(z.object({ nodeId: z.string(), type: z.string(), outcome: z.string(), at: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
})

const listQuery = z.strictObject({
  customerId: id
    .optional()
    .describe('Executions of the anonymous ids identify events or conversions linked to it'),
  anonymousId: id.optional(),
  sessionId: id.optional(),
  from: instant.optional().describe('Executions started at or after'),
  to: instant.optional().describe('Executions started before'),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
})

/**
 * Engine API reads for a shop's backend (secret key with the `engine` scope): a chat session, one
 * execution's live state, and executions by customer, anonymous id, session and time. The tenant always
 * comes from the key: another tenant's ids read as missing.
 */
export function engineReadRoutes(deps: EngineReadDeps): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(deps.tenancy, 'engine'))

    routes.get(
      '/v1/engine/sessions/:sessionId',
      {
        schema: {
          tags,
          security,
          summary: 'A chat session: status, the intents triggered, its executions (from the event pipeline)',
          params: z.object({ sessionId: id }),
          response: {
            200: z.object({
              sessionId: z.string(),
              status: z.enum(['open', 'expired']),
              widgetKey: z.string(),
              anonymousId: z.string(),
              openedAt: z.string(),
              expiresAt: z.string(),
              intents: z.array(z.string()).describe('The intents triggered in the session, first first'),
              executions: z.array(executionSummary),
            }),
          },
        },
      },
      async (request) => {
        const tenantId = principalOf(request).tenantId
        const { sessionId } = request.params
        const session = await findSession(deps.db, tenantId, sessionId)
        if (!session) throw new AppError('not_found', `no chat session ${sessionId}`)
        const executions = await listEngineExecutions(deps.db, tenantId, { sessionId, limit: 1_000 })
        const expiresAt = session.opened_at + deps.sessionTtlMs
        const oldestFirst = [...executions].reverse()
        return {
          sessionId,
          status: expiresAt > Date.now() ? ('open' as const) : ('expired' as const),
          widgetKey: session.widget_key,
          anonymousId: session.anonymous_id,
          openedAt: iso(session.opened_at),
          expiresAt: iso(expiresAt),
          intents: [...new Set(oldestFirst.map((row) => row.intent))],
          executions: executions.map(toSummary),
        }
      },
    )

    routes.get(
      '/v1/engine/executions/:executionId',
      {
        schema: {
          tags,
          security,
          summary: "An execution's live state: status, current wait, exported variables, blocks, token usage",
          description: 'Executions are kept 7 days after their last change; older ones answer 404.',
          params: z.object({ executionId: id }),
          response: { 200: executionDetail },
        },
      },
      async (request) => {
        const tenantId = principalOf(request).tenantId
        const execution = await deps.executions.load(request.params.executionId)
        if (!execution || execution.tenantId !== tenantId)
          throw new AppError('not_found', `no execution ${request.params.executionId}`)
        const flow = await deps.flows.loadVersion(tenantId, execution.flowId, execution.flowVersion)
        return toDetail(execution, flow.exports ?? [])
      },
    )

    routes.get(
      '/v1/engine/executions',
      {
        schema: {
          tags,
          security,
          summary: 'Executions by customer, anonymous id, session and start time, newest first',
          description:
            'Read from the engine events (about a second behind the live state). customerId follows identity links (identify events, conversions) to the anonymous ids that chatted.',
          querystring: listQuery,
          response: { 200: z.object({ executions: z.array(executionSummary) }) },
        },
      },
      async (request) => {
        const { customerId, anonymousId, sessionId, from, to, limit } = request.query
        const rows = await listEngineExecutions(deps.db, principalOf(request).tenantId, {
          limit,
          ...(customerId ? { customerId } : {}),
          ...(anonymousId ? { anonymousId } : {}),
          ...(sessionId ? { sessionId } : {}),
          ...(from ? { fromMs: Date.parse(from) } : {}),
          ...(to ? { toMs: Date.parse(to) } : {}),
        })
        return { executions: rows.map(toSummary) }
      },
    )
  }
}

function toSummary(row: ExecutionListRow): z.infer<typeof executionSummary> {
  return {
    executionId: row.execution_id,
    sessionId: row.chat_session_id,
    anonymousId: row.anonymous_id,
    intent: row.intent,
    flow: { id: row.flow_id, version: Number(row.flow_version) },
    status: row.status,
    startedAt: iso(row.started_at),
    updatedAt: iso(row.updated_at),
  }
}

function toDetail(execution: ExecutionState, exports: readonly string[]): z.infer<typeof executionDetail> {
  const waiting = execution.status === 'waiting_input' || execution.status === 'waiting_time'
  return {
    executionId: execution.executionId,
    sessionId: execution.chatSessionId,
    anonymousId: execution.anonymousId,
    widgetKey: execution.widgetKey,
    intent: execution.intent,
    flow: { id: execution.flowId, version: execution.flowVersion },
    status: execution.status,
    ...(waiting
      ? {
          currentWait: {
            kind: execution.status === 'waiting_input' ? 'input' : 'time',
            nodeId: execution.nodeId,
          },
        }
      : {}),
    variables: Object.fromEntries(
      exports.filter((name) => name in execution.variables).map((name) => [name, execution.variables[name]]),
    ),
    blocks: execution.lastBlocks as unknown as Array<Record<string, unknown>>,
    ...(execution.turnUsage ? { tokenUsage: toTokenUsage(execution.turnUsage) } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    steps: execution.trace.map((step) => ({
      nodeId: step.nodeId,
      type: step.type,
      outcome: step.outcome,
      at: iso(step.at),
    })),
    createdAt: iso(execution.createdAt),
    updatedAt: iso(execution.updatedAt),
  }
}
