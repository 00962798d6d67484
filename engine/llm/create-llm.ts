import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { EventPublisher } from '../../ingest/event-publisher.ts'
import type { Platform } from '../../platform/create-platform.ts'
import type { ConnectionService } from '../connections/connection-service.ts'
import {
  type CostBackfillOperator,
  costBackfillOperatorRoutes,
  createCostBackfillOperator,
} from './cost-backfill-operator.ts'
import { llmPriceRoutes } from './llm-prices.routes.ts'
import type { LlmProviderResolver } from './llm-provider.ts'
import { PriceCatalog } from './price-catalog.ts'
import { ProviderResolver } from './provider-resolver.ts'

export interface Llm {
  /** `local` or one of the tenant's connections, as an LLM provider. */
  providers: LlmProviderResolver
  /** The versioned price catalog (`costOf`, and the admin API's reads and writes); already started. */
  prices: PriceCatalog
  /** Re-prices recorded calls (`comerix token-spend:backfill`). */
  costBackfill: CostBackfillOperator
  /** The admin price routes (under /v1/admin) and the backfill operator route (under /v1/operator). */
  routes: FastifyPluginAsyncZod
}

/** Builds the LLM providers and the price catalog; the catalog's cache subscription ends with the platform. */
export async function createLlm(
  platform: Platform,
  connections: ConnectionService,
  publisher: EventPublisher,
): Promise<Llm> {
  const { db, state, tenancy, config, operatorToken } = platform
  const prices = new PriceCatalog(db, state)
  await prices.start()
  platform.onClose(() => prices.stop())
  const providers = new ProviderResolver(connections, {
    allowPrivateNetworks: config.connectionsAllowPrivateNetworks,
  })
  const costBackfill = createCostBackfillOperator({ db, prices, publisher, tenancy })
  const routes: FastifyPluginAsyncZod = async (server) => {
    await server.register(llmPriceRoutes(prices, tenancy), { prefix: '/v1/admin' })
    await server.register(costBackfillOperatorRoutes(costBackfill, operatorToken), { prefix: '/v1/operator' })
  }
  return { providers, prices, costBackfill, routes }
}
