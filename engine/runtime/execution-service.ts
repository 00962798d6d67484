import { AppError } from '../../platform/errors/catalog.ts'
import { newId } from '../../platform/ids.ts'
import type { WidgetKey } from '../../platform/tenancy/tenancy-service.ts'
import type { FlowNode, FormField } from '../flows/flow-schema.ts'
import type { FlowService } from '../flows/flow-service.ts'
import type { ChatSession } from '../sessions/session-store.ts'
import type { UploadService } from '../uploads/upload-service.ts'
import { type ChatReply, toReply } from './chat-reply.ts'
import { answerEntry, appendConversation } from './conversation.ts'
import type { ExecutionState } from './execution.ts'
import type { ExecutionStore } from './execution-store.ts'
import type { TurnRunner } from './turn-runner.ts'
import { validateAnswer } from './validate-answer.ts'

export interface TriggerInput {
  intent: string
  text?: string
  context?: Record<string, unknown>
}

export interface ResumeInput {
  executionId: string
  waitToken: string
  values: Record<string, unknown>
}

/** The chat lifecycle: trigger an intent, resume with values, poll while async work runs. */
export class ExecutionService {
  constructor(
    private readonly flows: FlowService,
    private readonly executions: ExecutionStore,
    private readonly runner: TurnRunner,
    private readonly uploads: UploadService,
  ) {}

  /** The intents this key may trigger that are published right now. */
  async availableIntents(widgetKey: WidgetKey): Promise<string[]> {
    const published = await this.flows.publishedIntents(widgetKey.tenantId)
    return [...published.keys()]
      .filter((intent) => widgetKey.allIntents || widgetKey.intents.includes(intent))
      .sort()
  }

  async trigger(session: ChatSession, widgetKey: WidgetKey, input: TriggerInput): Promise<ChatReply> {
    if (!widgetKey.allIntents && !widgetKey.intents.includes(input.intent)) {
      throw new AppError('intent_not_allowed', `this widget key may not trigger "${input.intent}"`)
    }
    const published = (await this.flows.publishedIntents(session.tenantId)).get(input.intent)
    if (!published) throw new AppError('intent_not_matched', `no published flow handles "${input.intent}"`)
    const flow = await this.flows.loadVersion(session.tenantId, published.flowId, published.version)
    const now = Date.now()
    const execution: ExecutionState = {
      executionId: newId(),
      tenantId: session.tenantId,
      chatSessionId: session.chatSessionId,
      widgetKey: widgetKey.publicKey,
      anonymousId: session.anonymousId,
      flowId: published.flowId,
      flowVersion: published.version,
      intent: input.intent,
      status: 'running',
      nodeId: flow.start,
      variables: { ...flow.variables, context: { ...input.context, text: input.text ?? null } },
      seq: 0,
      lastBlocks: [],
      conversation: appendConversation([], input.text ? { role: 'user', content: input.text } : undefined),
      trace: [],
      createdAt: now,
      updatedAt: now,
    }
    return this.runner.advance(flow, execution, {
      events: [
        {
          type: 'chat.message.received',
          props: { kind: 'trigger', ...(input.text ? { text_length: input.text.length } : {}) },
        },
      ],
    })
  }

  /**
   * Continues a `waiting_input` execution. Bad values are answered 400 before the token is touched, so
   * the wait stays open. The token is checked, and the turn run and saved, under the execution's lock:
   * of two concurrent resumes one wins (the other finds the turn moved on), and the token is spent only
   * once the next turn is saved — a resume that fails halfway (a dependency down, the process killed)
   * leaves the wait open for the client's retry instead of an execution no token can resume.
   */
  async resume(session: ChatSession, input: ResumeInput): Promise<ChatReply> {
    const execution = await this.require(session, input.executionId)
    if (execution.status !== 'waiting_input' || execution.waitToken !== input.waitToken) {
      throw new AppError(
        'wait_token_invalid',
        'this wait token was already used, has expired, or is not the current one',
      )
    }
    const flow = await this.flows.loadVersion(execution.tenantId, execution.flowId, execution.flowVersion)
    const node = flow.nodes.find((candidate) => candidate.id === execution.nodeId)
    if (node?.type !== 'ask') throw new AppError('execution_not_waiting')
    const answer = validateAnswer(node, input.values)
    if (!answer.ok) {
      throw new AppError('validation_failed', 'some values are not valid; the form is still waiting', {
        fields: answer.errors,
      })
    }
    await this.checkUploads(execution, node, answer.variables)
    return this.executions.withLock(execution.executionId, async () => {
      const current = await this.require(session, input.executionId)
      // Another resume, or an idle expiry (which aborts without a new seq), got the lock first.
      if (
        current.seq !== execution.seq ||
        current.status !== 'waiting_input' ||
        current.waitToken !== input.waitToken
      ) {
        throw new AppError('wait_token_invalid', 'the execution moved on')
      }
      if (!(await this.executions.hasWaitToken(execution.executionId, input.waitToken))) {
        throw new AppError('wait_token_invalid', 'this wait token was already used or has expired')
      }
      // A new visitor turn: the last turn's token usage is not this one's.
      const { turnUsage: _previousTurn, ...rest } = current
      const resumed = {
        ...rest,
        variables: { ...current.variables, ...answer.variables },
        nodeId: node.next,
        conversation: appendConversation(current.conversation, answerEntry(node, answer.variables)),
      }
      const kind = node.input.kind === 'form' ? 'chat.form.submitted' : 'chat.message.received'
      const reply = await this.runner.advance(flow, resumed, {
        events: [{ type: kind, blockId: node.id, props: { kind: 'resume' } }],
        ...(node.input.kind === 'form' ? { form: { nodeId: node.id, values: answer.variables } } : {}),
      })
      // The saved turn already refuses this token (its seq and waitToken changed); dropping the key is tidying.
      await this.executions.dropWaitToken(execution.executionId, input.waitToken).catch(() => undefined)
      return reply
    })
  }

  /** The `file` field an upload is for: the execution must be waiting on a form that has it. */
  async waitingFileField(
    session: ChatSession,
    executionId: string,
    fieldName: string,
  ): Promise<{ execution: ExecutionState; field: FormField }> {
    const execution = await this.require(session, executionId)
    if (execution.status !== 'waiting_input') throw new AppError('execution_not_waiting')
    const flow = await this.flows.loadVersion(execution.tenantId, execution.flowId, execution.flowVersion)
    const node = flow.nodes.find((candidate) => candidate.id === execution.nodeId)
    const field =
      node?.type === 'ask' && node.input.kind === 'form'
        ? node.input.fields.find((candidate) => candidate.name === fieldName && candidate.type === 'file')
        : undefined
    if (!field) {
      throw new AppError('validation_failed', `the waiting form has no file field "${fieldName}"`, {
        fields: [{ field: fieldName, message: 'not a file field of the waiting form' }],
      })
    }
    return { execution, field }
  }

  /** A `file` field's value must name an upload made for this execution and field. */
  private async checkUploads(
    execution: ExecutionState,
    node: Extract<FlowNode, { type: 'ask' }>,
    variables: Record<string, unknown>,
  ): Promise<void> {
    if (node.input.kind !== 'form') return
    const errors = []
    for (const field of node.input.fields.filter((candidate) => candidate.type === 'file')) {
      const value = variables[field.name]
      if (typeof value !== 'string') continue
      const bound = await this.uploads.findBound(execution.tenantId, execution.executionId, field.name, [
        value,
      ])
      if (!bound.has(value))
        errors.push({ field: field.name, message: 'expected the uploadId of a file uploaded for this field' })
    }
    if (errors.length > 0) {
      throw new AppError('validation_failed', 'some values are not valid; the form is still waiting', {
        fields: errors,
      })
    }
  }

  async poll(session: ChatSession, executionId: string): Promise<ChatReply> {
    return toReply(await this.require(session, executionId))
  }

  private async require(session: ChatSession, executionId: string): Promise<ExecutionState> {
    const execution = await this.executions.load(executionId)
    // Another session's execution is reported as missing: ids must not be probed across sessions.
    if (!execution || execution.chatSessionId !== session.chatSessionId) {
      throw new AppError('not_found', `no execution ${executionId} in this chat session`)
    }
    return execution
  }
}
