import { ABO_RULE_SETS } from '../clinical/abo-compatibility.js'
import type { ExpressionNode } from './expression.js'
import { lookupAttribute, protectedAttributeIn, type AttributeDefinition } from './vocabulary.js'

/** What an expression evaluates to. `text` exists only as a literal compared with a category. */
export type ValueType = 'number' | 'boolean' | 'category' | 'text'

/** A problem inside one expression, at a character offset of its source. */
export interface ExpressionIssue {
  readonly offset: number
  readonly message: string
}

export interface CheckContext {
  /** The policy's urgency classes: the values `candidate.urgency` may be compared with. */
  readonly urgencyClasses: ReadonlySet<string>
}

export interface CheckResult {
  /** The expression's type; undefined when an error made it unknowable. */
  readonly type: ValueType | undefined
  /** Vocabulary attributes the expression reads, sorted. */
  readonly reads: readonly string[]
  /**
   * Optional attributes read outside a known(...) guard, sorted: a candidate missing one of them
   * cannot be evaluated (MISSING_DATA); a donor missing one cannot be matched under this policy.
   */
  readonly needs: readonly string[]
  readonly issues: readonly ExpressionIssue[]
}

/** The ABO attributes a call to aboCompatible(...) reads. */
export const ABO_FUNCTION_READS: readonly string[] = ['candidate.abo', 'donor.abo']

const ARITY: Readonly<Record<string, readonly [number, number]>> = {
  min: [2, 16], max: [2, 16], exp: [1, 1], ln: [1, 1], pow: [2, 2], cos: [1, 1], sin: [1, 1], abs: [1, 1], if: [3, 3], known: [1, 1], aboCompatible: [1, 1]
}

const NONE: ReadonlySet<string> = new Set()

function union (a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  return b.size === 0 ? a : a.size === 0 ? b : new Set([...a, ...b])
}

/** Attributes certainly recorded when `node` is true: known(x), and chains of "and". */
function knownWhenTrue (node: ExpressionNode): ReadonlySet<string> {
  if (node.kind === 'call' && node.name === 'known' && node.args[0]?.kind === 'attribute') return new Set([node.args[0].name])
  if (node.kind === 'binary' && node.operator === 'and') return union(knownWhenTrue(node.left), knownWhenTrue(node.right))
  if (node.kind === 'not') return knownWhenFalse(node.operand)
  return NONE
}

/** Attributes certainly recorded when `node` is false: not known(x), and chains of "or". */
function knownWhenFalse (node: ExpressionNode): ReadonlySet<string> {
  if (node.kind === 'not') return knownWhenTrue(node.operand)
  if (node.kind === 'binary' && node.operator === 'or') return union(knownWhenFalse(node.left), knownWhenFalse(node.right))
  return NONE
}

/** The reason a name is not an attribute: protected, or simply not in the vocabulary. */
export function attributeNameProblem (name: string): string | undefined {
  if (lookupAttribute(name) !== undefined) return undefined
  const protectedCategory = protectedAttributeIn(name)
  if (protectedCategory !== undefined) {
    return `"${name}" refers to a protected attribute (${protectedCategory}); allocation may not rank on sex, race/ethnicity, nationality, religion or payer, so no policy can read it`
  }
  return `unknown attribute "${name}"; attributes are candidate.*, donor.* and pair.* names from the vocabulary in docs/policy-language.md`
}

/**
 * Type-checks a parsed expression against the vocabulary: attributes exist and are not protected,
 * arithmetic is on numbers, predicates are booleans, categories are compared only with text they can
 * take. Collects every issue rather than stopping at the first.
 */
export function checkExpression (node: ExpressionNode, context: CheckContext): CheckResult {
  const issues: ExpressionIssue[] = []
  const reads = new Set<string>()
  const needs = new Set<string>()
  // Optional attributes proven present where the current subexpression is evaluated.
  let guarded: ReadonlySet<string> = NONE
  const within = <T>(extra: ReadonlySet<string>, run: () => T): T => {
    const saved = guarded
    guarded = union(guarded, extra)
    try {
      return run()
    } finally {
      guarded = saved
    }
  }

  const report = (at: number, message: string): undefined => {
    issues.push({ offset: at, message })
    return undefined
  }

  const expect = (child: ExpressionNode, wanted: 'number' | 'boolean', role: string): ValueType | undefined => {
    const type = visit(child)
    if (type === undefined || type === wanted) return type
    return report(child.at, `${role} must be a ${wanted === 'number' ? 'number' : 'true/false condition'} (found ${describeType(type)})${type === 'boolean' && wanted === 'number' ? '; write if(condition, 1, 0) to count a condition' : ''}`)
  }

  const visit = (n: ExpressionNode): ValueType | undefined => {
    switch (n.kind) {
      case 'number': return 'number'
      case 'boolean': return 'boolean'
      case 'text': return 'text'
      case 'attribute': {
        const problem = attributeNameProblem(n.name)
        if (problem !== undefined) return report(n.at, problem)
        reads.add(n.name)
        const definition = lookupAttribute(n.name) as AttributeDefinition
        if (definition.optional && !guarded.has(n.name)) needs.add(n.name)
        return definition.type
      }
      case 'negate':
        return expect(n.operand, 'number', 'the operand of "-"') === undefined ? undefined : 'number'
      case 'not':
        return expect(n.operand, 'boolean', 'the operand of "not"') === undefined ? undefined : 'boolean'
      case 'binary': {
        const op = n.operator
        if (op === 'and' || op === 'or') {
          // The right side runs only when the left is true (and) or false (or): guards carry over.
          const left = expect(n.left, 'boolean', `each side of "${op}"`)
          const right = within(op === 'and' ? knownWhenTrue(n.left) : knownWhenFalse(n.left), () => expect(n.right, 'boolean', `each side of "${op}"`))
          return left === undefined || right === undefined ? undefined : 'boolean'
        }
        if (op === '+' || op === '-' || op === '*' || op === '/') {
          const left = expect(n.left, 'number', `each side of "${op}"`)
          const right = expect(n.right, 'number', `each side of "${op}"`)
          return left === undefined || right === undefined ? undefined : 'number'
        }
        if (op === '==' || op === '!=') return checkEquality(n.left, n.right, n.at, op)
        const left = expect(n.left, 'number', `each side of "${op}"`)
        const right = expect(n.right, 'number', `each side of "${op}"`)
        return left === undefined || right === undefined ? undefined : 'boolean'
      }
      case 'call': return checkCall(n)
    }
  }

  const checkEquality = (leftNode: ExpressionNode, rightNode: ExpressionNode, at: number, op: string): ValueType | undefined => {
    const left = visit(leftNode)
    const right = visit(rightNode)
    if (left === undefined || right === undefined) return undefined
    if (left === 'category' || right === 'category') {
      const [attributeNode, textNode, textType] = left === 'category' ? [leftNode, rightNode, right] : [rightNode, leftNode, left]
      if (textType !== 'text' || textNode.kind !== 'text') {
        return report(at, `a category attribute can only be compared with a quoted value, e.g. ${attributeNode.kind === 'attribute' ? attributeNode.name : 'candidate.urgency'} ${op} "HU"`)
      }
      const name = (attributeNode as { name: string }).name
      const allowed = name === 'candidate.urgency' ? [...context.urgencyClasses] : lookupAttribute(name)?.categories
      if (allowed !== undefined && !allowed.includes(textNode.value)) {
        return report(textNode.at, `"${textNode.value}" is not a value of ${name}; ${name === 'candidate.urgency' ? 'the policy\'s urgencyClasses are' : 'its values are'} ${allowed.map((v) => JSON.stringify(v)).join(', ')}`)
      }
      return 'boolean'
    }
    if (left === 'text' || right === 'text') return report(at, `quoted text can only be compared with a category attribute such as candidate.urgency`)
    if (left !== right) return report(at, `cannot compare a ${describeType(left)} with a ${describeType(right)}`)
    return 'boolean'
  }

  const checkCall = (n: Extract<ExpressionNode, { kind: 'call' }>): ValueType | undefined => {
    const [least, most] = ARITY[n.name] as readonly [number, number]
    if (n.args.length < least || n.args.length > most) {
      return report(n.at, `${n.name}() takes ${least === most ? least : `${least} to ${most}`} argument${most === 1 ? '' : 's'} (got ${n.args.length})`)
    }
    if (n.name === 'aboCompatible') {
      const arg = n.args[0] as ExpressionNode
      if (arg.kind !== 'text' || !(ABO_RULE_SETS as readonly string[]).includes(arg.value)) {
        return report(arg.at, `aboCompatible() takes a quoted ABO rule set: ${ABO_RULE_SETS.map((r) => JSON.stringify(r)).join(', ')}`)
      }
      for (const name of ABO_FUNCTION_READS) reads.add(name)
      return 'boolean'
    }
    if (n.name === 'known') {
      const arg = n.args[0] as ExpressionNode
      if (arg.kind !== 'attribute' || lookupAttribute(arg.name)?.optional !== true) {
        if (arg.kind === 'attribute' && attributeNameProblem(arg.name) !== undefined) return visit(arg)
        return report(arg.at, 'known() takes one optional attribute, such as known(candidate.eptsPercent); other attributes are always recorded')
      }
      reads.add(arg.name)
      return 'boolean'
    }
    if (n.name === 'if') {
      const [condition, whenTrue, whenFalse] = n.args as [ExpressionNode, ExpressionNode, ExpressionNode]
      const c = expect(condition, 'boolean', 'the first argument of if()')
      const a = within(knownWhenTrue(condition), () => visit(whenTrue))
      const b = within(knownWhenFalse(condition), () => visit(whenFalse))
      if (c === undefined || a === undefined || b === undefined) return undefined
      if ((a !== 'number' && a !== 'boolean') || a !== b) {
        return report(n.at, `both branches of if() must be numbers, or both true/false conditions (found ${describeType(a)} and ${describeType(b)})`)
      }
      return a
    }
    let ok = true
    n.args.forEach((arg, index) => {
      if (expect(arg, 'number', `argument ${index + 1} of ${n.name}()`) === undefined) ok = false
    })
    return ok ? 'number' : undefined
  }

  const type = visit(node)
  return { type: issues.length === 0 ? type : undefined, reads: [...reads].sort(), needs: [...needs].sort(), issues }
}

function describeType (type: ValueType): string {
  switch (type) {
    case 'number': return 'number'
    case 'boolean': return 'true/false condition'
    case 'category': return 'category'
    case 'text': return 'quoted text'
  }
}
