import { createHmac } from 'node:crypto'
import type { Config } from '../../platform/config/config.ts'
import { deriveKey, loadServerSecret } from '../../platform/crypto/secret-box.ts'

/** Hashes normalised e-mail addresses with a per-tenant salt, so hashes join within a tenant only. */
export interface EmailHasher {
  hash(tenantId: string, normalisedEmail: string): string
}

/**
 * The salt is derived, not stored: HMAC(root, tenant id), where the root comes from the same server
 * secret as the secret box (COMERIX_SECRET, else DATA_DIR/secret.key) through HKDF with its own label.
 * Every process computes the same salt with no table, no first-write race and no lookup per request;
 * changing the server secret changes every hash, as it already makes stored secrets unreadable.
 */
export async function loadEmailHasher(config: Pick<Config, 'dataDir' | 'secret'>): Promise<EmailHasher> {
  return createEmailHasher(deriveKey(await loadServerSecret(config), 'comerix email-salt v1'))
}

export function createEmailHasher(root: Buffer): EmailHasher {
  return {
    hash(tenantId, normalisedEmail) {
      const salt = createHmac('sha256', root).update(tenantId).digest()
      return createHmac('sha256', salt).update(normalisedEmail).digest('hex')
    },
  }
}
