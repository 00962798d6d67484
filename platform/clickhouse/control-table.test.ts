import { describe, expect, it } from 'vitest'
import { testClickHouse } from '../../test/support/clickhouse.ts'
import { controlTable, type VersionedRow } from './control-table.ts'
import { createDb } from './db.ts'

const clickhouse = await testClickHouse()
const db = createDb(clickhouse)
await db.command(`CREATE DATABASE IF NOT EXISTS ${clickhouse.database}`)
await db.command(
  `CREATE TABLE ${db.tables.connections} (tenant_id UUID, name String, base_url String, auth_kind String,
     auth_header_name String, secret_ciphertext String, timeout_ms UInt32, created_at DateTime64(3, 'UTC'),
     updated_at DateTime64(3, 'UTC'), deleted UInt8 DEFAULT 0)
   ENGINE = ReplacingMergeTree(updated_at) ORDER BY (tenant_id, name)`,
)

interface NoteRow extends VersionedRow {
  tenant_id: string
  name: string
  base_url: string
  auth_kind: string
  auth_header_name: string
  secret_ciphertext: string
  timeout_ms: number
}

// A table shaped like `connections` stands in for any deletable control table.
const notes = controlTable<NoteRow>({
  table: 'connections',
  columns: [
    'tenant_id',
    'name',
    'base_url',
    'auth_kind',
    'auth_header_name',
    'secret_ciphertext',
    'timeout_ms',
  ],
  deletable: true,
})
const tenantId = '7b0c8a52-2c43-4a57-9d67-0b1f2a9c3e11'
const row = (name: string, baseUrl: string) => ({
  tenant_id: tenantId,
  name,
  base_url: baseUrl,
  auth_kind: 'none',
  auth_header_name: '',
  secret_ciphertext: '',
  timeout_ms: 1000,
})
const byName = (name: string) =>
  notes.selectOne(db, 'tenant_id = {tenantId:UUID} AND name = {name:String}', { tenantId, name })

describe('a control table', () => {
  it('answers the newest version, with times in epoch ms', async () => {
    const first = await notes.write(db, row('a', 'https://one.example'), undefined, 1_700_000_000_000)
    expect(first).toMatchObject({ created_at: 1_700_000_000_000, updated_at: 1_700_000_000_000 })
    // Same millisecond: the new version still sorts after the old one.
    await notes.write(db, row('a', 'https://two.example'), first, 1_700_000_000_000)
    expect(await byName('a')).toEqual({
      ...row('a', 'https://two.example'),
      created_at: 1_700_000_000_000,
      updated_at: 1_700_000_000_001,
    })
  })

  it('lists live rows in order and forgets removed ones', async () => {
    const b = await notes.write(db, row('b', 'https://b.example'), undefined, 1_700_000_000_000)
    await notes.write(db, row('c', 'https://c.example'), undefined, 1_700_000_000_000)
    await notes.remove(db, b, 1_600_000_000_000)
    expect(await byName('b')).toBeUndefined()
    const names = await notes.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'name')
    expect(names.map((note) => note.name)).toEqual(['a', 'c'])
  })
})
