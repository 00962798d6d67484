import { describe, expect, it } from 'vitest'
import {
  parseTemplate,
  renderTemplate,
  renderUrl,
  templateErrors,
  templateReferences,
} from './render-template.ts'

const variables = {
  name: 'Ada',
  count: 3,
  price: 12.5,
  vip: false,
  nothing: null,
  tags: ['gift', 'express'],
  order: { number: 'A-100', items: [{ title: 'Mug' }] },
  context: { text: 'hello there' },
}

describe('renderTemplate', () => {
  it.each([
    ['no placeholders at all', 'no placeholders at all'],
    ['Hi {{name}}!', 'Hi Ada!'],
    ['Hi {{ name }}!', 'Hi Ada!'],
    ['{{order.number}}: {{order.items[0].title}}', 'A-100: Mug'],
    ['{{ order["number"] }}', 'A-100'],
    ['You said: {{context.text}}', 'You said: hello there'],
    ['{{count}} items at {{price}} EUR', '3 items at 12.5 EUR'],
    ['vip={{vip}}', 'vip=false'],
    ['[{{missing}}] [{{nothing}}] [{{order.items[9].title}}]', '[] [] []'],
    ['tags: {{tags}}', 'tags: ["gift","express"]'],
    ['{{order.items[0]}}', '{"title":"Mug"}'],
    ['{{name}}{{name}}', 'AdaAda'],
    ['{ {name} } and {{ name', '{ {name} } and {{ name'],
  ])('%s → %s', (text, expected) => {
    expect(renderTemplate(text, variables)).toBe(expected)
  })

  it('leaves placeholders that are not paths in the text', () => {
    expect(renderTemplate('Total: {{ price * count }} ({{}})', variables)).toBe(
      'Total: {{ price * count }} ({{}})',
    )
  })

  it('does not escape values (the widget renders Markdown safely)', () => {
    expect(renderTemplate('**{{name}}**', { name: '<b>x</b> *y*' })).toBe('**<b>x</b> *y***')
  })

  it('applies encode to each substituted value only', () => {
    const path = renderTemplate(
      '/orders/{{id}}?email={{email}}',
      { id: 'A/1', email: 'a+b@x.io' },
      { encode: encodeURIComponent },
    )
    expect(path).toBe('/orders/A%2F1?email=a%2Bb%40x.io')
  })

  it('never reads prototype members', () => {
    expect(renderTemplate('[{{toString}}] [{{order.constructor}}]', variables)).toBe(
      '[] [{{order.constructor}}]',
    )
  })
})

describe('renderUrl', () => {
  it.each([
    ['{{url}}', { url: 'https://shop.example/p/1' }, 'https://shop.example/p/1'],
    ['https://shop.example/p/{{sku}}', { sku: 'MUG 1' }, 'https://shop.example/p/MUG%201'],
    ['{{url}}', { url: ' http://shop.example ' }, 'http://shop.example/'],
    ['{{url}}', { url: 'javascript:alert(1)' }, undefined],
    ['{{url}}', { url: 'data:text/html,<b>x</b>' }, undefined],
    ['{{url}}', { url: '/relative/path' }, undefined],
    ['{{url}}', {}, undefined],
  ])('%s with %j → %s', (text, vars, expected) => {
    expect(renderUrl(text, vars)).toBe(expected)
  })
})

describe('templateReferences', () => {
  it.each([
    ['plain text', []],
    ['{{name}} {{order.number}} {{name}}', ['name', 'order']],
    ['{{context.text}}', ['context']],
    ['{{ a + b }} {{ok}}', ['ok']],
  ])('%s reads %j', (text, expected) => {
    expect(templateReferences(text)).toEqual(expected)
  })
})

describe('templateErrors', () => {
  it('explains each placeholder that is not a variable path', () => {
    expect(templateErrors('{{ price * 2 }} {{ name }} {{ }} {{ lower(name) }}')).toEqual([
      {
        placeholder: '{{ price * 2 }}',
        message: expect.stringContaining('only a variable path is allowed here'),
      },
      { placeholder: '{{ }}', message: 'empty placeholder' },
      {
        placeholder: '{{ lower(name) }}',
        message: expect.stringContaining('only a variable path is allowed here'),
      },
    ])
  })

  it('refuses forbidden keys', () => {
    expect(templateErrors('{{order.__proto__}}')).toEqual([
      { placeholder: '{{order.__proto__}}', message: '"__proto__" is not allowed' },
    ])
  })
})

describe('parseTemplate', () => {
  it('returns the placeholders with their offsets', () => {
    const [first, second] = parseTemplate('Hi {{name}}, {{ bad + 1 }}')
    expect(first).toMatchObject({ text: '{{name}}', index: 3 })
    expect(first?.path?.references).toEqual(['name'])
    expect(second).toMatchObject({ text: '{{ bad + 1 }}', index: 13 })
    expect(second?.error).toBeDefined()
  })
})
