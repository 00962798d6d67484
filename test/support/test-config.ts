import { type Config, loadConfig } from '../../platform/config/config.ts'

/** An embedded configuration on `dataDir`, listening on a free port, quiet unless LOG_LEVEL says otherwise. */
export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...env })
}
