import { LOCAL_MODEL } from '../engine/llm/local-provider.ts'

/** The demo shop's FAQ: the grounding of the `faq` flow's `llm` node. */
export const DEMO_FAQ = [
  {
    title: 'How long does shipping take?',
    text: 'Orders leave our warehouse within 1-2 working days. Delivery takes 2-4 days in Germany and 4-7 days elsewhere in the EU.',
  },
  {
    title: 'How much does shipping cost?',
    text: 'Shipping is free for orders from 50 EUR; below that it costs 4.90 EUR.',
  },
  {
    title: 'What is your return policy?',
    text: 'Unworn items can be returned within 30 days for a full refund. Start a return with the "returns_request" chat or from your account.',
  },
  {
    title: 'Which payment methods do you accept?',
    text: 'We accept credit cards, PayPal, Klarna (pay later) and bank transfer.',
  },
  {
    title: 'Are your jackets waterproof?',
    text: 'Jackets marked "waterproof" have a 20,000 mm membrane with taped seams; the others are water-repellent only.',
  },
  {
    title: 'How do I find my shoe size?',
    text: 'Our shoes fit true to size. Between two sizes, pick the larger one for hiking boots and trail shoes.',
  },
] as const

/**
 * Answers shop questions with an `llm` node grounded on the FAQ, through the offline `local` provider.
 * The question is the trigger's text, or asked in a form; replies carry `tokenUsage`.
 */
export const faqFlow = {
  intent: 'faq',
  name: 'Shop FAQ',
  description: 'Answers questions about shipping, returns, payment and sizes from the shop FAQ.',
  variables: { question: null, answer: null },
  start: 'has_text',
  nodes: [
    {
      id: 'has_text',
      type: 'condition',
      branches: [{ when: 'isEmpty(context.text)', next: 'ask_question' }],
      else: 'take_text',
    },
    {
      id: 'take_text',
      type: 'set',
      assign: [{ variable: 'question', value: 'trim(context.text)' }],
      next: 'faq_answer',
    },
    {
      id: 'ask_question',
      type: 'ask',
      prompt: 'What would you like to know? Shipping, returns, payment, sizes...',
      input: {
        kind: 'form',
        fields: [{ name: 'question', label: 'Your question', type: 'text', required: true, max: 500 }],
        submitLabel: 'Ask',
      },
      next: 'faq_answer',
    },
    {
      id: 'faq_answer',
      type: 'llm',
      label: 'Answer from the FAQ',
      provider: 'local',
      model: LOCAL_MODEL,
      system:
        'You are the support assistant of the Demo Outdoor Shop. Answer in one or two sentences, only from the FAQ entries given; if they do not cover the question, say so and offer a colleague.',
      prompt: '{{question}}',
      grounding: DEMO_FAQ,
      temperature: 0.2,
      maxTokens: 300,
      timeoutMs: 10_000,
      variable: 'answer',
      next: 'more',
      onError: 'assistant_down',
    },
    {
      id: 'more',
      type: 'ask',
      prompt: 'Anything else?',
      input: {
        kind: 'buttons',
        variable: 'more',
        options: [
          { label: 'Another question', value: 'yes' },
          { label: 'No, thanks', value: 'no' },
        ],
      },
      next: 'again',
    },
    {
      id: 'again',
      type: 'condition',
      branches: [{ when: 'more == "yes"', next: 'ask_question' }],
      else: 'done',
    },
    {
      id: 'assistant_down',
      type: 'handoff',
      message: 'Our assistant cannot answer right now; a colleague will pick up your question.',
    },
    { id: 'done', type: 'end', message: 'Happy to help!' },
  ],
}
