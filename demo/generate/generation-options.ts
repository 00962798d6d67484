import { z } from 'zod'

/** What `comerix demo:generate` (and the operator route behind it) accepts. */
export const generationInput = z.object({
  tenant: z
    .string()
    .min(1)
    .optional()
    .describe('Tenant id or slug; the `demo` tenant (seeded as by demo:seed) when absent'),
  days: z.number().int().min(1).max(365).default(30).describe('History length, ending now'),
  visitors: z.number().int().min(1).max(5_000_000).default(1_000).describe('Distinct visitors'),
  seed: z.number().int().min(0).max(4_294_967_295).default(1).describe('Same seed, same history'),
  conversionRate: z
    .number()
    .min(0)
    .max(20)
    .default(0.05)
    .describe('Mean orders per visitor without chat influence (Poisson)'),
  chatUplift: z
    .number()
    .min(1)
    .max(20)
    .default(3)
    .describe('Orders of visitors with an engaged chat, as a multiple of the base rate'),
  now: z.number().int().positive().optional().describe('End of the history, epoch ms (default: now)'),
  direct: z
    .boolean()
    .default(false)
    .describe(
      'Bulk path: insert the rows the pipeline would store straight into `events`, in large batches, instead of through the event log and the sink',
    ),
})
export type GenerationInput = z.input<typeof generationInput>
export type GenerationOptions = z.output<typeof generationInput> & { now: number }

/** The published flows the chat events name; intents without a published flow get a synthetic id. */
export interface FlowRef {
  flowId: string
  version: number
}

/** Where the history goes: resolved once per run, the same for every visitor. */
export interface GenerationTarget {
  tenantId: string
  widgetKey: string
  flows: ReadonlyMap<string, FlowRef>
}
