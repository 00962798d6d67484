import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startFuzzApp } from './fuzz-app.ts'
import { FuzzFigures } from './fuzz-figures.ts'
import {
  checkAlive,
  describeFinding,
  type Finding,
  type FuzzContext,
  fuzzOperation,
  watchCrashes,
} from './fuzz-operation.ts'
import { injectTarget, socketTarget } from './fuzz-targets.ts'
import { seedTenants } from './seed-tenants.ts'

const USAGE = `usage: npm run fuzz -- [--runs N] [--minutes M] [--seed S] [--socket-share F] [--out findings.json] [--only TEXT] [--timeout-ms MS] [--verbose]
  Walks every operation of the OpenAPI document with generated hostile requests, in rounds of N runs
  per operation (default: FUZZ_RUNS or 200), until M minutes have passed (default: one round); a share F
  of each round (default 0.1) goes over a real socket. Prints requests, statuses, 5xx and coverage, and
  every distinct finding; exits 1 when there is one. --only keeps the operations whose id contains TEXT;
  a request unanswered after --timeout-ms (default 30000) is a finding.`

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    minutes: { type: 'string' },
    seed: { type: 'string' },
    'socket-share': { type: 'string' },
    out: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    only: { type: 'string' },
    'timeout-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const runs = Number(values.runs ?? process.env.FUZZ_RUNS ?? 200)
const deadline = values.minutes === undefined ? undefined : Date.now() + Number(values.minutes) * 60_000
const baseSeed = Number(values.seed ?? Date.now() % 1_000_000)
const socketShare = Number(values['socket-share'] ?? 0.1)

const dataDir = await mkdtemp(path.join(tmpdir(), 'comerix-fuzz-'))
const fuzz = await startFuzzApp(dataDir)
const timeoutMs = Number(values['timeout-ms'] ?? 30_000)
if (values.only !== undefined)
  fuzz.operations = fuzz.operations.filter((o) => o.id.includes(values.only as string))
const baseUrl = await fuzz.app.listen()
const figures = new FuzzFigures()
const crashes = watchCrashes()
const distinct = new Map<string, { finding: Finding; count: number; operations: Set<string> }>()
const collect = (finding: Finding) => {
  const signature = signatureOf(finding)
  const seen = distinct.get(signature)
  if (seen) {
    seen.count += 1
    seen.operations.add(finding.operation)
  } else {
    distinct.set(signature, { finding, count: 1, operations: new Set([finding.operation]) })
    console.log(`\nNEW FINDING ${distinct.size}\n${describeFinding(finding)}`)
  }
}

console.log(`fuzzing ${fuzz.operations.length} operations, ${runs} runs each per round, seed ${baseSeed}`)
let round = 0
let seeded = fuzz.seeded
do {
  for (const [index, operation] of fuzz.operations.entries()) {
    const seed = baseSeed + round * 1_000 + index
    if (values.verbose) console.log(`${operation.id} (${figures.requests} requests so far)`)
    const inject: FuzzContext = { target: injectTarget(fuzz.app), seeded, figures, crashes, timeoutMs }
    await fuzzOperation(inject, operation, { runs, seed, collect })
    const socketRuns = Math.round(runs * socketShare)
    if (socketRuns > 0 && operation.method !== 'DELETE')
      await fuzzOperation({ ...inject, target: socketTarget(baseUrl) }, operation, {
        runs: socketRuns,
        seed,
        collect,
      })
    for (const problem of await checkAlive(inject))
      collect({
        operation: operation.id,
        problems: [`after the batch: ${problem}`],
        request: { operation: operation.id, credential: 'none', method: 'GET', url: '/readyz', headers: {} },
        response: undefined,
      })
  }
  round += 1
  console.log(`\nround ${round} done\n${figures.summary(fuzz.operations.length)}`)
  // Deletions ran last: fresh tenants give the next round existing objects again.
  if (deadline !== undefined && Date.now() < deadline) seeded = await seedTenants(fuzz.app)
} while (deadline !== undefined && Date.now() < deadline)

crashes.stop()
console.log(
  `\n== fuzz figures (seed ${baseSeed}, ${round} rounds) ==\n${figures.summary(fuzz.operations.length)}`,
)
const never = fuzz.operations.map((o) => o.id).filter((id) => !figures.reachedSuccess.includes(id))
console.log(`operations never answered 2xx/3xx (${never.length}): ${never.join(', ')}`)
console.log(`distinct findings: ${distinct.size}`)
for (const { finding, count, operations } of distinct.values())
  console.log(
    `\n[${count}x on ${operations.size} operations: ${[...operations].join(', ')}]\n${describeFinding(finding)}`,
  )
if (values.out)
  await writeFile(
    values.out,
    JSON.stringify(
      [...distinct.values()].map((d) => ({ ...d, operations: [...d.operations] })),
      null,
      2,
    ),
  )
await fuzz.app.close()
await rm(dataDir, { recursive: true, force: true })
process.exit(distinct.size === 0 ? 0 : 1)

/**
 * One finding per kind of failure: 5xx per operation (each route's crash is its own bug), broken error
 * bodies per status and code wherever they come from; ids and numbers blurred out.
 */
function signatureOf(finding: Finding): string {
  let code = ''
  try {
    const body = JSON.parse(finding.response?.body ?? '')
    code = body.error?.code ?? body.code ?? ''
  } catch {}
  const status = finding.response?.status ?? 0
  const problem = (finding.problems[0] ?? '')
    .replace(/(uncaught in the process: [^:]+).*?\|(.*?)\|.*/, '$1 at$2')
    .replace(/[0-9a-f-]{8,}|\d+/gi, '#')
    .slice(0, 120)
  const where = status >= 500 || status < 100 ? finding.operation : ''
  return `${where}|${status}|${code}|${problem}`
}
