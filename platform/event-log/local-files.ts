import { open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { openPrivateFile, PRIVATE_FILE_MODE } from '../fs/private-files.ts'

const OFFSET_FILE = /^(.+)\.offset$/

/** Makes created, renamed or deleted entries of a directory survive a crash. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Replaces a file so a crash leaves either the old or the new content, never a mix. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temporary = `${file}.tmp`
  const handle = await openPrivateFile(temporary, 'w')
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, file)
  await syncDirectory(path.dirname(file))
}

export function writeGroupOffset(directory: string, group: string, offset: number): Promise<void> {
  return writeFileAtomic(path.join(directory, `${group}.offset`), `${JSON.stringify({ offset })}\n`)
}

/** Committed offsets by group; leftovers of an interrupted atomic write are removed. */
export async function readGroupOffsets(directory: string): Promise<Map<string, number>> {
  const offsets = new Map<string, number>()
  for (const name of await readdir(directory)) {
    if (name.endsWith('.tmp')) {
      await rm(path.join(directory, name), { force: true })
      continue
    }
    const group = OFFSET_FILE.exec(name)?.[1]
    if (group === undefined) continue
    const { offset } = JSON.parse(await readFile(path.join(directory, name), 'utf8')) as { offset: unknown }
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw new Error(`invalid committed offset in ${path.join(directory, name)}`)
    }
    offsets.set(group, offset)
  }
  return offsets
}

const heldInThisProcess = new Set<string>()

/**
 * Claims a directory for this process: two writers would interleave frames and corrupt the log. A lock
 * left by a process that died (SIGKILL, power loss) is taken over.
 */
export async function lockDirectory(directory: string): Promise<() => Promise<void>> {
  const file = path.join(directory, '.lock')
  if (heldInThisProcess.has(file))
    throw new Error(`the event log in ${directory} is already open in this process`)
  try {
    await writeFile(file, String(process.pid), { flag: 'wx', mode: PRIVATE_FILE_MODE })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const owner = Number(await readFile(file, 'utf8'))
    if (owner !== process.pid && isRunning(owner)) {
      throw new Error(
        `the event log in ${directory} is used by process ${owner}; stop it, or remove ${file} if no such process runs`,
      )
    }
    await writeFileAtomic(file, String(process.pid))
  }
  heldInThisProcess.add(file)
  return async () => {
    heldInThisProcess.delete(file)
    await rm(file, { force: true })
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
