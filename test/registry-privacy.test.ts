import t from 'tap'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { openRegistry } from '../data/registry.js'
import { CLERK, candidateInput, deceasedDonorInput, recordKidneyMatch, seedCentres, steppingClock, TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

/** Direct identifiers and protected attributes of the people in this registry: none may leave their own tables. */
const PEOPLE = {
  candidate: {
    identifiers: { name: 'Johanna Verbeek-Zwanenburg', nationalId: '123.456.782', birthDate: '1970-06-21' },
    protectedAttributes: { sex: 'female', raceEthnicity: 'Moluccan-Dutch', nationality: 'ID', residence: 'LU' }
  },
  second: {
    identifiers: { name: 'Karel Doorman-Lindqvist', nationalId: 'BSN 998877661', birthDate: '1961-02-07' },
    protectedAttributes: { sex: 'male', raceEthnicity: 'Frisian', nationality: 'SE', residence: 'DK' }
  },
  donor: {
    identifiers: { name: 'Pieter Oudshoorn-Lamers', nationalId: 'NL-998877665', birthDate: '1970-09-03' },
    protectedAttributes: { sex: 'male', raceEthnicity: 'Surinamese-Dutch', nationality: 'SR', residence: 'MD' }
  }
} as const

const identifierNeedles = Object.values(PEOPLE).flatMap((p) => [p.identifiers.name, p.identifiers.nationalId, p.identifiers.nationalId.replace(/[^A-Z0-9]/gi, ''), p.identifiers.birthDate])
// Protected values are short, so they are searched as whole JSON strings; their keys too. ("name" is
// not a needle as a key: centres and tiers have names; personal names are searched as values above.)
const protectedNeedles = [
  ...Object.values(PEOPLE).flatMap((p) => Object.values(p.protectedAttributes).map((value) => JSON.stringify(value))),
  '"sex"', '"raceEthnicity"', '"nationality"', '"residence"', '"nationalId"', '"birthDate"'
]

function leaks (text: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => text.includes(needle))
}

t.test('no snapshot, audit entry, match run, offer or checkpoint holds a direct identifier or protected attribute', async (t) => {
  const dataDir = t.testdir()
  const registry = openRegistry({ dataDir, env: { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') }, now: steppingClock() })
  seedCentres(registry)
  const candidate = registry.candidates.register(candidateInput(PEOPLE.candidate), CLERK)
  const second = registry.candidates.register(candidateInput({ localId: 'LUMC-KI-0002', abo: 'O', ...PEOPLE.second }), CLERK)
  const donor = registry.donors.registerDeceased(deceasedDonorInput(PEOPLE.donor), CLERK)
  const organ = registry.donors.registerOrgan(donor.id, { organType: 'kidney', part: 'left' }, CLERK)
  registry.donors.recordConsent(donor.id, { recordType: 'authorisation', basis: 'family', organTypes: ['kidney'], obtainedAt: '2025-02-01T04:00:00Z', obtainedBy: 'coordinator.one', language: 'nl' }, CLERK)
  registry.donors.recordRecovery(organ.id, { recoveredAt: '2025-02-01T06:00:00Z' }, CLERK)
  const at = '2025-02-01T05:00:00Z'
  const run = recordKidneyMatch(registry, { matchRunId: 'M-PRIVACY', donorId: donor.id, organId: organ.id, matchTime: at })
  t.same(run.matchList.ranked.map((r) => r.candidateId), [candidate.id], 'a real match list, with the compatible candidate ranked')
  t.same(run.matchList.excluded.map((e) => e.candidateId), [second.id])
  registry.matchRuns.recordOfferResponse({ matchRunId: run.id, candidateId: candidate.id, sequenceNumber: 1, response: 'Y', respondedBy: 'surgeon.one', respondedAt: '2025-02-01T06:30:00Z' }, 'officer.one')
  registry.transplants.record({ organId: organ.id, candidateId: candidate.id, centreId: 'NL-LUMC', transplantedAt: '2025-02-01T12:00:00Z', matchRunId: run.id }, CLERK)
  registry.oversight.raise({ ruleId: 'F2@1', severity: 'R', entityType: 'match-run', entityId: run.id, evidence: { skipped: 0 }, raisedAt: '2025-02-02T00:00:00Z' }, 'auditor.one')
  registry.identity.reveal(candidate.id, { reason: 'offer call' }, 'authority.one')

  const snapshot = registry.snapshot('kidney', at)
  const outputs: Record<string, string> = {
    'waitlist source': JSON.stringify(registry.waitlist('kidney', at)),
    'snapshot side table': JSON.stringify(snapshot.tables),
    'snapshot columns': Buffer.from(snapshot.buffer).toString('latin1'),
    'audit log rows': JSON.stringify(registry.db.prepare('SELECT * FROM audit_log ORDER BY seq').all()),
    'match run rows': JSON.stringify(registry.db.prepare('SELECT * FROM match_runs').all()),
    'stored match list': JSON.stringify(registry.matchRuns.get(run.id)),
    'offer rows': JSON.stringify(registry.db.prepare('SELECT * FROM offers').all()),
    'oversight flags': JSON.stringify(registry.oversight.list()),
    checkpoint: JSON.stringify(registry.audit.exportCheckpoint()),
    'candidate as the engine sees it': JSON.stringify(registry.candidates.get(candidate.id, at)),
    'donor as the engine sees it': JSON.stringify(registry.donors.getDeceased(donor.id))
  }
  for (const [what, text] of Object.entries(outputs)) {
    t.same(leaks(text, identifierNeedles), [], `${what}: no direct identifier`)
    t.same(leaks(text, protectedNeedles), [], `${what}: no protected attribute`)
  }
  t.ok(registry.audit.list({ limit: 10_000 }).length > 20, 'the log is not empty')

  // The needles are real: the values are in the registry, in their own tables, readable by the right call.
  t.same(registry.identity.reveal(second.id, { reason: 'check' }, 'authority.one').name, PEOPLE.second.identifiers.name)
  const equity = JSON.stringify(registry.identity.protectedAttributesForEquity('candidate'))
  t.ok(equity.includes('"Moluccan-Dutch"') && equity.includes('"female"'), 'protected attributes are kept for equity monitoring')

  // Direct identifiers are encrypted at rest: not even the database file holds them in clear.
  registry.close()
  const files = ['registry.db', 'registry.db-wal'].map((name) => join(dataDir, name)).filter((path) => existsSync(path))
  const bytes = files.map((path) => readFileSync(path).toString('latin1')).join('')
  t.ok(bytes.includes('Moluccan-Dutch'), 'the file search can find text (protected attributes are stored in clear, apart)')
  t.same(leaks(bytes, identifierNeedles), [], 'no direct identifier in the database files')
})
