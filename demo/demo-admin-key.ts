import { type SecretBox, SecretBoxError } from '../platform/crypto/secret-box.ts'
import type { StateStore } from '../platform/state/state-store.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'

export const DEMO_ADMIN_KEY_NAME = 'demo admin'
const STORED_KEY = 'demo:admin-key'

export interface DemoAdminKeyDeps {
  tenancy: TenancyService
  state: StateStore
  secretBox: SecretBox
}

/**
 * The demo tenant's one admin key. Every seed (`serve --demo`, `demo:seed`, `demo:generate`) prints
 * it, so a new key per seed would leave a trail of valid admin keys in terminals and logs. The key
 * is kept sealed in the state store and shown again while it still works; when it cannot be (state
 * lost, key revoked, server secret changed), a new one is issued and every other demo admin key is
 * revoked, so at most one is valid.
 */
export async function demoAdminKey(deps: DemoAdminKeyDeps, tenantId: string): Promise<string> {
  const { tenancy, state, secretBox } = deps
  const context = `demo admin key ${tenantId}`
  const stored = reopen(deps, await state.get(STORED_KEY), context)
  if (stored !== undefined) {
    const principal = await tenancy.authenticateSecretKey(stored)
    if (principal?.tenantId === tenantId && principal.scopes.includes('admin')) return stored
  }
  const issued = await tenancy.createSecretKey(tenantId, { name: DEMO_ADMIN_KEY_NAME, scopes: ['admin'] })
  await state.set(STORED_KEY, secretBox.seal(issued.key, context))
  for (const key of await tenancy.listSecretKeys(tenantId)) {
    if (key.name === DEMO_ADMIN_KEY_NAME && !key.revoked && key.keyId !== issued.keyId)
      await tenancy.revokeSecretKey(tenantId, key.keyId)
  }
  return issued.key
}

function reopen(deps: DemoAdminKeyDeps, sealed: string | null, context: string): string | undefined {
  if (sealed === null) return undefined
  try {
    return deps.secretBox.open(sealed, context)
  } catch (error) {
    if (error instanceof SecretBoxError) return undefined // another server secret sealed it: issue anew
    throw error
  }
}
