import { isAboCompatible, type AboRuleSet } from '../clinical/abo-compatibility.js'
import { normaliseTyping } from '../clinical/hla-antigens.js'
import { countLocusMismatches, ukMismatchLevel } from '../clinical/hla-mismatch.js'
import { contentHash } from '../canonical-hash.js'
import { ABO_GROUPS, ABO_TYPES, aboGroup, type AboType } from '../domain/abo.js'
import { CANDIDATE_STATUSES } from '../domain/candidate.js'
import { isAuthorised } from '../domain/centre.js'
import type { Donor } from '../domain/donor.js'
import type { HlaTyping, MatchLocus } from '../domain/hla.js'
import { requireEnum, requireInteger, requireNumber, requireString } from '../domain/input.js'
import { ORGAN_PARTS, ORGAN_TYPES, type Organ } from '../domain/organ.js'
import { InvalidFieldError, MatchRunError } from '../errors.js'
import type { CompiledExpression, CompiledPolicy } from '../policy/compile-policy.js'
import type { RuleReason } from '../policy/policy-schema.js'
import { HLA_ATTRIBUTES, lookupAttribute } from '../policy/vocabulary.js'
import { greatCircleDistanceNm } from './distance.js'
import { asEvaluator, bindExpression, bindScale, type BindingEnvironment, type Bound, type Evaluator } from './evaluator.js'
import { FLAG_ELIGIBLE_FOR_A2, FLAG_PRIOR_LIVING_DONOR, parseInstant, type FloatColumn, type WaitlistSnapshot } from './snapshot.js'

export interface MatchRunInput {
  /** The match run's identity; it also seeds the tie-break lottery. */
  readonly matchRunId: string
  readonly donor: Donor
  readonly organ: Organ
  readonly policy: CompiledPolicy
  readonly snapshot: WaitlistSnapshot
  /** ISO 8601 instant of the match run; not before the snapshot's instant. */
  readonly matchTime: string
}

/** The donor's values as the run uses them; NaN marks an absent optional value. */
export interface RunDonor {
  readonly id: string
  readonly dcd: boolean
  readonly ageYears: number
  readonly heightCm: number
  readonly weightKg: number
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly kdpi: number
  readonly kdri: number
  readonly ukDonorRiskQuartile: number
  readonly hospitalCentreId: string
  readonly country: string
  readonly region: string
}

/**
 * Everything a match run precomputes once: per-centre distances and authorisations, the ABO table per
 * candidate blood group, the donor's antigens as a mark per antigen code, HLA mismatches per distinct
 * recipient typing, and the policy bound to the snapshot's columns as closures. Built the same way in
 * the main thread and in a worker (from the policy document, the snapshot parts and the donor).
 */
export interface MatchContext {
  readonly matchRunId: string
  readonly matchTime: string
  readonly policy: CompiledPolicy
  readonly snapshotHash: string
  readonly snapshotCount: number
  readonly organ: Organ
  readonly donor: RunDonor
  /** SHA-256 of the donor record as given. */
  readonly donorHash: string
  readonly statusOk: Uint8Array
  readonly urgencyOk: Uint8Array
  readonly centreAuthorised: Uint8Array
  readonly centreDistanceNm: Float64Array
  /** 1 at each antigen code the donor carries (codes index snapshot.tables.antigens). */
  readonly donorAntigenMarks: Uint8Array
  /** The base ABO rule set: allowed[aboTypeIndex * 2 + eligibleForA2]. */
  readonly aboAllowed: Uint8Array
  readonly aboExceptions: ReadonlyArray<{ readonly ruleSet: AboRuleSet, readonly when: Evaluator, readonly needs: number, readonly allowed: Uint8Array }>
  /** Optional attributes the policy reads; bit k of a missing mask refers to entry k. */
  readonly optionalReads: ReadonlyArray<{ readonly name: string, readonly read: Evaluator }>
  readonly rules: ReadonlyArray<{ readonly id: string, readonly reason: RuleReason, readonly description: string, readonly require: Evaluator, readonly needs: number }>
  readonly tiers: readonly Evaluator[]
  readonly components: readonly Evaluator[]
  /** Tie-breaker values, negated for descending order so that smaller always sorts first. */
  readonly tieBreakers: readonly Evaluator[]
  readonly tieBreakerSigns: readonly number[]
  readonly criteria: { readonly donorAge: boolean, readonly kdpi: boolean, readonly dcd: boolean, readonly donorWeight: boolean, readonly distance: boolean }
  /** Lottery keys computed so far (only candidates tied on everything else need one). */
  readonly lotteryKeys: Map<number, string>
}

const RANGE = {
  age: { min: 0, max: 120, unit: 'years' },
  height: { min: 20, max: 260, unit: 'cm' },
  weight: { min: 0.3, max: 400, unit: 'kg' },
  percent: { min: 0, max: 100, unit: '%' },
  kdri: { min: 0.1, max: 10, unit: '' },
  quartile: { min: 1, max: 4, unit: '' },
  latitude: { min: -90, max: 90, unit: 'degrees' },
  longitude: { min: -180, max: 180, unit: 'degrees' }
} as const

function optional (value: unknown, read: (v: unknown) => number): number {
  return value === undefined || value === null ? Number.NaN : read(value)
}

function checkDonor (donor: Donor): RunDonor & { latitudeDeg: number, longitudeDeg: number } {
  if (typeof donor !== 'object' || donor === null) throw new InvalidFieldError('donor', 'must be an object')
  if (requireEnum(donor.kind, 'donor.kind', ['deceased', 'living'] as const) !== 'deceased') {
    throw new InvalidFieldError('donor.kind', 'must be "deceased": living donation is directed, not allocated by match run')
  }
  return {
    id: requireString(donor.id, 'donor.id'),
    dcd: requireEnum(donor.pathway, 'donor.pathway', ['DBD', 'DCD'] as const) === 'DCD',
    ageYears: requireNumber(donor.ageYears, 'donor.ageYears', RANGE.age),
    heightCm: requireNumber(donor.heightCm, 'donor.heightCm', RANGE.height),
    weightKg: requireNumber(donor.weightKg, 'donor.weightKg', RANGE.weight),
    abo: requireEnum(donor.abo, 'donor.abo', ABO_TYPES),
    hla: normaliseTyping(donor.hla, 'donor.hla'),
    kdpi: optional(donor.kdpi, (v) => requireNumber(v, 'donor.kdpi', RANGE.percent)),
    kdri: optional(donor.kdri, (v) => requireNumber(v, 'donor.kdri', RANGE.kdri)),
    ukDonorRiskQuartile: optional(donor.ukDonorRiskQuartile, (v) => requireInteger(v, 'donor.ukDonorRiskQuartile', RANGE.quartile)),
    hospitalCentreId: requireString(donor.hospitalCentreId, 'donor.hospitalCentreId'),
    country: requireString(donor.country, 'donor.country', /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as NL'),
    region: requireString(donor.region, 'donor.region'),
    latitudeDeg: requireNumber(donor.latitudeDeg, 'donor.latitudeDeg', RANGE.latitude),
    longitudeDeg: requireNumber(donor.longitudeDeg, 'donor.longitudeDeg', RANGE.longitude)
  }
}

function checkPolicy (policy: CompiledPolicy): void {
  if (typeof policy !== 'object' || policy === null || typeof policy.hash !== 'string' || !Array.isArray(policy.tiers)) {
    throw new InvalidFieldError('policy', 'must be a compiled policy (compilePolicy)')
  }
}

/** The ABO rule set as a table over candidate ABO type and A2 eligibility. */
function aboTable (ruleSet: AboRuleSet, donorAbo: AboType): Uint8Array {
  const table = new Uint8Array(ABO_TYPES.length * 2)
  ABO_TYPES.forEach((candidateAbo, t) => {
    table[t * 2] = isAboCompatible(ruleSet, donorAbo, candidateAbo, false) ? 1 : 0
    table[t * 2 + 1] = isAboCompatible(ruleSet, donorAbo, candidateAbo, true) ? 1 : 0
  })
  return table
}

const GROUP_OF_TYPE = Uint8Array.from(ABO_TYPES.map((t) => ABO_GROUPS.indexOf(aboGroup(t))))

/**
 * Prepares a match run: checks the inputs, then precomputes per-donor tables and binds the policy's
 * expressions to the snapshot. Throws MatchRunError when organ, donor, policy and snapshot disagree,
 * or when the donor lacks a value the policy reads (e.g. KDPI).
 */
export function prepareMatchContext (input: MatchRunInput): MatchContext {
  const matchRunId = requireString(input.matchRunId, 'matchRunId')
  const { policy, snapshot } = input
  checkPolicy(policy)
  const donor = checkDonor(input.donor)
  const organ = input.organ
  if (typeof organ !== 'object' || organ === null) throw new InvalidFieldError('organ', 'must be an object')
  requireString(organ.id, 'organ.id')
  requireEnum(organ.organType, 'organ.organType', ORGAN_TYPES)
  requireEnum(organ.part, 'organ.part', ORGAN_PARTS)
  if (organ.donorId !== donor.id) throw new MatchRunError(`organ ${organ.id} belongs to donor ${String(organ.donorId)}, not ${donor.id}`, { field: 'organ.donorId', rule: 'must equal donor.id' })
  if (organ.organType !== policy.organType) throw new MatchRunError(`policy ${policy.id} allocates ${policy.organType}, not ${organ.organType}`, { field: 'organ.organType', rule: `must be ${policy.organType}, the policy's organ` })
  if (snapshot.organType !== organ.organType) throw new MatchRunError(`the snapshot lists ${snapshot.organType} candidates, not ${organ.organType}`, { field: 'snapshot.organType', rule: `must be ${organ.organType}` })
  const matchTime = parseInstant(input.matchTime, 'matchTime')
  if (matchTime.ms < Date.parse(snapshot.at)) throw new MatchRunError(`the match time ${matchTime.iso} is before the snapshot (${snapshot.at})`, { field: 'matchTime', rule: `must not be before ${snapshot.at}` })

  const { columns, tables } = snapshot
  const matchDate = matchTime.iso.slice(0, 10)

  const centreDistanceNm = Float64Array.from(tables.centres.map((c) => greatCircleDistanceNm(donor.latitudeDeg, donor.longitudeDeg, c.latitudeDeg, c.longitudeDeg)))
  const centreAuthorised = Uint8Array.from(tables.centres.map((c) => isAuthorised(c, organ.organType, 'transplant', matchDate) ? 1 : 0))
  const sameCentre = Uint8Array.from(tables.centres.map((c) => c.id === donor.hospitalCentreId ? 1 : 0))
  const sameCountry = Uint8Array.from(tables.centres.map((c) => c.country === donor.country ? 1 : 0))
  const sameRegion = Uint8Array.from(tables.centres.map((c) => c.country === donor.country && c.region === donor.region ? 1 : 0))

  const donorAntigenMarks = new Uint8Array(tables.antigens.length)
  const antigenCode = new Map(tables.antigens.map((a, i) => [a, i]))
  for (const locus of ['A', 'B', 'C', 'DR', 'DQ'] as const) {
    for (const antigen of donor.hla[locus] ?? []) {
      const code = antigenCode.get(antigen)
      if (code !== undefined) donorAntigenMarks[code] = 1
    }
  }

  // HLA mismatches depend only on the recipient's typing at each locus, so they are counted once per
  // distinct typing in the snapshot (a few hundred), not once per candidate.
  const expressions = allExpressions(policy)
  const expressionReads = new Set<string>(expressions.flatMap((e) => e.reads))
  const expressionNeeds = new Set<string>(expressions.flatMap((e) => e.needs))
  const readsHla = HLA_ATTRIBUTES.some((name) => expressionReads.has(name))
  const mismatches: Record<MatchLocus, Float64Array> = { A: new Float64Array(0), B: new Float64Array(0), DR: new Float64Array(0) }
  const ukLevels = new Float64Array(27)
  if (readsHla) {
    const levels = policy.hlaMatching
    /* c8 ignore next */
    if (levels === undefined) throw new MatchRunError(`policy ${policy.id} reads HLA mismatches without hlaMatching`, { field: 'policy.hlaMatching' })
    for (const locus of ['A', 'B', 'DR'] as const) {
      const donorLocus = donor.hla[locus]
      if (donorLocus.length === 0) throw new MatchRunError(`policy ${policy.id} counts HLA mismatches but the donor is not typed at HLA-${locus}`, { field: `donor.hla.${locus}`, rule: 'must hold 1 or 2 antigens' })
      mismatches[locus] = Float64Array.from(tables.hlaPhenotypes[locus].map((recipient) =>
        recipient.length === 0 ? Number.NaN : countLocusMismatches(donorLocus, recipient, levels[locus])))
    }
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let dr = 0; dr < 3; dr++) ukLevels[a * 9 + b * 3 + dr] = ukMismatchLevel({ A: a, B: b, DR: dr })
  }

  const donorAboGroup = ABO_GROUPS.indexOf(aboGroup(donor.abo))
  const aboCache = new Map<AboRuleSet, Uint8Array>()
  const aboFor = (ruleSet: AboRuleSet): Uint8Array => {
    let table = aboCache.get(ruleSet)
    if (table === undefined) aboCache.set(ruleSet, table = aboTable(ruleSet, donor.abo))
    return table
  }

  const col = columns
  const float = (name: FloatColumn): Evaluator => {
    const values = col[name]
    return (i) => values[i] as number
  }
  const { centre, abo, flags, hlaA, hlaB, hlaDR } = col
  const mmA = mismatches.A
  const mmB = mismatches.B
  const mmDR = mismatches.DR

  const env: BindingEnvironment = {
    attribute (name: string): Bound {
      switch (name) {
        case 'candidate.waitingDays': case 'candidate.dialysisDays': case 'candidate.cpraPercent': case 'candidate.vpraPercent':
        case 'candidate.mmpPercent': case 'candidate.meld': case 'candidate.peld': case 'candidate.eptsPercent': case 'candidate.ageYears':
        case 'candidate.ageAtRegistrationYears': case 'candidate.heightCm': case 'candidate.weightKg': case 'candidate.registeredAtDays':
        case 'candidate.matchabilityScore': case 'candidate.waitlistSurvivalDays': case 'candidate.postTransplantSurvivalDays':
          return float(name.slice('candidate.'.length) as FloatColumn)
        case 'candidate.urgency': { const u = col.urgency; return (i) => u[i] as number }
        case 'candidate.diagnosisGroup': { const d = col.diagnosisGroup; return (i) => d[i] as number }
        case 'candidate.abo': return (i) => GROUP_OF_TYPE[abo[i] as number] as number
        case 'candidate.paediatric': { const age = col.ageYears; return (i) => (age[i] as number) < 18 ? 1 : 0 }
        case 'candidate.priorLivingDonor': return (i) => ((flags[i] as number) & FLAG_PRIOR_LIVING_DONOR) !== 0 ? 1 : 0
        case 'candidate.meldOrPeld': {
          const meld = col.meld
          const peld = col.peld
          return (i) => { const m = meld[i] as number; return m === m ? m : peld[i] as number }
        }
        case 'candidate.ukRecipientRiskQuartile': { const q = col.ukRecipientRiskQuartile; return (i) => q[i] === 0 ? Number.NaN : q[i] as number }
        case 'donor.ageYears': return donor.ageYears
        case 'donor.kdpi': return donor.kdpi
        case 'donor.kdri': return donor.kdri
        case 'donor.dcd': return donor.dcd ? 1 : 0
        case 'donor.abo': return donorAboGroup
        case 'donor.weightKg': return donor.weightKg
        case 'donor.heightCm': return donor.heightCm
        case 'donor.ukDonorRiskQuartile': return donor.ukDonorRiskQuartile
        case 'pair.mismatchA': return (i) => mmA[hlaA[i] as number] as number
        case 'pair.mismatchB': return (i) => mmB[hlaB[i] as number] as number
        case 'pair.mismatchDR': return (i) => mmDR[hlaDR[i] as number] as number
        case 'pair.mismatchTotal': return (i) => (mmA[hlaA[i] as number] as number) + (mmB[hlaB[i] as number] as number) + (mmDR[hlaDR[i] as number] as number)
        case 'pair.ukMismatchLevel': return (i) => {
          const a = mmA[hlaA[i] as number] as number
          const b = mmB[hlaB[i] as number] as number
          const dr = mmDR[hlaDR[i] as number] as number
          return a === a && b === b && dr === dr ? ukLevels[a * 9 + b * 3 + dr] as number : Number.NaN
        }
        case 'pair.distanceNm': return (i) => centreDistanceNm[centre[i] as number] as number
        case 'pair.sameCentre': return (i) => sameCentre[centre[i] as number] as number
        case 'pair.sameRegion': return (i) => sameRegion[centre[i] as number] as number
        case 'pair.sameCountry': return (i) => sameCountry[centre[i] as number] as number
        case 'pair.ageDifferenceYears': { const age = col.ageYears; return (i) => donor.ageYears - (age[i] as number) }
        case 'pair.aboIdentical': return (i) => GROUP_OF_TYPE[abo[i] as number] === donorAboGroup ? 1 : 0
        case 'pair.weightRatio': { const w = col.weightKg; return (i) => donor.weightKg / (w[i] as number) }
        case 'pair.heightRatio': { const h = col.heightCm; return (i) => donor.heightCm / (h[i] as number) }
        /* c8 ignore next 2 */
        default:
          throw new MatchRunError(`attribute ${name} has no reader`, { field: name })
      }
    },
    categoryCode (attribute: string, value: string): number {
      if (attribute === 'candidate.urgency') return tables.urgencies.indexOf(value)
      if (attribute === 'candidate.diagnosisGroup') return tables.diagnosisGroups.indexOf(value)
      return (ABO_GROUPS as readonly string[]).indexOf(value)
    },
    aboCompatible (ruleSet: AboRuleSet): Bound {
      const table = aboFor(ruleSet)
      return (i) => table[(abo[i] as number) * 2 + (((flags[i] as number) & FLAG_ELIGIBLE_FOR_A2) !== 0 ? 1 : 0)] as number
    }
  }

  // A donor value the policy reads without a known() guard must be recorded: a list ranked on a guessed KDPI is worthless.
  for (const name of [...expressionNeeds].sort()) {
    const definition = lookupAttribute(name)
    if (definition?.entity === 'donor' && definition.optional && Number.isNaN(env.attribute(name) as number)) {
      throw new MatchRunError(`policy ${policy.id} reads ${name}, which is not recorded for donor ${donor.id}`, { field: name, rule: 'is required by the policy' })
    }
  }

  const optionalNames = [...expressionNeeds].filter((name) => {
    const definition = lookupAttribute(name)
    return definition !== undefined && definition.optional && definition.entity !== 'donor'
  }).sort()
  const optionalReads = optionalNames.map((name) => ({ name, read: asEvaluator(env.attribute(name)) }))
  const needsOf = (expression: CompiledExpression): number =>
    optionalNames.reduce((mask, name, bit) => expression.needs.includes(name) ? mask | (2 ** bit) : mask, 0)
  const bind = (expression: CompiledExpression): Evaluator => asEvaluator(bindExpression(expression.ast, env))

  const eligibility = policy.eligibility
  const components = policy.components.map((component) => {
    const input = component.input === undefined ? undefined : { node: component.input.ast, bound: bindExpression(component.input.ast, env) }
    const rating = bindScale(component.scale, input, {
      ...(component.rows === undefined ? {} : { rows: component.rows.ast }),
      ...(component.columns === undefined ? {} : { columns: component.columns.ast }),
      ...(component.formula === undefined ? {} : { formula: component.formula.ast })
    }, env)
    const weight = component.weight
    return typeof rating === 'number' ? () => weight * rating : (i: number) => weight * rating(i)
  })

  return {
    matchRunId,
    matchTime: matchTime.iso,
    policy,
    snapshotHash: snapshot.hash,
    snapshotCount: snapshot.count,
    organ,
    donor: Object.freeze({ ...donor }),
    donorHash: contentHash(input.donor),
    statusOk: Uint8Array.from(CANDIDATE_STATUSES.map((s) => eligibility.statuses.includes(s) ? 1 : 0)),
    urgencyOk: Uint8Array.from(tables.urgencies.map((u) => policy.urgencyClasses.includes(u) ? 1 : 0)),
    centreAuthorised: eligibility.centreAuthorisation ? centreAuthorised : new Uint8Array(tables.centres.length).fill(1),
    centreDistanceNm,
    donorAntigenMarks,
    aboAllowed: aboFor(eligibility.aboRuleSet),
    aboExceptions: eligibility.aboExceptions.map((e) => ({ ruleSet: e.ruleSet, when: bind(e.when), needs: needsOf(e.when), allowed: aboFor(e.ruleSet) })),
    optionalReads,
    rules: eligibility.rules.map((r) => ({ id: r.id, reason: r.reason, description: r.description, require: bind(r.require), needs: needsOf(r.require) })),
    tiers: policy.tiers.map((t) => bind(t.when)),
    components,
    tieBreakers: policy.tieBreakers.map((t) => bind(t.input)),
    tieBreakerSigns: policy.tieBreakers.map((t) => t.order === 'desc' ? -1 : 1),
    criteria: {
      donorAge: eligibility.acceptanceCriteria.includes('donorAge'),
      kdpi: eligibility.acceptanceCriteria.includes('kdpi'),
      dcd: eligibility.acceptanceCriteria.includes('dcd'),
      donorWeight: eligibility.acceptanceCriteria.includes('donorWeight'),
      distance: eligibility.acceptanceCriteria.includes('distance')
    },
    lotteryKeys: new Map()
  }
}

/** Every expression of a compiled policy. */
export function allExpressions (policy: CompiledPolicy): CompiledExpression[] {
  return [
    ...policy.eligibility.aboExceptions.map((e) => e.when),
    ...policy.eligibility.rules.map((r) => r.require),
    ...policy.tiers.map((t) => t.when),
    ...policy.components.flatMap((c) => [c.input, c.rows, c.columns, c.formula].filter((e): e is CompiledExpression => e !== undefined)),
    ...policy.tieBreakers.map((t) => t.input)
  ]
}
