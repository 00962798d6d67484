/**
 * The one catalog of error codes a client can receive. The README's error table is generated from
 * this list (`comerix errors:markdown`), so the two never drift apart.
 */
export const ERROR_CATALOG = {
  bad_request: { status: 400, retryable: false, message: 'The request is malformed.' },
  invalid_json: { status: 400, retryable: false, message: 'The body is not valid JSON.' },
  validation_failed: { status: 400, retryable: false, message: 'The request did not pass validation.' },
  unauthorized: { status: 401, retryable: false, message: 'A valid credential is required.' },
  forbidden: { status: 403, retryable: false, message: 'The credential does not allow this action.' },
  csrf_token_invalid: {
    status: 403,
    retryable: false,
    message: "The admin session's CSRF token is missing or wrong: reload the admin panel.",
  },
  origin_not_allowed: { status: 403, retryable: false, message: 'The origin is not allowed for this key.' },
  intent_not_allowed: {
    status: 403,
    retryable: false,
    message: 'The widget key may not trigger this intent.',
  },
  not_found: { status: 404, retryable: false, message: 'No such resource.' },
  not_published: {
    status: 404,
    retryable: false,
    message: 'Nothing is published for this widget key or form yet; publish it in the admin API.',
  },
  intent_not_matched: { status: 404, retryable: false, message: 'No published flow handles this intent.' },
  route_not_found: { status: 404, retryable: false, message: 'No route matches this method and path.' },
  request_timeout: {
    status: 408,
    retryable: true,
    message: 'The request did not arrive in time; send it again.',
  },
  conflict: { status: 409, retryable: false, message: 'The request conflicts with the current state.' },
  wait_token_invalid: {
    status: 409,
    retryable: false,
    message: 'The wait token was already used, has expired, or belongs to another execution.',
  },
  execution_not_waiting: {
    status: 409,
    retryable: false,
    message: 'The execution is not waiting for input.',
  },
  execution_busy: {
    status: 409,
    retryable: true,
    message: 'Another change of this execution is in progress; retry shortly.',
  },
  idempotency_in_flight: {
    status: 409,
    retryable: true,
    message: 'A request with this Idempotency-Key is still being processed.',
  },
  link_expired: {
    status: 410,
    retryable: false,
    message: 'The download link has expired; get a fresh one from the run history.',
  },
  payload_too_large: { status: 413, retryable: false, message: 'The body or batch is too large.' },
  unsupported_media_type: { status: 415, retryable: false, message: 'The content type is not supported.' },
  idempotency_key_reused: {
    status: 422,
    retryable: false,
    message: 'This Idempotency-Key was used with a different request body.',
  },
  rate_limited: { status: 429, retryable: true, message: 'Too many requests; retry after the delay given.' },
  upload_quota_exceeded: {
    status: 429,
    retryable: false,
    message:
      'The upload budget (files or bytes per execution, chat session, or widget key per day) is used up; details name it.',
  },
  usage_quota_exceeded: {
    status: 429,
    retryable: false,
    message:
      "The widget key's monthly usage quota (sessions or form mounts) is used up; details name it, Retry-After says when the month ends.",
  },
  internal: { status: 500, retryable: true, message: 'An internal error occurred.' },
  not_ready: { status: 503, retryable: true, message: 'A dependency is unavailable; retry shortly.' },
  llm_unavailable: {
    status: 503,
    retryable: true,
    message: 'The language model did not answer (timeout or provider error); retry the turn.',
  },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>

export type ErrorCode = keyof typeof ERROR_CATALOG

export interface ErrorBody {
  error: { code: ErrorCode; message: string; retryable: boolean; requestId: string; details?: unknown }
}

/** An error a client is meant to see: its code, status and retryability come from the catalog. */
export class AppError extends Error {
  readonly status: number
  readonly retryable: boolean

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    const entry = ERROR_CATALOG[code]
    super(message ?? entry.message)
    this.name = 'AppError'
    this.status = entry.status
    this.retryable = entry.retryable
  }

  toBody(requestId: string): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        retryable: this.retryable,
        requestId,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    }
  }
}

export function catalogMarkdown(): string {
  const rows = Object.entries(ERROR_CATALOG).map(
    ([code, entry]) =>
      `| \`${code}\` | ${entry.status} | ${entry.retryable ? 'retry with backoff' : 'do not retry; fix the request'} | ${entry.message} |`,
  )
  return ['| code | status | client action | meaning |', '|---|---|---|---|', ...rows].join('\n')
}
