import { describe, expect, it } from 'vitest'
import {
  compileExpression,
  compilePath,
  EXPRESSION_FUNCTIONS,
  ExpressionError,
  isTruthy,
  MAX_EXPRESSION_LENGTH,
} from './evaluate-expression.ts'

const variables = {
  n: 3,
  zero: 0,
  name: '  Ada ',
  status: 'shipped',
  empty: '',
  flag: true,
  nothing: null,
  tags: ['gift', 'express'],
  prices: [12.5, 3, 40],
  order: { status: 'shipped', total: 59.9, items: [{ name: 'Mug', qty: 2 }], meta: {} },
  context: { text: 'where is my order', locale: 'de' },
}

const run = (source: string, vars: Record<string, unknown> = variables) =>
  compileExpression(source).evaluate(vars)

describe('compileExpression: evaluation', () => {
  it.each([
    // literals
    ['42', 42],
    ['1.5e2', 150],
    ['"double"', 'double'],
    ["'single'", 'single'],
    ['true', true],
    ['null', null],
    ['[1, "a", null]', [1, 'a', null]],
    // variables and paths
    ['n', 3],
    ['order.status', 'shipped'],
    ['order.items[0].name', 'Mug'],
    ['order["status"]', 'shipped'],
    ['order.items[n - 3].qty', 2],
    ['context.text', 'where is my order'],
    ['order?.status', 'shipped'],
    // missing anything is null, never an error
    ['missing', null],
    ['missing.deep.path', null],
    ['order.items[5].name', null],
    ['order.items[-1]', null],
    ['order.items.length', null],
    ['n.foo', null],
    ['status[0]', null],
    // precedence: * before +, comparison before and, and before or
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['n > 2 and n < 5', true],
    ['false and false or true', true],
    ['true or false and false', true],
    ['1 + 1 == 2', true],
    ['not flag or true', true],
    ['n > 2 ? "big" : "small"', 'big'],
    ['nothing ? 1 : zero ? 2 : 3', 3],
    // comparison never converts types
    ['n == 3', true],
    ['n == "3"', false],
    ['n != "3"', true],
    ['nothing == null', true],
    ['missing == null', true],
    ['tags == ["gift", "express"]', true],
    ['order.items == order.items', true],
    ['order.meta == context', false],
    ['"apple" < "banana"', true],
    ['"10" < 9', false],
    ['nothing < 1', false],
    ['nothing >= 0', false],
    ['n >= 3', true],
    // logic: && || ! twins, results are booleans, truthiness rules
    ['flag && n', true],
    ['empty || zero', false],
    ['!empty', true],
    ['not tags', false],
    ['not order.meta', true],
    ['nothing ?? "fallback"', 'fallback'],
    ['zero ?? 5', 0],
    // arithmetic: + concatenates when either side is a string, null rules otherwise
    ['"Order " + n', 'Order 3'],
    ['n + " items"', '3 items'],
    ['"Hi " + missing', 'Hi '],
    ['"flag: " + flag', 'flag: true'],
    ['n + nothing', null],
    ['n + true', null],
    ['"3" * 2', null],
    ['-n', -3],
    ['-status', null],
    ['7 % 4', 3],
    ['n / 0', null],
    ['n % 0', null],
    ['0 / 0', null],
    ['1e308 * 10', null],
    ['order.total * 2', 119.8],
    // in
    ['"gift" in tags', true],
    ['"GIFT" in tags', false],
    ['"ship" in status', true],
    ['status in ["paid", "shipped"]', true],
    ['1 in nothing', false],
    ['"status" in order', false],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })
})

describe('compileExpression: functions', () => {
  it.each([
    ['lower("ÄBC")', 'äbc'],
    ['upper(status)', 'SHIPPED'],
    ['trim(name)', 'Ada'],
    ['lower(missing)', null],
    ['upper(n)', '3'],
    ['len("héllo")', 5],
    ['len(tags)', 2],
    ['len(order)', 4],
    ['len(missing)', 0],
    ['len(n)', null],
    ['contains(tags, "gift")', true],
    ['contains(context.text, "order")', true],
    ['contains(missing, "x")', false],
    ['startsWith(status, "ship")', true],
    ['startsWith(missing, "")', false],
    ['number("12.5")', 12.5],
    ['number(" 7 ")', 7],
    ['number("")', null],
    ['number("abc")', null],
    ['number(true)', 1],
    ['number(missing)', null],
    ['string(n)', '3'],
    ['string(missing)', ''],
    ['string(tags)', '["gift","express"]'],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.005, 2)', 1.01],
    ['round(order.total, 0)', 60],
    ['round(n, 11)', null],
    ['round(n, 1.5)', null],
    ['round("2.5")', null],
    ['min(3, 1, 2)', 1],
    ['max(prices)', 40],
    ['min(prices, 1)', 1],
    ['max(missing, 4)', 4],
    ['max(missing)', null],
    ['max(1, "2")', null],
    ['isEmpty(missing)', true],
    ['isEmpty("   ")', true],
    ['isEmpty(empty)', true],
    ['isEmpty([])', true],
    ['isEmpty(order.meta)', true],
    ['isEmpty(zero)', false],
    ['isEmpty(tags)', false],
    ['lower(trim(name)) == "ada"', true],
  ])('%s → %j', (source, expected) => {
    expect(run(source)).toEqual(expected)
  })

  it('exposes exactly the documented function set', () => {
    expect([...EXPRESSION_FUNCTIONS].sort()).toEqual(
      [
        'contains',
        'isEmpty',
        'len',
        'lower',
        'max',
        'min',
        'number',
        'round',
        'startsWith',
        'string',
        'trim',
        'upper',
      ].sort(),
    )
  })
})

describe('compileExpression: references', () => {
  it.each([
    ['order.status == "shipped" and n > 1', ['order', 'n']],
    ['lower(name) in tags', ['name', 'tags']],
    ['order.items[idx].name', ['order', 'idx']],
    ['context.text + context.locale', ['context']],
    ['1 + 2', []],
  ])('%s reads %j', (source, expected) => {
    expect(compileExpression(source).references).toEqual(expected)
  })
})

describe('compileExpression: refusals', () => {
  it.each([
    ['a.constructor', '"constructor" is not allowed (at column 3)'],
    ['a["__proto__"]', '"__proto__" is not allowed (at column 4)'],
    ['__proto__', '"__proto__" is not allowed (at column 1)'],
    ['order.prototype.x', '"prototype" is not allowed (at column 7)'],
    [
      'name.toUpperCase()',
      'method calls are not allowed; call one of the listed functions, like lower(name) (at column 6)',
    ],
    [
      'lower.call(1)',
      'method calls are not allowed; call one of the listed functions, like lower(name) (at column 7)',
    ],
    ['eval("1")', 'unknown function "eval"; available: lower, upper, trim, len, contains, startsWith'],
    ['lower()', 'lower() takes 1 argument, got 0'],
    ['round(1, 2, 3)', 'round() takes 1 to 2 arguments, got 3'],
    ['a = 1', 'assignment is not allowed; compare with == (at column 3)'],
    ['a === 1', 'use == instead of ===; comparisons never convert types (at column 3)'],
    ['a !== 1', 'use != instead of !==; comparisons never convert types'],
    ['a | 1', 'operator "|" is not supported'],
    ['2 ** 3', 'operator "**" is not supported'],
    ['~a', 'operator "~" is not supported'],
    ['+a', 'operator "+" is not supported'],
    ['this', '"this" is not available'],
    ['a b', 'expected a single expression; use and/or between conditions (at column 3)'],
    ['(a, b)', 'commas are only allowed between function arguments and array items'],
    ['[1, , 2]', 'empty array slots are not allowed'],
    ['1 +', 'Expected expression after + (at column 3)'],
    ['"open', 'Unclosed quote'],
    ['', 'expression is empty'],
    ['   ', 'expression is empty'],
    ['x'.repeat(MAX_EXPRESSION_LENGTH + 1), `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`],
    [`${'-'.repeat(60)}1`, 'expression is nested deeper than 40 levels'],
  ])('%s is refused', (source, message) => {
    let thrown: unknown
    try {
      compileExpression(source)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ExpressionError)
    expect((thrown as ExpressionError).message).toContain(message)
  })

  it('accepts an expression of exactly the maximum length', () => {
    const source = `1${' '.repeat(MAX_EXPRESSION_LENGTH - 1)}`
    expect(compileExpression(source).evaluate({})).toBe(1)
  })

  it('reports the position as a zero-based offset too', () => {
    const error = (() => {
      try {
        compileExpression('n + a.b()')
      } catch (caught) {
        return caught as ExpressionError
      }
    })()
    expect(error?.position).toBe(6)
    expect(error?.reason).toBe(
      'method calls are not allowed; call one of the listed functions, like lower(name)',
    )
  })
})

describe('compileExpression: hostile data', () => {
  it('reads computed prototype keys as null instead of walking the prototype', () => {
    const evaluate = compileExpression('order[key]').evaluate
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(evaluate({ order: { status: 'x' }, key })).toBeNull()
    }
  })

  it('treats non-JSON values as null', () => {
    const vars = {
      fn: () => 1,
      date: new Date(0),
      undef: undefined,
      nan: Number.NaN,
      big: { inner: () => 2 },
    }
    expect(run('fn', vars)).toBeNull()
    expect(run('date', vars)).toBeNull()
    expect(run('undef', vars)).toBeNull()
    expect(run('nan', vars)).toBeNull()
    expect(run('big.inner', vars)).toBeNull()
  })

  it('only reads own variables', () => {
    expect(run('toString', {})).toBeNull()
    expect(run('hasOwnProperty', Object.create({ hasOwnProperty: 1 }))).toBeNull()
  })

  it('evaluates many times without state between runs', () => {
    const compiled = compileExpression('n * 2')
    expect(compiled.evaluate({ n: 1 })).toBe(2)
    expect(compiled.evaluate({ n: 5 })).toBe(10)
    expect(compiled.evaluate({})).toBeNull()
  })
})

describe('compilePath', () => {
  it.each([
    ['order.items[0].name', 'Mug'],
    ['order["status"]', 'shipped'],
    ['context.locale', 'de'],
  ])('%s reads a value', (source, expected) => {
    expect(compilePath(source).evaluate(variables)).toBe(expected)
  })

  it.each(['a + b', 'lower(a)', 'order.items[n]', '"text"', 'a ? b : c'])('%s is not a path', (source) => {
    expect(() => compilePath(source)).toThrow(/only a variable path is allowed here/)
  })
})

describe('isTruthy', () => {
  it.each([
    [null, false],
    [false, false],
    [0, false],
    ['', false],
    [[], false],
    [{}, false],
    [' ', true],
    ['0', true],
    [-1, true],
    [[0], true],
    [{ a: null }, true],
  ])('%j → %s', (value, expected) => {
    expect(isTruthy(value)).toBe(expected)
  })
})
