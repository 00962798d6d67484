import { collectDefaultMetrics, Registry } from 'prom-client'
import type { ComerixServer } from './create-server.ts'

/** One registry per app (no global default), so tests building several apps never share counters. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'comerix_' })
  return registry
}

export function registerMetricsRoute(server: ComerixServer, registry: Registry): void {
  server.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  )
}
