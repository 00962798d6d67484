/** Searches over a directed graph of string ids, given each id's successors as `next`. */

export function reachableFrom(from: string[], next: (id: string) => string[]): Set<string> {
  const seen = new Set(from)
  const queue = [...from]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const target of next(id)) {
      if (!seen.has(target)) {
        seen.add(target)
        queue.push(target)
      }
    }
  }
  return seen
}

/** Strongly connected components that contain a cycle (Tarjan), each in document order. */
export function cyclicComponents(ids: string[], next: (id: string) => string[]): string[][] {
  const order = new Map(ids.map((id, i) => [id, i]))
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (id: string) => {
    index.set(id, index.size)
    low.set(id, index.get(id) as number)
    stack.push(id)
    onStack.add(id)
    for (const target of next(id)) {
      if (!index.has(target)) visit(target)
      if (onStack.has(target)) low.set(id, Math.min(low.get(id) as number, low.get(target) as number))
    }
    if (low.get(id) !== index.get(id)) return
    const component: string[] = []
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member)
      component.push(member)
      if (member === id) break
    }
    if (component.length > 1 || next(id).includes(id)) {
      found.push(component.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)))
    }
  }
  for (const id of ids) if (!index.has(id)) visit(id)
  return found.sort((a, b) => (order.get(a[0] as string) ?? 0) - (order.get(b[0] as string) ?? 0))
}

/** One concrete loop through a component's first node: "a -> b -> a". */
export function describeCycle(component: string[], next: (id: string) => string[]): string {
  const first = component[0] as string
  const members = new Set(component)
  const parent = new Map<string, string>()
  const queue = [first]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const target of next(id).filter((t) => members.has(t))) {
      if (target === first) {
        const steps: string[] = []
        for (
          let step: string | undefined = id;
          step !== undefined && step !== first;
          step = parent.get(step)
        ) {
          steps.unshift(step)
        }
        return [first, ...steps, first].join(' -> ')
      }
      if (!parent.has(target)) {
        parent.set(target, id)
        queue.push(target)
      }
    }
  }
  return component.join(' -> ')
}
