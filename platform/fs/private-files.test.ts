import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/support/temp-dir.ts'
import { makePrivateDir, openPrivateFile } from './private-files.ts'

const modeOf = async (file: string) => (await stat(file)).mode & 0o777

describe('private files and directories, under umask 000', () => {
  let previousUmask: number
  beforeAll(() => {
    previousUmask = process.umask(0)
  })
  afterAll(() => {
    process.umask(previousUmask)
  })

  it('creates directories 0700 and tightens an existing 0755 one', async () => {
    const root = await tempDir()
    const created = path.join(root, 'new', 'nested')
    await makePrivateDir(created)
    expect(await modeOf(created)).toBe(0o700)

    const older = path.join(root, 'older')
    await mkdir(older, { mode: 0o755 })
    await chmod(older, 0o755)
    await makePrivateDir(older)
    expect(await modeOf(older)).toBe(0o700)
  })

  it('creates files 0600 and tightens an existing 0644 one, keeping its content', async () => {
    const root = await tempDir()
    const created = path.join(root, 'journal.log')
    const handle = await openPrivateFile(created, 'a')
    await handle.close()
    expect(await modeOf(created)).toBe(0o600)

    const older = path.join(root, 'older.log')
    await writeFile(older, 'kept', { mode: 0o644 })
    const reopened = await openPrivateFile(older, 'a')
    await reopened.appendFile('+more')
    await reopened.close()
    expect(await modeOf(older)).toBe(0o600)
    expect((await stat(older)).size).toBe('kept+more'.length)
  })
})
