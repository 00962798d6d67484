import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import type {
  BatchHandler,
  EventLog,
  LogBatch,
  SubscribeOptions,
} from '../../platform/event-log/event-log.ts'
import { newId } from '../../platform/ids.ts'

/** One isolated log (its own data dir or topic prefix), so reruns never see old data. */
export interface EventLogScope {
  /** Opens the log; every call is a new client over the same stored data. */
  open(): Promise<EventLog>
  /** Env under which a child process's `loadConfig` + `createEventLog` open this same log. */
  env: Record<string, string>
}

export interface EventLogSubject {
  newScope(): Promise<EventLogScope>
}

/** A dummy secret: the config requires one in distributed mode. */
export const TEST_SECRET = 'contract-test-secret-0123456789abcdef'

export interface HandledEntry {
  partition: number
  offset: number
  key: string | undefined
  value: string
}

export interface Consumer {
  /** Every handler call, failed ones included. */
  deliveries: LogBatch[]
  /** Entries of the handler calls that succeeded, in the order handled. */
  handled: HandledEntry[]
  stop(): Promise<void>
}

export const unique = (name: string): string => `${name}-${newId().slice(0, 8)}`
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
export const values = (entries: readonly HandledEntry[]): string[] => entries.map((entry) => entry.value)

/** Polls until `probe` returns true; the deadline only turns a hang into a failure. */
export async function waitFor(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Subscribes and records what arrives; `fail` decides which handler calls throw. */
export async function consume(
  log: EventLog,
  options: SubscribeOptions,
  fail: (batch: LogBatch, call: number) => boolean = () => false,
): Promise<Consumer> {
  const deliveries: LogBatch[] = []
  const handled: HandledEntry[] = []
  const handler: BatchHandler = async (batch) => {
    deliveries.push(batch)
    if (fail(batch, deliveries.length)) throw new Error('handler failure requested by the test')
    for (const entry of batch.entries) {
      handled.push({
        partition: batch.partition,
        offset: entry.offset,
        key: entry.key,
        value: entry.value.toString(),
      })
    }
  }
  const subscription = await log.subscribe(options, handler)
  return { deliveries, handled, stop: () => subscription.stop() }
}

export async function totalLag(log: EventLog, group: string, topic: string): Promise<number> {
  return (await log.lag(group, topic)).reduce((sum, partition) => sum + partition.lag, 0)
}

interface Fixture {
  /** Complete stdout lines so far. */
  lines: string[]
  /** Polls `probe`, failing at once (with the child's stderr) if the child exits. */
  waitUntil(probe: () => boolean, what: string): Promise<void>
  kill(): Promise<void>
}

/** Registers the event-log port contract for one adapter; call it inside the adapter's describe. */
export function eventLogContract(subject: EventLogSubject): void {
  const opened: EventLog[] = []
  const children: ChildProcess[] = []

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
    await Promise.allSettled(opened.splice(0).map((log) => log.close()))
  })

  async function open(scope: EventLogScope): Promise<EventLog> {
    const log = await scope.open()
    opened.push(log)
    return log
  }

  function runFixture(name: string, args: string[], env: Record<string, string>): Fixture {
    const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    const lines: string[] = []
    let partial = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) lines.push(line)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    return {
      lines,
      waitUntil: (probe, what) =>
        waitFor(() => {
          if (child.exitCode !== null) throw new Error(`${name} exited early (${child.exitCode}):\n${stderr}`)
          return probe()
        }, what),
      async kill() {
        child.kill('SIGKILL')
        await exited
      },
    }
  }

  it('hands over appended records in order, with key, value and timestamp', async () => {
    const log = await open(await subject.newScope())
    const topic = unique('orders')
    const appendedFrom = Date.now()
    for (const chunk of range(5)) {
      await log.append(
        topic,
        range(10).map((i) => ({ key: 'cart-1', value: `v${chunk * 10 + i}` })),
      )
    }
    await log.append(topic, [{ value: Buffer.from([0, 255]) }])
    const consumer = await consume(log, { group: unique('group'), topics: [topic] })
    await waitFor(() => consumer.handled.length >= 51, 'all 51 records')

    const keyed = consumer.handled.filter((entry) => entry.key === 'cart-1')
    expect(values(keyed)).toEqual(range(50).map((i) => `v${i}`))
    const offsets = keyed.map((entry) => entry.offset)
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    expect(new Set(keyed.map((entry) => entry.partition)).size).toBe(1)
    const unkeyed = consumer.deliveries
      .flatMap((batch) => batch.entries)
      .find((entry) => entry.key === undefined)
    expect(unkeyed?.value).toEqual(Buffer.from([0, 255]))
    for (const batch of consumer.deliveries) {
      expect(batch.topic).toBe(topic)
      for (const entry of batch.entries) expect(entry.timestamp).toBeGreaterThanOrEqual(appendedFrom - 60_000)
    }
  })

  it('append resolves only once durable: a reopened log holds every acknowledged record', async () => {
    const scope = await subject.newScope()
    const topic = unique('durable')
    const writer = await open(scope)
    await writer.append(
      topic,
      range(20).map((i) => ({ key: 'k', value: `r${i}` })),
    )
    await writer.close()

    const consumer = await consume(await open(scope), { group: unique('group'), topics: [topic] })
    await waitFor(() => consumer.handled.length >= 20, 'the 20 records after reopening')
    expect(values(consumer.handled)).toEqual(range(20).map((i) => `r${i}`))
  })

  it('a new subscriber of a group continues after the last commit; stop commits what was handled', async () => {
    const log = await open(await subject.newScope())
    const topic = unique('commits')
    const group = unique('group')
    await log.append(
      topic,
      range(10).map((i) => ({ key: 'k', value: `m${i}` })),
    )
    const first = await consume(log, { group, topics: [topic], maxBatchEntries: 3 })
    await waitFor(() => first.handled.length >= 10, 'the first subscriber to handle 10 records')
    expect(first.deliveries.every((batch) => batch.entries.length <= 3)).toBe(true)
    await first.stop()

    await log.append(
      topic,
      range(5).map((i) => ({ key: 'k', value: `m${10 + i}` })),
    )
    const second = await consume(log, { group, topics: [topic] })
    await waitFor(() => second.handled.length >= 5, 'the second subscriber to handle the 5 new records')
    expect(values(second.handled)).toEqual(range(5).map((i) => `m${10 + i}`))
    await waitFor(async () => (await totalLag(log, group, topic)) === 0, 'the lag to reach 0')
  })

  it('a different group sees every record from the start', async () => {
    const log = await open(await subject.newScope())
    const topic = unique('groups')
    await log.append(
      topic,
      range(10).map((i) => ({ key: 'k', value: `g${i}` })),
    )
    const first = await consume(log, { group: unique('first'), topics: [topic] })
    await waitFor(() => first.handled.length >= 10, 'the first group to handle everything')
    await first.stop()

    const other = await consume(log, { group: unique('other'), topics: [topic] })
    await waitFor(() => other.handled.length >= 10, 'the other group to handle everything')
    expect(values(other.handled)).toEqual(range(10).map((i) => `g${i}`))
  })

  it('a failing handler gets the same batch again; nothing is skipped or reordered', async () => {
    const log = await open(await subject.newScope())
    const topic = unique('retry')
    await log.append(
      topic,
      range(30).map((i) => ({ key: 'k', value: `e${i}` })),
    )
    const consumer = await consume(
      log,
      { group: unique('group'), topics: [topic], maxBatchEntries: 8 },
      (_, call) => call <= 2,
    )
    await waitFor(() => consumer.handled.length >= 30, 'all 30 records to be handled')

    const offsetsOf = (batch: LogBatch | undefined) => batch?.entries.map((entry) => entry.offset)
    const [failed, failedAgain, succeeded] = consumer.deliveries
    expect(offsetsOf(failed)?.length).toBeGreaterThan(0)
    expect(offsetsOf(failedAgain)).toEqual(offsetsOf(failed))
    expect(offsetsOf(succeeded)).toEqual(offsetsOf(failed))
    expect(values(consumer.handled)).toEqual(range(30).map((i) => `e${i}`))
  })

  it('a consumer killed before committing: the group gets those entries again', async () => {
    const scope = await subject.newScope()
    const topic = unique('crash')
    const group = unique('group')
    const writer = await open(scope)
    await writer.append(
      topic,
      range(10).map((i) => ({ key: 'k', value: `c${i}` })),
    )
    // The local log belongs to one process at a time: hand it to the child.
    await writer.close()

    const child = runFixture('consume-until-killed.ts', [topic, group], scope.env)
    const isHandling = (text: string) => text.startsWith('handling ')
    await child.waitUntil(() => child.lines.some(isHandling), 'the child to handle a second batch')
    await child.kill()
    const line = child.lines.find(isHandling) ?? ''
    const { committed, handling } = JSON.parse(line.slice('handling '.length)) as {
      committed: string[]
      handling: string[]
    }
    expect(committed.length).toBeGreaterThan(0)

    const consumer = await consume(await open(scope), { group, topics: [topic] })
    const rest = range(10)
      .slice(committed.length)
      .map((i) => `c${i}`)
    // Kafka hands the partition over only once the killed member's session timed out.
    await waitFor(
      () => consumer.handled.length >= rest.length,
      'the uncommitted records to come back',
      60_000,
    )
    expect(values(consumer.handled)).toEqual(rest)
    expect(rest.slice(0, handling.length)).toEqual(handling)
  }, 90_000)

  it('every acknowledged append survives a SIGKILL mid-write, and the log keeps accepting appends', async () => {
    const scope = await subject.newScope()
    const topic = unique('kill')
    const child = runFixture('append-until-killed.ts', [topic], scope.env)
    await child.waitUntil(() => child.lines.length >= 500, '500 acknowledged appends')
    await child.kill()
    const acknowledged = [...child.lines]

    const log = await open(scope)
    const group = unique('group')
    const consumer = await consume(log, { group, topics: [topic] })
    const seen = () => new Set(values(consumer.handled))
    await waitFor(async () => {
      const present = seen()
      return acknowledged.every((id) => present.has(id)) && (await totalLag(log, group, topic)) === 0
    }, 'every acknowledged record to be consumed')

    // Count each stored record once, however often it was delivered.
    const stored = new Map(
      consumer.handled.map((entry) => [`${entry.partition}:${entry.offset}`, entry.value]),
    )
    const copies = new Map<string, number>()
    for (const value of stored.values()) copies.set(value, (copies.get(value) ?? 0) + 1)
    expect(acknowledged.filter((id) => copies.get(id) !== 1)).toEqual([])

    await log.append(topic, [{ key: 'after', value: 'after-kill' }])
    await waitFor(() => seen().has('after-kill'), 'a record appended after the crash')
  }, 90_000)

  it('many concurrent appends all land', async () => {
    const log = await open(await subject.newScope())
    const topic = unique('concurrent')
    const ids = range(2_000).map((i) => `n${i}`)
    await Promise.all(ids.map((id) => log.append(topic, [{ key: id, value: id }])))

    const consumer = await consume(log, { group: unique('group'), topics: [topic] })
    await waitFor(() => new Set(values(consumer.handled)).size >= ids.length, 'all 2000 records')
    expect(values(consumer.handled).sort()).toEqual([...ids].sort())
  })

  it('reports lag per partition as appended minus committed', async () => {
    const log = await open(await subject.newScope())
    const topic = unique('lag')
    const group = unique('group')
    await log.append(
      topic,
      range(7).map((i) => ({ key: 'k', value: `l${i}` })),
    )
    const before = await log.lag(group, topic)
    expect(before.every((partition) => partition.topic === topic && partition.lag >= 0)).toBe(true)
    expect(await totalLag(log, group, topic)).toBe(7)

    const consumer = await consume(log, { group, topics: [topic] })
    await waitFor(() => consumer.handled.length >= 7, 'the 7 records')
    await waitFor(async () => (await totalLag(log, group, topic)) === 0, 'the lag to reach 0')
  })

  it('ping succeeds on an open log', async () => {
    const log = await open(await subject.newScope())
    await log.ping()
    expect(['local', 'kafka']).toContain(log.kind)
  })
}
