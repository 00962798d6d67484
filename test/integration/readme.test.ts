import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { catalogMarkdown } from '../../platform/errors/catalog.ts'

describe('README', () => {
  it('lists the error catalog exactly as the code defines it', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    expect(readme).toContain(catalogMarkdown())
  })
})
