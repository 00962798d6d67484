import type { SecretBox } from '../../platform/crypto/secret-box.ts'
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
 *
 * An execution holds what the visitor typed (form values such as e-mail addresses, messages, the
 * trigger's context), so it is stored sealed with the secret box (AES-256-GCM, bound to its key): the
 * state files and Redis never hold it in plaintext.
 */
export class ExecutionStore {
  constructor(
    private readonly state: StateStore,
    private readonly secretBox: SecretBox,
  ) {}

  async load(executionId: string): Promise<ExecutionState | undefined> {
    const key = executionKey(executionId)
    const raw = await this.state.get(key)
    if (raw === null) return undefined
    // Records saved before sealing (plain JSON) are read until their TTL ends them.
    const json = raw.startsWith('{') ? raw : this.secretBox.open(raw, key)
    return JSON.parse(json) as ExecutionState
  }

  async save(execution: ExecutionState): Promise<void> {
    const key = executionKey(execution.executionId)
    await this.state.set(key, this.secretBox.seal(JSON.stringify(execution), key), {
      ttlMs: EXECUTION_TTL_MS,
    })
  }

  async issueWaitToken(executionId: string, ttlMs: number): Promise<string> {
    const token = newToken('wt_', 24)
    await this.state.set(waitKey(executionId, token), '1', { ttlMs })
    return token
  }

  /** False when the token was used, expired, or never issued for this execution. */
  async hasWaitToken(executionId: string, token: string): Promise<boolean> {
    return (await this.state.get(waitKey(executionId, token))) !== null
  }

  async dropWaitToken(executionId: string, token: string): Promise<void> {
    await this.state.delete(waitKey(executionId, token))
  }

  /** Serialises every change of one execution (a resume, a worker job, an idle expiry). */
  withLock<T>(executionId: string, change: () => Promise<T>): Promise<T> {
    const busy = () => new AppError('execution_busy', `execution ${executionId} is busy; retry shortly`)
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
