import { requireEnum, requireString } from '../../engine/domain/input.js'
import { followUpCompleteness, followUpState, type Completeness, type FollowUpState } from '../../engine/oversight/follow-up-schedule.js'
import { statement } from '../db/context.js'
import { optional, requireDate } from '../db/values.js'
import type { OversightContext, Viewer } from './context.js'
import { visibleItems } from './victim-protection.js'

/**
 * Follow-up lists for centres (OPTN TRF/LDF schedules, ±60-day windows): what is due and overdue on a
 * day, per centre, and completeness rates. A recipient's forms belong to the transplant centre, a
 * living donor's to the donor's centre.
 */

export interface FollowUpItem {
  readonly id: number
  readonly transplantId: string
  readonly subjectKind: 'recipient' | 'living-donor'
  readonly subjectId: string
  readonly centreId: string
  readonly label: string
  readonly dueDate: string
  readonly windowStart: string
  readonly windowEnd: string
  readonly state: FollowUpState
  /** Days past the window's end (overdue forms only). */
  readonly daysOverdue?: number
}

interface FormRow {
  id: number
  transplant_id: string
  subject_kind: 'recipient' | 'living-donor'
  subject_id: string
  label: string
  due_date: string
  window_start: string
  window_end: string
  status: 'due' | 'completed' | 'not-required'
  completed_at: string | null
  centre_id: string
}

const FORMS_SQL = `SELECT f.id, f.transplant_id, f.subject_kind, f.subject_id, f.label, f.due_date, f.window_start, f.window_end, f.status, f.completed_at,
    CASE f.subject_kind WHEN 'recipient' THEN t.centre_id ELSE d.hospital_centre_id END AS centre_id
  FROM follow_ups f JOIN transplants t ON t.id = f.transplant_id JOIN organs o ON o.id = t.organ_id JOIN donors d ON d.id = o.donor_id`

function forms (ctx: OversightContext, centreId: string | undefined): FormRow[] {
  return statement(ctx.db, `SELECT * FROM (${FORMS_SQL}) WHERE (@centre IS NULL OR centre_id = @centre) ORDER BY window_end, id`).all({ centre: centreId ?? null }) as FormRow[]
}

const MS_PER_DAY = 86_400_000

/** Forms due (window open) or overdue (window closed, not completed) on a day, optionally for one centre. */
export function followUpList (ctx: OversightContext, input: { asOf: string, centreId?: string | undefined, state?: 'due' | 'overdue' | undefined }, viewer: Viewer): FollowUpItem[] {
  const day = requireDate(input.asOf, 'asOf')
  const centreId = optional(input.centreId, 'centreId', (v, f) => requireString(v, f))
  const wanted = optional(input.state, 'state', (v, f) => requireEnum(v, f, ['due', 'overdue'] as const))
  const items = forms(ctx, centreId).flatMap((row): FollowUpItem[] => {
    const state = followUpState({ windowStart: row.window_start, windowEnd: row.window_end, status: row.status, completedAt: row.completed_at ?? undefined }, day)
    if (state !== 'due' && state !== 'overdue') return []
    if (wanted !== undefined && state !== wanted) return []
    return [{
      id: row.id,
      transplantId: row.transplant_id,
      subjectKind: row.subject_kind,
      subjectId: row.subject_id,
      centreId: row.centre_id,
      label: row.label,
      dueDate: row.due_date,
      windowStart: row.window_start,
      windowEnd: row.window_end,
      state,
      ...(state === 'overdue' ? { daysOverdue: Math.round((Date.parse(day) - Date.parse(row.window_end)) / MS_PER_DAY) } : {})
    }]
  })
  return visibleItems(ctx, items, (item) => [item.subjectId], viewer, 'follow-up-list')
}

export interface CentreCompleteness extends Completeness {
  readonly centreId: string
  readonly recipient: Completeness
  readonly livingDonor: Completeness
}

/** Completeness per centre on a day: completed ÷ expected (forms whose window has closed, plus any completed). Aggregate, so nothing is hidden. */
export function followUpCompletenessByCentre (ctx: OversightContext, input: { asOf: string, centreId?: string | undefined }): CentreCompleteness[] {
  const day = requireDate(input.asOf, 'asOf')
  const centreId = optional(input.centreId, 'centreId', (v, f) => requireString(v, f))
  const rows = forms(ctx, centreId)
  const centres = [...new Set(rows.map((r) => r.centre_id))].sort()
  const status = (r: FormRow): { windowStart: string, windowEnd: string, status: FormRow['status'], completedAt: string | undefined } =>
    ({ windowStart: r.window_start, windowEnd: r.window_end, status: r.status, completedAt: r.completed_at ?? undefined })
  return centres.map((centre) => {
    const own = rows.filter((r) => r.centre_id === centre)
    return {
      centreId: centre,
      ...followUpCompleteness(own.map(status), day),
      recipient: followUpCompleteness(own.filter((r) => r.subject_kind === 'recipient').map(status), day),
      livingDonor: followUpCompleteness(own.filter((r) => r.subject_kind === 'living-donor').map(status), day)
    }
  })
}
