/**
 * The runtime-state port: only the primitives features need. Two adapters implement it (local
 * journaled, Redis) and one contract suite (test/contract/state-store.contract.ts) runs on both.
 * Features build their own meaning (sessions, wait tokens, idempotency) on top, in their folder.
 */
export interface TtlOption {
  /** Expire the key this many milliseconds from now; omitted = never. */
  ttlMs?: number
}

export interface CounterOptions extends Required<TtlOption> {
  durable?: boolean
}

export interface Lock {
  readonly name: string
  readonly token: string
  /** Extends the lease; false once it has expired (even if nobody took it since): re-acquire then. */
  renew(ttlMs: number): Promise<boolean>
  /** Releases only if still held by this token. */
  release(): Promise<boolean>
}

export interface JobInput {
  /**
   * Scheduling the same id twice keeps one job: the later payload and runAt win, except while the job
   * is under a live lease, when scheduling changes nothing (its worker's ack or retry decides).
   */
  id: string
  payload: string
  /** Epoch ms when the job becomes due. */
  runAt: number
}

export interface ClaimedJob {
  id: string
  payload: string
  /** 1 on the first claim, incremented by every claim after a retry or an expired lease. */
  attempt: number
  /** Proves ownership of this claim to `ack` and `retry`. */
  leaseToken: string
}

export interface JobQueue {
  schedule(queue: string, job: JobInput): Promise<void>
  /**
   * Claims up to `limit` due jobs for `leaseMs`. A job whose lease ends without ack or retry becomes
   * due again (a crashed worker loses nothing). Each due job goes to exactly one claimer.
   */
  claim(queue: string, options: { limit: number; leaseMs: number }): Promise<ClaimedJob[]>
  /** Completes a claimed job; false when the lease was lost. */
  ack(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>): Promise<boolean>
  /** Makes a claimed job due again after `delayMs`; false when the lease was lost. */
  retry(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>, delayMs: number): Promise<boolean>
  /** Jobs scheduled or leased in the queue. */
  size(queue: string): Promise<number>
}

export type MessageHandler = (message: string) => void

export interface StateStore extends JobQueue {
  readonly kind: 'local' | 'redis'
  get(key: string): Promise<string | null>
  set(key: string, value: string, options?: TtlOption): Promise<void>
  /** Sets only when the key is absent; true when this call set it. */
  setIfAbsent(key: string, value: string, options?: TtlOption): Promise<boolean>
  delete(key: string): Promise<boolean>
  /** Atomic get-and-delete: of concurrent takers exactly one gets the value. */
  take(key: string): Promise<string | null>
  /**
   * Adds `by` and returns the new value; the expiry is set when the counter is created.
   * `durable: false` lets the local adapter skip its journal for counters worthless after a restart
   * (rate-limit windows); Redis treats every counter alike.
   */
  increment(key: string, by: number, options: CounterOptions): Promise<number>
  /** Remaining time to live in ms; null when the key is absent or never expires. */
  ttl(key: string): Promise<number | null>
  /** A leased lock, or null when someone else holds it. */
  acquireLock(name: string, ttlMs: number): Promise<Lock | null>
  publish(channel: string, message: string): Promise<void>
  /** Returns the function that unsubscribes. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>
  ping(): Promise<void>
  close(): Promise<void>
}

/** Exponential backoff with full jitter, for job retries and reconnects. */
export function backoffMs(attempt: number, baseMs = 500, maxMs = 60_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}
