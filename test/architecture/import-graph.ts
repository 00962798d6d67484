import { readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

/** One relative import of the repository: the importing file and the file it names, both repo-relative. */
export interface ImportEdge {
  from: string
  to: string
}

/** Every relative import (static, re-export, dynamic, type-only) of the given repo-relative files. */
export function importEdges(root: string, files: readonly string[]): ImportEdge[] {
  return files.flatMap((file) => {
    const source = readFileSync(path.join(root, file), 'utf8')
    return ts
      .preProcessFile(source, true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        from: file,
        to: path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)),
      }))
  })
}

/** The strongly connected groups of more than one file (import circles), each sorted, by Tarjan's algorithm. */
export function importCircles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>()
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to])
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const circles: string[][] = []
  const visit = (node: string): void => {
    index.set(node, index.size)
    low.set(node, index.get(node) as number)
    stack.push(node)
    onStack.add(node)
    for (const target of next.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target)
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number))
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, index.get(target) as number))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const group: string[] = []
    let member: string | undefined
    do {
      member = stack.pop() as string
      onStack.delete(member)
      group.push(member)
    } while (member !== node)
    if (group.length > 1) circles.push(group.sort())
  }
  for (const node of next.keys()) if (!index.has(node)) visit(node)
  return circles
}
