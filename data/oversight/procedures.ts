import { randomUUID } from 'node:crypto'
import { isAuthorised, type Activity } from '../../engine/domain/centre.js'
import { requireString } from '../../engine/domain/input.js'
import type { OrganType } from '../../engine/domain/organ.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { scheduleFollowUps, type FollowUpSubjectKind } from '../../engine/oversight/follow-up-schedule.js'
import { evaluateRule } from '../../engine/oversight/rule-evaluator.js'
import { pinRow } from '../audit/audit-log.js'
import { requireActor, statement, writeTransaction } from '../db/context.js'
import type { TransplantInput, TransplantRecord } from '../db/transplant-repository.js'
import { optional, requireInstant } from '../db/values.js'
import type { OversightFlag } from '../db/oversight-repository.js'
import type { OversightContext } from './context.js'
import { recoveryRecordOf, transplantRecordOf } from './facts.js'
import { raiseFindings } from './flags.js'
import { pinOversightRow } from './record-pins.js'

/**
 * Recording recoveries and transplants with who did them and where, under the authorisation rules
 * (UN GA res. 71/322 para 3(d), 3(f)): a centre must hold a valid, unsuspended authorisation for the
 * organ and the activity (recovery; living donation for a living donor; transplant) on the day. Outside
 * that scope the event is refused, or — where the deployment's law allows (`record-with-flag`) — it is
 * recorded with a blocking A1 flag that two reviewers other than the recorder must close. Consent, a
 * living donor's approval decided before surgery, one fate per organ and recovery before transplant
 * are never overridable.
 */

const STAFF_ID = /^[A-Za-z0-9._@-]{1,64}$/
const staffId = (value: unknown, field: string): string => requireString(value, field, STAFF_ID, 'must be a staff user id: 1-64 letters, digits or . _ @ -')

export interface RecoveryInput {
  readonly organId: string
  readonly recoveredAt: string
  /** Centre whose team recovered the organ; checked against its authorisation that day. */
  readonly recoveryCentreId: string
  /** Staff id of the responsible surgeon (never a name). */
  readonly surgeonId?: string | undefined
  /** Deceased donors: staff id of the physician who determined death (WHO Guiding Principle 2). */
  readonly deathDeterminedBy?: string | undefined
}

export interface ProcedureOutcome {
  /** True when the centre held no authorisation and the event was recorded under `record-with-flag`. */
  readonly authorisationOverride: boolean
  readonly flags: readonly OversightFlag[]
}

export interface TransplantProcedureInput extends TransplantInput {
  readonly surgeonId?: string | undefined
}

function breach (ctx: OversightContext, field: string, centreId: string, organType: OrganType, activity: Activity, at: string): void {
  if (ctx.authorisationBreach === 'refuse') {
    throw new InvalidFieldError(field, `holds no valid, unsuspended ${organType} ${activity} authorisation on ${at.slice(0, 10)} (${centreId})`)
  }
}

/** Raises the A1 flag of a recorded override, as the recorder (so the two reviewers must be others). */
function raiseOverrideFlag (ctx: OversightContext, record: ReturnType<typeof recoveryRecordOf>, who: string, at: string): OversightFlag[] {
  const rule = ctx.rules.find((r) => r.id === 'A1')
  if (rule === undefined) return []
  const result = evaluateRule(rule, record)
  if (result.outcome !== 'fired' && result.outcome !== 'missing-data') return []
  return [...raiseFindings(ctx, [result.finding], { raisedBy: who, raisedAt: at }).raised]
}

export function recordRecovery (ctx: OversightContext, input: RecoveryInput, actor: string): ProcedureOutcome {
  const who = requireActor(actor)
  const { registry, db } = ctx
  const organ = registry.donors.getOrgan(requireString(input.organId, 'organId'))
  const recoveredAt = requireInstant(input.recoveredAt, 'recoveredAt')
  const centreId = requireString(input.recoveryCentreId, 'recoveryCentreId')
  const surgeonId = optional(input.surgeonId, 'surgeonId', staffId)
  const deathDeterminedBy = optional(input.deathDeterminedBy, 'deathDeterminedBy', staffId)
  const kind = registry.donors.kindOf(organ.donorId)
  if (kind === 'living' && deathDeterminedBy !== undefined) throw new InvalidFieldError('deathDeterminedBy', 'applies to deceased donors only')
  const activity: Activity = kind === 'living' ? 'living-donation' : 'recovery'
  const authorised = isAuthorised(registry.centres.get(centreId, recoveredAt), organ.organType, activity, recoveredAt)
  if (!authorised) breach(ctx, 'recoveryCentreId', centreId, organ.organType, activity, recoveredAt)
  return writeTransaction(db, () => {
    if (authorised || kind === 'deceased') {
      // The registry refuses a recovery without consent (and, for living donors, without an approval
      // decided before surgery or a living-donation authorisation at the donor's hospital).
      registry.donors.recordRecovery(organ.id, { recoveredAt }, who)
    } else {
      overrideLivingRecovery(ctx, organ.id, organ.donorId, organ.organType, recoveredAt, who)
    }
    const recordedAt = ctx.now()
    statement(db, `INSERT INTO recovery_records (organ_id, recovery_centre_id, surgeon_id, death_determined_by, authorisation_override, recorded_at, recorded_by)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(organ.id, centreId, surgeonId ?? null, deathDeterminedBy ?? null, authorised ? 0 : 1, recordedAt, who)
    registry.audit.append({
      actor: who,
      action: 'recovery.recorded',
      entityType: 'organ',
      entityId: organ.id,
      payload: { recoveryCentreId: centreId, surgeonId, deathDeterminedBy, authorisationOverride: !authorised, oversightRows: [pinOversightRow(db, 'recovery_records', organ.id)] }
    })
    const flags = authorised ? [] : raiseOverrideFlag(ctx, recoveryRecordOf(ctx, organ.id), who, recordedAt)
    return { authorisationOverride: !authorised, flags }
  })
}

/** A living donor's recovery at a centre without living-donation authorisation, under `record-with-flag`: every other precondition still holds. */
function overrideLivingRecovery (ctx: OversightContext, organId: string, donorId: string, organType: OrganType, recoveredAt: string, who: string): void {
  const { registry, db } = ctx
  const row = statement(db, 'SELECT o.recovered_at, d.reported_at FROM organs o JOIN donors d ON d.id = o.donor_id WHERE o.id = ?').get(organId) as { recovered_at: string | null, reported_at: string }
  if (row.recovered_at !== null) throw new InvalidFieldError('organId', `was already recovered (${row.recovered_at})`)
  if (recoveredAt < row.reported_at) throw new InvalidFieldError('recoveredAt', `must not be before the donor was reported (${row.reported_at})`)
  if (!registry.donors.hasConsent(donorId, organType, recoveredAt)) throw new InvalidFieldError('organId', `has no consent for ${organType} in force at ${recoveredAt}`)
  if (!registry.donors.hasApprovedAuthorisation(donorId, recoveredAt)) throw new InvalidFieldError('organId', `has no approved living-donation authorisation decided before ${recoveredAt}`)
  statement(db, 'UPDATE organs SET recovered_at = ? WHERE id = ?').run(recoveredAt, organId)
  registry.audit.append({ actor: who, action: 'organ.recovered', entityType: 'organ', entityId: organId, payload: { recoveredAt, authorisationOverride: true } })
}

export function recordTransplant (ctx: OversightContext, input: TransplantProcedureInput, actor: string): TransplantRecord & ProcedureOutcome {
  const who = requireActor(actor)
  const { registry, db } = ctx
  const organ = registry.donors.getOrgan(requireString(input.organId, 'organId'))
  const transplantedAt = requireInstant(input.transplantedAt, 'transplantedAt')
  const centreId = requireString(input.centreId, 'centreId')
  const surgeonId = optional(input.surgeonId, 'surgeonId', staffId)
  const authorised = isAuthorised(registry.centres.get(centreId, transplantedAt), organ.organType, 'transplant', transplantedAt)
  if (!authorised) breach(ctx, 'centreId', centreId, organ.organType, 'transplant', transplantedAt)
  const { surgeonId: _surgeon, ...transplant } = input
  return writeTransaction(db, () => {
    const record = authorised ? registry.transplants.record(transplant, who) : overrideTransplant(ctx, transplant, who)
    const recordedAt = ctx.now()
    statement(db, 'INSERT INTO transplant_records (transplant_id, surgeon_id, authorisation_override, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)')
      .run(record.id, surgeonId ?? null, authorised ? 0 : 1, recordedAt, who)
    registry.audit.append({
      actor: who,
      action: 'transplant-record.recorded',
      entityType: 'transplant',
      entityId: record.id,
      payload: { surgeonId, authorisationOverride: !authorised, oversightRows: [pinOversightRow(db, 'transplant_records', record.id)] }
    })
    const flags = authorised ? [] : raiseOverrideFlag(ctx, transplantRecordOf(ctx, record.id), who, recordedAt)
    return { ...record, authorisationOverride: !authorised, flags }
  })
}

/**
 * The registry's transplant write (data/db/transplant-repository.ts) without its centre-authorisation
 * check, for `record-with-flag` only: every other check is repeated here, and the follow-ups are
 * scheduled from engine/oversight/follow-up-schedule.ts, which gives the repository's schedule.
 */
function overrideTransplant (ctx: OversightContext, input: TransplantInput, who: string): TransplantRecord {
  const { registry, db } = ctx
  const transplantedAt = requireInstant(input.transplantedAt, 'transplantedAt')
  const organ = registry.donors.getOrgan(input.organId)
  if (organ.recoveredAt === undefined) throw new InvalidFieldError('organId', 'has no recovery recorded')
  if (organ.disposition !== undefined) throw new InvalidFieldError('organId', `already has a disposition (${organ.disposition})`)
  if (transplantedAt < organ.recoveredAt) throw new InvalidFieldError('transplantedAt', `must not be before recovery (${organ.recoveredAt})`)
  const candidate = registry.candidates.get(input.candidateId, transplantedAt)
  if (candidate.organType !== organ.organType) throw new InvalidFieldError('candidateId', `is listed for ${candidate.organType}, the organ is a ${organ.organType}`)
  if (candidate.status === 'transplanted' || candidate.status === 'deceased' || candidate.status === 'removed') {
    throw new InvalidFieldError('candidateId', `has status ${candidate.status} at ${transplantedAt}`)
  }
  const donorKind = registry.donors.kindOf(organ.donorId)
  const matchRunId = optional(input.matchRunId, 'matchRunId', (v, f) => requireString(v, f))
  if (donorKind === 'deceased') {
    if (matchRunId === undefined) throw new InvalidFieldError('matchRunId', 'is required for a deceased donor\'s organ (it may go only to a candidate on its match run)')
    const runOrgan = statement(db, 'SELECT organ_id FROM match_runs WHERE id = ?').pluck().get(matchRunId) as string | undefined
    if (runOrgan === undefined) throw new UnknownValueError('matchRunId', `names no recorded match run (${matchRunId})`)
    if (runOrgan !== organ.id) throw new InvalidFieldError('matchRunId', `is a match run for another organ (${runOrgan})`)
  }
  const id = `T-${randomUUID()}`
  const recordedAt = ctx.now()
  statement(db, `INSERT INTO transplants (id, organ_id, candidate_id, centre_id, match_run_id, transplanted_at, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`).run(id, organ.id, candidate.id, input.centreId, matchRunId ?? null, transplantedAt, recordedAt)
  registry.donors.setDisposition(organ.id, 'transplanted', transplantedAt, null)
  registry.audit.append({
    actor: who,
    action: 'transplant.recorded',
    entityType: 'transplant',
    entityId: id,
    payload: { organId: organ.id, candidateId: candidate.id, centreId: input.centreId, matchRunId, transplantedAt, authorisationOverride: true, rows: [pinRow(db, 'transplants', id)] }
  })
  registry.candidates.changeStatus(candidate.id, { status: 'transplanted', effectiveAt: transplantedAt, reason: `transplant ${id}` }, who)
  const date = transplantedAt.slice(0, 10)
  scheduleForms(ctx, id, 'recipient', candidate.id, date, recordedAt, who)
  if (donorKind === 'living') scheduleForms(ctx, id, 'living-donor', organ.donorId, date, recordedAt, who)
  return { id, organId: organ.id, candidateId: candidate.id, centreId: input.centreId, ...(matchRunId === undefined ? {} : { matchRunId }), transplantedAt, recordedAt }
}

function scheduleForms (ctx: OversightContext, transplantId: string, subjectKind: FollowUpSubjectKind, subjectId: string, date: string, recordedAt: string, who: string): void {
  const insert = statement(ctx.db, `INSERT INTO follow_ups (transplant_id, subject_kind, subject_id, label, due_date, window_start, window_end, status, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'due', ?)`)
  const forms = scheduleFollowUps({ subjectKind, eventDate: date })
  for (const form of forms) insert.run(transplantId, subjectKind, subjectId, form.label, form.dueDate, form.windowStart, form.windowEnd, recordedAt)
  ctx.registry.audit.append({ actor: who, action: 'follow-up.scheduled', entityType: 'transplant', entityId: transplantId, payload: { subjectKind, subjectId, dueDates: forms.map((f) => f.dueDate) } })
}

interface TransplantJoin { id: string, organ_type: string, donor_id: string, centre_id: string, candidate_id: string, transplanted_at: string }

function transplantJoin (ctx: OversightContext, id: string, field: string): TransplantJoin {
  const row = statement(ctx.db, `SELECT t.id, o.organ_type, o.donor_id, t.centre_id, t.candidate_id, t.transplanted_at FROM transplants t
    JOIN organs o ON o.id = t.organ_id WHERE t.id = ?`).get(requireString(id, field)) as TransplantJoin | undefined
  if (row === undefined) throw new UnknownValueError(field, `names no recorded transplant (${id})`)
  return row
}

function personOf (ctx: OversightContext, subjectId: string): string | null {
  return (statement(ctx.db, 'SELECT person_pseudonym FROM direct_identifiers WHERE subject_id = ?').pluck().get(subjectId) as string | null | undefined) ?? null
}

/**
 * Marks a pancreas transplant and a kidney transplant as one simultaneous kidney-pancreas transplant
 * (GODT `kidney_pancreas_tx`): same donor, same centre, within a day, and — when both recipients'
 * national ids are known — the same person.
 */
export function recordKidneyPancreas (ctx: OversightContext, input: { pancreasTransplantId: string, kidneyTransplantId: string }, actor: string): void {
  const who = requireActor(actor)
  const pancreas = transplantJoin(ctx, input.pancreasTransplantId, 'pancreasTransplantId')
  const kidney = transplantJoin(ctx, input.kidneyTransplantId, 'kidneyTransplantId')
  if (pancreas.organ_type !== 'pancreas') throw new InvalidFieldError('pancreasTransplantId', `is a ${pancreas.organ_type} transplant`)
  if (kidney.organ_type !== 'kidney') throw new InvalidFieldError('kidneyTransplantId', `is a ${kidney.organ_type} transplant`)
  if (pancreas.donor_id !== kidney.donor_id) throw new InvalidFieldError('kidneyTransplantId', 'is from another donor than the pancreas')
  if (pancreas.centre_id !== kidney.centre_id) throw new InvalidFieldError('kidneyTransplantId', 'was done at another centre than the pancreas')
  if (Math.abs(Date.parse(pancreas.transplanted_at) - Date.parse(kidney.transplanted_at)) > 86_400_000) throw new InvalidFieldError('kidneyTransplantId', 'was not done within a day of the pancreas')
  const [a, b] = [personOf(ctx, pancreas.candidate_id), personOf(ctx, kidney.candidate_id)]
  if (a !== null && b !== null && a !== b) throw new InvalidFieldError('kidneyTransplantId', 'went to another person than the pancreas')
  const { db, registry } = ctx
  writeTransaction(db, () => {
    if (statement(db, 'SELECT 1 FROM combined_transplants WHERE pancreas_transplant_id = ? OR kidney_transplant_id = ?').get(pancreas.id, kidney.id) !== undefined) {
      throw new InvalidFieldError('pancreasTransplantId', 'is already part of a kidney-pancreas transplant')
    }
    statement(db, 'INSERT INTO combined_transplants (pancreas_transplant_id, kidney_transplant_id, recorded_at, recorded_by) VALUES (?, ?, ?, ?)').run(pancreas.id, kidney.id, ctx.now(), who)
    registry.audit.append({ actor: who, action: 'kidney-pancreas.recorded', entityType: 'transplant', entityId: pancreas.id, payload: { kidneyTransplantId: kidney.id, oversightRows: [pinOversightRow(db, 'combined_transplants', pancreas.id)] } })
  })
}

/**
 * Records that a living donor is a domino liver donor: the recipient of an earlier liver transplant
 * whose own liver was then given (GODT `domino_liver_tx`). The donor must be a living donor; when both
 * national ids are known, the domino donor must be the recipient of the source transplant.
 */
export function recordDominoDonor (ctx: OversightContext, input: { donorId: string, sourceTransplantId: string }, actor: string): void {
  const who = requireActor(actor)
  const { db, registry } = ctx
  const donorId = requireString(input.donorId, 'donorId')
  if (registry.donors.kindOf(donorId) !== 'living') throw new InvalidFieldError('donorId', 'must be a living donor (a domino donor is a living liver recipient)')
  const source = transplantJoin(ctx, input.sourceTransplantId, 'sourceTransplantId')
  if (source.organ_type !== 'liver') throw new InvalidFieldError('sourceTransplantId', `is a ${source.organ_type} transplant, not a liver transplant`)
  const [a, b] = [personOf(ctx, donorId), personOf(ctx, source.candidate_id)]
  if (a !== null && b !== null && a !== b) throw new InvalidFieldError('sourceTransplantId', 'has another recipient than the domino donor')
  writeTransaction(db, () => {
    if (statement(db, 'SELECT 1 FROM domino_donors WHERE donor_id = ? OR source_transplant_id = ?').get(donorId, source.id) !== undefined) {
      throw new InvalidFieldError('donorId', 'is already recorded as a domino donor, or the source transplant already gave one')
    }
    statement(db, 'INSERT INTO domino_donors (donor_id, source_transplant_id, recorded_at, recorded_by) VALUES (?, ?, ?, ?)').run(donorId, source.id, ctx.now(), who)
    registry.audit.append({ actor: who, action: 'domino-donor.recorded', entityType: 'donor', entityId: donorId, payload: { sourceTransplantId: source.id, oversightRows: [pinOversightRow(db, 'domino_donors', donorId)] } })
  })
}
