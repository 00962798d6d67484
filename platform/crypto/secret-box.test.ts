import { readFile, stat, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../test/support/temp-dir.ts'
import { loadSecretBox, SecretBoxError, secretKeyPath } from './secret-box.ts'

const SECRET = 'a-shared-secret-of-at-least-32-characters!'

describe('secret box', () => {
  it('round-trips a secret in the versioned format, with a fresh iv each time', async () => {
    const box = await loadSecretBox({ dataDir: await tempDir(), secret: SECRET })
    const first = box.seal('tok_live_123 ✓')
    const second = box.seal('tok_live_123 ✓')
    expect(first).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(first).not.toContain('tok_live_123')
    expect(first).not.toBe(second)
    expect(box.open(first)).toBe('tok_live_123 ✓')
    expect(box.open(box.seal(''))).toBe('')
  })

  it('detects tampering with the ciphertext, the tag or the iv', async () => {
    const box = await loadSecretBox({ dataDir: await tempDir(), secret: SECRET })
    const [version, iv, ciphertext, tag] = box.seal('secret value').split('.') as [
      string,
      string,
      string,
      string,
    ]
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url')
      bytes[0] = (bytes[0] ?? 0) ^ 1
      return bytes.toString('base64url')
    }
    for (const sealed of [
      [version, iv, flip(ciphertext), tag],
      [version, iv, ciphertext, flip(tag)],
      [version, flip(iv), ciphertext, tag],
    ]) {
      expect(() => box.open(sealed.join('.'))).toThrow(SecretBoxError)
    }
    expect(() => box.open('plaintext')).toThrow(/not a sealed secret/)
    expect(() => box.open(`v2.${iv}.${ciphertext}.${tag}`)).toThrow(/not a sealed secret/)
  })

  it('binds the context: a ciphertext moved to another row does not open', async () => {
    const box = await loadSecretBox({ dataDir: await tempDir(), secret: SECRET })
    const sealed = box.seal('token', 'connection:tenant-a:shop')
    expect(box.open(sealed, 'connection:tenant-a:shop')).toBe('token')
    expect(() => box.open(sealed, 'connection:tenant-b:shop')).toThrow(/cannot decrypt/)
  })

  it('fails clearly under a different key', async () => {
    const sealed = (await loadSecretBox({ dataDir: await tempDir(), secret: SECRET })).seal('token')
    const other = await loadSecretBox({ dataDir: await tempDir(), secret: `${SECRET}-rotated` })
    expect(() => other.open(sealed)).toThrow(/COMERIX_SECRET/)
    const fromFile = await loadSecretBox({ dataDir: await tempDir(), secret: undefined })
    expect(() => fromFile.open(sealed)).toThrow(SecretBoxError)
  })

  it('without COMERIX_SECRET creates DATA_DIR/secret.key once, mode 0600, even under concurrency', async () => {
    const dataDir = `${await tempDir()}/nested/data`
    const boxes = await Promise.all(
      Array.from({ length: 8 }, () => loadSecretBox({ dataDir, secret: undefined })),
    )
    const file = secretKeyPath(dataDir)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const keyText = await readFile(file, 'utf8')
    const sealed = boxes[0]?.seal('token') ?? ''
    for (const box of boxes) expect(box.open(sealed)).toBe('token')

    const reloaded = await loadSecretBox({ dataDir, secret: undefined })
    expect(reloaded.open(sealed)).toBe('token')
    expect(await readFile(file, 'utf8')).toBe(keyText)
  })

  it('refuses a corrupted key file instead of replacing it', async () => {
    const dataDir = await tempDir()
    await writeFile(secretKeyPath(dataDir), 'not a key')
    await expect(loadSecretBox({ dataDir, secret: undefined })).rejects.toThrow(/not a secret key/)
  })
})
