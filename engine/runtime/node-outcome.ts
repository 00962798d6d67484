import type { ServerEventProps, ServerEventType } from '../../ingest/server-event-types.ts'
import type { FlowNode } from '../flows/flow-schema.ts'
import type { AsyncWork, Block, ExecutionErrorCode } from './execution.ts'
import type { TurnUsage } from './token-usage.ts'

/** An engine event a node asks to record; the runner stamps the execution's ids on it. */
export type EngineEvent = {
  [T in ServerEventType]: {
    type: T
    /** Set when the event's id is chosen before it happens (an `llm.call`'s call id); else a new UUID. */
    eventId?: string
    /** When it happened, in ms; default: when it is recorded. */
    ts?: number
    blockId?: string
    props?: ServerEventProps<T>
    value?: number
    currency?: string
  }
}[ServerEventType]

/** What running one node decided. Executors return it and never mutate the execution. */
export type NodeOutcome =
  | { kind: 'next'; next: string; blocks?: Block[]; assign?: Record<string, unknown>; events?: EngineEvent[] }
  | { kind: 'wait_input'; blocks: Block[] }
  | { kind: 'wait_time'; work: AsyncWork }
  | {
      kind: 'finish'
      status: 'completed' | 'aborted'
      blocks?: Block[]
      reason?: string
      events?: EngineEvent[]
    }
  | { kind: 'fail'; code: ExecutionErrorCode; message: string }

export interface NodeContext {
  variables: Readonly<Record<string, unknown>>
}

export type NodeOf<T extends FlowNode['type']> = Extract<FlowNode, { type: T }>

/** How an async step ended; an `llm` step also carries its call's event and the turn's usage so far. */
export type AsyncStepResult =
  | {
      kind: 'continue'
      nodeId: string
      variables: Record<string, unknown>
      blocks?: Block[]
      events?: EngineEvent[]
      turnUsage?: TurnUsage
    }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'fail'; code: ExecutionErrorCode; message: string; events?: EngineEvent[]; turnUsage?: TurnUsage }
