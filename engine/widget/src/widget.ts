import {
  type Api,
  ApiError,
  type ChatBlock,
  type ChatReply,
  type QuickQuestion,
  type WidgetConfig,
} from './api.ts'
import { type FormFieldSpec, renderBlock, showFieldErrors } from './blocks.ts'
import { widgetCss } from './styles.ts'
import type { Beacon } from './telemetry.ts'

export interface ChatSession {
  sessionId: string
  sessionToken: string
}

export interface WidgetDeps {
  api: Api
  beacon: Beacon
  anonymousId: string
  /** The chat session kept across the shop's pages (sessionStorage). */
  loadSession(): ChatSession | undefined
  saveSession(session: ChatSession): void
}

const POLL_MIN_MS = 1_000
const POLL_MAX_MS = 2_000

/** The launcher, the panel with greeting and quick questions, and the chat that renders a flow's blocks. */
export class Widget {
  private readonly host = document.createElement('div')
  private readonly root: ShadowRoot
  private panel!: HTMLElement
  private messages!: HTMLElement
  private questions: QuickQuestion[] = []
  private session: ChatSession | undefined
  private shown = new Set<string>()
  private busy = false

  constructor(
    private readonly config: WidgetConfig,
    private readonly deps: WidgetDeps,
  ) {
    this.host.id = 'comerix-widget'
    this.root = this.host.attachShadow({ mode: 'open' })
    this.session = deps.loadSession()
  }

  mount(questions: QuickQuestion[]): void {
    this.questions = questions
    const style = document.createElement('style')
    style.textContent = widgetCss(this.config)
    const container = document.createElement('div')
    container.className = 'cx-root'
    this.panel = document.createElement('section')
    this.panel.className = 'cx-panel'
    this.panel.hidden = true
    this.panel.setAttribute('aria-label', this.config.displayName)
    const header = document.createElement('div')
    header.className = 'cx-header'
    header.append(document.createTextNode(this.config.displayName))
    const close = document.createElement('button')
    close.className = 'cx-close'
    close.type = 'button'
    close.setAttribute('aria-label', 'Close')
    close.textContent = '×'
    close.addEventListener('click', () => this.toggle(false))
    header.append(close)
    this.messages = document.createElement('div')
    this.messages.className = 'cx-messages'
    this.panel.append(header, this.messages)
    const launcher = document.createElement('button')
    launcher.className = 'cx-launcher'
    launcher.type = 'button'
    launcher.textContent = this.config.launcher.label
    launcher.addEventListener('click', () => this.toggle(this.panel.hidden))
    container.append(this.panel, launcher)
    this.root.append(style, container)
    document.body.append(this.host)
    if (this.config.greeting) this.say(this.config.greeting)
    this.showQuestions()
    this.deps.beacon('widget.loaded')
  }

  toggle(open: boolean): void {
    if (this.panel.hidden === !open) return
    this.panel.hidden = !open
    this.deps.beacon(open ? 'widget.opened' : 'widget.closed')
  }

  get chatSessionId(): string | undefined {
    return this.session?.sessionId
  }

  private say(markdown: string, visitor = false): void {
    const block = renderBlock({ id: '', type: 'text', markdown }, NO_ACTIONS)
    if (!block) return
    if (visitor) block.classList.add('cx-visitor')
    this.append(block)
  }

  private status(text: string): void {
    const line = document.createElement('div')
    line.className = 'cx-status'
    line.textContent = text
    this.append(line)
  }

  private append(element: HTMLElement): void {
    this.messages.append(element)
    this.messages.scrollTop = this.messages.scrollHeight
  }

  private showQuestions(): void {
    if (this.questions.length === 0) return
    const row = document.createElement('div')
    row.className = 'cx-questions'
    for (const question of this.questions) {
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'cx-question'
      button.textContent = question.label
      button.dataset.questionId = question.id
      button.addEventListener('click', () => void this.ask(question))
      row.append(button)
    }
    this.append(row)
  }

  private async ensureSession(): Promise<ChatSession> {
    if (this.session) return this.session
    const opened = await this.deps.api.openSession(this.deps.anonymousId)
    this.session = { sessionId: opened.sessionId, sessionToken: opened.sessionToken }
    this.deps.saveSession(this.session)
    return this.session
  }

  /** A quick question: beacon, then trigger its intent with its context. */
  async ask(question: QuickQuestion): Promise<void> {
    if (this.busy) return
    this.toggle(true)
    this.deps.beacon('quick_question.clicked', {
      props: { question_id: question.id, question_text: question.label },
    })
    this.say(question.label, true)
    await this.run(async (session) => {
      const reply = await this.trigger(session, question)
      this.deps.beacon('message.sent', { execution_id: reply.executionId })
      return reply
    })
  }

  private async trigger(session: ChatSession, question: QuickQuestion): Promise<ChatReply> {
    try {
      return await this.deps.api.trigger(
        session.sessionToken,
        question.intent,
        question.label,
        question.context,
      )
    } catch (error) {
      // The stored session expired: open a new one once.
      if (!(error instanceof ApiError) || error.status !== 401) throw error
      this.session = undefined
      const fresh = await this.ensureSession()
      return this.deps.api.trigger(fresh.sessionToken, question.intent, question.label, question.context)
    }
  }

  /** Runs one turn (trigger or resume) and follows the execution until it waits for the visitor or ends. */
  private async run(turn: (session: ChatSession) => Promise<ChatReply>): Promise<void> {
    this.busy = true
    try {
      const session = await this.ensureSession()
      let reply = await turn(session)
      this.render(reply, session)
      while (reply.status === 'waiting_time') {
        const wait = Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, reply.pollAfterMs ?? POLL_MIN_MS))
        await new Promise((resolve) => setTimeout(resolve, wait))
        reply = await this.deps.api.poll(session.sessionToken, reply.executionId)
        this.render(reply, session)
      }
      this.finish(reply)
    } catch (error) {
      this.status(
        error instanceof ApiError
          ? `Sorry, that did not work (${error.code}).`
          : 'Sorry, the chat is unavailable.',
      )
    } finally {
      this.busy = false
    }
  }

  private render(reply: ChatReply, session: ChatSession): void {
    for (const block of reply.blocks) {
      if (this.shown.has(`${reply.executionId}/${block.id}`)) continue
      this.shown.add(`${reply.executionId}/${block.id}`)
      const element = renderBlock(block, {
        choose: (b, value, label) => void this.choose(reply, session, b, value, label),
        submit: (b, form, fields) => void this.submit(reply, session, b, form, fields),
      })
      if (!element) continue
      element.dataset.blockId = block.id
      element.dataset.blockType = block.type
      this.append(element)
      this.deps.beacon('block.rendered', {
        chat_session_id: session.sessionId,
        execution_id: reply.executionId,
        block_id: block.id,
        props: { block_type: block.type },
      })
    }
  }

  private finish(reply: ChatReply): void {
    if (reply.status === 'completed') {
      this.status('Conversation finished. Anything else?')
      this.showQuestions()
    } else if (reply.status === 'failed') {
      this.status(`Sorry, something went wrong${reply.error ? ` (${reply.error.code})` : ''}.`)
      this.showQuestions()
    } else if (reply.status === 'aborted') {
      this.status('The conversation was closed. Start again?')
      this.showQuestions()
    }
  }

  private disable(block: ChatBlock): void {
    const element = this.messages.querySelector(`[data-block-id="${CSS.escape(block.id)}"]:last-of-type`)
    element?.setAttribute('aria-disabled', 'true')
  }

  private async choose(
    reply: ChatReply,
    session: ChatSession,
    block: ChatBlock,
    value: string,
    label: string,
  ): Promise<void> {
    if (this.busy || !reply.waitToken) return
    const waitToken = reply.waitToken
    this.disable(block)
    this.say(label, true)
    await this.run(async () => {
      const next = await this.deps.api.resume(session.sessionToken, reply.executionId, waitToken, {
        [String(block.variable)]: value,
      })
      this.deps.beacon('message.sent', { execution_id: reply.executionId })
      return next
    })
  }

  private async submit(
    reply: ChatReply,
    session: ChatSession,
    block: ChatBlock,
    form: HTMLFormElement,
    fields: FormFieldSpec[],
  ): Promise<void> {
    if (this.busy || !reply.waitToken) return
    const waitToken = reply.waitToken
    const missing = fields
      .filter((field) => field.required && isEmpty(readField(form, field)))
      .map((field) => ({ field: field.name, message: 'required' }))
    if (missing.length > 0) {
      showFieldErrors(form, missing)
      return
    }
    this.busy = true
    let values: Record<string, unknown>
    try {
      values = {}
      for (const field of fields) {
        const value = readField(form, field)
        if (field.type === 'file') {
          if (value instanceof File) {
            values[field.name] = (
              await this.deps.api.upload(session.sessionToken, reply.executionId, field.name, value)
            ).uploadId
          }
        } else if (!isEmpty(value)) {
          values[field.name] = value
        }
      }
    } catch (error) {
      this.busy = false
      const message = error instanceof ApiError ? error.message : 'the upload failed'
      const field = fields.find((f) => f.type === 'file')?.name ?? ''
      showFieldErrors(form, [{ field, message }])
      return
    }
    let next: ChatReply
    try {
      next = await this.deps.api.resume(session.sessionToken, reply.executionId, waitToken, values)
    } catch (error) {
      this.busy = false
      const details =
        error instanceof ApiError
          ? (error.details as { fields?: { field: string; message: string }[] })
          : undefined
      showFieldErrors(
        form,
        details?.fields ?? [{ field: '', message: error instanceof Error ? error.message : 'failed' }],
      )
      return
    }
    this.busy = false
    this.disable(block)
    this.deps.beacon('form.submitted', { execution_id: reply.executionId, props: { form_id: block.id } })
    await this.run(async () => next)
  }
}

const NO_ACTIONS = { choose() {}, submit() {} }

function isEmpty(value: unknown): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
}

/** A field's value as the chat API wants it (engine/CHAT.md, "Form values by field type"). */
function readField(form: HTMLFormElement, field: FormFieldSpec): unknown {
  const inputs = form.querySelectorAll<HTMLInputElement>(`[name="${CSS.escape(field.name)}"]`)
  const first = inputs[0] as (HTMLInputElement & HTMLSelectElement) | undefined
  if (!first) return undefined
  switch (field.type) {
    case 'multi_select':
      return Array.from(inputs)
        .filter((input) => input.checked)
        .map((input) => input.value)
    case 'checkbox':
      return first.checked
    case 'number':
      return first.value === '' ? undefined : Number(first.value)
    case 'file':
      return first.files?.[0]
    default:
      return first.value.trim()
  }
}
