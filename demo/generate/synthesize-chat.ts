import type { ServerEventProps, ServerEventType } from '../../ingest/server-event-types.ts'
import { FLOW_SCRIPTS, type FlowScript, GENERIC_SCRIPT, MODELS, QUICK_QUESTIONS } from './demo-catalog.ts'
import type { GenerationTarget } from './generation-options.ts'
import type { Prng } from './prng.ts'
import type { Browser, RowFactory } from './row-factory.ts'

const SECOND = 1000
const IDLE_TIMEOUT_MS = 30 * 60 * SECOND

/** An engaged chat session as attribution sees it. */
export interface ChatTouch {
  chatSessionId: string
  /** First engaged interaction. */
  touchTime: number
  /** Last event of the session. */
  end: number
}

export interface ChatVisit {
  anonymousId: string
  browser: Browser
  url: string
  /** When the visitor opens the widget. */
  at: number
}

/**
 * One widget open: `widget.opened`, usually a chat session, and when the visitor engages (a quick
 * question or a typed message) one flow execution with its blocks, form, LLM calls and status changes,
 * as the engine records them. Returns the touch when the session was engaged, and when it ended.
 */
export function synthesizeChat(
  prng: Prng,
  rows: RowFactory,
  target: GenerationTarget,
  visit: ChatVisit,
): { touch: ChatTouch | undefined; end: number } {
  const { anonymousId, browser, url } = visit
  let t = visit.at
  rows.widget({ type: 'widget.opened', ts: t, anonymous_id: anonymousId, url }, browser)
  if (!prng.chance(0.8)) return { touch: undefined, end: t }

  const chatSessionId = `cs_${prng.hex(20)}`
  t += prng.int(300, 1500)
  const session = { anonymous_id: anonymousId, chat_session_id: chatSessionId }
  rows.server({ type: 'chat.session.opened', ts: t, ...session }, 'engine')
  if (!prng.chance(0.7)) {
    t += prng.int(5, 60) * SECOND
    if (prng.chance(0.5))
      rows.widget({ type: 'widget.closed', ts: t, anonymous_id: anonymousId, url }, browser)
    return { touch: undefined, end: t }
  }

  const intents = [...target.flows.keys()]
  const questions = QUICK_QUESTIONS.filter((question) => target.flows.has(question.intent))
  t += prng.int(2, 30) * SECOND
  const touchTime = t
  let intent: string
  let typedLength: number | undefined
  if (questions.length > 0 && prng.chance(0.55)) {
    const question = prng.pick(questions)
    intent = question.intent
    rows.widget(
      {
        type: 'quick_question.clicked',
        ts: t,
        ...session,
        props: { question_id: question.id, question_text: question.text },
      },
      browser,
    )
    t += prng.int(100, 400)
  } else {
    intent = prng.pick(intents)
    typedLength = prng.int(8, 120)
  }
  t = runExecution(prng, rows, target, { ...session, intent, typedLength, at: t })
  return { touch: { chatSessionId, touchTime, end: t }, end: t }
}

interface ExecutionEnvelope {
  anonymous_id: string
  chat_session_id: string
  execution_id: string
  intent: string
  flow_id: string
  flow_version: number
}

interface ExecutionStart {
  anonymous_id: string
  chat_session_id: string
  intent: string
  typedLength: number | undefined
  at: number
}

/** One execution of the intent's flow, from trigger to completed, failed or aborted; returns its last ts. */
function runExecution(prng: Prng, rows: RowFactory, target: GenerationTarget, start: ExecutionStart): number {
  const script: FlowScript = FLOW_SCRIPTS[start.intent] ?? GENERIC_SCRIPT
  const flow = target.flows.get(start.intent)
  const envelope: ExecutionEnvelope = {
    anonymous_id: start.anonymous_id,
    chat_session_id: start.chat_session_id,
    execution_id: `ex_${prng.hex(20)}`,
    intent: start.intent,
    flow_id: flow?.flowId ?? '',
    flow_version: flow?.version ?? 0,
  }
  let t = start.at
  const emit = <T extends ServerEventType>(type: T, props: ServerEventProps<T>, blockId = '') =>
    rows.server({ type, ts: t, ...envelope, block_id: blockId, props }, 'engine')
  const status = (from: string, to: string, error?: string) =>
    emit('chat.execution.status_changed', { from, to, ...(error ? { error } : {}) })
  const render = (blocks: string[]) => {
    for (const block of blocks) {
      t += prng.int(1, 20)
      emit('chat.block.rendered', { block_type: block === script.form ? 'form' : 'text' }, block)
    }
  }

  emit('chat.message.received', {
    kind: 'trigger',
    ...(start.typedLength ? { text_length: start.typedLength } : {}),
  })
  render(script.opening)
  status('running', 'waiting_input')
  if (prng.chance(0.18)) {
    t += IDLE_TIMEOUT_MS
    status('waiting_input', 'aborted', 'idle_timeout')
    return t
  }

  t += prng.int(15, 120) * SECOND
  emit('chat.form.submitted', { kind: 'resume' }, script.form)
  status('waiting_input', 'waiting_time')
  const calls = prng.int(script.llmCalls[0], script.llmCalls[1])
  for (let call = 0; call < calls; call++)
    t = llmCall(prng, rows, { ...envelope, block_id: script.llmNode }, t)
  t += prng.int(200, 2500)
  if (prng.chance(0.06)) {
    status('waiting_time', 'failed', 'connection_failed')
    return t
  }
  render(script.closing)
  if (script.goal) emit(`goal.${script.goal}`, {}, script.closing[0] ?? '')
  status('waiting_time', 'completed')
  return t
}

/** An `llm.call` per the events contract: tokens, cost at list price, latency, outcome. Returns when it ended. */
function llmCall(
  prng: Prng,
  rows: RowFactory,
  envelope: ExecutionEnvelope & { block_id: string },
  startedAt: number,
): number {
  const model = prng.weighted(MODELS)
  const outcome = prng.weighted([
    ['ok', 97],
    ['timeout', 2],
    ['error', 1],
  ] as const)
  const latency = outcome === 'timeout' ? 30_000 : Math.round(prng.logNormal(1400, 0.5))
  const used = outcome === 'ok'
  const prompt = used ? Math.round(prng.logNormal(1100, 0.6)) + 150 : 0
  const cached = used && prng.chance(0.4) ? Math.floor(prompt * prng.next() * 0.6) : 0
  const completion = used ? Math.round(prng.logNormal(140, 0.7)) + 5 : 0
  const priced = model.provider !== 'local'
  const cost = Math.round(
    (prompt - cached) * model.input + cached * model.cachedInput + completion * model.output,
  )
  const fromProvider = priced && prng.chance(0.2)
  const ts = startedAt + latency
  const callId = rows.eventId()
  rows.server(
    {
      type: 'llm.call',
      ts,
      ...envelope,
      props: {
        call_id: callId,
        provider: model.provider,
        model: model.model,
        prompt_tokens: prompt,
        cached_prompt_tokens: cached,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        cost_micros: priced ? cost : 0,
        cost_source: priced ? (fromProvider ? 'provider' : 'price_catalog') : 'unpriced',
        price_id: priced && !fromProvider ? model.priceId : '',
        latency_ms: latency,
        outcome,
        error:
          outcome === 'ok'
            ? ''
            : outcome === 'timeout'
              ? 'no answer within 30000 ms'
              : 'provider answered 503',
      },
    },
    'engine',
    callId,
  )
  return ts
}
