import t from 'tap'
import { importTestRegistry } from './fixtures/import-registry.js'
import { DEFAULT_FIRST_START_CANDIDATES, firstStartSeedOptions, seedOnFirstStart } from '../data/synthetic/first-start.js'
import { createRegistryGenerator } from '../data/synthetic/generator.js'
import { seedRegistry, type SeedProgress } from '../data/synthetic/seed.js'

function count (registry: ReturnType<typeof importTestRegistry>, table: string): number {
  return registry.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
}

const options = { seed: 'seed-test', candidates: 120, startDate: '2025-01-01', profile: 'compact', panelSize: 400, candidateArrivalsPerYear: 30, donorsPerYear: 25 }

t.test('seeding writes the generated registry through the repositories, with progress', async (t) => {
  const registry = importTestRegistry()
  t.teardown(() => registry.close())
  const progress: SeedProgress[] = []
  const summary = seedRegistry(registry, { ...options, batchSize: 50, onProgress: (p) => progress.push(p) })
  const generator = createRegistryGenerator(options)
  t.equal(summary.centres, generator.centres.length)
  t.equal(summary.candidates, 150, '120 listed and 30 arrivals')
  t.equal(summary.donors, generator.options.donors)
  t.equal(count(registry, 'candidates'), 150)
  t.equal(count(registry, 'donors'), summary.donors)
  t.equal(count(registry, 'centres'), summary.centres)
  t.same(progress.filter((p) => p.phase === 'candidates').map((p) => p.done), [50, 100, 150])
  t.same(progress.at(-1), { phase: 'donors', done: summary.donors, total: summary.donors })
  const kidney = registry.candidates.listAsOf('kidney', '2025-01-01T00:00:00.000Z')
  t.equal(kidney.length, [...generator.candidates()].filter((c) => c.organType === 'kidney' && c.registeredAt < '2025-01-01').length,
    'the list as of the start date holds the listed kidney candidates, not the later arrivals')
  t.equal(registry.audit.verify().ok, true)
  t.throws(() => seedRegistry(registry, options), { code: 'ENGINE_INVALID_FIELD' }, 'seeding twice is refused')
  t.equal(count(registry, 'candidates'), 150, 'and the failed second seeding left the first intact')
})

t.test('first start: seeds only a new registry, sized by the environment', async (t) => {
  t.same(firstStartSeedOptions({}), { seed: 'synthetic-registry-v1', candidates: DEFAULT_FIRST_START_CANDIDATES, startDate: '2025-01-01', profile: 'national' })
  t.equal(firstStartSeedOptions({ SYNTHETIC_CANDIDATES: '0' }), undefined)
  t.same(firstStartSeedOptions({ SYNTHETIC_CANDIDATES: ' 2500 ', SYNTHETIC_PROFILE: 'compact', SYNTHETIC_SEED: 'x', SYNTHETIC_START_DATE: '2024-06-30' }),
    { seed: 'x', candidates: 2500, startDate: '2024-06-30', profile: 'compact' })
  t.throws(() => firstStartSeedOptions({ SYNTHETIC_CANDIDATES: 'lots' }), { code: 'ENGINE_INVALID_FIELD', field: 'SYNTHETIC_CANDIDATES' })
  t.throws(() => firstStartSeedOptions({ SYNTHETIC_CANDIDATES: '5000000' }), { code: 'ENGINE_INVALID_FIELD', field: 'SYNTHETIC_CANDIDATES' })
  t.throws(() => firstStartSeedOptions({ SYNTHETIC_START_DATE: '2025-1-1' }), { code: 'ENGINE_INVALID_FIELD', field: 'SYNTHETIC_START_DATE' })
  t.throws(() => firstStartSeedOptions({ SYNTHETIC_PROFILE: 'moon' }), { code: 'ENGINE_INVALID_FIELD', field: 'SYNTHETIC_PROFILE' })

  const registry = importTestRegistry()
  t.teardown(() => registry.close())
  const env = { SYNTHETIC_CANDIDATES: '40', SYNTHETIC_PROFILE: 'compact' }
  t.equal(seedOnFirstStart(registry, { SYNTHETIC_CANDIDATES: '0' }), undefined, 'seeding can be switched off')
  const summary = seedOnFirstStart(registry, env)
  t.equal(summary?.candidates, 40)
  t.equal(count(registry, 'candidates'), 40)
  t.equal(seedOnFirstStart({ ...registry, created: false }, env), undefined, 'an existing registry is left alone')
  t.equal(count(registry, 'candidates'), 40)
})
