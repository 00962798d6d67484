import { AppError, type ErrorCode } from '../platform/errors/catalog.ts'
import { toAppError } from '../platform/http/error-handler.ts'
import { ClickHouseProtocolError } from '../reports/analyst-sql/clickhouse-error.ts'

/** What a tool handler returns: the structured result and a one-line summary a model reads first. */
export interface ToolOutput<T> {
  data: T
  summary: string
}

/** A tool's answer as MCP wants it: a short text plus the structured content its outputSchema describes. */
export function toolSuccess<T extends Record<string, unknown>>(output: ToolOutput<T>) {
  return {
    content: [{ type: 'text' as const, text: `${output.summary}\n${JSON.stringify(output.data)}` }],
    structuredContent: output.data,
  }
}

/** The catalog error a failed call maps to; internals are reported as `internal` without their message. */
export function toCatalogError(error: unknown): AppError {
  if (error instanceof ClickHouseProtocolError) {
    const code: ErrorCode =
      error.status === 503
        ? 'not_ready'
        : error.status === 409
          ? 'conflict'
          : error.status === 404
            ? 'not_found'
            : error.status === 403
              ? 'forbidden'
              : error.status < 500
                ? 'bad_request'
                : 'internal'
    return new AppError(code, code === 'internal' ? undefined : error.message, { clickhouse: error.type })
  }
  return toAppError(error)
}

/**
 * A tool error the model can read and act on (MCP's `isError` result, not a protocol failure): the
 * catalog code, whether retrying may help, the message, and the details (which field, which problems).
 */
export function toolFailure(error: AppError) {
  const body = {
    error: {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  }
  return {
    isError: true,
    content: [{ type: 'text' as const, text: `${error.code}: ${error.message}\n${JSON.stringify(body)}` }],
    structuredContent: body,
  }
}
