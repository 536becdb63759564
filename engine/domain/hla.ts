/**
 * HLA typing at the serological level used by allocation: A, B, C, DR and DQ antigens, each written
 * with its locus prefix and number ("A2", "B44", "C7", "DR15", "DQ7"). A locus holds up to two
 * antigens; one antigen means homozygous or a blank second antigen, both treated as homozygous.
 * Antigens may be splits (A24) or broads (A9); equivalences live in engine/clinical/hla-antigens.
 */
export const HLA_LOCI = ['A', 'B', 'C', 'DR', 'DQ'] as const
export type HlaLocus = typeof HLA_LOCI[number]

/** The loci counted in allocation mismatch rules. */
export const MATCH_LOCI = ['A', 'B', 'DR'] as const
export type MatchLocus = typeof MATCH_LOCI[number]

/** An antigen name, e.g. "A2", "B44", "DR15". */
export type HlaAntigen = string

export interface HlaTyping {
  readonly A: readonly HlaAntigen[]
  readonly B: readonly HlaAntigen[]
  readonly C?: readonly HlaAntigen[]
  readonly DR: readonly HlaAntigen[]
  readonly DQ?: readonly HlaAntigen[]
}

/** Mismatch counts at A, B and DR (0–2 each). */
export interface HlaMismatch {
  readonly A: number
  readonly B: number
  readonly DR: number
}
