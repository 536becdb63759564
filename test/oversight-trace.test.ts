import t from 'tap'
import { verifyCheckpoint } from '../data/audit/audit-log.js'
import { CLERK } from './fixtures/registry-fixtures.js'
import {
  VIEWERS, addCandidate, addDeceasedDonor, addLivingDonor, deceasedTransplant, livingTransplant, matchListFor, oversightFixture
} from './fixtures/oversight-registry.js'

t.test('the trace of a transplanted organ: every step, with its audit-log proof', async (t) => {
  const f = oversightFixture()
  const refuser = addCandidate(f)
  const chain = deceasedTransplant(f, { ranked: [refuser], refusals: [refuser] })
  const trace = f.oversight.trace(chain.organId, VIEWERS.auditor)
  t.same(trace.organ, { id: chain.organId, donorId: chain.donorId, organType: 'kidney', part: 'left' })
  t.match(trace.donor, { id: chain.donorId, kind: 'deceased', pathway: 'DBD', hospitalCentreId: 'NL-LUMC' })
  t.same(trace.consents.map((c) => c.recordType), ['authorisation'])
  t.same(trace.recovery, { recoveredAt: '2025-02-01T08:00:00.000Z', centreId: 'NL-LUMC', surgeonId: 'surgeon.one', authorisationOverride: false })
  t.equal(trace.matchRuns.length, 1)
  t.same(trace.matchRuns[0]?.offers.map((o) => [o.sequenceNumber, o.candidateId, o.response, o.refusalCode]), [[1, refuser, 'N', 730]])
  t.match(trace.fate, { disposition: 'transplanted', transplantId: chain.transplantId, candidateId: chain.recipientId, centreId: 'NL-LUMC', matchRunId: chain.matchRunId })
  const actions = trace.audit.entries.map((e) => e.action)
  t.same(actions, ['donor.registered', 'organ.registered', 'consent.recorded', 'organ.recovered', 'recovery.recorded', 'match-run.recorded', 'offer.response-recorded',
    'transplant.recorded', 'transplant-record.recorded'])
  t.ok(trace.audit.entries.every((e) => e.hashValid && e.chainsToPrevious && e.pinsValid))
  t.equal(trace.audit.entriesVerified, true)
  t.same(verifyCheckpoint(trace.audit.checkpoint, f.registry.db, { trustedPublicKey: f.registry.keys.publicKeyBase64 }), { ok: true }, 'the head is signed and verifies')
  t.equal(trace.audit.head.seq, trace.audit.checkpoint.seq)

  // A hand edit of the transplant row shows in the proof of the entry that pinned it.
  f.registry.db.exec('DROP TRIGGER transplants_refuse_update')
  f.registry.db.prepare('UPDATE transplants SET centre_id = ? WHERE id = ?').run('NL-ERAS', chain.transplantId)
  const tampered = f.oversight.trace(chain.organId, VIEWERS.auditor)
  t.equal(tampered.audit.entriesVerified, false)
  t.same(tampered.audit.entries.filter((e) => !e.pinsValid).map((e) => e.action), ['transplant.recorded'])
})

t.test('fates: discarded, research, none yet; living and domino donors; kidney-pancreas pairs', async (t) => {
  const f = oversightFixture()
  const discarded = addDeceasedDonor(f, { organs: [{ organType: 'kidney', part: 'left' }, { organType: 'kidney', part: 'right' }, { organType: 'liver', part: 'whole' }] })
  const [left, right, liver] = discarded.organIds as [string, string, string]
  for (const organId of [left, right]) f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK)
  f.registry.donors.recordDisposition(left, { disposition: 'discarded', at: '2025-02-02T08:00:00Z', reason: 'organ-quality' }, CLERK)
  f.registry.donors.recordDisposition(right, { disposition: 'research', at: '2025-02-02T08:00:00Z', reason: 'research-consented' }, CLERK)
  t.same(f.oversight.trace(left, VIEWERS.auditor).fate, { disposition: 'discarded', at: '2025-02-02T08:00:00.000Z', reason: 'organ-quality' })
  t.same(f.oversight.trace(right, VIEWERS.auditor).fate, { disposition: 'research', at: '2025-02-02T08:00:00.000Z', reason: 'research-consented' })
  const notRecovered = f.oversight.trace(liver, VIEWERS.auditor)
  t.equal(notRecovered.recovery, null)
  t.same(notRecovered.fate, { disposition: null })
  t.same(f.oversight.trace(left, VIEWERS.auditor).audit.entries.map((e) => e.action).slice(-1), ['organ.disposition-recorded'])

  const livingChain = livingTransplant(f)
  const livingTrace = f.oversight.trace(livingChain.organIds[0] as string, VIEWERS.auditor)
  t.match(livingTrace.donor, { kind: 'living', relationship: 'genetic' })
  t.same(livingTrace.procedureAuthorisations.map((p) => [p.decision, p.decidedBy, p.candidateId]), [['approved', 'ethics-committee-lumc', livingChain.recipientId]])
  t.ok(livingTrace.audit.entries.some((e) => e.action === 'procedure-authorisation.recorded'))

  // Simultaneous kidney-pancreas: two listings of one person, one donor.
  const person = 'NL-KP-1'
  const pancreasRecipient = addCandidate(f, { organType: 'pancreas', nationalId: person })
  const kidneyRecipient = addCandidate(f, { nationalId: person })
  const donor = addDeceasedDonor(f, { organs: [{ organType: 'pancreas', part: 'whole' }, { organType: 'kidney', part: 'left' }] })
  const [pancreasOrgan, kidneyOrgan] = donor.organIds as [string, string]
  const ids: string[] = []
  for (const [organId, candidateId] of [[pancreasOrgan, pancreasRecipient], [kidneyOrgan, kidneyRecipient]] as const) {
    f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK)
    const run = f.registry.matchRuns.record({ matchList: matchListFor(f, organId, [candidateId], '2025-02-01T05:00:00Z') }, 'officer.one')
    ids.push(f.oversight.recordTransplant({ organId, candidateId, centreId: 'NL-LUMC', transplantedAt: '2025-02-01T18:00:00Z', matchRunId: run.id }, CLERK).id)
  }
  const [pancreasTx, kidneyTx] = ids as [string, string]
  t.throws(() => f.oversight.recordKidneyPancreas({ pancreasTransplantId: kidneyTx, kidneyTransplantId: pancreasTx }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'pancreasTransplantId' })
  t.throws(() => f.oversight.recordKidneyPancreas({ pancreasTransplantId: pancreasTx, kidneyTransplantId: 'T-none' }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'kidneyTransplantId' })
  t.throws(() => f.oversight.recordKidneyPancreas({ pancreasTransplantId: pancreasTx, kidneyTransplantId: pancreasTx }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'kidneyTransplantId' })
  const otherDonorKidney = deceasedTransplant(f)
  t.throws(() => f.oversight.recordKidneyPancreas({ pancreasTransplantId: pancreasTx, kidneyTransplantId: otherDonorKidney.transplantId }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'kidneyTransplantId', rule: /another donor/ })
  f.oversight.recordKidneyPancreas({ pancreasTransplantId: pancreasTx, kidneyTransplantId: kidneyTx }, CLERK)
  t.throws(() => f.oversight.recordKidneyPancreas({ pancreasTransplantId: pancreasTx, kidneyTransplantId: kidneyTx }, CLERK), { code: 'ENGINE_INVALID_FIELD', rule: /already/ })
  t.match(f.oversight.trace(pancreasOrgan, VIEWERS.auditor).fate, { disposition: 'transplanted', combinedWithTransplantId: kidneyTx })
  t.match(f.oversight.trace(kidneyOrgan, VIEWERS.auditor).fate, { combinedWithTransplantId: pancreasTx })

  // Domino: a liver recipient gives their own liver on.
  const liverRecipient = addCandidate(f, { organType: 'liver' })
  const sourceDonor = addDeceasedDonor(f, { organs: [{ organType: 'liver', part: 'whole' }] })
  const sourceOrgan = sourceDonor.organIds[0] as string
  f.oversight.recordRecovery({ organId: sourceOrgan, recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK)
  const sourceRun = f.registry.matchRuns.record({ matchList: matchListFor(f, sourceOrgan, [liverRecipient], '2025-02-01T05:00:00Z') }, 'officer.one')
  const source = f.oversight.recordTransplant({ organId: sourceOrgan, candidateId: liverRecipient, centreId: 'NL-LUMC', transplantedAt: '2025-02-01T18:00:00Z', matchRunId: sourceRun.id }, CLERK)
  const dominoRecipient = addCandidate(f, { organType: 'liver' })
  const domino = addLivingDonor(f, dominoRecipient, { relationship: 'non-directed', organs: [{ organType: 'liver', part: 'whole' }] })
  t.throws(() => f.oversight.recordDominoDonor({ donorId: sourceDonor.donorId, sourceTransplantId: source.id }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorId' })
  t.throws(() => f.oversight.recordDominoDonor({ donorId: domino.donorId, sourceTransplantId: kidneyTx }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'sourceTransplantId' })
  f.oversight.recordDominoDonor({ donorId: domino.donorId, sourceTransplantId: source.id }, CLERK)
  t.throws(() => f.oversight.recordDominoDonor({ donorId: domino.donorId, sourceTransplantId: source.id }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorId' })
  t.equal(f.oversight.trace(domino.organIds[0] as string, VIEWERS.auditor).donor.dominoSourceTransplantId, source.id)
  t.equal(f.oversight.verifyRecords().ok, true)
})

t.test('an organ cannot be transplanted twice, before its recovery, or before it is recovered at all', async (t) => {
  for (const policy of ['refuse', 'record-with-flag'] as const) {
    const f = oversightFixture({ authorisationBreach: policy })
    const centre = policy === 'refuse' ? 'NL-LUMC' : 'NL-ERAS'
    const donor = addDeceasedDonor(f, { organs: [{ organType: 'liver', part: 'whole' }] })
    const organId = donor.organIds[0] as string
    const first = addCandidate(f, { organType: 'liver' })
    const second = addCandidate(f, { organType: 'liver' })
    const run = f.registry.matchRuns.record({ matchList: matchListFor(f, organId, [first, second], '2025-02-01T05:00:00Z') }, 'officer.one')
    const transplant = (candidateId: string, at: string): unknown => f.oversight.recordTransplant({ organId, candidateId, centreId: centre, transplantedAt: at, matchRunId: run.id }, CLERK)
    t.throws(() => transplant(first, '2025-02-01T09:00:00Z'), { code: 'ENGINE_INVALID_FIELD', field: 'organId', rule: /no recovery/ }, `${policy}: not recovered`)
    f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK)
    t.throws(() => transplant(first, '2025-02-01T07:00:00Z'), { code: 'ENGINE_INVALID_FIELD', field: 'transplantedAt' }, `${policy}: before recovery`)
    t.throws(() => f.oversight.recordTransplant({ organId, candidateId: first, centreId: centre, transplantedAt: '2025-02-01T09:00:00Z' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'matchRunId' }, `${policy}: a deceased donor's organ needs its match run`)
    const kidneyCandidate = addCandidate(f)
    t.throws(() => transplant(kidneyCandidate, '2025-02-01T09:00:00Z'), { code: 'ENGINE_INVALID_FIELD', field: 'candidateId' }, `${policy}: wrong organ listing`)
    transplant(first, '2025-02-01T09:00:00Z')
    t.throws(() => transplant(second, '2025-02-01T10:00:00Z'), { code: 'ENGINE_INVALID_FIELD', field: 'organId', rule: /already has a disposition/ }, `${policy}: twice`)
    t.throws(() => f.registry.donors.recordDisposition(organId, { disposition: 'discarded', at: '2025-02-02T00:00:00Z', reason: 'x' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'organId' }, `${policy}: a second fate`)
    t.throws(() => f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'organId' })
    t.equal(f.registry.audit.verify().ok, true)
    t.equal(f.oversight.verifyRecords().ok, true)
  }
})

t.test('living donation under record-with-flag: only the authorisation scope is overridable', async (t) => {
  const f = oversightFixture({ authorisationBreach: 'record-with-flag' })
  const recipient = addCandidate(f, { centreId: 'NL-ERAS' })
  const unapproved = addLivingDonor(f, recipient, { centreId: 'NL-ERAS', approvals: [] })
  t.throws(() => f.oversight.recordRecovery({ organId: unapproved.organIds[0] as string, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-ERAS' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'organId', rule: /approved/ })
  t.throws(() => f.oversight.recordRecovery({ organId: unapproved.organIds[0] as string, recoveredAt: '2024-01-03T08:00:00Z', recoveryCentreId: 'NL-ERAS' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'recoveredAt' })
  const noConsent = addLivingDonor(f, recipient, { centreId: 'NL-ERAS', consentAt: '2025-03-01T00:00:00Z' })
  t.throws(() => f.oversight.recordRecovery({ organId: noConsent.organIds[0] as string, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-ERAS' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'organId', rule: /consent/ })
  const approved = addLivingDonor(f, recipient, { centreId: 'NL-ERAS' })
  const organId = approved.organIds[0] as string
  const outcome = f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-ERAS', surgeonId: 'surgeon.one' }, CLERK)
  t.equal(outcome.authorisationOverride, true)
  t.same(outcome.flags.map((flag) => flag.ruleId), ['A1@1'])
  t.throws(() => f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-ERAS' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'organId', rule: /already recovered/ })
  t.throws(() => f.oversight.recordRecovery({ organId: approved.organIds[0] as string, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-ERAS', deathDeterminedBy: 'x' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'deathDeterminedBy' })
  const transplant = f.oversight.recordTransplant({ organId, candidateId: recipient, centreId: 'NL-ERAS', transplantedAt: '2025-02-03T12:00:00Z' }, CLERK)
  t.equal(transplant.authorisationOverride, false, 'NL-ERAS may transplant kidneys')
  t.same(f.registry.transplants.followUps(transplant.id).filter((x) => x.subjectKind === 'living-donor').map((x) => x.label), ['6-month', '1-year', '2-year'])
  t.match(f.oversight.trace(organId, VIEWERS.auditor).recovery, { centreId: 'NL-ERAS', authorisationOverride: true })
  t.throws(() => f.oversight.recordRecovery({ organId: 'D-none.kidney.left', recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'organId' })
  t.throws(() => f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NOWHERE' }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'centreId' })
  t.throws(() => f.oversight.recordRecovery({ organId, recoveredAt: '2025-02-03T08:00:00Z', recoveryCentreId: 'NL-LUMC', surgeonId: 'Dr Who' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'surgeonId' })
})

t.test('unknown organs, tampered oversight records, and pathway, evaluation and payment input checks', async (t) => {
  const f = oversightFixture()
  t.throws(() => f.oversight.trace('D-nothing.kidney.left', VIEWERS.auditor), { code: 'ENGINE_UNKNOWN_VALUE', field: 'organId' })
  const chain = deceasedTransplant(f)
  const { db } = f.registry
  db.exec('DROP TRIGGER recovery_records_refuse_update')
  db.prepare('UPDATE recovery_records SET surgeon_id = ? WHERE organ_id = ?').run('surgeon.other', chain.organId)
  const edited = f.oversight.verifyRecords()
  t.equal(edited.ok, false)
  t.match(edited.firstBroken?.reason, /recovery_records row .* was altered/)
  db.prepare('UPDATE recovery_records SET surgeon_id = ? WHERE organ_id = ?').run('surgeon.one', chain.organId)
  t.equal(f.oversight.verifyRecords().ok, true, 'undoing the edit restores the digest')
  const other = addDeceasedDonor(f)
  f.registry.donors.recordRecovery(other.organIds[0] as string, { recoveredAt: '2025-02-01T08:00:00Z' }, CLERK)
  db.prepare('INSERT INTO recovery_records (organ_id, recovery_centre_id, authorisation_override, recorded_at, recorded_by) VALUES (?, ?, 0, ?, ?)').run(other.organIds[0], 'NL-LUMC', '2025-02-01T09:00:00Z', 'intruder')
  t.match(f.oversight.verifyRecords().firstBroken?.reason, /has no audit entry/)
  db.exec('DROP TRIGGER recovery_records_refuse_delete')
  db.prepare('DELETE FROM recovery_records WHERE organ_id = ?').run(other.organIds[0])
  db.prepare('DELETE FROM recovery_records WHERE organ_id = ?').run(chain.organId)
  t.match(f.oversight.verifyRecords().firstBroken?.reason, /is missing: it was deleted/)

  // Pathway cases.
  const donor = addDeceasedDonor(f)
  const living = addLivingDonor(f, undefined)
  const base = { hospitalCentreId: 'NL-LUMC', identifiedAt: '2025-03-01T00:00:00Z' }
  t.match(f.oversight.recordPathwayCase({ ...base, furthestStage: 'potential', deathCriterion: 'neurological', lossReason: 'death-not-confirmed' }, CLERK), /^PW-/)
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'possible' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'lossReason' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'possible', lossReason: 'family-refusal' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'lossReason' }, 'a reason the stage cannot have')
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', lossReason: 'family-refusal' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'deathCriterion' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'possible', lossReason: 'other', operativeIncisionAt: '2025-03-02T00:00:00Z' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'operativeIncisionAt' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'potential', donorId: donor.donorId }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'furthestStage' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', donorId: living.donorId }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorId' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', donorId: f.registry.donors.idFor('ghost') }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donorId' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', donorId: donor.donorId, deathCriterion: 'circulatory' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'deathCriterion' })
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', donorId: donor.donorId, operativeIncisionAt: '2025-02-01T00:00:00Z' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'operativeIncisionAt' })
  f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', donorId: donor.donorId, deathCriterion: 'neurological' }, CLERK)
  t.throws(() => f.oversight.recordPathwayCase({ ...base, furthestStage: 'eligible', donorId: donor.donorId }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorId', rule: /already/ })

  // Evaluations and payments.
  const evaluation = { donorId: living.donorId, evaluatedAt: '2025-01-15T09:00:00Z' }
  t.type(f.oversight.recordLivingDonorEvaluation(evaluation, CLERK), 'number')
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, donorId: donor.donorId }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorId' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, donorId: f.registry.donors.idFor('ghost') }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donorId' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, candidateId: f.registry.candidates.idFor('ghost') }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'candidateId' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, kinship: 'cousin' as never }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'kinship' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, donorLanguage: 'Dutch!' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorLanguage' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, relationshipDocument: { type: 'x', issuedOn: '2026-01-01', issuerVerified: true } }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'relationshipDocument.issuedOn' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, interpreter: { staffId: 'i.one', independent: 'yes' as never } }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'interpreter.independent' })
  t.throws(() => f.oversight.recordLivingDonorEvaluation({ ...evaluation, contact: ' - ' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'contact' })
  const payment = { donorId: donor.donorId, category: 'travel' as const, amountMinor: 100, currency: 'EUR', method: 'card' as const, payerKind: 'programme' as const, paidAt: '2025-03-01T00:00:00Z' }
  t.type(f.oversight.recordDonorPayment(payment, CLERK), 'number', 'a deceased donor\'s family may be paid expenses too')
  t.throws(() => f.oversight.recordDonorPayment({ ...payment, amountMinor: 1.5 }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'amountMinor' })
  t.throws(() => f.oversight.recordDonorPayment({ ...payment, amountMinor: -1 }, CLERK), { code: 'ENGINE_OUT_OF_RANGE', field: 'amountMinor' })
  t.throws(() => f.oversight.recordDonorPayment({ ...payment, currency: 'euro' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'currency' })
  t.throws(() => f.oversight.recordDonorPayment({ ...payment, category: 'bribe' as never }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'category' })
  t.throws(() => f.oversight.recordDonorPayment({ ...payment, donorId: 'someone' }, CLERK), { code: 'ENGINE_INVALID_FIELD', field: 'donorId' })
  t.throws(() => f.oversight.recordDonorPayment({ ...payment, donorId: f.registry.donors.idFor('ghost') }, CLERK), { code: 'ENGINE_UNKNOWN_VALUE', field: 'donorId' })
})
