import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Chat traffic as widgets make it against a set of `api` processes: each agent opens a session,
 * triggers `intent` (a flow that pauses in `waiting_time`, then asks a form), polls the execution,
 * resumes it with `values` and polls until it completes — then starts over. Like a widget, an agent
 * retries an answer marked `retryable` and a connection that failed (on the next api), and reads a 409
 * on resume as "the first try got through" (it then polls).
 */
export interface ChatLoadOptions {
  apis: () => string[]
  publicKey: string
  origin: string
  intent: string
  values: Record<string, string>
  agents: number
  /** A request unanswered this long counts as a hang. */
  requestTimeoutMs?: number
  /** After `stop()`, how long agents may take to finish their conversations before giving up. */
  finishWithinMs?: number
}

export interface ErrorAnswer {
  route: string
  status: number
  body: string
}

export interface ChatLoad {
  /** Conversations that got an execution id, and those that then completed. */
  readonly started: ReadonlySet<string>
  readonly completed: ReadonlySet<string>
  /** Answers by `route status` (e.g. `trigger 200`, `poll 503`). */
  readonly statuses: ReadonlyMap<string, number>
  /** Every answer with a status >= 500, with its body. */
  readonly serverErrors: readonly ErrorAnswer[]
  /** Requests that got no answer at all (connection refused or reset), and those that hung. */
  readonly failedRequests: number
  readonly hangs: number
  /** Executions that ended in a status other than completed. */
  readonly unexpected: ReadonlyMap<string, string>
  /** Lets each agent finish its current conversation, then resolves. */
  stop(): Promise<void>
}

interface Answer {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: the agent reads reply fields as the widget would
  body: any
}

const RETRY_PAUSE_MS = 100

export function startChatLoad(options: ChatLoadOptions): ChatLoad {
  const started = new Set<string>()
  const completed = new Set<string>()
  const statuses = new Map<string, number>()
  const serverErrors: ErrorAnswer[] = []
  const unexpected = new Map<string, string>()
  let failedRequests = 0
  let hangs = 0
  let stopping = false
  let giveUpAt = Number.POSITIVE_INFINITY
  let turn = 0
  const timeoutMs = options.requestTimeoutMs ?? 30_000

  /** One request, retried until it gets an answer that is not retryable. */
  const call = async (
    route: string,
    method: string,
    path: string,
    body?: unknown,
    auth?: string,
  ): Promise<Answer> => {
    for (;;) {
      if (Date.now() > giveUpAt) throw new Error(`gave up on ${route} after stop()`)
      const apis = options.apis()
      turn += 1
      const base = apis[turn % apis.length]
      try {
        const response = await fetch(
          `${base}${path}${path.includes('?') ? '&' : '?'}publicKey=${options.publicKey}`,
          {
            method,
            headers: {
              origin: options.origin,
              ...(auth ? { authorization: `Bearer ${auth}` } : {}),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: AbortSignal.timeout(timeoutMs),
          },
        )
        const text = await response.text()
        const key = `${route} ${response.status}`
        statuses.set(key, (statuses.get(key) ?? 0) + 1)
        if (response.status >= 500) serverErrors.push({ route, status: response.status, body: text })
        const parsed = text ? JSON.parse(text) : undefined
        if (response.status >= 400 && parsed?.error?.retryable === true) {
          await sleep(RETRY_PAUSE_MS)
          continue
        }
        return { status: response.status, body: parsed }
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') hangs += 1
        else failedRequests += 1
        await sleep(RETRY_PAUSE_MS)
      }
    }
  }

  const pollUntil = async (auth: string, executionId: string, done: (status: string) => boolean) => {
    for (;;) {
      const answer = await call('poll', 'GET', `/v1/chat/executions/${executionId}`, undefined, auth)
      if (answer.status !== 200)
        throw new Error(`poll answered ${answer.status}: ${JSON.stringify(answer.body)}`)
      if (done(answer.body.status)) return answer.body
      await sleep(Math.min(answer.body.pollAfterMs ?? 250, 250))
    }
  }

  const converse = async (agent: number): Promise<void> => {
    const session = await call('session', 'POST', '/v1/chat/sessions', { anonymousId: `agent-${agent}` })
    if (session.status !== 201)
      throw new Error(`session answered ${session.status}: ${JSON.stringify(session.body)}`)
    const auth: string = session.body.sessionToken
    const trigger = await call('trigger', 'POST', '/v1/chat/messages', { intentName: options.intent }, auth)
    if (trigger.status !== 200)
      throw new Error(`trigger answered ${trigger.status}: ${JSON.stringify(trigger.body)}`)
    const executionId: string = trigger.body.executionId
    started.add(executionId)
    const waiting = await pollUntil(
      auth,
      executionId,
      (status) => status !== 'waiting_time' && status !== 'running',
    )
    if (waiting.status !== 'waiting_input') {
      unexpected.set(executionId, waiting.status)
      return
    }
    const resume = await call(
      'resume',
      'POST',
      '/v1/chat/messages',
      { executionId, waitToken: waiting.waitToken, values: options.values },
      auth,
    )
    // 409: an earlier attempt of this resume got through before its answer was lost.
    if (resume.status !== 200 && resume.status !== 409)
      throw new Error(`resume answered ${resume.status}: ${JSON.stringify(resume.body)}`)
    const end = await pollUntil(auth, executionId, (status) => !['waiting_time', 'running'].includes(status))
    if (end.status === 'completed') completed.add(executionId)
    else unexpected.set(executionId, `${end.status} ${JSON.stringify(end.error ?? {})}`)
  }

  const loops = Array.from({ length: options.agents }, async (_, agent) => {
    while (!stopping) {
      try {
        await converse(agent)
      } catch (error) {
        unexpected.set(`agent-${agent}-${Date.now()}`, String(error))
      }
    }
  })

  return {
    started,
    completed,
    statuses,
    serverErrors,
    unexpected,
    get failedRequests() {
      return failedRequests
    },
    get hangs() {
      return hangs
    },
    async stop() {
      if (!stopping) giveUpAt = Date.now() + (options.finishWithinMs ?? 150_000)
      stopping = true
      await Promise.all(loops)
    },
  }
}
