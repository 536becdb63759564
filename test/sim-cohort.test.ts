import t from 'tap'
import { syntheticCohort } from '../api/cli/simulate.js'
import { checkCohort, type SimulationCohort } from '../engine/sim/cohort.js'
import { prepareCohort } from '../engine/sim/prepared-cohort.js'
import { checkScenario, ET_KIDNEY, NATIONAL_KIDNEY, scenarioById, SCENARIOS, US_KIDNEY, type ScenarioDefinition } from '../engine/sim/scenarios.js'
import { SMALL_SCENARIO } from './fixtures/sim-cohort.js'

const cohort = syntheticCohort(SMALL_SCENARIO, 1)

t.test('the synthetic cohort: kidney candidates on the list and arriving, donors over the period', async (t) => {
  t.equal(cohort.organType, 'kidney')
  t.ok(cohort.candidates.every((c) => c.candidate.organType === 'kidney'))
  const start = Date.parse('2024-01-01T00:00:00Z')
  const onList = cohort.candidates.filter((c) => Date.parse(c.candidate.registeredAt) <= start).length
  const arrivals = cohort.candidates.length - onList
  t.ok(onList > 200 && onList < 400, `about 300 on the list at the start (${onList})`)
  t.ok(arrivals > 50 && arrivals < 160, `about 100 arrivals in the year (${arrivals})`)
  t.ok(cohort.donors.length > 50 && cohort.donors.length < 110, `about 80 donors (${cohort.donors.length})`)
  t.ok(cohort.donors.every((d) => Date.parse(d.reportedAt) >= start && Date.parse(d.reportedAt) < start + 366 * 86_400_000))
  const centreIds = new Set(cohort.centres.map((c) => c.id))
  t.ok(cohort.candidates.every((c) => centreIds.has(c.candidate.centreId)), 'every candidate\'s centre is in the cohort')
  t.same(syntheticCohort(SMALL_SCENARIO, 1), cohort, 'deterministic')
  const prepared = prepareCohort(cohort)
  t.equal(prepared.persons, cohort.candidates.length)
  t.ok(prepared.entryDay.every((d) => d >= 0))
  t.ok(prepared.groups.sex.labels.length >= 2)
  for (let i = 1; i < prepared.donors.length; i++) t.ok((prepared.donors[i - 1]?.day ?? 0) <= (prepared.donors[i]?.day ?? 0))
})

t.test('a cohort with a bad field is refused, naming it', async (t) => {
  const first = cohort.candidates[0]
  const donor = cohort.donors[0]
  if (first === undefined || donor === undefined) return t.fail('the cohort is empty')
  const broken = (patch: Partial<SimulationCohort>): SimulationCohort => ({ ...cohort, ...patch })
  t.throws(() => checkCohort(null as unknown as SimulationCohort), { code: 'ENGINE_INVALID_FIELD', field: 'cohort' })
  t.throws(() => checkCohort(broken({ organType: 'liver' as 'kidney' })), { code: 'ENGINE_UNKNOWN_VALUE', field: 'cohort.organType' })
  t.throws(() => checkCohort(broken({ startDate: '2024-13-45' })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.startDate' })
  t.throws(() => checkCohort(broken({ startDate: '1/1/2024' })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.startDate' })
  t.throws(() => checkCohort(broken({ centres: [] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.centres' })
  t.throws(() => checkCohort(broken({ candidates: 'x' as never })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates' })
  t.throws(() => checkCohort(broken({ donors: {} as never })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.donors' })
  t.throws(() => checkCohort(broken({ candidates: [{ ...first, candidate: null as never }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates[0].candidate' })
  t.throws(() => checkCohort(broken({ candidates: [{ ...first, candidate: { ...first.candidate, organType: 'heart' } }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates[0].candidate.organType' })
  t.throws(() => checkCohort(broken({ candidates: [{ ...first, diabetes: 'no' as never }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates[0].diabetes' })
  t.throws(() => checkCohort(broken({ candidates: [{ ...first, equity: null as never }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates[0].equity' })
  t.throws(() => checkCohort(broken({ candidates: [{ ...first, equity: { ...first.equity, sex: '' } }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates[0].equity.sex' })
  t.throws(() => checkCohort(broken({ candidates: [{ ...first, dialysisFrom: 'soon' }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.candidates[0].dialysisFrom' })
  t.throws(() => checkCohort(broken({ donors: [{ ...donor, kidneys: 3 }] })), { code: 'ENGINE_OUT_OF_RANGE', field: 'cohort.donors[0].kidneys' })
  t.throws(() => checkCohort(broken({ donors: [{ ...donor, reportedAt: 'yesterday' }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.donors[0].reportedAt' })
  t.throws(() => checkCohort(broken({ donors: [{ ...donor, donor: null as never }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.donors[0].donor' })
  t.throws(() => prepareCohort(broken({ donors: [{ ...donor, donor: { ...donor.donor, abo: 'Z' as never } }] })), { code: 'ENGINE_INVALID_FIELD', field: 'cohort.donors[0].donor.abo' })
  t.throws(() => prepareCohort(broken({ candidates: [{ ...first, candidate: { ...first.candidate, waitingDays: -1 } }] })), { code: 'ENGINE_OUT_OF_RANGE', field: 'candidates[0].waitingDays' })
  // A dialysis start in the future is kept: dialysis days begin to count from it.
  const future = prepareCohort(broken({ candidates: [{ ...first, candidate: { ...first.candidate, dialysisDays: 0 }, dialysisFrom: '2024-03-01T00:00:00Z' }] }))
  t.equal(future.dialysisFromDay[0], 60)
})

t.test('built-in scenarios are valid; a bad scenario is refused, naming the field', async (t) => {
  t.same(Object.keys(SCENARIOS).sort(), ['demo-kidney', 'et-kidney', 'national-kidney', 'us-kidney'])
  for (const scenario of [NATIONAL_KIDNEY, ET_KIDNEY, US_KIDNEY, SMALL_SCENARIO]) t.equal(checkScenario(scenario), scenario)
  t.equal(scenarioById('et-kidney'), ET_KIDNEY)
  t.throws(() => scenarioById('toString'), { code: 'ENGINE_UNKNOWN_VALUE', field: 'scenario' })
  const broken = (patch: object): ScenarioDefinition => ({ ...SMALL_SCENARIO, ...patch }) as ScenarioDefinition
  const cohortPatch = (patch: object): ScenarioDefinition => broken({ cohort: { ...SMALL_SCENARIO.cohort, ...patch } })
  t.throws(() => checkScenario(null as never), { code: 'ENGINE_INVALID_FIELD', field: 'scenario' })
  t.throws(() => checkScenario(broken({ id: '' })), { code: 'ENGINE_INVALID_FIELD', field: 'scenario.id' })
  t.throws(() => checkScenario(broken({ cohort: null })), { code: 'ENGINE_INVALID_FIELD', field: 'scenario.cohort' })
  t.throws(() => checkScenario(cohortPatch({ kind: 'imported' })), { code: 'ENGINE_UNKNOWN_VALUE', field: 'scenario.cohort.kind' })
  t.throws(() => checkScenario(cohortPatch({ seed: null })), { code: 'ENGINE_INVALID_FIELD', field: 'scenario.cohort.seed' })
  t.throws(() => checkScenario(cohortPatch({ profile: 'mars' })), { code: 'ENGINE_INVALID_FIELD', field: 'scenario.cohort.profile' })
  t.throws(() => checkScenario(cohortPatch({ candidates: 2_000_000 })), { code: 'ENGINE_OUT_OF_RANGE', field: 'scenario.cohort.candidates' })
  t.throws(() => checkScenario(cohortPatch({ donorsPerYear: -1 })), { code: 'ENGINE_OUT_OF_RANGE', field: 'scenario.cohort.donorsPerYear' })
  t.throws(() => checkScenario(broken({ model: { ...SMALL_SCENARIO.model, offers: { ...SMALL_SCENARIO.model.offers, rescueCentres: -2 } } })), { code: 'ENGINE_OUT_OF_RANGE', field: 'scenario.model.offers.rescueCentres' })
})
