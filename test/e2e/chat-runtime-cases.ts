import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import type { EngineJob } from '../../engine/runtime/turn-runner.ts'
import { ENGINE_QUEUE } from '../../engine/runtime/turn-runner.ts'
import { loadSecretBox } from '../../platform/crypto/secret-box.ts'
import { sha256Hex } from '../../platform/ids.ts'
import type { ClaimedJob } from '../../platform/state/state-store.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

const ORIGIN = 'https://runtime.example'
const MAX_STEPS = 5

/**
 * The loopback service the `svc` connection calls; it counts calls per path and remembers when they came.
 * `/flaky` answers 503 with `Retry-After: 2` twice, then 200; `/broken-*` always 500; `/count` 200.
 */
function startService(): Promise<{ server: Server; calls: Map<string, number[]> }> {
  const calls = new Map<string, number[]>()
  const server = createServer((request, response) => {
    const path = request.url ?? '/'
    const seen = [...(calls.get(path) ?? []), Date.now()]
    calls.set(path, seen)
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
    if (path === '/flaky' && seen.length <= 2) json(503, { error: 'busy' }, { 'retry-after': '2' })
    else if (path === '/flaky' || path === '/count') json(200, { attempts: seen.length })
    else json(500, { error: 'broken' })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, calls })))
}

const end = (id: string, message: string) => ({ id, type: 'end', message })
const text = (id: string, markdown: string, next: string) => ({
  id,
  type: 'message',
  blocks: [{ kind: 'text', markdown }],
  next,
})
/** A chain of `count` set nodes then an end: `count + 1` nodes run in one turn. */
const chain = (intent: string, count: number) => ({
  intent,
  name: intent,
  start: 's1',
  variables: { n: 0 },
  nodes: [
    ...Array.from({ length: count }, (_, i) => ({
      id: `s${i + 1}`,
      type: 'set',
      assign: [{ variable: 'n', value: 'n + 1' }],
      next: i + 1 === count ? 'done' : `s${i + 2}`,
    })),
    end('done', 'ran {{n}} steps'),
  ],
})
const connectionFlow = (intent: string, path: string, withOnError: boolean) => ({
  intent,
  name: intent,
  start: 'call',
  variables: { attempts: null },
  nodes: [
    {
      id: 'call',
      type: 'connection',
      connection: 'svc',
      path,
      map: [{ variable: 'attempts', path: 'attempts' }],
      next: 'ok',
      ...(withOnError ? { onError: 'fallback' } : {}),
    },
    end('ok', 'answered on call {{attempts}}'),
    ...(withOnError ? [end('fallback', 'the service is down')] : []),
  ],
})

const FLOWS = [
  // MAX_STEPS nodes in a row are allowed; one more fails the turn.
  chain('loop_ok', MAX_STEPS - 1),
  chain('loop_guard', MAX_STEPS + 2),
  {
    intent: 'ask_once',
    name: 'ask once',
    start: 'ask',
    variables: { name: null },
    nodes: [
      {
        id: 'ask',
        type: 'ask',
        prompt: 'Your name?',
        input: { kind: 'form', fields: [{ name: 'name', label: 'Name', type: 'text', required: true }] },
        next: 'bye',
      },
      end('bye', 'Bye {{name}}'),
    ],
  },
  {
    intent: 'delayed',
    name: 'delayed',
    start: 'one',
    nodes: [
      text('one', 'one', 'pause'),
      { id: 'pause', type: 'delay', seconds: 1, next: 'two' },
      text('two', 'two', 'done'),
      end('done', 'done'),
    ],
  },
  connectionFlow('flaky', '/flaky', true),
  connectionFlow('broken_branch', '/broken-branch', true),
  connectionFlow('broken_fail', '/broken-fail', false),
  connectionFlow('counted', '/count', true),
]

type Reply = {
  executionId: string
  status: string
  blocks: Array<Record<string, unknown>>
  waitToken?: string
  pollAfterMs?: number
  error?: { code: string; message: string }
}

/**
 * The runtime's guarantees over a real socket, once per state adapter (`env` selects it): loop guard,
 * idle expiry, async retries and error branches, delays, idempotent job completion, redelivery after
 * a worker dies, Idempotency-Key in flight, and the execution history read back from ClickHouse.
 */
export function chatRuntimeCases(name: string, env: Record<string, string> | undefined): void {
  describe.skipIf(env === undefined)(`chat runtime on ${name}`, () => {
    let app: App
    let base: string
    let service: Awaited<ReturnType<typeof startService>>
    let admin: Record<string, string>
    let publicKey: string

    const api = jsonApi(() => base, ORIGIN)
    const openSession = async () => {
      const response = await api('POST', `/v1/chat/sessions?publicKey=${publicKey}`, {
        anonymousId: 'anon-rt',
      })
      expect(response.status).toBe(201)
      return { authorization: `Bearer ${response.body.sessionToken}` }
    }
    const chat = (auth: Record<string, string>, body: unknown, headers: Record<string, string> = {}) =>
      api('POST', `/v1/chat/messages?publicKey=${publicKey}`, body, { ...auth, ...headers })
    const trigger = async (auth: Record<string, string>, intentName: string): Promise<Reply> => {
      const response = await chat(auth, { intentName })
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      return response.body
    }
    const poll = async (auth: Record<string, string>, executionId: string): Promise<Reply> =>
      (await api('GET', `/v1/chat/executions/${executionId}?publicKey=${publicKey}`, undefined, auth)).body
    const pollUntil = async (
      auth: Record<string, string>,
      executionId: string,
      done: (reply: Reply) => boolean,
      timeoutMs = 15_000,
    ): Promise<Reply> => {
      let last: Reply | undefined
      await waitFor(
        async () => {
          last = await poll(auth, executionId)
          return done(last)
        },
        { timeoutMs, intervalMs: 200, message: `execution ${executionId} to move on` },
      )
      return last as Reply
    }
    const settled = (reply: Reply) => reply.status !== 'waiting_time'
    const worker = () => {
      const running = app.engine.worker
      if (!running) throw new Error('the test app runs no worker role')
      return running
    }
    // Executions are stored sealed (execution-store.ts); the test opens them with the server's secret box.
    const stored = async (executionId: string) => {
      const key = `chat:execution:${executionId}`
      const sealed = await app.state.get(key)
      return JSON.parse(sealed === null ? 'null' : (await loadSecretBox(app.config)).open(sealed, key)) as {
        seq: number
        status: string
        chatSessionId: string
        updatedAt: number
        trace: Array<{ nodeId: string }>
      }
    }
    /** Claims due engine jobs as another worker would, until `jobId` is among them; others go back. */
    const claimAsOtherWorker = async (jobId: string, leaseMs: number): Promise<ClaimedJob> => {
      let mine: ClaimedJob | undefined
      await waitFor(
        async () => {
          for (const job of await app.state.claim(ENGINE_QUEUE, { limit: 50, leaseMs })) {
            if (job.id === jobId) mine = job
            else await app.state.retry(ENGINE_QUEUE, job, 0)
          }
          return mine !== undefined
        },
        { timeoutMs: 10_000, intervalMs: 20, message: `job ${jobId} to be claimable` },
      )
      return mine as ClaimedJob
    }

    beforeAll(async () => {
      service = await startService()
      app = await createApp(
        testConfig(await tempDir(), {
          CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true',
          CHAT_MAX_STEPS_PER_TURN: String(MAX_STEPS),
          CHAT_IDLE_TIMEOUT_SECONDS: '1',
          SINK_BATCH_WAIT_MS: '100',
          ...env,
        }),
      )
      base = await app.listen()
      const { tenant, adminKey } = await app.operator.createTenant({ slug: 'chat-runtime' })
      admin = { authorization: `Bearer ${adminKey.key}` }
      publicKey = (
        await app.tenancy.createWidgetKey(tenant.id, { allowedOrigins: [ORIGIN], allIntents: true })
      ).publicKey
      const { port } = service.server.address() as AddressInfo
      const connection = await api(
        'POST',
        '/v1/admin/connections',
        { name: 'svc', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 },
        admin,
      )
      expect(connection.status, JSON.stringify(connection.body)).toBe(201)
      for (const flow of FLOWS) {
        const created = await api('POST', '/v1/admin/flows', flow, admin)
        expect(created.status, JSON.stringify(created.body)).toBe(201)
        const published = await api(
          'POST',
          `/v1/admin/flows/${created.body.flowId}/publish`,
          undefined,
          admin,
        )
        expect(published.status, JSON.stringify(published.body)).toBe(200)
      }
    })
    afterAll(async () => {
      await app?.close()
      service?.server.close()
    })

    it('loop guard: CHAT_MAX_STEPS_PER_TURN nodes run, one more fails with loop_limit_exceeded', async () => {
      const auth = await openSession()
      const within = await trigger(auth, 'loop_ok')
      expect(within).toMatchObject({
        status: 'completed',
        blocks: [{ type: 'text', markdown: 'ran 4 steps' }],
      })
      const beyond = await trigger(auth, 'loop_guard')
      expect(beyond).toMatchObject({ status: 'failed', error: { code: 'loop_limit_exceeded' } })
      expect((await poll(auth, beyond.executionId)).status).toBe('failed')
    })

    it('idle expiry: a waiting_input execution aborts with idle_timeout and its token is refused', async () => {
      const auth = await openSession()
      const started = await trigger(auth, 'ask_once')
      expect(started).toMatchObject({ status: 'waiting_input', waitToken: expect.any(String) })
      const expired = await pollUntil(auth, started.executionId, (reply) => reply.status !== 'waiting_input')
      expect(expired).toMatchObject({ status: 'aborted', error: { code: 'idle_timeout' }, blocks: [] })
      const late = await chat(auth, {
        executionId: started.executionId,
        waitToken: started.waitToken,
        values: { name: 'Ada' },
      })
      expect(late.status).toBe(409)
      expect(late.body.error.code).toBe('wait_token_invalid')
      expect((await poll(auth, started.executionId)).status).toBe('aborted')
    })

    it('async retries: 503 twice then 200 ends in the success branch, waiting as Retry-After says', async () => {
      const auth = await openSession()
      const started = await trigger(auth, 'flaky')
      expect(started).toMatchObject({ status: 'waiting_time', pollAfterMs: expect.any(Number) })
      const done = await pollUntil(auth, started.executionId, settled, 20_000)
      expect(done).toMatchObject({ status: 'completed', blocks: [{ markdown: 'answered on call 3' }] })
      const times = service.calls.get('/flaky') ?? []
      expect(times).toHaveLength(3)
      // Retry-After: 2 — the default backoff would have retried after 0.5 s and 1 s.
      const gaps = times.slice(1).map((at, i) => at - (times[i] ?? at))
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1_900)
    })

    it('async retries: a connection that keeps failing takes onError, or fails the execution without it', async () => {
      const auth = await openSession()
      const branch = await trigger(auth, 'broken_branch')
      const fail = await trigger(auth, 'broken_fail')
      const branched = await pollUntil(auth, branch.executionId, settled)
      expect(branched).toMatchObject({ status: 'completed', blocks: [{ markdown: 'the service is down' }] })
      const failed = await pollUntil(auth, fail.executionId, settled)
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'connection_failed' }, blocks: [] })
      // Every attempt was made before giving up (MAX_CONNECTION_ATTEMPTS = 3).
      expect(service.calls.get('/broken-branch')).toHaveLength(3)
      expect(service.calls.get('/broken-fail')).toHaveLength(3)
    })

    it('delay node: answers waiting_time with the blocks so far, then moves on', async () => {
      const auth = await openSession()
      const started = await trigger(auth, 'delayed')
      expect(started).toMatchObject({
        status: 'waiting_time',
        pollAfterMs: expect.any(Number),
        blocks: [{ id: 'one.0', type: 'text', markdown: 'one' }],
      })
      expect(started.waitToken).toBeUndefined()
      const done = await pollUntil(auth, started.executionId, settled)
      expect(done).toMatchObject({
        status: 'completed',
        blocks: [
          { id: 'two.0', type: 'text', markdown: 'two' },
          { id: 'done', type: 'text', markdown: 'done' },
        ],
      })
    })

    it('idempotent completion: a job delivered twice at once, and again after it finished, advances once', async () => {
      const auth = await openSession()
      // Hold the worker so the original job and its duplicate are due together when it resumes.
      await worker().stop()
      let started: Reply
      try {
        started = await trigger(auth, 'counted')
        expect(started.status).toBe('waiting_time')
        const job: EngineJob = { kind: 'async', executionId: started.executionId, seq: 1 }
        await app.state.schedule(ENGINE_QUEUE, {
          id: `duplicate:${started.executionId}`,
          payload: JSON.stringify(job),
          runAt: Date.now(),
        })
      } finally {
        worker().start()
      }
      const done = await pollUntil(auth, started.executionId, settled)
      expect(done).toMatchObject({ status: 'completed', blocks: [{ markdown: 'answered on call 1' }] })
      const after = await stored(started.executionId)
      expect(after.seq).toBe(2)

      // A redelivery after completion (a worker that died before its ack) changes nothing. The queue
      // may hold jobs this test does not own (a shared Redis), so wait for its size to drop back.
      const queued = await app.state.size(ENGINE_QUEUE)
      await app.state.schedule(ENGINE_QUEUE, {
        id: `async:${started.executionId}:1`,
        payload: JSON.stringify({ kind: 'async', executionId: started.executionId, seq: 1 }),
        runAt: Date.now(),
      })
      await waitFor(async () => (await app.state.size(ENGINE_QUEUE)) <= queued, {
        timeoutMs: 10_000,
        message: 'the redelivered job to be run',
      })
      expect(await stored(started.executionId)).toEqual(after)
      expect(service.calls.get('/count')).toHaveLength(1)
    })

    it('a worker that dies mid-job loses its lease and the job runs again', async () => {
      // A second worker process cannot be used here: in embedded mode the flows live in this process's
      // chdb. The dying worker is this test claiming the job on the same state port and never acking.
      const auth = await openSession()
      await worker().stop()
      let started: Reply
      let dying: ClaimedJob
      try {
        started = await trigger(auth, 'delayed')
        expect(started.status).toBe('waiting_time')
        dying = await claimAsOtherWorker(`async:${started.executionId}:1`, 1_500)
        expect(JSON.parse(dying.payload)).toEqual({ kind: 'async', executionId: started.executionId, seq: 1 })
      } finally {
        worker().start()
      }
      // Under the dead worker's lease nobody else runs it.
      expect((await poll(auth, started.executionId)).status).toBe('waiting_time')
      const done = await pollUntil(auth, started.executionId, settled)
      expect(done).toMatchObject({ status: 'completed', blocks: [{ markdown: 'two' }, { markdown: 'done' }] })
      // The dead worker's late ack is refused: its lease was taken over.
      expect(await app.state.ack(ENGINE_QUEUE, dying)).toBe(false)
    })

    it('Idempotency-Key: a repeat while the first request runs gets 409 idempotency_in_flight', async () => {
      const auth = await openSession()
      const started = await trigger(auth, 'ask_once')
      const { chatSessionId } = await stored(started.executionId)
      const key = `in-flight-${started.executionId}`
      const body = { executionId: started.executionId, waitToken: started.waitToken, values: { name: 'Ada' } }
      // Another change of this execution holds its lock, so the first resume stays in flight.
      const lock = await app.state.acquireLock(`execution:${started.executionId}`, 10_000)
      expect(lock).not.toBeNull()
      let first: ReturnType<typeof chat> | undefined
      try {
        first = chat(auth, body, { 'idempotency-key': key })
        await waitFor(
          async () => (await app.state.get(`idempotency:chat:${chatSessionId}:${sha256Hex(key)}`)) !== null,
          {
            message: 'the first request to be in flight',
          },
        )
        const second = await chat(auth, body, { 'idempotency-key': key })
        expect(second.status).toBe(409)
        expect(second.body.error.code).toBe('idempotency_in_flight')
      } finally {
        await lock?.release()
      }
      const answered = await first
      expect(answered?.status).toBe(200)
      expect(answered?.body).toMatchObject({ status: 'completed', blocks: [{ markdown: 'Bye Ada' }] })
      const replayed = await chat(auth, body, { 'idempotency-key': key })
      // The same answer replayed (headers such as x-request-id belong to each HTTP exchange).
      expect({ status: replayed.status, body: replayed.body }).toEqual({
        status: answered?.status,
        body: answered?.body,
      })
    })

    it('execution history: lists executions with filters and returns one step trace', async () => {
      const auth = await openSession()
      const started = await trigger(auth, 'delayed')
      await pollUntil(auth, started.executionId, settled)
      const failed = await trigger(auth, 'loop_guard')

      type Listed = { executionId: string; status: string; intent: string }
      let listed: Listed[] = []
      await waitFor(
        async () => {
          const response = await api('GET', '/v1/admin/executions?intent=delayed', undefined, admin)
          expect(response.status, JSON.stringify(response.body)).toBe(200)
          listed = response.body.executions
          return listed.some((row) => row.executionId === started.executionId && row.status === 'completed')
        },
        { timeoutMs: 15_000, intervalMs: 250, message: 'the delayed execution to reach the history' },
      )
      expect(listed.every((row) => row.intent === 'delayed')).toBe(true)
      const row = listed.find((candidate) => candidate.executionId === started.executionId)
      expect(row).toMatchObject({
        flowId: expect.any(String),
        flowVersion: 1,
        chatSessionId: expect.any(String),
        startedAt: expect.any(String),
        updatedAt: expect.any(String),
      })

      await waitFor(
        async () => {
          const response = await api(
            'GET',
            '/v1/admin/executions?status=failed&intent=loop_guard',
            undefined,
            admin,
          )
          return response.body.executions.some(
            (candidate: Listed) => candidate.executionId === failed.executionId,
          )
        },
        { timeoutMs: 15_000, intervalMs: 250, message: 'the failed execution to reach the history' },
      )
      const future = new Date(Date.now() + 60_000).toISOString()
      const none = await api(
        'GET',
        `/v1/admin/executions?from=${encodeURIComponent(future)}`,
        undefined,
        admin,
      )
      expect(none.body.executions).toEqual([])
      const limited = await api('GET', '/v1/admin/executions?limit=1', undefined, admin)
      expect(limited.body.executions).toHaveLength(1)
      const badStatus = await api('GET', '/v1/admin/executions?status=sleeping', undefined, admin)
      expect(badStatus.status).toBe(400)

      const trace = await api('GET', `/v1/admin/executions/${started.executionId}`, undefined, admin)
      expect(trace.status).toBe(200)
      expect(trace.body).toMatchObject({
        executionId: started.executionId,
        intent: 'delayed',
        status: 'completed',
      })
      type Step = { type: string; blockId?: string; from?: string; to?: string }
      const steps: Step[] = trace.body.steps
      expect(steps[0]?.type).toBe('chat.message.received')
      expect(
        steps
          .filter((step) => step.type === 'chat.execution.status_changed')
          .map((s) => `${s.from}->${s.to}`),
      ).toEqual(['running->waiting_time', 'waiting_time->completed'])
      // Blocks of one turn share a millisecond, so the trace orders them by turn, not within one.
      const rendered = steps.filter((step) => step.type === 'chat.block.rendered').map((s) => s.blockId)
      expect(rendered[0]).toBe('one.0')
      expect(rendered.slice(1).sort()).toEqual(['done', 'two.0'])

      const missing = await api('GET', '/v1/admin/executions/no-such-execution', undefined, admin)
      expect(missing.status).toBe(404)
      const other = await app.operator.createTenant({ slug: 'chat-runtime-other' })
      const foreign = await api('GET', `/v1/admin/executions/${started.executionId}`, undefined, {
        authorization: `Bearer ${other.adminKey.key}`,
      })
      expect(foreign.status).toBe(404)
      const unauthenticated = await api('GET', '/v1/admin/executions')
      expect(unauthenticated.status).toBe(401)
    })
  })
}
