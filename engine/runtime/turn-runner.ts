import { toMicros } from '../../ingest/enrich-event.ts'
import type { EventPublisher } from '../../ingest/event-publisher.ts'
import { serverEventRow } from '../../ingest/server-event.ts'
import type { Config } from '../../platform/config/config.ts'
import type { Logger } from '../../platform/log/logger.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import type { Flow } from '../flows/flow-schema.ts'
import { type ChatReply, toReply } from './chat-reply.ts'
import type { Block, ExecutionState } from './execution.ts'
import type { ExecutionStore } from './execution-store.ts'
import type { EngineEvent } from './node-outcome.ts'
import { runTurn } from './run-turn.ts'
import { toTokenUsage } from './token-usage.ts'
import type { TurnObserver } from './turn-observer.ts'

export const ENGINE_QUEUE = 'engine'

/** A job on the engine queue; `seq` pins it to one turn, so a job run twice advances the execution once. */
export interface EngineJob {
  kind: 'async' | 'expire'
  executionId: string
  seq: number
}

/** What led into a turn: the events to record with it, and blocks to show before its own (an LLM answer). */
export interface TurnLead {
  events?: EngineEvent[]
  blocks?: readonly Block[]
  /** The turn follows an async step in the worker (not a trigger or resume). */
  fromWorker?: boolean
  /** The form the visitor submitted to start the turn (for the observer: webhooks carry the values). */
  form?: { nodeId: string; values: Record<string, unknown> }
}

/**
 * Runs a turn and makes its result durable: saves the execution, issues the wait token, schedules the
 * async work or the idle expiry, and records the turn's events in the ingest pipeline.
 */
export class TurnRunner {
  constructor(
    private readonly deps: {
      state: StateStore
      executions: ExecutionStore
      publisher: EventPublisher
      config: Config['chat']
      logger: Logger
      /** Told of every change before it is saved (webhook deliveries are queued there). */
      observer?: TurnObserver
    },
  ) {}

  async advance(flow: Flow, before: ExecutionState, lead: TurnLead = {}): Promise<ChatReply> {
    const { config, executions } = this.deps
    const now = Date.now()
    const turn = runTurn(flow, before, {
      maxSteps: config.maxStepsPerTurn,
      now,
      ...(lead.blocks ? { firstBlocks: lead.blocks } : {}),
    })
    const { continued: _previous, ...ran } = turn.execution
    const execution: ExecutionState = lead.fromWorker
      ? {
          ...ran,
          continued: true,
          lastBlocks: [...(before.continued ? before.lastBlocks : []), ...ran.lastBlocks],
        }
      : ran
    if (execution.status === 'waiting_input') {
      const idleMs = config.idleTimeoutSeconds * 1000
      execution.waitToken = await executions.issueWaitToken(execution.executionId, idleMs)
      await this.schedule(
        { kind: 'expire', executionId: execution.executionId, seq: execution.seq },
        now + idleMs,
      )
    }
    if (execution.status === 'waiting_time') {
      const node = flow.nodes.find((candidate) => candidate.id === execution.nodeId)
      const delayMs = node?.type === 'delay' ? node.seconds * 1000 : 0
      await this.schedule(
        { kind: 'async', executionId: execution.executionId, seq: execution.seq },
        now + delayMs,
      )
    }
    await this.deps.observer?.observe({
      before,
      after: execution,
      blocks: turn.blocks,
      ...(lead.form ? { form: lead.form } : {}),
    })
    await executions.save(execution)
    await this.record(execution, before.status, [
      ...(lead.events ?? []),
      ...turn.events,
      ...turn.blocks.map(
        (block): EngineEvent => ({
          type: 'chat.block.rendered',
          blockId: block.id,
          props: { block_type: block.type },
        }),
      ),
    ])
    return toReply(execution)
  }

  /** Saves a change made outside a turn (idle expiry, a failed async step) and records the status change. */
  async settle(before: ExecutionState, after: ExecutionState, events: EngineEvent[] = []): Promise<void> {
    await this.deps.observer?.observe({ before, after, blocks: [] })
    await this.deps.executions.save(after)
    await this.record(after, before.status, events)
  }

  private async schedule(job: EngineJob, runAt: number): Promise<void> {
    await this.deps.state.schedule(ENGINE_QUEUE, {
      id: `${job.kind}:${job.executionId}:${job.seq}`,
      payload: JSON.stringify(job),
      runAt,
    })
  }

  /** Analytics events are best effort for the chat: a failed append is logged, the reply still goes out. */
  private async record(execution: ExecutionState, previous: string, events: EngineEvent[]): Promise<void> {
    const statusChange: EngineEvent[] =
      previous === execution.status
        ? []
        : [
            {
              type: 'chat.execution.status_changed',
              props: {
                from: previous,
                to: execution.status,
                ...(execution.error ? { error: execution.error.code } : {}),
                ...(execution.turnUsage ? { tokenUsage: toTokenUsage(execution.turnUsage) } : {}),
              },
            },
          ]
    const rows = [...events, ...statusChange].map((event) =>
      serverEventRow({
        ...(event.eventId ? { event_id: event.eventId } : {}),
        ...(event.ts ? { ts: event.ts } : {}),
        tenant_id: execution.tenantId,
        type: event.type,
        widget_key: execution.widgetKey,
        anonymous_id: execution.anonymousId,
        chat_session_id: execution.chatSessionId,
        execution_id: execution.executionId,
        intent: execution.intent,
        flow_id: execution.flowId,
        flow_version: execution.flowVersion,
        block_id: event.blockId ?? '',
        props: event.props ?? {},
        ...(event.value !== undefined && event.currency
          ? { value_micros: toMicros(event.value), currency: event.currency }
          : {}),
      }),
    )
    if (rows.length === 0) return
    try {
      await this.deps.publisher.publish(rows)
    } catch (error) {
      this.deps.logger.error({ err: error, executionId: execution.executionId }, 'engine events not recorded')
    }
  }
}
