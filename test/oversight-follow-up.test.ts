import t from 'tap'
import fc from 'fast-check'
import {
  addDaysToDate, addMonthsToDate, daysBetweenDates, followUpCompleteness, followUpLabel, followUpMonths, followUpState, scheduleFollowUps,
  FOLLOW_UP_WINDOW_DAYS
} from '../engine/oversight/follow-up-schedule.js'
import { CLERK } from './fixtures/registry-fixtures.js'
import { VIEWERS, deceasedTransplant, livingTransplant, oversightFixture } from './fixtures/oversight-registry.js'

t.test('schedules: recipients at 6 months, 1 year, then yearly; living donors at 6, 12 and 24 months; ±60-day windows', async (t) => {
  t.same(followUpMonths('recipient', 3), [6, 12, 24, 36])
  t.same(followUpMonths('living-donor'), [6, 12, 24])
  t.same(followUpMonths('recipient').length, 11, 'ten years up front by default')
  const donor = scheduleFollowUps({ subjectKind: 'living-donor', eventDate: '2025-01-31' })
  t.same(donor.map((f) => [f.label, f.dueDate, f.windowStart, f.windowEnd]), [
    ['6-month', '2025-07-31', '2025-06-01', '2025-09-29'],
    ['1-year', '2026-01-31', '2025-12-02', '2026-04-01'],
    ['2-year', '2027-01-31', '2026-12-02', '2027-04-01']
  ])
  t.equal(addMonthsToDate('2024-01-31', 1), '2024-02-29', 'clamped to the month\'s last day')
  t.equal(addMonthsToDate('2024-02-29', 12), '2025-02-28')
  t.equal(followUpLabel(6), '6-month')
  t.equal(followUpLabel(36), '3-year')
  t.throws(() => scheduleFollowUps({ subjectKind: 'recipient', eventDate: '2025-13-01' }), { code: 'ENGINE_INVALID_FIELD', field: 'eventDate' })
  t.throws(() => followUpMonths('donor' as never), { code: 'ENGINE_INVALID_FIELD', field: 'subjectKind' })
  t.throws(() => followUpMonths('recipient', 0), { code: 'ENGINE_OUT_OF_RANGE', field: 'horizonYears' })
})

t.test('fast-check: every form\'s window is its due date ± 60 days, and due dates increase', async (t) => {
  const day = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
  fc.assert(fc.property(day, fc.constantFrom('recipient' as const, 'living-donor' as const), (eventDate, subjectKind) => {
    const forms = scheduleFollowUps({ subjectKind, eventDate })
    return forms.every((f, i) =>
      daysBetweenDates(f.windowStart, f.dueDate) === FOLLOW_UP_WINDOW_DAYS &&
      daysBetweenDates(f.dueDate, f.windowEnd) === FOLLOW_UP_WINDOW_DAYS &&
      f.dueDate > eventDate && (i === 0 || f.dueDate > (forms[i - 1]?.dueDate ?? '')))
  }), { numRuns: 200 })
  t.pass()
})

t.test('states and completeness on a day', async (t) => {
  const form = { windowStart: '2025-06-01', windowEnd: '2025-09-29', status: 'due' as const }
  t.equal(followUpState(form, '2025-05-31'), 'upcoming')
  t.equal(followUpState(form, '2025-06-01'), 'due')
  t.equal(followUpState(form, '2025-09-29'), 'due')
  t.equal(followUpState(form, '2025-09-30'), 'overdue')
  t.equal(followUpState({ ...form, status: 'completed', completedAt: '2025-07-01T10:00:00Z' }, '2025-12-01'), 'completed')
  t.equal(followUpState({ ...form, status: 'completed', completedAt: '2025-10-05T10:00:00Z' }, '2025-12-01'), 'completed-late')
  t.equal(followUpState({ ...form, status: 'not-required' }, '2025-12-01'), 'not-required')
  t.throws(() => followUpState(form, 'today'), { code: 'ENGINE_INVALID_FIELD', field: 'asOf' })
  const forms = [
    { ...form, status: 'completed' as const, completedAt: '2025-07-01T00:00:00Z' },
    { ...form, status: 'completed' as const, completedAt: '2025-10-05T00:00:00Z' },
    form,
    { ...form, status: 'not-required' as const },
    { windowStart: '2026-06-01', windowEnd: '2026-09-29', status: 'due' as const }
  ]
  t.same(followUpCompleteness(forms, '2025-12-01'), { expected: 3, completed: 2, completedInWindow: 1, overdue: 1, rate: 2 / 3 })
  t.same(followUpCompleteness([], '2025-12-01'), { expected: 0, completed: 0, completedInWindow: 0, overdue: 0, rate: null })
  t.equal(addDaysToDate('2025-03-01', -1), '2025-02-28')
})

t.test('the registry writes exactly the engine\'s schedule, and the lists per centre follow it', async (t) => {
  const f = oversightFixture()
  const living = livingTransplant(f, { centreId: 'NL-PRIV', transplantedAt: '2025-02-03T12:00:00Z' })
  const deceased = deceasedTransplant(f, { transplantedAt: '2025-02-01T20:00:00Z' })
  const rows = f.registry.transplants.followUps(living.transplantId as string)
  const expected = [
    ...scheduleFollowUps({ subjectKind: 'living-donor', eventDate: '2025-02-03' }).map((s) => ['living-donor', s.label, s.dueDate, s.windowStart, s.windowEnd]),
    ...scheduleFollowUps({ subjectKind: 'recipient', eventDate: '2025-02-03' }).map((s) => ['recipient', s.label, s.dueDate, s.windowStart, s.windowEnd])
  ]
  t.same(rows.map((r) => [r.subjectKind, r.label, r.dueDate, r.windowStart, r.windowEnd]), expected)

  // On 2025-08-15 the 6-month forms (due early August) are in their window.
  const due = f.oversight.followUps({ asOf: '2025-08-15' }, VIEWERS.auditor)
  t.same(due.map((d) => [d.centreId, d.subjectKind, d.label, d.state]).sort(), [
    ['NL-LUMC', 'recipient', '6-month', 'due'],
    ['NL-PRIV', 'living-donor', '6-month', 'due'],
    ['NL-PRIV', 'recipient', '6-month', 'due']
  ], 'a living donor\'s forms belong to the donor\'s centre')
  t.same(f.oversight.followUps({ asOf: '2025-08-15', centreId: 'NL-LUMC' }, VIEWERS.auditor).map((d) => d.transplantId), [deceased.transplantId])
  t.same(f.oversight.followUps({ asOf: '2025-08-15', state: 'overdue' }, VIEWERS.auditor), [])

  const recipientForm = rows.find((r) => r.subjectKind === 'recipient' && r.label === '6-month')
  if (recipientForm === undefined) throw new Error('no recipient form')
  f.registry.transplants.completeFollowUp(recipientForm.id, { completedAt: '2025-08-20T10:00:00Z', form: { graftFunctioning: true } }, CLERK)
  const overdue = f.oversight.followUps({ asOf: '2025-10-15', state: 'overdue' }, VIEWERS.auditor)
  t.same(overdue.map((d) => [d.centreId, d.subjectKind, d.daysOverdue]).sort(), [['NL-LUMC', 'recipient', 15], ['NL-PRIV', 'living-donor', 13]])

  const completeness = f.oversight.followUpCompleteness({ asOf: '2025-10-15' })
  t.same(completeness.map((c) => [c.centreId, c.expected, c.completed, c.rate]), [['NL-LUMC', 1, 0, 0], ['NL-PRIV', 2, 1, 0.5]])
  t.same(completeness.find((c) => c.centreId === 'NL-PRIV')?.livingDonor, { expected: 1, completed: 0, completedInWindow: 0, overdue: 1, rate: 0 })
  t.same(f.oversight.followUpCompleteness({ asOf: '2025-10-15', centreId: 'NL-LUMC' }).length, 1)
  t.throws(() => f.oversight.followUps({ asOf: '2025-10-15T00:00:00Z' }, VIEWERS.auditor), { code: 'ENGINE_INVALID_FIELD', field: 'asOf' })
  t.throws(() => f.oversight.followUps({ asOf: '2025-10-15', state: 'late' as never }, VIEWERS.auditor), { code: 'ENGINE_INVALID_FIELD', field: 'state' })
})
