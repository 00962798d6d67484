import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait-for.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Kept of each process's output for failure messages. */
const OUTPUT_TAIL_CHARS = 20_000

export interface ComerixProcess {
  name: string
  url: string
  process: ChildProcess
  output(): string
  /** Sends `signal` and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly exited: boolean
}

/**
 * Starts `comerix serve` with `env` (ROLES, service URLs, DATA_DIR...) on a free port and waits until
 * it answers `/healthz`. Works in every mode: a distributed process writes no server.json.
 */
export async function startComerixProcess(
  name: string,
  env: Record<string, string>,
): Promise<ComerixProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/comerix.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const url = `http://127.0.0.1:${port}`
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited during start:\n${output}`)
      try {
        return (await fetch(`${url}/healthz`)).status === 200
      } catch {
        return false
      }
    },
    { timeoutMs: 90_000, intervalMs: 100, message: `${name} to answer /healthz` },
  )
  return {
    name,
    url,
    process: child,
    output: () => output,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
