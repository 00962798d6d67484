import type { ErrorBody } from '../platform/errors/catalog.ts'
import { OPERATOR_TOKEN_HEADER } from '../platform/http/auth.ts'
import type { CliOperator } from './with-operator.ts'

/** The operator API of a running server, reached over HTTP with the operator token. */
export function remoteOperator(baseUrl: string, token: string): CliOperator {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}/v1/operator${path}`, {
      method,
      headers: {
        [OPERATOR_TOKEN_HEADER]: token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const payload: unknown = await response.json()
    if (!response.ok) {
      const { error } = payload as ErrorBody
      throw new RemoteError(`${error.code}: ${error.message}`, error.details)
    }
    return payload as T
  }

  return {
    migrate: () => call('POST', '/migrate'),
    createTenant: (input) => call('POST', '/tenants', input),
    listTenants: async () =>
      (await call<{ tenants: Awaited<ReturnType<CliOperator['listTenants']>> }>('GET', '/tenants')).tenants,
    createWidgetKey: (slug, input) => call('POST', `/tenants/${encodeURIComponent(slug)}/widget-keys`, input),
    publishFlow: (slug, document) =>
      call('POST', `/tenants/${encodeURIComponent(slug)}/flows/publish`, document),
    unpublishIntent: (slug, intent) =>
      call('POST', `/tenants/${encodeURIComponent(slug)}/flows/unpublish`, { intent }),
    seedDemo: () => call('POST', '/demo/seed'),
  }
}

export class RemoteError extends Error {
  override name = 'RemoteError'
  constructor(
    message: string,
    readonly details: unknown,
  ) {
    super(message)
  }
}
