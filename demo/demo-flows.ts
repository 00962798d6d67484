import { faqFlow } from './demo-faq-flow.ts'
import { DEMO_CATEGORIES, DEMO_FEATURES } from './demo-shop.ts'

/**
 * The demo tenant's published flows: three call the `shop` connection (the mock shop API), and `faq`
 * answers from the shop FAQ with an `llm` node on the `local` provider.
 */

export const orderStatusFlow = {
  intent: 'order_status',
  name: 'Order status',
  description:
    'Asks for the order number, looks the order up in the shop, says where it is and asks for a rating.',
  variables: { attempts: 0 },
  start: 'welcome',
  nodes: [
    {
      id: 'welcome',
      type: 'message',
      blocks: [{ kind: 'text', markdown: 'Hi! I can check where your order is.' }],
      next: 'ask_order',
    },
    {
      id: 'ask_order',
      type: 'ask',
      prompt: 'Which order is it about? (try **A-1001**, A-1002, A-1003 or A-1004)',
      input: {
        kind: 'form',
        fields: [
          {
            name: 'order_number',
            label: 'Order number',
            type: 'text',
            required: true,
            placeholder: 'e.g. A-1001',
            min: 4,
            max: 20,
          },
        ],
        submitLabel: 'Find my order',
      },
      next: 'prepare_lookup',
    },
    {
      id: 'prepare_lookup',
      type: 'set',
      assign: [
        { variable: 'attempts', value: 'attempts + 1' },
        { variable: 'order_number', value: 'upper(trim(order_number))' },
      ],
      next: 'lookup',
    },
    {
      id: 'lookup',
      type: 'connection',
      label: 'Look the order up in the shop',
      connection: 'shop',
      method: 'GET',
      path: '/orders/{{order_number}}',
      map: [
        { variable: 'order_status', path: 'status' },
        { variable: 'eta', path: 'estimatedDelivery' },
        { variable: 'tracking_url', path: 'tracking.url' },
        { variable: 'product', path: 'items[0]' },
      ],
      timeoutMs: 5000,
      next: 'branch_on_status',
      onError: 'lookup_failed',
    },
    {
      id: 'branch_on_status',
      type: 'condition',
      branches: [
        { when: 'order_status == "shipped"', next: 'shipped' },
        { when: 'order_status == "delivered"', next: 'delivered' },
        { when: 'order_status in ["paid", "processing"]', next: 'processing' },
      ],
      else: 'to_agent',
    },
    {
      id: 'shipped',
      type: 'message',
      blocks: [
        {
          kind: 'text',
          markdown: 'Good news: order **{{order_number}}** is on its way, expected on {{eta}}.',
        },
        {
          kind: 'product_card',
          product: {
            title: '{{product.title}}',
            description: '{{product.description}}',
            price: '{{product.price}} {{product.currency}}',
            imageUrl: '{{product.image_url}}',
            url: '{{product.url}}',
          },
        },
        { kind: 'link_button', label: 'Track the parcel', url: '{{tracking_url}}' },
      ],
      next: 'rate',
    },
    {
      id: 'delivered',
      type: 'message',
      blocks: [
        { kind: 'text', markdown: 'Order **{{order_number}}** was delivered. Enjoy!' },
        {
          kind: 'product_card',
          product: {
            title: '{{product.title}}',
            price: '{{product.price}} {{product.currency}}',
            imageUrl: '{{product.image_url}}',
            url: '{{product.url}}',
          },
        },
      ],
      next: 'rate',
    },
    {
      id: 'processing',
      type: 'message',
      blocks: [
        {
          kind: 'text',
          markdown: 'Order **{{order_number}}** is being prepared; we expect to deliver it by {{eta}}.',
        },
      ],
      next: 'rate',
    },
    {
      id: 'rate',
      type: 'ask',
      prompt: 'Was this helpful?',
      input: {
        kind: 'buttons',
        variable: 'rating',
        options: [
          { label: '👍 Yes', value: 'helpful' },
          { label: '👎 Not really', value: 'not_helpful' },
        ],
      },
      next: 'answered',
    },
    { id: 'answered', type: 'goal', goal: 'order_status.answered', next: 'done' },
    {
      id: 'lookup_failed',
      type: 'condition',
      branches: [{ when: 'attempts < 3', next: 'retry' }],
      else: 'to_agent',
    },
    {
      id: 'retry',
      type: 'message',
      blocks: [
        {
          kind: 'text',
          markdown: 'I could not find order {{order_number}}. Please check the number and try again.',
        },
      ],
      next: 'ask_order',
    },
    {
      id: 'to_agent',
      type: 'handoff',
      message: 'Let me bring in a colleague who can look into order {{order_number}} for you.',
    },
    {
      id: 'done',
      type: 'end',
      message: 'Thanks for your feedback! Anything else? Pick another topic any time.',
    },
  ],
}

export const productFinderFlow = {
  intent: 'product_finder',
  name: 'Product finder',
  description: 'Asks for a budget, a category and features, searches the shop and shows the best matches.',
  start: 'welcome',
  nodes: [
    {
      id: 'welcome',
      type: 'message',
      blocks: [{ kind: 'text', markdown: "Let's find the right gear for you." }],
      next: 'ask_needs',
    },
    {
      id: 'ask_needs',
      type: 'ask',
      prompt: 'Tell me what you are looking for.',
      input: {
        kind: 'form',
        fields: [
          { name: 'budget', label: 'Budget (EUR)', type: 'number', required: true, min: 10, max: 2000 },
          { name: 'category', label: 'Category', type: 'select', required: true, options: DEMO_CATEGORIES },
          { name: 'features', label: 'Must have', type: 'multi_select', options: DEMO_FEATURES },
        ],
        submitLabel: 'Show me products',
      },
      next: 'search',
    },
    {
      id: 'search',
      type: 'connection',
      label: 'Search the catalogue',
      connection: 'shop',
      method: 'GET',
      path: '/products?category={{category}}&budget={{budget}}&features={{features}}',
      map: [
        { variable: 'count', path: 'count' },
        { variable: 'p1', path: 'products[0]' },
        { variable: 'p2', path: 'products[1]' },
        { variable: 'p3', path: 'products[2]' },
        { variable: 'browse_url', path: 'browseUrl' },
      ],
      timeoutMs: 5000,
      next: 'how_many',
      onError: 'search_failed',
    },
    {
      id: 'how_many',
      type: 'condition',
      branches: [
        { when: 'count >= 3', next: 'show_three' },
        { when: 'count == 2', next: 'show_two' },
        { when: 'count == 1', next: 'show_one' },
      ],
      else: 'nothing_found',
    },
    {
      id: 'show_three',
      type: 'message',
      blocks: [
        { kind: 'text', markdown: 'I found **{{count}}** matches under {{budget}} EUR. The top picks:' },
        {
          kind: 'carousel',
          products: ['p1', 'p2', 'p3'].map((p) => ({
            title: `{{${p}.title}}`,
            description: `{{${p}.description}}`,
            price: `{{${p}.price}} {{${p}.currency}}`,
            imageUrl: `{{${p}.image_url}}`,
            url: `{{${p}.url}}`,
          })),
        },
        { kind: 'link_button', label: 'See the whole category', url: '{{browse_url}}' },
      ],
      next: 'shown',
    },
    {
      id: 'show_two',
      type: 'message',
      blocks: [
        { kind: 'text', markdown: 'Two products match under {{budget}} EUR:' },
        {
          kind: 'carousel',
          products: ['p1', 'p2'].map((p) => ({
            title: `{{${p}.title}}`,
            description: `{{${p}.description}}`,
            price: `{{${p}.price}} {{${p}.currency}}`,
            imageUrl: `{{${p}.image_url}}`,
            url: `{{${p}.url}}`,
          })),
        },
        { kind: 'link_button', label: 'See the whole category', url: '{{browse_url}}' },
      ],
      next: 'shown',
    },
    {
      id: 'show_one',
      type: 'message',
      blocks: [
        { kind: 'text', markdown: 'One product matches under {{budget}} EUR:' },
        {
          kind: 'carousel',
          products: [
            {
              title: '{{p1.title}}',
              description: '{{p1.description}}',
              price: '{{p1.price}} {{p1.currency}}',
              imageUrl: '{{p1.image_url}}',
              url: '{{p1.url}}',
            },
          ],
        },
        { kind: 'link_button', label: 'See the whole category', url: '{{browse_url}}' },
      ],
      next: 'shown',
    },
    { id: 'shown', type: 'goal', goal: 'product_finder.shown', next: 'done' },
    {
      id: 'nothing_found',
      type: 'message',
      blocks: [
        {
          kind: 'text',
          markdown: 'Nothing matches all of that under {{budget}} EUR. Browse the category instead?',
        },
        { kind: 'link_button', label: 'Browse the category', url: '{{browse_url}}' },
      ],
      next: 'done',
    },
    {
      id: 'search_failed',
      type: 'handoff',
      message: 'The catalogue is not answering right now; a colleague will help you find a product.',
    },
    { id: 'done', type: 'end', message: 'Happy shopping!' },
  ],
}

export const returnsRequestFlow = {
  intent: 'returns_request',
  name: 'Returns request',
  description:
    'Collects the order, the reason, a photo reference and an email, and registers a return in the shop.',
  start: 'welcome',
  nodes: [
    {
      id: 'welcome',
      type: 'message',
      blocks: [{ kind: 'text', markdown: 'Sorry it did not work out. I will register the return for you.' }],
      next: 'ask_details',
    },
    {
      id: 'ask_details',
      type: 'ask',
      prompt: 'A few details, please.',
      input: {
        kind: 'form',
        fields: [
          {
            name: 'order_number',
            label: 'Order number',
            type: 'text',
            required: true,
            placeholder: 'e.g. A-1003',
            min: 4,
            max: 20,
          },
          {
            name: 'reason',
            label: 'Reason',
            type: 'select',
            required: true,
            options: [
              { label: 'Too small', value: 'too_small' },
              { label: 'Too big', value: 'too_big' },
              { label: 'Arrived damaged', value: 'damaged' },
              { label: 'Not as described', value: 'not_as_described' },
              { label: 'Changed my mind', value: 'changed_mind' },
            ],
          },
          {
            name: 'photo',
            label: 'Photo of the item (optional)',
            type: 'file',
            accept: ['image/*'],
            maxBytes: 5 * 1024 * 1024,
          },
          { name: 'email', label: 'Email for the return label', type: 'email', required: true },
          { name: 'comment', label: 'Anything else?', type: 'text', max: 500 },
        ],
        submitLabel: 'Request the return',
      },
      next: 'tidy',
    },
    {
      id: 'tidy',
      type: 'set',
      assign: [{ variable: 'order_number', value: 'upper(trim(order_number))' }],
      next: 'create_return',
    },
    {
      id: 'create_return',
      type: 'connection',
      label: 'Register the return in the shop',
      connection: 'shop',
      method: 'POST',
      path: '/returns',
      body: {
        orderNumber: '{{order_number}}',
        reason: '{{reason}}',
        photo: '{{photo}}',
        email: '{{email}}',
        comment: '{{comment}}',
      },
      map: [
        { variable: 'return_id', path: 'returnId' },
        { variable: 'label_url', path: 'labelUrl' },
      ],
      timeoutMs: 5000,
      next: 'confirm',
      onError: 'create_failed',
    },
    {
      id: 'confirm',
      type: 'message',
      blocks: [
        {
          kind: 'text',
          markdown:
            'Your return **{{return_id}}** for order {{order_number}} is registered. We sent the label to {{email}}.',
        },
        { kind: 'link_button', label: 'Download the return label', url: '{{label_url}}' },
      ],
      next: 'requested',
    },
    { id: 'requested', type: 'goal', goal: 'returns.requested', next: 'done' },
    {
      id: 'create_failed',
      type: 'handoff',
      message:
        'I could not register a return for order {{order_number}}; a colleague will follow up by email.',
    },
    { id: 'done', type: 'end', message: 'Return id: {{return_id}}. Anything else?' },
  ],
}

export const DEMO_FLOWS = [orderStatusFlow, productFinderFlow, returnsRequestFlow, faqFlow] as const
