import { fileTypeFromBuffer } from 'file-type'

/**
 * Types a browser can run script in (directly, or through an XML stylesheet or plugin). They never
 * pass any upload field, whatever its `accept` says: an upload is a visitor's file, not page content.
 */
const SCRIPTABLE = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'application/xml',
  'text/xml',
  'text/javascript',
  'application/javascript',
  'application/ecmascript',
  'text/ecmascript',
  'application/x-shockwave-flash',
])

/** Every `+xml` type can carry XHTML or an XSLT stylesheet. */
const isScriptable = (type: string) => SCRIPTABLE.has(type) || type.endsWith('+xml')

/** Text has no magic bytes: the declared type is kept when it is one of these, else `text/plain`. */
const TEXT_TYPES: Record<string, string> = {
  'text/plain': 'text/plain',
  'text/csv': 'text/csv',
  'application/csv': 'text/csv',
  // What Windows browsers declare for a .csv file.
  'application/vnd.ms-excel': 'text/csv',
  'text/markdown': 'text/markdown',
  'text/x-markdown': 'text/markdown',
}

/** Other names browsers and tools give the same format. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/x-ms-bmp': 'image/bmp',
  'application/x-pdf': 'application/pdf',
  'application/x-zip-compressed': 'application/zip',
  'audio/mp3': 'audio/mpeg',
}

/** Declared types that claim nothing about the content. */
const GENERIC = new Set(['', 'application/octet-stream', 'application/unknown', 'binary/octet-stream'])

const MARKUP =
  /<(?:[?!]|\/?(?:html|head|body|script|svg|iframe|object|embed|meta|link|style|img|a|div|form|xml)\b)/i

export type SniffResult =
  | { ok: true; contentType: string }
  | { ok: false; reason: 'scriptable' | 'mismatch'; detected: string; declared: string }

/** The MIME type without parameters, lower-cased, with aliases folded into one name. */
export function normalizeType(contentType: string): string {
  const bare = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return ALIASES[bare] ?? bare
}

/**
 * Decides an upload's type from its bytes: known signatures first (file-type), then text, which is
 * markup when it opens a tag anywhere in its first 8 KiB (browsers sniff that far for HTML), else the
 * declared text type. A declared type that the bytes contradict is a mismatch, and scriptable content
 * is refused whatever was declared.
 */
export async function sniffContentType(bytes: Uint8Array, declared: string): Promise<SniffResult> {
  const declaredType = normalizeType(declared)
  const detected = await detect(bytes, declaredType)
  if (isScriptable(detected)) return { ok: false, reason: 'scriptable', detected, declared: declaredType }
  const claimed = TEXT_TYPES[declaredType] ?? declaredType
  if (!GENERIC.has(declaredType) && claimed !== detected)
    return { ok: false, reason: 'mismatch', detected, declared: declaredType }
  return { ok: true, contentType: detected }
}

async function detect(bytes: Uint8Array, declaredType: string): Promise<string> {
  const signature = await fileTypeFromBuffer(bytes)
  if (signature) return normalizeType(signature.mime)
  const text = decodeText(bytes)
  if (text === undefined) return 'application/octet-stream'
  const head = text.slice(0, 8_192)
  if (MARKUP.test(head)) return /<svg\b/i.test(head) ? 'image/svg+xml' : 'text/html'
  return TEXT_TYPES[declaredType] ?? 'text/plain'
}

/** The bytes as text when they are UTF-8 without control characters (tabs and line breaks aside). */
function decodeText(bytes: Uint8Array): string | undefined {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters mark binary content
  return /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text) ? undefined : text
}
