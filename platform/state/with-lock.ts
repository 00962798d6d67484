import type { Lock, StateStore } from './state-store.ts'

const RETRY_EVERY_MS = 50

/** Takes a leased lock, retrying for up to `waitMs` while someone else holds it; null when it never frees. */
export async function acquireWithin(
  state: StateStore,
  name: string,
  leaseMs: number,
  waitMs: number,
): Promise<Lock | null> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const lock = await state.acquireLock(name, leaseMs)
    if (lock || Date.now() >= deadline) return lock
    await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS))
  }
}

export interface WithLockOptions {
  leaseMs: number
  /** How long to wait for a holder to finish; 0 refuses at once. */
  waitMs?: number
  /** The error thrown when the lock stays taken. */
  busy: () => Error
}

/** Runs `task` while holding the lock `name`, and always releases it. */
export async function withLock<T>(
  state: StateStore,
  name: string,
  options: WithLockOptions,
  task: () => Promise<T>,
): Promise<T> {
  const lock = await acquireWithin(state, name, options.leaseMs, options.waitMs ?? 0)
  if (!lock) throw options.busy()
  try {
    return await task()
  } finally {
    await lock.release()
  }
}
