import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { type Child, ROOT, runTs, spawnTs, waitFor } from './processes.ts'

export type Mode = 'embedded' | 'kafka'

export interface ServerUnderTest {
  mode: Mode
  url: string
  child: Child
  publicKey: string
  /** Kafka topics of this run start with it (empty in embedded mode). */
  topicPrefix: string
  /** The broker's pid when it runs on this machine under ops/services.sh, to count its CPU. */
  brokerPid: number | undefined
  startSeconds: number
}

export interface StartOptions {
  mode: Mode
  dataDir: string
  kafkaBrokers: string | undefined
  /** Directory for `--cpu-prof` output; no profiling when absent. */
  profileDir: string | undefined
  origin: string
  /** More server environment (SINK_BATCH_ROWS, ...). */
  env: Record<string, string>
}

/**
 * Starts a real `comerix serve` as a child process, the way an operator would, and gives it a tenant
 * and a widget key through the real CLI (which reaches the running server through its operator routes).
 */
export async function startComerix(options: StartOptions): Promise<ServerUnderTest> {
  const topicPrefix = options.mode === 'kafka' ? `bench.${randomBytes(4).toString('hex')}.` : ''
  const env: Record<string, string> = {
    DATA_DIR: options.dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    // The bench is one client IP and one key sending far beyond any real widget's rate.
    INGEST_RATE_LIMIT_PER_IP: '1000000000',
    INGEST_RATE_LIMIT_PER_KEY: '1000000000',
    CLICKHOUSE_URL: '',
    REDIS_URL: '',
    KAFKA_BROKERS: options.mode === 'kafka' ? (options.kafkaBrokers ?? '') : '',
    ...(options.mode === 'kafka'
      ? { KAFKA_TOPIC_PREFIX: topicPrefix, COMERIX_SECRET: randomBytes(32).toString('hex') }
      : {}),
    ...options.env,
  }
  const started = performance.now()
  const child = spawnTs('bin/comerix.ts', ['serve'], {
    env,
    nodeArgs: options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
  })
  // Where `comerix serve` writes its URL once listening (platform/create-platform.ts serverInfoPath);
  // not imported, so that this process never loads chdb.
  const infoPath = path.join(options.dataDir, 'server.json')
  let url = ''
  await waitFor(
    async () => {
      if (child.process.exitCode !== null)
        throw new Error(`comerix serve exited early; its last output:\n${lastLines(child.output())}`)
      try {
        url = JSON.parse(await readFile(infoPath, 'utf8')).url
        return true
      } catch {
        return false
      }
    },
    {
      timeoutMs: 90_000,
      intervalMs: 100,
      message: `comerix serve to listen; its last output:\n${lastLines(child.output())}`,
    },
  )
  const startSeconds = (performance.now() - started) / 1000

  const slug = `bench-${randomBytes(3).toString('hex')}`
  await runTs('bin/comerix.ts', ['tenant:create', slug, '--json'], env)
  const widgetKey = JSON.parse(
    await runTs(
      'bin/comerix.ts',
      [
        'widget-key:create',
        '--tenant',
        slug,
        '--all-intents',
        `--allowed-origin=${options.origin}`,
        '--json',
      ],
      env,
    ),
  ) as { publicKey: string }
  const brokerPid = options.mode === 'kafka' ? localBrokerPid() : undefined
  return {
    mode: options.mode,
    url,
    child,
    publicKey: widgetKey.publicKey,
    topicPrefix,
    brokerPid,
    startSeconds,
  }
}

/** The Kafka that `ops/services.sh` started, if that is the one running here (its pid file, checked). */
function localBrokerPid(): number | undefined {
  const servicesDir = process.env.COMERIX_SERVICES_DIR ?? path.join(ROOT, 'ops/.services')
  try {
    const pid = Number(readFileSync(path.join(servicesDir, 'kafka/kafka.pid'), 'utf8').trim())
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return commandLine.includes('kafka.Kafka') ? pid : undefined
  } catch {
    return undefined
  }
}

const lastLines = (text: string, count = 8): string => text.trimEnd().split('\n').slice(-count).join('\n')
