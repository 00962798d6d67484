import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { scrapeMetrics } from '../support/prometheus.ts'
import { waitFor } from '../support/wait-for.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURE = 'test/e2e/fixtures/faulty-server.ts'

interface Faulty {
  child: ChildProcess
  url: string
  exited: Promise<number | null>
  /** Log lines (pino JSON) printed so far. */
  logs(): Array<Record<string, unknown>>
}

const started: ChildProcess[] = []
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

async function startFaultyServer(guard: 'on' | 'off'): Promise<Faulty> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, GUARD: guard },
  })
  started.push(child)
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const lines = () =>
    output.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
  let url = ''
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the fixture exited early:\n${output}`)
      url = String(lines().find((line) => typeof line.url === 'string' && !('level' in line))?.url ?? '')
      return url !== ''
    },
    { timeoutMs: 30_000, message: 'fixture start' },
  )
  return { child, url, exited, logs: lines }
}

const unhandled = async (url: string, kind: string) =>
  (await scrapeMetrics(url)).find(
    (sample) => sample.name === 'comerix_unhandled_errors_total' && sample.labels.kind === kind,
  )?.value ?? 0

describe('the process guard', () => {
  it('logs an unhandled error with its request id, counts it, and keeps serving', async () => {
    const server = await startFaultyServer('on')
    const faulty = await fetch(`${server.url}/faulty`, { headers: { 'x-request-id': 'req-faulty-0001' } })
    expect(faulty.status).toBe(202)

    await waitFor(async () => (await unhandled(server.url, 'rejection')) === 1, {
      message: 'rejection counted',
    })
    await waitFor(async () => (await unhandled(server.url, 'exception')) === 1, {
      message: 'exception counted',
    })
    const reports = () => server.logs().filter((line) => String(line.msg).startsWith('unhandled '))
    await waitFor(() => reports().length === 2, { message: 'both logged' })
    expect(reports()).toEqual([
      expect.objectContaining({ level: 50, kind: 'rejection', requestId: 'req-faulty-0001' }),
      expect.objectContaining({ level: 50, kind: 'exception', requestId: 'req-faulty-0001' }),
    ])
    expect(reports().map((line) => (line.err as { message: string }).message)).toEqual([
      'a rejection nobody handles',
      'an exception nobody catches',
    ])

    expect((await fetch(`${server.url}/ok`)).status).toBe(200)
    expect(server.child.exitCode).toBeNull()
  })

  it('is not installed by default: without it, the same fault ends the process', async () => {
    const server = await startFaultyServer('off')
    expect((await fetch(`${server.url}/faulty`)).status).toBe(202)
    expect(await server.exited).not.toBe(0)
  })
})
