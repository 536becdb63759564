import { InvalidFieldError } from '../errors.js'
import {
  conditionFields, ruleKey, type Condition, type FactValue, type Facts, type IndicatorRule, type Operand, type RuleSubject,
  type Scalar, type Severity
} from './rule-schema.js'

/**
 * Evaluates indicator rules over fact records. Pure: the same rules and facts give the same
 * findings. Order of checks, for each rule and record:
 *
 *   1. the facts `appliesWhen` reads are unknown → missing-data finding;
 *   2. `appliesWhen` is false → not applicable, no finding;
 *   3. a required fact is unknown → missing-data finding ("cannot evaluate"), never a silent pass;
 *   4. `firesWhen` holds → fired finding, with the facts and parameters as evidence; else clear.
 */

/** One thing a rule can be evaluated on: a procedure, an organ, a payment… with its facts. */
export interface SubjectRecord {
  readonly subject: RuleSubject
  /** How the flag names the entity (organ, transplant, donor, centre…) and its pseudonym or registry id. */
  readonly entityType: string
  readonly entityId: string
  /** Separates findings on one entity that belong to different periods (a centre's year). */
  readonly scope?: string | undefined
  /** Pseudonyms of the people the record is about; flags about a protected person are hidden with them. */
  readonly subjectIds: readonly string[]
  readonly facts: Facts
}

export type FindingKind = 'fired' | 'missing-data'

export interface Finding {
  readonly ruleId: string
  readonly ruleVersion: number
  /** "A1@1" for a fired rule, "A1@1:missing-data" when the rule could not be evaluated. */
  readonly flagRuleId: string
  readonly kind: FindingKind
  readonly severity: Severity
  readonly subject: RuleSubject
  readonly entityType: string
  readonly entityId: string
  readonly scope?: string
  readonly subjectIds: readonly string[]
  /** Stable identity of the finding: a re-evaluation over the same data finds the same key. */
  readonly findingKey: string
  readonly evidence: {
    readonly finding: FindingKind
    readonly rule: string
    readonly title: string
    /** The facts the rule read, by name (undefined ones left out). */
    readonly facts: Readonly<Record<string, Exclude<FactValue, undefined>>>
    /** For missing-data findings: the facts that were not known. */
    readonly missingFields?: readonly string[]
    readonly parameters?: IndicatorRule['parameters']
    readonly scope?: string
  }
}

export type Evaluation =
  | { readonly outcome: 'not-applicable' }
  | { readonly outcome: 'clear' }
  | { readonly outcome: 'fired' | 'missing-data', readonly finding: Finding }

function resolve (operand: Operand, facts: Facts, rule: IndicatorRule): FactValue {
  if ('field' in operand) return facts[operand.field]
  if ('value' in operand) return operand.value
  const parameter = rule.parameters?.[operand.param]
  if (operand.key === undefined) {
    if (typeof parameter === 'object') throw new InvalidFieldError(`${ruleKey(rule)}.parameters.${operand.param}`, 'is a table or list; compare it with a key or use it in "in"')
    return parameter
  }
  const key = facts[operand.key.field]
  const table = parameter as Readonly<Record<string, number>>
  const entry = typeof key === 'string' ? table[key] : undefined
  if (entry === undefined) throw new InvalidFieldError(`${ruleKey(rule)}.parameters.${operand.param}`, `has no entry for ${String(key)}`)
  return entry
}

function asScalar (value: FactValue, rule: IndicatorRule, what: string): Scalar {
  if (value === undefined || Array.isArray(value)) {
    throw new InvalidFieldError(`${ruleKey(rule)}.${what}`, value === undefined ? 'reads a fact that is not known' : 'cannot compare a list')
  }
  return value as Scalar
}

function ordered (left: Scalar, right: Scalar, rule: IndicatorRule, op: string): [number | string, number | string] | undefined {
  if (left === null || right === null) return undefined
  if (typeof left === 'number' && typeof right === 'number') return [left, right]
  if (typeof left === 'string' && typeof right === 'string') return [left, right]
  throw new InvalidFieldError(`${ruleKey(rule)}.${op}`, `compares ${typeof left} with ${typeof right}`)
}

/** True or false for a condition whose facts are all known (null compares as "absent": never less or greater). */
export function evaluateCondition (condition: Condition, facts: Facts, rule: IndicatorRule): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, facts, rule))
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, facts, rule))
  if ('not' in condition) return !evaluateCondition(condition.not, facts, rule)
  if ('isNull' in condition) return asScalar(facts[condition.isNull], rule, `isNull ${condition.isNull}`) === null
  if ('in' in condition) {
    const [operand, listOrParam] = condition.in
    const value = asScalar(resolve(operand, facts, rule), rule, 'in')
    const list = Array.isArray(listOrParam) ? listOrParam : rule.parameters?.[(listOrParam as { param: string }).param] as readonly Scalar[]
    return list.includes(value)
  }
  const [op, pair] = Object.entries(condition)[0] as ['eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', readonly [Operand, Operand]]
  const left = asScalar(resolve(pair[0], facts, rule), rule, op)
  const right = asScalar(resolve(pair[1], facts, rule), rule, op)
  if (op === 'eq') return left === right
  if (op === 'ne') return left !== right
  const both = ordered(left, right, rule, op)
  if (both === undefined) return false
  const [a, b] = both
  switch (op) {
    case 'lt': return a < b
    case 'le': return a <= b
    case 'gt': return a > b
    default: return a >= b
  }
}

function evidenceFacts (rule: IndicatorRule, facts: Facts, extra: Iterable<string>): Record<string, Exclude<FactValue, undefined>> {
  const names = new Set<string>([...rule.requiredFields, ...(rule.evidenceFields ?? []), ...extra])
  const out: Record<string, Exclude<FactValue, undefined>> = {}
  for (const name of [...names].sort()) {
    const value = facts[name]
    if (value !== undefined) out[name] = value
  }
  return out
}

function finding (rule: IndicatorRule, record: SubjectRecord, kind: FindingKind, applies: ReadonlySet<string>, missing?: readonly string[]): Finding {
  const key = ruleKey(rule)
  const flagRuleId = kind === 'fired' ? key : `${key}:missing-data`
  const severity: Severity = kind === 'fired' ? rule.severity : rule.severity === 'M' ? 'M' : 'R'
  return {
    ruleId: rule.id,
    ruleVersion: rule.version,
    flagRuleId,
    kind,
    severity,
    subject: rule.subject,
    entityType: record.entityType,
    entityId: record.entityId,
    ...(record.scope === undefined ? {} : { scope: record.scope }),
    subjectIds: [...new Set(record.subjectIds)].sort(),
    findingKey: `${flagRuleId}|${record.entityType}|${record.entityId}|${record.scope ?? ''}`,
    evidence: {
      finding: kind,
      rule: key,
      title: rule.title,
      facts: evidenceFacts(rule, record.facts, applies),
      ...(missing === undefined ? {} : { missingFields: missing }),
      ...(rule.parameters === undefined ? {} : { parameters: rule.parameters }),
      ...(record.scope === undefined ? {} : { scope: record.scope })
    }
  }
}

/** Evaluates one rule on one record of the rule's subject. */
export function evaluateRule (rule: IndicatorRule, record: SubjectRecord): Evaluation {
  if (record.subject !== rule.subject) throw new InvalidFieldError('record.subject', `must be ${rule.subject} for rule ${ruleKey(rule)}`)
  const applies = rule.appliesWhen === undefined ? new Set<string>() : conditionFields(rule.appliesWhen, 'appliesWhen', rule.parameters)
  const unknownApplicability = [...applies].filter((field) => record.facts[field] === undefined).sort()
  if (unknownApplicability.length > 0) return { outcome: 'missing-data', finding: finding(rule, record, 'missing-data', applies, unknownApplicability) }
  if (rule.appliesWhen !== undefined && !evaluateCondition(rule.appliesWhen, record.facts, rule)) return { outcome: 'not-applicable' }
  const missing = rule.requiredFields.filter((field) => record.facts[field] === undefined).sort()
  if (missing.length > 0) return { outcome: 'missing-data', finding: finding(rule, record, 'missing-data', applies, missing) }
  return evaluateCondition(rule.firesWhen, record.facts, rule)
    ? { outcome: 'fired', finding: finding(rule, record, 'fired', applies) }
    : { outcome: 'clear' }
}

export interface RuleTally {
  readonly rule: string
  evaluated: number
  notApplicable: number
  clear: number
  fired: number
  missingData: number
}

/** Every rule on every record of its subject; findings in rule order, then record order. */
export function evaluateCatalogue (rules: readonly IndicatorRule[], records: readonly SubjectRecord[]): { findings: Finding[], tallies: RuleTally[] } {
  const bySubject = new Map<RuleSubject, SubjectRecord[]>()
  for (const record of records) {
    const list = bySubject.get(record.subject) ?? []
    list.push(record)
    bySubject.set(record.subject, list)
  }
  const findings: Finding[] = []
  const tallies: RuleTally[] = []
  for (const rule of rules) {
    const tally: RuleTally = { rule: ruleKey(rule), evaluated: 0, notApplicable: 0, clear: 0, fired: 0, missingData: 0 }
    for (const record of bySubject.get(rule.subject) ?? []) {
      const result = evaluateRule(rule, record)
      tally.evaluated += 1
      if (result.outcome === 'not-applicable') tally.notApplicable += 1
      else if (result.outcome === 'clear') tally.clear += 1
      else {
        if (result.outcome === 'fired') tally.fired += 1
        else tally.missingData += 1
        findings.push(result.finding)
      }
    }
    tallies.push(tally)
  }
  return { findings, tallies }
}
