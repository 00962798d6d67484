import { request as httpRequest } from 'node:http'
import type { App } from '../../bin/create-app.ts'
import type { FuzzResponse } from './check-response.ts'
import type { FuzzRequest } from './request-arbitrary.ts'

/** Where fuzz requests go: the app in-process (`inject`, fast) or its real socket. */
export interface FuzzTarget {
  name: string
  /** The answer, or undefined when the client itself refused to send the request (e.g. a header it cannot encode). */
  send(request: FuzzRequest): Promise<FuzzResponse | undefined>
}

const bodyBytes = (request: FuzzRequest) =>
  request.body === undefined
    ? undefined
    : Buffer.from(request.body, request.headers['content-type']?.startsWith('multipart/') ? 'latin1' : 'utf8')

/** Client-side refusals (a header value the HTTP encoder rejects): nothing reached the server. */
const refusedByClient = (error: unknown) =>
  [
    'ERR_INVALID_CHAR',
    'ERR_HTTP_INVALID_HEADER_VALUE',
    'ERR_INVALID_HTTP_TOKEN',
    'ERR_UNESCAPED_CHARACTERS',
  ].includes((error as { code?: string }).code ?? '')

export function injectTarget(app: App): FuzzTarget {
  return {
    name: 'inject',
    async send(request) {
      try {
        const payload = bodyBytes(request)
        const response = await app.server.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          ...(payload === undefined ? {} : { payload }),
        })
        return {
          status: response.statusCode,
          contentType: String(response.headers['content-type'] ?? ''),
          body: response.body,
        }
      } catch (error) {
        if (refusedByClient(error)) return undefined
        throw error
      }
    },
  }
}

/** Each request on its own connection, so a broken socket shows as status 0 instead of hanging the next one. */
export function socketTarget(baseUrl: string): FuzzTarget {
  return {
    name: 'socket',
    send(request) {
      const payload = bodyBytes(request)
      return new Promise((resolve, reject) => {
        let outgoing: ReturnType<typeof httpRequest>
        try {
          outgoing = httpRequest(
            new URL(request.url, baseUrl),
            {
              method: request.method,
              agent: false,
              headers:
                payload === undefined
                  ? request.headers
                  : { ...request.headers, 'content-length': String(payload.length) },
            },
            (response) => {
              const chunks: Buffer[] = []
              response.on('data', (chunk: Buffer) => chunks.push(chunk))
              response.on('error', (error) =>
                resolve({ status: 0, contentType: '', body: `socket error: ${error.message}` }),
              )
              response.on('end', () =>
                resolve({
                  status: response.statusCode ?? 0,
                  contentType: String(response.headers['content-type'] ?? ''),
                  body: Buffer.concat(chunks).toString('utf8'),
                }),
              )
            },
          )
        } catch (error) {
          if (refusedByClient(error)) return resolve(undefined)
          return reject(error)
        }
        outgoing.on('error', (error) =>
          resolve({ status: 0, contentType: '', body: `socket error: ${error.message}` }),
        )
        outgoing.end(payload)
      })
    },
  }
}
