/**
 * What each top-level folder may import, as the "Folders" table of ARCHITECTURE.md states it: folder names,
 * or single files (`ingest/event-types.ts`) where a folder may use one module of another and no more.
 */
export type FolderRules = ReadonlyMap<string, ReadonlySet<string> | 'everything'>

/**
 * Reads the table rows `| \`folder/\` | owns | may import |`: the last cell is "everything", "nothing of
 * ours", "—", or a list of backticked folder names or file paths (words after a name are notes).
 */
export function parseFolderRules(markdown: string): FolderRules {
  const rules = new Map<string, ReadonlySet<string> | 'everything'>()
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    const folder = /^`([a-z]+)\/`$/.exec(cells[1] ?? '')?.[1]
    const mayImport = cells.at(-2)
    if (!folder || mayImport === undefined) continue
    rules.set(
      folder,
      mayImport === 'everything'
        ? 'everything'
        : new Set([...mayImport.matchAll(/`([a-z][a-z/.-]*?)\/?`/g)].map((match) => match[1] as string)),
    )
  }
  return rules
}

/** Why an import from one top-level folder into another breaks the rules, or undefined when it may. */
export function folderViolation(rules: FolderRules, from: string, to: string): string | undefined {
  const [fromFolder] = from.split('/')
  const [toFolder] = to.split('/')
  if (!fromFolder || !toFolder || fromFolder === toFolder) return undefined
  if (to.endsWith('.test.ts')) return 'nothing imports a test file'
  // Tests beside the code they check may use the shared test support (helpers and contract suites).
  if (from.endsWith('.test.ts') && /^test\/(support|contract)\//.test(to)) return undefined
  const allowed = rules.get(fromFolder)
  if (allowed === undefined) return `${fromFolder}/ is not in the ARCHITECTURE.md folder table`
  if (allowed === 'everything' || allowed.has(toFolder) || allowed.has(to)) return undefined
  return `${fromFolder}/ may not import ${toFolder}/`
}
