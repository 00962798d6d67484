import type { Config } from '../platform/config/config.ts'
import { createPlatform, type Platform } from '../platform/create-platform.ts'
import type { Logger } from '../platform/log/logger.ts'

export type App = Platform

/** The composition root: builds the platform, then mounts each domain the configured roles need. */
export async function createApp(config: Config, logger?: Logger): Promise<App> {
  return createPlatform(config, logger)
}
