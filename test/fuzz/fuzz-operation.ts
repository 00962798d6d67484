import fc from 'fast-check'
import { checkResponse, type FuzzResponse } from './check-response.ts'
import type { FuzzFigures } from './fuzz-figures.ts'
import type { FuzzTarget } from './fuzz-targets.ts'
import type { Operation } from './openapi-operations.ts'
import { type FuzzRequest, requestArbitrary } from './request-arbitrary.ts'
import type { Seeded } from './seed-tenants.ts'

/** A request that broke a rule, with what came back. */
export interface Finding {
  operation: string
  problems: string[]
  request: FuzzRequest
  response: FuzzResponse | undefined
}

export interface FuzzContext {
  target: FuzzTarget
  seeded: Seeded
  figures: FuzzFigures
  crashes: CrashWatch
  /** A request unanswered this long is a finding (a hang is as bad as a crash for the next client). */
  timeoutMs: number
}

export interface CrashWatch {
  /** Errors nothing handled since the last call: an 'error' event without listener, a rejected promise. */
  take(): Error[]
  stop(): void
}

/** Records what would end a Node process (uncaught exceptions, unhandled rejections) while the fuzz runs. */
export function watchCrashes(): CrashWatch {
  const seen: Error[] = []
  const onError = (error: unknown) => seen.push(error instanceof Error ? error : new Error(String(error)))
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  return {
    take: () => seen.splice(0),
    stop() {
      process.off('uncaughtException', onError)
      process.off('unhandledRejection', onError)
    },
  }
}

class Violation extends Error {
  constructor(readonly finding: Finding) {
    super(finding.problems.join('; '))
  }
}

/**
 * Sends `runs` generated requests to one operation. With `collect`, every finding is handed over and
 * the run goes on; without, the first one fails the property and fast-check shrinks it to a minimal repro.
 */
export async function fuzzOperation(
  context: FuzzContext,
  operation: Operation,
  options: { runs: number; seed?: number; collect?: (finding: Finding) => void },
): Promise<fc.RunDetails<[FuzzRequest]>> {
  const property = fc.asyncProperty(requestArbitrary(operation, context.seeded), async (request) => {
    const response = await answerWithin(context.target.send(request), context.timeoutMs)
    context.figures.record(operation.id, response?.status)
    await new Promise((resolve) => setImmediate(resolve))
    const crashes = context.crashes
      .take()
      .map((error) => `uncaught in the process: ${error.stack?.split('\n').slice(0, 3).join(' | ')}`)
    const problems = [...(response ? checkResponse(request, response, context.seeded) : []), ...crashes]
    if (problems.length === 0) return true
    const finding = { operation: operation.id, problems, request, response }
    if (options.collect) {
      options.collect(finding)
      return true
    }
    throw new Violation(finding)
  })
  return fc.check(property, {
    numRuns: options.runs,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  })
}

/** Liveness after a batch: both probes answer 200 and nothing escaped to the process. */
export async function checkAlive(context: FuzzContext): Promise<string[]> {
  const problems: string[] = []
  for (const url of ['/healthz', '/readyz']) {
    const response = await answerWithin(
      context.target.send({ operation: `GET ${url}`, credential: 'none', method: 'GET', url, headers: {} }),
      context.timeoutMs,
    )
    if (response?.status !== 200)
      problems.push(`${url} answered ${response?.status}: ${response?.body.slice(0, 200)}`)
  }
  problems.push(...context.crashes.take().map((error) => `uncaught in the process: ${error.message}`))
  return problems
}

async function answerWithin(
  answer: Promise<FuzzResponse | undefined>,
  ms: number,
): Promise<FuzzResponse | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<FuzzResponse>((resolve) => {
    timer = setTimeout(() => resolve({ status: 0, contentType: '', body: `no answer within ${ms} ms` }), ms)
  })
  try {
    return await Promise.race([answer, late])
  } finally {
    clearTimeout(timer)
  }
}

/** A finding as a repro: method, url, headers, body and answer, long values cut. */
export function describeFinding(finding: Finding): string {
  const cut = (text: string, n = 300) =>
    text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text
  const { request, response } = finding
  return [
    `${finding.operation} as ${request.credential}: ${finding.problems.join('; ')}`,
    `  ${request.method} ${cut(request.url, 400)}`,
    `  headers: ${cut(JSON.stringify(request.headers))}`,
    ...(request.body === undefined ? [] : [`  body: ${cut(JSON.stringify(request.body))}`]),
    `  -> ${response?.status} ${cut(response?.body ?? '')}`,
  ].join('\n')
}

/** The failure of a run as text, or undefined when it passed. */
export function describeRun(details: fc.RunDetails<[FuzzRequest]>): string | undefined {
  if (!details.failed) return undefined
  const error = details.errorInstance
  if (error instanceof Violation)
    return `${describeFinding(error.finding)}\n  (seed ${details.seed}, path ${details.counterexamplePath}, after ${details.numRuns} runs and ${details.numShrinks} shrinks)`
  return `fuzz run failed: ${String(error)}`
}
