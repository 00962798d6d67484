import { z } from 'zod'
import { formFieldSchema } from '../flows/flow-schema.ts'

/** A form as a publishable object: the fields a chat `form` block knows (engine/CHAT.md), with their limits. */
export const formDocumentSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).describe("The admin's name for the form"),
  title: z.string().max(200).optional().describe('Shown above the fields'),
  description: z.string().max(1_000).optional(),
  fields: z.array(formFieldSchema).min(1).max(30),
  submitLabel: z.string().min(1).max(40).default('Send'),
})

export type FormDocument = z.output<typeof formDocumentSchema>
