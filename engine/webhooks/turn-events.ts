import { nameBasedId } from '../../platform/ids.ts'
import { FINAL_STATUSES } from '../runtime/execution.ts'
import { toTokenUsage } from '../runtime/token-usage.ts'
import type { TurnChange } from '../runtime/turn-observer.ts'
import { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from './webhook-event-types.ts'

/**
 * The webhook events of one execution change, in the order they happened: started (first turn), the
 * form submitted, handoffs shown, then one `chat.execution.updated` for every change, then the final
 * event when the execution ended. Ids are fixed by execution, turn and status, so a turn that is run
 * again (a client retry after a crash) produces the same events, which the queue keeps once. Pure.
 */
export function turnEvents(change: TurnChange, exports: readonly string[]): WebhookEvent[] {
  const { before, after, blocks, form } = change
  const at = new Date(after.updatedAt).toISOString()
  const ref = {
    executionId: after.executionId,
    sessionId: after.chatSessionId,
    intent: after.intent,
    flow: { id: after.flowId, version: after.flowVersion },
    anonymousId: after.anonymousId,
    widgetKey: after.widgetKey,
  }
  const variables = Object.fromEntries(
    exports.filter((name) => name in after.variables).map((name) => [name, after.variables[name]]),
  )
  const tokenUsage = after.turnUsage ? { tokenUsage: toTokenUsage(after.turnUsage) } : {}
  const error = after.error ? { error: { code: after.error.code, message: after.error.message } } : {}
  const event = <T extends WebhookEventType>(
    type: T,
    tag: string,
    data: WebhookEvent<T>['data'],
  ): WebhookEvent =>
    ({
      id: nameBasedId('webhook', after.executionId, after.seq, after.status, tag),
      type,
      version: WEBHOOK_EVENT_TYPES[type].version,
      timestamp: at,
      tenantId: after.tenantId,
      data,
    }) as WebhookEvent

  const events: WebhookEvent[] = []
  if (before.seq === 0 && before.status === 'running')
    events.push(
      event('chat.execution.started', 'started', {
        ...ref,
        startedAt: new Date(after.createdAt).toISOString(),
      }),
    )
  if (form)
    events.push(
      event('chat.form.submitted', 'form', {
        ...ref,
        nodeId: form.nodeId,
        values: form.values,
        submittedAt: at,
      }),
    )
  for (const block of blocks) {
    if (block.type === 'handoff')
      events.push(
        event('chat.handoff.requested', `handoff:${block.id}`, {
          ...ref,
          nodeId: block.id,
          message: block.message,
          requestedAt: at,
        }),
      )
  }
  const waitingFor =
    after.status === 'waiting_input' || after.status === 'waiting_time'
      ? {
          waitingFor: {
            kind: after.status === 'waiting_input' ? ('input' as const) : ('time' as const),
            nodeId: after.nodeId,
          },
        }
      : {}
  events.push(
    event('chat.execution.updated', 'updated', {
      ...ref,
      status: after.status,
      previousStatus: before.status,
      blocks: blocks.map((block) => ({ ...block })),
      ...waitingFor,
      ...error,
      ...tokenUsage,
      variables,
      turn: after.seq,
      updatedAt: at,
    }),
  )
  if (FINAL_STATUSES.has(after.status) && !FINAL_STATUSES.has(before.status)) {
    const type = `chat.execution.${after.status}` as 'chat.execution.completed'
    events.push(
      event(type, 'final', {
        ...ref,
        status: after.status as 'completed',
        ...error,
        ...tokenUsage,
        variables,
        startedAt: new Date(after.createdAt).toISOString(),
        endedAt: at,
      }),
    )
  }
  return events
}
