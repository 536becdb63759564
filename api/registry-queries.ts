import { statement } from '../data/db/context.js'
import type { Registry } from '../data/registry.js'
import type { Role } from './roles.js'

/**
 * Read-only queries the HTTP layer needs and the repositories do not offer (existence checks for
 * path parameters, lists with keyset paging, summaries without the full match list). Writes always
 * go through the repositories, which validate and audit them.
 */

const EXISTS_SQL = {
  centre: 'SELECT 1 FROM centres WHERE id = ?',
  candidate: 'SELECT 1 FROM candidates WHERE id = ?',
  donor: 'SELECT 1 FROM donors WHERE id = ?',
  organ: 'SELECT 1 FROM organs WHERE id = ?',
  matchRun: 'SELECT 1 FROM match_runs WHERE id = ?',
  transplant: 'SELECT 1 FROM transplants WHERE id = ?',
  followUp: 'SELECT 1 FROM follow_ups WHERE id = ?',
  flag: 'SELECT 1 FROM oversight_flags WHERE id = ?',
  authorisation: 'SELECT 1 FROM centre_authorisations WHERE id = ?',
  suspension: 'SELECT 1 FROM authorisation_suspensions WHERE id = ?',
  user: 'SELECT 1 FROM users WHERE id = ?',
  token: 'SELECT 1 FROM api_tokens WHERE id = ?',
  identifiers: 'SELECT 1 FROM direct_identifiers WHERE subject_id = ?'
} as const

export type Entity = keyof typeof EXISTS_SQL

export function exists (registry: Registry, entity: Entity, id: string | number): boolean {
  return statement(registry.db, EXISTS_SQL[entity]).get(id) !== undefined
}

export interface CandidateListItem {
  readonly id: string
  readonly organType: string
  readonly centreId: string
  readonly registeredAt: string
}

/** Candidates by pseudonym, after `after` (keyset paging: stable while others register). */
export function listCandidates (registry: Registry, filter: { organType?: string | undefined, centreId?: string | undefined, after?: string | undefined, limit: number }): CandidateListItem[] {
  const rows = statement(registry.db, `SELECT id, organ_type, centre_id, registered_at FROM candidates
    WHERE (@organType IS NULL OR organ_type = @organType) AND (@centreId IS NULL OR centre_id = @centreId) AND (@after IS NULL OR id > @after)
    ORDER BY id LIMIT @limit`).all({ organType: filter.organType ?? null, centreId: filter.centreId ?? null, after: filter.after ?? null, limit: filter.limit }) as
    Array<{ id: string, organ_type: string, centre_id: string, registered_at: string }>
  return rows.map((row) => ({ id: row.id, organType: row.organ_type, centreId: row.centre_id, registeredAt: row.registered_at }))
}

export interface ConsentRecordItem {
  readonly id: number
  readonly recordType: string
  readonly basis: string
  readonly organTypes: string[]
  readonly obtainedAt: string
  readonly obtainedBy: string
  readonly language?: string
  readonly witness?: string
}

export function consentRecords (registry: Registry, donorId: string): ConsentRecordItem[] {
  const rows = statement(registry.db, 'SELECT * FROM consent_records WHERE donor_id = ? ORDER BY obtained_at, id').all(donorId) as Array<{
    id: number, record_type: string, basis: string, organ_types_json: string, obtained_at: string, obtained_by: string, language: string | null, witness: string | null
  }>
  return rows.map((row) => ({
    id: row.id,
    recordType: row.record_type,
    basis: row.basis,
    organTypes: JSON.parse(row.organ_types_json) as string[],
    obtainedAt: row.obtained_at,
    obtainedBy: row.obtained_by,
    ...(row.language === null ? {} : { language: row.language }),
    ...(row.witness === null ? {} : { witness: row.witness })
  }))
}

export function organIdsOfDonor (registry: Registry, donorId: string): string[] {
  return statement(registry.db, 'SELECT id FROM organs WHERE donor_id = ? ORDER BY id').pluck().all(donorId) as string[]
}

export interface MatchRunSummary {
  readonly id: string
  readonly organId: string
  readonly policy: { id: string, version: string, hash: string }
  readonly snapshotHash: string
  readonly outputHash: string
  readonly matchTime: string
  readonly recordedAt: string
}

/** Match runs of an organ without their lists (a list can hold every candidate of the organ type). */
export function matchRunsOfOrgan (registry: Registry, organId: string): MatchRunSummary[] {
  const rows = statement(registry.db, `SELECT id, organ_id, policy_id, policy_version, policy_hash, snapshot_hash, output_hash, run_at, recorded_at
    FROM match_runs WHERE organ_id = ? ORDER BY run_at, id`).all(organId) as Array<{
    id: string, organ_id: string, policy_id: string, policy_version: string, policy_hash: string, snapshot_hash: string, output_hash: string, run_at: string, recorded_at: string
  }>
  return rows.map((row) => ({
    id: row.id,
    organId: row.organ_id,
    policy: { id: row.policy_id, version: row.policy_version, hash: row.policy_hash },
    snapshotHash: row.snapshot_hash,
    outputHash: row.output_hash,
    matchTime: row.run_at,
    recordedAt: row.recorded_at
  }))
}

export interface PolicyVersionItem {
  readonly policyId: string
  readonly version: string
  readonly hash: string
  readonly recordedAt: string
}

export function recordedPolicyVersions (registry: Registry, policyId?: string): PolicyVersionItem[] {
  const rows = statement(registry.db, 'SELECT policy_id, version, hash, recorded_at FROM policy_versions WHERE (@policyId IS NULL OR policy_id = @policyId) ORDER BY id')
    .all({ policyId: policyId ?? null }) as Array<{ policy_id: string, version: string, hash: string, recorded_at: string }>
  return rows.map((row) => ({ policyId: row.policy_id, version: row.version, hash: row.hash, recordedAt: row.recorded_at }))
}

/** The version of a policy recorded last, if any. */
export function latestRecordedVersion (registry: Registry, policyId: string): string | undefined {
  return statement(registry.db, 'SELECT version FROM policy_versions WHERE policy_id = ? ORDER BY id DESC LIMIT 1').pluck().get(policyId) as string | undefined
}

export interface UserListItem {
  readonly id: string
  readonly roles: Role[]
  readonly disabled: boolean
  readonly createdAt: string
  readonly activeTokens: number
}

/** Every user with roles and live token count: the periodic user-access review (OIG 2022 finding). */
export function listUsers (registry: Registry, at: string): UserListItem[] {
  const rows = statement(registry.db, `SELECT u.id, u.created_at, u.disabled_at,
      (SELECT group_concat(role, ',') FROM (SELECT role FROM user_roles r WHERE r.user_id = u.id ORDER BY role)) AS roles,
      (SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > @at) AS active_tokens
    FROM users u ORDER BY u.id`).all({ at }) as Array<{ id: string, created_at: string, disabled_at: string | null, roles: string | null, active_tokens: number }>
  return rows.map((row) => ({
    id: row.id,
    roles: row.roles === null ? [] : row.roles.split(',') as Role[],
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
    activeTokens: row.active_tokens
  }))
}

export interface TokenItem {
  readonly tokenId: string
  readonly createdAt: string
  readonly expiresAt: string
  readonly revokedAt?: string
}

export function tokensOfUser (registry: Registry, userId: string): TokenItem[] {
  const rows = statement(registry.db, 'SELECT id, created_at, expires_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY created_at, id').all(userId) as
    Array<{ id: string, created_at: string, expires_at: string, revoked_at: string | null }>
  return rows.map((row) => ({ tokenId: row.id, createdAt: row.created_at, expiresAt: row.expires_at, ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }) }))
}

export function usersWithRole (registry: Registry, role: Role): string[] {
  return statement(registry.db, 'SELECT user_id FROM user_roles WHERE role = ? ORDER BY user_id').pluck().all(role) as string[]
}

/** Candidates of a match run who answered N or B (a refusal with its code), by candidate. */
export function refusedCandidates (registry: Registry, matchRunId: string): Set<string> {
  return new Set(statement(registry.db, 'SELECT DISTINCT candidate_id FROM offers WHERE match_run_id = ? AND response IN (\'N\', \'B\')').pluck().all(matchRunId) as string[])
}

export function followUpStatus (registry: Registry, followUpId: number): string | undefined {
  return statement(registry.db, 'SELECT status FROM follow_ups WHERE id = ?').pluck().get(followUpId) as string | undefined
}
