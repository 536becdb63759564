import { UnknownValueError } from '../errors.js'
import { ABO_TYPES, type AboGroup, type AboType } from '../domain/abo.js'

/** The ABO rules an allocation policy can name; each is described on `isAboCompatible`. */
export const ABO_RULE_SETS = ['identical', 'compatible', 'us-kidney', 'uk-kidney-tier-a', 'uk-kidney-tier-b', 'heart-primary', 'heart-secondary'] as const
export type AboRuleSet = typeof ABO_RULE_SETS[number]

const O = 1
const A = 2
const B = 4
const AB = 8

/** For each rule set and donor group, the candidate groups allowed, as a bit mask. */
const RULES: Readonly<Record<AboRuleSet, Readonly<Record<AboGroup, number>>>> = {
  identical: { O, A, B, AB },
  compatible: { O: O | A | B | AB, A: A | AB, B: B | AB, AB },
  'us-kidney': { O, A: A | AB, B, AB },
  'uk-kidney-tier-a': { O: O | A | B | AB, A: A | AB, B, AB },
  'uk-kidney-tier-b': { O: O | B, A: A | AB, B, AB },
  'heart-primary': { O: O | B, A: A | AB, B: B | AB, AB },
  'heart-secondary': { O: A | AB, A: 0, B: 0, AB: 0 }
}

/** Group bit of each ABO type, subtypes folded (A1, A2 → A; A1B, A2B → AB). */
const GROUP_BIT: Readonly<Record<AboType, number>> = { O, A, A1: A, A2: A, B, AB, A1B: AB, A2B: AB }
const DONOR_GROUP: Readonly<Record<AboType, AboGroup>> = { O: 'O', A: 'A', A1: 'A', A2: 'A', B: 'B', AB: 'AB', A1B: 'AB', A2B: 'AB' }

function unknownAbo (field: string, value: unknown): UnknownValueError {
  return new UnknownValueError(field, `must be one of ${ABO_TYPES.map((t) => JSON.stringify(t)).join(', ')} (got ${JSON.stringify(value)})`)
}

/**
 * Whether a donor's organ may go to a candidate under an ABO rule set. Subtypes count as their group
 * (A1, A2 → A; A1B, A2B → AB) except where a rule names them.
 *
 * - `identical`: same group. Eurotransplant ETKAS default (histoc `abo(iso = TRUE)`).
 * - `compatible`: O → O, A, B, AB; A → A, AB; B → B, AB; AB → AB. ET acceptable-mismatch programme
 *   (histoc `abo(iso = FALSE)`); also the union of `heart-primary` and `heart-secondary`.
 * - `us-kidney` (OPTN Policy 8 as summarised in clinical-scores.md section 5): O → O only; B → B only
 *   (the pre-KAS rule 3.5.1, kept by KAS); A → A, AB; AB → AB; and, since KAS (Dec 2014), A2 and A2B
 *   donors also → B candidates with `candidateEligibleForA2` (low anti-A titre). A donor typed only
 *   "A" or "AB" (subtype unknown) never goes to a B candidate. The 0-ABDR-mismatch and cPRA 99–100%
 *   exceptions are policy tiers, not part of this rule: a policy expresses them by naming `compatible`.
 * - `uk-kidney-tier-b` (NHSBT 2019 KOS, histoc `abo_uk`): O → O, B; A → A, AB; B → B; AB → AB.
 * - `uk-kidney-tier-a`: O → any group; otherwise as tier B.
 * - `heart-primary` (OPTN Table 6-7 as transcribed in US_CRS_match_run): O → O, B; A → A, AB;
 *   B → B, AB; AB → AB.
 * - `heart-secondary`: only the secondary pairs, O → A, AB; every other pair is false, so that each
 *   heart classification (primary or secondary blood type match) names exactly one rule set.
 *
 * `candidateEligibleForA2` is read only by `us-kidney`; absent means not eligible.
 */
export function isAboCompatible (ruleSet: AboRuleSet, donor: AboType, candidate: AboType, candidateEligibleForA2 = false): boolean {
  const rule = RULES[ruleSet] as Readonly<Record<AboGroup, number>> | undefined
  if (rule === undefined || !Object.hasOwn(RULES, ruleSet)) {
    throw new UnknownValueError('ruleSet', `must be one of ${ABO_RULE_SETS.map((r) => JSON.stringify(r)).join(', ')} (got ${JSON.stringify(ruleSet)})`)
  }
  const donorGroup = Object.hasOwn(DONOR_GROUP, donor) ? DONOR_GROUP[donor] : undefined
  if (donorGroup === undefined) throw unknownAbo('donorAbo', donor)
  const candidateBit = Object.hasOwn(GROUP_BIT, candidate) ? GROUP_BIT[candidate] : undefined
  if (candidateBit === undefined) throw unknownAbo('candidateAbo', candidate)
  if ((rule[donorGroup] & candidateBit) !== 0) return true
  return ruleSet === 'us-kidney' && candidateBit === B && candidateEligibleForA2 === true && (donor === 'A2' || donor === 'A2B')
}
