/**
 * Migration 1: the registry's tables. Lists of allowed values are written out here rather than taken
 * from engine/domain, because an applied migration must never change: a new organ type or status is
 * a new migration.
 *
 * Conventions: STRICT tables; instants as ISO 8601 UTC text (text order = time order); calendar dates
 * as YYYY-MM-DD; booleans as 0/1 with a CHECK; JSON columns checked with json_valid. History tables
 * (status, clinical values, unacceptable antigens) are append-only: the value as of an instant is the
 * latest row effective at or before it.
 */
const ORGAN_TYPES = "'kidney', 'liver', 'heart', 'lung', 'pancreas', 'intestine'"
const ORGAN_PARTS = "'whole', 'left', 'right', 'en-bloc', 'left-lateral-segment', 'extended-right-lobe'"
const ABO_TYPES = "'O', 'A', 'A1', 'A2', 'B', 'AB', 'A1B', 'A2B'"
const CANDIDATE_STATUSES = "'active', 'inactive', 'removed', 'transplanted', 'deceased'"

function appendOnly (table: string): string {
  return `
CREATE TRIGGER ${table}_refuse_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_refuse_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`
}

export const registrySchema = {
  version: 1,
  name: 'registry-schema',
  sql: `
CREATE TABLE registry_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE centres (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name TEXT NOT NULL CHECK (length(name) > 0),
  country TEXT NOT NULL CHECK (length(country) = 2 AND country = upper(country)),
  region TEXT NOT NULL,
  latitude_deg REAL NOT NULL CHECK (latitude_deg BETWEEN -90 AND 90),
  longitude_deg REAL NOT NULL CHECK (longitude_deg BETWEEN -180 AND 180),
  recorded_at TEXT NOT NULL
) STRICT;
${appendOnly('centres')}

CREATE TABLE centre_authorisations (
  id INTEGER PRIMARY KEY,
  centre_id TEXT NOT NULL REFERENCES centres(id),
  organ_type TEXT NOT NULL CHECK (organ_type IN (${ORGAN_TYPES})),
  activity TEXT NOT NULL CHECK (activity IN ('transplant', 'recovery', 'living-donation')),
  valid_from TEXT NOT NULL,
  valid_until TEXT CHECK (valid_until IS NULL OR valid_until >= valid_from),
  decision_reference TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX centre_authorisations_by_centre ON centre_authorisations (centre_id, organ_type);
${appendOnly('centre_authorisations')}

CREATE TABLE authorisation_suspensions (
  id INTEGER PRIMARY KEY,
  authorisation_id INTEGER NOT NULL REFERENCES centre_authorisations(id),
  suspended_from TEXT NOT NULL,
  lifted_at TEXT CHECK (lifted_at IS NULL OR lifted_at > suspended_from),
  reason TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX authorisation_suspensions_by_authorisation ON authorisation_suspensions (authorisation_id);

CREATE TABLE candidates (
  id TEXT PRIMARY KEY,
  organ_type TEXT NOT NULL CHECK (organ_type IN (${ORGAN_TYPES})),
  centre_id TEXT NOT NULL REFERENCES centres(id),
  registered_at TEXT NOT NULL,
  waiting_time_from TEXT NOT NULL,
  birth_month TEXT NOT NULL CHECK (birth_month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
  abo TEXT NOT NULL CHECK (abo IN (${ABO_TYPES})),
  hla_json TEXT NOT NULL CHECK (json_valid(hla_json)),
  prior_living_donor INTEGER NOT NULL CHECK (prior_living_donor IN (0, 1)),
  diagnosis_group TEXT NOT NULL,
  eligible_for_a2_kidney INTEGER NOT NULL CHECK (eligible_for_a2_kidney IN (0, 1)),
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX candidates_by_organ ON candidates (organ_type, registered_at);
${appendOnly('candidates')}

CREATE TABLE candidate_status_history (
  id INTEGER PRIMARY KEY,
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  status TEXT NOT NULL CHECK (status IN (${CANDIDATE_STATUSES})),
  effective_at TEXT NOT NULL,
  reason TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX candidate_status_history_by_candidate ON candidate_status_history (candidate_id, effective_at);
${appendOnly('candidate_status_history')}

CREATE TABLE candidate_clinical_values (
  id INTEGER PRIMARY KEY,
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  effective_at TEXT NOT NULL,
  urgency TEXT NOT NULL CHECK (length(urgency) > 0),
  height_cm REAL NOT NULL,
  weight_kg REAL NOT NULL,
  dialysis_from TEXT,
  cpra_percent REAL NOT NULL CHECK (cpra_percent BETWEEN 0 AND 100),
  vpra_percent REAL NOT NULL CHECK (vpra_percent BETWEEN 0 AND 100),
  mmp_percent REAL NOT NULL CHECK (mmp_percent BETWEEN 0 AND 100),
  meld REAL,
  peld REAL,
  epts_percent REAL CHECK (epts_percent IS NULL OR epts_percent BETWEEN 0 AND 100),
  uk_recipient_risk_quartile INTEGER CHECK (uk_recipient_risk_quartile IS NULL OR uk_recipient_risk_quartile BETWEEN 1 AND 4),
  matchability_score INTEGER CHECK (matchability_score IS NULL OR matchability_score BETWEEN 1 AND 10),
  waitlist_survival_days REAL CHECK (waitlist_survival_days IS NULL OR waitlist_survival_days BETWEEN 0 AND 365),
  post_transplant_survival_days REAL CHECK (post_transplant_survival_days IS NULL OR post_transplant_survival_days BETWEEN 0 AND 1826),
  acceptance_json TEXT NOT NULL CHECK (json_valid(acceptance_json)),
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX candidate_clinical_values_by_candidate ON candidate_clinical_values (candidate_id, effective_at);
${appendOnly('candidate_clinical_values')}

CREATE TABLE candidate_unacceptable_antigens (
  id INTEGER PRIMARY KEY,
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  effective_at TEXT NOT NULL,
  antigens_json TEXT NOT NULL CHECK (json_valid(antigens_json) AND json_type(antigens_json) = 'array'),
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX candidate_unacceptable_antigens_by_candidate ON candidate_unacceptable_antigens (candidate_id, effective_at);
${appendOnly('candidate_unacceptable_antigens')}

-- Direct identifiers: AES-256-GCM ciphertexts only, bound to (subject_id, field). Never read by the engine.
CREATE TABLE direct_identifiers (
  subject_id TEXT PRIMARY KEY,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('candidate', 'donor')),
  person_pseudonym TEXT,
  name_enc BLOB,
  national_id_enc BLOB,
  birth_date_enc BLOB,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX direct_identifiers_by_person ON direct_identifiers (person_pseudonym);

-- Protected attributes: for equity monitoring, oversight and reporting only; never in a snapshot.
CREATE TABLE protected_attributes (
  subject_id TEXT PRIMARY KEY,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('candidate', 'donor')),
  sex TEXT CHECK (sex IS NULL OR sex IN ('female', 'male', 'other', 'unknown')),
  race_ethnicity TEXT,
  nationality TEXT CHECK (nationality IS NULL OR (length(nationality) = 2 AND nationality = upper(nationality))),
  residence TEXT CHECK (residence IS NULL OR (length(residence) = 2 AND residence = upper(residence))),
  recorded_at TEXT NOT NULL
) STRICT;

CREATE TABLE donors (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('deceased', 'living')),
  pathway TEXT CHECK (pathway IS NULL OR pathway IN ('DBD', 'DCD')),
  living_relationship TEXT CHECK (living_relationship IS NULL OR living_relationship IN ('genetic', 'emotional', 'unrelated', 'non-directed')),
  hospital_centre_id TEXT NOT NULL REFERENCES centres(id),
  age_years REAL NOT NULL CHECK (age_years BETWEEN 0 AND 120),
  height_cm REAL NOT NULL,
  weight_kg REAL NOT NULL,
  abo TEXT NOT NULL CHECK (abo IN (${ABO_TYPES})),
  hla_json TEXT NOT NULL CHECK (json_valid(hla_json)),
  creatinine_mg_dl REAL NOT NULL,
  hypertension TEXT NOT NULL CHECK (hypertension IN ('yes', 'no', 'unknown')),
  diabetes TEXT NOT NULL CHECK (diabetes IN ('yes', 'no', 'unknown')),
  cause_of_death_cva INTEGER NOT NULL CHECK (cause_of_death_cva IN (0, 1)),
  kdri REAL,
  kdpi REAL CHECK (kdpi IS NULL OR kdpi BETWEEN 0 AND 100),
  uk_donor_risk_quartile INTEGER CHECK (uk_donor_risk_quartile IS NULL OR uk_donor_risk_quartile BETWEEN 1 AND 4),
  reported_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  CHECK ((kind = 'deceased' AND pathway IS NOT NULL AND living_relationship IS NULL)
      OR (kind = 'living' AND pathway IS NULL AND living_relationship IS NOT NULL AND cause_of_death_cva = 0))
) STRICT;
${appendOnly('donors')}

CREATE TABLE consent_records (
  id INTEGER PRIMARY KEY,
  donor_id TEXT NOT NULL REFERENCES donors(id),
  record_type TEXT NOT NULL CHECK (record_type IN ('consent', 'authorisation', 'no-objection-verified', 'withdrawal')),
  basis TEXT NOT NULL CHECK (basis IN ('donor-in-person', 'donor-registration', 'family', 'legal-representative', 'opt-out-register')),
  organ_types_json TEXT NOT NULL CHECK (json_valid(organ_types_json) AND json_type(organ_types_json) = 'array'),
  obtained_at TEXT NOT NULL,
  obtained_by TEXT NOT NULL,
  language TEXT,
  witness TEXT,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX consent_records_by_donor ON consent_records (donor_id, obtained_at);
${appendOnly('consent_records')}

CREATE TABLE procedure_authorisations (
  id INTEGER PRIMARY KEY,
  donor_id TEXT NOT NULL REFERENCES donors(id),
  candidate_id TEXT REFERENCES candidates(id),
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'refused')),
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  reference TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX procedure_authorisations_by_donor ON procedure_authorisations (donor_id);
${appendOnly('procedure_authorisations')}

CREATE TABLE organs (
  id TEXT PRIMARY KEY,
  donor_id TEXT NOT NULL REFERENCES donors(id),
  organ_type TEXT NOT NULL CHECK (organ_type IN (${ORGAN_TYPES})),
  part TEXT NOT NULL CHECK (part IN (${ORGAN_PARTS})),
  recovered_at TEXT,
  disposition TEXT CHECK (disposition IS NULL OR disposition IN ('transplanted', 'discarded', 'research')),
  disposition_at TEXT,
  disposition_reason TEXT,
  recorded_at TEXT NOT NULL,
  UNIQUE (donor_id, organ_type, part),
  CHECK ((disposition IS NULL) = (disposition_at IS NULL))
) STRICT;

CREATE TABLE policy_versions (
  id INTEGER PRIMARY KEY,
  policy_id TEXT NOT NULL,
  version TEXT NOT NULL,
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  document_json TEXT NOT NULL CHECK (json_valid(document_json)),
  recorded_at TEXT NOT NULL,
  UNIQUE (policy_id, version)
) STRICT;
${appendOnly('policy_versions')}

-- A match run is never edited (UNOS asks OPOs not to edit the original match run): what happened
-- afterwards goes into offers, transplants and oversight flags.
CREATE TABLE match_runs (
  id TEXT PRIMARY KEY,
  organ_id TEXT NOT NULL REFERENCES organs(id),
  policy_id TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  policy_hash TEXT NOT NULL CHECK (length(policy_hash) = 64),
  snapshot_hash TEXT NOT NULL CHECK (length(snapshot_hash) = 64),
  output_hash TEXT NOT NULL CHECK (length(output_hash) = 64),
  match_list_json TEXT NOT NULL CHECK (json_valid(match_list_json)),
  run_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX match_runs_by_organ ON match_runs (organ_id);
${appendOnly('match_runs')}

CREATE TABLE offers (
  id INTEGER PRIMARY KEY,
  match_run_id TEXT NOT NULL REFERENCES match_runs(id),
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  sequence_number INTEGER NOT NULL CHECK (sequence_number >= 1),
  response TEXT NOT NULL CHECK (response IN ('Y', 'N', 'Z', 'B')),
  refusal_code INTEGER CHECK (refusal_code IS NULL OR refusal_code BETWEEN 700 AND 799),
  responded_by TEXT NOT NULL,
  responded_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  CHECK ((response IN ('N', 'B')) = (refusal_code IS NOT NULL))
) STRICT;
CREATE INDEX offers_by_match_run ON offers (match_run_id, sequence_number);
${appendOnly('offers')}

CREATE TABLE transplants (
  id TEXT PRIMARY KEY,
  organ_id TEXT NOT NULL UNIQUE REFERENCES organs(id),
  candidate_id TEXT NOT NULL REFERENCES candidates(id),
  centre_id TEXT NOT NULL REFERENCES centres(id),
  match_run_id TEXT REFERENCES match_runs(id),
  transplanted_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
) STRICT;
${appendOnly('transplants')}

CREATE TABLE follow_ups (
  id INTEGER PRIMARY KEY,
  transplant_id TEXT NOT NULL REFERENCES transplants(id),
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('recipient', 'living-donor')),
  subject_id TEXT NOT NULL,
  label TEXT NOT NULL,
  due_date TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('due', 'completed', 'not-required')),
  completed_at TEXT,
  form_json TEXT CHECK (form_json IS NULL OR json_valid(form_json)),
  closed_reason TEXT,
  recorded_at TEXT NOT NULL,
  UNIQUE (transplant_id, subject_kind, label),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL))
) STRICT;
CREATE INDEX follow_ups_by_due_date ON follow_ups (status, window_end);

CREATE TABLE oversight_flags (
  id INTEGER PRIMARY KEY,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('B', 'R', 'M')),
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  evidence_json TEXT NOT NULL CHECK (json_valid(evidence_json)),
  raised_at TEXT NOT NULL,
  raised_by TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('true-positive', 'false-positive', 'inconclusive')),
  closed_at TEXT,
  closed_by TEXT,
  CHECK ((status = 'closed') = (outcome IS NOT NULL)),
  CHECK (closed_by IS NULL OR closed_by <> raised_by)
) STRICT;
CREATE INDEX oversight_flags_by_status ON oversight_flags (status, rule_id);

CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL
) STRICT;
INSERT INTO roles (name, description) VALUES
  ('registry-clerk', 'records centres, candidates, donors, transplants and follow-ups'),
  ('allocation-officer', 'reports donors, runs matches, records offers and refusals'),
  ('policy-analyst', 'drafts, lints and simulates allocation policies'),
  ('auditor', 'reads the audit log, verifies it, replays match runs, reviews oversight flags'),
  ('registry-authority', 'authorises centres; may reveal direct identifiers, each reveal audited'),
  ('protection-officer', 'handles records of suspected trafficking victims'),
  ('admin', 'manages users, roles and API tokens');

CREATE TABLE users (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  created_at TEXT NOT NULL,
  disabled_at TEXT
) STRICT;

CREATE TABLE user_roles (
  user_id TEXT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL REFERENCES roles(name),
  granted_at TEXT NOT NULL,
  PRIMARY KEY (user_id, role)
) STRICT;

-- Only the SHA-256 of a token is stored: a copy of the database does not let anyone call the API.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
`
} as const
