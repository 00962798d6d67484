import path from 'node:path'
import type { Config } from '../config/config.ts'
import type { Logger } from '../log/logger.ts'
import { LocalStateStore } from './local-state-store.ts'
import { RedisStateStore } from './redis-state-store.ts'
import type { StateStore } from './state-store.ts'

/** Redis when REDIS_URL is set (state shared by every process), else the journaled local store. */
export async function createStateStore(
  config: Pick<Config, 'dataDir' | 'redisUrl'> & Partial<Pick<Config, 'redisKeyPrefix'>>,
  logger: Logger,
  options: { keyPrefix?: string } = {},
): Promise<StateStore> {
  if (config.redisUrl !== undefined) {
    const keyPrefix = options.keyPrefix ?? config.redisKeyPrefix ?? 'comerix:'
    const store = await RedisStateStore.connect({ url: config.redisUrl, logger, keyPrefix })
    logger.info({ adapter: 'redis', keyPrefix }, 'state store')
    return store
  }
  const store = await LocalStateStore.open({ dataDir: config.dataDir, logger })
  logger.info({ adapter: 'local', dir: path.join(config.dataDir, 'state') }, 'state store')
  return store
}
