import { ABO_TYPES } from '../domain/abo.js'
import { CANDIDATE_STATUSES } from '../domain/candidate.js'
import type { MatchContext } from './match-context.js'
import type { ScoredWaitlist } from './merge-partitions.js'
import { REASON_CODES, type ReasonCode } from './reason-codes.js'
import type { WaitlistSnapshot } from './snapshot.js'

export interface ExclusionReason {
  readonly code: ReasonCode
  readonly detail: string
  /** For POSITIVE_VIRTUAL_CROSSMATCH: the donor antigens the candidate has listed as unacceptable. */
  readonly antigens?: readonly string[]
}

/** A reason object (frozen, shared by every candidate it applies to) and its JSON text. */
export interface ExplainedReason {
  readonly reason: ExclusionReason
  readonly json: string
}

/** Appends the reasons of an excluded candidate (snapshot index) to `out`, in REASON_CODES order. */
export type ReasonExplainer = (index: number, out: ExplainedReason[]) => void

function formatNumber (value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10)
}

const at = (code: ReasonCode): number => REASON_CODES.indexOf(code)
const INACTIVE = at('INACTIVE')
const URGENCY = at('URGENCY_NOT_IN_POLICY')
const MISSING = at('MISSING_DATA')
const UNAUTHORISED = at('CENTRE_NOT_AUTHORISED')
const ABO = at('ABO_INCOMPATIBLE')
const CROSSMATCH = at('POSITIVE_VIRTUAL_CROSSMATCH')
const DONOR_AGE = at('CENTRE_CRITERIA_DONOR_AGE')
const KDPI = at('CENTRE_CRITERIA_KDPI')
const DCD = at('CENTRE_CRITERIA_DCD')
const WEIGHT = at('CENTRE_CRITERIA_DONOR_WEIGHT')
const DISTANCE = at('CENTRE_CRITERIA_DISTANCE')
const NO_TIER = at('NOT_IN_ANY_TIER')

function cached<K> (cache: Map<K, ExplainedReason>, key: K, build: (key: K) => ExplainedReason): ExplainedReason {
  let explained = cache.get(key)
  if (explained === undefined) cache.set(key, explained = build(key))
  return explained
}

/**
 * The explanations of one match list. A reason's text depends only on a few values (status, urgency
 * class, centre, blood group and rule set, policy rule, or a candidate's stated limit), so each
 * distinct reason is built once per list, with its JSON text, and shared by every candidate it applies
 * to (speed and memory: a 100,000-candidate list has tens of thousands of identical ABO reasons, and
 * the list's JSON is written from the cached texts without building objects). Shared reasons are
 * frozen. The per-candidate path only looks keys up; texts are made in `describe`, once per key.
 */
export function createReasonExplainer (context: MatchContext, snapshot: WaitlistSnapshot, scored: ScoredWaitlist): ReasonExplainer {
  const { columns: col, tables } = snapshot
  const { donor, policy } = context
  const make = (reason: ExclusionReason): ExplainedReason => ({ reason: Object.freeze(reason), json: JSON.stringify(reason) })
  const exceptions = context.aboExceptions
  const aboTypeCount = ABO_TYPES.length

  /** The reason of code index k for candidate `index` (slow path: once per distinct key). */
  const describe = (k: number, index: number): ExplainedReason => {
    const code = REASON_CODES[k] as ReasonCode
    switch (code) {
      case 'INACTIVE': {
        const status = String(CANDIDATE_STATUSES[col.status[index] as number])
        return make({ code, detail: `status "${status}" does not receive offers under this policy (offers go to: ${policy.eligibility.statuses.join(', ')})` })
      }
      case 'URGENCY_NOT_IN_POLICY': {
        const urgency = String(tables.urgencies[col.urgency[index] as number])
        return make({ code, detail: `urgency "${urgency}" is not one of the policy's classes (${policy.urgencyClasses.join(', ')})` })
      }
      case 'MISSING_DATA': {
        const missing = scored.missing[index] as number
        const absent = context.optionalReads.filter((_, r) => (missing & (2 ** r)) !== 0).map((r) => r.name)
        return make({ code, detail: `not recorded for this candidate: ${absent.join(', ')}` })
      }
      case 'CENTRE_NOT_AUTHORISED': {
        const centre = String(tables.centres[col.centre[index] as number]?.id)
        return make({ code, detail: `centre ${centre} holds no authorisation to transplant ${context.organ.organType} on ${context.matchTime.slice(0, 10)}` })
      }
      case 'ABO_INCOMPATIBLE': {
        const ruleSet = exceptions[aboException(index)]?.ruleSet ?? policy.eligibility.aboRuleSet
        const candidateAbo = String(ABO_TYPES[col.abo[index] as number])
        return make({ code, detail: `a donor of blood group ${donor.abo} may not go to a candidate of group ${candidateAbo} under the "${ruleSet}" rule` })
      }
      case 'POSITIVE_VIRTUAL_CROSSMATCH': {
        const antigens = crossmatchAntigens(index)
        return make({ antigens: Object.freeze(antigens), code, detail: `the donor carries unacceptable antigen${antigens.length > 1 ? 's' : ''} ${antigens.join(', ')}` })
      }
      case 'CENTRE_CRITERIA_DONOR_AGE':
        return make({ code, detail: `donor age ${formatNumber(donor.ageYears)} years is above the candidate's maximum of ${formatNumber(col.maxDonorAgeYears[index] as number)} years` })
      case 'CENTRE_CRITERIA_KDPI': {
        const max = col.maxKdpi[index] as number
        return make({ code, detail: Number.isNaN(donor.kdpi)
          ? `the donor's KDPI is not recorded and the candidate accepts at most ${formatNumber(max)}%`
          : `donor KDPI ${formatNumber(donor.kdpi)}% is above the candidate's maximum of ${formatNumber(max)}%` })
      }
      case 'CENTRE_CRITERIA_DCD':
        return make({ code, detail: 'the donor is DCD and the candidate does not accept DCD organs' })
      case 'CENTRE_CRITERIA_DONOR_WEIGHT': {
        const min = col.minDonorWeightKg[index] as number
        const max = col.maxDonorWeightKg[index] as number
        const range = Number.isNaN(min) ? `at most ${formatNumber(max)} kg` : Number.isNaN(max) ? `at least ${formatNumber(min)} kg` : `${formatNumber(min)}–${formatNumber(max)} kg`
        return make({ code, detail: `donor weight ${formatNumber(donor.weightKg)} kg is outside the candidate's accepted range (${range})` })
      }
      case 'CENTRE_CRITERIA_DISTANCE':
        return make({ code, detail: `the donor hospital is ${formatNumber(context.centreDistanceNm[col.centre[index] as number] as number)} NM away; the candidate accepts at most ${formatNumber(col.maxDistanceNm[index] as number)} NM` })
      default: // NOT_IN_ANY_TIER (policy rules are made up front)
        return make({ code, detail: `meets none of the tier conditions (${policy.tiers.map((t) => t.name).join(', ')})` })
    }
  }

  /** Index of the first ABO exception whose condition holds; exceptions.length: none (the policy's rule set). */
  const aboException = (index: number): number => {
    let e = 0
    while (e < exceptions.length && (exceptions[e] as { when: (i: number) => number }).when(index) === 0) e++
    return e
  }
  const crossmatchAntigens = (index: number): string[] => {
    const antigens: string[] = []
    for (let a = col.unacceptableOffsets[index] as number; a < (col.unacceptableOffsets[index + 1] as number); a++) {
      const antigen = col.unacceptableCodes[a] as number
      if (context.donorAntigenMarks[antigen] === 1) antigens.push(tables.antigens[antigen] as string)
    }
    return antigens
  }

  // Small-integer keys (status, urgency class, centre, blood group under a rule set) index arrays;
  // a candidate's limits key maps by value (and the centre's distance), never by candidate.
  const byStatus: Array<ExplainedReason | undefined> = []
  const byUrgency: Array<ExplainedReason | undefined> = []
  const byCentre: Array<ExplainedReason | undefined> = []
  const byAbo: Array<ExplainedReason | undefined> = []
  const byMissing = new Map<number, ExplainedReason>()
  const byAntigens = new Map<string, ExplainedReason>()
  const byDonorAge = new Map<number, ExplainedReason>()
  const byKdpi = new Map<number, ExplainedReason>()
  const byWeight = new Map<number, Map<number, ExplainedReason>>()
  const byDistance = new Map<number, Map<number, ExplainedReason>>()
  let dcd: ExplainedReason | undefined
  let noTier: ExplainedReason | undefined
  const rules = context.rules
  const ruleCodes = Int32Array.from(rules, (rule) => REASON_CODES.indexOf(rule.reason))
  const ruleReasons = rules.map((rule) => make({ code: rule.reason, detail: `rule "${rule.id}": ${rule.description}` }))
  const { status, urgency, centre, abo, maxDonorAgeYears, maxKdpi, minDonorWeightKg, maxDonorWeightKg, maxDistanceNm } = col
  const { reasons, missing, failedRules } = scored

  return (index, out) => {
    let mask = reasons[index] as number
    while (mask !== 0) {
      const bit = mask & -mask
      mask ^= bit
      // REASON_BIT[code] is 2 ** (index in REASON_CODES): lowest bit first is REASON_CODES order.
      const k = 31 - Math.clz32(bit)
      let key: number
      switch (k) {
        case INACTIVE:
          key = status[index] as number
          out.push(byStatus[key] ?? (byStatus[key] = describe(k, index)))
          break
        case URGENCY:
          key = urgency[index] as number
          out.push(byUrgency[key] ?? (byUrgency[key] = describe(k, index)))
          break
        case MISSING:
          out.push(cached(byMissing, missing[index] as number, () => describe(k, index)))
          break
        case UNAUTHORISED:
          key = centre[index] as number
          out.push(byCentre[key] ?? (byCentre[key] = describe(k, index)))
          break
        case ABO:
          key = aboException(index) * aboTypeCount + (abo[index] as number)
          out.push(byAbo[key] ?? (byAbo[key] = describe(k, index)))
          break
        case CROSSMATCH:
          out.push(cached(byAntigens, crossmatchAntigens(index).join(','), () => describe(k, index)))
          break
        case DONOR_AGE:
          out.push(cached(byDonorAge, maxDonorAgeYears[index] as number, () => describe(k, index)))
          break
        case KDPI:
          out.push(cached(byKdpi, maxKdpi[index] as number, () => describe(k, index)))
          break
        case DCD:
          out.push(dcd ??= describe(k, index))
          break
        case WEIGHT:
          out.push(cached(cached2(byWeight, minDonorWeightKg[index] as number), maxDonorWeightKg[index] as number, () => describe(k, index)))
          break
        case DISTANCE:
          out.push(cached(cached2(byDistance, context.centreDistanceNm[centre[index] as number] as number), maxDistanceNm[index] as number, () => describe(k, index)))
          break
        case NO_TIER:
          out.push(noTier ??= describe(k, index))
          break
        default:
          // Policy rules: one reason per failed rule, so two size rules give two SIZE entries.
          for (let r = 0; r < ruleCodes.length; r++) {
            if (ruleCodes[r] === k && ((failedRules[index] as number) & (2 ** r)) !== 0) out.push(ruleReasons[r] as ExplainedReason)
          }
      }
    }
  }
}

function cached2 (cache: Map<number, Map<number, ExplainedReason>>, key: number): Map<number, ExplainedReason> {
  let inner = cache.get(key)
  if (inner === undefined) cache.set(key, inner = new Map())
  return inner
}
