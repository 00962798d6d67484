import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import { dryRunFlow } from '../dry-run-flow.ts'
import type { McpDeps } from '../mcp-deps.ts'

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false }
const flowId = z.uuid().describe('A flow id (list_flows)')
const document = z
  .record(z.string(), z.unknown())
  .describe(
    'A flow document: { intent, name, variables?, start, nodes[] }; its JSON Schema is the resource comerix://schemas/flow',
  )

const summary = z.object({
  flowId: z.string(),
  intent: z.string(),
  name: z.string(),
  publishedVersion: z.number().describe('0 while not published'),
  latestVersion: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const detail = summary.extend({ draft: z.unknown() })
const versionInfo = z.object({
  version: z.number(),
  intent: z.string(),
  name: z.string(),
  publishedBy: z.string(),
  createdAt: z.string(),
})
const problem = z.object({
  code: z.string(),
  nodeId: z.string().optional(),
  path: z.string(),
  message: z.string(),
})

/** Flow authoring over FlowService (the /v1/admin/flows routes) and a side-effect-free test run. */
export function flowTools({
  flows,
  clock,
  maxStepsPerTurn,
}: Pick<McpDeps, 'flows' | 'clock' | 'maxStepsPerTurn'>): AnyTool[] {
  return [
    defineTool({
      name: 'list_flows',
      title: 'List flows',
      description: 'The tenant’s chat flows with their intent and published/latest version.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({}),
      output: z.object({ flows: z.array(summary) }),
      async run(_input, caller) {
        const list = await flows.list(caller.tenantId)
        return { data: { flows: list }, summary: `${list.length} flow(s)` }
      },
    }),
    defineTool({
      name: 'get_flow',
      title: 'Get a flow',
      description: 'A flow and its current draft document.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({ flowId }),
      output: detail,
      async run(input, caller) {
        const flow = await flows.get(caller.tenantId, input.flowId)
        return {
          data: flow,
          summary: `flow ${flow.name} (${flow.intent}), published version ${flow.publishedVersion}`,
        }
      },
    }),
    defineTool({
      name: 'validate_flow',
      title: 'Validate a flow document',
      description:
        'Checks a flow document as saving and publishing do (schema, graph, variables, expressions, connection names). Returns ok or every problem with its node id and path; nothing is saved.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({ document }),
      output: z.object({ ok: z.boolean(), problems: z.array(problem) }),
      async run(input, caller) {
        try {
          await flows.validate(caller.tenantId, input.document)
          return { data: { ok: true, problems: [] }, summary: 'the flow is valid' }
        } catch (error) {
          const problems = (error as AppError).details as
            | { problems?: z.output<typeof problem>[] }
            | undefined
          if (!(error instanceof AppError) || !problems?.problems) throw error
          return {
            data: { ok: false, problems: problems.problems },
            summary: `${problems.problems.length} problem(s): ${problems.problems.map((p) => `${p.nodeId ?? p.path}: ${p.message}`).join('; ')}`,
          }
        }
      },
    }),
    defineTool({
      name: 'save_flow_draft',
      title: 'Save a flow draft',
      description:
        'Creates a flow from a document, or replaces the draft of `flowId`. The document is validated first (a validation_failed error lists the problems). Publishing is a separate step.',
      scope: 'admin',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      input: z.strictObject({ document, flowId: flowId.optional().describe('Replace this flow’s draft') }),
      output: detail,
      async run(input, caller) {
        const saved =
          input.flowId === undefined
            ? await flows.create(caller.tenantId, input.document)
            : await flows.update(caller.tenantId, input.flowId, input.document)
        return { data: saved, summary: `saved draft of flow ${saved.flowId} (${saved.intent})` }
      },
    }),
    defineTool({
      name: 'publish_flow',
      title: 'Publish a flow',
      description:
        'Freezes the draft as a new immutable version and makes it the published flow of its intent: new chats run it, running ones keep their version.',
      scope: 'admin',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      input: z.strictObject({ flowId }),
      output: versionInfo,
      async run(input, caller) {
        const version = await flows.publish(caller.tenantId, input.flowId, `mcp:${caller.keyId}`)
        return { data: version, summary: `published ${version.intent} version ${version.version}` }
      },
    }),
    defineTool({
      name: 'unpublish_flow',
      title: 'Unpublish a flow',
      description:
        'Removes the flow’s intent from new chat sessions; running executions finish on their version.',
      scope: 'admin',
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      input: z.strictObject({ flowId }),
      output: summary,
      async run(input, caller) {
        const flow = await flows.unpublish(caller.tenantId, input.flowId)
        return { data: flow, summary: `unpublished ${flow.intent}` }
      },
    }),
    defineTool({
      name: 'flow_versions',
      title: 'Flow version history',
      description: 'The published versions of a flow, newest last, with who published them.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({ flowId }),
      output: z.object({ versions: z.array(versionInfo) }),
      async run(input, caller) {
        const versions = await flows.versionsOf(caller.tenantId, input.flowId)
        return { data: { versions }, summary: `${versions.length} version(s)` }
      },
    }),
    defineTool({
      name: 'test_run_flow',
      title: 'Test-run a flow (dry)',
      description:
        'Drives a flow’s draft (or a published `version`) with the runtime’s own interpreter and returns the blocks each turn would show. Give `answers` for the ask nodes in order ({ variable: value } for buttons, { field: value } for forms). Nothing is saved or recorded; delays are skipped; the run stops before a connection or LLM step.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({
        flowId,
        version: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('A published version; default the current draft'),
        text: z.string().max(4_000).optional().describe('The visitor’s first message'),
        context: z.record(z.string(), z.unknown()).optional().describe('Trigger context variables'),
        answers: z.array(z.record(z.string(), z.unknown())).max(50).default([]),
      }),
      output: z.object({
        outcome: z
          .string()
          .describe('completed | failed | aborted | waiting_input | async_step | invalid_answer'),
        turns: z.array(
          z.object({
            status: z.string(),
            blocks: z.array(z.record(z.string(), z.unknown())),
            events: z.array(z.string()),
            nodeId: z.string(),
          }),
        ),
        variables: z.record(z.string(), z.unknown()),
        note: z.string().optional(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
        answerErrors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      }),
      async run(input, caller) {
        const flow =
          input.version === undefined
            ? await flows.validate(caller.tenantId, (await flows.get(caller.tenantId, input.flowId)).draft)
            : await flows.loadVersion(caller.tenantId, input.flowId, input.version)
        const result = dryRunFlow(flow, {
          ...(input.text === undefined ? {} : { text: input.text }),
          ...(input.context === undefined ? {} : { context: input.context }),
          answers: input.answers,
          maxStepsPerTurn,
          now: clock.now(),
        })
        const blocks = result.turns.reduce((sum, turn) => sum + turn.blocks.length, 0)
        return {
          data: result,
          summary: `${result.outcome} after ${result.turns.length} turn(s), ${blocks} block(s)${result.note ? `; ${result.note}` : ''}`,
        }
      },
    }),
  ]
}
