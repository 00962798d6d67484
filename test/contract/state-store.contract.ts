import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { newId } from '../../platform/ids.ts'
import type { ClaimedJob, StateStore } from '../../platform/state/state-store.ts'

/** What an adapter's test file provides to run the shared cases. */
export interface StateStoreSubject {
  /** A client of the store under test; all share one state (Redis: a separate connection each call). */
  connect(): Promise<StateStore>
  /** Env for a child process writing to a fresh store, and how this process opens it afterwards. */
  crashTarget(): Promise<{ env: Record<string, string>; reopen(): Promise<StateStore> }>
  close(): Promise<void>
}

const unique = (name: string): string => `${name}-${newId()}`
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const FAR_FUTURE_MS = 60 * 60_000

/** Polls until `probe` returns a value; the timeout only turns a hang into a failure. */
async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Registers the state-port contract for one adapter; call it inside the adapter's describe. */
export function stateStoreContract(createSubject: () => Promise<StateStoreSubject>): void {
  let subject: StateStoreSubject
  let store: StateStore
  let clients: StateStore[]
  const client = (i: number): StateStore => clients[i % clients.length] ?? store

  beforeAll(async () => {
    subject = await createSubject()
    store = await subject.connect()
    clients = [store, ...(await Promise.all(range(3).map(() => subject.connect())))]
  })
  afterAll(() => subject?.close())

  it('gets, sets, overwrites and deletes values', async () => {
    const key = unique('kv')
    expect(await store.get(key)).toBeNull()
    await store.set(key, 'one')
    await store.set(key, 'two')
    expect(await client(1).get(key)).toBe('two')
    expect(await store.ttl(key)).toBeNull()
    expect(await store.delete(key)).toBe(true)
    expect(await store.delete(key)).toBe(false)
    expect(await store.get(key)).toBeNull()
  })

  it('expires keys after their TTL', async () => {
    const key = unique('ttl')
    await store.set(key, 'short', { ttlMs: 50 })
    const remaining = await store.ttl(key)
    expect(remaining).toBeGreaterThan(0)
    expect(remaining).toBeLessThanOrEqual(50)
    await eventually(async () => (await store.get(key)) === null, 'the key to expire')
    expect(await store.ttl(key)).toBeNull()
    expect(await store.take(key)).toBeNull()
  })

  it('sets a key only when absent', async () => {
    const key = unique('nx')
    expect(await store.setIfAbsent(key, 'first', { ttlMs: 50 })).toBe(true)
    expect(await client(1).setIfAbsent(key, 'second')).toBe(false)
    expect(await store.get(key)).toBe('first')
    await eventually(() => store.setIfAbsent(key, 'after-expiry'), 'the key to expire')
    expect(await store.get(key)).toBe('after-expiry')
  })

  it('take: of 20 concurrent takers exactly one gets the value', async () => {
    const key = unique('take')
    await store.set(key, 'prize')
    const results = await Promise.all(range(20).map((i) => client(i).take(key)))
    expect(results.filter((value) => value !== null)).toEqual(['prize'])
    expect(await store.get(key)).toBeNull()
  })

  it('increments counters, setting the expiry only when the counter is created', async () => {
    const key = unique('count')
    expect(await store.increment(key, 1, { ttlMs: FAR_FUTURE_MS })).toBe(1)
    expect(await store.increment(key, 2, { ttlMs: 50 })).toBe(3)
    expect(await store.ttl(key)).toBeGreaterThan(50)

    const shortLived = unique('count-short')
    await store.increment(shortLived, 5, { ttlMs: 50 })
    await eventually(async () => (await store.get(shortLived)) === null, 'the counter to expire')
    expect(await store.increment(shortLived, 1, { ttlMs: FAR_FUTURE_MS })).toBe(1)
  })

  it('counts every one of 50 concurrent increments once', async () => {
    const key = unique('count-concurrent')
    const values = await Promise.all(
      range(50).map((i) => client(i).increment(key, 1, { ttlMs: FAR_FUTURE_MS })),
    )
    expect(values.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(range(50).map((i) => i + 1))
  })

  it('locks: of 10 concurrent acquirers exactly one wins, and release frees the lock', async () => {
    const name = unique('lock')
    const locks = await Promise.all(range(10).map((i) => client(i).acquireLock(name, 60_000)))
    const winners = locks.filter((lock) => lock !== null && lock !== undefined)
    expect(winners).toHaveLength(1)
    expect(await winners[0]?.renew(60_000)).toBe(true)
    expect(await winners[0]?.release()).toBe(true)
    expect(await winners[0]?.release()).toBe(false)
    expect(await store.acquireLock(name, 60_000)).not.toBeNull()
  })

  it('locks: an expired lease can be taken over, and the old owner can neither renew nor release it', async () => {
    const name = unique('lock-expiry')
    const first = await store.acquireLock(name, 50)
    expect(first).not.toBeNull()
    const second = await eventually(() => client(1).acquireLock(name, 60_000), 'the lock to expire')
    expect(second.token).not.toBe(first?.token)
    expect(await first?.renew(60_000)).toBe(false)
    expect(await first?.release()).toBe(false)
    expect(await client(2).acquireLock(name, 60_000)).toBeNull()
    expect(await second.release()).toBe(true)
  })

  it('jobs: not claimable before runAt, claimable from then on', async () => {
    const queue = unique('queue')
    await store.schedule(queue, { id: 'later', payload: 'p', runAt: Date.now() + FAR_FUTURE_MS })
    await store.schedule(queue, { id: 'soon', payload: 'p', runAt: Date.now() + 100 })
    expect(await store.claim(queue, { limit: 10, leaseMs: 60_000 })).toEqual([])
    expect(await store.size(queue)).toBe(2)
    const [job] = await eventually(async () => {
      const claimed = await store.claim(queue, { limit: 10, leaseMs: 60_000 })
      return claimed.length > 0 && claimed
    }, 'the job to become due')
    expect(job).toMatchObject({ id: 'soon', payload: 'p', attempt: 1 })
  })

  it('jobs: of concurrent claimers each job goes to exactly one', async () => {
    const queue = unique('queue-race')
    const ids = range(100).map((i) => `job-${i}`)
    await Promise.all(ids.map((id) => store.schedule(queue, { id, payload: id, runAt: Date.now() - 1 })))
    const claimLoop = async (claimer: StateStore): Promise<ClaimedJob[]> => {
      const mine: ClaimedJob[] = []
      for (;;) {
        const batch = await claimer.claim(queue, { limit: 7, leaseMs: FAR_FUTURE_MS })
        if (batch.length === 0) return mine
        mine.push(...batch)
      }
    }
    const claimed = (await Promise.all([...clients, ...clients].map(claimLoop))).flat()
    expect(claimed.map((job) => job.id).sort()).toEqual([...ids].sort())
    expect(claimed.every((job) => job.attempt === 1 && job.payload === job.id)).toBe(true)
    const acks = await Promise.all(claimed.map((job) => store.ack(queue, job)))
    expect(acks.every(Boolean)).toBe(true)
    expect(await store.size(queue)).toBe(0)
  })

  it('jobs: an expired lease makes the job claimable again, and the stale token is refused', async () => {
    const queue = unique('queue-lease')
    await store.schedule(queue, { id: 'j', payload: 'p', runAt: Date.now() })
    const [first] = await store.claim(queue, { limit: 1, leaseMs: 50 })
    expect(first?.attempt).toBe(1)
    const [second] = await eventually(async () => {
      const claimed = await client(1).claim(queue, { limit: 1, leaseMs: 60_000 })
      return claimed.length === 1 && claimed
    }, 'the lease to expire')
    expect(second).toMatchObject({ id: 'j', payload: 'p', attempt: 2 })
    expect(second?.leaseToken).not.toBe(first?.leaseToken)
    if (!first || !second) throw new Error('expected two claims')
    expect(await store.ack(queue, first)).toBe(false)
    expect(await store.retry(queue, first, 0)).toBe(false)
    expect(await store.ack(queue, second)).toBe(true)
    expect(await store.size(queue)).toBe(0)
  })

  it('jobs: retry makes the job due again after the delay, with the next attempt', async () => {
    const queue = unique('queue-retry')
    await store.schedule(queue, { id: 'slow', payload: 'p', runAt: Date.now() })
    await store.schedule(queue, { id: 'fast', payload: 'p', runAt: Date.now() })
    const claimed = await store.claim(queue, { limit: 2, leaseMs: 60_000 })
    const slow = claimed.find((job) => job.id === 'slow')
    const fast = claimed.find((job) => job.id === 'fast')
    if (!slow || !fast) throw new Error('expected both jobs claimed')
    expect(await store.retry(queue, slow, FAR_FUTURE_MS)).toBe(true)
    expect(await store.retry(queue, slow, 0)).toBe(false)
    expect(await store.retry(queue, fast, 0)).toBe(true)
    const again = await store.claim(queue, { limit: 10, leaseMs: 60_000 })
    expect(again).toHaveLength(1)
    expect(again[0]).toMatchObject({ id: 'fast', attempt: 2 })
    expect(await store.size(queue)).toBe(2)
  })

  it('jobs: scheduling the same id twice keeps one job, and leaves a leased job alone', async () => {
    const queue = unique('queue-dedup')
    await store.schedule(queue, { id: 'same', payload: 'v1', runAt: Date.now() + FAR_FUTURE_MS })
    await store.schedule(queue, { id: 'same', payload: 'v2', runAt: Date.now() })
    expect(await store.size(queue)).toBe(1)
    const [job] = await store.claim(queue, { limit: 10, leaseMs: 60_000 })
    expect(job).toMatchObject({ id: 'same', payload: 'v2', attempt: 1 })
    await store.schedule(queue, { id: 'same', payload: 'v3', runAt: Date.now() })
    expect(await store.claim(queue, { limit: 10, leaseMs: 60_000 })).toEqual([])
    if (!job) throw new Error('expected a claim')
    expect(await store.ack(queue, job)).toBe(true)
    expect(await store.size(queue)).toBe(0)
  })

  it('pub/sub delivers to every subscriber, and unsubscribe stops delivery', async () => {
    const channel = unique('channel')
    const first: string[] = []
    const second: string[] = []
    const other: string[] = []
    const stopFirst = await client(1).subscribe(channel, (message) => first.push(message))
    await client(2).subscribe(channel, (message) => second.push(message))
    await store.subscribe(unique('other-channel'), (message) => other.push(message))
    await store.publish(channel, 'm1')
    await eventually(async () => first.length === 1 && second.length === 1, 'm1 to arrive')
    await stopFirst()
    await store.publish(channel, 'm2')
    // Messages on one channel arrive in order, so once m2 reached the second subscriber it was not
    // going to reach the first one.
    await eventually(async () => second.length === 2, 'm2 to arrive')
    expect(first).toEqual(['m1'])
    expect(second).toEqual(['m1', 'm2'])
    expect(other).toEqual([])
  })

  it('keeps every acknowledged write when the writing process is killed with SIGKILL', async () => {
    const target = await subject.crashTarget()
    const acked = await runUntilKilled(target.env, 300)
    expect(acked.length).toBeGreaterThanOrEqual(300)
    const reopened = await target.reopen()
    try {
      const jobs = new Map<string, string>()
      for (const line of acked) {
        const [kind, ...fields] = line.split(' ')
        if (kind === 'set') expect(await reopened.get(fields[0] ?? '')).toBe(fields[1])
        if (kind === 'job') jobs.set(fields[1] ?? '', fields[2] ?? '')
      }
      const queue = acked.find((line) => line.startsWith('job '))?.split(' ')[1] ?? ''
      const claimed = await reopened.claim(queue, { limit: 1_000_000, leaseMs: 60_000 })
      const found = new Map(claimed.map((job) => [job.id, job.payload]))
      for (const [id, payload] of jobs) expect(found.get(id)).toBe(payload)
    } finally {
      await reopened.close()
    }
  })
}

const CRASH_WRITER = fileURLToPath(new URL('./fixtures/state-crash-writer.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Runs the crash writer until it has acknowledged `minAcks` writes, SIGKILLs it mid-run, returns the acks. */
async function runUntilKilled(env: Record<string, string>, minAcks: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CRASH_WRITER], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const acked: string[] = []
  let partial = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    // A line cut off by the kill stays out: it was never fully printed, so never acknowledged.
    partial = lines.pop() ?? ''
    acked.push(...lines)
    if (acked.length >= minAcks && child.exitCode === null) child.kill('SIGKILL')
  })
  await exited
  if (child.signalCode !== 'SIGKILL') {
    throw new Error(`crash writer ended on its own (code ${child.exitCode}) before it was killed:\n${stderr}`)
  }
  return acked
}
