/**
 * Migration 2: the tamper-evident audit log. Each row's hash covers the previous row's hash and the
 * row's canonical JSON (see data/audit/audit-log.ts). The triggers stop ordinary UPDATE and DELETE;
 * they are a guard rail, not a defence: someone with the file can drop them, and verify() and signed
 * checkpoints are what catch that.
 */
export const auditLog = {
  version: 2,
  name: 'audit-log',
  sql: `
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE INDEX audit_log_by_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_by_action ON audit_log (action);

CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_refuse_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`
} as const
