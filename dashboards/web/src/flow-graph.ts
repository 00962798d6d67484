import { html } from './ui.ts'

interface Node {
  id: string
  type: string
  label?: string
  [field: string]: unknown
}

/** The fields of flow-schema.ts that name the next node. */
const LINK_KEYS = new Set(['next', 'else', 'onError'])

/** Every reference from one node to another: any string field (outside `id`) naming another node. */
export function edgesOf(nodes: Node[]): { from: string; to: string; via: string }[] {
  const ids = new Set(nodes.map((node) => node.id))
  const edges: { from: string; to: string; via: string }[] = []
  const walk = (from: string, value: unknown, path: string) => {
    const key = path.split('.').pop() ?? ''
    if (typeof value === 'string' && ids.has(value) && LINK_KEYS.has(key)) {
      edges.push({ from, to: value, via: path })
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(from, item, `${path}.${index}`)
    } else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) walk(from, inner, path ? `${path}.${key}` : key)
  }
  for (const node of nodes) walk(node.id, { ...node, id: undefined }, '')
  return edges
}

const NODE_W = 150
const NODE_H = 44
const GAP_X = 40
const GAP_Y = 46

/** A read-only drawing of the flow: nodes in layers from the start node, edges as arrows. */
export function FlowGraph({
  flow,
  problems,
}: {
  flow: { start?: string; nodes?: Node[] }
  problems: Set<string>
}) {
  const nodes = (flow.nodes ?? []).filter((node) => node && typeof node.id === 'string')
  if (nodes.length === 0) return html`<p class="muted">No nodes to draw.</p>`
  const edges = edgesOf(nodes)
  const depth = new Map<string, number>()
  const queue = [flow.start ?? nodes[0]?.id ?? '']
  depth.set(queue[0] as string, 0)
  while (queue.length > 0) {
    const id = queue.shift() as string
    for (const edge of edges.filter((entry) => entry.from === id)) {
      if (!depth.has(edge.to)) {
        depth.set(edge.to, (depth.get(id) ?? 0) + 1)
        queue.push(edge.to)
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values())
  for (const node of nodes) if (!depth.has(node.id)) depth.set(node.id, maxDepth + 1)
  const layers = new Map<number, string[]>()
  for (const node of nodes)
    layers.set(depth.get(node.id) ?? 0, [...(layers.get(depth.get(node.id) ?? 0) ?? []), node.id])
  const position = new Map<string, { x: number; y: number }>()
  const widest = Math.max(...[...layers.values()].map((layer) => layer.length))
  for (const [level, ids] of layers) {
    const offset = ((widest - ids.length) * (NODE_W + GAP_X)) / 2
    for (const [index, id] of ids.entries()) {
      position.set(id, { x: offset + index * (NODE_W + GAP_X) + 10, y: level * (NODE_H + GAP_Y) + 10 })
    }
  }
  const width = widest * (NODE_W + GAP_X) + 20
  const height = (Math.max(...layers.keys()) + 1) * (NODE_H + GAP_Y) + 20
  return html`<svg class="flow-graph" viewBox=${`0 0 ${width} ${height}`} width=${width} height=${height} role="img" aria-label="Flow graph">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#7a869a" /></marker></defs>
    ${edges.map((edge) => {
      const a = position.get(edge.from)
      const b = position.get(edge.to)
      if (!a || !b) return null
      const x1 = a.x + NODE_W / 2
      const y1 = a.y + NODE_H
      const x2 = b.x + NODE_W / 2
      const y2 = b.y
      const back = y2 <= y1
      const d = back
        ? `M ${x1} ${y1} C ${x1 + 80} ${y1 + 40}, ${x2 + 80} ${y2 - 40}, ${x2} ${y2}`
        : `M ${x1} ${y1} C ${x1} ${(y1 + y2) / 2}, ${x2} ${(y1 + y2) / 2}, ${x2} ${y2}`
      return html`<path class="edge" d=${d} marker-end="url(#arrow)"><title>${edge.from} → ${edge.to} (${edge.via})</title></path>`
    })}
    ${nodes.map((node) => {
      const at = position.get(node.id) ?? { x: 0, y: 0 }
      return html`<g class=${`node node-${node.type} ${problems.has(node.id) ? 'has-problem' : ''}`} transform=${`translate(${at.x},${at.y})`} data-node=${node.id}>
        <rect width=${NODE_W} height=${NODE_H} rx="8" />
        <text x="10" y="18" class="node-type">${node.type}${node.id === flow.start ? ' · start' : ''}</text>
        <text x="10" y="35" class="node-id">${(node.label ?? node.id).slice(0, 20)}</text>
      </g>`
    })}
  </svg>`
}
