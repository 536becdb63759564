/**
 * The CSV column sets of centres, candidates and donors (documented in docs/import-export.md). Each
 * column maps to one field of the record (a dotted path) and has a cell type; a record's JSON form
 * uses the paths directly. `required` columns must appear in the header; whether a cell may be empty
 * is decided by record validation (validate.ts).
 */
export const CELL_TYPES = ['string', 'number', 'boolean', 'tri', 'antigens', 'instant', 'date', 'month'] as const
export type CellType = typeof CELL_TYPES[number]

export interface Column {
  readonly name: string
  /** Dotted path of the record field, e.g. `hla.A`, `acceptance.maxKdpi`. */
  readonly path: string
  readonly type: CellType
  readonly required: boolean
  readonly description: string
}

function column (name: string, path: string, type: CellType, required: boolean, description: string): Column {
  return { name, path, type, required, description }
}

/** One row per authorisation; a centre's own columns repeat on each of its rows. */
export const CENTRE_COLUMNS: readonly Column[] = [
  column('id', 'id', 'string', true, 'Centre code, 1-64 letters, digits, . _ -'),
  column('name', 'name', 'string', true, 'Name of the hospital or programme'),
  column('country', 'country', 'string', true, 'ISO 3166-1 alpha-2 code'),
  column('region', 'region', 'string', true, 'Allocation region'),
  column('latitudeDeg', 'latitudeDeg', 'number', true, 'Latitude, decimal degrees (WGS 84)'),
  column('longitudeDeg', 'longitudeDeg', 'number', true, 'Longitude, decimal degrees (WGS 84)'),
  column('organType', 'authorisations[].organType', 'string', true, 'kidney, liver, heart, lung, pancreas or intestine; empty on the row of a centre without authorisations'),
  column('activity', 'authorisations[].activity', 'string', true, 'transplant, recovery or living-donation'),
  column('validFrom', 'authorisations[].validFrom', 'date', true, 'First valid day, YYYY-MM-DD'),
  column('validUntil', 'authorisations[].validUntil', 'date', false, 'Last valid day (inclusive); empty when open-ended'),
  column('decisionReference', 'authorisations[].decisionReference', 'string', true, 'Decision number of the competent authority'),
  column('suspendedFrom', 'authorisations[].suspendedFrom', 'instant', false, 'Instant the authorisation is suspended from; empty when not suspended')
]

const IDENTITY_COLUMNS: readonly Column[] = [
  column('sex', 'protectedAttributes.sex', 'string', false, 'Protected: female, male, other or unknown'),
  column('raceEthnicity', 'protectedAttributes.raceEthnicity', 'string', false, 'Protected: race/ethnicity category (equity monitoring only)'),
  column('nationality', 'protectedAttributes.nationality', 'string', false, 'Protected: ISO 3166-1 alpha-2'),
  column('residence', 'protectedAttributes.residence', 'string', false, 'Protected: country of residence, ISO 3166-1 alpha-2'),
  column('name', 'identifiers.name', 'string', false, 'Direct identifier: full name (stored encrypted)'),
  column('nationalId', 'identifiers.nationalId', 'string', false, 'Direct identifier: national id (stored encrypted)'),
  column('birthDate', 'identifiers.birthDate', 'date', false, 'Direct identifier: date of birth (stored encrypted)')
]

export const CANDIDATE_COLUMNS: readonly Column[] = [
  column('id', 'id', 'string', true, 'Registration number at the listing centre (the registry keeps only its pseudonym)'),
  column('organType', 'organType', 'string', true, 'kidney, liver, heart, lung, pancreas or intestine'),
  column('centreId', 'centreId', 'string', true, 'Listing centre (must hold a transplant authorisation for the organ)'),
  column('status', 'status', 'string', true, 'active or inactive'),
  column('urgency', 'urgency', 'string', true, 'Urgency class named by the policies (elective, HU, 1A, status-1 … status-6)'),
  column('registeredAt', 'registeredAt', 'instant', true, 'Registration instant (ISO 8601 with zone, or a date = 00:00 UTC)'),
  column('waitingTimeFrom', 'waitingTimeFrom', 'instant', true, 'Instant waiting time counts from (not after registeredAt)'),
  column('birthMonth', 'birthMonth', 'month', true, 'YYYY-MM'),
  column('heightCm', 'heightCm', 'number', true, 'Height, cm'),
  column('weightKg', 'weightKg', 'number', true, 'Weight, kg'),
  column('abo', 'abo', 'string', true, 'O, A, A1, A2, B, AB, A1B or A2B'),
  column('hlaA', 'hla.A', 'antigens', true, 'HLA-A antigens, 1 or 2, separated by spaces (A2 A24)'),
  column('hlaB', 'hla.B', 'antigens', true, 'HLA-B antigens, 1 or 2'),
  column('hlaC', 'hla.C', 'antigens', false, 'HLA-C antigens, 0 to 2'),
  column('hlaDR', 'hla.DR', 'antigens', true, 'HLA-DR antigens, 1 or 2'),
  column('hlaDQ', 'hla.DQ', 'antigens', false, 'HLA-DQ antigens, 0 to 2'),
  column('unacceptableAntigens', 'unacceptableAntigens', 'antigens', true, 'Unacceptable antigens separated by spaces; empty for none'),
  column('dialysisFrom', 'dialysisFrom', 'instant', false, 'Start of maintenance dialysis; empty when not on dialysis'),
  column('cpraPercent', 'cpraPercent', 'number', true, 'cPRA, 0-100'),
  column('vpraPercent', 'vpraPercent', 'number', true, 'vPRA, 0-100'),
  column('mmpPercent', 'mmpPercent', 'number', true, 'Eurotransplant mismatch probability, 0-100'),
  column('meld', 'meld', 'number', false, 'Liver: MELD score 6-40 (whole number)'),
  column('peld', 'peld', 'number', false, 'Liver, children: PELD score (whole number)'),
  column('eptsPercent', 'eptsPercent', 'number', false, 'Adult kidney: EPTS, 0-100'),
  column('ukRecipientRiskQuartile', 'ukRecipientRiskQuartile', 'number', false, 'UK recipient risk index quartile 1-4'),
  column('matchabilityScore', 'matchabilityScore', 'number', false, 'UK matchability score 1-10'),
  column('priorLivingDonor', 'priorLivingDonor', 'boolean', true, 'true or false'),
  column('diagnosisGroup', 'diagnosisGroup', 'string', true, 'Primary diagnosis group'),
  column('eligibleForA2Kidney', 'eligibleForA2Kidney', 'boolean', true, 'B candidates cleared for A2/A2B kidneys'),
  column('diabetes', 'diabetes', 'boolean', false, 'Diabetes (an EPTS input)'),
  column('priorSolidOrganTransplant', 'priorSolidOrganTransplant', 'boolean', false, 'Prior solid-organ transplant (an EPTS input)'),
  column('acceptMaxDonorAgeYears', 'acceptance.maxDonorAgeYears', 'number', false, 'Centre filter: oldest donor accepted, years'),
  column('acceptMaxKdpi', 'acceptance.maxKdpi', 'number', false, 'Centre filter: highest KDPI accepted'),
  column('acceptsDcd', 'acceptance.acceptsDcd', 'boolean', false, 'Centre filter: accepts DCD organs'),
  column('acceptMinDonorWeightKg', 'acceptance.minDonorWeightKg', 'number', false, 'Centre filter: lightest donor accepted, kg'),
  column('acceptMaxDonorWeightKg', 'acceptance.maxDonorWeightKg', 'number', false, 'Centre filter: heaviest donor accepted, kg'),
  column('acceptMaxDistanceNm', 'acceptance.maxDistanceNm', 'number', false, 'Centre filter: farthest donor hospital accepted, nautical miles'),
  column('bilirubinMgDl', 'liverLabs.bilirubinMgDl', 'number', false, 'Liver labs (all or none): bilirubin, mg/dL'),
  column('inr', 'liverLabs.inr', 'number', false, 'Liver labs: INR'),
  column('creatinineMgDl', 'liverLabs.creatinineMgDl', 'number', false, 'Liver labs: creatinine, mg/dL'),
  column('sodiumMmolL', 'liverLabs.sodiumMmolL', 'number', false, 'Liver labs: sodium, mmol/L'),
  column('albuminGDl', 'liverLabs.albuminGDl', 'number', false, 'Liver labs: albumin, g/dL'),
  column('dialysisTwiceInPastWeek', 'liverLabs.dialysisTwiceInPastWeek', 'boolean', false, 'Liver labs: dialysed twice in the past week'),
  column('growthFailure', 'liverLabs.growthFailure', 'boolean', false, 'Liver labs, children under 12: growth failure (PELD)'),
  ...IDENTITY_COLUMNS
]

export const DONOR_COLUMNS: readonly Column[] = [
  column('id', 'id', 'string', true, 'Donor number of the reporting organisation (the registry keeps only its pseudonym)'),
  column('kind', 'kind', 'string', true, 'deceased'),
  column('pathway', 'pathway', 'string', true, 'DBD or DCD'),
  column('hospitalCentreId', 'hospitalCentreId', 'string', true, 'Donor hospital (a centre holding recovery authorisations)'),
  column('reportedAt', 'reportedAt', 'instant', true, 'Instant the donor was reported'),
  column('ageYears', 'ageYears', 'number', true, 'Age, years'),
  column('heightCm', 'heightCm', 'number', true, 'Height, cm'),
  column('weightKg', 'weightKg', 'number', true, 'Weight, kg'),
  column('abo', 'abo', 'string', true, 'O, A, A1, A2, B, AB, A1B or A2B'),
  column('hlaA', 'hla.A', 'antigens', true, 'HLA-A antigens, 1 or 2, separated by spaces'),
  column('hlaB', 'hla.B', 'antigens', true, 'HLA-B antigens, 1 or 2'),
  column('hlaC', 'hla.C', 'antigens', false, 'HLA-C antigens, 0 to 2'),
  column('hlaDR', 'hla.DR', 'antigens', true, 'HLA-DR antigens, 1 or 2'),
  column('hlaDQ', 'hla.DQ', 'antigens', false, 'HLA-DQ antigens, 0 to 2'),
  column('creatinineMgDl', 'creatinineMgDl', 'number', true, 'Terminal serum creatinine, mg/dL'),
  column('hypertension', 'hypertension', 'tri', true, 'History of hypertension: true, false or unknown'),
  column('diabetes', 'diabetes', 'tri', true, 'History of diabetes: true, false or unknown'),
  column('causeOfDeathCva', 'causeOfDeathCva', 'boolean', true, 'Cause of death cerebrovascular/stroke'),
  column('causeOfDeath', 'causeOfDeath', 'string', false, 'anoxia, head-trauma, cerebrovascular or other'),
  column('kdri', 'kdri', 'number', false, 'KDRI_RAO (OPTN refit 2024); computed when kdri and kdpi are both empty'),
  column('kdpi', 'kdpi', 'number', false, 'KDPI, 0-100 (newest refit reference table)'),
  column('ukDonorRiskQuartile', 'ukDonorRiskQuartile', 'number', false, 'UK donor risk index quartile 1-4'),
  ...IDENTITY_COLUMNS
]

export const ENTITIES = ['centres', 'candidates', 'donors'] as const
export type Entity = typeof ENTITIES[number]

export const COLUMNS: Readonly<Record<Entity, readonly Column[]>> = {
  centres: CENTRE_COLUMNS,
  candidates: CANDIDATE_COLUMNS,
  donors: DONOR_COLUMNS
}

/**
 * The CSV column that holds a record field: the column with the longest path that is a prefix of the
 * field (`hla.A[1]` → hlaA; `authorisations[2].validFrom` → validFrom). Falls back to the field itself.
 */
export function columnForField (columns: readonly Column[], field: string): string {
  const normalised = field.replace(/\[\d+\]/g, '[]')
  let best: Column | undefined
  for (const c of columns) {
    const matches = normalised === c.path || normalised.startsWith(`${c.path}.`) || normalised.startsWith(`${c.path}[`)
    if (matches && (best === undefined || c.path.length > best.path.length)) best = c
  }
  return best?.name ?? field
}
