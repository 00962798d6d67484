import fc from 'fast-check'
import { hostileBodyText, hostileString, toJsonText } from './hostile-values.ts'
import type { Operation, Parameter } from './openapi-operations.ts'
import { mutatedValue, schemaValue } from './schema-arbitrary.ts'
import type { Credential, Seeded } from './seed-tenants.ts'

/** One generated request, printable as a repro. */
export interface FuzzRequest {
  operation: string
  credential: string
  method: string
  url: string
  headers: Record<string, string>
  /** Multipart bodies are latin1 text so every byte survives; others are UTF-8. */
  body?: string
}

const JSON_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/json; charset=utf-16le',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'application/xml',
  '',
]

/** Header values a client can actually send (no CR, LF or NUL), the rest of the hostile strings kept. */
const headerSafe = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value)

const QUERY_TAILS = [
  '',
  '',
  '',
  '',
  '&%zz',
  '&a=%E0%A4%A',
  '&__proto__[x]=1',
  '&constructor=1',
  '&format=csv&format=pdf',
  '&limit=1&limit=-1',
]

/** Requests for one operation: every parameter, header and body drawn from its schema, the seed, or hostile pools. */
export function requestArbitrary(operation: Operation, seeded: Seeded): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((p) => p.in === 'path')
  const queryParams = operation.parameters.filter((p) => p.in === 'query')
  const pathArb = fc.tuple(...pathParams.map((p) => pathValue(p, seeded)))
  const queryArb = mutatedQuery(queryParams, seeded)
  return fc
    .record({
      credential: credentialArbitrary(operation, seeded),
      path: pathArb,
      query: queryArb,
      extraQuery: fc.array(
        fc.tuple(fc.constantFrom('__proto__', 'constructor', 'x', 'publicKey', 'a[b]'), hostileString()),
        { maxLength: 2 },
      ),
      tail: fc.constantFrom(...QUERY_TAILS),
      body: bodyArbitrary(operation, seeded),
      idempotencyKey: fc.option(hostileString().filter(headerSafe), { freq: 2, nil: undefined }),
      origin: fc.constantFrom<string | undefined>(
        undefined,
        undefined,
        undefined,
        'https://evil.example',
        'null',
      ),
    })
    .map((drawn) => {
      let path = operation.path
      pathParams.forEach((parameter, index) => {
        path = path.replace(`{${parameter.name}}`, encodeLoosely(drawn.path[index] ?? ''))
      })
      const pairs: Array<[string, string]> = []
      queryParams.forEach((parameter, index) => {
        const value = drawn.query[index]
        if (value !== undefined) pairs.push([parameter.name, value])
      })
      pairs.push(...drawn.extraQuery)
      const query = pairs.map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`).join('&') + drawn.tail
      const headers: Record<string, string> = { ...drawn.credential.headers }
      if (drawn.origin !== undefined) headers.origin = drawn.origin
      if (drawn.idempotencyKey !== undefined) headers['idempotency-key'] = drawn.idempotencyKey
      if (drawn.body?.contentType) headers['content-type'] = drawn.body.contentType
      return {
        operation: operation.id,
        credential: drawn.credential.name,
        method: operation.method,
        url: query ? `${path}?${query.replace(/^&/, '')}` : path,
        headers,
        ...(drawn.body === undefined ? {} : { body: drawn.body.text }),
      }
    })
}

/** Every credential, leaning on the ones the route accepts so requests get past authentication. */
function credentialArbitrary(operation: Operation, seeded: Seeded): fc.Arbitrary<Credential> {
  const favoured: Record<Operation['security'], string[]> = {
    secretKey: ['admin', 'admin', 'admin', 'engine', 'analyst', 'rival-admin'],
    operatorToken: ['operator', 'operator', 'operator', 'operator'],
    widget: ['widget', 'widget', 'widget', 'widget', 'rival-widget'],
    none: [],
  }
  const weight = (name: string) => 1 + favoured[operation.security].filter((n) => n === name).length * 2
  return fc.oneof(
    ...seeded.credentials.map((credential) => ({
      arbitrary: fc.constant(credential),
      weight: weight(credential.name),
    })),
  )
}

/** encodeURIComponent, except that a lone surrogate goes out as its (invalid UTF-8) WTF-8 bytes. */
function encodeLoosely(value: string): string {
  return value.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]|[^\ud800-\udfff]+/g, (part) => {
    const code = part.charCodeAt(0)
    if (part.length > 1 || code < 0xd800 || code > 0xdfff) return encodeURIComponent(part)
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
      .map((byte) => `%${byte.toString(16).toUpperCase()}`)
      .join('')
  })
}

function pathValue(parameter: Parameter, seeded: Seeded): fc.Arbitrary<string> {
  const hinted = seeded.hints[parameter.name] as string[] | undefined
  return fc.oneof(
    { arbitrary: hinted ? fc.constantFrom(...hinted) : asText(schemaValue(parameter.schema, {})), weight: 5 },
    { arbitrary: hostileString(), weight: 2 },
    { arbitrary: fc.uuid(), weight: 1 },
  )
}

/**
 * Query values that would pass (required ones always there, optional ones often), then zero to two
 * of them replaced by hostile strings or dropped: one bad value among good ones reaches deeper.
 */
function mutatedQuery(parameters: Parameter[], seeded: Seeded): fc.Arbitrary<Array<string | undefined>> {
  const plausible = fc.tuple(
    ...parameters.map((parameter) => {
      const value = asText(schemaValue(parameter.schema, seeded.hints, parameter.name))
      return parameter.required || parameter.name === 'metrics'
        ? value
        : fc.option(value, { freq: 3, nil: undefined })
    }),
  )
  const mutation = fc.record({ at: fc.nat(), drop: fc.boolean(), value: hostileString() })
  return fc.tuple(plausible, fc.array(mutation, { maxLength: 2 })).map(([values, mutations]) => {
    const result: Array<string | undefined> = [...values]
    for (const { at, drop, value } of mutations) {
      if (result.length === 0) break
      result[at % result.length] = drop ? undefined : value
    }
    return result
  })
}

const asText = (arbitrary: fc.Arbitrary<unknown>) =>
  arbitrary.map((value) =>
    Array.isArray(value)
      ? value.join(',')
      : typeof value === 'string'
        ? value
        : (JSON.stringify(value) ?? ''),
  )

interface DrawnBody {
  contentType: string | undefined
  text: string
}

function bodyArbitrary(operation: Operation, seeded: Seeded): fc.Arbitrary<DrawnBody | undefined> {
  if (operation.id === 'POST /v1/chat/uploads') return multipartBody()
  const examples = [
    ...(seeded.shop.examples[operation.id] ?? []),
    ...(seeded.rival.examples[operation.id] ?? []),
  ]
  const hasBody = operation.body !== undefined || examples.length > 0
  if (!hasBody) {
    return fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      { arbitrary: jsonText(hostileBodyText()), weight: 1 },
    )
  }
  const generated = schemaValue(operation.body, seeded.hints)
  const base = examples.length > 0 ? fc.oneof(fc.constantFrom(...examples), generated) : generated
  const text = fc.oneof(
    { arbitrary: mutatedValue(base).map(toJsonText), weight: 6 },
    { arbitrary: base.map(toJsonText), weight: 2 },
    { arbitrary: hostileBodyText(), weight: 1 },
  )
  return jsonText(text)
}

const jsonText = (text: fc.Arbitrary<string>) =>
  fc.record({ contentType: fc.constantFrom(...JSON_TYPES).map((t) => t || undefined), text })

const PNG = '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR'
const FILE_CONTENTS = [
  PNG,
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
  '<html><script>alert(1)</script></html>',
  '',
  'x'.repeat(3_000),
  `${PNG}${'\x00'.repeat(100_000)}`,
]
const FILE_TYPES = [
  'image/png',
  'image/svg+xml',
  'text/html',
  'application/octet-stream',
  '',
  'image/png; charset=utf-8',
]
const FILE_NAMES = [
  'photo.png',
  '../../etc/passwd',
  'a\u0000.png',
  '',
  'x'.repeat(1_000),
  '"quoted".png',
  'évil.svg',
]

/** multipart/form-data bodies: one file part, several, none, a missing boundary, hostile names and bytes. */
function multipartBody(): fc.Arbitrary<DrawnBody | undefined> {
  const boundary = 'fuzzBoundary7MA4YWxk'
  const part = fc.record({
    field: fc.constantFrom('file', 'photo', '', '__proto__'),
    filename: fc.constantFrom(...FILE_NAMES),
    type: fc.constantFrom(...FILE_TYPES),
    content: fc.constantFrom(...FILE_CONTENTS),
  })
  const body = fc
    .array(part, { minLength: 0, maxLength: 3 })
    .map((parts) =>
      [
        ...parts.map(
          (p) =>
            `--${boundary}\r\ncontent-disposition: form-data; name="${p.field}"; filename="${p.filename}"\r\n${p.type ? `content-type: ${p.type}\r\n` : ''}\r\n${p.content}\r\n`,
        ),
        `--${boundary}--\r\n`,
      ].join(''),
    )
  return fc.oneof(
    {
      arbitrary: body.map((text) => ({ contentType: `multipart/form-data; boundary=${boundary}`, text })),
      weight: 6,
    },
    { arbitrary: body.map((text) => ({ contentType: 'multipart/form-data', text })), weight: 1 },
    {
      arbitrary: fc.constant({
        contentType: `multipart/form-data; boundary=${boundary}`,
        text: `--${boundary}\r\ncontent-disposition: form-data; name="file"`,
      }),
      weight: 1,
    },
    { arbitrary: jsonText(hostileBodyText()), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  )
}
