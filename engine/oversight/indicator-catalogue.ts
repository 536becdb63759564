import { contentHash } from '../canonical-hash.js'
import { validateCatalogue, type Condition, type IndicatorRule, type Operand } from './rule-schema.js'

/**
 * The indicator catalogue, version 1: machine checks for trafficking, commercialism and traceability
 * breaks, from the project's oversight reference §2.4 (itself built from UN GA res. 71/322, the WHO
 * Guiding Principles 2010, EU Directive 2010/53, the Declaration of Istanbul 2018, the HOTT project's
 * barrier model, the Medicus and Netcare cases, DICG 2018 and OPTN practice). Every finding is a
 * prompt for human review, never a verdict. Thresholds marked "assumption" in docs/oversight.md have
 * no published value; a deployment changes them by issuing a new rule version.
 *
 * Rules of the reference catalogue left out of this version, because the registry holds none of the
 * data they need: A3 (practitioner privileges), A9 (characterisation data set), A10 (cross-border
 * exchange messages), A11 (billing/EHR reconciliation feed), C3 (recipient billing), D5 (time series
 * by donor nationality), E5 (donor complication outcomes), F4 (waiting-list event anomalies; partly
 * covered by the registry's as-known replays), F5 (policy static analysis; the policy vocabulary has
 * no protected attribute to reference).
 */

const f = (field: string): Operand => ({ field })
const v = (value: string | number | boolean | null): Operand => ({ value })
const p = (param: string): Operand => ({ param })
const eq = (field: string, value: string | number | boolean | null): Condition => ({ eq: [f(field), v(value)] })
const isFalse = (field: string): Condition => eq(field, false)
const notNull = (field: string): Condition => ({ not: { isNull: field } })

const LIVING_UNRELATED = ['unrelated', 'non-directed']

export const INDICATOR_RULES: readonly IndicatorRule[] = validateCatalogue([
  // A. Authorisation, provenance and traceability breaks (UN 3d, 3f, 3g, 7)
  {
    id: 'A1',
    version: 1,
    group: 'A',
    title: 'Recovery or transplant at a centre without a valid authorisation for that activity, organ and date',
    severity: 'B',
    subject: 'procedure',
    firesWhen: isFalse('centreAuthorised'),
    requiredFields: ['centreAuthorised'],
    evidenceFields: ['activity', 'organType', 'centreId', 'at', 'requiredActivity', 'authorisationOverride'],
    sources: ['UN GA res. 71/322 para 3(d)', 'EU 2010/53 Art 5, 9, 17', 'Medicus case: unlawful exercise of medical activities'],
    rationale: 'Only authorised centres may recover or transplant organs; an event outside the authorisation scope is either refused or recorded under a blocking flag with dual sign-off.'
  },
  {
    id: 'A2',
    version: 1,
    group: 'A',
    title: 'Living-donor surgery without an approved authorisation decision dated before it',
    severity: 'B',
    subject: 'living-donation',
    appliesWhen: notNull('surgeryAt'),
    firesWhen: isFalse('approvalBeforeSurgery'),
    requiredFields: ['approvalBeforeSurgery'],
    evidenceFields: ['surgeryAt', 'relationship'],
    sources: ['UN GA res. 71/322 para 3(f)', 'WHO Guiding Principle 3'],
    rationale: 'Each living donation needs the approval of an independent body before surgery; an approval that does not name the recipient cannot show it covered this donation.'
  },
  {
    id: 'A4',
    version: 1,
    group: 'A',
    title: 'Orphan organ: transplanted with no recovery recorded',
    severity: 'B',
    subject: 'organ',
    firesWhen: { all: [{ gt: [f('transplantCount'), v(0)] }, { isNull: 'recoveredAt' }] },
    requiredFields: ['transplantCount', 'recoveredAt'],
    evidenceFields: ['organType', 'donorKind'],
    sources: ['EU 2010/53 Art 4(2)(a), Art 10'],
    rationale: 'Traceability runs from donor to recipient; a transplant without a recovery breaks the chain.'
  },
  {
    id: 'A5',
    version: 1,
    group: 'A',
    title: 'Recovered organ without a recorded fate (transplant, discard or research) within the time limit',
    severity: 'R',
    subject: 'organ',
    appliesWhen: notNull('recoveredAt'),
    firesWhen: { gt: [f('hoursWithoutDisposition'), p('maxHoursWithoutDisposition')] },
    requiredFields: ['hoursWithoutDisposition'],
    evidenceFields: ['organType', 'recoveredAt'],
    parameters: { maxHoursWithoutDisposition: 72 },
    sources: ['EU 2010/53 Art 3 (disposal), Art 10', 'OPTN DON_DISPOSITION'],
    rationale: 'Every recovered organ must end in a recorded fate; an organ with none is unaccounted for.'
  },
  {
    id: 'A6',
    version: 1,
    group: 'A',
    title: 'Impossible organ usage: one organ transplanted twice, a living donor giving both kidneys, a living-donor heart',
    severity: 'B',
    subject: 'organ',
    firesWhen: {
      any: [
        { gt: [f('transplantCount'), v(1)] },
        { all: [eq('donorKind', 'living'), eq('organType', 'heart'), notNull('recoveredAt')] },
        { all: [eq('donorKind', 'living'), eq('organType', 'kidney'), { gt: [f('livingDonorKidneysRecovered'), v(1)] }] }
      ]
    },
    requiredFields: ['transplantCount', 'donorKind', 'organType', 'recoveredAt', 'livingDonorKidneysRecovered'],
    sources: ['integrity check (reference doc §2.4, design)'],
    rationale: 'These combinations cannot happen in lawful practice; each means a recording error or worse.'
  },
  {
    id: 'A7',
    version: 1,
    group: 'A',
    title: 'Time implausibility: transplant before recovery, or cold ischaemia beyond the organ\'s limit',
    severity: 'R',
    subject: 'organ',
    appliesWhen: { all: [{ gt: [f('transplantCount'), v(0)] }, notNull('recoveredAt')] },
    firesWhen: { any: [{ lt: [f('coldIschaemiaHours'), v(0)] }, { gt: [f('coldIschaemiaHours'), { param: 'maxColdIschaemiaHours', key: { field: 'organType' } }] }] },
    requiredFields: ['coldIschaemiaHours', 'organType'],
    parameters: { maxColdIschaemiaHours: { heart: 6, lung: 8, intestine: 8, liver: 12, pancreas: 12, kidney: 36 } },
    sources: ['EU 2010/53 Art 8 (transport)', 'reference doc §2.4 A7 (design)'],
    rationale: 'An organ transplanted long after recovery, or before it, points to a wrong record or an organ of undocumented origin.'
  },
  {
    id: 'A8',
    version: 1,
    group: 'A',
    title: 'Deceased donation without consent, authorisation or verified no-objection, or with the death-determining physician on the recovery team',
    severity: 'B',
    subject: 'procedure',
    appliesWhen: { all: [eq('activity', 'recovery'), eq('donorKind', 'deceased')] },
    firesWhen: { any: [isFalse('consentInForce'), eq('deathDeterminerOnTeam', true)] },
    requiredFields: ['consentInForce', 'deathDeterminerOnTeam'],
    evidenceFields: ['organType', 'at'],
    sources: ['EU 2010/53 Art 4(2)(b), Art 14', 'WHO Guiding Principles 1 and 2'],
    rationale: 'Removal from a deceased person needs the consent the law requires, and the physicians who determine death must not take part in recovery.'
  },
  // B. Living donation: relationship, consent and vulnerability (UN 3b, 3f, 9; WHO GP 3, 4)
  {
    id: 'B1',
    version: 1,
    group: 'B',
    title: 'Living unrelated donation without extra independent approval',
    severity: 'B',
    subject: 'living-donation',
    appliesWhen: { in: [f('relationship'), LIVING_UNRELATED] },
    firesWhen: { lt: [f('approvingBodies'), p('minApprovingBodies')] },
    requiredFields: ['approvingBodies'],
    evidenceFields: ['relationship'],
    parameters: { minApprovingBodies: 2 },
    sources: ['WHO Guiding Principle 3', 'Spiro et al., Transplantation 2025 (relationship field)'],
    rationale: 'A donor with no genetic, legal or emotional tie to the recipient needs approval by more than one independent body.'
  },
  {
    id: 'B2',
    version: 1,
    group: 'B',
    title: 'Claimed relationship unsupported: no document, unverified issuer, or document issued shortly before evaluation',
    severity: 'R',
    subject: 'living-donation',
    appliesWhen: { in: [f('relationship'), ['genetic', 'emotional']] },
    firesWhen: {
      any: [
        { isNull: 'relationshipDocumentType' },
        { ne: [f('relationshipDocumentIssuerVerified'), v(true)] },
        { lt: [f('relationshipDocumentAgeDays'), p('minDocumentAgeDays')] }
      ]
    },
    requiredFields: ['relationshipDocumentType', 'relationshipDocumentIssuerVerified', 'relationshipDocumentAgeDays'],
    evidenceFields: ['relationship'],
    parameters: { minDocumentAgeDays: 183 },
    sources: ['Netcare case: forged kinship documents', 'HOTT barrier model: documents'],
    rationale: 'A kinship or marriage claim that rests on no document, an unverified one, or a freshly issued one is the pattern of forged kinship.'
  },
  {
    id: 'B3',
    version: 1,
    group: 'B',
    title: 'Genetic claim contradicted by HLA: a claimed parent and child share no antigen at A, B or DR',
    severity: 'R',
    subject: 'living-donation',
    appliesWhen: { all: [eq('relationship', 'genetic'), eq('kinship', 'parent-child')] },
    firesWhen: isFalse('hlaSharesHaplotypeEvidence'),
    requiredFields: ['hlaSharesHaplotypeEvidence'],
    evidenceFields: ['hlaLociWithoutSharedAntigen'],
    sources: ['reference doc §2.4 B3 (design; confirm with the histocompatibility laboratory)'],
    rationale: 'A parent and child share one haplotype, so at least one antigen at each of A, B and DR (compared at broad level, to flag only clear contradictions).'
  },
  {
    id: 'B4',
    version: 1,
    group: 'B',
    title: 'Donor non-resident, or of a different nationality from the recipient',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: { any: [isFalse('donorNationalityMatchesRecipient'), isFalse('donorResident')] },
    requiredFields: ['donorNationalityMatchesRecipient', 'donorResident'],
    sources: ['Declaration of Istanbul 2018 (non-residents)', 'CoE CM/Res(2017)1', 'Medicus and Netcare cases'],
    rationale: 'Trafficking cases paired donors and recipients of different nationalities, brought in for the operation.'
  },
  {
    id: 'B5',
    version: 1,
    group: 'B',
    title: 'Both donor and recipient non-resident at a domestic centre',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: { all: [isFalse('donorResident'), isFalse('recipientResident')] },
    requiredFields: ['donorResident', 'recipientResident'],
    sources: ['Netcare case'],
    rationale: 'A transplant between two visitors uses the country\'s centre as a venue, the Netcare pattern.'
  },
  {
    id: 'B6',
    version: 1,
    group: 'B',
    title: 'Language gap without an independent interpreter',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: { all: [eq('languageGap', true), { ne: [f('interpreterIndependent'), v(true)] }] },
    requiredFields: ['languageGap', 'interpreterIndependent'],
    sources: ['Medicus case: donors did not speak the local language'],
    rationale: 'A donor who cannot follow the evaluation without an interpreter independent of the recipient cannot give informed consent.'
  },
  {
    id: 'B7',
    version: 1,
    group: 'B',
    title: 'No independent donor advocate',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: { ne: [f('advocateIndependent'), v(true)] },
    requiredFields: ['advocateIndependent'],
    sources: ['OPTN independent living donor advocate requirement', 'UNODC toolkit Tool 6 (screening procedures)'],
    rationale: 'The donor\'s evaluation must include someone independent of the recipient\'s team.'
  },
  {
    id: 'B8',
    version: 1,
    group: 'B',
    title: 'Consent missing, given too shortly before surgery, or in a language other than the donor\'s',
    severity: 'R',
    subject: 'living-donation',
    appliesWhen: notNull('surgeryAt'),
    firesWhen: {
      any: [
        { isNull: 'consentLeadDays' },
        { lt: [f('consentLeadDays'), p('minConsentLeadDays')] },
        isFalse('consentLanguageMatches')
      ]
    },
    requiredFields: ['consentLeadDays', 'consentLanguageMatches'],
    evidenceFields: ['surgeryAt'],
    parameters: { minConsentLeadDays: 14 },
    sources: ['UN GA res. 71/322 para 3(b)', 'EU 2010/53 Art 14'],
    rationale: 'Informed, voluntary consent needs time to reflect and a language the donor understands.'
  },
  {
    id: 'B9',
    version: 1,
    group: 'B',
    title: 'Living donor under 18 or without legal capacity',
    severity: 'B',
    subject: 'living-donation',
    firesWhen: { any: [{ lt: [f('donorAgeYears'), p('minDonorAgeYears')] }, isFalse('donorHasLegalCapacity')] },
    requiredFields: ['donorAgeYears', 'donorHasLegalCapacity'],
    parameters: { minDonorAgeYears: 18 },
    sources: ['WHO Guiding Principle 4'],
    rationale: 'No organs may be removed from living minors or legally incompetent persons, save narrow exceptions in national law.'
  },
  {
    id: 'B10',
    version: 1,
    group: 'B',
    title: 'Contact details shared with other, unrelated donor-recipient pairs (broker signature)',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: { ge: [f('sharedContactCount'), v(1)] },
    requiredFields: ['sharedContactCount'],
    sources: ['HOTT barrier model: recruitment, housing'],
    rationale: 'The same phone, address or "coordinator" across unrelated pairs suggests a recruiter.'
  },
  {
    id: 'B11',
    version: 1,
    group: 'B',
    title: 'Donor travel or lodging paid by a third party',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: eq('thirdPartyTravelPaid', true),
    requiredFields: ['thirdPartyTravelPaid'],
    sources: ['HOTT barrier model: transport, finance'],
    rationale: 'Travel paid by someone other than the donor, the programme, an insurer or the recipient points to an intermediary.'
  },
  {
    id: 'B12',
    version: 1,
    group: 'B',
    title: 'Repeat evaluations: the same person registered as a living donor again within the window',
    severity: 'R',
    subject: 'living-donation',
    firesWhen: { all: [notNull('daysSincePreviousLivingDonation'), { lt: [f('daysSincePreviousLivingDonation'), p('windowDays')] }] },
    requiredFields: ['daysSincePreviousLivingDonation'],
    parameters: { windowDays: 730 },
    sources: ['reference doc §2.4 B12 (design; needs national pseudonym linkage)'],
    rationale: 'One person offered as a donor to several recipients or centres is a sign of recruitment.'
  },
  // C. Financial flags (UN 3b; WHO GP 5, 8; EU Art 13)
  {
    id: 'C1',
    version: 1,
    group: 'C',
    title: 'Payment to a donor or family outside the allowed reimbursement categories',
    severity: 'B',
    subject: 'payment',
    firesWhen: { not: { in: [f('category'), { param: 'allowedCategories' }] } },
    requiredFields: ['category'],
    evidenceFields: ['amountMinor', 'currency', 'payerKind'],
    parameters: { allowedCategories: ['travel', 'lodging', 'lost-income', 'medical'] },
    sources: ['WHO Guiding Principle 5', 'EU 2010/53 Art 13'],
    rationale: 'Donation is unpaid; only reasonable, verifiable expenses and lost income may be reimbursed.'
  },
  {
    id: 'C2',
    version: 1,
    group: 'C',
    title: 'Reimbursement without a receipt, above the category ceiling, or in a currency the ceilings do not cover',
    severity: 'R',
    subject: 'payment',
    appliesWhen: { in: [f('category'), { param: 'allowedCategories' }] },
    firesWhen: {
      any: [
        isFalse('receiptProvided'),
        { ne: [f('currency'), p('currency')] },
        { gt: [f('amountMinor'), { param: 'ceilingMinor', key: { field: 'category' } }] }
      ]
    },
    requiredFields: ['receiptProvided', 'currency', 'amountMinor', 'category'],
    parameters: {
      allowedCategories: ['travel', 'lodging', 'lost-income', 'medical'],
      currency: 'EUR',
      ceilingMinor: { travel: 200_000, lodging: 300_000, 'lost-income': 1_500_000, medical: 2_000_000 }
    },
    sources: ['WHO Guiding Principle 5 (reasonable and verifiable expenses)'],
    rationale: 'Reimbursement must be verifiable and reasonable; large or unreceipted sums can hide payment.'
  },
  {
    id: 'C4',
    version: 1,
    group: 'C',
    title: 'Cash, third-country, or third-party payments',
    severity: 'R',
    subject: 'payment',
    firesWhen: { any: [eq('method', 'cash'), isFalse('counterpartyDomestic'), eq('payerKind', 'third-party')] },
    requiredFields: ['method', 'counterpartyDomestic', 'payerKind'],
    evidenceFields: ['category'],
    sources: ['HOTT barrier model: finance'],
    rationale: 'Untraceable or foreign money flows around a donation are how payment is concealed.'
  },
  // D. Travel for transplantation (UN 3h, 3i, 7; DoI; CoE CM/Res(2017)2)
  {
    id: 'D1',
    version: 1,
    group: 'D',
    title: 'Patient presents after a transplant outside the country of residence: refer and review',
    severity: 'R',
    subject: 'transplant-abroad',
    firesWhen: eq('transplantedOutsideResidence', true),
    requiredFields: ['transplantedOutsideResidence'],
    evidenceFields: ['transplantCountry', 'organType', 'donorType', 'paymentReported', 'presentedAt'],
    sources: ['DICG 2018 (Domínguez-Gil et al., Transplantation 2018)', 'CoE CM/Res(2013)55 and CM/Res(2017)2'],
    rationale: 'Patients returning after a transplant abroad are registered and referred; the record is reviewed for signs of trafficking.'
  },
  {
    id: 'D2',
    version: 1,
    group: 'D',
    title: 'Left the domestic waiting list and came back with a graft',
    severity: 'R',
    subject: 'transplant-abroad',
    firesWhen: eq('removedFromListBefore', true),
    requiredFields: ['removedFromListBefore'],
    evidenceFields: ['transplantCountry'],
    sources: ['DICG 2018', 'Leiden Journal of International Law 2016 ("patients disappear from waiting lists")'],
    rationale: 'A candidate who disappears from the list and returns transplanted may have bought an organ abroad.'
  },
  {
    id: 'D3',
    version: 1,
    group: 'D',
    title: 'Origin cannot be certified: no donor identifier, centre name or authorisation evidence',
    severity: 'R',
    subject: 'transplant-abroad',
    firesWhen: { any: [isFalse('donorIdentifierKnown'), isFalse('centreNameKnown'), isFalse('authorisationEvidence')] },
    requiredFields: ['donorIdentifierKnown', 'centreNameKnown', 'authorisationEvidence'],
    evidenceFields: ['transplantCountry'],
    sources: ['UN GA res. 71/322 para 7 (certify the origin of organs)'],
    rationale: 'Professionals must be able to certify where an organ came from; without these three the origin is unknown.'
  },
  {
    id: 'D4',
    version: 1,
    group: 'D',
    title: 'Centre\'s share of transplants for non-residents above the threshold',
    severity: 'M',
    subject: 'centre-year',
    appliesWhen: { ge: [f('transplants'), p('minTransplants')] },
    firesWhen: { gt: [f('nonResidentShare'), p('maxNonResidentShare')] },
    requiredFields: ['nonResidentShare'],
    evidenceFields: ['transplants', 'transplantsWithKnownResidence', 'year'],
    parameters: { minTransplants: 10, maxNonResidentShare: 0.2 },
    sources: ['Declaration of Istanbul 2018 (resources for non-residents)', 'GODT non-resident data'],
    rationale: 'Resources spent on non-residents can undermine a country\'s ability to serve its own population.'
  },
  // E. Clustering and anomalies (UN 3e, 7)
  {
    id: 'E1',
    version: 1,
    group: 'E',
    title: 'Centre\'s living-unrelated share significantly above the national baseline',
    severity: 'M',
    subject: 'centre-year',
    appliesWhen: { ge: [f('livingDonations'), p('minLivingDonations')] },
    firesWhen: { gt: [f('livingUnrelatedZ'), p('zLimit')] },
    requiredFields: ['livingUnrelatedZ'],
    evidenceFields: ['livingDonations', 'livingUnrelated', 'nationalLivingUnrelatedShare', 'year'],
    parameters: { minLivingDonations: 5, zLimit: 3 },
    sources: ['reference doc §2.4 E1 (funnel plot / z-score, design)'],
    rationale: 'A centre far above the national share of unrelated donors is worth a look; the z-score allows for small centres.'
  },
  {
    id: 'E2',
    version: 1,
    group: 'E',
    title: 'Surgeon operating at many centres, or in more than one country, within a month',
    severity: 'M',
    subject: 'surgeon-window',
    firesWhen: { any: [{ ge: [f('centres'), p('maxCentres')] }, { gt: [f('countries'), v(1)] }] },
    requiredFields: ['centres', 'countries'],
    evidenceFields: ['procedures', 'month'],
    parameters: { maxCentres: 3 },
    sources: ['Medicus case (foreign surgeon)'],
    rationale: 'Trafficking networks moved surgeons between venues and across borders.'
  },
  {
    id: 'E3',
    version: 1,
    group: 'E',
    title: 'Centre with poor follow-up completeness',
    severity: 'M',
    subject: 'centre-year',
    appliesWhen: { ge: [f('followUpsExpected'), p('minExpected')] },
    firesWhen: { lt: [f('followUpCompleteness'), p('minCompleteness')] },
    requiredFields: ['followUpCompleteness'],
    evidenceFields: ['followUpsExpected', 'followUpsCompleted', 'year'],
    parameters: { minExpected: 5, minCompleteness: 0.8 },
    sources: ['OPTN follow-up completeness thresholds', 'Spiro et al., Transplantation 2025'],
    rationale: 'Patients lost to follow-up include those whose transplants cannot be accounted for.'
  },
  {
    id: 'E4',
    version: 1,
    group: 'E',
    title: 'Living-donor transplants at a centre with no deceased-donor activity and a high non-resident share',
    severity: 'M',
    subject: 'centre-year',
    appliesWhen: { gt: [f('livingDonations'), v(0)] },
    firesWhen: { all: [eq('deceasedTransplants', 0), { gt: [f('nonResidentShare'), p('maxNonResidentShare')] }] },
    requiredFields: ['deceasedTransplants', 'nonResidentShare'],
    evidenceFields: ['livingDonations', 'transplants', 'year'],
    parameters: { maxNonResidentShare: 0.2 },
    sources: ['reference doc §2.4 E4 (heuristic; corroborate before acting)'],
    rationale: 'A centre doing only living-donor transplants, largely for visitors, matches the Medicus profile.'
  },
  // F. Allocation integrity (UN 3c; WHO GP 9)
  {
    id: 'F1',
    version: 1,
    group: 'F',
    title: 'Deceased-donor organ transplanted into a candidate not on its match run',
    severity: 'B',
    subject: 'deceased-transplant',
    firesWhen: isFalse('recipientOnMatchList'),
    requiredFields: ['recipientOnMatchList'],
    evidenceFields: ['matchRunId', 'organType'],
    sources: ['OPTN practice since 2003: organs go only to patients on the match run'],
    rationale: 'A deceased donor\'s organ may go only to a candidate ranked on that organ\'s match run.'
  },
  {
    id: 'F2',
    version: 1,
    group: 'F',
    title: 'Candidates ranked above the recipient skipped without a recorded refusal',
    severity: 'R',
    subject: 'deceased-transplant',
    firesWhen: { gt: [f('skippedWithoutResponse'), v(0)] },
    requiredFields: ['skippedWithoutResponse'],
    evidenceFields: ['recipientSequenceNumber', 'matchRunId'],
    sources: ['UNOS sequence monitoring ("following the match run sequence")'],
    rationale: 'Every candidate above the recipient must have a recorded offer and refusal (or bypass) code.'
  },
  {
    id: 'F3',
    version: 1,
    group: 'F',
    title: 'Match run altered after it was generated',
    severity: 'B',
    subject: 'match-run',
    firesWhen: { any: [isFalse('outputHashValid'), isFalse('storedHashMatches')] },
    requiredFields: ['outputHashValid', 'storedHashMatches'],
    evidenceFields: ['organId'],
    sources: ['UNOS: do not edit the original match run', 'reference doc §4.3'],
    rationale: 'A stored match list whose content no longer gives its hash was changed after the run.'
  },
  // G. Follow-up and victim protection (UN 3g, 3i, 9)
  {
    id: 'G1',
    version: 1,
    group: 'G',
    title: 'Overdue living-donor follow-up (6, 12 or 24 months, ±60-day window)',
    severity: 'R',
    subject: 'follow-up',
    appliesWhen: eq('subjectKind', 'living-donor'),
    firesWhen: eq('overdue', true),
    requiredFields: ['overdue'],
    evidenceFields: ['label', 'dueDate', 'windowEnd', 'centreId'],
    sources: ['OPTN Living Donor Follow-up (LDF) instructions', 'EU 2010/53 Art 15'],
    rationale: 'Living donors are followed up for their own protection; a missed visit may hide a donor who was never who the record says.'
  },
  {
    id: 'G2',
    version: 1,
    group: 'G',
    title: 'Overdue recipient follow-up (6 months, 1 year, then yearly)',
    severity: 'R',
    subject: 'follow-up',
    appliesWhen: eq('subjectKind', 'recipient'),
    firesWhen: eq('overdue', true),
    requiredFields: ['overdue'],
    evidenceFields: ['label', 'dueDate', 'windowEnd', 'centreId'],
    sources: ['OPTN Transplant Recipient Follow-up (TRF) instructions'],
    rationale: 'Outcomes must be assessed, and a recipient lost to follow-up breaks traceability.'
  },
  {
    id: 'G3',
    version: 1,
    group: 'G',
    title: 'Access to a suspected victim\'s record by someone outside the protection role',
    severity: 'B',
    subject: 'record-access',
    firesWhen: { all: [eq('subjectProtected', true), isFalse('viewerHasProtectionRole')] },
    requiredFields: ['subjectProtected', 'viewerHasProtectionRole'],
    evidenceFields: ['purpose'],
    sources: ['UN GA res. 71/322 para 9 (protection of victims)'],
    rationale: 'Records of suspected victims are hidden from everyone but protection staff, and every access raises an alert.'
  }
])

/** Content hash of the catalogue: every flag names the rule set it came from; any change is a new hash. */
export const INDICATOR_CATALOGUE_HASH = contentHash(INDICATOR_RULES)

/** The rule of an id, newest version first. */
export function indicatorRule (id: string, rules: readonly IndicatorRule[] = INDICATOR_RULES): IndicatorRule | undefined {
  return rules.filter((rule) => rule.id === id).sort((a, b) => b.version - a.version)[0]
}
