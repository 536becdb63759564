import { randomUUID } from 'node:crypto'
import { requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { evaluateRule } from '../../engine/oversight/rule-evaluator.js'
import { requireActor, statement, writeTransaction } from '../db/context.js'
import { requireInstant } from '../db/values.js'
import { hasProtectionRole, type OversightContext, type Viewer } from './context.js'

/**
 * Victim protection (UN GA res. 71/322 para 9; reference doc rule G3): a candidate or donor flagged
 * as a suspected victim of trafficking is hidden from every role but the protection role. Anyone on
 * staff may raise the suspicion; only protection staff may lift it. Every access to such a record —
 * granted to protection staff or refused to anyone else — is written to the audit log and raises an
 * alert for the protection staff. A refused reader gets the answer an unknown id gets, so the record's
 * existence is not revealed. Audit entries name the protection case, never the subject's pseudonym,
 * so the log does not itself point auditors at the victim.
 */

export const PROTECTION_REASON = /^[a-z][a-z0-9-]{2,63}$/

export interface ProtectionCase {
  readonly caseId: string
  readonly subjectId: string
  readonly subjectKind: 'candidate' | 'donor'
  readonly reasonCode: string
  readonly flaggedAt: string
  readonly flaggedBy: string
}

export interface ProtectionAlert {
  readonly id: number
  readonly caseId: string
  readonly accessedBy: string
  readonly access: 'granted' | 'denied'
  readonly purpose: string
  readonly at: string
  readonly acknowledgedAt?: string
  readonly acknowledgedBy?: string
}

/** What a permitted reader sees of a subject: registry facts by pseudonym, never identifiers. */
export type SubjectView =
  | { readonly subjectId: string, readonly kind: 'candidate', readonly organType: string, readonly centreId: string, readonly registeredAt: string, readonly status: string, readonly protected: boolean }
  | { readonly subjectId: string, readonly kind: 'donor', readonly donorKind: 'deceased' | 'living', readonly pathway?: string, readonly relationship?: string, readonly centreId: string, readonly reportedAt: string, readonly protected: boolean }

interface CaseRow { case_id: string, subject_id: string, subject_kind: 'candidate' | 'donor', reason_code: string, flagged_at: string, flagged_by: string }

function toCase (row: CaseRow): ProtectionCase {
  return { caseId: row.case_id, subjectId: row.subject_id, subjectKind: row.subject_kind, reasonCode: row.reason_code, flaggedAt: row.flagged_at, flaggedBy: row.flagged_by }
}

/** The open protection case of a subject, if any. */
export function protectionCaseOf (ctx: OversightContext, subjectId: string): ProtectionCase | undefined {
  const row = statement(ctx.db, 'SELECT * FROM protected_subjects WHERE subject_id = ? AND lifted_at IS NULL').get(subjectId) as CaseRow | undefined
  return row === undefined ? undefined : toCase(row)
}

/** Pseudonyms of every subject under an open protection case. */
export function protectedSubjectIds (ctx: OversightContext): Set<string> {
  return new Set(statement(ctx.db, 'SELECT subject_id FROM protected_subjects WHERE lifted_at IS NULL').pluck().all() as string[])
}

function subjectKindOf (ctx: OversightContext, subjectId: string): 'candidate' | 'donor' | undefined {
  if (statement(ctx.db, 'SELECT 1 FROM candidates WHERE id = ?').get(subjectId) !== undefined) return 'candidate'
  if (statement(ctx.db, 'SELECT 1 FROM donors WHERE id = ?').get(subjectId) !== undefined) return 'donor'
  return undefined
}

function requireStaff (ctx: OversightContext, viewer: Viewer): string {
  const who = requireActor(viewer.id)
  const user = ctx.registry.users.get(who)
  if (user.disabled) throw new InvalidFieldError('actor', 'names a disabled user')
  return who
}

/** Opens a protection case: from now on the subject is visible to protection staff only. */
export function flagSuspectedVictim (ctx: OversightContext, input: { subjectId: string, reasonCode: string, at: string }, viewer: Viewer): { caseId: string } {
  const who = requireStaff(ctx, viewer)
  const subjectId = requireString(input.subjectId, 'subjectId')
  const reasonCode = requireString(input.reasonCode, 'reasonCode', PROTECTION_REASON, 'must be a code of 3-64 lower-case letters, digits or -, e.g. suspected-trafficking-victim')
  const at = requireInstant(input.at, 'at')
  const kind = subjectKindOf(ctx, subjectId)
  if (kind === undefined) throw new UnknownValueError('subjectId', `names no registered candidate or donor (${subjectId})`)
  const caseId = `PC-${randomUUID()}`
  const { db, registry } = ctx
  return writeTransaction(db, () => {
    if (protectionCaseOf(ctx, subjectId) !== undefined) throw new InvalidFieldError('subjectId', 'is already under protection')
    statement(db, `INSERT INTO protected_subjects (case_id, subject_id, subject_kind, reason_code, flagged_at, flagged_by, recorded_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(caseId, subjectId, kind, reasonCode, at, who, ctx.now())
    registry.audit.append({ actor: who, action: 'protection.case-opened', entityType: 'protection-case', entityId: caseId, payload: { reasonCode, at } })
    return { caseId }
  })
}

/** Closes a protection case (protection staff only); the subject becomes visible again. */
export function liftProtection (ctx: OversightContext, caseId: string, input: { at: string }, viewer: Viewer): void {
  const who = requireStaff(ctx, viewer)
  if (!hasProtectionRole(viewer)) throw new InvalidFieldError('actor', 'must hold the protection-officer role to lift a protection case')
  const at = requireInstant(input.at, 'at')
  const { db, registry } = ctx
  writeTransaction(db, () => {
    const row = statement(db, 'SELECT * FROM protected_subjects WHERE case_id = ?').get(requireString(caseId, 'caseId')) as (CaseRow & { lifted_at: string | null }) | undefined
    if (row === undefined) throw new UnknownValueError('caseId', `names no protection case (${caseId})`)
    if (row.lifted_at !== null) throw new InvalidFieldError('caseId', 'is already lifted')
    if (at < row.flagged_at) throw new InvalidFieldError('at', `must not be before the case was opened (${row.flagged_at})`)
    statement(db, 'UPDATE protected_subjects SET lifted_at = ?, lifted_by = ? WHERE case_id = ?').run(at, who, row.case_id)
    registry.audit.append({ actor: who, action: 'protection.case-lifted', entityType: 'protection-case', entityId: row.case_id, payload: { at } })
  })
}

/**
 * Records an access to a protected subject (audit entry and alert, in one transaction) and says
 * whether it is granted. G3 is evaluated with the catalogue's rule, so its version is in the log.
 */
function recordAccess (ctx: OversightContext, protection: ProtectionCase, viewer: Viewer, purpose: string): boolean {
  const granted = hasProtectionRole(viewer)
  const rule = ctx.rules.find((r) => r.id === 'G3')
  const fired = rule === undefined
    ? !granted
    : evaluateRule(rule, {
      subject: 'record-access',
      entityType: 'protection-case',
      entityId: protection.caseId,
      subjectIds: [protection.subjectId],
      facts: { subjectProtected: true, viewerHasProtectionRole: granted, purpose }
    }).outcome === 'fired'
  const { db, registry } = ctx
  writeTransaction(db, () => {
    const at = ctx.now()
    const alertId = Number(statement(db, 'INSERT INTO protection_alerts (case_id, accessed_by, access, purpose, at) VALUES (?, ?, ?, ?, ?)')
      .run(protection.caseId, viewer.id, granted ? 'granted' : 'denied', purpose, at).lastInsertRowid)
    registry.audit.append({
      actor: viewer.id,
      action: granted ? 'protection.record-accessed' : 'protection.access-denied',
      entityType: 'protection-case',
      entityId: protection.caseId,
      payload: { alertId, purpose, rule: rule === undefined ? null : `${rule.id}@${rule.version}`, ruleFired: fired }
    })
  })
  return granted
}

/**
 * Guards a read that touches these subjects: returns normally when none is protected or the viewer
 * holds the protection role (each protected one audited and alerted), and otherwise — after the audit
 * entry and alert — throws the same error an unknown id would give (`field`, `notFound`).
 */
export function guardSubjects (ctx: OversightContext, subjectIds: readonly string[], viewer: Viewer, purpose: string, notFound: { field: string, rule: string }): void {
  requireStaff(ctx, viewer)
  const reason = requireString(purpose, 'purpose')
  let denied = false
  for (const subjectId of [...new Set(subjectIds)].sort()) {
    const protection = protectionCaseOf(ctx, subjectId)
    if (protection !== undefined && !recordAccess(ctx, protection, viewer, reason)) denied = true
  }
  if (denied) throw new UnknownValueError(notFound.field, notFound.rule)
}

/**
 * Items of a list visible to the viewer: items about protected subjects are left out for everyone but
 * protection staff, for whom each one shown is an access (audited and alerted).
 */
export function visibleItems<T> (ctx: OversightContext, items: readonly T[], subjectsOf: (item: T) => readonly string[], viewer: Viewer, purpose: string): T[] {
  const protectedIds = protectedSubjectIds(ctx)
  if (protectedIds.size === 0) return [...items]
  const protection = hasProtectionRole(viewer)
  const shown: T[] = []
  for (const item of items) {
    const hits = subjectsOf(item).filter((id) => protectedIds.has(id))
    if (hits.length === 0) shown.push(item)
    else if (protection) {
      for (const id of hits) recordAccess(ctx, protectionCaseOf(ctx, id) as ProtectionCase, viewer, purpose)
      shown.push(item)
    }
  }
  return shown
}

/** A subject's registry record, under the protection rule. */
export function readSubject (ctx: OversightContext, subjectId: string, viewer: Viewer, purpose: string): SubjectView {
  const id = requireString(subjectId, 'subjectId')
  const notFound = { field: 'subjectId', rule: `names no record visible to you (${id})` }
  const kind = subjectKindOf(ctx, id)
  if (kind === undefined) throw new UnknownValueError(notFound.field, notFound.rule)
  guardSubjects(ctx, [id], viewer, purpose, notFound)
  const isProtected = protectionCaseOf(ctx, id) !== undefined
  if (kind === 'candidate') {
    const row = statement(ctx.db, `SELECT c.organ_type, c.centre_id, c.registered_at,
        (SELECT s.status FROM candidate_status_history s WHERE s.candidate_id = c.id ORDER BY s.effective_at DESC, s.id DESC LIMIT 1) AS status
      FROM candidates c WHERE c.id = ?`).get(id) as { organ_type: string, centre_id: string, registered_at: string, status: string }
    return { subjectId: id, kind, organType: row.organ_type, centreId: row.centre_id, registeredAt: row.registered_at, status: row.status, protected: isProtected }
  }
  const row = statement(ctx.db, 'SELECT kind, pathway, living_relationship, hospital_centre_id, reported_at FROM donors WHERE id = ?').get(id) as
    { kind: 'deceased' | 'living', pathway: string | null, living_relationship: string | null, hospital_centre_id: string, reported_at: string }
  return {
    subjectId: id,
    kind,
    donorKind: row.kind,
    ...(row.pathway === null ? {} : { pathway: row.pathway }),
    ...(row.living_relationship === null ? {} : { relationship: row.living_relationship }),
    centreId: row.hospital_centre_id,
    reportedAt: row.reported_at,
    protected: isProtected
  }
}

interface AlertRow { id: number, case_id: string, accessed_by: string, access: 'granted' | 'denied', purpose: string, at: string, acknowledged_at: string | null, acknowledged_by: string | null }

/** Alerts for protection staff, newest first; `open` only those not yet acknowledged. */
export function protectionAlerts (ctx: OversightContext, viewer: Viewer, filter: { open?: boolean } = {}): ProtectionAlert[] {
  requireStaff(ctx, viewer)
  if (!hasProtectionRole(viewer)) throw new InvalidFieldError('actor', 'must hold the protection-officer role to read protection alerts')
  const rows = statement(ctx.db, `SELECT * FROM protection_alerts WHERE (@open = 0 OR acknowledged_at IS NULL) ORDER BY id DESC`).all({ open: filter.open === true ? 1 : 0 }) as AlertRow[]
  return rows.map((row) => ({
    id: row.id,
    caseId: row.case_id,
    accessedBy: row.accessed_by,
    access: row.access,
    purpose: row.purpose,
    at: row.at,
    ...(row.acknowledged_at === null ? {} : { acknowledgedAt: row.acknowledged_at }),
    ...(row.acknowledged_by === null ? {} : { acknowledgedBy: row.acknowledged_by })
  }))
}

export function acknowledgeProtectionAlert (ctx: OversightContext, alertId: number, viewer: Viewer): void {
  const who = requireStaff(ctx, viewer)
  if (!hasProtectionRole(viewer)) throw new InvalidFieldError('actor', 'must hold the protection-officer role to acknowledge protection alerts')
  const { db, registry } = ctx
  writeTransaction(db, () => {
    const row = statement(db, 'SELECT * FROM protection_alerts WHERE id = ?').get(alertId) as AlertRow | undefined
    if (row === undefined) throw new UnknownValueError('alertId', `names no protection alert (${alertId})`)
    if (row.acknowledged_at !== null) throw new InvalidFieldError('alertId', 'is already acknowledged')
    const at = ctx.now()
    statement(db, 'UPDATE protection_alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?').run(at, who, row.id)
    registry.audit.append({ actor: who, action: 'protection.alert-acknowledged', entityType: 'protection-case', entityId: row.case_id, payload: { alertId: row.id, at } })
  })
}

/** The open cases, for protection staff. */
export function protectionCases (ctx: OversightContext, viewer: Viewer): ProtectionCase[] {
  requireStaff(ctx, viewer)
  if (!hasProtectionRole(viewer)) throw new InvalidFieldError('actor', 'must hold the protection-officer role to list protection cases')
  return (statement(ctx.db, 'SELECT * FROM protected_subjects WHERE lifted_at IS NULL ORDER BY flagged_at, case_id').all() as CaseRow[]).map(toCase)
}
