import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { flowJsonSchema } from './flow-json-schema.ts'

const committedFile = new URL('./flow.schema.json', import.meta.url)
const regenerate = 'UPDATE_FLOW_SCHEMA=1 npx vitest run engine/flows/flow-json-schema.test.ts'

describe('flowJsonSchema', () => {
  it('matches the committed engine/flows/flow.schema.json', () => {
    const generated = `${JSON.stringify(flowJsonSchema(), null, 2)}\n`
    // The only writer of the committed file: regenerate it after changing flow-schema.ts.
    if (process.env.UPDATE_FLOW_SCHEMA === '1') writeFileSync(committedFile, generated)
    const committed = existsSync(committedFile) ? readFileSync(committedFile, 'utf8') : ''
    expect(committed, `engine/flows/flow.schema.json is stale; regenerate it with: ${regenerate}`).toBe(
      generated,
    )
  })

  it('describes the document an author writes: defaults are optional, unknown keys refused', () => {
    const schema = flowJsonSchema() as {
      required: string[]
      additionalProperties: boolean
      properties: Record<string, unknown>
    }
    expect(schema.required.sort()).toEqual(['intent', 'name', 'nodes', 'start'])
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties)).toEqual([
      'intent',
      'name',
      'description',
      'variables',
      'start',
      'nodes',
      'exports',
    ])
  })

  it('lists every node type', () => {
    const text = JSON.stringify(flowJsonSchema())
    for (const type of [
      'message',
      'ask',
      'condition',
      'set',
      'connection',
      'delay',
      'goal',
      'handoff',
      'end',
      'abort',
    ]) {
      expect(text).toContain(`"const":"${type}"`)
    }
  })
})
