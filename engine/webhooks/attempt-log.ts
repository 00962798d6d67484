import type { Db } from '../../platform/clickhouse/db.ts'

export type AttemptStatus = 'delivered' | 'retrying' | 'failed'

export interface AttemptRow {
  tenant_id: string
  endpoint_id: string
  message_id: string
  event_type: string
  trigger: string
  attempt: number
  status: AttemptStatus
  http_status: number
  latency_ms: number
  error: string
  response_excerpt: string
  attempted_at: number
  next_attempt_at: number | null
}

export interface MessageRow {
  tenant_id: string
  message_id: string
  event_type: string
  payload_sealed: string
  created_at: number
}

const FLUSH_EVERY_MS = 50
const MAX_BATCH_ROWS = 1_000

/**
 * Writes delivery attempts (and the messages they carried, for replay) to ClickHouse in small batches:
 * `record` resolves once its rows are stored, so a delivery job is acknowledged only after its attempt is
 * in the log, while concurrent deliveries share one insert (group commit) instead of one part each.
 */
export class AttemptLog {
  private attempts: AttemptRow[] = []
  private messages: MessageRow[] = []
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = []
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(private readonly db: Db) {}

  record(attempt: AttemptRow, message?: MessageRow): Promise<void> {
    this.attempts.push(attempt)
    if (message) this.messages.push(message)
    const stored = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    if (this.attempts.length >= MAX_BATCH_ROWS) this.flushSoon(0)
    else this.flushSoon(FLUSH_EVERY_MS)
    return stored
  }

  /** Stores whatever is pending (shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, delayMs)
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const attempts = this.attempts
      const messages = this.messages
      const waiters = this.waiters
      if (attempts.length === 0) return
      this.attempts = []
      this.messages = []
      this.waiters = []
      try {
        if (messages.length > 0) await this.db.insert('webhook_messages', messages)
        await this.db.insert('webhook_attempts', attempts)
        for (const waiter of waiters) waiter.resolve()
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error)
      }
    })
    return this.flushing
  }
}
