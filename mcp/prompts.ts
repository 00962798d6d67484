import type { McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { ATTRIBUTION_MODELS } from '../reports/families/attribution-credits.ts'
import { mayUse } from './define-tool.ts'
import type { McpCaller } from './mcp-deps.ts'

const user = (text: string) => ({
  messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }],
})

/** Prompts for common analytics jobs; they name the tools to call and in which order. */
export function registerPrompts(server: McpServer, caller: McpCaller): void {
  if (!mayUse(caller, { scope: 'analyst' })) return
  server.registerPrompt(
    'conversions_drop',
    {
      title: 'Why did conversions drop?',
      description: 'Compare a period with the one before and find where conversions were lost',
      argsSchema: z.object({
        range: z.enum(['last_week', 'last_7_days', 'last_month', 'last_30_days']).default('last_week'),
        timezone: z.string().default('UTC'),
      }),
    },
    ({ range, timezone }) =>
      user(
        [
          `Why did conversions drop (${range}, timezone ${timezone})?`,
          `1. Call conversions with range "${range}", timezone "${timezone}", compareToPreviousPeriod true, granularity "day": confirm the drop and when it started.`,
          '2. Call conversions grouped by source and by widget_key, with the same window and comparison, to see which channel lost the most.',
          '3. Call attribution (compareToPreviousPeriod true) grouped by flow: did chat-attributed conversions fall, or the rest?',
          '4. Call engagement_funnel grouped by flow (compareToPreviousPeriod true): fewer chats, fewer engaged sessions, or lower completion? Group by block for drop-offs.',
          'Answer with the numbers of both periods, the largest contributors to the drop and one next step. Money is integer micros of its currency.',
        ].join('\n'),
      ),
  )
  server.registerPrompt(
    'best_chat_roi_flow',
    {
      title: 'Which flow has the best chat ROI?',
      description: 'Attributed revenue per flow against its LLM spend',
      argsSchema: z.object({
        range: z.enum(['last_7_days', 'last_30_days', 'last_90_days', 'last_month']).default('last_30_days'),
        model: z.enum(ATTRIBUTION_MODELS).default('linear'),
      }),
    },
    ({ range, model }) =>
      user(
        [
          `Which chat flow has the best return (${range}, ${model} attribution)?`,
          `1. Call attribution with range "${range}", model "${model}", groupBy ["flow"], metrics attributed_conversions, attributed_revenue_micros, llm_cost_micros, llm_cost_per_attributed_sale_micros.`,
          `2. Call token_spend with range "${range}" grouped by flow for calls, total_tokens and cost_micros.`,
          '3. Call list_flows to name the flows.',
          'Rank flows by attributed revenue per LLM cost (per currency; never add currencies), note flows with spend but no attributed sales, and say which to improve first.',
        ].join('\n'),
      ),
  )
}
