import { InvalidFieldError } from '../errors.js'
import { requireEnum, requireInteger } from '../domain/input.js'

/**
 * Follow-up schedules and their state on a day. Sources: OPTN Transplant Recipient Follow-up (TRF)
 * instructions — records at 6 months, 1 year and yearly after that; OPTN Living Donor Follow-up (LDF)
 * instructions — 6 months, 1 year and 2 years after donation, data collected within ±60 days of the
 * anniversary. The registry writes the same schedule when a transplant is recorded
 * (data/db/transplant-repository.ts, ten years of recipient forms up front); this module is the pure
 * definition the oversight queries and tests check against.
 */

export type FollowUpSubjectKind = 'recipient' | 'living-donor'
export const FOLLOW_UP_SUBJECT_KINDS: readonly FollowUpSubjectKind[] = ['recipient', 'living-donor']

/** Days either side of the due date in which a form counts (OPTN LDF: ±60 days). */
export const FOLLOW_UP_WINDOW_DAYS = 60
/** Recipients: 6 and 12 months, then every 12 months. */
export const RECIPIENT_FIRST_MONTHS: readonly number[] = [6, 12]
export const RECIPIENT_THEN_EVERY_MONTHS = 12
/** Living donors: 6, 12 and 24 months. */
export const LIVING_DONOR_MONTHS: readonly number[] = [6, 12, 24]
/** How many years of recipient follow-up the registry schedules up front. */
export const DEFAULT_RECIPIENT_HORIZON_YEARS = 10

export interface ScheduledFollowUp {
  readonly label: string
  readonly months: number
  readonly dueDate: string
  readonly windowStart: string
  readonly windowEnd: string
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const MS_PER_DAY = 86_400_000

function requireDay (value: string, field: string): string {
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidFieldError(field, 'must be a calendar date YYYY-MM-DD')
  return value
}

/** `months` after a date, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb), as the registry does. */
export function addMonthsToDate (date: string, months: number): string {
  const [year, month, day] = requireDay(date, 'date').split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(year, month - 1 + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return target.toISOString().slice(0, 10)
}

export function addDaysToDate (date: string, days: number): string {
  return new Date(Date.parse(`${requireDay(date, 'date')}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10)
}

/** Whole days from one date to another (negative when `to` is earlier). */
export function daysBetweenDates (from: string, to: string): number {
  return Math.round((Date.parse(`${requireDay(to, 'to')}T00:00:00Z`) - Date.parse(`${requireDay(from, 'from')}T00:00:00Z`)) / MS_PER_DAY)
}

/** "6-month", "1-year", "2-year"…: the labels the registry uses. */
export function followUpLabel (months: number): string {
  return months < 12 ? `${months}-month` : `${months / 12}-year`
}

/** Months after the event at which forms are due. */
export function followUpMonths (subjectKind: FollowUpSubjectKind, horizonYears = DEFAULT_RECIPIENT_HORIZON_YEARS): number[] {
  const kind = requireEnum(subjectKind, 'subjectKind', FOLLOW_UP_SUBJECT_KINDS)
  if (kind === 'living-donor') return [...LIVING_DONOR_MONTHS]
  const years = requireInteger(horizonYears, 'horizonYears', { min: 1, max: 100, unit: 'years' })
  const months = [...RECIPIENT_FIRST_MONTHS]
  for (let m = (RECIPIENT_FIRST_MONTHS.at(-1) as number) + RECIPIENT_THEN_EVERY_MONTHS; m <= years * 12; m += RECIPIENT_THEN_EVERY_MONTHS) months.push(m)
  return months
}

/** The forms due after a transplant (recipient) or a donation (living donor) on `eventDate`. */
export function scheduleFollowUps (input: { subjectKind: FollowUpSubjectKind, eventDate: string, horizonYears?: number }): ScheduledFollowUp[] {
  const eventDate = requireDay(input.eventDate, 'eventDate')
  return followUpMonths(input.subjectKind, input.horizonYears).map((months) => {
    const dueDate = addMonthsToDate(eventDate, months)
    return {
      label: followUpLabel(months),
      months,
      dueDate,
      windowStart: addDaysToDate(dueDate, -FOLLOW_UP_WINDOW_DAYS),
      windowEnd: addDaysToDate(dueDate, FOLLOW_UP_WINDOW_DAYS)
    }
  })
}

export type FollowUpState = 'upcoming' | 'due' | 'overdue' | 'completed' | 'completed-late' | 'not-required'

export interface FollowUpStatusInput {
  readonly windowStart: string
  readonly windowEnd: string
  readonly status: 'due' | 'completed' | 'not-required'
  /** Instant or date the form was completed. */
  readonly completedAt?: string | undefined
}

/**
 * A form's state on `asOf` (a date): before its window it is upcoming, inside it due, after it
 * overdue until completed. A form completed after its window is counted, but as late.
 */
export function followUpState (form: FollowUpStatusInput, asOf: string): FollowUpState {
  const day = requireDay(asOf, 'asOf')
  if (form.status === 'not-required') return 'not-required'
  if (form.status === 'completed') {
    const completed = (form.completedAt ?? '').slice(0, 10)
    return completed !== '' && completed > form.windowEnd ? 'completed-late' : 'completed'
  }
  if (day < form.windowStart) return 'upcoming'
  return day <= form.windowEnd ? 'due' : 'overdue'
}

export interface Completeness {
  /** Forms whose window has closed by the day, plus any completed earlier. */
  readonly expected: number
  readonly completed: number
  readonly completedInWindow: number
  readonly overdue: number
  /** completed / expected; null when nothing was expected yet. */
  readonly rate: number | null
}

/** Completeness of a set of forms on a day (not-required forms are left out). */
export function followUpCompleteness (forms: readonly FollowUpStatusInput[], asOf: string): Completeness {
  let completed = 0
  let completedInWindow = 0
  let overdue = 0
  for (const form of forms) {
    const state = followUpState(form, asOf)
    if (state === 'completed') { completed += 1; completedInWindow += 1 }
    if (state === 'completed-late') completed += 1
    if (state === 'overdue') overdue += 1
  }
  const expected = completed + overdue
  return { expected, completed, completedInWindow, overdue, rate: expected === 0 ? null : completed / expected }
}
