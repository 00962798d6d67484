import {
  type CompiledExpression,
  compilePath,
  ExpressionError,
  type ExpressionVariables,
  stringifyValue,
} from './evaluate-expression.ts'

/**
 * Text templates: `{{ path }}` is replaced by the value at a variable path (`{{order.items[0].name}}`,
 * `{{context.text}}`). Paths only, no expressions: computed text belongs in a `set` node, where it is
 * validated and visible. Missing values render as "", numbers and booleans as text, arrays and objects
 * as JSON. Values are inserted as they are (no Markdown or HTML escaping). A placeholder that is not a
 * valid path stays in the text verbatim, and validation reports it. There is no escape for a literal `{{`.
 */

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g

export interface TemplatePlaceholder {
  /** The placeholder as written, braces included. */
  readonly text: string
  readonly index: number
  readonly path?: CompiledExpression
  /** Why the placeholder is not a valid path; set exactly when `path` is not. */
  readonly error?: string
}

// Flow texts repeat every turn; parsing once per distinct text keeps rendering cheap.
const cache = new Map<string, readonly TemplatePlaceholder[]>()
const CACHE_LIMIT = 2_000

export function parseTemplate(text: string): readonly TemplatePlaceholder[] {
  const cached = cache.get(text)
  if (cached) return cached
  const placeholders = [...text.matchAll(PLACEHOLDER)].map((match): TemplatePlaceholder => {
    const source = (match[1] ?? '').trim()
    const base = { text: match[0], index: match.index }
    if (source === '') return { ...base, error: 'empty placeholder' }
    try {
      return { ...base, path: compilePath(source) }
    } catch (error) {
      // The column inside a placeholder would mislead in a longer text, so only the reason is kept.
      return { ...base, error: error instanceof ExpressionError ? error.reason : String(error) }
    }
  })
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(text, placeholders)
  return placeholders
}

export interface RenderOptions {
  /** Applied to each substituted value, e.g. `encodeURIComponent` for a connection's path. */
  encode?: (value: string) => string
}

export function renderTemplate(
  text: string,
  variables: ExpressionVariables,
  options: RenderOptions = {},
): string {
  const encode = options.encode ?? ((value: string) => value)
  const placeholders = parseTemplate(text)
  if (placeholders.length === 0) return text
  let result = ''
  let cursor = 0
  for (const placeholder of placeholders) {
    result += text.slice(cursor, placeholder.index)
    result += placeholder.path
      ? encode(stringifyValue(placeholder.path.evaluate(variables)))
      : placeholder.text
    cursor = placeholder.index + placeholder.text.length
  }
  return result + text.slice(cursor)
}

/**
 * Renders a URL field (`{{product.url}}`, `https://shop.example/p/{{sku}}`) and returns it only when the
 * result is an absolute http(s) URL, normalised; anything else (`javascript:`, relative, empty) is
 * undefined, so the caller drops the field instead of sending it to the widget.
 */
export function renderUrl(text: string, variables: ExpressionVariables): string | undefined {
  const rendered = renderTemplate(text, variables).trim()
  if (!URL.canParse(rendered)) return undefined
  const url = new URL(rendered)
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
}

/** Root variable names the template reads, in order of first use; invalid placeholders are skipped. */
export function templateReferences(text: string): string[] {
  const names = parseTemplate(text).flatMap((placeholder) => placeholder.path?.references ?? [])
  return [...new Set(names)]
}

/** The placeholders that are not valid paths, with the reason. */
export function templateErrors(text: string): { placeholder: string; message: string }[] {
  return parseTemplate(text).flatMap((placeholder) =>
    placeholder.error === undefined ? [] : [{ placeholder: placeholder.text, message: placeholder.error }],
  )
}
