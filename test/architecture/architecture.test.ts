import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { folderViolation, parseFolderRules } from './folder-rules.ts'
import { importCircles, importEdges } from './import-graph.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean)
const edges = importEdges(root, files)
const rules = parseFolderRules(readFileSync(`${root}/ARCHITECTURE.md`, 'utf8'))

describe('the folder rules of ARCHITECTURE.md', () => {
  it('are read from the table', () => {
    expect(rules.get('platform')).toEqual(new Set())
    expect(rules.get('dashboards')).toEqual(new Set(['platform', 'reports']))
    expect(rules.get('bin')).toBe('everything')
    expect(rules.get('reports')).toEqual(new Set(['platform', 'ingest/event-types.ts']))
  })

  it('hold for every import of the repository', () => {
    const broken = edges.flatMap(({ from, to }) => {
      const why = folderViolation(rules, from, to)
      return why ? [`${from} -> ${to}: ${why}`] : []
    })
    expect(broken).toEqual([])
  })

  it('catch a forbidden import', () => {
    expect(folderViolation(rules, 'platform/tenancy/auth.ts', 'engine/chat.routes.ts')).toBe(
      'platform/ may not import engine/',
    )
    expect(folderViolation(rules, 'reports/families/x.ts', 'ingest/event-types.ts')).toBe(undefined)
    expect(folderViolation(rules, 'reports/families/x.ts', 'ingest/event-schema.ts')).toBe(
      'reports/ may not import ingest/',
    )
    expect(folderViolation(rules, 'reports/hub/report-service.ts', 'test/support/clickhouse.ts')).toBe(
      'reports/ may not import test/',
    )
    expect(folderViolation(rules, 'reports/hub/report-service.test.ts', 'test/support/clickhouse.ts')).toBe(
      undefined,
    )
    expect(folderViolation(rules, 'test/e2e/x.ts', 'engine/y.test.ts')).toBe('nothing imports a test file')
  })
})

describe('imports', () => {
  it('form no circles', () => {
    expect(importCircles(edges)).toEqual([])
  })

  it('name TypeScript files that exist', () => {
    const known = new Set(files)
    const missing = edges.filter(({ to }) => to.endsWith('.ts') && !known.has(to))
    expect(missing.map(({ from, to }) => `${from} -> ${to}`)).toEqual([])
  })
})
