import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { type Mode, type ServerUnderTest, startComerix } from '../support/comerix.ts'
import { processStats, runTs, spawnTs, waitFor } from '../support/processes.ts'
import { note, withProgress } from '../support/progress.ts'
import { ORIGIN } from './bench-events.ts'
import { type IngestOptions, parseIngestOptions } from './ingest-options.ts'
import { measureFreshness } from './measure-freshness.ts'
import { measureBatched, measureBeacons, waitForDrain } from './measure-throughput.ts'
import { type CeilingResult, type ModeResult, printReport } from './print-report.ts'

/** `npm run bench -- ingest`: floor and ceiling once, then every mode against a real server. */
export async function runIngestSuite(argv: string[]): Promise<void> {
  const options = parseIngestOptions(argv)
  const kafkaBrokers = process.env.KAFKA_BROKERS?.trim() || undefined
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'comerix-bench-'))
  const started = performance.now()
  const loadAverageAtStart = os.loadavg()
  try {
    note('floor: bare Fastify in a child process')
    const floorServer = spawnTs('ops/bench/ingest/floor-server.ts', [])
    let floorInfo: { url: string; fastify: string } | undefined
    await waitFor(
      () => {
        const line = floorServer.output().split('\n')[0] ?? ''
        if (line.startsWith('{') && floorServer.output().includes('\n')) floorInfo = JSON.parse(line)
        return floorInfo !== undefined
      },
      { timeoutMs: 30_000, message: `the floor server to listen\n${floorServer.output()}` },
    )
    const floorTarget = { url: floorInfo?.url ?? '', pid: floorServer.pid, publicKey: 'pk_floor' }
    const floor = await measureBeacons('floor (bare Fastify)', floorTarget, options).finally(() =>
      floorServer.stop(),
    )

    note(`direct insert ceiling: ${options.events} rows into chdb in a separate process`)
    const ceiling = await withProgress(
      'direct insert ceiling',
      1,
      'run',
      async () =>
        JSON.parse(
          await runTs('ops/bench/ingest/insert-ceiling.ts', [
            `--events=${options.events}`,
            `--batch-rows=${options.sinkBatchRows}`,
            `--data-dir=${path.join(workDir, 'ceiling')}`,
          ]),
        ) as CeilingResult,
    )

    const modes: ModeResult[] = []
    for (const mode of options.modes) {
      if (mode === 'kafka' && kafkaBrokers === undefined) {
        modes.push({ mode, skipped: 'KAFKA_BROKERS is not set' })
        continue
      }
      // One mode failing (a broker gone, a server that does not start) still reports the others.
      modes.push(
        await benchMode(mode, options, workDir, kafkaBrokers).catch((error: Error): ModeResult => {
          note(`${mode}: failed: ${error.message}`)
          return { mode, skipped: `FAILED: ${error.message.split('\n')[0]}` }
        }),
      )
    }
    printReport({
      options,
      fastifyVersion: floorInfo?.fastify ?? '?',
      floor,
      ceiling,
      modes,
      totalSeconds: (performance.now() - started) / 1000,
      loadAverageAtStart,
    })
    if (options.profileDir) note(`CPU profiles of the server under test: ${options.profileDir}`)
    if (modes.some((result) => 'skipped' in result && result.skipped.startsWith('FAILED')))
      process.exitCode = 1
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

async function benchMode(
  mode: Mode,
  options: IngestOptions,
  workDir: string,
  kafkaBrokers: string | undefined,
): Promise<ModeResult> {
  note(`${mode}: starting comerix serve${mode === 'kafka' ? ` (Kafka at ${kafkaBrokers})` : ''}`)
  const server: ServerUnderTest = await startComerix({
    mode,
    dataDir: path.join(workDir, mode),
    kafkaBrokers,
    profileDir: options.profileDir,
    origin: ORIGIN,
    env: { SINK_BATCH_ROWS: String(options.sinkBatchRows) },
  })
  try {
    const target = {
      url: server.url,
      pid: server.child.pid,
      publicKey: server.publicKey,
      brokerPid: server.brokerPid,
    }
    const single = await measureBeacons(`${mode}: single-event beacons`, target, options)
    const afterSingle = await waitForDrain(server.url)
    note(
      `${mode}: sink backlog after single-event phase ${afterSingle.backlog}, drained in ${afterSingle.seconds.toFixed(1)} s`,
    )
    const batched = await measureBatched(target, options)
    const freshness = await measureFreshness(target, options, batched.endToEndPerSecond)
    const stats = processStats(server.child.pid)
    return { mode, startSeconds: server.startSeconds, single, afterSingle, batched, freshness, stats }
  } finally {
    const code = await server.child.stop()
    if (code !== 0) note(`${mode}: comerix serve exited with ${code}:\n${server.child.output().slice(-4000)}`)
    if (mode === 'kafka' && kafkaBrokers) await deleteTopics(kafkaBrokers, server.topicPrefix)
  }
}

/** Removes the run's topics and consumer groups so repeated benches do not pile them up on a shared broker. */
async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin()
  try {
    await admin.connect()
    // Groups first: deleting a topic can take its (then empty) group with it.
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((group) => group.startsWith(prefix))
    if (groups.length > 0) await admin.deleteGroups(groups)
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix))
    if (topics.length > 0) await admin.deleteTopics({ topics })
  } catch (error) {
    const groups = (error as { groups?: Array<{ groupId: string; error?: { message?: string } }> }).groups
    const detail = groups?.map((group) => `${group.groupId}: ${group.error?.message}`).join('; ')
    note(`could not delete Kafka topics and groups ${prefix}*: ${(error as Error).message} ${detail ?? ''}`)
  } finally {
    await admin.disconnect()
  }
}
