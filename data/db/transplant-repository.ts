import { randomUUID } from 'node:crypto'
import { isAuthorised } from '../../engine/domain/centre.js'
import { requireEnum, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { pinRow } from '../audit/audit-log.js'
import type { CandidateRepository } from './candidate-repository.js'
import type { CentreRepository } from './centre-repository.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'
import type { DonorRepository } from './donor-repository.js'
import { addDays, addMonths, optional, requireDate, requireInstant } from './values.js'

export interface TransplantInput {
  readonly organId: string
  readonly candidateId: string
  readonly centreId: string
  readonly transplantedAt: string
  /** Required for a deceased donor's organ: the match run the recipient was on. */
  readonly matchRunId?: string | undefined
}

export interface TransplantRecord extends TransplantInput {
  readonly id: string
  readonly recordedAt: string
}

export type FollowUpSubject = 'recipient' | 'living-donor'

export interface FollowUp {
  readonly id: number
  readonly transplantId: string
  readonly subjectKind: FollowUpSubject
  readonly subjectId: string
  readonly label: string
  readonly dueDate: string
  readonly windowStart: string
  readonly windowEnd: string
  readonly status: 'due' | 'completed' | 'not-required'
  readonly completedAt?: string
  readonly closedReason?: string
}

/**
 * Follow-up schedules (OPTN TRF and LDF instructions): recipients at 6 months, 1 year, then yearly;
 * living donors at 6 months, 1 and 2 years. Forms count within ±60 days of the due date. Recipients
 * are scheduled for ten years up front; a longer schedule is a later extension.
 */
export const RECIPIENT_FOLLOW_UP_MONTHS: readonly number[] = [6, 12, 24, 36, 48, 60, 72, 84, 96, 108, 120]
export const LIVING_DONOR_FOLLOW_UP_MONTHS: readonly number[] = [6, 12, 24]
export const FOLLOW_UP_WINDOW_DAYS = 60

function followUpLabel (months: number): string {
  return months < 12 ? `${months}-month` : `${months / 12}-year`
}

interface FollowUpRow {
  id: number
  transplant_id: string
  subject_kind: FollowUpSubject
  subject_id: string
  label: string
  due_date: string
  window_start: string
  window_end: string
  status: 'due' | 'completed' | 'not-required'
  completed_at: string | null
  closed_reason: string | null
}

function toFollowUp (row: FollowUpRow): FollowUp {
  return {
    id: row.id,
    transplantId: row.transplant_id,
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    label: row.label,
    dueDate: row.due_date,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    status: row.status,
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at }),
    ...(row.closed_reason === null ? {} : { closedReason: row.closed_reason })
  }
}

/** Transplants (the end of the donor → organ → recipient chain) and the follow-ups they start. */
export class TransplantRepository {
  readonly #ctx: RegistryContext
  readonly #centres: CentreRepository
  readonly #candidates: CandidateRepository
  readonly #donors: DonorRepository

  constructor (ctx: RegistryContext, centres: CentreRepository, candidates: CandidateRepository, donors: DonorRepository) {
    this.#ctx = ctx
    this.#centres = centres
    this.#candidates = candidates
    this.#donors = donors
  }

  /**
   * Records a transplant, refusing what traceability rules forbid: an organ not recovered or already
   * used, an organ of another type than the candidate's listing, a centre without a valid transplant
   * authorisation that day (UN 71/322 para 3(d)), or a deceased donor's organ with no match run for it.
   * Sets the organ's disposition and the candidate's status, and schedules follow-ups, in one transaction.
   */
  record (input: TransplantInput, actor: string): TransplantRecord {
    const who = requireActor(actor)
    const transplantedAt = requireInstant(input.transplantedAt, 'transplantedAt')
    const organ = this.#donors.getOrgan(input.organId)
    if (organ.recoveredAt === undefined) throw new InvalidFieldError('organId', 'has no recovery recorded')
    if (organ.disposition !== undefined) throw new InvalidFieldError('organId', `already has a disposition (${organ.disposition})`)
    if (transplantedAt < organ.recoveredAt) throw new InvalidFieldError('transplantedAt', `must not be before recovery (${organ.recoveredAt})`)
    const candidate = this.#candidates.get(input.candidateId, transplantedAt)
    if (candidate.organType !== organ.organType) {
      throw new InvalidFieldError('candidateId', `is listed for ${candidate.organType}, the organ is a ${organ.organType}`)
    }
    if (candidate.status === 'transplanted' || candidate.status === 'deceased' || candidate.status === 'removed') {
      throw new InvalidFieldError('candidateId', `has status ${candidate.status} at ${transplantedAt}`)
    }
    const centre = this.#centres.get(requireString(input.centreId, 'centreId'), transplantedAt)
    if (!isAuthorised(centre, organ.organType, 'transplant', transplantedAt)) {
      throw new InvalidFieldError('centreId', `holds no valid, unsuspended ${organ.organType} transplant authorisation on ${transplantedAt.slice(0, 10)}`)
    }
    const donorKind = this.#donors.kindOf(organ.donorId)
    const matchRunId = optional(input.matchRunId, 'matchRunId', (v, f) => requireString(v, f))
    if (donorKind === 'deceased') {
      if (matchRunId === undefined) throw new InvalidFieldError('matchRunId', 'is required for a deceased donor\'s organ (it may go only to a candidate on its match run)')
      const runOrgan = statement(this.#ctx.db, 'SELECT organ_id FROM match_runs WHERE id = ?').pluck().get(matchRunId) as string | undefined
      if (runOrgan === undefined) throw new UnknownValueError('matchRunId', `names no recorded match run (${matchRunId})`)
      if (runOrgan !== organ.id) throw new InvalidFieldError('matchRunId', `is a match run for another organ (${runOrgan})`)
    }
    const id = `T-${randomUUID()}`
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const recordedAt = now()
      statement(db, `INSERT INTO transplants (id, organ_id, candidate_id, centre_id, match_run_id, transplanted_at, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(id, organ.id, candidate.id, centre.id, matchRunId ?? null, transplantedAt, recordedAt)
      this.#donors.setDisposition(organ.id, 'transplanted', transplantedAt, null)
      audit.append({
        actor: who,
        action: 'transplant.recorded',
        entityType: 'transplant',
        entityId: id,
        payload: { organId: organ.id, candidateId: candidate.id, centreId: centre.id, matchRunId, transplantedAt, rows: [pinRow(db, 'transplants', id)] }
      })
      this.#candidates.changeStatus(candidate.id, { status: 'transplanted', effectiveAt: transplantedAt, reason: `transplant ${id}` }, who)
      const date = transplantedAt.slice(0, 10)
      this.#schedule(id, 'recipient', candidate.id, date, RECIPIENT_FOLLOW_UP_MONTHS, who)
      if (donorKind === 'living') this.#schedule(id, 'living-donor', organ.donorId, date, LIVING_DONOR_FOLLOW_UP_MONTHS, who)
      return { id, organId: organ.id, candidateId: candidate.id, centreId: centre.id, ...(matchRunId === undefined ? {} : { matchRunId }), transplantedAt, recordedAt }
    })
  }

  get (transplantId: string): TransplantRecord {
    const row = statement(this.#ctx.db, 'SELECT * FROM transplants WHERE id = ?').get(requireString(transplantId, 'transplantId')) as
      { id: string, organ_id: string, candidate_id: string, centre_id: string, match_run_id: string | null, transplanted_at: string, recorded_at: string } | undefined
    if (row === undefined) throw new UnknownValueError('transplantId', `names no recorded transplant (${transplantId})`)
    return {
      id: row.id,
      organId: row.organ_id,
      candidateId: row.candidate_id,
      centreId: row.centre_id,
      ...(row.match_run_id === null ? {} : { matchRunId: row.match_run_id }),
      transplantedAt: row.transplanted_at,
      recordedAt: row.recorded_at
    }
  }

  followUps (transplantId: string): FollowUp[] {
    const rows = statement(this.#ctx.db, 'SELECT * FROM follow_ups WHERE transplant_id = ? ORDER BY subject_kind, due_date').all(requireString(transplantId, 'transplantId')) as FollowUpRow[]
    return rows.map(toFollowUp)
  }

  /** Records a completed follow-up form. The form stays in the registry; the audit entry names only the follow-up. */
  completeFollowUp (followUpId: number, input: { completedAt: string, form: Readonly<Record<string, unknown>> }, actor: string): void {
    const who = requireActor(actor)
    const completedAt = requireInstant(input.completedAt, 'completedAt')
    if (input.form === null || typeof input.form !== 'object' || Array.isArray(input.form)) throw new InvalidFieldError('form', 'must be a JSON object')
    const { db, audit } = this.#ctx
    writeTransaction(db, () => {
      const row = this.#followUp(followUpId)
      if (row.status !== 'due') throw new InvalidFieldError('followUpId', `is ${row.status}, not due`)
      statement(db, 'UPDATE follow_ups SET status = \'completed\', completed_at = ?, form_json = ? WHERE id = ?').run(completedAt, JSON.stringify(input.form), row.id)
      audit.append({ actor: who, action: 'follow-up.completed', entityType: 'transplant', entityId: row.transplant_id, payload: { followUpId: row.id, subjectKind: row.subject_kind, label: row.label, completedAt } })
    })
  }

  /** Closes the follow-ups still due after `at` (death, graft failure, lost to follow-up, transfer). */
  closeFollowUps (transplantId: string, input: { subjectKind: FollowUpSubject, at: string, reason: string }, actor: string): number {
    const who = requireActor(actor)
    const transplant = this.get(transplantId)
    const subjectKind = requireEnum(input.subjectKind, 'subjectKind', ['recipient', 'living-donor'] as const)
    const at = requireInstant(input.at, 'at')
    const reason = requireString(input.reason, 'reason')
    const { db, audit } = this.#ctx
    return writeTransaction(db, () => {
      const closed = statement(db, `UPDATE follow_ups SET status = 'not-required', closed_reason = ?
        WHERE transplant_id = ? AND subject_kind = ? AND status = 'due' AND due_date > ?`).run(reason, transplant.id, subjectKind, at.slice(0, 10)).changes
      audit.append({ actor: who, action: 'follow-up.closed', entityType: 'transplant', entityId: transplant.id, payload: { subjectKind, at, reason, closed } })
      return closed
    })
  }

  /** Follow-ups still due whose window ended before `date` (oversight rules G1, G2). */
  overdue (date: string): FollowUp[] {
    const day = requireDate(date, 'date')
    const rows = statement(this.#ctx.db, 'SELECT * FROM follow_ups WHERE status = \'due\' AND window_end < ? ORDER BY window_end, id').all(day) as FollowUpRow[]
    return rows.map(toFollowUp)
  }

  #followUp (id: number): FollowUpRow {
    const row = statement(this.#ctx.db, 'SELECT * FROM follow_ups WHERE id = ?').get(id) as FollowUpRow | undefined
    if (row === undefined) throw new UnknownValueError('followUpId', `names no follow-up (${id})`)
    return row
  }

  #schedule (transplantId: string, subjectKind: FollowUpSubject, subjectId: string, date: string, months: readonly number[], who: string): void {
    const { db, audit, now } = this.#ctx
    const insert = statement(db, `INSERT INTO follow_ups (transplant_id, subject_kind, subject_id, label, due_date, window_start, window_end, status, recorded_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'due', ?)`)
    const recordedAt = now()
    const due = months.map((month) => {
      const dueDate = addMonths(date, month)
      insert.run(transplantId, subjectKind, subjectId, followUpLabel(month), dueDate, addDays(dueDate, -FOLLOW_UP_WINDOW_DAYS), addDays(dueDate, FOLLOW_UP_WINDOW_DAYS), recordedAt)
      return dueDate
    })
    audit.append({ actor: who, action: 'follow-up.scheduled', entityType: 'transplant', entityId: transplantId, payload: { subjectKind, subjectId, dueDates: due } })
  }
}
