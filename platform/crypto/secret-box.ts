import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { link, readFile, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config/config.ts'
import { makePrivateDir } from '../fs/private-files.ts'

export const secretKeyPath = (dataDir: string): string => path.join(dataDir, 'secret.key')

/** Encrypts secrets at rest (connection tokens, later webhook signing secrets). */
export interface SecretBox {
  /**
   * `v1.<iv>.<ciphertext>.<tag>` (base64url). `context` is bound as associated data: the same
   * context must be given to `open`, so a ciphertext copied to another row does not decrypt.
   */
  seal(plain: string, context?: string): string
  open(sealed: string, context?: string): string
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretBoxError'
  }
}

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32

/**
 * The server secret every derived key comes from: distributed processes share COMERIX_SECRET; an
 * embedded server keeps a random key in DATA_DIR/secret.key (mode 0600), created on first start.
 * Changing either makes stored secrets unreadable and changes every derived value.
 */
export async function loadServerSecret(config: Pick<Config, 'dataDir' | 'secret'>): Promise<Buffer> {
  return config.secret !== undefined ? Buffer.from(config.secret) : loadKeyFile(config.dataDir)
}

/** A 32-byte key for one purpose (`label`), derived from the server secret with HKDF. */
export function deriveKey(serverSecret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, 'comerix', label, KEY_BYTES))
}

export async function loadSecretBox(config: Pick<Config, 'dataDir' | 'secret'>): Promise<SecretBox> {
  return createSecretBox(deriveKey(await loadServerSecret(config), 'comerix secret-box v1'))
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`a secret-box key is ${KEY_BYTES} bytes`)
  return {
    seal(plain, context = '') {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(context))
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'))
      return [VERSION, ...parts].join('.')
    },
    open(sealed, context = '') {
      const [version, iv, ciphertext, tag, ...rest] = sealed.split('.')
      if (
        version !== VERSION ||
        iv === undefined ||
        ciphertext === undefined ||
        tag === undefined ||
        rest.length
      )
        throw new SecretBoxError(`not a sealed secret (expected ${VERSION}.<iv>.<ciphertext>.<tag>)`)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: TAG_BYTES,
        })
        decipher.setAAD(Buffer.from(context))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8')
      } catch {
        throw new SecretBoxError(
          'cannot decrypt a stored secret: it was tampered with, or COMERIX_SECRET / DATA_DIR/secret.key changed since it was stored',
        )
      }
    },
  }
}

async function loadKeyFile(dataDir: string): Promise<Buffer> {
  const file = secretKeyPath(dataDir)
  const existing = await readKeyFile(file)
  if (existing) return existing
  await makePrivateDir(dataDir)
  // Written whole to a private temporary file, then linked into place: link() fails when the key
  // exists, so concurrent starters agree on one key and nobody ever reads a half-written file.
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  await writeFile(temporary, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  try {
    await link(temporary, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
  } finally {
    await unlink(temporary)
  }
  const key = await readKeyFile(file)
  if (!key) throw new SecretBoxError(`${file} vanished while it was being created`)
  return key
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string
  try {
    text = (await readFile(file, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new SecretBoxError(`${file} is not a secret key (64 hex characters); restore it from a backup`)
  return Buffer.from(text, 'hex')
}
