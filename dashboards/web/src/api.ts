/** The admin panel's one door to the server: same-origin JSON with the session's CSRF token. */

export interface ApiErrorBody {
  code: string
  message: string
  retryable?: boolean
  requestId?: string
  details?: unknown
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message)
  }
  get code(): string {
    return this.body.code
  }
  /** `details.problems` or `details.issues` as readable lines, each with where it applies. */
  problems(): { at: string; message: string }[] {
    const details = (this.body.details ?? {}) as {
      problems?: ({ message?: string; nodeId?: string; path?: string } | string)[]
      issues?: { path?: (string | number)[] | string; message?: string }[]
      field?: string
    }
    const lines: { at: string; message: string }[] = []
    for (const problem of details.problems ?? []) {
      if (typeof problem === 'string') lines.push({ at: details.field ?? '', message: problem })
      else lines.push({ at: problem.nodeId ?? problem.path ?? '', message: problem.message ?? '' })
    }
    for (const issue of details.issues ?? []) {
      const at = Array.isArray(issue.path) ? issue.path.join('.') : (issue.path ?? '')
      lines.push({ at, message: issue.message ?? '' })
    }
    if (lines.length === 0 && details.field) lines.push({ at: details.field, message: this.body.message })
    return lines
  }
}

let csrfToken = ''
let onSignedOut: () => void = () => {}

export function setCsrfToken(token: string): void {
  csrfToken = token
}

/** Called when the server says the session is gone (expired, revoked): the app shows sign-in again. */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, { code: 'network', message: 'The server cannot be reached. Is Comerix running?' })
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!response.ok) {
    const error = (parsed as { error?: ApiErrorBody } | undefined)?.error ?? {
      code: `http_${response.status}`,
      message: `The server answered ${response.status} ${response.statusText}.`,
    }
    if (response.status === 401 && !path.startsWith('/v1/admin/session')) onSignedOut()
    throw new ApiError(response.status, error)
  }
  return parsed as T
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
}

/** A query string from defined values; arrays repeat the key. */
export function query(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue
    if (Array.isArray(value)) for (const item of value) search.append(key, item)
    else search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}
