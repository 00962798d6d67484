import type { Logger } from '../../platform/log/logger.ts'
import { backoffMs, type ClaimedJob, type StateStore } from '../../platform/state/state-store.ts'
import type { FlowService } from '../flows/flow-service.ts'
import type { ExecutionStore } from './execution-store.ts'
import { type AsyncStepDeps, isAsyncNode, runAsyncStep } from './run-async-step.ts'
import { ENGINE_QUEUE, type EngineJob, type TurnRunner } from './turn-runner.ts'

export interface EngineWorkerDeps extends AsyncStepDeps {
  state: StateStore
  flows: FlowService
  executions: ExecutionStore
  runner: TurnRunner
  logger: Logger
  concurrency?: number
}

const IDLE_POLL_MS = 100
/** While the state store is down, polls back off up to this instead of failing ten times a second. */
const MAX_FAILED_POLL_MS = 2_000
const LEASE_MS = 90_000
const MAX_JOB_ATTEMPTS = 10

/**
 * The `worker` role: claims due engine jobs (async steps, idle expiries) from the state port's queue.
 * Delivery is at least once — a worker killed mid-job loses its lease and another claims the job — and
 * each job is pinned to the turn (`seq`) it was made for, so running it twice advances the execution once.
 * Up to `concurrency` jobs run at once, and a free slot is refilled right away: a slow LLM or connection
 * call holds one slot, not the whole worker.
 */
export class EngineWorker {
  private running = false
  private loop: Promise<void> | undefined
  private readonly inFlight = new Set<Promise<void>>()

  constructor(private readonly deps: EngineWorkerDeps) {}

  start(): void {
    this.running = true
    this.loop = this.poll()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  private async poll(): Promise<void> {
    const slots = this.deps.concurrency ?? 8
    let failedPolls = 0
    while (this.running) {
      let claimed = 0
      const free = slots - this.inFlight.size
      if (free > 0) {
        try {
          const jobs = await this.deps.state.claim(ENGINE_QUEUE, { limit: free, leaseMs: LEASE_MS })
          for (const job of jobs) this.track(job)
          claimed = jobs.length
          if (failedPolls > 0) this.deps.logger.info({ failedPolls }, 'engine worker polls again')
          failedPolls = 0
        } catch (error) {
          if (failedPolls === 0)
            this.deps.logger.error({ err: error }, 'engine worker poll failed; backing off')
          failedPolls += 1
        }
      }
      if (claimed === 0 || this.inFlight.size >= slots) {
        const pause = Math.min(IDLE_POLL_MS * 2 ** failedPolls, MAX_FAILED_POLL_MS)
        await Promise.race([new Promise((resolve) => setTimeout(resolve, pause)), ...this.inFlight])
      }
    }
    await Promise.all(this.inFlight)
  }

  private track(job: ClaimedJob): void {
    const task: Promise<void> = this.handle(job)
      .catch((error) => this.deps.logger.error({ err: error, job: job.id }, 'engine job not settled'))
      .finally(() => this.inFlight.delete(task))
    this.inFlight.add(task)
  }

  private async handle(job: ClaimedJob): Promise<void> {
    const { state, logger } = this.deps
    try {
      const retryInMs = await this.run(JSON.parse(job.payload) as EngineJob, job.attempt)
      if (retryInMs === undefined) await state.ack(ENGINE_QUEUE, job)
      else await state.retry(ENGINE_QUEUE, job, retryInMs)
    } catch (error) {
      logger.warn({ err: error, job: job.id, attempt: job.attempt }, 'engine job failed; retrying')
      if (job.attempt >= MAX_JOB_ATTEMPTS) await state.ack(ENGINE_QUEUE, job)
      else await state.retry(ENGINE_QUEUE, job, backoffMs(job.attempt))
    }
  }

  /** Returns a delay when the job should run again later. */
  private async run(job: EngineJob, attempt: number): Promise<number | undefined> {
    const { executions, flows, runner } = this.deps
    return executions.withLock(job.executionId, async () => {
      const execution = await executions.load(job.executionId)
      if (!execution || execution.seq !== job.seq) return undefined

      if (job.kind === 'expire') {
        if (execution.status !== 'waiting_input') return undefined
        if (execution.waitToken) await executions.dropWaitToken(execution.executionId, execution.waitToken)
        const { waitToken: _dropped, turnUsage: _lastTurn, ...rest } = execution
        await runner.settle(execution, {
          ...rest,
          status: 'aborted',
          error: { code: 'idle_timeout', message: 'no answer within CHAT_IDLE_TIMEOUT_SECONDS' },
          lastBlocks: [],
          updatedAt: Date.now(),
        })
        return undefined
      }

      if (execution.status !== 'waiting_time') return undefined
      const flow = await flows.loadVersion(execution.tenantId, execution.flowId, execution.flowVersion)
      const node = flow.nodes.find((candidate) => candidate.id === execution.nodeId)
      if (!isAsyncNode(node)) return undefined
      const step = await runAsyncStep(node, execution, attempt, this.deps)
      if (step.kind === 'retry') {
        this.deps.logger.warn(
          { executionId: execution.executionId, attempt, error: step.error },
          'async step will retry',
        )
        return step.delayMs
      }
      const turnUsage = step.turnUsage ?? execution.turnUsage
      if (step.kind === 'fail') {
        await runner.settle(
          execution,
          {
            ...execution,
            status: 'failed',
            error: { code: step.code, message: step.message },
            lastBlocks: execution.continued ? execution.lastBlocks : [],
            updatedAt: Date.now(),
            ...(turnUsage ? { turnUsage } : {}),
          },
          step.events,
        )
        return undefined
      }
      await runner.advance(
        flow,
        { ...execution, nodeId: step.nodeId, variables: step.variables, ...(turnUsage ? { turnUsage } : {}) },
        {
          fromWorker: true,
          ...(step.events ? { events: step.events } : {}),
          ...(step.blocks ? { blocks: step.blocks } : {}),
        },
      )
      return undefined
    })
  }
}
