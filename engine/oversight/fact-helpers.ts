import { antigensMatch } from '../clinical/hla-mismatch.js'
import { MATCH_LOCI, type HlaTyping, type MatchLocus } from '../domain/hla.js'

/**
 * Derived facts the indicator rules compare: computed here, purely, so the rules themselves stay
 * simple comparisons and the data layer only gathers records.
 */

const MS_PER_HOUR = 3_600_000
const MS_PER_DAY = 86_400_000

/** Hours from one instant to another (negative when `to` is earlier), to one decimal. */
export function hoursBetween (from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / MS_PER_HOUR * 10) / 10
}

/** Whole days from one instant or date to another (negative when `to` is earlier), rounded down. */
export function daysBetween (from: string, to: string): number {
  return Math.floor((Date.parse(to) - Date.parse(from)) / MS_PER_DAY)
}

/**
 * Loci (A, B, DR) at which two typings share no antigen, compared at broad level so that a split and
 * its broad count as shared. A parent and child share a haplotype, hence an antigen at every one of
 * these loci; a non-empty list contradicts a parent-child claim (allowing for typing resolution).
 */
export function lociWithoutSharedAntigen (left: HlaTyping, right: HlaTyping): MatchLocus[] {
  return MATCH_LOCI.filter((locus) => {
    const a = left[locus]
    const b = right[locus]
    return !a.some((x) => b.some((y) => antigensMatch(x, y, 'broad')))
  })
}

/**
 * Funnel-plot z-score of a unit's proportion against a baseline: (p − p₀) / √(p₀(1 − p₀)/n).
 * Zero when the baseline has no variance (p₀ of 0 or 1) or the unit has no cases.
 */
export function proportionZScore (events: number, cases: number, baseline: number): number {
  if (cases === 0 || baseline <= 0 || baseline >= 1) return 0
  const p = events / cases
  return Math.round((p - baseline) / Math.sqrt(baseline * (1 - baseline) / cases) * 1000) / 1000
}
