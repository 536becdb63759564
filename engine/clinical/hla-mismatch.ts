import { InvalidFieldError, UnknownValueError } from '../errors.js'
import { MATCH_LOCI, type HlaMismatch, type HlaTyping, type MatchLocus } from '../domain/hla.js'
import { requireEnum, requireInteger } from '../domain/input.js'
import { broadOf, isAntigenOfLocus } from './hla-antigens.js'

/** Whether a locus is compared at the broad level (A9 = A23 = A24) or the split level (A23 ≠ A24). */
export type MatchLevel = 'broad' | 'split'
export const MATCH_LEVELS: readonly MatchLevel[] = ['broad', 'split']

export interface MismatchOptions {
  A: MatchLevel
  B: MatchLevel
  DR: MatchLevel
}

/** Eurotransplant (ETKAS): A and B at broad level, DR at split level (ETKidney simulator). */
export const ET_MISMATCH_LEVELS: MismatchOptions = Object.freeze({ A: 'broad', B: 'broad', DR: 'split' })

/**
 * At split level two antigens match when they are equal or one is the broad of the other; two
 * different splits of one broad do not match (Swisstransplant `swt` documentation).
 */
function splitLevelMatch (donor: string, recipient: string): boolean {
  return donor === recipient || broadOf(donor) === recipient || broadOf(recipient) === donor
}

/** Whether two canonical antigens of one locus match at a level (broad: same broad; split: see above). */
export function antigensMatch (left: string, right: string, level: MatchLevel): boolean {
  return level === 'broad' ? broadOf(left) === broadOf(right) : splitLevelMatch(left, right)
}

function checkedLocus (typing: HlaTyping, locus: MatchLocus, who: 'donor' | 'recipient'): readonly string[] {
  const antigens = typing[locus]
  if (!Array.isArray(antigens) || antigens.length === 0 || antigens.length > 2) {
    throw new InvalidFieldError(`${who}.${locus}`, `must hold 1 or 2 HLA-${locus} antigens to count mismatches`)
  }
  for (let i = 0; i < antigens.length; i++) {
    const antigen = antigens[i] as string
    if (!isAntigenOfLocus(antigen, locus)) {
      throw new UnknownValueError(`${who}.${locus}[${i}]`, `must be a canonical HLA-${locus} antigen name (got "${String(antigen)}"); normalise the typing first`)
    }
  }
  return antigens
}

/**
 * Mismatches at one locus: the distinct donor antigens (after mapping to the level) that the recipient
 * lacks, 0, 1 or 2. Each list holds 1 or 2 antigen names. Names are not checked against the antigen
 * catalogue (names outside it have no broad and compare as plain text), so callers that hold validated
 * or encoded typings can skip the check; `countMismatches` is the checked entry point. Rule as in
 * `countMismatches`; source histoc `mmHLA` (which compares antigen numbers as text).
 */
export function countLocusMismatches (donor: readonly string[], recipient: readonly string[], level: MatchLevel): number {
  if (donor.length === 0 || donor.length > 2) throw new InvalidFieldError('donor', 'must hold 1 or 2 antigens')
  if (recipient.length === 0 || recipient.length > 2) throw new InvalidFieldError('recipient', 'must hold 1 or 2 antigens')
  if (level !== 'broad' && level !== 'split') throw new InvalidFieldError('level', 'must be "broad" or "split"')
  const d0 = donor[0] as string
  const d1 = donor.length > 1 ? donor[1] as string : d0
  if (level === 'broad') {
    const b0 = broadOf(d0)
    const b1 = broadOf(d1)
    const r0 = broadOf(recipient[0] as string)
    const r1 = recipient.length > 1 ? broadOf(recipient[1] as string) : r0
    const miss0 = b0 !== r0 && b0 !== r1 ? 1 : 0
    if (b1 === b0) return miss0
    return miss0 + (b1 !== r0 && b1 !== r1 ? 1 : 0)
  }
  const r0 = recipient[0] as string
  const r1 = recipient.length > 1 ? recipient[1] as string : r0
  const miss0 = splitLevelMatch(d0, r0) || splitLevelMatch(d0, r1) ? 0 : 1
  if (d1 === d0) return miss0
  return miss0 + (splitLevelMatch(d1, r0) || splitLevelMatch(d1, r1) ? 0 : 1)
}

/**
 * HLA-A, -B and -DR mismatches of a donor against a recipient: at each locus, the number of distinct
 * donor antigens (at the chosen level) not present in the recipient. A homozygous donor gives at most
 * one mismatch; a homozygous recipient is not penalised. Sources: histoc `mmHLA`, swt `hla_mismatch`,
 * ETKidney simulator HLA/matching.py (clinical-scores.md section 6). Defaults to ET levels.
 * Antigens must be canonical names (see `normaliseTyping`); A, B and DR must be typed on both sides.
 */
export function countMismatches (donor: HlaTyping, recipient: HlaTyping, options: MismatchOptions = ET_MISMATCH_LEVELS): HlaMismatch {
  const counts = { A: 0, B: 0, DR: 0 }
  for (const locus of MATCH_LOCI) {
    const level = options === ET_MISMATCH_LEVELS ? ET_MISMATCH_LEVELS[locus] : requireEnum(options[locus], `levels.${locus}`, MATCH_LEVELS)
    counts[locus] = countLocusMismatches(checkedLocus(donor, locus, 'donor'), checkedLocus(recipient, locus, 'recipient'), level)
  }
  return counts
}

/** Total A + B + DR mismatches (0–6). */
export function totalMismatches (mismatch: HlaMismatch): number {
  return mismatch.A + mismatch.B + mismatch.DR
}

/**
 * UK HLA mismatch level (NHSBT POL186; Johnson et al. 2010), from the A, B and DR counts:
 * 1 = 000; 2 = 0 DR and 0–1 B; 3 = (0 DR and 2 B) or (1 DR and 0–1 B); 4 = (1 DR and 2 B) or 2 DR.
 * Follows the table in the transplantr vignette; its test asserting 1:0:1 → 2 contradicts the table
 * (1 DR and 0 B is level 3) and is not followed.
 */
export function ukMismatchLevel (mismatch: HlaMismatch): 1 | 2 | 3 | 4 {
  const range = { min: 0, max: 2, unit: 'mismatches' }
  const a = requireInteger(mismatch.A, 'mismatch.A', range)
  const b = requireInteger(mismatch.B, 'mismatch.B', range)
  const dr = requireInteger(mismatch.DR, 'mismatch.DR', range)
  if (dr === 0) {
    if (b === 2) return 3
    return a === 0 && b === 0 ? 1 : 2
  }
  if (dr === 1) return b === 2 ? 4 : 3
  return 4
}
