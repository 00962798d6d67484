/** The engine's widget-facing HTTP API (engine/CHAT.md), with the key in the X-Comerix-Public-Key header. */

export interface ChatBlock {
  id: string
  type: string
  [field: string]: unknown
}

export interface ChatReply {
  executionId: string
  status: 'running' | 'waiting_input' | 'waiting_time' | 'completed' | 'failed' | 'aborted'
  blocks: ChatBlock[]
  waitToken?: string
  pollAfterMs?: number
  error?: { code: string; message: string }
}

export interface OpenedSession {
  sessionId: string
  sessionToken: string
  expiresAt: string
  intents: string[]
}

export interface QuickQuestion {
  id: string
  label: string
  intent: string
  context?: Record<string, unknown>
}

export interface WidgetConfig {
  publicKey: string
  version: number
  displayName: string
  greeting: string
  theme: {
    primaryColor: string
    textColor: string
    backgroundColor: string
    fontFamily: 'system' | 'serif' | 'monospace'
    radius: number
  }
  launcher: { position: 'bottom-right' | 'bottom-left'; label: string }
}

/** An error answer of the API: its catalog code, and details (a form's field errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export interface Api {
  widgetConfig(): Promise<WidgetConfig>
  quickQuestions(): Promise<QuickQuestion[]>
  openSession(anonymousId: string): Promise<OpenedSession>
  trigger(
    token: string,
    intentName: string,
    text?: string,
    context?: Record<string, unknown>,
  ): Promise<ChatReply>
  resume(
    token: string,
    executionId: string,
    waitToken: string,
    values: Record<string, unknown>,
  ): Promise<ChatReply>
  poll(token: string, executionId: string): Promise<ChatReply>
  upload(token: string, executionId: string, field: string, file: File): Promise<{ uploadId: string }>
}

export function createApi(base: string, publicKey: string): Api {
  const request = async <T>(
    method: string,
    path: string,
    options: { json?: unknown; form?: FormData; token?: string } = {},
  ): Promise<T> => {
    const headers: Record<string, string> = { 'x-comerix-public-key': publicKey }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (options.json !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      credentials: 'omit',
      body: options.form ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
    })
    const text = await response.text()
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
    if (!response.ok) {
      const error = (body.error ?? {}) as { code?: string; message?: string; details?: unknown }
      throw new ApiError(
        response.status,
        error.code ?? 'unknown',
        error.message ?? response.statusText,
        error.details,
      )
    }
    return body as T
  }
  return {
    widgetConfig: () => request<WidgetConfig>('GET', '/v1/public/widget-config'),
    quickQuestions: async () =>
      (await request<{ questions: QuickQuestion[] }>('GET', '/v1/public/quick-questions')).questions,
    openSession: (anonymousId) => request('POST', '/v1/chat/sessions', { json: { anonymousId } }),
    trigger: (token, intentName, text, context) =>
      request('POST', '/v1/chat/messages', {
        token,
        json: { intentName, ...(text ? { text } : {}), ...(context ? { context } : {}) },
      }),
    resume: (token, executionId, waitToken, values) =>
      request('POST', '/v1/chat/messages', { token, json: { executionId, waitToken, values } }),
    poll: (token, executionId) =>
      request('GET', `/v1/chat/executions/${encodeURIComponent(executionId)}`, { token }),
    upload: (token, executionId, field, file) => {
      const form = new FormData()
      form.append('file', file, file.name)
      const query = new URLSearchParams({ executionId, field })
      return request('POST', `/v1/chat/uploads?${query}`, { token, form })
    },
  }
}
