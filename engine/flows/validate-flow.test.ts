import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { FlowInput } from './flow-schema.ts'
import { type FlowProblem, nodeTemplates, validateFlow } from './validate-flow.ts'

type NodeInput = FlowInput['nodes'][number]

/** A small valid flow: greet, ask yes/no, branch, end. Each test breaks one thing. */
function flow(overrides: Partial<FlowInput> = {}, extraNodes: NodeInput[] = []): FlowInput {
  return {
    intent: 'demo',
    name: 'Demo',
    variables: { greeting: 'Hi' },
    start: 'hello',
    nodes: [
      {
        id: 'hello',
        type: 'message',
        blocks: [{ kind: 'text', markdown: '{{greeting}}, {{context.text}}' }],
        next: 'ask',
      },
      {
        id: 'ask',
        type: 'ask',
        input: {
          kind: 'buttons',
          variable: 'choice',
          options: [
            { label: 'Yes', value: 'yes' },
            { label: 'No', value: 'no' },
          ],
        },
        next: 'route',
      },
      { id: 'route', type: 'condition', branches: [{ when: 'choice == "yes"', next: 'bye' }], else: 'bye' },
      { id: 'bye', type: 'end' },
      ...extraNodes,
    ],
    ...overrides,
  }
}

function problemsOf(input: unknown, connections?: readonly string[]): FlowProblem[] {
  const result = validateFlow(input, connections ? { connections } : {})
  return result.ok ? [] : result.problems
}

const withNode = (index: number, node: NodeInput) => {
  const base = flow()
  base.nodes[index] = node
  return base
}

describe('validateFlow', () => {
  it('accepts a valid flow and returns it with defaults applied', () => {
    const result = validateFlow(flow())
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.flow.nodes[0]).toMatchObject({ id: 'hello', type: 'message' })
  })

  it('accepts the order-status example with the shop connection', () => {
    const example = JSON.parse(readFileSync(new URL('./examples/order-status.json', import.meta.url), 'utf8'))
    expect(validateFlow(example, { connections: ['shop'] })).toMatchObject({ ok: true })
    expect(problemsOf(example, ['crm'])).toEqual([
      {
        code: 'unknown_connection',
        nodeId: 'lookup',
        path: 'nodes.3.connection',
        message: 'unknown connection "shop" (configured: crm)',
      },
    ])
  })

  it('FLOWS.md shows the same order-status example', () => {
    const example = JSON.parse(readFileSync(new URL('./examples/order-status.json', import.meta.url), 'utf8'))
    const doc = readFileSync(new URL('../FLOWS.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## Complete example'))
    const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1]
    expect(JSON.parse(json ?? 'null')).toEqual(example)
  })

  describe('reports each kind of problem with its node id', () => {
    it('schema errors, mapped to the node that holds them', () => {
      const input = withNode(0, {
        id: 'hello',
        type: 'message',
        blocks: [{ kind: 'image', url: 'ftp://files.example/cat.png' }],
        next: 'ask',
      })
      expect(problemsOf(input)).toEqual([
        {
          code: 'schema',
          nodeId: 'hello',
          path: 'nodes.0.blocks.0.url',
          message: 'expected an http(s) URL or a {{template}}',
        },
      ])
    })

    it('schema errors outside nodes have no node id', () => {
      expect(problemsOf({ ...flow(), intent: 'Not An Intent', extra: 1 })).toEqual([
        { code: 'schema', path: 'intent', message: expect.stringContaining('lowercase') },
        { code: 'schema', path: '', message: 'Unrecognized key: "extra"' },
      ])
      expect(problemsOf('not a flow')).toEqual([
        { code: 'schema', path: '', message: 'Invalid input: expected object, received string' },
      ])
    })

    it('duplicate node ids', () => {
      expect(problemsOf(flow({}, [{ id: 'ask', type: 'abort' }]))).toContainEqual({
        code: 'duplicate_node_id',
        nodeId: 'ask',
        path: 'nodes.4.id',
        message: 'duplicate node id "ask" (also used by nodes.1)',
      })
    })

    it('a start that is not a node', () => {
      expect(problemsOf(flow({ start: 'welcome' }))).toEqual([
        { code: 'unknown_start', path: 'start', message: 'start node "welcome" does not exist' },
      ])
    })

    it('missing next, else, branch and onError targets', () => {
      const input = flow({}, [
        { id: 'call', type: 'connection', connection: 'shop', next: 'bye', onError: 'oops' },
        { id: 'pick', type: 'condition', branches: [{ when: 'true', next: 'nowhere' }], else: 'gone' },
      ])
      input.nodes[0] = { ...(input.nodes[0] as NodeInput), next: 'call' } as NodeInput
      ;(input.nodes[4] as { next: string }).next = 'pick'
      expect(problemsOf(input).filter((p) => p.code === 'missing_target')).toEqual([
        {
          code: 'missing_target',
          nodeId: 'call',
          path: 'nodes.4.onError',
          message: 'target node "oops" does not exist',
        },
        {
          code: 'missing_target',
          nodeId: 'pick',
          path: 'nodes.5.branches.0.next',
          message: 'target node "nowhere" does not exist',
        },
        {
          code: 'missing_target',
          nodeId: 'pick',
          path: 'nodes.5.else',
          message: 'target node "gone" does not exist',
        },
      ])
    })

    it('nodes not reachable from start', () => {
      const orphan: NodeInput = {
        id: 'orphan',
        type: 'message',
        blocks: [{ kind: 'text', markdown: 'lost' }],
        next: 'bye',
      }
      expect(problemsOf(flow({}, [orphan]))).toEqual([
        {
          code: 'unreachable_node',
          nodeId: 'orphan',
          path: 'nodes.4',
          message: 'not reachable from the start node "hello"',
        },
      ])
    })

    it('unknown variables in templates and expressions', () => {
      const input = withNode(2, {
        id: 'route',
        type: 'condition',
        branches: [{ when: 'choise == "yes" and context.locale == "de"', next: 'bye' }],
        else: 'bye',
      })
      input.nodes[3] = { id: 'bye', type: 'end', message: 'Bye {{user.name}}, you chose {{choice}}' }
      expect(problemsOf(input)).toEqual([
        {
          code: 'unknown_variable',
          nodeId: 'route',
          path: 'nodes.2.branches.0.when',
          message:
            'unknown variable "choise"; declare it in variables, or assign it with set, ask or a connection map',
        },
        {
          code: 'unknown_variable',
          nodeId: 'bye',
          path: 'nodes.3.message',
          message:
            'unknown variable "user"; declare it in variables, or assign it with set, ask or a connection map',
        },
      ])
    })

    it('exports only variables the flow declares or assigns, never the context', () => {
      expect(validateFlow(flow({ exports: ['greeting', 'choice'] })).ok).toBe(true)
      expect(problemsOf(flow({ exports: ['greeting', 'secret', 'context'] }))).toEqual([
        {
          code: 'unknown_variable',
          path: 'exports.1',
          message:
            'exported variable "secret" is declared nowhere; declare it in variables, or assign it with set, ask or a connection map',
        },
        {
          code: 'unknown_variable',
          path: 'exports.2',
          message:
            'exported variable "context" is declared nowhere; declare it in variables, or assign it with set, ask or a connection map',
        },
      ])
      expect(problemsOf(flow({ exports: ['not a name'] as string[] }))[0]).toMatchObject({
        code: 'schema',
        path: 'exports.0',
      })
    })

    it('knows variables from variables, set, ask buttons, form fields, connection maps and context', () => {
      const input = flow({ start: 'form' }, [
        {
          id: 'form',
          type: 'ask',
          input: { kind: 'form', fields: [{ name: 'email', label: 'Email', type: 'email' }] },
          next: 'call',
        },
        {
          id: 'call',
          type: 'connection',
          connection: 'crm',
          map: [{ variable: 'tier', path: 'tier' }],
          next: 'calc',
        },
        {
          id: 'calc',
          type: 'set',
          assign: [{ variable: 'label', value: 'upper(tier) + " " + email' }],
          next: 'hello',
        },
      ])
      input.nodes[3] = {
        id: 'bye',
        type: 'end',
        message: '{{label}} {{choice}} {{greeting}} {{context.any.path}}',
      }
      expect(problemsOf(input)).toEqual([])
    })

    it('reserved variable names', () => {
      const input = flow({ variables: { context: 'x' } }, [])
      input.nodes[1] = {
        id: 'ask',
        type: 'ask',
        input: { kind: 'buttons', variable: 'not', options: [{ label: 'Yes', value: 'yes' }] },
        next: 'route',
      }
      expect(problemsOf(input).filter((p) => p.code === 'reserved_variable')).toEqual([
        {
          code: 'reserved_variable',
          path: 'variables.context',
          message: '"context" is a reserved name; choose another variable name',
        },
        {
          code: 'reserved_variable',
          nodeId: 'ask',
          path: 'nodes.1.input.variable',
          message: '"not" is a reserved name; choose another variable name',
        },
      ])
    })

    it('expressions that do not compile, with the compiler message', () => {
      const input = withNode(2, {
        id: 'route',
        type: 'condition',
        branches: [
          { when: 'choice = "yes"', next: 'bye' },
          { when: 'choice.trim() == "no"', next: 'bye' },
        ],
        else: 'bye',
      })
      expect(problemsOf(input)).toEqual([
        {
          code: 'invalid_expression',
          nodeId: 'route',
          path: 'nodes.2.branches.0.when',
          message: 'invalid expression: assignment is not allowed; compare with == (at column 8)',
        },
        {
          code: 'invalid_expression',
          nodeId: 'route',
          path: 'nodes.2.branches.1.when',
          message:
            'invalid expression: method calls are not allowed; call one of the listed functions, like lower(name) (at column 8)',
        },
      ])
    })

    it('set and goal expressions are compiled too', () => {
      const input = flow({}, [])
      input.nodes[3] = { id: 'bye', type: 'goal', goal: 'demo.done', value: 'price *', next: 'end' }
      input.nodes.push({ id: 'end', type: 'end' })
      expect(problemsOf(input)).toEqual([
        {
          code: 'invalid_expression',
          nodeId: 'bye',
          path: 'nodes.3.value',
          message: 'invalid expression: Expected expression after * (at column 7)',
        },
      ])
    })

    it('template placeholders that are not variable paths', () => {
      const input = withNode(0, {
        id: 'hello',
        type: 'message',
        blocks: [{ kind: 'link_button', label: 'Pay {{ greeting * 2 }}', url: 'https://shop.example/pay' }],
        next: 'ask',
      })
      expect(problemsOf(input)).toEqual([
        {
          code: 'invalid_template',
          nodeId: 'hello',
          path: 'nodes.0.blocks.0.label',
          message:
            'invalid placeholder {{ greeting * 2 }}: only a variable path is allowed here, like order.items[0].name',
        },
      ])
    })

    it('unknown connections, only when the tenant connections are given', () => {
      const input = withNode(3, { id: 'bye', type: 'connection', connection: 'erp', next: 'end' })
      input.nodes.push({ id: 'end', type: 'end' })
      expect(problemsOf(input)).toEqual([])
      expect(problemsOf(input, [])).toEqual([
        {
          code: 'unknown_connection',
          nodeId: 'bye',
          path: 'nodes.3.connection',
          message: 'unknown connection "erp" (none configured)',
        },
      ])
    })

    it('connection map paths the response reader cannot read', () => {
      const input = withNode(3, {
        id: 'bye',
        type: 'connection',
        connection: 'shop',
        map: [
          { variable: 'status', path: 'order.status' },
          { variable: 'total', path: 'order..total' },
        ],
        next: 'end',
      })
      input.nodes.push({ id: 'end', type: 'end' })
      expect(problemsOf(input)).toEqual([
        {
          code: 'invalid_response_path',
          nodeId: 'bye',
          path: 'nodes.3.map.1.path',
          message: 'invalid response path "order..total": empty property name',
        },
      ])
    })

    it('cycles with no wait', () => {
      const input = flow({}, [
        { id: 'loop_a', type: 'set', assign: [{ variable: 'n', value: '1' }], next: 'loop_b' },
        { id: 'loop_b', type: 'message', blocks: [{ kind: 'text', markdown: 'again' }], next: 'loop_a' },
      ])
      input.nodes[2] = {
        id: 'route',
        type: 'condition',
        branches: [{ when: 'choice == "yes"', next: 'loop_a' }],
        else: 'bye',
      }
      expect(problemsOf(input)).toEqual([
        {
          code: 'cycle_without_wait',
          nodeId: 'loop_a',
          path: 'nodes.4',
          message:
            'cycle with no wait: loop_a -> loop_b -> loop_a would run forever in one turn; route it through an ask, delay, connection or llm node',
        },
      ])
    })

    it('a node that loops to itself is a cycle too', () => {
      const input = withNode(2, {
        id: 'route',
        type: 'condition',
        branches: [{ when: 'choice == "no"', next: 'route' }],
        else: 'bye',
      })
      expect(problemsOf(input)).toMatchObject([
        { code: 'cycle_without_wait', nodeId: 'route', message: expect.stringContaining('route -> route') },
      ])
    })

    it('cycles through an ask, delay or connection are fine', () => {
      const input = withNode(2, {
        id: 'route',
        type: 'condition',
        branches: [{ when: 'choice == "no"', next: 'hello' }],
        else: 'wait',
      })
      input.nodes.push(
        { id: 'wait', type: 'delay', seconds: 5, next: 'poll' },
        {
          id: 'poll',
          type: 'connection',
          connection: 'shop',
          map: [{ variable: 'ready', path: 'ready' }],
          next: 'check',
        },
        { id: 'check', type: 'condition', branches: [{ when: 'ready', next: 'bye' }], else: 'wait' },
      )
      expect(problemsOf(input)).toEqual([])
    })

    it('loops that never reach an end and never ask the user', () => {
      const input = withNode(2, {
        id: 'route',
        type: 'condition',
        branches: [{ when: 'choice == "yes"', next: 'nag' }],
        else: 'nag',
      })
      input.nodes.push(
        { id: 'nag', type: 'message', blocks: [{ kind: 'text', markdown: 'Still there?' }], next: 'pause' },
        { id: 'pause', type: 'delay', seconds: 60, next: 'nag' },
      )
      expect(problemsOf(input)).toEqual([
        {
          code: 'unreachable_node',
          nodeId: 'bye',
          path: 'nodes.3',
          message: 'not reachable from the start node "hello"',
        },
        {
          code: 'never_ends',
          nodeId: 'nag',
          path: 'nodes.4',
          message:
            'the loop nag -> pause -> nag never reaches an end, abort or handoff and never asks the user; it would run forever',
        },
      ])
    })

    it('a menu loop that always asks again is fine without an end', () => {
      const input = withNode(2, {
        id: 'route',
        type: 'condition',
        branches: [{ when: 'choice == "yes"', next: 'hello' }],
        else: 'hello',
      })
      input.nodes.pop()
      expect(problemsOf(input)).toEqual([])
    })

    it('form fields: options only on select fields, file and range settings on the right types', () => {
      const input = withNode(1, {
        id: 'ask',
        type: 'ask',
        input: {
          kind: 'form',
          fields: [
            { name: 'size', label: 'Size', type: 'select' },
            {
              name: 'note',
              label: 'Note',
              type: 'text',
              options: [{ label: 'A', value: 'a' }],
              accept: ['image/png'],
            },
            { name: 'qty', label: 'Quantity', type: 'number', min: 5, max: 1 },
            {
              name: 'colors',
              label: 'Colors',
              type: 'multi_select',
              options: [
                { label: 'Red', value: 'red' },
                { label: 'Rot', value: 'red' },
              ],
            },
            { name: 'size', label: 'Size again', type: 'date', min: 1 },
          ],
        },
        next: 'route',
      })
      input.variables = { greeting: 'Hi', choice: null }
      const invalid = (path: string, message: string) => ({
        code: 'invalid_field',
        nodeId: 'ask',
        path,
        message,
      })
      expect(problemsOf(input)).toEqual([
        invalid('nodes.1.input.fields.4.name', 'duplicate field name in this form'),
        invalid('nodes.1.input.fields.0.options', 'a select field needs options'),
        invalid('nodes.1.input.fields.1.options', 'only select and multi_select fields take options'),
        invalid('nodes.1.input.fields.1.accept', 'only file fields take accept'),
        invalid('nodes.1.input.fields.2.min', 'min is above max'),
        invalid('nodes.1.input.fields.3.options.1.value', 'duplicate option value'),
        invalid('nodes.1.input.fields.4.min', 'only text and number fields take min'),
      ])
    })

    it('duplicate button values', () => {
      const input = withNode(1, {
        id: 'ask',
        type: 'ask',
        input: {
          kind: 'buttons',
          variable: 'choice',
          options: [
            { label: 'Yes', value: 'y' },
            { label: 'Sure', value: 'y' },
          ],
        },
        next: 'route',
      })
      expect(problemsOf(input)).toEqual([
        {
          code: 'invalid_field',
          nodeId: 'ask',
          path: 'nodes.1.input.options.1.value',
          message: 'duplicate button value',
        },
      ])
    })
  })

  it('reports several problems at once', () => {
    const input = flow({ start: 'hello' }, [
      { id: 'hello', type: 'end' },
      { id: 'spin', type: 'set', assign: [{ variable: 'x', value: 'x +' }], next: 'spin' },
    ])
    input.nodes[3] = { id: 'bye', type: 'end', message: 'Bye {{who}}' }
    expect(problemsOf(input).map((p) => [p.code, p.nodeId, p.path])).toEqual([
      ['duplicate_node_id', 'hello', 'nodes.4.id'],
      ['unknown_variable', 'bye', 'nodes.3.message'],
      ['invalid_expression', 'spin', 'nodes.5.assign.0.value'],
      ['cycle_without_wait', 'spin', 'nodes.5'],
      ['unreachable_node', 'spin', 'nodes.5'],
    ])
  })

  it('still runs the per-node checks when the schema rejects some nodes', () => {
    const input = flow({}, [{ id: 'broken', type: 'teleport' } as unknown as NodeInput])
    input.nodes[2] = {
      id: 'route',
      type: 'condition',
      branches: [{ when: 'choice ==', next: 'broken' }],
      else: 'nope',
    }
    expect(problemsOf(input)).toEqual([
      {
        code: 'schema',
        nodeId: 'broken',
        path: 'nodes.4.type',
        message: expect.stringContaining('Invalid discriminator value'),
      },
      {
        code: 'missing_target',
        nodeId: 'route',
        path: 'nodes.2.else',
        message: 'target node "nope" does not exist',
      },
      {
        code: 'invalid_expression',
        nodeId: 'route',
        path: 'nodes.2.branches.0.when',
        message: expect.stringContaining('Expected expression after =='),
      },
    ])
  })
})

describe('nodeTemplates', () => {
  it('lists every rendered text field of a node', () => {
    const example = JSON.parse(readFileSync(new URL('./examples/order-status.json', import.meta.url), 'utf8'))
    const result = validateFlow(example)
    if (!result.ok) throw new Error('example must be valid')
    const shipped = result.flow.nodes.find((node) => node.id === 'shipped')
    expect(nodeTemplates(shipped as NonNullable<typeof shipped>).map((t) => t.field)).toEqual([
      'blocks.0.markdown',
      'blocks.1.product.title',
      'blocks.1.product.price',
      'blocks.1.product.imageUrl',
      'blocks.1.product.url',
      'blocks.2.label',
      'blocks.2.url',
    ])
  })
})
