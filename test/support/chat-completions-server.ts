import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The usage block of a Chat Completions response, as OpenAI-compatible servers send it. */
export interface WireUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens: number }
  /** LiteLLM / OpenRouter: what the call cost, in USD. */
  cost?: number
}

/** How the server answers one request. */
export type Behaviour =
  /** A well-formed completion. `usage: null` leaves the usage block out. */
  | { kind: 'complete'; content?: string; model?: string; usage?: WireUsage | null; delayMs?: number }
  /** An error status with an OpenAI-style error body. */
  | { kind: 'error'; status: number; message?: string; headers?: Record<string, string> }
  /** Any status, content type and body, byte for byte. */
  | { kind: 'raw'; status?: number; contentType: string; body: string }

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown
}

export interface ChatCompletionsServer {
  /** The base URL to give a connection: `http://127.0.0.1:<port>/v1`. */
  baseUrl: string
  /** Every request received, in order. */
  requests: RecordedRequest[]
  /** Answers the next requests with these behaviours, in order; later requests get the default. */
  enqueue(...behaviours: Behaviour[]): void
  /** Replaces the default answer (initially a completion echoing the last user message). */
  setDefault(behaviour: Behaviour): void
  close(): Promise<void>
}

export const DEFAULT_USAGE: WireUsage = { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 }

/**
 * A real HTTP server on loopback speaking the Chat Completions wire format: `POST /v1/chat/completions`
 * with a JSON body holding `model` and `messages` (role + string content), answering
 * `{ id, object, created, model, choices: [{ index, message, finish_reason }], usage }`. A request that
 * breaks the format gets the 400 an OpenAI server would send.
 */
export async function startChatCompletionsServer(): Promise<ChatCompletionsServer> {
  const requests: RecordedRequest[] = []
  const queue: Behaviour[] = []
  let fallback: Behaviour = { kind: 'complete' }

  const server = createServer((request, response) => {
    void readBody(request).then(async (text) => {
      const body = parseJson(text)
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body })
      const behaviour = queue.shift() ?? fallback
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions')
        return sendError(response, 404, `no route ${request.method} ${request.url}`)
      const problem = wireProblem(request, body)
      if (problem) return sendError(response, 400, problem)
      await answer(response, behaviour, body as ChatRequest)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...behaviours) => queue.push(...behaviours),
    setDefault: (behaviour) => {
      fallback = behaviour
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

interface ChatRequest {
  model: string
  messages: { role: string; content: string }[]
}

function wireProblem(request: IncomingMessage, body: unknown): string | undefined {
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return 'expected a JSON body'
  if (typeof body !== 'object' || body === null) return 'the body is not a JSON object'
  const { model, messages } = body as Partial<ChatRequest>
  if (typeof model !== 'string' || model === '') return "'model' is required"
  if (!Array.isArray(messages) || messages.length === 0) return "'messages' must be a non-empty array"
  const roles = new Set(['system', 'user', 'assistant'])
  for (const [index, message] of messages.entries())
    if (!roles.has(message?.role) || typeof message?.content !== 'string')
      return `messages[${index}] needs a role (system, user, assistant) and string content`
  return undefined
}

async function answer(response: ServerResponse, behaviour: Behaviour, request: ChatRequest): Promise<void> {
  switch (behaviour.kind) {
    case 'complete': {
      if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs))
      if (response.destroyed) return
      const lastUser = request.messages.findLast((message) => message.role === 'user')?.content ?? ''
      const usage = behaviour.usage === undefined ? DEFAULT_USAGE : behaviour.usage
      return send(response, 200, 'application/json', {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: behaviour.model ?? request.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: behaviour.content ?? `echo: ${lastUser}` },
            finish_reason: 'stop',
          },
        ],
        ...(usage === null ? {} : { usage }),
      })
    }
    case 'error':
      return sendError(response, behaviour.status, behaviour.message ?? 'error', behaviour.headers)
    case 'raw':
      response.writeHead(behaviour.status ?? 200, { 'content-type': behaviour.contentType })
      response.end(behaviour.body)
  }
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error'
  send(response, status, 'application/json', { error: { message, type } }, headers)
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': contentType, ...headers })
  response.end(JSON.stringify(body))
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
