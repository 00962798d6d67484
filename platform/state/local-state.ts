import type { StateOp } from './state-journal.ts'

export interface Entry {
  value: string
  /** Absolute epoch ms, so a replayed journal expires keys at the same moment as before the restart. */
  expiresAt?: number
}

export interface LocalJob {
  payload: string
  /** When the job is next claimable: its runAt, or the end of its current lease (Redis: the zset score). */
  dueAt: number
  attempt: number
  leaseToken?: string
}

/**
 * The local store's in-memory model. Every change goes through `apply`, both live and when replaying
 * the journal, so what is on disk and what is in memory cannot drift apart.
 */
export class LocalState {
  private readonly entries = new Map<string, Entry>()
  private readonly queues = new Map<string, Map<string, LocalJob>>()

  apply(op: StateOp): void {
    switch (op.op) {
      case 'put':
        this.entries.set(op.key, { value: op.value, expiresAt: op.expiresAt })
        return
      case 'del':
        this.entries.delete(op.key)
        return
      case 'job': {
        const jobs = this.queues.get(op.queue) ?? new Map<string, LocalJob>()
        jobs.set(op.id, {
          payload: op.payload,
          dueAt: op.dueAt,
          attempt: op.attempt,
          leaseToken: op.leaseToken,
        })
        this.queues.set(op.queue, jobs)
        return
      }
      case 'done': {
        const jobs = this.queues.get(op.queue)
        jobs?.delete(op.id)
        if (jobs?.size === 0) this.queues.delete(op.queue)
        return
      }
    }
  }

  /** The live entry; an expired one is dropped here (lazy expiry) without a journal op. */
  read(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  sweep(now: number): number {
    let removed = 0
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
        this.entries.delete(key)
        removed += 1
      }
    }
    return removed
  }

  job(queue: string, id: string): LocalJob | undefined {
    return this.queues.get(queue)?.get(id)
  }

  queueSize(queue: string): number {
    return this.queues.get(queue)?.size ?? 0
  }

  /** Due jobs in claim order: earliest first, ties by id (as ZRANGEBYSCORE orders them). */
  dueJobs(queue: string, now: number, limit: number): Array<[string, LocalJob]> {
    const due: Array<[string, LocalJob]> = []
    for (const entry of this.queues.get(queue) ?? []) {
      if (entry[1].dueAt <= now) due.push(entry)
    }
    due.sort(([idA, a], [idB, b]) => a.dueAt - b.dueAt || (idA < idB ? -1 : idA > idB ? 1 : 0))
    return due.slice(0, limit)
  }

  /** The live state as ops, for a snapshot. */
  dump(now: number): StateOp[] {
    const ops: StateOp[] = []
    for (const [key, { value, expiresAt }] of this.entries) {
      if (expiresAt === undefined || expiresAt > now) ops.push({ op: 'put', key, value, expiresAt })
    }
    for (const [queue, jobs] of this.queues) {
      for (const [id, job] of jobs) ops.push({ op: 'job', queue, id, ...job })
    }
    return ops
  }
}
