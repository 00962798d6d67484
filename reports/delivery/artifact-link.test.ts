import { describe, expect, it } from 'vitest'
import { artifactPath, checkArtifactLink, newLinkKey } from './artifact-link.ts'

const id = '0b4f6d3e-4a55-4bb1-9a0c-2f6c6f0e8d11'
const parse = (path: string) => {
  const url = new URL(path, 'http://comerix.test')
  return {
    expires: Number(url.searchParams.get('expires')),
    signature: url.searchParams.get('signature') ?? '',
  }
}

describe('artifact links', () => {
  it('is valid until its expiry, then expired', () => {
    const key = newLinkKey()
    const { expires, signature } = parse(artifactPath(key, id, 1_800_000_000))
    expect(checkArtifactLink(key, id, expires, signature, 1_799_999_999_999)).toBe('valid')
    expect(checkArtifactLink(key, id, expires, signature, 1_800_000_000_000)).toBe('expired')
  })

  it('is invalid with a changed expiry, another artifact, another key or a mangled signature', () => {
    const key = newLinkKey()
    const { expires, signature } = parse(artifactPath(key, id, 1_800_000_000))
    const now = 1_700_000_000_000
    expect(checkArtifactLink(key, id, expires + 3600, signature, now)).toBe('invalid')
    expect(checkArtifactLink(key, id.replace('0b', '1b'), expires, signature, now)).toBe('invalid')
    expect(checkArtifactLink(newLinkKey(), id, expires, signature, now)).toBe('invalid')
    expect(checkArtifactLink(key, id, expires, signature.slice(1), now)).toBe('invalid')
    // A forged link is reported invalid even when its expiry has passed.
    expect(checkArtifactLink(key, id, 1, 'forged', now)).toBe('invalid')
  })
})
