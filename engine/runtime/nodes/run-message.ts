import { renderTemplate, renderUrl } from '../../expressions/render-template.ts'
import type { MessageBlock, Product } from '../../flows/flow-schema.ts'
import type { Block, RenderedProduct } from '../execution.ts'
import type { NodeContext, NodeOf, NodeOutcome } from '../node-outcome.ts'

export function runMessage(node: NodeOf<'message'>, context: NodeContext): NodeOutcome {
  const blocks = node.blocks.map((block, index) =>
    renderBlock(block, `${node.id}.${index}`, context.variables),
  )
  return { kind: 'next', next: node.next, blocks }
}

/**
 * URL fields are templates too; one that does not render to an absolute http(s) URL is dropped (an
 * image or link block becomes a text block), so neither `javascript:` nor a raw `{{...}}` reaches a widget.
 */
function renderBlock(block: MessageBlock, id: string, variables: NodeContext['variables']): Block {
  const render = (text: string) => renderTemplate(text, variables)
  const url = (text: string) => renderUrl(text, variables)
  switch (block.kind) {
    case 'text':
      return { id, type: 'text', markdown: render(block.markdown) }
    case 'image': {
      const src = url(block.url)
      return src
        ? { id, type: 'image', url: src, alt: render(block.alt) }
        : { id, type: 'text', markdown: render(block.alt) }
    }
    case 'product_card':
      return { id, type: 'product_card', product: renderProduct(block.product, render, url) }
    case 'carousel':
      return {
        id,
        type: 'carousel',
        products: block.products.map((product) => renderProduct(product, render, url)),
      }
    case 'link_button': {
      const href = url(block.url)
      return href
        ? { id, type: 'link_button', label: render(block.label), url: href }
        : { id, type: 'text', markdown: render(block.label) }
    }
  }
}

function renderProduct(
  product: Product,
  render: (text: string) => string,
  url: (text: string) => string | undefined,
): RenderedProduct {
  const imageUrl = product.imageUrl === undefined ? undefined : url(product.imageUrl)
  const link = product.url === undefined ? undefined : url(product.url)
  return {
    title: render(product.title),
    ...(product.description === undefined ? {} : { description: render(product.description) }),
    ...(product.price === undefined ? {} : { price: render(product.price) }),
    ...(imageUrl === undefined ? {} : { imageUrl }),
    ...(link === undefined ? {} : { url: link }),
  }
}
