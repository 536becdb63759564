import t from 'tap'
import fc from 'fast-check'
import { ABO_TYPES } from '../engine/domain/abo.js'
import type { Registry } from '../data/registry.js'
import { CLERK, candidateInput, memoryRegistry, seedCentres } from './fixtures/registry-fixtures.js'

function seeded (): Registry {
  const registry = memoryRegistry()
  seedCentres(registry)
  return registry
}

t.test('the waiting list as of an instant: who is on it and with which values', async (t) => {
  const registry = seeded()
  const early = registry.candidates.register(candidateInput({ localId: 'K-1', registeredAt: '2024-01-10T00:00:00Z', waitingTimeFrom: undefined }), CLERK)
  const late = registry.candidates.register(candidateInput({ localId: 'K-2', registeredAt: '2024-06-01T00:00:00Z', waitingTimeFrom: undefined, status: 'inactive' }), CLERK)
  const removed = registry.candidates.register(candidateInput({ localId: 'K-3', registeredAt: '2024-01-10T00:00:00Z', waitingTimeFrom: undefined }), CLERK)
  registry.candidates.changeStatus(removed.id, { status: 'removed', effectiveAt: '2024-03-01T00:00:00Z', reason: 'recovered renal function' }, CLERK)
  registry.candidates.register(candidateInput({ localId: 'L-1', organType: 'liver', registeredAt: '2024-01-10T00:00:00Z', waitingTimeFrom: undefined }), CLERK)

  const feb = registry.waitlist('kidney', '2024-02-09T00:00:00Z')
  t.same(feb.candidates.map((c) => c.id).sort(), [early.id, removed.id].sort(), 'registered by then, and not yet removed')
  t.equal(feb.candidates.find((c) => c.id === early.id)?.waitingDays, 30)
  t.equal(feb.candidates.find((c) => c.id === early.id)?.dialysisDays, 86, 'dialysis since 2023-11-15')
  const july = registry.waitlist('kidney', '2024-07-01T00:00:00Z')
  t.same(july.candidates.map((c) => [c.id, c.status]), [[early.id, 'active'], [late.id, 'inactive']].sort((a, b) => String(a[0]).localeCompare(String(b[0]))))
  t.same(july.candidates.map((c) => c.id), [...july.candidates.map((c) => c.id)].sort(), 'ordered by pseudonym')
  t.same(july.centres.map((c) => c.id), ['BE-GENT', 'NL-LUMC'])
  t.same(july.centres[1]?.authorisations.map((a) => a.activity), ['living-donation', 'recovery', 'transplant'], 'kidney authorisations only')
  t.equal(registry.waitlist('liver', '2024-07-01T00:00:00Z').candidates.length, 1)
  t.throws(() => registry.waitlist('spleen' as never, '2024-07-01T00:00:00Z'), { code: 'ENGINE_INVALID_FIELD', field: 'organType' })
  t.throws(() => registry.waitlist('kidney', 'yesterday'), { code: 'ENGINE_INVALID_FIELD', field: 'at' })

  // The columnar snapshot of the same list.
  const snapshot = registry.snapshot('kidney', '2024-07-01T00:00:00Z')
  t.equal(snapshot.count, 2)
  t.same(snapshot.tables.candidateIds, july.candidates.map((c) => c.id))
  t.match(snapshot.hash, /^[0-9a-f]{64}$/)
  t.equal(registry.snapshot('kidney', '2024-07-01T00:00:00Z').hash, snapshot.hash, 'same state, same instant, same hash')
  t.not(registry.snapshot('kidney', '2024-07-02T00:00:00Z').hash, snapshot.hash, 'another instant, other waiting days')
})

t.test('identifiers and protected attributes do not reach the snapshot: changing them leaves its hash alone', async (t) => {
  const registry = seeded()
  const candidate = registry.candidates.register(candidateInput(), CLERK)
  const at = '2025-01-01T00:00:00Z'
  const before = { source: registry.waitlist('kidney', at).sourceHash, snapshot: registry.snapshot('kidney', at).hash }
  registry.identity.recordProtectedAttributes(candidate.id, 'candidate', { sex: 'male', raceEthnicity: 'other', nationality: 'BE', residence: 'BE' }, CLERK)
  registry.identity.recordIdentifiers(candidate.id, 'candidate', { name: 'Someone Else', nationalId: '999', birthDate: '1980-01-01' }, CLERK)
  t.same({ source: registry.waitlist('kidney', at).sourceHash, snapshot: registry.snapshot('kidney', at).hash }, before)
  // ...while a clinical change does change it.
  registry.candidates.recordClinicalValues(candidate.id, { effectiveAt: '2024-12-01T00:00:00Z', values: { ...candidateInput().clinical, cpraPercent: 90 } }, CLERK)
  t.not(registry.snapshot('kidney', at).hash, before.snapshot)
  t.not(registry.waitlist('kidney', at).sourceHash, before.source)
})

t.test('property: the same registry state gives the same hashes whatever order it was written in', async (t) => {
  const spec = fc.record({
    abo: fc.constantFrom(...ABO_TYPES),
    cpraPercent: fc.integer({ min: 0, max: 100 }),
    registeredDay: fc.integer({ min: 0, max: 300 }),
    inactive: fc.boolean(),
    antigens: fc.subarray(['A1', 'A3', 'B8', 'B44', 'DR7', 'DR15'])
  })
  fc.assert(fc.property(fc.array(spec, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 400 }), (specs, atDay) => {
    const inputs = specs.map((s, i) => candidateInput({
      localId: `P-${i}`,
      abo: s.abo,
      registeredAt: new Date(Date.UTC(2024, 0, 1) + s.registeredDay * 86_400_000).toISOString(),
      waitingTimeFrom: undefined,
      status: s.inactive ? 'inactive' : 'active',
      clinical: { ...candidateInput().clinical, cpraPercent: s.cpraPercent, dialysisFrom: undefined },
      unacceptableAntigens: s.antigens
    }))
    const at = new Date(Date.UTC(2024, 0, 1) + atDay * 86_400_000).toISOString()
    const forward = seeded()
    for (const input of inputs) forward.candidates.register(input, CLERK)
    const backward = seeded()
    for (const input of [...inputs].reverse()) backward.candidates.register(input, CLERK)
    const same = forward.waitlist('kidney', at).sourceHash === backward.waitlist('kidney', at).sourceHash &&
      forward.snapshot('kidney', at).hash === backward.snapshot('kidney', at).hash
    forward.close()
    backward.close()
    return same
  }), { numRuns: 40 })
  t.pass()
})

t.test('a replay view: with knownAt, later (even back-dated) recordings are left out', async (t) => {
  const registry = seeded()
  const candidate = registry.candidates.register(candidateInput(), CLERK)
  const at = '2024-12-01T00:00:00Z'
  const knownAt = registry.audit.get(registry.audit.head().seq)?.at ?? ''
  const atRun = registry.snapshot('kidney', at, { knownAt }).hash
  t.equal(registry.snapshot('kidney', at).hash, atRun)
  // Recorded after the run, but back-dated to before it.
  registry.candidates.changeStatus(candidate.id, { status: 'inactive', effectiveAt: '2024-11-01T00:00:00Z', reason: 'late entry' }, CLERK)
  registry.candidates.recordClinicalValues(candidate.id, { effectiveAt: '2024-11-01T00:00:00Z', values: { ...candidateInput().clinical, cpraPercent: 99 } }, CLERK)
  registry.centres.register({ id: 'NL-UMCG', name: 'UMC Groningen', country: 'NL', region: 'NL-North', latitudeDeg: 53.22, longitudeDeg: 6.58 }, CLERK)
  const [kidney] = registry.centres.authorisations('NL-LUMC')
  registry.centres.suspendAuthorisation(kidney?.id ?? 0, { from: '2024-10-01T00:00:00Z', reason: 'back-dated suspension' }, CLERK)
  t.not(registry.snapshot('kidney', at).hash, atRun, 'today\'s view of that instant differs')
  t.equal(registry.snapshot('kidney', at, { knownAt }).hash, atRun, 'what was known at the run is rebuilt exactly')
  t.same(registry.waitlist('kidney', at, { knownAt }).candidates.map((c) => [c.status, c.cpraPercent]), [['active', 12]])
  t.throws(() => registry.waitlist('kidney', at, { knownAt: 'then' }), { code: 'ENGINE_INVALID_FIELD', field: 'knownAt' })
})
