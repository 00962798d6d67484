import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors/catalog.ts'

/**
 * Answers what Node refuses before a request reaches Fastify (a request or its headers not arriving
 * within the timeouts, malformed HTTP, oversized headers) with a catalog error body, then closes the
 * connection: the request was never read whole, so the socket cannot carry another one.
 */
export function answerClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const appError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new AppError('request_timeout', 'the request headers and body did not arrive in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('bad_request', 'the request headers are larger than the server accepts')
        : new AppError('bad_request', 'the request is not valid HTTP/1.1')
  this.log.debug({ err: error }, 'client error')
  // As Node does: once an answer has begun on this socket (a refusal sent before the body arrived),
  // another status line would corrupt it.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !answering?.headersSent) {
    const body = JSON.stringify(appError.toBody(randomUUID()))
    const reason = appError.code === 'request_timeout' ? 'Request Timeout' : 'Bad Request'
    socket.write(
      `HTTP/1.1 ${appError.status} ${reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}
