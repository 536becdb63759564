/**
 * Migration 6: indexes for the match-run read path (data/db/snapshot-source.ts). The waiting list of an
 * organ is read as four passes in pseudonym order: the registrations, then each history table joined
 * to them. `candidates (organ_type, id)` gives the registrations of an organ already in pseudonym order
 * (the older `(organ_type, registered_at)` index needs a sort of every row). The status and antigen
 * indexes cover their passes (the in-force row is chosen by effective_at and recorded_at, and those and
 * the value are all in the index), so those passes never touch the tables; the clinical values are
 * too wide to cover and are read through the existing `(candidate_id, effective_at)` index.
 */
export const matchReadIndexes = {
  version: 6,
  name: 'match-read-indexes',
  sql: `
CREATE INDEX candidates_by_organ_and_id ON candidates (organ_type, id);
CREATE INDEX candidate_status_history_in_force ON candidate_status_history (candidate_id, effective_at, recorded_at, status);
CREATE INDEX candidate_unacceptable_antigens_in_force ON candidate_unacceptable_antigens (candidate_id, effective_at, recorded_at, antigens_json);
`
}
