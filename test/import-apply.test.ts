import t from 'tap'
import { applyRecords } from '../data/import/apply.js'
import { exportRecords, importRecords } from '../data/import/importer.js'
import { candidateAsOf, type CandidateRecord } from '../data/import/records.js'
import { generateRegistry } from '../data/synthetic/generator.js'
import { importTestRegistry } from './fixtures/import-registry.js'

const START = '2025-01-01T00:00:00.000Z'
const generated = generateRegistry({ seed: 'apply', candidates: 150, startDate: '2025-01-01', profile: 'compact', panelSize: 500, donorsPerYear: 30 })

function count (registry: ReturnType<typeof importTestRegistry>, table: string): number {
  return registry.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
}

t.test('imported files are written through the repositories, and read back as the engine sees them', async (t) => {
  const registry = importTestRegistry()
  t.teardown(() => registry.close())
  // Through the files, as a clerk would: export, import (checked), then apply.
  const centres = importRecords('centres', exportRecords('centres', 'csv', generated.centres), { format: 'csv' })
  const centreIds = new Set(centres.records.map((c) => c.id))
  const candidates = importRecords('candidates', exportRecords('candidates', 'csv', generated.candidates), { format: 'csv', centreIds })
  const donors = importRecords('donors', exportRecords('donors', 'json', generated.donors), { format: 'json', centreIds })
  t.ok(centres.accepted && candidates.accepted && donors.accepted)
  const progress: string[] = []
  const summary = applyRecords(registry, { centres: centres.records, candidates: candidates.records, donors: donors.records }, {
    actor: 'clerk.import',
    progressEvery: 50,
    onProgress: (p) => progress.push(`${p.entity}:${p.done}/${p.total}`)
  })
  const suspended = generated.centres.flatMap((c) => c.authorisations).filter((a) => a.suspendedFrom !== undefined).length
  t.same(summary, {
    centres: generated.centres.length,
    authorisations: generated.centres.reduce((n, c) => n + c.authorisations.length, 0),
    suspensions: suspended,
    candidates: 150,
    donors: generated.donors.length
  })
  t.equal(count(registry, 'centres'), generated.centres.length)
  t.equal(count(registry, 'candidates'), 150)
  t.equal(count(registry, 'donors'), generated.donors.length)
  t.equal(count(registry, 'authorisation_suspensions'), suspended)
  t.equal(count(registry, 'protected_attributes'), 150 + generated.donors.length)
  t.ok(progress.includes('candidates:50/150') && progress.includes('candidates:150/150') && progress.at(-1) === `donors:${generated.donors.length}/${generated.donors.length}`)

  // The registry's view of each kidney candidate on the start date equals candidateAsOf on the record.
  const stored = new Map(registry.candidates.listAsOf('kidney', START).map((c) => [c.id, c]))
  const kidney = generated.candidates.filter((c) => c.organType === 'kidney')
  t.equal(stored.size, kidney.length)
  for (const record of kidney) {
    const mine = candidateAsOf(record, START)
    const theirs = stored.get(registry.candidates.idFor(record.id))
    const fields = ['organType', 'centreId', 'status', 'abo', 'ageYears', 'waitingDays', 'dialysisDays', 'cpraPercent', 'vpraPercent', 'mmpPercent', 'eptsPercent', 'heightCm'] as const
    const differing = fields.filter((f) => JSON.stringify(mine[f]) !== JSON.stringify(theirs?.[f]))
    if (differing.length > 0) t.fail(`${record.id}: ${differing.map((f) => `${f} ${JSON.stringify(mine[f])} vs ${JSON.stringify(theirs?.[f])}`).join(', ')}`)
    if ([...mine.unacceptableAntigens].sort().join() !== [...(theirs?.unacceptableAntigens ?? [])].sort().join()) t.fail(`${record.id}: unacceptable antigens differ`)
  }
  const donor = registry.donors.getDeceased(registry.donors.idFor(generated.donors[0]?.id as string))
  t.equal(donor.kdpi, generated.donors[0]?.kdpi)
  t.equal(registry.audit.verify().ok, true, 'the audit chain verifies after the import')
})

t.test('one bad record rolls back everything, and the error names the record', async (t) => {
  const registry = importTestRegistry()
  t.teardown(() => registry.close())
  const candidates = generated.candidates.slice(0, 20)
  const liverOnly = generated.centres.find((c) => c.authorisations.some((a) => a.activity === 'transplant') && !c.authorisations.some((a) => a.organType === 'kidney' && a.activity === 'transplant'))
  const target = liverOnly?.id ?? 'DHO001'
  const bad: CandidateRecord = { ...(candidates.find((c) => c.organType === 'kidney') as CandidateRecord), id: 'BAD-1', centreId: target }
  const index = candidates.length
  t.throws(() => applyRecords(registry, { centres: generated.centres, candidates: [...candidates, bad] }, { actor: 'clerk.import' }),
    { code: 'ENGINE_INVALID_FIELD', field: `candidates[${index}].centreId` })
  t.equal(count(registry, 'centres'), 0, 'no centre was kept')
  t.equal(count(registry, 'candidates'), 0, 'no candidate was kept')
  t.throws(() => applyRecords(registry, { centres: [generated.centres[0], generated.centres[0]] as never }, { actor: 'clerk.import' }),
    { code: 'ENGINE_INVALID_FIELD', field: 'centres[1].id' })
  t.throws(() => applyRecords(registry, { centres: generated.centres, donors: [{ ...generated.donors[0], hospitalCentreId: 'NOWHERE' } as never] }, { actor: 'clerk.import' }),
    { code: 'ENGINE_UNKNOWN_VALUE', field: 'donors[0].centreId' })
  t.throws(() => applyRecords(registry, { centres: generated.centres }, { actor: 'not a user id!' }), { code: 'ENGINE_INVALID_FIELD', field: 'centres[0].actor' })
  t.equal(count(registry, 'centres'), 0)
  const empty = applyRecords(registry, {}, { actor: 'clerk.import' })
  t.same(empty, { centres: 0, authorisations: 0, suspensions: 0, candidates: 0, donors: 0 })
})
