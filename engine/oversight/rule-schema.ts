import { InvalidFieldError, MissingFieldError } from '../errors.js'

/**
 * The indicator rule language. A rule is data: a condition over the named facts of one subject (a
 * procedure, an organ, a living donation, a payment…), the fields it needs, its severity and its
 * sources. Rules are versioned; a changed rule is a new version, and every flag names the version
 * that raised it. The design follows the implementation notes of the project's oversight reference
 * (§2.4: `{id, version, severity, predicate, requiredFields, rationale, sourceRefs}`).
 */

/** B: block, or record only with dual sign-off; R: route to the review queue; M: monitor (statistics). */
export const SEVERITIES = ['B', 'R', 'M'] as const
export type Severity = typeof SEVERITIES[number]

/** The catalogue groups of the reference doc §2.4. */
export const RULE_GROUPS = {
  A: 'authorisation, provenance and traceability',
  B: 'living donation: relationship, consent and vulnerability',
  C: 'financial flags',
  D: 'travel for transplantation',
  E: 'clustering and anomalies',
  F: 'allocation integrity',
  G: 'follow-up and victim protection'
} as const
export type RuleGroup = keyof typeof RULE_GROUPS

/** What a rule is evaluated on; each subject has its own fact record. */
export const RULE_SUBJECTS = [
  'procedure', 'organ', 'living-donation', 'payment', 'transplant-abroad', 'deceased-transplant',
  'match-run', 'follow-up', 'centre-year', 'surgeon-window', 'record-access'
] as const
export type RuleSubject = typeof RULE_SUBJECTS[number]

export type Scalar = string | number | boolean | null
/**
 * A fact's value. `undefined` means **not known** (the registry does not hold it), which makes a rule
 * that needs it raise a missing-data finding; `null` means known to be absent (no approval recorded,
 * no interpreter). The difference is the point: missing data must never pass silently.
 */
export type FactValue = Scalar | readonly string[] | undefined
export type Facts = Readonly<Record<string, FactValue>>

/** A value in a comparison: a fact, a literal, or a rule parameter (optionally keyed by a fact, e.g. per organ type). */
export type Operand =
  | { readonly field: string }
  | { readonly value: Scalar }
  | { readonly param: string, readonly key?: { readonly field: string } }

export type Comparison = readonly [Operand, Operand]

export type Condition =
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }
  | { readonly eq: Comparison }
  | { readonly ne: Comparison }
  | { readonly lt: Comparison }
  | { readonly le: Comparison }
  | { readonly gt: Comparison }
  | { readonly ge: Comparison }
  | { readonly in: readonly [Operand, readonly Scalar[] | { readonly param: string }] }
  | { readonly isNull: string }

export type ParameterValue = number | string | readonly string[] | Readonly<Record<string, number>>

export interface IndicatorRule {
  /** Catalogue id, e.g. "A1" (reference doc §2.4). */
  readonly id: string
  readonly version: number
  readonly group: RuleGroup
  readonly title: string
  readonly severity: Severity
  readonly subject: RuleSubject
  /** When given and false, the rule does not apply to this subject (no finding at all). */
  readonly appliesWhen?: Condition
  /** The rule fires (raises a finding) when this holds. */
  readonly firesWhen: Condition
  /** Facts the firing condition reads; any of them unknown gives a missing-data finding instead. */
  readonly requiredFields: readonly string[]
  /** Facts copied into the finding's evidence besides the required ones (never identifiers). */
  readonly evidenceFields?: readonly string[]
  /** Thresholds, allow-lists and limits; part of the rule, so changing one is a new version. */
  readonly parameters?: Readonly<Record<string, ParameterValue>>
  /** Where the rule comes from: UN 71/322 paragraph, WHO GP, EU article, DoI, HOTT, case, OPTN. */
  readonly sources: readonly string[]
  readonly rationale: string
}

const RULE_ID = /^[A-G]\d{1,2}$/
const FIELD = /^[a-z][A-Za-z0-9]*$/
const COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const

/** The key of a condition object (each condition has exactly one). */
function conditionKind (condition: Condition, path: string): string {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) throw new InvalidFieldError(path, 'must be a condition object')
  const keys = Object.keys(condition)
  if (keys.length !== 1) throw new InvalidFieldError(path, 'must have exactly one operator (all, any, not, eq, ne, lt, le, gt, ge, in, isNull)')
  return keys[0] as string
}

function operandFields (operand: Operand, path: string, out: Set<string>, parameters: IndicatorRule['parameters']): void {
  if (operand === null || typeof operand !== 'object') throw new InvalidFieldError(path, 'must be {field}, {value} or {param}')
  if ('field' in operand) {
    if (typeof operand.field !== 'string' || !FIELD.test(operand.field)) throw new InvalidFieldError(`${path}.field`, 'must be a camelCase fact name')
    out.add(operand.field)
  } else if ('param' in operand) {
    const value = parameters?.[operand.param]
    if (value === undefined) throw new InvalidFieldError(`${path}.param`, `names no parameter of the rule (${String(operand.param)})`)
    if (operand.key !== undefined) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidFieldError(`${path}.key`, 'may only key a parameter that is a table')
      operandFields(operand.key, `${path}.key`, out, parameters)
    }
  } else if (!('value' in operand)) {
    throw new InvalidFieldError(path, 'must be {field}, {value} or {param}')
  }
}

/** Every fact a condition reads, checking its shape on the way. */
export function conditionFields (condition: Condition, path = 'condition', parameters?: IndicatorRule['parameters']): Set<string> {
  const out = new Set<string>()
  const walk = (c: Condition, p: string): void => {
    const kind = conditionKind(c, p)
    const body = (c as Record<string, unknown>)[kind]
    if (kind === 'all' || kind === 'any') {
      if (!Array.isArray(body) || body.length === 0) throw new InvalidFieldError(`${p}.${kind}`, 'must list at least one condition')
      body.forEach((item, i) => { walk(item as Condition, `${p}.${kind}[${i}]`) })
    } else if (kind === 'not') {
      walk(body as Condition, `${p}.not`)
    } else if ((COMPARISONS as readonly string[]).includes(kind)) {
      if (!Array.isArray(body) || body.length !== 2) throw new InvalidFieldError(`${p}.${kind}`, 'must compare exactly two operands')
      operandFields(body[0] as Operand, `${p}.${kind}[0]`, out, parameters)
      operandFields(body[1] as Operand, `${p}.${kind}[1]`, out, parameters)
    } else if (kind === 'in') {
      if (!Array.isArray(body) || body.length !== 2) throw new InvalidFieldError(`${p}.in`, 'must be [operand, list of values or {param}]')
      operandFields(body[0] as Operand, `${p}.in[0]`, out, parameters)
      const list = body[1] as unknown
      if (!Array.isArray(list)) {
        const name = (list as { param?: unknown } | null)?.param
        if (typeof name !== 'string' || !Array.isArray(parameters?.[name])) throw new InvalidFieldError(`${p}.in[1]`, 'must be a list of values or {param} naming a list parameter')
      }
    } else if (kind === 'isNull') {
      if (typeof body !== 'string' || !FIELD.test(body)) throw new InvalidFieldError(`${p}.isNull`, 'must name a fact')
      out.add(body)
    } else {
      throw new InvalidFieldError(`${p}.${kind}`, 'is not an operator (all, any, not, eq, ne, lt, le, gt, ge, in, isNull)')
    }
  }
  walk(condition, path)
  return out
}

/**
 * Checks a rule's shape and its internal consistency: every fact the firing condition reads is in
 * `requiredFields` (so nothing it needs can be silently absent), parameters exist, sources are given.
 */
export function validateRule (rule: IndicatorRule, path = 'rule'): IndicatorRule {
  if (rule === undefined || rule === null) throw new MissingFieldError(path)
  if (typeof rule.id !== 'string' || !RULE_ID.test(rule.id)) throw new InvalidFieldError(`${path}.id`, 'must be a catalogue id: a group letter A-G and a number, e.g. A1')
  if (!Number.isInteger(rule.version) || rule.version < 1) throw new InvalidFieldError(`${path}.version`, 'must be a whole number of at least 1')
  if (rule.group !== rule.id[0]) throw new InvalidFieldError(`${path}.group`, `must be the id's letter (${rule.id[0] ?? ''})`)
  if (!(SEVERITIES as readonly string[]).includes(rule.severity)) throw new InvalidFieldError(`${path}.severity`, 'must be one of "B", "R", "M"')
  if (!(RULE_SUBJECTS as readonly string[]).includes(rule.subject)) throw new InvalidFieldError(`${path}.subject`, `must be one of ${RULE_SUBJECTS.join(', ')}`)
  if (typeof rule.title !== 'string' || rule.title.length === 0) throw new InvalidFieldError(`${path}.title`, 'must be a non-empty string')
  if (typeof rule.rationale !== 'string' || rule.rationale.length === 0) throw new InvalidFieldError(`${path}.rationale`, 'must be a non-empty string')
  if (!Array.isArray(rule.sources) || rule.sources.length === 0) throw new InvalidFieldError(`${path}.sources`, 'must name at least one source')
  if (!Array.isArray(rule.requiredFields) || rule.requiredFields.length === 0) throw new InvalidFieldError(`${path}.requiredFields`, 'must list at least one fact')
  for (const [i, field] of rule.requiredFields.entries()) {
    if (typeof field !== 'string' || !FIELD.test(field)) throw new InvalidFieldError(`${path}.requiredFields[${i}]`, 'must be a camelCase fact name')
  }
  const read = conditionFields(rule.firesWhen, `${path}.firesWhen`, rule.parameters)
  for (const field of read) {
    if (!rule.requiredFields.includes(field)) throw new InvalidFieldError(`${path}.requiredFields`, `must include ${field}, which firesWhen reads`)
  }
  if (rule.appliesWhen !== undefined) conditionFields(rule.appliesWhen, `${path}.appliesWhen`, rule.parameters)
  return rule
}

/** Checks every rule and that no id@version appears twice. */
export function validateCatalogue (rules: readonly IndicatorRule[]): readonly IndicatorRule[] {
  const seen = new Set<string>()
  rules.forEach((rule, i) => {
    validateRule(rule, `rules[${i}]`)
    const key = ruleKey(rule)
    if (seen.has(key)) throw new InvalidFieldError(`rules[${i}].id`, `repeats ${key}`)
    seen.add(key)
  })
  return rules
}

/** "A1@1": how flags name the rule version that raised them. */
export function ruleKey (rule: Pick<IndicatorRule, 'id' | 'version'>): string {
  return `${rule.id}@${rule.version}`
}
