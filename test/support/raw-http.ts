import { type IncomingHttpHeaders, request } from 'node:http'

export interface RawRequest {
  method?: string
  /** Path and query, e.g. `/v1/telemetry?publicKey=pk_...`. */
  path: string
  /** Sent exactly as given: nothing is added but Content-Length for a body. */
  headers?: Record<string, string>
  body?: string | Buffer
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * One HTTP request on its own connection with full control of the bytes and headers (fetch adds a
 * content type to string bodies and would re-encode invalid UTF-8), for probing what a server does
 * with malformed input.
 */
export function sendRaw(baseUrl: string, { method = 'POST', path, headers = {}, body }: RawRequest) {
  const url = new URL(path, baseUrl)
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  return new Promise<RawResponse>((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        agent: false,
        headers: payload === undefined ? headers : { 'content-length': String(payload.length), ...headers },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}
