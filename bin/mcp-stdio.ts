import { relayMcpStdio, serveMcpStdio } from '../mcp/serve-stdio.ts'
import type { Config } from '../platform/config/config.ts'
import { createLogger } from '../platform/log/logger.ts'
import { loadOperatorToken } from '../platform/tenancy/operator-token.ts'
import { createApp } from './create-app.ts'
import { findRunningServer } from './with-operator.ts'

/**
 * `comerix mcp --tenant <slug>`: MCP over stdio for a desktop client, acting for one tenant with every
 * tool. While an embedded server owns the data directory the messages go to its `/mcp`; otherwise this
 * process opens the stores itself. stdout carries only the protocol: logs go to stderr.
 */
export async function mcpStdio(config: Config, tenantSlug: string): Promise<void> {
  const running = config.clickhouse.url === undefined ? await findRunningServer(config.dataDir) : undefined
  if (running) return relayMcpStdio(running, await loadOperatorToken(config), tenantSlug)
  const app = await createApp({ ...config, roles: ['api'] }, createLogger({ logLevel: 'warn' }, 2))
  try {
    const tenant = await app.tenancy.requireTenant(tenantSlug)
    await serveMcpStdio(() =>
      app.mcp.serverFor({ tenantId: tenant.id, keyId: 'operator', scopes: ['mcp'], transport: 'stdio' }),
    )
  } finally {
    await app.close()
  }
}
