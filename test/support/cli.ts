import { type ChildProcess, spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { serverInfoPath } from '../../platform/create-platform.ts'
import { waitFor } from './wait-for.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = ['--import', 'tsx', 'bin/comerix.ts']

// The CLI tests exercise embedded mode; service URLs exported for other suites must not leak in.
const EMBEDDED = { REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real `comerix` CLI in a child process. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...EMBEDDED, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export interface RunningServer {
  url: string
  process: ChildProcess
  output: () => string
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `comerix serve` on a free port and waits until it writes where it listens. */
export async function startServer(
  env: Record<string, string> & { DATA_DIR: string },
): Promise<RunningServer> {
  // A server killed with SIGKILL leaves its server.json behind; it must not be taken for the new one's.
  await rm(serverInfoPath(env.DATA_DIR), { force: true })
  const child = spawn(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...EMBEDDED, PORT: '0', LOG_LEVEL: 'info', ...env },
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let url = ''
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`)
      try {
        url = JSON.parse(await readFile(serverInfoPath(env.DATA_DIR), 'utf8')).url
        return true
      } catch {
        return false
      }
    },
    { timeoutMs: 60_000, message: 'server start' },
  )
  return {
    url,
    process: child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal)
      return exited
    },
  }
}
