/**
 * Safe Markdown for text blocks: built as DOM nodes (text nodes, never innerHTML), so a flow's text can
 * never inject markup. Paragraphs, line breaks, `- ` lists, **bold**, *italic*, `code` and
 * [links](https://...) (http(s) only, opened in a new tab without an opener).
 */
export function renderMarkdown(markdown: string): DocumentFragment {
  const fragment = document.createDocumentFragment()
  for (const paragraph of markdown.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = paragraph.split('\n')
    if (lines.every((line) => /^\s*[-*] /.test(line))) {
      const list = document.createElement('ul')
      for (const line of lines) {
        const item = document.createElement('li')
        item.append(...inline(line.replace(/^\s*[-*] /, '')))
        list.append(item)
      }
      fragment.append(list)
      continue
    }
    const p = document.createElement('p')
    lines.forEach((line, index) => {
      if (index > 0) p.append(document.createElement('br'))
      p.append(...inline(line))
    })
    fragment.append(p)
  }
  return fragment
}

const INLINE = /(\*\*([^*]+)\*\*|\*([^*]+)\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\))/

function inline(text: string): Node[] {
  const nodes: Node[] = []
  let rest = text
  for (let match = INLINE.exec(rest); match; match = INLINE.exec(rest)) {
    if (match.index > 0) nodes.push(document.createTextNode(rest.slice(0, match.index)))
    const [whole, , bold, italic, code, label, href] = match
    if (bold !== undefined) nodes.push(wrap('strong', bold))
    else if (italic !== undefined) nodes.push(wrap('em', italic))
    else if (code !== undefined) nodes.push(wrap('code', code))
    else if (label !== undefined && href !== undefined) nodes.push(link(label, href))
    rest = rest.slice(match.index + whole.length)
  }
  if (rest) nodes.push(document.createTextNode(rest))
  return nodes
}

function wrap(tag: string, text: string): HTMLElement {
  const element = document.createElement(tag)
  element.textContent = text
  return element
}

function link(label: string, href: string): Node {
  const url = safeUrl(href)
  if (!url) return document.createTextNode(label)
  const a = document.createElement('a')
  a.href = url
  a.target = '_blank'
  a.rel = 'noopener noreferrer'
  a.textContent = label
  return a
}

/** The URL when it is absolute http(s), else undefined (javascript:, data:, relative tricks). */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}
