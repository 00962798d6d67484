import { ERROR_CATALOG } from '../../platform/errors/catalog.ts'
import type { FuzzRequest } from './request-arbitrary.ts'
import type { Seeded, SeededTenant } from './seed-tenants.ts'

export interface FuzzResponse {
  status: number
  contentType: string
  body: string
}

/**
 * What must hold for every answer, whatever was sent: no 5xx, errors in the catalog's shape with a
 * catalog code and its status, and nothing of one tenant in an answer to another tenant's credential.
 * Returns the broken rules (empty when the answer is fine).
 */
export function checkResponse(request: FuzzRequest, response: FuzzResponse, seeded: Seeded): string[] {
  const problems: string[] = []
  if (response.status < 100) problems.push(`no HTTP answer (${response.body.slice(0, 120)})`)
  if (response.status >= 500) problems.push(`status ${response.status}`)
  if (response.status >= 400) problems.push(...checkErrorBody(response))
  const credential = seeded.credentials.find((c) => c.name === request.credential)
  const other =
    credential?.tenant === 'shop' ? seeded.rival : credential?.tenant === 'rival' ? seeded.shop : undefined
  if (other) problems.push(...checkIsolation(request, response, other))
  return problems
}

function checkErrorBody(response: FuzzResponse): string[] {
  let body: unknown
  try {
    body = JSON.parse(response.body)
  } catch {
    return [`error body is not JSON: ${response.body.slice(0, 120)}`]
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error
  if (typeof error !== 'object' || error === null)
    return [`error body lacks "error": ${response.body.slice(0, 120)}`]
  const problems: string[] = []
  const code = error.code
  const entry = typeof code === 'string' ? ERROR_CATALOG[code as keyof typeof ERROR_CATALOG] : undefined
  if (!entry || !Object.hasOwn(ERROR_CATALOG, code as string))
    problems.push(`error code ${JSON.stringify(code)} is not in the catalog`)
  else if (entry.status !== response.status)
    problems.push(`code ${String(code)} answered with ${response.status}, catalog says ${entry.status}`)
  if (typeof error.message !== 'string') problems.push('error.message is not a string')
  if (typeof error.retryable !== 'boolean') problems.push('error.retryable is not a boolean')
  if (typeof error.requestId !== 'string' || error.requestId === '')
    problems.push('error.requestId is missing')
  const extra = Object.keys(error).filter(
    (key) => !['code', 'message', 'retryable', 'requestId', 'details'].includes(key),
  )
  if (extra.length > 0) problems.push(`error has unexpected fields ${extra.join(', ')}`)
  return problems
}

/** Markers of the other tenant (its canary, id, keys) the request itself did not carry. */
function checkIsolation(request: FuzzRequest, response: FuzzResponse, other: SeededTenant): string[] {
  const sent = `${request.url} ${JSON.stringify(request.headers)} ${request.body ?? ''}`
  const markers = [
    other.canary,
    other.tenantId,
    other.publicKey,
    other.sessionToken,
    ...Object.values(other.keys),
  ]
  return markers
    .filter((marker) => response.body.includes(marker) && !sent.includes(marker))
    .map(
      (marker) =>
        `answer to a ${request.credential} credential holds another tenant's ${marker === other.canary ? 'data' : 'id or key'} (${marker.slice(0, 12)}…)`,
    )
}
