/**
 * Migration 3: idempotency keys for the HTTP API. A POST that creates a match run, an offer response
 * or a transplant may carry an `Idempotency-Key`; the key, who sent it, a hash of the request and the
 * response are stored in the same transaction as the thing created, so a retried request gets the
 * first response back instead of making a second one. Keys are scoped to the user (two users may use
 * the same key). The stored responses are what the API returned: pseudonyms and hashes, never a
 * direct identifier.
 */
export const idempotencyKeys = {
  version: 3,
  name: 'idempotency-keys',
  sql: `
CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL REFERENCES users(id),
  idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  route TEXT NOT NULL,
  request_sha256 TEXT NOT NULL CHECK (length(request_sha256) = 64),
  status_code INTEGER NOT NULL CHECK (status_code BETWEEN 200 AND 299),
  response_json TEXT NOT NULL CHECK (json_valid(response_json)),
  location TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
) STRICT;
`
} as const
