import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { ErrorBody } from '../platform/errors/catalog.ts'
import { OPERATOR_TOKEN_HEADER } from '../platform/tenancy/auth.ts'
import type { CliOperator } from './cli-operator.ts'

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
    backfillCosts: (request) => call('POST', '/llm/cost-backfill', request),
    createAnalyst: (slug, input) => call('POST', `/tenants/${encodeURIComponent(slug)}/analysts`, input),
    listAnalysts: async (slug) =>
      (
        await call<{ analysts: Awaited<ReturnType<CliOperator['listAnalysts']>> }>(
          'GET',
          `/tenants/${encodeURIComponent(slug)}/analysts`,
        )
      ).analysts,
    revokeAnalyst: (slug, name) =>
      call('DELETE', `/tenants/${encodeURIComponent(slug)}/analysts/${encodeURIComponent(name)}`),
    async exportReport({ tenant, report, format }, output, progress) {
      const response = await fetch(
        `${baseUrl}/v1/operator/tenants/${encodeURIComponent(tenant)}/reports/export`,
        {
          method: 'POST',
          headers: { [OPERATOR_TOKEN_HEADER]: token, 'content-type': 'application/json' },
          body: JSON.stringify({ ...report, format }),
        },
      )
      if (!response.ok || !response.body) {
        const { error } = (await response.json()) as ErrorBody
        throw new RemoteError(`${error.code}: ${error.message}`, error.details)
      }
      const rows = response.headers.get('x-comerix-rows')
      const rowsKnown = rows === null || rows === 'unknown' ? undefined : Number(rows)
      const filename = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? ''
      progress?.onStart?.({ filename, contentType: response.headers.get('content-type') ?? '', rowsKnown })
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), output)
      return { filename, rows: rowsKnown }
    },
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
