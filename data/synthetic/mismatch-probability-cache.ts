import { antigensMatch, ET_MISMATCH_LEVELS } from '../../engine/clinical/hla-mismatch.js'
import { MMP_DONOR_HORIZON, type PopulationFrequencies } from '../../engine/clinical/mismatch-probability.js'
import { aboGroup, type AboType } from '../../engine/domain/abo.js'
import type { HlaTyping, MatchLocus } from '../../engine/domain/hla.js'

/**
 * The Eurotransplant mismatch probability for many candidates against one set of population
 * frequencies. The engine's `mismatchProbability` walks every frequency entry per candidate; here the
 * per-locus sums (matched frequency x_l and Σ f² of unmatched antigens), which depend only on the
 * candidate's antigens at that locus, are cached per locus typing, and the ET 1994 formula is then
 * applied exactly as in engine/clinical/mismatch-probability.ts. The matching rule is the engine's
 * own `antigensMatch` at ETKAS levels. test/synthetic-generator.test.ts checks that both give the
 * same value.
 */
interface LocusTerms {
  readonly matched: number
  readonly unmatchedSquares: number
}

export class MismatchProbabilityCache {
  readonly #frequencies: PopulationFrequencies
  readonly #loci: Record<MatchLocus, Map<string, LocusTerms>> = { A: new Map(), B: new Map(), DR: new Map() }

  constructor (frequencies: PopulationFrequencies) {
    this.#frequencies = frequencies
  }

  #locus (locus: MatchLocus, own: readonly string[]): LocusTerms {
    const key = own.length === 1 ? own[0] as string : `${own[0] as string} ${own[1] as string}`
    const cached = this.#loci[locus].get(key)
    if (cached !== undefined) return cached
    const level = ET_MISMATCH_LEVELS[locus]
    let matched = 0
    let unmatchedSquares = 0
    for (const [antigen, frequency] of this.#frequencies.antigen[locus]) {
      if (own.some((mine) => antigensMatch(antigen, mine, level))) matched += frequency
      else unmatchedSquares += frequency * frequency
    }
    const terms = { matched, unmatchedSquares }
    this.#loci[locus].set(key, terms)
    return terms
  }

  /** MMP in percent (0–100) for a candidate typed at A, B and DR, with vPRA in percent. */
  mmpPercent (abo: AboType, hla: HlaTyping, vpraPercent: number): number {
    const a = this.#locus('A', hla.A)
    const b = this.#locus('B', hla.B)
    const dr = this.#locus('DR', hla.DR)
    const x = { A: a.matched, B: b.matched, DR: dr.matched }
    const u = { A: a.unmatchedSquares, B: b.unmatchedSquares, DR: dr.unmatchedSquares }
    const squares = { A: x.A * x.A, B: x.B * x.B, DR: x.DR * x.DR }
    const mmp0 = squares.A * squares.B * squares.DR
    const oneMismatch = (locus: MatchLocus): number => 2 * x[locus] * (1 - x[locus]) + u[locus]
    const mmp1 = squares.B * squares.DR * oneMismatch('A') + squares.A * squares.DR * oneMismatch('B') + squares.A * squares.B * oneMismatch('DR')
    const perDonor = Math.min(1, this.#frequencies.abo[aboGroup(abo)] * (1 - vpraPercent / 100) * (mmp0 + mmp1))
    return 100 * Math.pow(1 - perDonor, MMP_DONOR_HORIZON)
  }
}

