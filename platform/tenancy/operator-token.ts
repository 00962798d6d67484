import { createHmac, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config/config.ts'

export const operatorTokenPath = (dataDir: string): string => path.join(dataDir, 'operator.token')

/**
 * The credential for operator routes (create tenants, migrate) and the CLI. Distributed processes
 * derive it from the shared COMERIX_SECRET; an embedded server keeps a random one in its data
 * directory (mode 0600), where a CLI on the same machine and account can read it.
 */
export async function loadOperatorToken(config: Pick<Config, 'dataDir' | 'secret'>): Promise<string> {
  if (config.secret !== undefined)
    return createHmac('sha256', config.secret).update('comerix-operator').digest('hex')
  const file = operatorTokenPath(config.dataDir)
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(config.dataDir, { recursive: true })
  const token = randomBytes(32).toString('hex')
  await writeFile(file, token, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  return (await readFile(file, 'utf8')).trim()
}
