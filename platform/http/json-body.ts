import { AppError } from '../errors/catalog.ts'

/**
 * No JSON body may nest deeper than this. JSON.parse and secure-json-parse are iterative, but
 * JSON.stringify, structured clones and many validators recurse: a body nested 100,000 levels deep
 * would overflow the stack wherever it is serialised later. Every schema field nests far less (free-form
 * fields are bounded by boundedJson), so the parser refuses such bodies before anything else sees them.
 */
export const MAX_JSON_BODY_DEPTH = 64

const OPEN_OBJECT = 0x7b // {
const OPEN_ARRAY = 0x5b // [
const CLOSE_OBJECT = 0x7d // }
const CLOSE_ARRAY = 0x5d // ]
const QUOTE = 0x22 // "
const BACKSLASH = 0x5c // \

/**
 * Whether JSON text opens more than `maxDepth` objects or arrays at once, read without parsing (one
 * pass, jumping over strings, which hold most of a body's bytes). Brackets inside strings do not
 * count; malformed text is left to the parser.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index)
    if (char === QUOTE) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      for (;;) {
        index = text.indexOf('"', index + 1)
        if (index === -1) return false
        let slashes = 0
        while (text.charCodeAt(index - 1 - slashes) === BACKSLASH) slashes++
        if (slashes % 2 === 0) break
      }
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      depth++
      if (depth > maxDepth) return true
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      depth--
    }
  }
  return false
}

/** Refuses (400 validation_failed) JSON text nested deeper than MAX_JSON_BODY_DEPTH. */
export function refuseDeepJson(text: string): void {
  if (nestsDeeperThan(text, MAX_JSON_BODY_DEPTH)) {
    throw new AppError(
      'validation_failed',
      `the JSON body nests deeper than ${MAX_JSON_BODY_DEPTH} levels of objects and arrays`,
    )
  }
}
