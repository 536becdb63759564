import type { AboRuleSet } from '../clinical/abo-compatibility.js'
import type { MismatchOptions } from '../clinical/hla-mismatch.js'
import { contentHash } from '../canonical-hash.js'
import type { CandidateStatus } from '../domain/candidate.js'
import type { OrganType } from '../domain/organ.js'
import { PolicyValidationError } from '../errors.js'
import { ABO_FUNCTION_READS } from './expression-check.js'
import type { AcceptanceCriterion, PolicyDocument, PolicyScale, RuleReason } from './policy-schema.js'
import { analysePolicy, type AnalysedExpression, type PolicyAnalysis } from './validate-policy.js'

/** A parsed, type-checked expression; `path` is its JSON pointer in the policy document. */
export type CompiledExpression = AnalysedExpression

export interface CompiledComponent {
  readonly name: string
  readonly weight: number
  readonly scale: PolicyScale
  /** What the scale rates; absent for matrix and formula scales. */
  readonly input?: CompiledExpression | undefined
  /** Matrix axes. */
  readonly rows?: CompiledExpression | undefined
  readonly columns?: CompiledExpression | undefined
  /** Formula scale. */
  readonly formula?: CompiledExpression | undefined
  /** Every vocabulary attribute the component reads, sorted. */
  readonly reads: readonly string[]
}

export interface CompiledRule {
  readonly id: string
  readonly reason: RuleReason
  readonly description: string
  readonly require: CompiledExpression
}

export interface CompiledEligibility {
  readonly statuses: readonly CandidateStatus[]
  readonly aboRuleSet: AboRuleSet
  readonly aboExceptions: ReadonlyArray<{ readonly when: CompiledExpression, readonly ruleSet: AboRuleSet }>
  readonly virtualCrossmatch: boolean
  readonly centreAuthorisation: boolean
  readonly acceptanceCriteria: readonly AcceptanceCriterion[]
  readonly rules: readonly CompiledRule[]
}

/**
 * Which attributes each part of the policy reads, for the fairness lint and for auditors. Built-in
 * checks are listed with the attributes they compare (the ABO check reads both groups, the distance
 * criterion reads pair.distanceNm…); the virtual crossmatch reads HLA typings, which are not rankable
 * attributes and are listed as `candidate.unacceptableAntigens` and `donor.hla`.
 */
export interface AttributeReads {
  readonly eligibility: readonly string[]
  readonly tiers: Readonly<Record<string, readonly string[]>>
  readonly components: Readonly<Record<string, readonly string[]>>
  readonly tieBreakers: Readonly<Record<string, readonly string[]>>
  /** Every attribute read anywhere, sorted. */
  readonly all: readonly string[]
}

/**
 * A policy ready to score: every expression parsed and checked once, its attribute reads recorded,
 * its identity fixed by hash. It holds data only (no closures), so a worker thread rebuilds exactly
 * the same object by compiling the same document; match runs bind it to a snapshot and a donor.
 */
export interface CompiledPolicy {
  readonly id: string
  readonly version: string
  readonly name: string
  /** SHA-256 of the document's canonical JSON (RFC 8785). */
  readonly hash: string
  readonly organType: OrganType
  readonly effectiveFrom: string
  readonly document: PolicyDocument
  readonly urgencyClasses: readonly string[]
  readonly hlaMatching: MismatchOptions | undefined
  readonly eligibility: CompiledEligibility
  readonly tiers: ReadonlyArray<{ readonly name: string, readonly when: CompiledExpression }>
  readonly components: readonly CompiledComponent[]
  readonly tieBreakers: ReadonlyArray<{ readonly name: string, readonly order: 'asc' | 'desc', readonly input: CompiledExpression }>
  readonly reads: AttributeReads
}

/** The identity of a policy: SHA-256 of its canonical JSON (RFC 8785), whatever the key order or spacing. */
export function policyHash (document: PolicyDocument): string {
  return contentHash(document)
}

function sorted (names: Iterable<string>): readonly string[] {
  return Object.freeze([...new Set(names)].sort())
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

function build (analysis: PolicyAnalysis): CompiledPolicy {
  const doc = analysis.document
  const expression = (path: string): CompiledExpression => {
    const found = analysis.expressions.get(path)
    /* c8 ignore next */
    if (found === undefined) throw new PolicyValidationError([{ path, message: 'was not analysed (internal error)' }])
    return found
  }

  const rules: CompiledRule[] = doc.eligibility.rules.map((rule, index) => ({
    id: rule.id, reason: rule.reason, description: rule.description, require: expression(`/eligibility/rules/${index}/require`)
  }))
  const aboExceptions = (doc.eligibility.abo.exceptions ?? []).map((exception, index) => ({
    when: expression(`/eligibility/abo/exceptions/${index}/when`), ruleSet: exception.ruleSet
  }))
  const eligibility: CompiledEligibility = {
    statuses: [...doc.eligibility.statuses],
    aboRuleSet: doc.eligibility.abo.ruleSet,
    aboExceptions,
    virtualCrossmatch: doc.eligibility.virtualCrossmatch,
    centreAuthorisation: doc.eligibility.centreAuthorisation,
    acceptanceCriteria: [...doc.eligibility.acceptanceCriteria],
    rules
  }

  const components: CompiledComponent[] = doc.components.map((component, index) => {
    const path = `/components/${index}`
    const scale = component.scale
    const parts = scale.kind === 'matrix'
      ? { rows: expression(`${path}/scale/rows/input`), columns: expression(`${path}/scale/columns/input`) }
      : scale.kind === 'formula'
        ? { formula: expression(`${path}/scale/formula`) }
        : { input: expression(`${path}/input`) }
    const reads = sorted(Object.values(parts).flatMap((e: CompiledExpression) => e.reads))
    return { name: component.name, weight: component.weight, scale, ...parts, reads }
  })

  const tiers = doc.tiers.map((tier, index) => ({ name: tier.name, when: expression(`/tiers/${index}/when`) }))
  const tieBreakers = doc.tieBreakers.map((tieBreaker, index) => ({
    name: tieBreaker.name, order: tieBreaker.order, input: expression(`/tieBreakers/${index}/input`)
  }))

  const criterionReads: Record<AcceptanceCriterion, string> = {
    donorAge: 'donor.ageYears', kdpi: 'donor.kdpi', dcd: 'donor.dcd', donorWeight: 'donor.weightKg', distance: 'pair.distanceNm'
  }
  const eligibilityReads = sorted([
    ...ABO_FUNCTION_READS,
    ...(eligibility.virtualCrossmatch ? ['candidate.unacceptableAntigens', 'donor.hla'] : []),
    ...eligibility.acceptanceCriteria.map((c) => criterionReads[c]),
    ...aboExceptions.flatMap((e) => e.when.reads),
    ...rules.flatMap((r) => r.require.reads)
  ])
  const reads: AttributeReads = {
    eligibility: eligibilityReads,
    tiers: Object.fromEntries(tiers.map((t) => [t.name, t.when.reads])),
    components: Object.fromEntries(components.map((c) => [c.name, c.reads])),
    tieBreakers: Object.fromEntries(tieBreakers.map((t) => [t.name, t.input.reads])),
    all: sorted([...eligibilityReads, ...tiers.flatMap((t) => t.when.reads), ...components.flatMap((c) => c.reads), ...tieBreakers.flatMap((t) => t.input.reads)])
  }

  return deepFreeze({
    id: doc.id,
    version: doc.version,
    name: doc.name,
    hash: policyHash(doc),
    organType: doc.organType,
    effectiveFrom: doc.effectiveFrom,
    document: doc,
    urgencyClasses: [...doc.urgencyClasses],
    hlaMatching: doc.hlaMatching === undefined ? undefined : { ...doc.hlaMatching },
    eligibility,
    tiers,
    components,
    tieBreakers,
    reads
  })
}

/**
 * Validates and compiles a policy document. Parsing and checking happen here, once; the result is
 * deterministic (the same document gives an equal object and the same hash), so worker threads
 * compile the document themselves instead of receiving functions.
 */
export function compilePolicy (document: unknown): CompiledPolicy {
  // Copy first, so that freezing the compiled policy never freezes the caller's object.
  let copy: unknown
  try {
    copy = document === undefined ? undefined : JSON.parse(JSON.stringify(document))
  } catch (error) {
    throw new PolicyValidationError([{ path: '', message: `must be plain JSON (${(error as Error).message})` }])
  }
  const { analysis, issues } = analysePolicy(copy)
  if (analysis === undefined) throw new PolicyValidationError(issues)
  return build(analysis)
}
