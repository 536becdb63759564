import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ValueErrorType } from '@sinclair/typebox/errors'
import { PolicyValidationError, type PolicyIssue } from '../errors.js'
import { ExpressionSyntaxError, parseExpression, type ExpressionNode } from './expression.js'
import { checkExpression, type ValueType } from './expression-check.js'
import { PolicyDocumentSchema, SCALE_SCHEMAS, type PolicyDocument, type PolicyScale } from './policy-schema.js'
import { HLA_ATTRIBUTES, lookupAttribute } from './vocabulary.js'

/** One parsed and type-checked expression of a policy, keyed by its JSON pointer. */
export interface AnalysedExpression {
  readonly path: string
  readonly source: string
  readonly ast: ExpressionNode
  readonly type: ValueType
  readonly reads: readonly string[]
  /** Optional attributes read without a known(...) guard (see CheckResult.needs). */
  readonly needs: readonly string[]
}

/** A valid policy with every expression parsed: what compilePolicy builds on. */
export interface PolicyAnalysis {
  readonly document: PolicyDocument
  readonly expressions: ReadonlyMap<string, AnalysedExpression>
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Structural errors from the TypeBox schema, made specific: a wrong scale is checked against the
 * schema its `kind` names, and a wrong enumerated value lists the values allowed.
 */
function structuralIssues (schema: TSchema, value: unknown, prefix: string): PolicyIssue[] {
  const issues: PolicyIssue[] = []
  const missing = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    const path = prefix + error.path
    // A missing property also fails its own type check; one issue per path is enough.
    if (missing.has(path)) continue
    if (error.type === ValueErrorType.ObjectRequiredProperty) missing.add(path)
    const anyOf = (error.schema as { anyOf?: TSchema[] }).anyOf
    if (anyOf !== undefined && anyOf.every((s) => 'const' in s)) {
      issues.push({ path, message: `must be one of ${anyOf.map((s) => JSON.stringify((s as unknown as { const: unknown }).const)).join(', ')}` })
      continue
    }
    if (anyOf !== undefined && isObject(error.value) && anyOf.some((s) => (s as { properties?: { kind?: unknown } }).properties?.kind !== undefined)) {
      const kind = error.value.kind
      const scaleSchema = typeof kind === 'string' ? SCALE_SCHEMAS[kind] : undefined
      if (scaleSchema === undefined) {
        issues.push({ path: `${path}/kind`, message: `must be one of ${Object.keys(SCALE_SCHEMAS).map((k) => JSON.stringify(k)).join(', ')}` })
      } else {
        issues.push(...structuralIssues(scaleSchema, error.value, path))
      }
      continue
    }
    // The description explains the value's own schema; an unexpected property has none of its own.
    const description = error.type === ValueErrorType.ObjectAdditionalProperties ? undefined : (error.schema as { description?: string }).description
    const message = error.message.charAt(0).toLowerCase() + error.message.slice(1)
    issues.push({ path, message: description === undefined ? message : `${message} (${description})` })
  }
  return issues
}

type Expected = 'number' | 'boolean' | 'number-or-boolean' | 'any'

const EXPECTED_WORDS: Record<Expected, string> = {
  number: 'a number',
  boolean: 'a true/false condition',
  'number-or-boolean': 'a number or a true/false condition',
  any: 'a number, a true/false condition or a category'
}

class Analyser {
  readonly issues: PolicyIssue[] = []
  readonly expressions = new Map<string, AnalysedExpression>()
  readonly #document: PolicyDocument
  readonly #urgencyClasses: ReadonlySet<string>

  constructor (document: PolicyDocument) {
    this.#document = document
    this.#urgencyClasses = new Set(document.urgencyClasses)
  }

  issue (path: string, message: string): void {
    this.issues.push({ path, message })
  }

  expression (path: string, source: string, expected: Expected): AnalysedExpression | undefined {
    let ast: ExpressionNode
    try {
      ast = parseExpression(source)
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error
      this.issue(path, `syntax error: ${error.message} in "${source}"`)
      return undefined
    }
    const result = checkExpression(ast, { urgencyClasses: this.#urgencyClasses })
    for (const problem of result.issues) this.issue(path, `${problem.message} (at character ${problem.offset + 1} of "${source}")`)
    if (result.type === undefined) return undefined
    const fits = expected === 'any' ? result.type !== 'text'
      : expected === 'number-or-boolean' ? result.type === 'number' || result.type === 'boolean'
        : result.type === expected
    if (!fits) {
      this.issue(path, `must be ${EXPECTED_WORDS[expected]} (found ${result.type === 'boolean' ? 'a true/false condition' : `a ${result.type === 'text' ? 'quoted text' : result.type}`}) in "${source}"`)
      return undefined
    }
    const analysed: AnalysedExpression = Object.freeze({ path, source, ast, type: result.type, reads: Object.freeze([...result.reads]), needs: Object.freeze([...result.needs]) })
    this.expressions.set(path, analysed)
    return analysed
  }

  unique (path: string, names: readonly string[], what: string): void {
    const seen = new Set<string>()
    names.forEach((name, index) => {
      if (seen.has(name)) this.issue(`${path}/${index}`, `${what} "${name}" is used twice; names must be unique`)
      seen.add(name)
    })
  }

  keys (path: string, keys: ReadonlyArray<string | number | boolean>, input: AnalysedExpression | undefined): void {
    const seen = new Set<string>()
    keys.forEach((key, index) => {
      const text = JSON.stringify(key)
      if (seen.has(text)) this.issue(`${path}/${index}`, `key ${text} is listed twice`)
      seen.add(text)
      if (input === undefined) return
      const keyType = typeof key === 'string' ? 'category' : typeof key
      if (keyType !== input.type) {
        this.issue(`${path}/${index}`, `key ${text} does not fit the input "${input.source}", which is a ${input.type === 'boolean' ? 'true/false condition (keys true and false)' : input.type === 'number' ? 'number (numeric keys)' : 'category (quoted keys)'}`)
        return
      }
      if (typeof key === 'string' && input.ast.kind === 'attribute') {
        const name = input.ast.name
        const allowed = name === 'candidate.urgency' ? [...this.#urgencyClasses] : lookupAttribute(name)?.categories
        if (allowed !== undefined && !allowed.includes(key)) this.issue(`${path}/${index}`, `${text} is not a value of ${name} (${allowed.map((v) => JSON.stringify(v)).join(', ')})`)
      }
    })
  }

  scale (path: string, scale: PolicyScale, input: AnalysedExpression | undefined): void {
    switch (scale.kind) {
      case 'linear':
        if (scale.min !== undefined && scale.max !== undefined && scale.min > scale.max) this.issue(`${path}/min`, `must not exceed max (${scale.max})`)
        return
      case 'steps':
        scale.steps.forEach((step, index) => {
          const previous = scale.steps[index - 1]
          if (previous !== undefined && !(step.atLeast > previous.atLeast)) this.issue(`${path}/steps/${index}/atLeast`, `must be greater than the previous step's atLeast (${previous.atLeast})`)
        })
        return
      case 'piecewise-linear':
        scale.points.forEach((point, index) => {
          const previous = scale.points[index - 1]
          if (previous !== undefined && !(point.at > previous.at)) this.issue(`${path}/points/${index}/at`, `must be greater than the previous knot (${previous.at})`)
        })
        return
      case 'exponential':
        if (scale.base === 1) this.issue(`${path}/base`, 'must not be 1 (use a linear scale)')
        if (scale.from === scale.to) this.issue(`${path}/to`, 'must differ from `from`')
        return
      case 'lookup':
        this.keys(`${path}/entries`, scale.entries.map((e) => e.key), input)
        return
      case 'matrix': {
        const rows = this.expression(`${path}/rows/input`, scale.rows.input, 'any')
        const columns = this.expression(`${path}/columns/input`, scale.columns.input, 'any')
        this.keys(`${path}/rows/keys`, scale.rows.keys, rows)
        this.keys(`${path}/columns/keys`, scale.columns.keys, columns)
        if (scale.values.length !== scale.rows.keys.length) this.issue(`${path}/values`, `must have one row per row key (${scale.rows.keys.length}), found ${scale.values.length}`)
        scale.values.forEach((row, index) => {
          if (row.length !== scale.columns.keys.length) this.issue(`${path}/values/${index}`, `must have one value per column key (${scale.columns.keys.length}), found ${row.length}`)
        })
        return
      }
      case 'formula':
        this.expression(`${path}/formula`, scale.formula, 'number')
    }
  }

  run (): void {
    const doc = this.#document
    if (!isCalendarDate(doc.effectiveFrom)) this.issue('/effectiveFrom', `must be a calendar date YYYY-MM-DD (got "${doc.effectiveFrom}")`)

    const eligibility = doc.eligibility
    eligibility.abo.exceptions?.forEach((exception, index) => this.expression(`/eligibility/abo/exceptions/${index}/when`, exception.when, 'boolean'))
    this.unique('/eligibility/rules', eligibility.rules.map((r) => r.id), 'rule id')
    eligibility.rules.forEach((rule, index) => this.expression(`/eligibility/rules/${index}/require`, rule.require, 'boolean'))

    this.unique('/tiers', doc.tiers.map((t) => t.name), 'tier name')
    doc.tiers.forEach((tier, index) => this.expression(`/tiers/${index}/when`, tier.when, 'boolean'))

    this.unique('/components', doc.components.map((c) => c.name), 'component name')
    doc.components.forEach((component, index) => {
      const path = `/components/${index}`
      const ownsInputs = component.scale.kind === 'matrix' || component.scale.kind === 'formula'
      let input: AnalysedExpression | undefined
      if (ownsInputs && component.input !== undefined) {
        this.issue(`${path}/input`, `must be absent for a ${component.scale.kind} scale, which names its own inputs`)
      } else if (!ownsInputs) {
        if (component.input === undefined) this.issue(path, `must have an input (the attribute or expression the ${component.scale.kind} scale rates)`)
        else input = this.expression(`${path}/input`, component.input, component.scale.kind === 'lookup' ? 'any' : 'number-or-boolean')
      }
      this.scale(`${path}/scale`, component.scale, input)
    })

    this.unique('/tieBreakers', doc.tieBreakers.map((t) => t.name), 'tie-breaker name')
    doc.tieBreakers.forEach((tieBreaker, index) => {
      if (tieBreaker.name === 'lottery') this.issue(`/tieBreakers/${index}/name`, '"lottery" is reserved for the seeded lottery that follows the last tie-breaker')
      this.expression(`/tieBreakers/${index}/input`, tieBreaker.input, 'number-or-boolean')
    })

    if (doc.hlaMatching === undefined) {
      for (const expression of this.expressions.values()) {
        const hla = expression.reads.find((name) => HLA_ATTRIBUTES.includes(name))
        if (hla !== undefined) {
          this.issue('/hlaMatching', `is required because ${expression.path} reads ${hla}; state the match level (broad or split) for A, B and DR`)
          break
        }
      }
    }
  }
}

function isCalendarDate (text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`)
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === text
}

/** Checks structure, then meaning; returns the analysis or the complete list of issues. */
export function analysePolicy (document: unknown): { analysis?: PolicyAnalysis, issues: PolicyIssue[] } {
  const structural = structuralIssues(PolicyDocumentSchema, document, '')
  if (structural.length > 0) return { issues: structural }
  const analyser = new Analyser(document as PolicyDocument)
  analyser.run()
  if (analyser.issues.length > 0) return { issues: analyser.issues }
  return { analysis: { document: document as PolicyDocument, expressions: analyser.expressions }, issues: [] }
}

/**
 * Validates a policy document: its structure against the published JSON Schema, then its meaning
 * (attributes in the vocabulary and not protected, expression types, increasing steps, matrix shapes,
 * unique names). Throws PolicyValidationError listing every issue with its JSON pointer.
 */
export function validatePolicy (document: unknown): PolicyDocument {
  const { analysis, issues } = analysePolicy(document)
  if (analysis === undefined) throw new PolicyValidationError(issues)
  return analysis.document
}

