import { z } from 'zod'
import { timezone as sharedTimezone } from '../semantic/timezone.ts'
import { cronProblem } from './cron-schedule.ts'
import { REPORT_FORMATS } from './report-runner.ts'

const endpointUrl = z
  .string()
  .max(2_000)
  .superRefine((value, context) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      context.addIssue({ code: 'custom', message: `"${value}" is not an absolute URL` })
      return
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      context.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' })
    if (url.username || url.password)
      context.addIssue({ code: 'custom', message: 'the URL must not carry credentials; requests are signed' })
  })
  .describe('Where each run POSTs its file, signed per Standard Webhooks')

const cron = z.string().trim().min(1).max(200).describe('Five-field cron expression, e.g. "30 2 * * 1-5"')
const timezone = sharedTimezone.describe('IANA timezone the cron is read in, e.g. Europe/Berlin')
const format = z.enum(REPORT_FORMATS)

const cronIsValid = (input: { cron?: string; timezone?: string }, context: z.RefinementCtx) => {
  if (input.cron === undefined || input.timezone === undefined) return
  const problem = cronProblem({ cron: input.cron, timezone: input.timezone })
  if (problem) context.addIssue({ code: 'custom', path: ['cron'], message: problem })
}

export const createScheduleInput = z
  .strictObject({
    reportId: z.string().trim().min(1).max(200),
    cron,
    timezone: timezone.default('UTC'),
    format: format.default('csv'),
    endpointUrl,
    paused: z.boolean().default(false),
  })
  .superRefine(cronIsValid)

/** Fields left out keep their value. A new cron or timezone counts from now: nothing earlier is caught up. */
export const updateScheduleInput = z
  .strictObject({
    reportId: z.string().trim().min(1).max(200).optional(),
    cron: cron.optional(),
    timezone: timezone.optional(),
    format: format.optional(),
    endpointUrl: endpointUrl.optional(),
    paused: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'nothing to update')

export type CreateScheduleInput = z.input<typeof createScheduleInput>
export type UpdateScheduleInput = z.input<typeof updateScheduleInput>

const occurrence = z.object({
  at: z.string().describe('UTC, ISO 8601'),
  local: z.string().describe("The same instant in the schedule's timezone, with its offset"),
})

export const scheduleResponse = z.object({
  id: z.string(),
  reportId: z.string(),
  cron: z.string(),
  timezone: z.string(),
  format,
  endpointUrl: z.string(),
  paused: z.boolean(),
  nextRuns: z.array(occurrence).describe('The next 5 runs; empty while paused'),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const createdScheduleResponse = scheduleResponse.extend({
  secret: z.string().describe('whsec_... signing secret; shown only now, store it to verify deliveries'),
})

export type ScheduleView = z.output<typeof scheduleResponse>

export const RUN_TRIGGERS = ['manual', 'schedule', 'catch_up'] as const
export type RunTrigger = (typeof RUN_TRIGGERS)[number]
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const runResponse = z.object({
  id: z.string(),
  scheduleId: z.string(),
  reportId: z.string(),
  trigger: z.enum(RUN_TRIGGERS),
  status: z.enum(RUN_STATUSES),
  format,
  scheduledFor: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number(),
  rows: z.number(),
  bytes: z.number(),
  attempts: z.number().describe('Delivery attempts made'),
  httpStatus: z.number().describe("The endpoint's last answer, 0 when none"),
  error: z.string(),
  download: z
    .object({ path: z.string(), expiresAt: z.string() })
    .nullable()
    .describe('Expiring link to the stored file; no Authorization header needed'),
})

export type RunView = z.output<typeof runResponse>
