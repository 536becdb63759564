import { InvalidFieldError, MissingFieldError, OutOfRangeError } from '../errors.js'
import { ABO_GROUPS, ABO_TYPES, aboGroup, type AboGroup, type AboType } from '../domain/abo.js'
import { MATCH_LOCI, type HlaTyping, type MatchLocus } from '../domain/hla.js'
import { requireEnum, requireNumber } from '../domain/input.js'
import { broadOf, isAntigenOfLocus } from './hla-antigens.js'
import { antigensMatch, ET_MISMATCH_LEVELS } from './hla-mismatch.js'

/** The number of future donors the MMP looks ahead to (Eurotransplant: the next 1,000 donors). */
export const MMP_DONOR_HORIZON = 1000

/**
 * Donor-population frequencies the MMP is computed from. `antigen` holds gene (haplotype) frequencies
 * per locus, each map summing to at most 1: A and B keyed by broad antigen, DR by split antigen as
 * typed (a donor typed only at the broad DR2 counts under 'DR2'). `abo` holds the share of donors in
 * each blood group. `donorCount` is the number of donors the frequencies came from.
 */
export interface PopulationFrequencies {
  readonly antigen: {
    readonly A: ReadonlyMap<string, number>
    readonly B: ReadonlyMap<string, number>
    readonly DR: ReadonlyMap<string, number>
  }
  readonly abo: Readonly<Record<AboGroup, number>>
  readonly donorCount: number
}

/** The terms of the MMP formula, for explanation and tests. */
export interface MismatchProbabilityTerms {
  /** Per locus: summed frequency of the donor antigens that match the candidate. */
  readonly matchedFrequency: Readonly<Record<MatchLocus, number>>
  /** Probability that a random donor has 0 A/B/DR mismatches. */
  readonly mmp0: number
  /** Probability that a random donor has exactly 1 A/B/DR mismatch. */
  readonly mmp1: number
  /** Share of donors of the candidate's blood group (ABO identical). */
  readonly aboFrequency: number
  /** The mismatch probability, 0–100. */
  readonly mmpPercent: number
}

/**
 * Gene frequencies of the registry's own donor population: each donor typed at a locus contributes
 * two antigen copies there (a single antigen, or the same one twice, is homozygous: two copies);
 * frequency = copies / (2 × donors typed at that locus). Donors untyped at a locus are left out of
 * that locus only. A and B are counted at broad level, DR at split level, as ETKAS matches them.
 */
export function populationFrequencies (donors: readonly { abo: AboType, hla: HlaTyping }[]): PopulationFrequencies {
  if (!Array.isArray(donors) || donors.length === 0) throw new InvalidFieldError('donors', 'must hold at least one donor')
  const counts: Record<MatchLocus, Map<string, number>> = { A: new Map(), B: new Map(), DR: new Map() }
  const typed: Record<MatchLocus, number> = { A: 0, B: 0, DR: 0 }
  const groups: Record<AboGroup, number> = { O: 0, A: 0, B: 0, AB: 0 }
  for (let d = 0; d < donors.length; d++) {
    const donor = donors[d] as { abo: AboType, hla: HlaTyping }
    groups[aboGroup(requireEnum(donor.abo, `donors[${d}].abo`, ABO_TYPES))]++
    if (donor.hla === undefined || donor.hla === null) throw new MissingFieldError(`donors[${d}].hla`)
    for (const locus of MATCH_LOCI) {
      const antigens = donor.hla[locus]
      if (antigens.length === 0) continue
      if (antigens.length > 2) throw new InvalidFieldError(`donors[${d}].hla.${locus}`, `must hold at most 2 HLA-${locus} antigens`)
      const keys = antigens.map((antigen, i) => {
        if (!isAntigenOfLocus(antigen, locus)) {
          throw new InvalidFieldError(`donors[${d}].hla.${locus}[${i}]`, `must be a canonical HLA-${locus} antigen name (got "${String(antigen)}")`)
        }
        return ET_MISMATCH_LEVELS[locus] === 'broad' ? broadOf(antigen) : antigen
      })
      const first = keys[0] as string
      const second = keys[1] ?? first
      counts[locus].set(first, (counts[locus].get(first) ?? 0) + 1)
      counts[locus].set(second, (counts[locus].get(second) ?? 0) + 1)
      typed[locus]++
    }
  }
  const frequencies = (locus: MatchLocus): ReadonlyMap<string, number> =>
    new Map([...counts[locus]].map(([antigen, copies]) => [antigen, copies / (2 * typed[locus])] as const))
  const abo = {} as Record<AboGroup, number>
  for (const group of ABO_GROUPS) abo[group] = groups[group] / donors.length
  return { antigen: { A: frequencies('A'), B: frequencies('B'), DR: frequencies('DR') }, abo, donorCount: donors.length }
}

/**
 * Eurotransplant mismatch probability (ET 1994 formula; ETKidney simulator mmp.py and histoc R/et.R
 * agree), the chance, in percent, that none of the next 1,000 ABO-identical donors is offered with
 * at most one A/B/DR mismatch:
 *
 *   x_l  = Σ frequency of the donor antigens matching the candidate at locus l (A, B broad; DR split)
 *   MMP0 = Π_l x_l²
 *   MMP1 = Σ_l [Π_{k≠l} x_k²] · (2·x_l·(1 − x_l) + Σ_{antigens not matching} f²)
 *   MMP  = 100 · (1 − f_ABO · (1 − vPRA) · (MMP0 + MMP1))^1000
 *
 * `vpraPercent` is a percent (0–100), converted to the fraction the formula uses. f_ABO is the share
 * of donors in the candidate's own group (ETKAS allocates ABO-identical).
 */
export function mismatchProbabilityTerms (candidate: { abo: AboType, hla: HlaTyping }, vpraPercent: number, frequencies: PopulationFrequencies): MismatchProbabilityTerms {
  const vpra = requireNumber(vpraPercent, 'vpraPercent', { min: 0, max: 100, unit: '%' }) / 100
  const group = aboGroup(requireEnum(candidate.abo, 'candidate.abo', ABO_TYPES))
  const aboFrequency = requireNumber(frequencies.abo[group], `frequencies.abo.${group}`, { min: 0, max: 1, unit: 'fraction' })
  const x = { A: 0, B: 0, DR: 0 }
  const unmatchedSquares = { A: 0, B: 0, DR: 0 }
  for (const locus of MATCH_LOCI) {
    const own = candidate.hla[locus]
    if (own.length === 0 || own.length > 2) {
      throw new InvalidFieldError(`candidate.hla.${locus}`, `must hold 1 or 2 HLA-${locus} antigens to compute the MMP`)
    }
    own.forEach((antigen, i) => {
      if (!isAntigenOfLocus(antigen, locus)) {
        throw new InvalidFieldError(`candidate.hla.${locus}[${i}]`, `must be a canonical HLA-${locus} antigen name (got "${String(antigen)}")`)
      }
    })
    const level = ET_MISMATCH_LEVELS[locus]
    let sum = 0
    for (const [antigen, frequency] of frequencies.antigen[locus]) {
      if (!(frequency >= 0 && frequency <= 1)) throw new OutOfRangeError(`frequencies.antigen.${locus}.${antigen}`, frequency, 0, 1, 'fraction')
      sum += frequency
      if (own.some((mine) => antigensMatch(antigen, mine, level))) x[locus] += frequency
      else unmatchedSquares[locus] += frequency * frequency
    }
    // Sums of many float frequencies may exceed 1 by rounding only.
    if (sum > 1 + 1e-9) throw new OutOfRangeError(`frequencies.antigen.${locus}`, sum, 0, 1, 'summed fraction')
  }
  const squares = { A: x.A * x.A, B: x.B * x.B, DR: x.DR * x.DR }
  const mmp0 = squares.A * squares.B * squares.DR
  const oneMismatch = (locus: MatchLocus): number => 2 * x[locus] * (1 - x[locus]) + unmatchedSquares[locus]
  const mmp1 = squares.B * squares.DR * oneMismatch('A') + squares.A * squares.DR * oneMismatch('B') + squares.A * squares.B * oneMismatch('DR')
  // The clamp only absorbs float rounding: with validated frequencies the product is at most 1.
  const perDonor = Math.min(1, aboFrequency * (1 - vpra) * (mmp0 + mmp1))
  const mmpPercent = 100 * Math.pow(1 - perDonor, MMP_DONOR_HORIZON)
  return { matchedFrequency: x, mmp0, mmp1, aboFrequency, mmpPercent }
}

/** The Eurotransplant mismatch probability in percent (0–100); see `mismatchProbabilityTerms`. */
export function mismatchProbability (candidate: { abo: AboType, hla: HlaTyping }, vpraPercent: number, frequencies: PopulationFrequencies): number {
  return mismatchProbabilityTerms(candidate, vpraPercent, frequencies).mmpPercent
}
