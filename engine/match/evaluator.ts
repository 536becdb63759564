import type { AboRuleSet } from '../clinical/abo-compatibility.js'
import type { ExpressionNode } from '../policy/expression.js'
import type { PolicyScale } from '../policy/policy-schema.js'

/**
 * Turns a compiled policy's syntax trees into closures over one match run: donor values are folded in
 * as constants, candidate and pair values are read from typed-array columns by candidate index.
 * Binding happens once per run (or per worker task); scoring a candidate then calls closures that
 * return numbers — no parsing, no property lookup by name, no allocation. Booleans are 1 and 0;
 * categories are integer codes of the snapshot's side tables.
 */

/** Reads a value for candidate i of the snapshot. */
export type Evaluator = (i: number) => number

/** A bound value: a number when it is the same for every candidate (donor-only), else an evaluator. */
export type Bound = number | Evaluator

/** What binding needs from the run: attribute readers and category codes. */
export interface BindingEnvironment {
  attribute (name: string): Bound
  /** Integer code of a category value for an attribute; -1 when no candidate has it. */
  categoryCode (attribute: string, value: string): number
  aboCompatible (ruleSet: AboRuleSet): Bound
}

export function asEvaluator (bound: Bound): Evaluator {
  return typeof bound === 'number' ? () => bound : bound
}

type NumberOp = (a: number, b: number) => number

const BINARY: Readonly<Record<string, NumberOp>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '<': (a, b) => a < b ? 1 : 0,
  '<=': (a, b) => a <= b ? 1 : 0,
  '>': (a, b) => a > b ? 1 : 0,
  '>=': (a, b) => a >= b ? 1 : 0,
  '==': (a, b) => a === b ? 1 : 0,
  '!=': (a, b) => a !== b ? 1 : 0
}

const UNARY: Readonly<Record<string, (a: number) => number>> = {
  exp: Math.exp, ln: Math.log, cos: Math.cos, sin: Math.sin, abs: Math.abs
}

function combine (op: NumberOp, left: Bound, right: Bound): Bound {
  if (typeof left === 'number' && typeof right === 'number') return op(left, right)
  if (typeof right === 'number') {
    const l = left as Evaluator
    return (i) => op(l(i), right)
  }
  if (typeof left === 'number') return (i) => op(left, right(i))
  return (i) => op(left(i), right(i))
}

/**
 * Binary operators with the operator written inline in each closure, so a call does one indirect
 * call per operand and none for the operator (speed: tier predicates such as
 * `candidate.cpraPercent >= 98` run once per candidate per tier). Constants are captured by value.
 */
function binary (operator: string, left: Bound, right: Bound): Bound {
  if (typeof left === 'number' && typeof right === 'number') return (BINARY[operator] as NumberOp)(left, right)
  if (typeof right === 'number') {
    const l = left as Evaluator
    const c = right
    switch (operator) {
      case '+': return (i) => l(i) + c
      case '-': return (i) => l(i) - c
      case '*': return (i) => l(i) * c
      case '/': return (i) => l(i) / c
      case '<': return (i) => l(i) < c ? 1 : 0
      case '<=': return (i) => l(i) <= c ? 1 : 0
      case '>': return (i) => l(i) > c ? 1 : 0
      case '>=': return (i) => l(i) >= c ? 1 : 0
      case '==': return (i) => l(i) === c ? 1 : 0
      default: return (i) => l(i) !== c ? 1 : 0
    }
  }
  if (typeof left === 'number') {
    const c = left
    const r = right as Evaluator
    switch (operator) {
      case '+': return (i) => c + r(i)
      case '-': return (i) => c - r(i)
      case '*': return (i) => c * r(i)
      case '/': return (i) => c / r(i)
      case '<': return (i) => c < r(i) ? 1 : 0
      case '<=': return (i) => c <= r(i) ? 1 : 0
      case '>': return (i) => c > r(i) ? 1 : 0
      case '>=': return (i) => c >= r(i) ? 1 : 0
      case '==': return (i) => c === r(i) ? 1 : 0
      default: return (i) => c !== r(i) ? 1 : 0
    }
  }
  const l = left
  const r = right as Evaluator
  switch (operator) {
    case '+': return (i) => l(i) + r(i)
    case '-': return (i) => l(i) - r(i)
    case '*': return (i) => l(i) * r(i)
    case '/': return (i) => l(i) / r(i)
    case '<': return (i) => l(i) < r(i) ? 1 : 0
    case '<=': return (i) => l(i) <= r(i) ? 1 : 0
    case '>': return (i) => l(i) > r(i) ? 1 : 0
    case '>=': return (i) => l(i) >= r(i) ? 1 : 0
    case '==': return (i) => l(i) === r(i) ? 1 : 0
    default: return (i) => l(i) !== r(i) ? 1 : 0
  }
}

function categoryLiteral (attributeNode: ExpressionNode, textNode: ExpressionNode, env: BindingEnvironment): number {
  return env.categoryCode((attributeNode as { name: string }).name, (textNode as { value: string }).value)
}

/** Binds a type-checked expression to a run. */
export function bindExpression (node: ExpressionNode, env: BindingEnvironment): Bound {
  switch (node.kind) {
    case 'number': return node.value
    case 'boolean': return node.value ? 1 : 0
    /* c8 ignore next 2 */
    case 'text':
      throw new Error('quoted text is only valid beside a category attribute')
    case 'attribute': return env.attribute(node.name)
    case 'negate': return binary('-', 0, bindExpression(node.operand, env))
    case 'not': return binary('==', 0, bindExpression(node.operand, env))
    case 'binary': {
      const { operator, left, right } = node
      if (operator === 'and' || operator === 'or') {
        const l = bindExpression(left, env)
        const r = bindExpression(right, env)
        if (typeof l === 'number') return operator === 'and' ? (l === 0 ? 0 : r) : (l !== 0 ? 1 : r)
        const rf = asEvaluator(r)
        return operator === 'and' ? (i) => l(i) !== 0 && rf(i) !== 0 ? 1 : 0 : (i) => l(i) !== 0 || rf(i) !== 0 ? 1 : 0
      }
      // A category compared with quoted text compares integer codes.
      if (left.kind === 'text') return binary(operator, categoryLiteral(right, left, env), bindExpression(right, env))
      if (right.kind === 'text') return binary(operator, bindExpression(left, env), categoryLiteral(left, right, env))
      return binary(operator, bindExpression(left, env), bindExpression(right, env))
    }
    case 'call': {
      const args = node.name === 'aboCompatible' ? [] : node.args.map((a) => bindExpression(a, env))
      switch (node.name) {
        case 'aboCompatible': return env.aboCompatible((node.args[0] as { value: AboRuleSet }).value)
        case 'known': return combine((_, v) => v === v ? 1 : 0, 0, args[0] as Bound)
        case 'min': return args.reduce((a, b) => combine(Math.min, a, b))
        case 'max': return args.reduce((a, b) => combine(Math.max, a, b))
        case 'pow': return combine(Math.pow, args[0] as Bound, args[1] as Bound)
        case 'if': {
          const [condition, whenTrue, whenFalse] = args as [Bound, Bound, Bound]
          if (typeof condition === 'number') return condition !== 0 ? whenTrue : whenFalse
          const a = asEvaluator(whenTrue)
          const b = asEvaluator(whenFalse)
          return (i) => condition(i) !== 0 ? a(i) : b(i)
        }
        default: {
          const f = UNARY[node.name] as (a: number) => number
          return combine((_, x) => f(x), 0, args[0] as Bound)
        }
      }
    }
  }
}

/** Maps an input value to a row/column/entry index of a table, or -1 when the value is not listed. */
type KeyIndex = (value: number) => number

function keyIndex (keys: ReadonlyArray<string | number | boolean>, inputNode: ExpressionNode, env: BindingEnvironment): KeyIndex {
  const codes = keys.map((key) => typeof key === 'string'
    ? categoryLiteral(inputNode, { kind: 'text', value: key, at: 0 }, env)
    : typeof key === 'boolean' ? (key ? 1 : 0) : key)
  const count = codes.length
  const codeArray = Float64Array.from(codes)
  return (value) => {
    for (let k = 0; k < count; k++) if (codeArray[k] === value) return k
    return -1
  }
}

function withInput (input: Bound, rate: (x: number) => number): Bound {
  return typeof input === 'number' ? rate(input) : (i) => rate(input(i))
}

/** Binds a rating scale; `input` is the bound input expression (absent for matrix and formula scales). */
export function bindScale (scale: PolicyScale, input: { node: ExpressionNode, bound: Bound } | undefined, axes: { rows?: ExpressionNode, columns?: ExpressionNode, formula?: ExpressionNode }, env: BindingEnvironment): Bound {
  switch (scale.kind) {
    case 'linear': {
      const { slope } = scale
      const intercept = scale.intercept ?? 0
      const min = scale.min ?? -Infinity
      const max = scale.max ?? Infinity
      return withInput((input as { bound: Bound }).bound, (x) => Math.min(max, Math.max(min, intercept + slope * x)))
    }
    case 'steps': {
      const at = Float64Array.from(scale.steps.map((s) => s.atLeast))
      const values = Float64Array.from(scale.steps.map((s) => s.value))
      const below = scale.below
      const count = at.length
      return withInput((input as { bound: Bound }).bound, (x) => {
        let rating = below
        for (let k = 0; k < count && x >= (at[k] as number); k++) rating = values[k] as number
        return rating
      })
    }
    case 'piecewise-linear': {
      const xs = Float64Array.from(scale.points.map((p) => p.at))
      const ys = Float64Array.from(scale.points.map((p) => p.value))
      const last = xs.length - 1
      return withInput((input as { bound: Bound }).bound, (x) => {
        if (x <= (xs[0] as number)) return ys[0] as number
        if (x >= (xs[last] as number)) return ys[last] as number
        let k = 1
        while (x > (xs[k] as number)) k++
        const x0 = xs[k - 1] as number
        const y0 = ys[k - 1] as number
        return y0 + ((ys[k] as number) - y0) * (x - x0) / ((xs[k] as number) - x0)
      })
    }
    case 'exponential': {
      const { base, from, to } = scale
      return withInput((input as { bound: Bound }).bound, (x) => {
        const u = Math.min(1, Math.max(0, (x - from) / (to - from)))
        return (Math.pow(base, u) - 1) / (base - 1)
      })
    }
    case 'lookup': {
      const { node, bound } = input as { node: ExpressionNode, bound: Bound }
      const index = keyIndex(scale.entries.map((e) => e.key), node, env)
      const values = Float64Array.from(scale.entries.map((e) => e.value))
      const otherwise = scale.otherwise
      return withInput(bound, (x) => {
        const k = index(x)
        return k < 0 ? otherwise : values[k] as number
      })
    }
    case 'matrix': {
      const rowsNode = axes.rows as ExpressionNode
      const columnsNode = axes.columns as ExpressionNode
      const rowIndex = keyIndex(scale.rows.keys, rowsNode, env)
      const columnIndex = keyIndex(scale.columns.keys, columnsNode, env)
      const width = scale.columns.keys.length
      const values = Float64Array.from(scale.values.flat())
      const otherwise = scale.otherwise
      const rate = (r: number, c: number): number => r < 0 || c < 0 ? otherwise : values[r * width + c] as number
      const rows = bindExpression(rowsNode, env)
      const columns = bindExpression(columnsNode, env)
      if (typeof rows === 'number' && typeof columns === 'number') return rate(rowIndex(rows), columnIndex(columns))
      const rf = asEvaluator(rows)
      const cf = asEvaluator(columns)
      return (i) => rate(rowIndex(rf(i)), columnIndex(cf(i)))
    }
    case 'formula':
      return bindExpression(axes.formula as ExpressionNode, env)
  }
}
