import { AppError } from '../../platform/errors/catalog.ts'
import { newToken } from '../../platform/ids.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import type { ExecutionState } from './execution.ts'

const EXECUTION_TTL_MS = 7 * 24 * 60 * 60 * 1000
const LOCK_LEASE_MS = 60_000

/**
 * Executions and their wait tokens on the state port. A wait token is stored under its execution's
 * id, so taking it is atomic (one of two concurrent resumes wins) and a token of another execution
 * can never be consumed through this one.
 */
export class ExecutionStore {
  constructor(private readonly state: StateStore) {}

  async load(executionId: string): Promise<ExecutionState | undefined> {
    const raw = await this.state.get(executionKey(executionId))
    return raw === null ? undefined : (JSON.parse(raw) as ExecutionState)
  }

  async save(execution: ExecutionState): Promise<void> {
    await this.state.set(executionKey(execution.executionId), JSON.stringify(execution), {
      ttlMs: EXECUTION_TTL_MS,
    })
  }

  async issueWaitToken(executionId: string, ttlMs: number): Promise<string> {
    const token = newToken('wt_', 24)
    await this.state.set(waitKey(executionId, token), '1', { ttlMs })
    return token
  }

  /** Consumes the token; false when it was used, expired, or never issued for this execution. */
  async takeWaitToken(executionId: string, token: string): Promise<boolean> {
    return (await this.state.take(waitKey(executionId, token))) !== null
  }

  async dropWaitToken(executionId: string, token: string): Promise<void> {
    await this.state.delete(waitKey(executionId, token))
  }

  /** Serialises every change of one execution (a resume, a worker job, an idle expiry). */
  withLock<T>(executionId: string, change: () => Promise<T>): Promise<T> {
    const busy = () => new AppError('conflict', `execution ${executionId} is busy; retry`)
    return withLock(
      this.state,
      `execution:${executionId}`,
      { leaseMs: LOCK_LEASE_MS, waitMs: 10_000, busy },
      change,
    )
  }
}

const executionKey = (executionId: string) => `chat:execution:${executionId}`
const waitKey = (executionId: string, token: string) => `chat:wait:${executionId}:${token}`
