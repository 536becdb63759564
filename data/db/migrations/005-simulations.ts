/**
 * Migration 5: simulation jobs. A policy simulation started over HTTP runs for seconds to minutes;
 * its request, progress and results are kept here so that they survive a restart (a job found
 * `running` at start-up was cut off and is marked failed). The cohort is synthetic: no row refers to
 * a registry patient. Results are stored as the canonical JSON the CLI writes, with their hash.
 */
export const simulationsSchema = {
  version: 5,
  name: 'simulations',
  sql: `
CREATE TABLE simulation_jobs (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  request_json TEXT NOT NULL,
  requested_by TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  progress_done INTEGER NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  progress_total INTEGER NOT NULL CHECK (progress_total >= 1),
  results_json TEXT,
  results_hash TEXT,
  error TEXT,
  CHECK ((status = 'succeeded') = (results_json IS NOT NULL AND results_hash IS NOT NULL)),
  CHECK ((status = 'failed') = (error IS NOT NULL)),
  CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
) STRICT;
CREATE INDEX simulation_jobs_by_creation ON simulation_jobs (created_at, id);
CREATE INDEX simulation_jobs_by_status ON simulation_jobs (status);
`
} as const
