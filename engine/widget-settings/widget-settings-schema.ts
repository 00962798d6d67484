import { z } from 'zod'
import { boundedJson } from '../../platform/http/bounded-json.ts'
import { intentName } from '../../platform/tenancy/tenancy-schemas.ts'
import { CONTEXT_LIMITS } from '../chat.routes.ts'

const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour as #rrggbb')

export const quickQuestionSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected 1-64 lowercase letters, digits, _ or -')
    .describe("Stable id: beacons' props.question_id and the engagement reports name it"),
  label: z.string().trim().min(1).max(120),
  intent: intentName.describe('The intent the click triggers'),
  context: boundedJson('context', CONTEXT_LIMITS)
    .optional()
    .describe('Sent as the trigger context ({{context.*}} in the flow)'),
  order: z.number().int().min(0).max(1_000).default(0),
  enabled: z.boolean().default(true),
})

export const themeSchema = z.strictObject({
  primaryColor: color.default('#2f6f4f'),
  textColor: color.default('#1a202c'),
  backgroundColor: color.default('#ffffff'),
  fontFamily: z.enum(['system', 'serif', 'monospace']).default('system'),
  radius: z.number().int().min(0).max(24).default(12).describe('Corner radius in px'),
})

/** Server-side only: never part of a public read. Counted per UTC calendar month. */
export const monthlyQuotaSchema = z.strictObject({
  sessions: z.number().int().positive().optional().describe('Chat sessions opened per month'),
  mounts: z.number().int().positive().optional().describe('Published forms mounted per month'),
})

/** One widget key's settings document: what the admin edits as a draft and publishes as a version. */
export const widgetSettingsSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(60).default('Assistant'),
  greeting: z.string().max(500).default(''),
  theme: themeSchema.default(themeSchema.parse({})),
  launcher: z
    .strictObject({
      position: z.enum(['bottom-right', 'bottom-left']).default('bottom-right'),
      label: z.string().trim().min(1).max(40).default('Chat with us'),
    })
    .default({ position: 'bottom-right', label: 'Chat with us' }),
  quickQuestions: z.array(quickQuestionSchema).max(12).default([]),
  monthlyQuota: monthlyQuotaSchema.optional(),
})

export type WidgetSettings = z.output<typeof widgetSettingsSchema>
export type QuickQuestion = z.output<typeof quickQuestionSchema>
export type MonthlyQuota = z.output<typeof monthlyQuotaSchema>
