import { readFile } from 'node:fs/promises'
import type { Config } from '../platform/config/config.ts'
import { serverInfoPath } from '../platform/create-platform.ts'
import { createLogger } from '../platform/log/logger.ts'
import { loadOperatorToken } from '../platform/tenancy/operator-token.ts'
import type { CliOperator } from './cli-operator.ts'
import { createApp } from './create-app.ts'
import { remoteOperator } from './remote-operator.ts'

export type OperatorMode = 'server' | 'direct'

/**
 * Runs `task` against the installation. An embedded server owns its data directory (chdb admits one
 * process), so while one runs the CLI goes through its operator routes; otherwise the CLI opens the
 * stores itself. Distributed stores admit many processes, so there the CLI always opens them directly.
 */
export async function withOperator<T>(
  config: Config,
  task: (operator: CliOperator, mode: OperatorMode) => Promise<T>,
): Promise<T> {
  const running = config.clickhouse.url === undefined ? await findRunningServer(config.dataDir) : undefined
  if (running) return task(remoteOperator(running, await loadOperatorToken(config)), 'server')
  // The CLI only needs the stores: no background roles, and nothing listens.
  const app = await createApp({ ...config, roles: ['api'] }, createLogger({ logLevel: 'warn' }, 2))
  try {
    return await task(
      {
        ...app.operator,
        ...app.engine.flowOperator,
        ...app.demo,
        ...app.engine.llm.costBackfill,
        ...app.reports.operator,
        ...app.analystSql.operator,
      },
      'direct',
    )
  } finally {
    await app.close()
  }
}

/** The URL of the embedded server that owns `dataDir`, if one runs. */
export async function findRunningServer(dataDir: string): Promise<string | undefined> {
  let info: { url: string; pid: number }
  try {
    info = JSON.parse(await readFile(serverInfoPath(dataDir), 'utf8'))
  } catch {
    return undefined
  }
  try {
    process.kill(info.pid, 0)
  } catch {
    return undefined // left behind by a server that was killed
  }
  return info.url
}
