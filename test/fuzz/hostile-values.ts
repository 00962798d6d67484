import fc from 'fast-check'

/** JSON text spliced verbatim into a generated body: nesting too deep to build as a value, raw keys. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Names that look up the prototype chain when a lookup uses a plain object. */
export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
]

/** Timezones luxon or ClickHouse may disagree on, and ones nobody knows. */
export const ODD_TIMEZONES = [
  'utc',
  'UTC',
  'Europe/berlin',
  'SystemV/AST4',
  'Etc/GMT+14',
  'Etc/GMT-14',
  'Mars/Olympus',
  '+14:00',
  'local',
  'America/Argentina/ComodRivadavia',
  'Pacific/Kiritimati',
  'Asia/Kathmandu',
]

/** Dates at and past the edges of every range a store or a date library supports. */
export const FAR_DATES = [
  '1970-01-01',
  '1969-12-31',
  '0001-01-01',
  '0000-01-01',
  '9999-12-30',
  '9999-12-31',
  '2106-02-07',
  '2299-12-31',
  '1900-01-01',
  '2026-02-29',
  '2024-02-29',
  '2026-13-01',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-06-10T25:00:00Z',
  '+275760-09-13T00:00:00.000Z',
]

const FIXED_STRINGS = [
  '',
  ' ',
  '\t',
  '\u0000',
  'a\u0000b',
  'a\r\nb',
  '\n=HYPERLINK("http://x")',
  '=1+1',
  '@SUM(A1)',
  '\ud800',
  '\uffff',
  '👩‍👩‍👧‍👦',
  '\u202eevil',
  '../../etc/passwd',
  '%00',
  '%zz',
  "' OR 1=1 --",
  '"; DROP TABLE events; --',
  '{{constructor.constructor("return process")()}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e308',
  '9007199254740993',
  'true',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::127.0.0.1]/',
  'http://[::ffff:127.0.0.1]/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'sk_',
  'pk_',
  'x'.repeat(65),
  'x'.repeat(257),
  'x'.repeat(4_097),
  ...PROTOTYPE_NAMES,
  ...ODD_TIMEZONES,
  ...FAR_DATES,
]

/** A string a careful server must handle: fixed hostile ones, huge ones, and random unicode. */
export function hostileString(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...FIXED_STRINGS), weight: 6 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
    { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
    { arbitrary: fc.constantFrom(100_000, 300_000).map((n) => 'x'.repeat(n)), weight: 1 },
  )
}

export const HOSTILE_NUMBERS = [
  -1,
  0,
  -0,
  1,
  0.5,
  -0.000001,
  1e-300,
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e21,
  1e308,
  -1e308,
  4_294_967_296,
]

/** Text that is JSON nested `depth` levels deep: stringify could not build it (stack overflow). */
export const deeplyNested = (depth: number, array = false) =>
  new RawJson(
    array ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  )

/** An object whose keys are prototype names, as raw JSON so `__proto__` really is sent as a key. */
const prototypeKeyed = fc
  .constantFrom(...PROTOTYPE_NAMES)
  .map((name) => new RawJson(`{${JSON.stringify(name)}:{"polluted":true},"x":1}`))

/** A JSON value of the wrong kind for almost any field. */
export function hostileJsonValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: hostileString(), weight: 6 },
    { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 3 },
    { arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], ['']), weight: 2 },
    { arbitrary: fc.constantFrom(64, 1_000, 10_000).map((d) => deeplyNested(d)), weight: 1 },
    { arbitrary: fc.constantFrom(1_000, 10_000).map((d) => deeplyNested(d, true)), weight: 1 },
    { arbitrary: prototypeKeyed, weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
    { arbitrary: fc.array(hostileStringShort(), { maxLength: 3 }), weight: 1 },
  )
}

function hostileStringShort(): fc.Arbitrary<string> {
  return fc.constantFrom(...FIXED_STRINGS)
}

/** Serialises a value holding RawJson parts: each part's text replaces its placeholder string. */
export function toJsonText(value: unknown): string {
  const raws: string[] = []
  const nonce = Math.random().toString(36).slice(2)
  const text = JSON.stringify(value, (_key, part: unknown) => {
    if (part instanceof RawJson) {
      raws.push(part.text)
      return `@@raw-${nonce}-${raws.length - 1}@@`
    }
    return part
  })
  if (text === undefined) return ''
  return text.replace(
    new RegExp(`"@@raw-${nonce}-(\\d+)@@"`, 'g'),
    (_match, index: string) => raws[Number(index)] ?? '',
  )
}

/** Whole bodies that are not the JSON a route expects at all. */
export function hostileBodyText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'null',
      '[]',
      '{}',
      '"x"',
      '42',
      'true',
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      '{"a":1}{"b":2}',
      '\u0000',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      `{"a":"${'\\u0000'.repeat(100)}"}`,
      `{"a":"\\ud800"}`,
      '\ufeff{}',
    ),
    fc.constantFrom(1_000, 5_000, 20_000).map((depth) => deeplyNested(depth).text),
    fc.constantFrom(1_000, 50_000).map((depth) => deeplyNested(depth, true).text),
    fc.constantFrom(600_000, 2_000_000).map((n) => JSON.stringify({ a: 'x'.repeat(n) })),
    fc.string({ unit: 'binary', maxLength: 200 }),
  )
}
