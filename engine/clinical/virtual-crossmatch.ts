import { InvalidFieldError, UnknownValueError } from '../errors.js'
import { HLA_LOCI, type HlaTyping } from '../domain/hla.js'
import { broadOf, compareAntigens, isCanonicalAntigen, normaliseAntigen, splitsOf } from './hla-antigens.js'

/**
 * The donor antigens that give a positive virtual crossmatch against these unacceptable antigens.
 * Each unacceptable antigen is normalised, then expanded:
 * - an unacceptable broad (A9) makes each of its splits (A23, A24) unacceptable;
 * - an unacceptable split (A24) is also hit by a donor typed only at its broad (A9), because such a
 *   donor may carry A24. This is the conservative reading: a possible antibody target excludes.
 * A donor typed at the other split (A23) is not hit by A24. Split/broad expansion as in the
 * Eurotransplant vPRA method (ETKidney simulator HLA/api.py; clinical-scores.md section 4b).
 */
export function expandUnacceptable (antigens: readonly string[]): ReadonlySet<string> {
  if (!Array.isArray(antigens)) throw new InvalidFieldError('unacceptableAntigens', 'must be a list of HLA antigens')
  const expanded = new Set<string>()
  for (let i = 0; i < antigens.length; i++) {
    const antigen = normaliseAntigen(antigens[i] as string, `unacceptableAntigens[${i}]`)
    expanded.add(antigen)
    for (const split of splitsOf(antigen)) expanded.add(split)
    expanded.add(broadOf(antigen))
  }
  return expanded
}

/**
 * True when any antigen the donor is typed with lies in a set from `expandUnacceptable`. For loops over
 * many donors (vPRA), so the unacceptable antigens are expanded once. Every donor antigen is checked.
 */
export function hitsExpanded (donor: HlaTyping, expanded: ReadonlySet<string>, field = 'donor'): boolean {
  let hit = false
  for (const locus of HLA_LOCI) {
    const antigens = donor[locus]
    if (antigens === undefined) continue
    for (let i = 0; i < antigens.length; i++) {
      const antigen = antigens[i] as string
      if (!isCanonicalAntigen(antigen)) throw unknownDonorAntigen(field, locus, i, antigen)
      if (expanded.has(antigen)) hit = true
    }
  }
  return hit
}

function unknownDonorAntigen (field: string, locus: string, index: number, antigen: string): UnknownValueError {
  return new UnknownValueError(`${field}.${locus}[${index}]`, `must be a canonical HLA antigen name (got "${String(antigen)}"); normalise the typing first`)
}

/**
 * Virtual crossmatch: the donor antigens hit by the candidate's unacceptable antigens, sorted
 * (locus, then number) and unique. An empty list is a negative virtual crossmatch. All loci the
 * donor is typed at count, C and DQ included; an unacceptable C or DQ antigen cannot be hit by a
 * donor not typed at that locus. Expansion rules: see `expandUnacceptable`.
 */
export function offendingAntigens (donor: HlaTyping, unacceptable: readonly string[]): string[] {
  const expanded = expandUnacceptable(unacceptable)
  const hits: string[] = []
  for (const locus of HLA_LOCI) {
    const antigens = donor[locus]
    if (antigens === undefined) continue
    for (let i = 0; i < antigens.length; i++) {
      const antigen = antigens[i] as string
      if (!isCanonicalAntigen(antigen)) throw unknownDonorAntigen('donor', locus, i, antigen)
      if (expanded.has(antigen) && !hits.includes(antigen)) hits.push(antigen)
    }
  }
  return hits.sort(compareAntigens)
}
