import t from 'tap'
import { CLERK } from './fixtures/registry-fixtures.js'
import { VIEWERS, addCandidate, livingTransplant, oversightFixture } from './fixtures/oversight-registry.js'

/**
 * Victim protection (UN 71/322 para 9; rule G3): a suspected victim's record is invisible to every role
 * but protection staff — the refusal looks exactly like an unknown id — and every access, granted or
 * refused, is audited and raises an alert.
 */

t.test('a suspected victim is invisible to an officer and visible, audited and alerted, to protection staff', async (t) => {
  const f = oversightFixture()
  const donation = livingTransplant(f, { relationship: 'unrelated', residence: 'MD', nationality: 'MD' })
  const bystander = livingTransplant(f)
  const { caseId } = f.oversight.flagSuspectedVictim({ subjectId: donation.donorId, reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T10:00:00Z' }, VIEWERS.officer)
  t.match(caseId, /^PC-/)

  const auditBefore = f.registry.audit.head().seq
  for (const viewer of [VIEWERS.officer, VIEWERS.auditor, VIEWERS.authority, VIEWERS.clerk]) {
    t.throws(() => f.oversight.readSubject(donation.donorId, viewer, 'case review'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'subjectId' }, `hidden from ${viewer.roles[0] ?? ''}`)
  }
  const unknown = f.registry.donors.idFor('nobody')
  let hiddenError: unknown
  let unknownError: unknown
  try { f.oversight.readSubject(donation.donorId, VIEWERS.officer, 'x') } catch (error) { hiddenError = error }
  try { f.oversight.readSubject(unknown, VIEWERS.officer, 'x') } catch (error) { unknownError = error }
  t.same([(hiddenError as { code: string }).code, (hiddenError as { field: string }).field], [(unknownError as { code: string }).code, (unknownError as { field: string }).field],
    'a hidden record and an unknown id give the same answer')

  const view = f.oversight.readSubject(donation.donorId, VIEWERS.protection, 'victim support')
  t.match(view, { subjectId: donation.donorId, kind: 'donor', donorKind: 'living', relationship: 'unrelated', centreId: 'NL-LUMC', protected: true })

  const entries = f.registry.audit.list({ fromSeq: auditBefore + 1 })
  const protectionEntries = entries.filter((e) => e.action.startsWith('protection.'))
  t.same(protectionEntries.map((e) => [e.action, e.actor]), [
    ['protection.access-denied', 'officer.one'], ['protection.access-denied', 'auditor.one'], ['protection.access-denied', 'authority.one'], ['protection.access-denied', 'clerk.one'],
    ['protection.access-denied', 'officer.one'],
    ['protection.record-accessed', 'protect.one']
  ], 'every access, refused or granted, is in the audit log')
  t.ok(protectionEntries.every((e) => e.entityType === 'protection-case' && e.entityId === caseId), 'the log names the protection case')
  t.notOk(JSON.stringify(protectionEntries).includes(donation.donorId), 'and never the protected subject\'s pseudonym')
  t.same(protectionEntries.map((e) => e.payload.ruleFired), [true, true, true, true, true, false], 'rule G3 fires for every access outside the protection role')
  t.ok(protectionEntries.every((e) => e.payload.rule === 'G3@1'))

  const alerts = f.oversight.protectionAlerts(VIEWERS.protection)
  t.same(alerts.map((a) => [a.access, a.accessedBy]).reverse(), protectionEntries.map((e) => [e.action === 'protection.record-accessed' ? 'granted' : 'denied', e.actor]), 'and raises an alert')
  t.throws(() => f.oversight.protectionAlerts(VIEWERS.auditor), { code: 'ENGINE_INVALID_FIELD', field: 'actor' })
  f.oversight.acknowledgeProtectionAlert(alerts[0]?.id as number, VIEWERS.protection)
  t.equal(f.oversight.protectionAlerts(VIEWERS.protection, { open: true }).length, alerts.length - 1)
  t.throws(() => f.oversight.acknowledgeProtectionAlert(alerts[0]?.id as number, VIEWERS.protection), { code: 'ENGINE_INVALID_FIELD', field: 'alertId' })
  t.throws(() => f.oversight.acknowledgeProtectionAlert(9999, VIEWERS.protection), { code: 'ENGINE_UNKNOWN_VALUE', field: 'alertId' })
  t.throws(() => f.oversight.acknowledgeProtectionAlert(alerts[1]?.id as number, VIEWERS.auditor), { code: 'ENGINE_INVALID_FIELD', field: 'actor' })

  // The donor's organ and follow-ups disappear with the donor.
  const organId = donation.organIds[0] as string
  t.throws(() => f.oversight.trace(organId, VIEWERS.auditor), { code: 'ENGINE_UNKNOWN_VALUE', field: 'organId' })
  t.equal(f.oversight.trace(organId, VIEWERS.protection).donor.id, donation.donorId)
  t.equal(f.oversight.trace(bystander.organIds[0] as string, VIEWERS.auditor).donor.id, bystander.donorId, 'other records are untouched')
  const auditorForms = f.oversight.followUps({ asOf: '2025-08-10' }, VIEWERS.auditor)
  t.notOk(auditorForms.some((x) => x.subjectId === donation.donorId))
  t.ok(auditorForms.some((x) => x.subjectId === bystander.donorId))
  t.ok(f.oversight.followUps({ asOf: '2025-08-10' }, VIEWERS.protection).some((x) => x.subjectId === donation.donorId))
  // Flags about the donor: hidden in the queue for reviewers, shown to protection staff.
  const run = f.oversight.runIndicators({ asOf: '2025-03-05T00:00:00Z' }, 'auditor.one')
  const aboutDonor = run.raised.filter((flag) => flag.entityId === donation.donorId)
  t.ok(aboutDonor.length > 0, 'the unrelated foreign donor raised flags')
  t.notOk(f.oversight.listFlags(VIEWERS.auditor).some((flag) => flag.entityId === donation.donorId))
  t.ok(f.oversight.listFlags(VIEWERS.protection).some((flag) => flag.entityId === donation.donorId))
  t.throws(() => f.oversight.getFlag(aboutDonor[0]?.id as number, VIEWERS.auditor), { code: 'ENGINE_UNKNOWN_VALUE', field: 'flagId' })
  t.throws(() => f.oversight.reviewFlag(aboutDonor[0]?.id as number, { outcome: 'true-positive', at: '2025-03-06T00:00:00Z' }, VIEWERS.auditor), { code: 'ENGINE_UNKNOWN_VALUE', field: 'flagId' })
  // Aggregate statistics still count the hidden flags (no identities in them).
  const statistics = f.oversight.flagStatistics()
  t.equal(statistics.total.raised, f.registry.oversight.list().length)

  // Lifting: protection staff only; afterwards the record is an ordinary one again.
  t.same(f.oversight.protectionCases(VIEWERS.protection).map((c) => c.caseId), [caseId])
  t.throws(() => f.oversight.protectionCases(VIEWERS.officer), { code: 'ENGINE_INVALID_FIELD', field: 'actor' })
  t.throws(() => f.oversight.liftProtection(caseId, { at: '2025-04-01T00:00:00Z' }, VIEWERS.authority), { code: 'ENGINE_INVALID_FIELD', field: 'actor' })
  t.throws(() => f.oversight.liftProtection(caseId, { at: '2025-01-01T00:00:00Z' }, VIEWERS.protection), { code: 'ENGINE_INVALID_FIELD', field: 'at' })
  t.throws(() => f.oversight.liftProtection('PC-none', { at: '2025-04-01T00:00:00Z' }, VIEWERS.protection), { code: 'ENGINE_UNKNOWN_VALUE', field: 'caseId' })
  f.oversight.liftProtection(caseId, { at: '2025-04-01T00:00:00Z' }, VIEWERS.protection)
  t.throws(() => f.oversight.liftProtection(caseId, { at: '2025-04-02T00:00:00Z' }, VIEWERS.protection), { code: 'ENGINE_INVALID_FIELD', field: 'caseId' })
  t.match(f.oversight.readSubject(donation.donorId, VIEWERS.officer, 'after the case closed'), { protected: false })
  t.equal(f.registry.audit.verify().ok, true)
})

t.test('flagging: any staff member may raise a suspicion, once, about a known subject', async (t) => {
  const f = oversightFixture()
  const candidate = addCandidate(f)
  t.throws(() => f.oversight.flagSuspectedVictim({ subjectId: 'C-unknown', reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T00:00:00Z' }, VIEWERS.officer), { code: 'ENGINE_UNKNOWN_VALUE', field: 'subjectId' })
  t.throws(() => f.oversight.flagSuspectedVictim({ subjectId: candidate, reasonCode: 'Suspected Victim!', at: '2025-03-01T00:00:00Z' }, VIEWERS.officer), { code: 'ENGINE_INVALID_FIELD', field: 'reasonCode' })
  t.throws(() => f.oversight.flagSuspectedVictim({ subjectId: candidate, reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T00:00:00Z' }, { id: 'nobody', roles: [] }), { code: 'ENGINE_UNKNOWN_VALUE', field: 'userId' })
  f.registry.users.create({ id: 'gone.one', roles: ['auditor'] }, 'system')
  f.registry.users.disable('gone.one', 'system')
  t.throws(() => f.oversight.flagSuspectedVictim({ subjectId: candidate, reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T00:00:00Z' }, { id: 'gone.one', roles: ['auditor'] }), { code: 'ENGINE_INVALID_FIELD', field: 'actor' })
  f.oversight.flagSuspectedVictim({ subjectId: candidate, reasonCode: 'suspected-trafficking-victim', at: '2025-03-01T00:00:00Z' }, VIEWERS.clerk)
  t.throws(() => f.oversight.flagSuspectedVictim({ subjectId: candidate, reasonCode: 'suspected-trafficking-victim', at: '2025-03-02T00:00:00Z' }, VIEWERS.protection), { code: 'ENGINE_INVALID_FIELD', field: 'subjectId' })
  t.match(f.oversight.readSubject(candidate, VIEWERS.protection, 'check'), { kind: 'candidate', organType: 'kidney', status: 'active', protected: true })
  t.throws(() => f.oversight.readSubject(candidate, VIEWERS.clerk, 'check'), { code: 'ENGINE_UNKNOWN_VALUE' }, 'the one who raised the suspicion no longer sees the record either')
  const other = addCandidate(f)
  t.match(f.oversight.readSubject(other, VIEWERS.officer, 'check'), { kind: 'candidate', protected: false })
  t.throws(() => f.oversight.readSubject(other, VIEWERS.officer, ''), { code: 'ENGINE_INVALID_FIELD', field: 'purpose' })
})
