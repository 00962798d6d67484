import { appendFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { consume, range, totalLag, unique, values, waitFor } from '../../test/contract/event-log.contract.ts'
import { tempDir } from '../../test/support/temp-dir.ts'
import { newId } from '../ids.ts'
import { createLogger } from '../log/logger.ts'
import type { EventLog } from './event-log.ts'
import { type LocalEventLogOptions, openLocalEventLog } from './local-event-log.ts'

const logger = createLogger({ logLevel: 'silent' })
const root = await tempDir('comerix-local-event-log-')
const opened: EventLog[] = []

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((log) => log.close()))
})

async function open(dataDir: string, options: Partial<LocalEventLogOptions> = {}): Promise<EventLog> {
  const log = await openLocalEventLog({
    dataDir,
    logger,
    retryBackoff: { initialMs: 20, maxMs: 200 },
    ...options,
  })
  opened.push(log)
  return log
}

const newDataDir = () => path.join(root, newId())

async function segmentFiles(dataDir: string, topic: string): Promise<string[]> {
  return (await readdir(path.join(dataDir, 'event-log', topic)))
    .filter((name) => name.endsWith('.log'))
    .sort()
}

describe('local event log', () => {
  it('deletes a segment only once every known group has committed past it', async () => {
    const dataDir = newDataDir()
    const log = await open(dataDir, { segmentBytes: 1024 })
    const topic = unique('segments')
    for (const i of range(100))
      await log.append(topic, [{ key: 'k', value: `record-${String(i).padStart(4, '0')}` }])
    const written = await segmentFiles(dataDir, topic)
    expect(written.length).toBeGreaterThan(3)

    let slowMayProceed = false
    const fast = await consume(log, { group: 'fast', topics: [topic] })
    const slow = await consume(log, { group: 'slow', topics: [topic] }, () => !slowMayProceed)
    await waitFor(() => fast.handled.length >= 100, 'the fast group to handle everything')
    await waitFor(() => slow.deliveries.length >= 2, 'the slow group to fail a batch')
    expect(await segmentFiles(dataDir, topic)).toEqual(written)

    slowMayProceed = true
    await waitFor(() => slow.handled.length >= 100, 'the slow group to handle everything')
    await waitFor(
      async () => (await segmentFiles(dataDir, topic)).length === 1,
      'consumed segments to be deleted',
    )
    expect(await segmentFiles(dataDir, topic)).toEqual([written.at(-1)])

    // A group that appears later starts from the earliest entry still stored.
    await log.append(topic, [{ key: 'k', value: 'after-cleanup' }])
    const late = await consume(log, { group: 'late', topics: [topic] })
    await waitFor(() => values(late.handled).includes('after-cleanup'), 'the late group to catch up')
    expect(late.handled[0]?.offset).toBe(Number(written.at(-1)?.slice(0, 20)))
  })

  it('truncates a torn tail on open and keeps appending after it', async () => {
    const dataDir = newDataDir()
    const topic = unique('torn')
    const writer = await open(dataDir)
    await writer.append(
      topic,
      range(10).map((i) => ({ value: `t${i}` })),
    )
    await writer.close()
    const [segment] = await segmentFiles(dataDir, topic)
    // A frame header promising 100 bytes followed by only 20: a write cut short by a crash.
    const torn = Buffer.alloc(28)
    torn.writeUInt32BE(100, 0)
    await appendFile(path.join(dataDir, 'event-log', topic, segment ?? ''), torn)

    const log = await open(dataDir)
    await log.append(topic, [{ value: 't10' }])
    const consumer = await consume(log, { group: unique('group'), topics: [topic] })
    await waitFor(() => consumer.handled.length >= 11, 'the 11 intact records')
    expect(values(consumer.handled)).toEqual(range(11).map((i) => `t${i}`))
    expect(consumer.handled.map((entry) => entry.offset)).toEqual(range(11))
  })

  it('a second subscriber of a group stands by until the first stops', async () => {
    const log = await open(newDataDir())
    const topic = unique('standby')
    await log.append(
      topic,
      range(5).map((i) => ({ value: `s${i}` })),
    )
    const active = await consume(log, { group: 'g', topics: [topic] })
    await waitFor(() => active.handled.length >= 5, 'the active subscriber to handle 5')
    const standby = await consume(log, { group: 'g', topics: [topic] })
    await log.append(
      topic,
      range(5).map((i) => ({ value: `s${5 + i}` })),
    )
    await waitFor(() => active.handled.length >= 10, 'the active subscriber to handle 10')
    expect(standby.deliveries).toEqual([])

    await active.stop()
    await log.append(topic, [{ value: 's10' }])
    await waitFor(() => standby.handled.length >= 1, 'the standby to take over')
    expect(values(standby.handled)).toEqual(['s10'])
  })

  it('with maxWaitMs a partial batch waits for more entries before it is handed over', async () => {
    const log = await open(newDataDir())
    const topic = unique('accumulate')
    await log.append(topic, [{ value: 'w0' }])
    const consumer = await consume(log, {
      group: 'g',
      topics: [topic],
      maxBatchEntries: 5,
      maxWaitMs: 10_000,
    })
    for (const i of range(4)) await log.append(topic, [{ value: `w${i + 1}` }])
    await waitFor(() => consumer.handled.length >= 5, 'the 5 records')
    expect(consumer.deliveries.map((batch) => batch.entries.length)).toEqual([5])
    await waitFor(async () => (await totalLag(log, 'g', topic)) === 0, 'the batch to be committed')
  })

  it('refuses a second open of the same directory while the first is open', async () => {
    const dataDir = newDataDir()
    const first = await open(dataDir)
    await expect(openLocalEventLog({ dataDir, logger })).rejects.toThrow(/already open/)
    await first.close()
    await open(dataDir)
  })

  it('rejects topic and group names that are not plain file names', async () => {
    const log = await open(newDataDir())
    await expect(log.append('../escape', [{ value: 'x' }])).rejects.toThrow(/invalid topic name/)
    await expect(log.subscribe({ group: 'a/b', topics: ['t'] }, async () => {})).rejects.toThrow(
      /invalid group name/,
    )
  })
})
