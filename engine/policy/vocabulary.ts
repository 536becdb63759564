import { ABO_GROUPS } from '../domain/abo.js'

/**
 * The closed vocabulary of attributes a policy may read. A policy names attributes as
 * `candidate.<name>`, `donor.<name>` or `pair.<name>`; anything else is refused at validation. The
 * vocabulary has no word for a protected attribute (sex, race/ethnicity, nationality, religion, payer):
 * the snapshot has no column for them either (UN GA resolution 71/322 para 3(b); WHO Guiding Principle 9).
 */

export type AttributeEntity = 'candidate' | 'donor' | 'pair'

/** `number` values take part in arithmetic; `boolean` in predicates; `category` only in == / != against text. */
export type AttributeType = 'number' | 'boolean' | 'category'

export interface AttributeDefinition {
  readonly name: string
  readonly entity: AttributeEntity
  readonly type: AttributeType
  /** Unit of a number ('' for counts and scores), or '' for booleans and categories. */
  readonly unit: string
  /**
   * True when a value may be absent (MELD for a kidney candidate, KDPI of an uncharacterised donor,
   * HLA mismatch against an untyped locus). A candidate missing a value the policy reads is excluded
   * with MISSING_DATA; a donor missing one makes the match run fail.
   */
  readonly optional: boolean
  /** The values a category can take when the vocabulary fixes them; `urgency` takes the policy's classes. */
  readonly categories?: readonly string[] | undefined
  readonly description: string
}

function attribute (name: string, type: AttributeType, unit: string, optional: boolean, description: string, categories?: readonly string[]): AttributeDefinition {
  const entity = name.slice(0, name.indexOf('.')) as AttributeEntity
  return Object.freeze({ name, entity, type, unit, optional, description, ...(categories === undefined ? {} : { categories }) })
}

/** Every attribute a policy may name, in the order the policy guide lists them. */
export const ATTRIBUTES: readonly AttributeDefinition[] = Object.freeze([
  attribute('candidate.waitingDays', 'number', 'days', false, 'Waiting time as the registry counts it for this organ (e.g. from dialysis start or listing).'),
  attribute('candidate.dialysisDays', 'number', 'days', false, 'Days on dialysis (0 when not on dialysis).'),
  attribute('candidate.cpraPercent', 'number', '%', false, 'Calculated panel-reactive antibody (OPTN cPRA).'),
  attribute('candidate.vpraPercent', 'number', '%', false, 'Virtual panel-reactive antibody (Eurotransplant vPRA).'),
  attribute('candidate.mmpPercent', 'number', '%', false, 'Eurotransplant mismatch probability, 0–100.'),
  attribute('candidate.urgency', 'category', '', false, 'Urgency class; its values are the policy\'s urgencyClasses.'),
  attribute('candidate.meld', 'number', '', true, 'Allocation MELD score (6–40).'),
  attribute('candidate.peld', 'number', '', true, 'Allocation PELD score.'),
  attribute('candidate.meldOrPeld', 'number', '', true, 'MELD when recorded, otherwise PELD (US liver ranks adults and children on one scale).'),
  attribute('candidate.eptsPercent', 'number', '%', true, 'Estimated post-transplant survival percentile (kidney; lower is longer expected survival).'),
  attribute('candidate.ageYears', 'number', 'years', false, 'Age at the snapshot time.'),
  attribute('candidate.ageAtRegistrationYears', 'number', 'years', false, 'Age when registered on the waiting list (derived: age minus time since registration).'),
  attribute('candidate.paediatric', 'boolean', '', false, 'Younger than 18 years at the snapshot time.'),
  attribute('candidate.priorLivingDonor', 'boolean', '', false, 'Donated an organ as a living donor in the past.'),
  attribute('candidate.diagnosisGroup', 'category', '', false, 'Diagnosis group as the registry codes it (e.g. lung groups A–D).'),
  attribute('candidate.heightCm', 'number', 'cm', false, 'Height.'),
  attribute('candidate.weightKg', 'number', 'kg', false, 'Weight.'),
  attribute('candidate.abo', 'category', '', false, 'ABO group (subtypes folded: A2 is A).', ABO_GROUPS),
  attribute('candidate.registeredAtDays', 'number', 'days', false, 'Registration instant as days since 1970-01-01 (for registration-order tie-breaks).'),
  attribute('candidate.ukRecipientRiskQuartile', 'number', '', true, 'UK kidney recipient risk index quartile, 1–4.'),
  attribute('candidate.matchabilityScore', 'number', '', true, 'UK matchability score, 1–10.'),
  attribute('candidate.waitlistSurvivalDays', 'number', 'days', true, 'Expected days alive within 1 year without a transplant (lung CAS waiting-list survival).'),
  attribute('candidate.postTransplantSurvivalDays', 'number', 'days', true, 'Expected days alive within 5 years after a transplant (lung CAS post-transplant outcome).'),
  attribute('donor.ageYears', 'number', 'years', false, 'Donor age.'),
  attribute('donor.kdpi', 'number', '%', true, 'Kidney donor profile index.'),
  attribute('donor.kdri', 'number', '', true, 'Kidney donor risk index.'),
  attribute('donor.dcd', 'boolean', '', false, 'Donation after circulatory death.'),
  attribute('donor.abo', 'category', '', false, 'Donor ABO group (subtypes folded).', ABO_GROUPS),
  attribute('donor.weightKg', 'number', 'kg', false, 'Donor weight.'),
  attribute('donor.heightCm', 'number', 'cm', false, 'Donor height.'),
  attribute('donor.ukDonorRiskQuartile', 'number', '', true, 'UK kidney donor risk index quartile, 1–4.'),
  attribute('pair.mismatchA', 'number', 'mismatches', true, 'HLA-A mismatches (0–2) at the policy\'s match level.'),
  attribute('pair.mismatchB', 'number', 'mismatches', true, 'HLA-B mismatches (0–2) at the policy\'s match level.'),
  attribute('pair.mismatchDR', 'number', 'mismatches', true, 'HLA-DR mismatches (0–2) at the policy\'s match level.'),
  attribute('pair.mismatchTotal', 'number', 'mismatches', true, 'HLA-A + B + DR mismatches (0–6).'),
  attribute('pair.ukMismatchLevel', 'number', '', true, 'UK HLA mismatch level 1–4 (NHSBT POL186).'),
  attribute('pair.distanceNm', 'number', 'NM', false, 'Great-circle distance from the donor hospital to the candidate\'s centre.'),
  attribute('pair.sameCentre', 'boolean', '', false, 'The candidate is listed at the donor hospital\'s centre.'),
  attribute('pair.sameRegion', 'boolean', '', false, 'Same country and same allocation region.'),
  attribute('pair.sameCountry', 'boolean', '', false, 'Same country.'),
  attribute('pair.ageDifferenceYears', 'number', 'years', false, 'Donor age minus candidate age (signed).'),
  attribute('pair.aboIdentical', 'boolean', '', false, 'Donor and candidate have the same ABO group.'),
  attribute('pair.weightRatio', 'number', '', false, 'Donor weight divided by candidate weight.'),
  attribute('pair.heightRatio', 'number', '', false, 'Donor height divided by candidate height.')
])

const BY_NAME: ReadonlyMap<string, AttributeDefinition> = new Map(ATTRIBUTES.map((a) => [a.name, a]))

/** The definition of a vocabulary attribute, or undefined when the name is not in the vocabulary. */
export function lookupAttribute (name: string): AttributeDefinition | undefined {
  return BY_NAME.get(name)
}

/** Attributes whose values come from HLA mismatch counting, which needs the policy's match levels. */
export const HLA_ATTRIBUTES: readonly string[] = Object.freeze(['pair.mismatchA', 'pair.mismatchB', 'pair.mismatchDR', 'pair.mismatchTotal', 'pair.ukMismatchLevel'])

/**
 * Words that name a protected attribute. An unknown attribute whose name contains one of them (as a
 * camelCase or separated word) is reported as protected rather than merely unknown, so the author
 * learns why it can never be added.
 */
const PROTECTED_WORDS: ReadonlyMap<string, string> = new Map([
  ['sex', 'sex'], ['gender', 'sex'], ['female', 'sex'], ['male', 'sex'], ['woman', 'sex'], ['man', 'sex'],
  ['race', 'race/ethnicity'], ['racial', 'race/ethnicity'], ['ethnicity', 'race/ethnicity'], ['ethnic', 'race/ethnicity'],
  ['black', 'race/ethnicity'], ['white', 'race/ethnicity'], ['hispanic', 'race/ethnicity'], ['asian', 'race/ethnicity'],
  ['nationality', 'nationality'], ['citizenship', 'nationality'], ['citizen', 'nationality'],
  ['residence', 'nationality'], ['resident', 'nationality'], ['migrant', 'nationality'],
  ['religion', 'religion'], ['religious', 'religion'], ['faith', 'religion'],
  ['payer', 'payer'], ['insurance', 'payer'], ['insured', 'payer'], ['insurer', 'payer'], ['income', 'payer'], ['wealth', 'payer']
])

/** Splits `candidate.raceEthnicity` or `donor.is_female` into lower-case words. */
function words (name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0)
}

/** The protected attribute an unknown name refers to ('sex', 'race/ethnicity', …), or undefined. */
export function protectedAttributeIn (name: string): string | undefined {
  for (const word of words(name)) {
    const category = PROTECTED_WORDS.get(word)
    if (category !== undefined) return category
  }
  return undefined
}
