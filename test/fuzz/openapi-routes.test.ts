import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/temp-dir.ts'
import { startFuzzApp } from './fuzz-app.ts'
import { FuzzFigures } from './fuzz-figures.ts'
import { checkAlive, describeRun, type FuzzContext, fuzzOperation, watchCrashes } from './fuzz-operation.ts'
import { injectTarget, socketTarget } from './fuzz-targets.ts'

/**
 * Property-based fuzz of every route in the OpenAPI document: generated malformed, boundary and
 * hostile requests with every credential (each secret-key scope, the widget, the operator, another
 * tenant, none). Nothing may answer 5xx, every error must be a catalog error, the process must stay
 * up, and no answer may carry another tenant's data. FUZZ_RUNS sets the requests per route (CI size
 * by default; `npm run fuzz` runs it for minutes), FUZZ_SEED replays a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20)
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202)
const SOCKET_RUNS = Math.max(2, Math.round(RUNS / 4))
const ROUTE_TIMEOUT_MS = 120_000

const fuzz = await startFuzzApp(await tempDir('comerix-fuzz-'))
const baseUrl = await fuzz.app.listen()
const figures = new FuzzFigures()
const crashes = watchCrashes()
const inject: FuzzContext = {
  target: injectTarget(fuzz.app),
  seeded: fuzz.seeded,
  figures,
  crashes,
  timeoutMs: 30_000,
}
const socket: FuzzContext = { ...inject, target: socketTarget(baseUrl) }

afterAll(async () => {
  crashes.stop()
  console.log(
    `fuzz figures (FUZZ_RUNS=${RUNS}, FUZZ_SEED=${SEED}):\n${figures.summary(fuzz.operations.length)}`,
  )
  await fuzz.app.close()
})

describe('the OpenAPI document', () => {
  it('lists the routes the fuzz must reach, exports included', () => {
    const ids = fuzz.operations.map((operation) => operation.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'GET /v1/admin/reports/{reportId}/export',
        'POST /v1/operator/tenants/{slug}/reports/export',
        'POST /v1/chat/messages',
        'POST /v1/chat/uploads',
        'POST /v1/telemetry',
      ]),
    )
  })
})

describe('a sample over a real socket', () => {
  const sample = fuzz.operations.filter((operation) => operation.method !== 'DELETE')
  it.each(sample.map((operation, index) => [operation.id, operation, index] as const))(
    '%s',
    async (_id, operation, index) => {
      const details = await fuzzOperation(socket, operation, { runs: SOCKET_RUNS, seed: SEED + index })
      const failure = describeRun(details)
      if (failure) expect.fail(failure)
      expect(await checkAlive(socket)).toEqual([])
    },
    ROUTE_TIMEOUT_MS,
  )
})

describe('every route in-process', () => {
  it.each(fuzz.operations.map((operation, index) => [operation.id, operation, index] as const))(
    '%s',
    async (_id, operation, index) => {
      const details = await fuzzOperation(inject, operation, { runs: RUNS, seed: SEED + 1_000 + index })
      const failure = describeRun(details)
      if (failure) expect.fail(failure)
      expect(await checkAlive(inject)).toEqual([])
    },
    ROUTE_TIMEOUT_MS,
  )

  it('reached every operation of the document', () => {
    const missed = fuzz.operations.map((o) => o.id).filter((id) => !figures.byOperation.has(id))
    expect(missed).toEqual([])
  })
})
