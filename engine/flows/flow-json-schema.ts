import { z } from 'zod'
import { flowSchema } from './flow-schema.ts'

/**
 * JSON Schema (draft 2020-12) of a flow document as an author writes it (`io: 'input'`: fields with
 * defaults are optional), for editors and external tooling. engine/flows/flow.schema.json is this output,
 * committed; its test fails when the two drift and prints how to regenerate the file.
 * Checks the schema cannot express (URL parsing, graph rules, variables) are validateFlow's job.
 */
export function flowJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(flowSchema, { io: 'input' }),
    title: 'Comerix flow',
    description: 'A chat flow published for one intent. Format reference: engine/FLOWS.md',
  }
}
