import type { ConnectionService } from '../connections/connection-service.ts'
import type { LlmProvider, LlmProviderResolver } from './llm-provider.ts'
import { LocalProvider } from './local-provider.ts'
import { type OpenAiCompatibleOptions, OpenAiCompatibleProvider } from './openai-compatible-provider.ts'

/** `local` is the offline responder; any other name is one of the tenant's connections. */
export class ProviderResolver implements LlmProviderResolver {
  private readonly local = new LocalProvider()

  constructor(
    private readonly connections: Pick<ConnectionService, 'resolve'>,
    private readonly options: OpenAiCompatibleOptions,
  ) {}

  async resolve(tenantId: string, provider: string): Promise<LlmProvider | undefined> {
    if (provider === 'local') return this.local
    const connection = await this.connections.resolve(tenantId, provider)
    return connection ? new OpenAiCompatibleProvider(connection, this.options) : undefined
  }
}
