import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { ZodError } from 'zod'
import { AppError, type ErrorCode } from '../errors/catalog.ts'
import { CATALOG_CODE_PARAM } from './bounded-json.ts'

/** Fastify's own error codes mapped onto the catalog, so clients see one error shape for everything. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'bad_request',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_FIELDS_LIMIT: 'payload_too_large',
  FST_PARTS_LIMIT: 'payload_too_large',
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof ZodError) {
    return validationError(
      error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      error.issues.map((issue) => (issue.code === 'custom' ? issue.params : undefined)),
    )
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return validationError(
      error.validation.map((issue) => ({
        path: `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`,
        message: issue.message,
      })),
      error.validation.map((issue) => (issue.params as { params?: Record<string, unknown> }).params),
    )
  }
  const fastifyError = error as Partial<FastifyError>
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined
  if (mapped) return new AppError(mapped, fastifyError.message)
  if (error instanceof SyntaxError) return new AppError('invalid_json', error.message)
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500)
    return new AppError('bad_request', fastifyError.message)
  return new AppError('internal')
}

/**
 * Schema issues as one validation_failed, unless an issue asks for another catalog code (a free-form
 * field over its size answers 413 payload_too_large, see boundedJson).
 */
function validationError(
  issues: Array<{ path: string; message: string | undefined }>,
  params: Array<Record<string, unknown> | undefined>,
): AppError {
  const index = params.findIndex((param) => param?.[CATALOG_CODE_PARAM] === 'payload_too_large')
  const tooLarge = index === -1 ? undefined : issues[index]
  if (tooLarge) return new AppError('payload_too_large', tooLarge.message, { issues: [tooLarge] })
  return new AppError('validation_failed', undefined, { issues })
}

export async function handleError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const appError = toAppError(error)
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
  else request.log.warn({ code: appError.code, message: appError.message }, 'request rejected')
  if (appError.headers) void reply.headers(appError.headers)
  // A route that failed after choosing another type (an export's CSV) still answers an error in JSON.
  await reply.status(appError.status).type('application/json').send(appError.toBody(request.id))
}
