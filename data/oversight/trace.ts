import { requireString } from '../../engine/domain/input.js'
import { UnknownValueError } from '../../engine/errors.js'
import { entryHash, rowDigest, type AuditCheckpoint, type AuditEntry, type PinnedTable } from '../audit/audit-log.js'
import { statement } from '../db/context.js'
import { hasProtectionRole, type OversightContext, type Viewer } from './context.js'
import { guardSubjects, protectedSubjectIds } from './victim-protection.js'

/**
 * The traceability chain of one organ (EU 2010/53 Art 10; UN GA res. 71/322 para 3(g)): donor,
 * consent and authorisation decisions, recovery (where, by whom), every match run and offer, and the
 * organ's fate (transplant, discard or research), with the audit-log entries that recorded each step.
 * Each entry comes with its proof: its hash recomputed from its content, its link to the entry before
 * it, and the digests of the rows it pinned checked against the rows as they are now. A signed
 * checkpoint of the log's head lets a reader tie the entries to a head published elsewhere.
 */

export interface AuditProof extends AuditEntry {
  /** SHA-256(prevHash ‖ canonical entry) equals the stored hash. */
  readonly hashValid: boolean
  /** prevHash equals the hash of entry seq − 1. */
  readonly chainsToPrevious: boolean
  /** Every row pinned by the entry still has the digest it had when recorded (true when none pinned). */
  readonly pinsValid: boolean
}

export interface OrganTrace {
  readonly organ: { readonly id: string, readonly donorId: string, readonly organType: string, readonly part: string }
  readonly donor: {
    readonly id: string
    readonly kind: 'deceased' | 'living'
    readonly pathway?: string
    readonly relationship?: string
    readonly hospitalCentreId: string
    readonly reportedAt: string
    readonly dominoSourceTransplantId?: string
  }
  readonly consents: ReadonlyArray<{ readonly recordType: string, readonly basis: string, readonly organTypes: readonly string[], readonly obtainedAt: string }>
  readonly procedureAuthorisations: ReadonlyArray<{ readonly decision: string, readonly decidedBy: string, readonly decidedAt: string, readonly reference: string, readonly candidateId?: string }>
  readonly recovery: null | { readonly recoveredAt: string, readonly centreId?: string, readonly surgeonId?: string, readonly authorisationOverride?: boolean }
  readonly matchRuns: ReadonlyArray<{
    readonly id: string
    readonly runAt: string
    readonly policyId: string
    readonly policyVersion: string
    readonly policyHash: string
    readonly outputHash: string
    readonly ranked: number
    readonly offers: ReadonlyArray<{ readonly sequenceNumber: number, readonly candidateId: string, readonly response: string, readonly refusalCode?: number, readonly respondedAt: string }>
  }>
  readonly fate:
  | { readonly disposition: 'transplanted', readonly at: string, readonly transplantId: string, readonly candidateId: string, readonly centreId: string, readonly matchRunId?: string, readonly combinedWithTransplantId?: string }
  | { readonly disposition: 'discarded' | 'research', readonly at: string, readonly reason: string }
  | { readonly disposition: null }
  readonly audit: {
    readonly entries: readonly AuditProof[]
    /** Entries left out because they name a protected person the viewer may not see. */
    readonly omittedEntries: number
    readonly head: { readonly seq: number, readonly hash: string }
    readonly checkpoint: AuditCheckpoint
    /** Every entry's hash, link and pins check out. */
    readonly entriesVerified: boolean
  }
}

const REDACTED = 'redacted'

interface AuditRow { seq: number, at: string, actor: string, action: string, entity_type: string, entity_id: string, payload: string, prev_hash: string, hash: string }

function proof (ctx: OversightContext, row: AuditRow): AuditProof {
  const entry: AuditEntry = {
    seq: row.seq, at: row.at, actor: row.actor, action: row.action, entityType: row.entity_type, entityId: row.entity_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>, prevHash: row.prev_hash, hash: row.hash
  }
  const previous = statement(ctx.db, 'SELECT hash FROM audit_log WHERE seq = ?').pluck().get(row.seq - 1) as string | undefined
  const pins = Array.isArray(entry.payload.rows) ? entry.payload.rows as Array<{ table: PinnedTable, key: string | number, sha256: string }> : []
  return {
    ...entry,
    hashValid: entryHash(entry) === entry.hash,
    chainsToPrevious: row.seq === 1 ? /^0{64}$/.test(row.prev_hash) : previous === row.prev_hash,
    pinsValid: pins.every((pin) => rowDigest(ctx.db, pin.table, pin.key) === pin.sha256)
  }
}

function entries (ctx: OversightContext, entityType: string, entityId: string, actions: readonly string[]): AuditRow[] {
  const rows = statement(ctx.db, 'SELECT * FROM audit_log WHERE entity_type = ? AND entity_id = ? ORDER BY seq').all(entityType, entityId) as AuditRow[]
  return rows.filter((row) => actions.includes(row.action))
}

export function organTrace (ctx: OversightContext, organId: string, viewer: Viewer): OrganTrace {
  const id = requireString(organId, 'organId')
  const notFound = { field: 'organId', rule: `names no organ visible to you (${id})` }
  const { db, registry } = ctx
  const organ = statement(db, 'SELECT id, donor_id, organ_type, part, recovered_at, disposition, disposition_at, disposition_reason FROM organs WHERE id = ?').get(id) as
    { id: string, donor_id: string, organ_type: string, part: string, recovered_at: string | null, disposition: string | null, disposition_at: string | null, disposition_reason: string | null } | undefined
  if (organ === undefined) throw new UnknownValueError(notFound.field, notFound.rule)
  const transplant = statement(db, 'SELECT * FROM transplants WHERE organ_id = ?').get(id) as
    { id: string, candidate_id: string, centre_id: string, match_run_id: string | null, transplanted_at: string } | undefined
  // The donor and the recipient are the organ's people: a protected one hides the whole trace.
  guardSubjects(ctx, transplant === undefined ? [organ.donor_id] : [organ.donor_id, transplant.candidate_id], viewer, 'organ-trace', notFound)
  const hidden = hasProtectionRole(viewer) ? new Set<string>() : protectedSubjectIds(ctx)

  const donor = statement(db, 'SELECT id, kind, pathway, living_relationship, hospital_centre_id, reported_at FROM donors WHERE id = ?').get(organ.donor_id) as
    { id: string, kind: 'deceased' | 'living', pathway: string | null, living_relationship: string | null, hospital_centre_id: string, reported_at: string }
  const domino = statement(db, 'SELECT source_transplant_id FROM domino_donors WHERE donor_id = ?').pluck().get(donor.id) as string | undefined
  const consents = (statement(db, 'SELECT record_type, basis, organ_types_json, obtained_at FROM consent_records WHERE donor_id = ? ORDER BY obtained_at, id').all(donor.id) as
    Array<{ record_type: string, basis: string, organ_types_json: string, obtained_at: string }>)
    .map((c) => ({ recordType: c.record_type, basis: c.basis, organTypes: JSON.parse(c.organ_types_json) as string[], obtainedAt: c.obtained_at }))
  const decisions = (statement(db, 'SELECT decision, decided_by, decided_at, reference, candidate_id FROM procedure_authorisations WHERE donor_id = ? ORDER BY decided_at, id').all(donor.id) as
    Array<{ decision: string, decided_by: string, decided_at: string, reference: string, candidate_id: string | null }>)
    .map((d) => ({ decision: d.decision, decidedBy: d.decided_by, decidedAt: d.decided_at, reference: d.reference, ...(d.candidate_id === null ? {} : { candidateId: hidden.has(d.candidate_id) ? REDACTED : d.candidate_id }) }))
  const recoveryRecord = statement(db, 'SELECT recovery_centre_id, surgeon_id, authorisation_override FROM recovery_records WHERE organ_id = ?').get(id) as
    { recovery_centre_id: string, surgeon_id: string | null, authorisation_override: number } | undefined
  const runs = statement(db, 'SELECT id, run_at, policy_id, policy_version, policy_hash, output_hash, json_array_length(match_list_json, \'$.ranked\') AS ranked FROM match_runs WHERE organ_id = ? ORDER BY run_at, id').all(id) as
    Array<{ id: string, run_at: string, policy_id: string, policy_version: string, policy_hash: string, output_hash: string, ranked: number }>
  const matchRuns = runs.map((run) => ({
    id: run.id,
    runAt: run.run_at,
    policyId: run.policy_id,
    policyVersion: run.policy_version,
    policyHash: run.policy_hash,
    outputHash: run.output_hash,
    ranked: run.ranked,
    offers: registry.matchRuns.offers(run.id).map((o) => ({
      sequenceNumber: o.sequenceNumber,
      candidateId: hidden.has(o.candidateId) ? REDACTED : o.candidateId,
      response: o.response,
      ...(o.refusalCode === undefined ? {} : { refusalCode: o.refusalCode }),
      respondedAt: o.respondedAt
    }))
  }))
  const combined = transplant === undefined
    ? undefined
    : statement(db, 'SELECT CASE WHEN pancreas_transplant_id = @id THEN kidney_transplant_id ELSE pancreas_transplant_id END FROM combined_transplants WHERE pancreas_transplant_id = @id OR kidney_transplant_id = @id')
      .pluck().get({ id: transplant.id }) as string | undefined
  const fate: OrganTrace['fate'] = transplant !== undefined
    ? {
        disposition: 'transplanted',
        at: transplant.transplanted_at,
        transplantId: transplant.id,
        candidateId: transplant.candidate_id,
        centreId: transplant.centre_id,
        ...(transplant.match_run_id === null ? {} : { matchRunId: transplant.match_run_id }),
        ...(combined === undefined ? {} : { combinedWithTransplantId: combined })
      }
    : organ.disposition === 'discarded' || organ.disposition === 'research'
      ? { disposition: organ.disposition, at: organ.disposition_at as string, reason: organ.disposition_reason ?? '' }
      : { disposition: null }

  const rows = [
    ...entries(ctx, 'donor', donor.id, ['donor.registered', 'consent.recorded', 'procedure-authorisation.recorded', 'domino-donor.recorded']),
    ...entries(ctx, 'organ', id, ['organ.registered', 'organ.recovered', 'recovery.recorded', 'organ.disposition-recorded']),
    ...runs.flatMap((run) => entries(ctx, 'match-run', run.id, ['match-run.recorded', 'offer.response-recorded'])),
    ...(transplant === undefined ? [] : entries(ctx, 'transplant', transplant.id, ['transplant.recorded', 'transplant-record.recorded', 'kidney-pancreas.recorded']))
  ].sort((a, b) => a.seq - b.seq)
  const names = (row: AuditRow): boolean => [...hidden].some((pseudonym) => row.payload.includes(pseudonym))
  const shown = rows.filter((row) => !names(row))
  const proofs = shown.map((row) => proof(ctx, row))
  return {
    organ: { id: organ.id, donorId: organ.donor_id, organType: organ.organ_type, part: organ.part },
    donor: {
      id: donor.id,
      kind: donor.kind,
      ...(donor.pathway === null ? {} : { pathway: donor.pathway }),
      ...(donor.living_relationship === null ? {} : { relationship: donor.living_relationship }),
      hospitalCentreId: donor.hospital_centre_id,
      reportedAt: donor.reported_at,
      ...(domino === undefined ? {} : { dominoSourceTransplantId: domino })
    },
    consents,
    procedureAuthorisations: decisions,
    recovery: organ.recovered_at === null
      ? null
      : {
          recoveredAt: organ.recovered_at,
          ...(recoveryRecord === undefined
            ? {}
            : {
                centreId: recoveryRecord.recovery_centre_id,
                ...(recoveryRecord.surgeon_id === null ? {} : { surgeonId: recoveryRecord.surgeon_id }),
                authorisationOverride: recoveryRecord.authorisation_override === 1
              })
        },
    matchRuns,
    fate,
    audit: {
      entries: proofs,
      omittedEntries: rows.length - shown.length,
      head: registry.audit.head(),
      checkpoint: registry.audit.exportCheckpoint(),
      entriesVerified: proofs.every((p) => p.hashValid && p.chainsToPrevious && p.pinsValid)
    }
  }
}
