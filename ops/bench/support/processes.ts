import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface Child {
  process: ChildProcess
  pid: number
  /** The last 64 KiB the child wrote (stdout and stderr), for error messages. */
  output(): string
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>
}

/** Runs a TypeScript entry point of this repository as `node [nodeArgs] --import tsx <entry> [args]`. */
export function spawnTs(
  entry: string,
  args: string[],
  options: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Child {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65_536)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  if (child.pid === undefined) throw new Error(`could not start ${entry}`)
  return {
    process: child,
    pid: child.pid,
    output: () => output,
    exited,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/** Runs a child to completion and returns its stdout; rejects with its output when it fails or times out. */
export async function runTs(
  entry: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 300_000,
): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  }).finally(() => clearTimeout(timer))
  if (code !== 0) throw new Error(`${entry} ${args.join(' ')} exited with ${code}:\n${stderr}${stdout}`)
  return stdout
}

export interface ProcessStats {
  /** Resident set size now, bytes. */
  rssBytes: number
  /** Peak resident set size since the process started (VmHWM), bytes. */
  peakRssBytes: number
  /** User + system CPU time since the process started, seconds. */
  cpuSeconds: number
}

/** Linux /proc figures of a process; undefined elsewhere or once it has exited. */
export function processStats(pid: number): ProcessStats | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    // Fields after the command name (which may contain spaces): utime and stime are 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM'), cpuSeconds: ticks / CLOCK_TICKS }
  } catch {
    return undefined
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100

/** CPU seconds used during a window, split by who used them. */
export interface CpuUse {
  wallSeconds: number
  server: number
  /** This process: the load generator (and the bench's own polling). */
  generator: number
  /** The local Kafka broker's JVM, when there is one: part of the pipeline in Kafka mode. */
  broker: number | undefined
  /** Everything else on the machine: other processes compete with the bench when this is not ~0. */
  others: number
}

/** Starts measuring CPU use; call the returned function to end the window. Undefined figures off Linux. */
export function startCpuWindow(serverPid: number, brokerPid?: number): () => CpuUse | undefined {
  const wall = performance.now()
  const machine = machineBusySeconds()
  const server = processStats(serverPid)?.cpuSeconds
  const broker = brokerPid === undefined ? undefined : processStats(brokerPid)?.cpuSeconds
  const self = process.cpuUsage()
  return () => {
    const machineNow = machineBusySeconds()
    const serverNow = processStats(serverPid)?.cpuSeconds
    if (machine === undefined || machineNow === undefined || server === undefined || serverNow === undefined)
      return undefined
    const used = process.cpuUsage(self)
    const generator = (used.user + used.system) / 1e6
    const serverUsed = serverNow - server
    const brokerNow = brokerPid === undefined ? undefined : processStats(brokerPid)?.cpuSeconds
    const brokerUsed = broker === undefined || brokerNow === undefined ? undefined : brokerNow - broker
    return {
      wallSeconds: (performance.now() - wall) / 1000,
      server: serverUsed,
      generator,
      broker: brokerUsed,
      others: Math.max(0, machineNow - machine - serverUsed - generator - (brokerUsed ?? 0)),
    }
  }
}

/** Busy CPU seconds of the whole machine since boot (all cores), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/)
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number)
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS
    )
  } catch {
    return undefined
  }
}

/** Polls `check` until it returns true; throws `message` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs = 100, message }: { timeoutMs: number; intervalMs?: number; message: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`)
    await sleep(intervalMs)
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
