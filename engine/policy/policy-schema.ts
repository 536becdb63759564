import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'
import { ABO_RULE_SETS } from '../clinical/abo-compatibility.js'
import { CANDIDATE_STATUSES } from '../domain/candidate.js'
import { ORGAN_TYPES } from '../domain/organ.js'

/**
 * The policy document format, as TypeBox definitions. The JSON Schema published in
 * docs/policy.schema.json is generated from `PolicyDocumentSchema` (data/policies/write-schema.ts),
 * and a test keeps the two equal. Structure is checked against this schema; meaning (attributes,
 * expression types, ordering of steps…) by validatePolicy.
 */

const closed = { additionalProperties: false } as const

function literals<T extends string> (values: readonly T[], description: string): TUnion<Array<TLiteral<T>>> {
  return Type.Union(values.map((v) => Type.Literal(v)), { description })
}

const Name = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 64, description: 'Lower-case kebab-case name, unique in its list.' })
const Expression = Type.String({ minLength: 1, maxLength: 4000, description: 'An expression in the policy language (docs/policy-language.md).' })
const Key = Type.Union([Type.Number(), Type.Boolean(), Type.String()], { description: 'A value of the rated input: a number, true/false, or a category value.' })

export const LinearScaleSchema = Type.Object({
  kind: Type.Literal('linear'),
  slope: Type.Number({ description: 'Rating per unit of input.' }),
  intercept: Type.Optional(Type.Number({ description: 'Rating at input 0 (default 0).' })),
  min: Type.Optional(Type.Number({ description: 'Lower cap on the rating.' })),
  max: Type.Optional(Type.Number({ description: 'Upper cap on the rating.' }))
}, { ...closed, description: 'rating = clamp(intercept + slope × input, min, max).' })

export const StepsScaleSchema = Type.Object({
  kind: Type.Literal('steps'),
  below: Type.Number({ description: 'Rating for an input below the first step.' }),
  steps: Type.Array(Type.Object({
    atLeast: Type.Number({ description: 'The step applies from this input value upwards (inclusive).' }),
    value: Type.Number({ description: 'Rating for inputs in this step.' })
  }, closed), { minItems: 1, description: 'Steps in strictly increasing order of atLeast.' })
}, { ...closed, description: 'A step table: the rating of the last step whose atLeast ≤ input.' })

export const PiecewiseLinearScaleSchema = Type.Object({
  kind: Type.Literal('piecewise-linear'),
  points: Type.Array(Type.Object({
    at: Type.Number({ description: 'Input value of the knot.' }),
    value: Type.Number({ description: 'Rating at the knot.' })
  }, closed), { minItems: 2, description: 'Knots in strictly increasing order of input; flat beyond the first and last.' })
}, { ...closed, description: 'Linear interpolation between knots.' })

export const ExponentialScaleSchema = Type.Object({
  kind: Type.Literal('exponential'),
  base: Type.Number({ exclusiveMinimum: 0, description: 'Steepness; must not be 1. 25 and 100 are the lung CAS values.' }),
  from: Type.Number({ description: 'Input value rated 0.' }),
  to: Type.Number({ description: 'Input value rated 1 (may be below from for a decreasing scale).' })
}, { ...closed, description: 'Sliding scale: u = clamp((input − from)/(to − from), 0, 1); rating = (base^u − 1)/(base − 1).' })

export const LookupScaleSchema = Type.Object({
  kind: Type.Literal('lookup'),
  entries: Type.Array(Type.Object({ key: Key, value: Type.Number() }, closed), { minItems: 1, description: 'Rating per input value; keys unique.' }),
  otherwise: Type.Number({ description: 'Rating for an input value not listed.' })
}, { ...closed, description: 'A table over one input.' })

const MatrixAxis = Type.Object({
  input: Expression,
  keys: Type.Array(Key, { minItems: 1, description: 'Values of this axis, in the order of the matrix.' })
}, closed)

export const MatrixScaleSchema = Type.Object({
  kind: Type.Literal('matrix'),
  rows: MatrixAxis,
  columns: MatrixAxis,
  values: Type.Array(Type.Array(Type.Number()), { minItems: 1, description: 'values[row][column]; one row per row key, one value per column key.' }),
  otherwise: Type.Number({ description: 'Rating when either input has a value not listed.' })
}, { ...closed, description: 'A table over two inputs (e.g. donor risk quartile × recipient risk quartile).' })

export const FormulaScaleSchema = Type.Object({
  kind: Type.Literal('formula'),
  formula: Expression
}, { ...closed, description: 'The rating is an expression; the component has no separate input.' })

export const ScaleSchema = Type.Union([
  LinearScaleSchema, StepsScaleSchema, PiecewiseLinearScaleSchema, ExponentialScaleSchema, LookupScaleSchema, MatrixScaleSchema, FormulaScaleSchema
], { description: 'How the input becomes a rating.' })

export const SCALE_SCHEMAS: Readonly<Record<string, TSchema>> = {
  linear: LinearScaleSchema,
  steps: StepsScaleSchema,
  'piecewise-linear': PiecewiseLinearScaleSchema,
  exponential: ExponentialScaleSchema,
  lookup: LookupScaleSchema,
  matrix: MatrixScaleSchema,
  formula: FormulaScaleSchema
}

export const ComponentSchema = Type.Object({
  name: Name,
  description: Type.Optional(Type.String()),
  input: Type.Optional(Expression),
  scale: ScaleSchema,
  weight: Type.Number({ description: 'Points = weight × rating.' })
}, { ...closed, description: 'A point component. `input` (an attribute or expression) is required except for matrix and formula scales, which name their own inputs.' })

export const TierSchema = Type.Object({
  name: Name,
  description: Type.Optional(Type.String()),
  when: Expression
}, { ...closed, description: 'A lexicographic class: a candidate falls in the first tier whose condition holds.' })

export const TieBreakerSchema = Type.Object({
  name: Name,
  input: Expression,
  order: literals(['asc', 'desc'] as const, 'asc: smaller first; desc: larger first.')
}, { ...closed, description: 'Orders candidates equal in tier and points; a seeded lottery follows the last.' })

export const RULE_REASONS = ['SIZE', 'DISTANCE', 'DONOR_AGE', 'CANDIDATE_AGE', 'POLICY_RULE'] as const

export const EligibilityRuleSchema = Type.Object({
  id: Name,
  reason: literals(RULE_REASONS, 'Reason code reported when the rule excludes a candidate.'),
  require: Expression,
  description: Type.String({ minLength: 1 })
}, { ...closed, description: 'A candidate is eligible only if `require` holds.' })

export const ACCEPTANCE_CRITERIA = ['donorAge', 'kdpi', 'dcd', 'donorWeight', 'distance'] as const

export const EligibilitySchema = Type.Object({
  statuses: Type.Array(literals(CANDIDATE_STATUSES, 'Candidate status'), { minItems: 1, uniqueItems: true, description: 'Statuses that may receive offers.' }),
  abo: Type.Object({
    ruleSet: literals(ABO_RULE_SETS, 'ABO rule set (engine/clinical/abo-compatibility).'),
    exceptions: Type.Optional(Type.Array(Type.Object({
      when: Expression,
      ruleSet: literals(ABO_RULE_SETS, 'ABO rule set used when `when` holds.')
    }, closed), { description: 'The first exception whose condition holds replaces the rule set.' }))
  }, closed),
  virtualCrossmatch: Type.Boolean({ description: 'Exclude candidates with unacceptable antigens the donor carries (split/broad expanded).' }),
  centreAuthorisation: Type.Boolean({ description: 'Exclude candidates whose centre is not authorised to transplant this organ on the match date.' }),
  acceptanceCriteria: Type.Array(literals(ACCEPTANCE_CRITERIA, 'Candidate acceptance criterion'), { uniqueItems: true, description: 'Which of the candidate\'s own acceptance criteria apply.' }),
  rules: Type.Array(EligibilityRuleSchema, { description: 'Further requirements (size, distance, donor or candidate age…).' })
}, closed)

export const PolicyDocumentSchema = Type.Object({
  formatVersion: Type.Literal(1),
  id: Name,
  version: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', description: 'Semantic version of this policy, e.g. 1.0.0.' }),
  name: Type.String({ minLength: 1 }),
  organType: literals(ORGAN_TYPES, 'Organ the policy allocates.'),
  effectiveFrom: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Date (YYYY-MM-DD) from which the published rule applies.' }),
  sources: Type.Array(Type.Object({
    citation: Type.String({ minLength: 1 }),
    url: Type.Optional(Type.String({ pattern: '^https?://' }))
  }, closed), { minItems: 1, description: 'Where the rules come from.' }),
  notes: Type.Array(Type.String({ minLength: 1 }), { description: 'Where and how this document simplifies the published rule.' }),
  urgencyClasses: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description: 'Urgency classes the policy knows; other candidates are excluded with URGENCY_NOT_IN_POLICY.' }),
  hlaMatching: Type.Optional(Type.Object({
    A: literals(['broad', 'split'] as const, 'Match level at HLA-A'),
    B: literals(['broad', 'split'] as const, 'Match level at HLA-B'),
    DR: literals(['broad', 'split'] as const, 'Match level at HLA-DR')
  }, { ...closed, description: 'Required when the policy reads HLA mismatch attributes.' })),
  eligibility: EligibilitySchema,
  tiers: Type.Array(TierSchema, { minItems: 1, description: 'Ordered tiers; candidates in no tier are excluded with NOT_IN_ANY_TIER.' }),
  components: Type.Array(ComponentSchema, { description: 'Point components, summed within a tier.' }),
  tieBreakers: Type.Array(TieBreakerSchema, { description: 'Applied in order to candidates equal in tier and total points.' })
}, {
  ...closed,
  $id: 'https://organ-allocation-engine.org/schemas/policy-1.json',
  title: 'Organ allocation policy',
  description: 'A declarative, versioned allocation policy. Its canonical JSON (RFC 8785) is hashed; the hash identifies it in every match list.'
})

export type PolicyDocument = Static<typeof PolicyDocumentSchema>
export type PolicyComponent = PolicyDocument['components'][number]
export type PolicyScale = PolicyComponent['scale']
export type PolicyTier = PolicyDocument['tiers'][number]
export type PolicyTieBreaker = PolicyDocument['tieBreakers'][number]
export type PolicyEligibility = PolicyDocument['eligibility']
export type PolicyEligibilityRule = PolicyEligibility['rules'][number]
export type RuleReason = typeof RULE_REASONS[number]
export type AcceptanceCriterion = typeof ACCEPTANCE_CRITERIA[number]
