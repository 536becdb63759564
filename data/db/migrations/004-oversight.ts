/**
 * Migration 4: oversight. What the registry of migration 1 does not hold but oversight needs
 * (UN GA res. 71/322 para 3(d)-(i), 7, 9; EU 2010/53 Art 10, 15): who recovered an organ and where,
 * who transplanted it, combined and domino transplants (GODT counts them apart), the critical
 * pathway of deceased donation, the living-donor evaluation and payment ledger the indicator rules
 * read, records of patients transplanted abroad, two-person reviews of oversight flags, and the
 * victim-protection register with its access alerts.
 *
 * Record tables are append-only (a correction is a new row; the newest counts). None of them is in
 * the audit log's pinned-table list (data/audit/audit-log.ts), so their audit entries carry a
 * `recordSha256` of the row instead of a pin; data/oversight/record-digest.ts checks them.
 */
function appendOnly (table: string): string {
  return `
CREATE TRIGGER ${table}_refuse_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_refuse_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`
}

const BIT = (column: string, nullable = false): string =>
  nullable ? `${column} INTEGER CHECK (${column} IS NULL OR ${column} IN (0, 1))` : `${column} INTEGER NOT NULL CHECK (${column} IN (0, 1))`

const COUNTRY = (column: string): string =>
  `${column} TEXT CHECK (${column} IS NULL OR (length(${column}) = 2 AND ${column} = upper(${column})))`

export const oversightSchema = {
  version: 4,
  name: 'oversight',
  sql: `
-- Where and by whom an organ was recovered. authorisation_override = 1: recorded although the centre
-- held no authorisation, where the deployment's law allows it, with a blocking flag (rule A1).
CREATE TABLE recovery_records (
  organ_id TEXT PRIMARY KEY REFERENCES organs(id),
  recovery_centre_id TEXT NOT NULL REFERENCES centres(id),
  surgeon_id TEXT,
  death_determined_by TEXT,
  ${BIT('authorisation_override')},
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
) STRICT;
${appendOnly('recovery_records')}

CREATE TABLE transplant_records (
  transplant_id TEXT PRIMARY KEY REFERENCES transplants(id),
  surgeon_id TEXT,
  ${BIT('authorisation_override')},
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
) STRICT;
${appendOnly('transplant_records')}

-- A simultaneous kidney-pancreas transplant: the pancreas transplant and the kidney transplant it
-- was combined with (same donor, same recipient person, same centre). GODT counts the pair once.
CREATE TABLE combined_transplants (
  pancreas_transplant_id TEXT PRIMARY KEY REFERENCES transplants(id),
  kidney_transplant_id TEXT NOT NULL UNIQUE REFERENCES transplants(id),
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
) STRICT;
${appendOnly('combined_transplants')}

-- A domino liver donor: a liver recipient whose own explanted liver was transplanted into someone
-- else. Registered as a living donor; GODT counts these transplants as domino_liver_tx.
CREATE TABLE domino_donors (
  donor_id TEXT PRIMARY KEY REFERENCES donors(id),
  source_transplant_id TEXT NOT NULL UNIQUE REFERENCES transplants(id),
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
) STRICT;
${appendOnly('domino_donors')}

-- The critical pathway of deceased donation (possible -> potential -> eligible -> actual -> utilised):
-- one row per possible donor identified at a hospital. furthest_stage is the last stage reached
-- before donation stopped; a case that went on to donation names its registered donor, and actual
-- and utilised are then read from that donor's organs. operative_incision_at: an incision was made
-- but no organ recovered (still an actual donor).
CREATE TABLE donation_pathway_cases (
  id TEXT PRIMARY KEY,
  hospital_centre_id TEXT NOT NULL REFERENCES centres(id),
  identified_at TEXT NOT NULL,
  furthest_stage TEXT NOT NULL CHECK (furthest_stage IN ('possible', 'potential', 'eligible')),
  death_criterion TEXT CHECK (death_criterion IS NULL OR death_criterion IN ('neurological', 'circulatory')),
  loss_reason TEXT,
  donor_id TEXT UNIQUE REFERENCES donors(id),
  operative_incision_at TEXT,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  CHECK (donor_id IS NULL OR furthest_stage = 'eligible'),
  CHECK (operative_incision_at IS NULL OR donor_id IS NOT NULL)
) STRICT;
CREATE INDEX donation_pathway_cases_by_time ON donation_pathway_cases (identified_at);
${appendOnly('donation_pathway_cases')}

-- The independent evaluation of a living donor (WHO Guiding Principle 3; UNODC Tool 6). The newest
-- row per donor counts. contact_digest: keyed HMAC of a normalised phone/e-mail/address, never the value.
CREATE TABLE living_donor_evaluations (
  id INTEGER PRIMARY KEY,
  donor_id TEXT NOT NULL REFERENCES donors(id),
  candidate_id TEXT REFERENCES candidates(id),
  evaluated_at TEXT NOT NULL,
  kinship TEXT CHECK (kinship IS NULL OR kinship IN ('parent-child', 'sibling', 'other-genetic', 'spouse-partner', 'other-emotional', 'none')),
  relationship_document_type TEXT,
  relationship_document_issued_on TEXT,
  ${BIT('relationship_document_issuer_verified', true)},
  donor_language TEXT,
  evaluation_language TEXT,
  interpreter_id TEXT,
  ${BIT('interpreter_independent', true)},
  advocate_id TEXT,
  ${BIT('advocate_independent', true)},
  ${BIT('legal_capacity', true)},
  travel_paid_by TEXT CHECK (travel_paid_by IS NULL OR travel_paid_by IN ('self', 'programme', 'insurer', 'recipient', 'third-party')),
  contact_digest TEXT,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX living_donor_evaluations_by_donor ON living_donor_evaluations (donor_id, evaluated_at);
CREATE INDEX living_donor_evaluations_by_contact ON living_donor_evaluations (contact_digest);
${appendOnly('living_donor_evaluations')}

-- Payments to a living donor or a deceased donor's family (WHO GP 5; EU 2010/53 Art 13).
CREATE TABLE donor_payments (
  id INTEGER PRIMARY KEY,
  donor_id TEXT NOT NULL REFERENCES donors(id),
  category TEXT NOT NULL CHECK (category IN ('travel', 'lodging', 'lost-income', 'medical', 'fee', 'gift', 'other')),
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  method TEXT NOT NULL CHECK (method IN ('bank-transfer', 'card', 'cheque', 'cash', 'other')),
  payer_kind TEXT NOT NULL CHECK (payer_kind IN ('programme', 'insurer', 'recipient', 'third-party')),
  ${BIT('receipt_provided', true)},
  ${COUNTRY('counterparty_country')},
  paid_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX donor_payments_by_donor ON donor_payments (donor_id);
${appendOnly('donor_payments')}

-- A patient who presents after a transplant abroad (DICG 2018; CoE CM/Res(2013)55, CM/Res(2017)2).
-- The patient is known by a candidate pseudonym and/or a person pseudonym (HMAC of the national id).
CREATE TABLE transplants_abroad (
  id TEXT PRIMARY KEY,
  candidate_id TEXT REFERENCES candidates(id),
  person_pseudonym TEXT,
  presenting_centre_id TEXT NOT NULL REFERENCES centres(id),
  presented_at TEXT NOT NULL,
  transplant_country TEXT NOT NULL CHECK (length(transplant_country) = 2 AND transplant_country = upper(transplant_country)),
  transplant_city TEXT,
  transplant_centre_name TEXT,
  transplant_date TEXT,
  organ_type TEXT NOT NULL CHECK (organ_type IN ('kidney', 'liver', 'heart', 'lung', 'pancreas', 'intestine')),
  donor_type TEXT NOT NULL CHECK (donor_type IN ('deceased', 'living', 'unknown')),
  donor_relationship TEXT CHECK (donor_relationship IS NULL OR donor_relationship IN ('genetic', 'emotional', 'unrelated', 'unknown')),
  ${COUNTRY('donor_country')},
  donor_identifier TEXT,
  ${BIT('authorisation_evidence')},
  payment_reported TEXT NOT NULL CHECK (payment_reported IN ('yes', 'no', 'unknown')),
  documents_json TEXT NOT NULL CHECK (json_valid(documents_json) AND json_type(documents_json) = 'array'),
  ${COUNTRY('patient_residence')},
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  CHECK (candidate_id IS NOT NULL OR person_pseudonym IS NOT NULL)
) STRICT;
${appendOnly('transplants_abroad')}

-- Two-person review of oversight flags: one review per reviewer; a flag closes when two different
-- reviewers (neither of them its raiser) agree on the outcome.
CREATE TABLE oversight_flag_reviews (
  id INTEGER PRIMARY KEY,
  flag_id INTEGER NOT NULL REFERENCES oversight_flags(id),
  reviewer TEXT NOT NULL REFERENCES users(id),
  outcome TEXT NOT NULL CHECK (outcome IN ('true-positive', 'false-positive', 'inconclusive')),
  reviewed_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  UNIQUE (flag_id, reviewer)
) STRICT;
${appendOnly('oversight_flag_reviews')}

-- What the indicator engine knows about a flag it raised: the finding key (so a re-run never raises
-- the same finding twice), the rule-set hash, and the subjects it concerns (so flags about a
-- protected subject are hidden with the subject).
CREATE TABLE oversight_flag_findings (
  flag_id INTEGER PRIMARY KEY REFERENCES oversight_flags(id),
  finding_key TEXT NOT NULL UNIQUE,
  finding_kind TEXT NOT NULL CHECK (finding_kind IN ('fired', 'missing-data')),
  rule_set_hash TEXT NOT NULL CHECK (length(rule_set_hash) = 64),
  subject_ids_json TEXT NOT NULL CHECK (json_valid(subject_ids_json) AND json_type(subject_ids_json) = 'array')
) STRICT;
${appendOnly('oversight_flag_findings')}

-- Victim protection (UN 71/322 para 9): a subject flagged as a suspected victim of trafficking is
-- hidden from every role but the protection role. Audit entries name the case id, not the subject.
CREATE TABLE protected_subjects (
  case_id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('candidate', 'donor')),
  reason_code TEXT NOT NULL,
  flagged_at TEXT NOT NULL,
  flagged_by TEXT NOT NULL,
  lifted_at TEXT,
  lifted_by TEXT,
  recorded_at TEXT NOT NULL,
  CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
) STRICT;
CREATE INDEX protected_subjects_by_subject ON protected_subjects (subject_id);
CREATE UNIQUE INDEX protected_subjects_one_open ON protected_subjects (subject_id) WHERE lifted_at IS NULL;

CREATE TABLE protection_alerts (
  id INTEGER PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES protected_subjects(case_id),
  accessed_by TEXT NOT NULL,
  access TEXT NOT NULL CHECK (access IN ('granted', 'denied')),
  purpose TEXT NOT NULL,
  at TEXT NOT NULL,
  acknowledged_at TEXT,
  acknowledged_by TEXT
) STRICT;
CREATE INDEX protection_alerts_open ON protection_alerts (acknowledged_at, id);
`
} as const
