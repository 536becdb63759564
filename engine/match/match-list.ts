import { contentHash, sha256Hex } from '../canonical-hash.js'
import { ABO_TYPES } from '../domain/abo.js'
import { CANDIDATE_STATUSES } from '../domain/candidate.js'
import type { Organ } from '../domain/organ.js'
import type { MatchContext } from './match-context.js'
import type { ScoredWaitlist } from './merge-partitions.js'
import { REASON_BIT, REASON_CODES, type ReasonCode } from './reason-codes.js'
import { compareWithoutLottery, lotteryKey } from './score-partition.js'
import type { WaitlistSnapshot } from './snapshot.js'

export interface RankedEntry {
  /** 1-based position on the list. */
  readonly rank: number
  readonly candidateId: string
  readonly centreId: string
  readonly tier: { readonly index: number, readonly name: string }
  /** Points per component (weight × rating), by component name. */
  readonly points: Readonly<Record<string, number>>
  readonly totalPoints: number
  readonly distanceNm: number
  /**
   * The declared tie-breakers' values, by name; `lottery` (a hex key) appears only where the
   * candidate was equal to a neighbour on everything else.
   */
  readonly tieBreak: Readonly<Record<string, number | string>>
}

export interface ExclusionReason {
  readonly code: ReasonCode
  readonly detail: string
  /** For POSITIVE_VIRTUAL_CROSSMATCH: the donor antigens the candidate has listed as unacceptable. */
  readonly antigens?: readonly string[]
}

export interface ExcludedEntry {
  readonly candidateId: string
  readonly centreId: string
  readonly reasons: readonly ExclusionReason[]
}

/**
 * The result of a match run: an audit object. `outputHash` is the SHA-256 of the canonical JSON of
 * every other field, which include the policy hash, the snapshot hash and the donor hash, so a replay
 * proves it is identical by comparing one string.
 */
export interface MatchList {
  readonly matchRunId: string
  readonly policy: { readonly id: string, readonly version: string, readonly hash: string }
  readonly snapshotHash: string
  readonly donorId: string
  readonly donorHash: string
  readonly organ: Organ
  readonly matchTime: string
  readonly ranked: readonly RankedEntry[]
  readonly excluded: readonly ExcludedEntry[]
  readonly outputHash: string
}

/** The hash a match list must carry: over every field except `outputHash` itself. */
export function matchListHash (list: Omit<MatchList, 'outputHash'> & { outputHash?: string }): string {
  const { outputHash: _ignored, ...content } = list
  return contentHash(content)
}

/** True when the list's outputHash matches its content. */
export function verifyMatchListHash (list: MatchList): boolean {
  return matchListHash(list) === list.outputHash
}

function formatNumber (value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10)
}

/**
 * Reasons whose text depends only on a few values (status, urgency class, centre, blood group, rule)
 * are built once per match list and shared by every candidate they apply to (speed and memory: a
 * 100,000-candidate list has tens of thousands of identical ABO reasons). Shared reasons are frozen.
 */
type ReasonCache = Map<string, ExclusionReason>

function shared (cache: ReasonCache, key: string, make: () => ExclusionReason): ExclusionReason {
  let reason = cache.get(key)
  if (reason === undefined) cache.set(key, reason = Object.freeze(make()))
  return reason
}

function explain (context: MatchContext, snapshot: WaitlistSnapshot, scored: ScoredWaitlist, index: number, cache: ReasonCache): ExclusionReason[] {
  const mask = scored.reasons[index] as number
  const { columns: col, tables } = snapshot
  const { donor, policy } = context
  const reasons: ExclusionReason[] = []
  for (const code of REASON_CODES) {
    if ((mask & REASON_BIT[code]) === 0) continue
    switch (code) {
      case 'INACTIVE': {
        const status = String(CANDIDATE_STATUSES[col.status[index] as number])
        reasons.push(shared(cache, `${code}/${status}`, () => ({ code, detail: `status "${status}" does not receive offers under this policy (offers go to: ${policy.eligibility.statuses.join(', ')})` })))
        break
      }
      case 'URGENCY_NOT_IN_POLICY': {
        const urgency = String(tables.urgencies[col.urgency[index] as number])
        reasons.push(shared(cache, `${code}/${urgency}`, () => ({ code, detail: `urgency "${urgency}" is not one of the policy's classes (${policy.urgencyClasses.join(', ')})` })))
        break
      }
      case 'MISSING_DATA': {
        const missing = scored.missing[index] as number
        reasons.push(shared(cache, `${code}/${missing}`, () => {
          const absent = context.optionalReads.filter((_, k) => (missing & (2 ** k)) !== 0).map((r) => r.name)
          return { code, detail: `not recorded for this candidate: ${absent.join(', ')}` }
        }))
        break
      }
      case 'CENTRE_NOT_AUTHORISED': {
        const centre = String(tables.centres[col.centre[index] as number]?.id)
        reasons.push(shared(cache, `${code}/${centre}`, () => ({ code, detail: `centre ${centre} holds no authorisation to transplant ${context.organ.organType} on ${context.matchTime.slice(0, 10)}` })))
        break
      }
      case 'ABO_INCOMPATIBLE': {
        const exception = context.aboExceptions.find((e) => e.when(index) !== 0)
        const ruleSet = exception?.ruleSet ?? policy.eligibility.aboRuleSet
        const candidateAbo = String(ABO_TYPES[col.abo[index] as number])
        reasons.push(shared(cache, `${code}/${ruleSet}/${candidateAbo}`, () => ({ code, detail: `a donor of blood group ${donor.abo} may not go to a candidate of group ${candidateAbo} under the "${ruleSet}" rule` })))
        break
      }
      case 'POSITIVE_VIRTUAL_CROSSMATCH': {
        const antigens: string[] = []
        for (let k = col.unacceptableOffsets[index] as number; k < (col.unacceptableOffsets[index + 1] as number); k++) {
          const code = col.unacceptableCodes[k] as number
          if (context.donorAntigenMarks[code] === 1) antigens.push(tables.antigens[code] as string)
        }
        reasons.push(shared(cache, `${code}/${antigens.join(',')}`, () => ({ antigens: Object.freeze(antigens), code, detail: `the donor carries unacceptable antigen${antigens.length > 1 ? 's' : ''} ${antigens.join(', ')}` })))
        break
      }
      case 'CENTRE_CRITERIA_DONOR_AGE':
        reasons.push({ code, detail: `donor age ${formatNumber(donor.ageYears)} years is above the candidate's maximum of ${formatNumber(col.maxDonorAgeYears[index] as number)} years` })
        break
      case 'CENTRE_CRITERIA_KDPI':
        reasons.push({ code, detail: Number.isNaN(donor.kdpi)
          ? `the donor's KDPI is not recorded and the candidate accepts at most ${formatNumber(col.maxKdpi[index] as number)}%`
          : `donor KDPI ${formatNumber(donor.kdpi)}% is above the candidate's maximum of ${formatNumber(col.maxKdpi[index] as number)}%` })
        break
      case 'CENTRE_CRITERIA_DCD':
        reasons.push(shared(cache, code, () => ({ code, detail: 'the donor is DCD and the candidate does not accept DCD organs' })))
        break
      case 'CENTRE_CRITERIA_DONOR_WEIGHT': {
        const min = col.minDonorWeightKg[index] as number
        const max = col.maxDonorWeightKg[index] as number
        const range = Number.isNaN(min) ? `at most ${formatNumber(max)} kg` : Number.isNaN(max) ? `at least ${formatNumber(min)} kg` : `${formatNumber(min)}–${formatNumber(max)} kg`
        reasons.push({ code, detail: `donor weight ${formatNumber(donor.weightKg)} kg is outside the candidate's accepted range (${range})` })
        break
      }
      case 'CENTRE_CRITERIA_DISTANCE':
        reasons.push({ code, detail: `the donor hospital is ${formatNumber(context.centreDistanceNm[col.centre[index] as number] as number)} NM away; the candidate accepts at most ${formatNumber(col.maxDistanceNm[index] as number)} NM` })
        break
      case 'NOT_IN_ANY_TIER':
        reasons.push(shared(cache, code, () => ({ code, detail: `meets none of the tier conditions (${policy.tiers.map((t) => t.name).join(', ')})` })))
        break
      default:
        // Policy rules: one reason per failed rule, so two size rules give two SIZE entries.
        context.rules.forEach((rule, r) => {
          if (rule.reason === code && ((scored.failedRules[index] as number) & (2 ** r)) !== 0) {
            reasons.push(shared(cache, `rule/${r}`, () => ({ code, detail: `rule "${rule.id}": ${rule.description}` })))
          }
        })
    }
  }
  return reasons
}

function byCodeUnits (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Builds the match list from a scored waiting list: explanation objects are made here, once per
 * candidate of the output, never in the scoring loop.
 *
 * Every object is built with its keys in RFC 8785 order (sorted by UTF-16 code units; no key is an
 * array index), so JSON.stringify of the content equals its canonical JSON and the output hash is
 * computed natively (speed: the canonicalize library takes seconds on a 100,000-candidate list).
 * Tests check the equality on every golden list.
 */
export function buildMatchList (context: MatchContext, snapshot: WaitlistSnapshot, scored: ScoredWaitlist): MatchList {
  const { tables, columns: col } = snapshot
  const { policy } = context
  const componentCount = policy.components.length
  const tieBreakerCount = policy.tieBreakers.length
  const componentOrder = policy.components.map((c, index) => ({ name: c.name, index })).sort((a, b) => byCodeUnits(a.name, b.name))
  const tieBreakerOrder = [...policy.tieBreakers.map((t, index) => ({ name: t.name, index })), { name: 'lottery', index: -1 }].sort((a, b) => byCodeUnits(a.name, b.name))
  const order = scored.order

  const ranked: RankedEntry[] = []
  for (let position = 0; position < order.length; position++) {
    const i = order[position] as number
    const t = scored.tier[i] as number
    const points: Record<string, number> = {}
    for (const { name, index } of componentOrder) points[name] = scored.points[i * componentCount + index] as number
    const previous = order[position - 1]
    const next = order[position + 1]
    const tied = (previous !== undefined && compareWithoutLottery(context, scored, previous, i) === 0) ||
      (next !== undefined && compareWithoutLottery(context, scored, i, next) === 0)
    const tieBreak: Record<string, number | string> = {}
    for (const { name, index } of tieBreakerOrder) {
      if (index >= 0) tieBreak[name] = scored.tieBreaks[i * tieBreakerCount + index] as number
      else if (tied) tieBreak[name] = lotteryKey(context, snapshot, i).slice(0, 16)
    }
    const centreIndex = col.centre[i] as number
    ranked.push({
      candidateId: tables.candidateIds[i] as string,
      centreId: (tables.centres[centreIndex] as { id: string }).id,
      distanceNm: context.centreDistanceNm[centreIndex] as number,
      points,
      rank: position + 1,
      tieBreak,
      tier: { index: t, name: (policy.tiers[t] as { name: string }).name },
      totalPoints: scored.total[i] as number
    })
  }

  const excluded: ExcludedEntry[] = []
  const cache: ReasonCache = new Map()
  for (const i of scored.excluded) {
    excluded.push({
      candidateId: tables.candidateIds[i] as string,
      centreId: (tables.centres[col.centre[i] as number] as { id: string }).id,
      reasons: explain(context, snapshot, scored, i, cache)
    })
  }

  const organ = context.organ
  const content = {
    donorHash: context.donorHash,
    donorId: context.donor.id,
    excluded,
    matchRunId: context.matchRunId,
    matchTime: context.matchTime,
    organ: { donorId: organ.donorId, id: organ.id, organType: organ.organType, part: organ.part },
    policy: { hash: policy.hash, id: policy.id, version: policy.version },
    ranked,
    snapshotHash: context.snapshotHash
  }
  return { ...content, outputHash: sha256Hex(JSON.stringify(content)) }
}
