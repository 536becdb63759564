import { canonicalJson, sha256Hex } from '../canonical-hash.js'
import { MatchRunError } from '../errors.js'
import { REASON_BIT } from './reason-codes.js'
import { ACCEPTS_DCD_NO, FLAG_ACCEPTS_DCD_SHIFT, FLAG_ELIGIBLE_FOR_A2, type WaitlistSnapshot } from './snapshot.js'
import type { Evaluator } from './evaluator.js'
import type { MatchContext } from './match-context.js'

/**
 * The scored slice [start, end) of a snapshot: typed arrays only, so a worker can return it by
 * transfer. Per-candidate arrays are indexed by (snapshot index − start); `ranked` and `excluded`
 * hold snapshot indexes.
 */
export interface PartitionResult {
  readonly start: number
  readonly end: number
  /** Eligible candidates in ranking order. */
  readonly ranked: Int32Array
  /** Excluded candidates in snapshot order. */
  readonly excluded: Int32Array
  /** REASON_BIT mask; 0 for eligible candidates. */
  readonly reasons: Uint32Array
  /** Bit k: eligibility rule k failed. */
  readonly failedRules: Uint32Array
  /** Bit k: context.optionalReads[k] is not recorded for the candidate. */
  readonly missing: Uint32Array
  /** Tier index; -1 when excluded. */
  readonly tier: Int32Array
  readonly total: Float64Array
  /** points[(i − start) × components + c]. */
  readonly points: Float64Array
  /** tieBreaks[(i − start) × tieBreakers + k], as declared (not negated). */
  readonly tieBreaks: Float64Array
}

/** Values a comparison reads, with the snapshot index of their first row. */
export interface RankingValues {
  readonly offset: number
  readonly tier: Int32Array
  readonly total: Float64Array
  readonly tieBreaks: Float64Array
}

/**
 * The lottery that orders candidates equal on tier, points and every tie-breaker: SHA-256 of the
 * match run id and the candidate pseudonym. It is seeded by the match run's identity, differs from one
 * run to the next, and does not depend on input order or on how candidates were partitioned.
 */
export function lotteryKey (context: MatchContext, snapshot: WaitlistSnapshot, index: number): string {
  let key = context.lotteryKeys.get(index)
  if (key === undefined) {
    key = sha256Hex(canonicalJson([context.matchRunId, snapshot.tables.candidateIds[index]]))
    context.lotteryKeys.set(index, key)
  }
  return key
}

/** Orders by tier, then total points (higher first), then the declared tie-breakers, without the lottery. */
export function compareWithoutLottery (context: MatchContext, values: RankingValues, a: number, b: number): number {
  const ia = a - values.offset
  const ib = b - values.offset
  const tierDifference = (values.tier[ia] as number) - (values.tier[ib] as number)
  if (tierDifference !== 0) return tierDifference
  const ta = values.total[ia] as number
  const tb = values.total[ib] as number
  if (ta !== tb) return ta > tb ? -1 : 1
  const signs = context.tieBreakerSigns
  const count = signs.length
  for (let k = 0; k < count; k++) {
    const va = values.tieBreaks[ia * count + k] as number
    const vb = values.tieBreaks[ib * count + k] as number
    if (va !== vb) return (va < vb ? -1 : 1) * (signs[k] as number)
  }
  return 0
}

/**
 * The complete ranking order over snapshot indexes: tier, total points (higher first), tie-breakers,
 * then the lottery. It is a total order, so every sort and every merge of partitions gives the same
 * list. The comparator captures the arrays it reads (speed: a sort calls it about n·log n times).
 */
export function rankingComparator (context: MatchContext, snapshot: WaitlistSnapshot, values: RankingValues): (a: number, b: number) => number {
  const { offset, tier, total, tieBreaks } = values
  const signs = Float64Array.from(context.tieBreakerSigns)
  const count = signs.length
  return (a, b) => {
    const ia = a - offset
    const ib = b - offset
    const tierDifference = (tier[ia] as number) - (tier[ib] as number)
    if (tierDifference !== 0) return tierDifference
    const ta = total[ia] as number
    const tb = total[ib] as number
    if (ta !== tb) return ta > tb ? -1 : 1
    for (let k = 0; k < count; k++) {
      const va = tieBreaks[ia * count + k] as number
      const vb = tieBreaks[ib * count + k] as number
      if (va !== vb) return va < vb ? -(signs[k] as number) : signs[k] as number
    }
    if (a === b) return 0
    return lotteryKey(context, snapshot, a) < lotteryKey(context, snapshot, b) ? -1 : 1
  }
}

/**
 * Scores candidates [start, end) of the snapshot: eligibility with every applicable reason, tier,
 * points per component, tie-break values, then sorts the eligible ones. Results go into typed arrays
 * allocated once per partition; the per-candidate loop allocates nothing. The serial match run is one
 * partition; a worker pool runs several and merges them with mergePartitions.
 */
export function scorePartition (context: MatchContext, snapshot: WaitlistSnapshot, start: number, end: number): PartitionResult {
  if (snapshot.hash !== context.snapshotHash) throw new MatchRunError('the snapshot is not the one the match run was prepared for', { field: 'snapshot', rule: `must have hash ${context.snapshotHash}` })
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > snapshot.count || start > end) {
    throw new MatchRunError(`partition [${start}, ${end}) is not inside the snapshot [0, ${snapshot.count})`, { field: 'partition' })
  }
  const n = end - start
  const componentCount = context.components.length
  const tieBreakerCount = context.tieBreakers.length
  const reasons = new Uint32Array(n)
  const failedRules = new Uint32Array(n)
  const missing = new Uint32Array(n)
  const tier = new Int32Array(n).fill(-1)
  const total = new Float64Array(n)
  const points = new Float64Array(n * componentCount)
  const tieBreaks = new Float64Array(n * tieBreakerCount)
  const ranked = new Int32Array(n)
  const excluded = new Int32Array(n)
  let rankedCount = 0
  let excludedCount = 0

  // Every column, table and constant is read into a local before the loop (speed: no property
  // chains or name lookups per candidate).
  const col = snapshot.columns
  const { status, urgency, centre, abo, flags, unacceptableOffsets, unacceptableCodes, maxDonorAgeYears, maxKdpi, minDonorWeightKg, maxDonorWeightKg, maxDistanceNm } = col
  const { statusOk, urgencyOk, centreAuthorised, centreDistanceNm, donorAntigenMarks, aboAllowed, criteria, donor } = context
  const exceptionWhen = context.aboExceptions.map((e) => e.when)
  const exceptionNeeds = Int32Array.from(context.aboExceptions.map((e) => e.needs))
  const exceptionAllowed = context.aboExceptions.map((e) => e.allowed)
  const optionalReads = context.optionalReads.map((r) => r.read)
  const ruleRequire = context.rules.map((r) => r.require)
  const ruleNeeds = Int32Array.from(context.rules.map((r) => r.needs))
  const ruleBit = Int32Array.from(context.rules.map((r) => REASON_BIT[r.reason]))
  const tiers = context.tiers
  const components = context.components
  const tieBreakers = context.tieBreakers
  const exceptionCount = exceptionWhen.length
  const optionalCount = optionalReads.length
  const ruleCount = ruleRequire.length
  const tierCount = tiers.length
  const crossmatch = context.policy.eligibility.virtualCrossmatch
  const checkDonorAge = criteria.donorAge
  const checkKdpi = criteria.kdpi
  const checkDcd = criteria.dcd && donor.dcd
  const checkWeight = criteria.donorWeight
  const checkDistance = criteria.distance
  const donorAge = donor.ageYears
  const donorKdpi = donor.kdpi
  const donorWeight = donor.weightKg
  const INACTIVE = REASON_BIT.INACTIVE
  const URGENCY = REASON_BIT.URGENCY_NOT_IN_POLICY
  const MISSING = REASON_BIT.MISSING_DATA
  const UNAUTHORISED = REASON_BIT.CENTRE_NOT_AUTHORISED
  const ABO = REASON_BIT.ABO_INCOMPATIBLE
  const CROSSMATCH = REASON_BIT.POSITIVE_VIRTUAL_CROSSMATCH
  const DONOR_AGE = REASON_BIT.CENTRE_CRITERIA_DONOR_AGE
  const KDPI = REASON_BIT.CENTRE_CRITERIA_KDPI
  const DCD = REASON_BIT.CENTRE_CRITERIA_DCD
  const WEIGHT = REASON_BIT.CENTRE_CRITERIA_DONOR_WEIGHT
  const DISTANCE = REASON_BIT.CENTRE_CRITERIA_DISTANCE
  const NO_TIER = REASON_BIT.NOT_IN_ANY_TIER

  for (let i = start; i < end; i++) {
    const local = i - start
    let mask = 0
    if (statusOk[status[i] as number] === 0) mask |= INACTIVE
    if (urgencyOk[urgency[i] as number] === 0) mask |= URGENCY
    let absent = 0
    for (let k = 0; k < optionalCount; k++) {
      const value = (optionalReads[k] as Evaluator)(i)
      if (value !== value) absent |= 1 << k
    }
    if (absent !== 0) mask |= MISSING
    const centreIndex = centre[i] as number
    if (centreAuthorised[centreIndex] === 0) mask |= UNAUTHORISED

    // ABO: the first exception whose condition holds replaces the base rule set. If an exception's
    // condition needs a missing value the rule set is unknown, and the check is left to MISSING_DATA.
    let allowed: Uint8Array | undefined = aboAllowed
    for (let e = 0; e < exceptionCount; e++) {
      if (((exceptionNeeds[e] as number) & absent) !== 0) { allowed = undefined; break }
      if ((exceptionWhen[e] as Evaluator)(i) !== 0) { allowed = exceptionAllowed[e]; break }
    }
    const candidateFlags = flags[i] as number
    if (allowed !== undefined && allowed[(abo[i] as number) * 2 + ((candidateFlags & FLAG_ELIGIBLE_FOR_A2) !== 0 ? 1 : 0)] === 0) mask |= ABO

    if (crossmatch) {
      const last = unacceptableOffsets[i + 1] as number
      for (let k = unacceptableOffsets[i] as number; k < last; k++) {
        if (donorAntigenMarks[unacceptableCodes[k] as number] === 1) { mask |= CROSSMATCH; break }
      }
    }

    // Acceptance criteria: NaN (not stated) never excludes, except that an unknown donor KDPI fails a stated maximum.
    if (checkDonorAge && donorAge > (maxDonorAgeYears[i] as number)) mask |= DONOR_AGE
    if (checkKdpi) {
      const limit = maxKdpi[i] as number
      if (limit === limit && !(donorKdpi <= limit)) mask |= KDPI
    }
    if (checkDcd && ((candidateFlags >> FLAG_ACCEPTS_DCD_SHIFT) & 3) === ACCEPTS_DCD_NO) mask |= DCD
    if (checkWeight && (donorWeight < (minDonorWeightKg[i] as number) || donorWeight > (maxDonorWeightKg[i] as number))) mask |= WEIGHT
    if (checkDistance && (centreDistanceNm[centreIndex] as number) > (maxDistanceNm[i] as number)) mask |= DISTANCE

    let failed = 0
    for (let r = 0; r < ruleCount; r++) {
      if (((ruleNeeds[r] as number) & absent) !== 0) continue
      if ((ruleRequire[r] as Evaluator)(i) === 0) {
        failed |= 1 << r
        mask |= ruleBit[r] as number
      }
    }

    if (mask === 0) {
      let t = 0
      while (t < tierCount && (tiers[t] as Evaluator)(i) === 0) t++
      if (t === tierCount) mask = NO_TIER
      else {
        tier[local] = t
        let sum = 0
        const base = local * componentCount
        for (let c = 0; c < componentCount; c++) {
          const value = (components[c] as Evaluator)(i)
          points[base + c] = value
          sum += value
        }
        if (!Number.isFinite(sum)) throw nonFinite(context, snapshot, i, points.subarray(base, base + componentCount))
        total[local] = sum
        const tieBase = local * tieBreakerCount
        for (let k = 0; k < tieBreakerCount; k++) {
          const value = (tieBreakers[k] as Evaluator)(i)
          // NaN would make the order depend on the sort algorithm; refuse it like a non-finite point value.
          if (value !== value) throw nanTieBreak(context, snapshot, i, k)
          tieBreaks[tieBase + k] = value
        }
        ranked[rankedCount++] = i
      }
    }
    if (mask !== 0) {
      reasons[local] = mask
      failedRules[local] = failed
      missing[local] = absent
      excluded[excludedCount++] = i
    }
  }

  const values: RankingValues = { offset: start, tier, total, tieBreaks }
  const order = sortByPackedKey(ranked.slice(0, rankedCount), values, tierCount, rankingComparator(context, snapshot, values))
  return { start, end, ranked: order, excluded: excluded.slice(0, excludedCount), reasons, failedRules, missing, tier, total, points, tieBreaks }
}

/** Packed keys hold a partition-local index in 22 bits and a tier in 10 (below 1023: the key stays a finite double). */
const INDEX_BITS = 22
const MAX_PACKED_CANDIDATES = 2 ** INDEX_BITS
const MAX_PACKED_TIERS = 1023
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/**
 * Sorts eligible candidates (snapshot indexes) in the ranking order. Each gets one positive Float64
 * key whose bits are, from the top: 0, the tier (10 bits), the first 31 bits of an order-preserving
 * encoding of −total, and the local index (22 bits); a typed-array sort of these numbers (native, no
 * callback) orders by tier, then total points (higher first) as far as 31 bits tell them apart. The
 * key never contradicts the full order, so only runs of equal tier and key bits (equal or nearly
 * equal totals) are then sorted with the full comparator (tie-breakers, lottery). Speed: the
 * comparator is called on those runs only instead of n·log n times. Larger partitions, or policies
 * with more tiers, use the comparator throughout; the result is the same.
 */
export function sortByPackedKey (ranked: Int32Array, values: RankingValues, tierCount: number, compare: (a: number, b: number) => number): Int32Array {
  const count = ranked.length
  if (count < 2 || count > MAX_PACKED_CANDIDATES || tierCount > MAX_PACKED_TIERS || !LITTLE_ENDIAN) return ranked.sort(compare)
  const { offset, tier, total } = values
  const keys = new Float64Array(count)
  const words = new Uint32Array(keys.buffer)
  const scratch = new Float64Array(1)
  const scratchWords = new Uint32Array(scratch.buffer)
  for (let k = 0; k < count; k++) {
    const local = (ranked[k] as number) - offset
    // + 0 turns −0 into +0, which the comparator holds equal.
    scratch[0] = (total[local] as number) + 0
    const high = scratchWords[1] as number
    // The high word of an order-preserving encoding of −total: positive totals keep their bits
    // complemented below the sign, negative ones their raw bits; both read as unsigned, higher totals first.
    const descending = (high & 0x80000000) !== 0 ? high >>> 0 : (~high & 0x7FFFFFFF)
    const top31 = descending >>> 1
    words[2 * k + 1] = (((tier[local] as number) << 21) | (top31 >>> 10)) >>> 0
    words[2 * k] = (((top31 & 0x3FF) << INDEX_BITS) | local) >>> 0
  }
  keys.sort()
  const order = new Int32Array(count)
  let runStart = 0
  let runHi = words[1] as number
  let runLo = (words[0] as number) >>> INDEX_BITS
  for (let k = 0; k < count; k++) {
    const hi = words[2 * k + 1] as number
    const lo = (words[2 * k] as number) >>> INDEX_BITS
    if (hi !== runHi || lo !== runLo) {
      if (k - runStart > 1) order.subarray(runStart, k).sort(compare)
      runStart = k
      runHi = hi
      runLo = lo
    }
    order[k] = ((words[2 * k] as number) & (MAX_PACKED_CANDIDATES - 1)) + offset
  }
  if (count - runStart > 1) order.subarray(runStart, count).sort(compare)
  return order
}

function nanTieBreak (context: MatchContext, snapshot: WaitlistSnapshot, index: number, k: number): MatchRunError {
  const name = context.policy.tieBreakers[k]?.name ?? '?'
  return new MatchRunError(`tie-breaker "${name}" of policy ${context.policy.id} gave NaN for candidate ${String(snapshot.tables.candidateIds[index])}`,
    { field: `tieBreakers.${name}`, rule: 'must give a number for every eligible candidate' })
}

function nonFinite (context: MatchContext, snapshot: WaitlistSnapshot, index: number, points: Float64Array): MatchRunError {
  const at = [...points].findIndex((p) => !Number.isFinite(p))
  const component = context.policy.components[at]?.name ?? '?'
  return new MatchRunError(
    `component "${component}" of policy ${context.policy.id} gave ${String(points[at])} for candidate ${String(snapshot.tables.candidateIds[index])}; a formula divides by zero or takes ln/pow outside its domain`,
    { field: `components.${component}`, rule: 'must give a finite number for every eligible candidate' })
}
