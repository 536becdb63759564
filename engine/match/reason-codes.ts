/**
 * Why a candidate is not on a match list. Codes are stable: clients, audits and tests match on them.
 * A candidate is listed with every reason that applies, in this order, not only the first found.
 */
export const REASON_CODES = [
  'INACTIVE',
  'URGENCY_NOT_IN_POLICY',
  'MISSING_DATA',
  'CENTRE_NOT_AUTHORISED',
  'ABO_INCOMPATIBLE',
  'POSITIVE_VIRTUAL_CROSSMATCH',
  'CENTRE_CRITERIA_DONOR_AGE',
  'CENTRE_CRITERIA_KDPI',
  'CENTRE_CRITERIA_DCD',
  'CENTRE_CRITERIA_DONOR_WEIGHT',
  'CENTRE_CRITERIA_DISTANCE',
  'SIZE',
  'DISTANCE',
  'DONOR_AGE',
  'CANDIDATE_AGE',
  'POLICY_RULE',
  'NOT_IN_ANY_TIER'
] as const
export type ReasonCode = typeof REASON_CODES[number]

/** What each code means, for the policy guide and API documentation. */
export const REASON_DESCRIPTIONS: Readonly<Record<ReasonCode, string>> = {
  INACTIVE: 'The candidate\'s status is not one the policy offers to (e.g. temporarily inactive).',
  URGENCY_NOT_IN_POLICY: 'The candidate\'s urgency class is not among the policy\'s urgencyClasses.',
  MISSING_DATA: 'A value the policy reads is not recorded for the candidate; the detail names it. Checks that need it were not evaluated.',
  CENTRE_NOT_AUTHORISED: 'The candidate\'s centre holds no unsuspended authorisation to transplant this organ on the match date.',
  ABO_INCOMPATIBLE: 'The donor\'s blood group is not allowed for the candidate under the policy\'s ABO rule set.',
  POSITIVE_VIRTUAL_CROSSMATCH: 'The donor carries antigens the candidate has listed as unacceptable (split/broad expanded); the detail names them.',
  CENTRE_CRITERIA_DONOR_AGE: 'The donor is older than the candidate\'s acceptance criteria allow.',
  CENTRE_CRITERIA_KDPI: 'The donor\'s KDPI is above the candidate\'s maximum, or unknown while a maximum is set.',
  CENTRE_CRITERIA_DCD: 'The donor is DCD and the candidate does not accept DCD organs.',
  CENTRE_CRITERIA_DONOR_WEIGHT: 'The donor\'s weight is outside the candidate\'s accepted range.',
  CENTRE_CRITERIA_DISTANCE: 'The donor hospital is farther than the candidate\'s maximum distance.',
  SIZE: 'A policy size rule (weight or height ratio) excludes the pair.',
  DISTANCE: 'A policy distance rule excludes the pair.',
  DONOR_AGE: 'A policy donor-age rule excludes the pair.',
  CANDIDATE_AGE: 'A policy candidate-age rule excludes the pair.',
  POLICY_RULE: 'Another policy eligibility rule excludes the pair; the detail names it.',
  NOT_IN_ANY_TIER: 'The candidate meets no tier condition of the policy.'
}

/** Bit of each code in a reason mask (REASON_CODES has fewer than 32 entries). */
export const REASON_BIT: Readonly<Record<ReasonCode, number>> = Object.freeze(
  Object.fromEntries(REASON_CODES.map((code, index) => [code, 2 ** index])) as Record<ReasonCode, number>)
