import { runCli } from './cli.ts'

export interface WidgetCredential {
  tenantId: string
  publicKey: string
}

/**
 * Creates a tenant and an all-intents widget key for `origin` with the real CLI, which goes through the
 * server running on `env.DATA_DIR` (pass the same env the server got, so a Kafka-mode server's operator
 * token, derived from COMERIX_SECRET, matches).
 */
export async function createWidgetKey(
  env: Record<string, string> & { DATA_DIR: string },
  slug: string,
  origin: string,
): Promise<WidgetCredential> {
  const tenant = await runCli(['tenant:create', slug, '--json'], env)
  if (tenant.code !== 0) throw new Error(`tenant:create failed (${tenant.code}): ${tenant.stderr}`)
  const key = await runCli(
    ['widget-key:create', '--tenant', slug, '--all-intents', `--allowed-origin=${origin}`, '--json'],
    env,
  )
  if (key.code !== 0) throw new Error(`widget-key:create failed (${key.code}): ${key.stderr}`)
  return { tenantId: JSON.parse(tenant.stdout).tenant.id, publicKey: JSON.parse(key.stdout).publicKey }
}
