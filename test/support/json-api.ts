export interface JsonResponse {
  status: number
  headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response bodies field by field
  body: any
}

/**
 * A small client for end-to-end tests: JSON in and out over a real socket, sent from `origin` like a
 * browser page would. `baseUrl` is read per call because servers learn their port in `beforeAll`.
 */
export function jsonApi(baseUrl: () => string, origin: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResponse> => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { origin, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined }
  }
}
