import t from 'tap'
import fc from 'fast-check'
import { ABO_TYPES } from '../engine/domain/abo.js'
import { CANDIDATE_STATUSES } from '../engine/domain/candidate.js'
import { forgetRegistrySnapshots, MATCH_READ_SQL, readRegistrySnapshot } from '../data/db/snapshot-source.js'
import { writeTransaction } from '../data/db/context.js'
import type { Registry } from '../data/registry.js'
import { CLERK, candidateInput, memoryRegistry, seedCentres } from './fixtures/registry-fixtures.js'

function seeded (): Registry {
  const registry = memoryRegistry()
  seedCentres(registry)
  return registry
}

const day = (n: number): string => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString()

/** The fast read must give the as-of path's snapshot, byte for byte. */
function sameAsAsOf (registry: Registry, at: string, knownAt?: string): { same: boolean, reused: boolean } {
  const options = knownAt === undefined ? {} : { knownAt }
  const expected = registry.snapshot('kidney', at, options)
  const { snapshot, reused } = readRegistrySnapshot(registry, { organType: 'kidney', at, knownAt })
  const same = snapshot.hash === expected.hash && snapshot.byteLength === expected.byteLength &&
    Buffer.from(snapshot.buffer).equals(Buffer.from(expected.buffer)) && JSON.stringify(snapshot.tables) === JSON.stringify(expected.tables)
  return { same, reused }
}

t.test('the match-read queries walk indexes: no per-candidate sub-select, no sort of the list', async (t) => {
  const registry = seeded()
  const plan = (sql: string, ...args: unknown[]): string => (registry.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join('; ')
  t.match(plan(MATCH_READ_SQL.candidates, 'kidney'), /USING INDEX candidates_by_organ_and_id/)
  t.notMatch(plan(MATCH_READ_SQL.candidates, 'kidney'), /TEMP B-TREE/)
  for (const name of ['status', 'antigens'] as const) {
    t.match(plan(MATCH_READ_SQL[name], 'kidney'), /USING COVERING INDEX candidate_\w+_in_force/, `${name} pass reads only the index`)
  }
  for (const name of ['status', 'antigens', 'clinical'] as const) {
    const detail = plan(MATCH_READ_SQL[name], 'kidney')
    t.notMatch(detail, /TEMP B-TREE|CORRELATED/, `${name}: ${detail}`)
  }
  t.match(plan(MATCH_READ_SQL.version), /SEARCH candidates/, 'the version is read from the ends of the tables, not by a scan')
  t.equal(registry.db.prepare(MATCH_READ_SQL.version).pluck().get(), '0/0/0/0', 'an empty registry has a version too')
  registry.close()
})

t.test('the same snapshot as registry.snapshot, and later runs reuse the candidates while nothing but the clock moves', async (t) => {
  const registry = seeded()
  const a = registry.candidates.register(candidateInput({ localId: 'K-1', registeredAt: day(10) }), CLERK)
  registry.candidates.register(candidateInput({ localId: 'K-2', registeredAt: day(20), status: 'inactive', unacceptableAntigens: [] }), CLERK)
  registry.candidates.register(candidateInput({ localId: 'L-1', organType: 'liver', registeredAt: day(5) }), CLERK)
  // A change that takes effect later than the first run.
  registry.candidates.changeStatus(a.id, { status: 'removed', effectiveAt: day(200), reason: 'recovered renal function' }, CLERK)

  const first = sameAsAsOf(registry, day(100))
  t.same(first, { same: true, reused: false })
  t.same(sameAsAsOf(registry, day(150)), { same: true, reused: true }, 'a later instant before the next change reuses, with new waiting days')
  t.same(sameAsAsOf(registry, day(30)), { same: true, reused: true }, 'so does an earlier instant after the last change')
  t.same(sameAsAsOf(registry, day(200)), { same: true, reused: false }, 'at the removal the list changes: read again')
  t.equal(readRegistrySnapshot(registry, { organType: 'kidney', at: day(200) }).snapshot.count, 1)
  t.same(sameAsAsOf(registry, day(15)), { same: true, reused: false }, 'before the second registration: read again')
  t.same(sameAsAsOf(registry, day(12)), { same: true, reused: true })
  t.equal(readRegistrySnapshot(registry, { organType: 'liver', at: day(12) }).reused, false, 'each organ has its own')
  t.equal(readRegistrySnapshot(registry, { organType: 'liver', at: day(13) }).reused, true)
  t.equal(readRegistrySnapshot(registry, { organType: 'kidney', at: day(13) }).reused, true, 'reading another organ does not evict')
  registry.close()
})

t.test('any candidate write makes the next read start again (never stale)', async (t) => {
  const registry = seeded()
  const a = registry.candidates.register(candidateInput({ localId: 'K-1', registeredAt: day(10) }), CLERK)
  const at = day(100)
  t.equal(sameAsAsOf(registry, at).reused, false)
  t.equal(sameAsAsOf(registry, at).reused, true)
  const writes: Array<[string, () => void]> = [
    ['clinical values', () => { registry.candidates.recordClinicalValues(a.id, { effectiveAt: day(50), values: { ...candidateInput().clinical, cpraPercent: 80 } }, CLERK) }],
    ['status', () => { registry.candidates.changeStatus(a.id, { status: 'inactive', effectiveAt: day(60), reason: 'intercurrent infection' }, CLERK) }],
    ['unacceptable antigens', () => { registry.candidates.setUnacceptableAntigens(a.id, { effectiveAt: day(70), antigens: ['A3'] }, CLERK) }],
    ['registration', () => { registry.candidates.register(candidateInput({ localId: 'K-9', registeredAt: day(90) }), CLERK) }]
  ]
  for (const [what, write] of writes) {
    const before = readRegistrySnapshot(registry, { organType: 'kidney', at }).snapshot.hash
    write()
    const after = sameAsAsOf(registry, at)
    t.same(after, { same: true, reused: false }, `after a ${what} write`)
    t.not(readRegistrySnapshot(registry, { organType: 'kidney', at }).snapshot.hash, before, `the ${what} write shows`)
  }
  // A centre change is not a candidate row: centres are read every time, so it shows while the candidates are reused.
  const before = readRegistrySnapshot(registry, { organType: 'kidney', at })
  const [kidney] = registry.centres.authorisations('NL-LUMC')
  registry.centres.suspendAuthorisation(kidney?.id ?? 0, { from: day(80), reason: 'audit finding' }, CLERK)
  const after = readRegistrySnapshot(registry, { organType: 'kidney', at })
  t.equal(after.reused, true)
  t.not(after.snapshot.hash, before.snapshot.hash, 'the suspension shows')
  t.equal(after.snapshot.hash, registry.snapshot('kidney', at).hash)
  registry.close()
})

t.test('a replay view (knownAt before later recordings) is rebuilt, never kept, and never served from the current list', async (t) => {
  const registry = seeded()
  const a = registry.candidates.register(candidateInput({ localId: 'K-1', registeredAt: day(10) }), CLERK)
  const at = day(300)
  const knownAt = registry.audit.get(registry.audit.head().seq)?.at ?? ''
  registry.candidates.recordClinicalValues(a.id, { effectiveAt: day(200), values: { ...candidateInput().clinical, cpraPercent: 99 } }, CLERK)
  t.same(sameAsAsOf(registry, at), { same: true, reused: false })
  t.same(sameAsAsOf(registry, at, knownAt), { same: true, reused: false }, 'the current list is not what was known then')
  t.same(sameAsAsOf(registry, at, knownAt), { same: true, reused: false }, 'and the past view was not kept')
  t.same(sameAsAsOf(registry, at), { same: true, reused: true }, 'the current list is still kept')
  t.not(readRegistrySnapshot(registry, { organType: 'kidney', at, knownAt }).snapshot.hash, readRegistrySnapshot(registry, { organType: 'kidney', at }).snapshot.hash)
  registry.close()
})

t.test('a read inside a caller\'s transaction is not kept (it could be rolled back)', async (t) => {
  const registry = seeded()
  registry.candidates.register(candidateInput({ localId: 'K-1', registeredAt: day(10) }), CLERK)
  const at = day(100)
  t.throws(() => writeTransaction(registry.db, () => {
    registry.candidates.register(candidateInput({ localId: 'K-2', registeredAt: day(11) }), CLERK)
    t.equal(readRegistrySnapshot(registry, { organType: 'kidney', at }).snapshot.count, 2, 'sees its own transaction')
    throw new Error('roll back')
  }), { message: 'roll back' })
  const after = readRegistrySnapshot(registry, { organType: 'kidney', at })
  t.same([after.snapshot.count, after.reused], [1, false])
  // Same highest row ids as the rolled-back state would have had: a kept read from inside it would now be wrong.
  registry.candidates.register(candidateInput({ localId: 'K-3', registeredAt: day(12), abo: 'B' }), CLERK)
  t.same(sameAsAsOf(registry, at), { same: true, reused: false })
  forgetRegistrySnapshots(registry.db)
  t.equal(readRegistrySnapshot(registry, { organType: 'kidney', at }).reused, false, 'forgotten')
  registry.close()
})

t.test('bad queries are refused as on the as-of path', async (t) => {
  const registry = seeded()
  t.throws(() => readRegistrySnapshot(registry, { organType: 'spleen' as never, at: day(1) }), { code: 'ENGINE_INVALID_FIELD', field: 'organType' })
  t.throws(() => readRegistrySnapshot(registry, { organType: 'kidney', at: 'yesterday' }), { code: 'ENGINE_INVALID_FIELD', field: 'at' })
  t.throws(() => readRegistrySnapshot(registry, { organType: 'kidney', at: day(1), knownAt: 'then' }), { code: 'ENGINE_INVALID_FIELD', field: 'knownAt' })
  t.equal(readRegistrySnapshot(registry, { organType: 'kidney', at: day(1) }).snapshot.count, 0, 'an empty list is a list')
  registry.close()
})

t.test('property: any history, any instant, any knownAt: the fast read equals the as-of snapshot, reused or not', async (t) => {
  const event = fc.record({
    candidate: fc.nat({ max: 5 }),
    kind: fc.constantFrom('status', 'clinical', 'antigens'),
    effectiveDay: fc.integer({ min: 0, max: 400 }),
    status: fc.constantFrom(...CANDIDATE_STATUSES),
    cpraPercent: fc.integer({ min: 0, max: 100 }),
    antigens: fc.subarray(['A1', 'A3', 'B8', 'B44', 'DR7', 'DR15'])
  })
  const spec = fc.record({
    abo: fc.constantFrom(...ABO_TYPES),
    registeredDay: fc.integer({ min: 0, max: 300 }),
    inactive: fc.boolean(),
    liver: fc.boolean()
  })
  fc.assert(fc.property(fc.array(spec, { minLength: 1, maxLength: 6 }), fc.array(event, { maxLength: 10 }), fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 5 }), fc.nat({ max: 20 }),
    (specs, events, atDays, knownIndex) => {
      const registry = seeded()
      try {
        const ids = specs.map((s, i) => registry.candidates.register(candidateInput({
          localId: `P-${i}`,
          organType: s.liver ? 'liver' : 'kidney',
          abo: s.abo,
          registeredAt: day(s.registeredDay),
          waitingTimeFrom: undefined,
          status: s.inactive ? 'inactive' : 'active',
          clinical: { ...candidateInput().clinical, dialysisFrom: undefined }
        }), CLERK))
        const recorded: string[] = []
        for (const e of events) {
          const target = ids[e.candidate % ids.length]
          if (target === undefined) continue
          const effectiveAt = day(Math.max(e.effectiveDay, specs[e.candidate % ids.length]?.registeredDay ?? 0))
          if (e.kind === 'status') registry.candidates.changeStatus(target.id, { status: e.status, effectiveAt, reason: 'test' }, CLERK)
          else if (e.kind === 'clinical') registry.candidates.recordClinicalValues(target.id, { effectiveAt, values: { ...candidateInput().clinical, dialysisFrom: undefined, cpraPercent: e.cpraPercent } }, CLERK)
          else registry.candidates.setUnacceptableAntigens(target.id, { effectiveAt, antigens: e.antigens }, CLERK)
          recorded.push(registry.audit.get(registry.audit.head().seq)?.at ?? '')
        }
        const knownAt = recorded.length === 0 ? undefined : recorded[knownIndex % recorded.length]
        for (const atDay of atDays) {
          if (!sameAsAsOf(registry, day(atDay)).same) return false
          if (knownAt !== undefined && !sameAsAsOf(registry, day(atDay), knownAt).same) return false
        }
        return true
      } finally {
        registry.close()
      }
    }), { numRuns: 150 })
  t.pass()
})
