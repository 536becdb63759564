import t from 'tap'
import fc from 'fast-check'
import { PATHWAY_LOSS_REASONS, PATHWAY_STAGES, computePathway, computeUtilisation, type PathwayCase, type PathwayDonor, type PathwayOrgan } from '../engine/oversight/pathway.js'
import { CLERK } from './fixtures/registry-fixtures.js'
import { addDeceasedDonor, deceasedTransplant, oversightFixture } from './fixtures/oversight-registry.js'

const donor = (id: string, centreId: string, pathway: 'DBD' | 'DCD' = 'DBD', reportedAt = '2025-03-01T00:00:00Z'): PathwayDonor => ({ id, centreId, country: 'XT', reportedAt, pathway })

t.test('the critical pathway: possible → potential → eligible → actual → utilised, with the reason for every drop', async (t) => {
  const cases: PathwayCase[] = [
    { id: 'p1', centreId: 'H1', country: 'XT', identifiedAt: '2025-01-05T00:00:00Z', furthestStage: 'possible', lossReason: 'not-identified-or-referred' },
    { id: 'p2', centreId: 'H1', country: 'XT', identifiedAt: '2025-01-06T00:00:00Z', furthestStage: 'potential', deathCriterion: 'neurological', lossReason: 'death-not-confirmed' },
    { id: 'p3', centreId: 'H2', country: 'XT', identifiedAt: '2025-01-07T00:00:00Z', furthestStage: 'potential', deathCriterion: 'circulatory', lossReason: 'circulatory-death-not-in-time' },
    { id: 'p4', centreId: 'H1', country: 'XT', identifiedAt: '2025-01-08T00:00:00Z', furthestStage: 'eligible', deathCriterion: 'neurological', lossReason: 'family-refusal' },
    { id: 'p5', centreId: 'H1', country: 'XT', identifiedAt: '2025-02-01T00:00:00Z', furthestStage: 'eligible', donorId: 'D-used' },
    { id: 'p6', centreId: 'H2', country: 'XT', identifiedAt: '2025-02-02T00:00:00Z', furthestStage: 'eligible', donorId: 'D-discarded' },
    { id: 'p7', centreId: 'H2', country: 'XT', identifiedAt: '2025-02-03T00:00:00Z', furthestStage: 'eligible', donorId: 'D-incision', incisionAt: '2025-02-03T10:00:00Z' },
    { id: 'p8', centreId: 'H2', country: 'XT', identifiedAt: '2025-02-04T00:00:00Z', furthestStage: 'eligible', donorId: 'D-registered', lossReason: 'logistics' },
    { id: 'p9', centreId: 'H1', country: 'XT', identifiedAt: '2024-12-30T00:00:00Z', furthestStage: 'possible', lossReason: 'other' },
    { id: 'p10', centreId: 'X1', country: 'XS', identifiedAt: '2025-01-05T00:00:00Z', furthestStage: 'possible', lossReason: 'other' }
  ]
  const donors = [donor('D-used', 'H1'), donor('D-discarded', 'H2', 'DCD'), donor('D-incision', 'H2'), donor('D-registered', 'H2'), donor('D-nocase', 'H1'), donor('D-nolossreason', 'H1')]
  const organs: PathwayOrgan[] = [
    { id: 'o1', donorId: 'D-used', organType: 'kidney', recoveredAt: '2025-02-01T10:00:00Z', disposition: 'transplanted' },
    { id: 'o2', donorId: 'D-used', organType: 'liver', recoveredAt: '2025-02-01T10:00:00Z', disposition: 'discarded', dispositionReason: 'steatosis' },
    { id: 'o3', donorId: 'D-discarded', organType: 'kidney', recoveredAt: '2025-02-02T10:00:00Z', disposition: 'discarded', dispositionReason: 'steatosis' },
    { id: 'o4', donorId: 'D-discarded', organType: 'kidney', recoveredAt: '2025-02-02T10:00:00Z', disposition: 'research' },
    { id: 'o5', donorId: 'D-nocase', organType: 'heart', recoveredAt: '2025-03-01T10:00:00Z', disposition: 'transplanted' },
    { id: 'o6', donorId: 'D-nocase', organType: 'lung', recoveredAt: '2025-03-01T10:00:00Z' }
  ]
  const report = computePathway({ country: 'XT', year: 2025, cases, donors, organs, population: { population: 10_000_000, source: 'synthetic' } })
  t.same(report.stages, { possible: 10, potential: 9, eligible: 7, actual: 4, utilised: 2 })
  t.same(report.losses.map((l) => [l.from, l.to, l.reason, l.count]), [
    ['possible', 'potential', 'not-identified-or-referred', 1],
    ['potential', 'eligible', 'circulatory-death-not-in-time', 1],
    ['potential', 'eligible', 'death-not-confirmed', 1],
    ['eligible', 'actual', 'family-refusal', 1],
    ['eligible', 'actual', 'logistics', 1],
    ['eligible', 'actual', 'not-recorded', 1],
    ['actual', 'utilised', 'no-organ-transplanted', 2]
  ])
  t.equal(report.donorsWithoutCase, 2)
  t.same(report.byDeathCriterion.circulatory, { possible: 0, potential: 2, eligible: 1, actual: 1, utilised: 0 })
  t.same(report.byDeathCriterion.neurological.utilised, 2)
  t.same(report.conversion, { potentialPerPossible: 0.9, eligiblePerPotential: 7 / 9, actualPerEligible: 4 / 7, utilisedPerActual: 0.5 })
  t.same(report.pmp, { possible: 1, potential: 0.9, eligible: 0.7, actual: 0.4, utilised: 0.2 })
  t.same(report.byCentre.map((c) => [c.centreId, c.stages.possible, c.stages.utilised]), [['H1', 6, 2], ['H2', 4, 0]])
  const empty = computePathway({ country: 'XT', year: 2030, cases, donors, organs })
  t.same(empty.conversion, { potentialPerPossible: null, eligiblePerPotential: null, actualPerEligible: null, utilisedPerActual: null })
  t.equal(empty.pmp, undefined)

  const utilisation = computeUtilisation({ country: 'XT', year: 2025, donors, organs, population: { population: 10_000_000, source: 'synthetic' } })
  t.match(utilisation.total, { recovered: 6, transplanted: 2, discarded: 2, research: 1, noFate: 1, utilisationRate: 2 / 6 })
  t.same(utilisation.total.nonUseReasons, [{ disposition: 'discarded', reason: 'steatosis', count: 2 }, { disposition: 'research', reason: 'not-recorded', count: 1 }])
  t.match(utilisation.byOrgan.kidney, { recovered: 3, transplanted: 1, discarded: 1, research: 1 })
  t.equal(utilisation.byOrgan.intestine.utilisationRate, null)
  t.same(utilisation.pmp, { recovered: 0.6, transplanted: 0.2 })
  t.same(utilisation.byCentre.map((c) => [c.centreId, c.total.recovered]), [['H1', 4], ['H2', 2]])
  t.throws(() => computePathway({ country: 'X', year: 2025, cases, donors, organs }), { code: 'ENGINE_INVALID_FIELD', field: 'country' })
  t.throws(() => computeUtilisation({ country: 'XT', year: 2025, donors, organs, population: { population: 0, source: 's' } }), { code: 'ENGINE_OUT_OF_RANGE', field: 'population' })
})

t.test('fast-check: the pathway only narrows, and every case lost is lost once with a reason', async (t) => {
  const stage = fc.constantFrom('possible' as const, 'potential' as const, 'eligible' as const)
  const arbitraryCase = fc.record({
    stage,
    centre: fc.constantFrom('H1', 'H2', 'H3'),
    donation: fc.constantFrom('none', 'registered', 'recovered', 'transplanted'),
    reason: fc.boolean()
  })
  fc.assert(fc.property(fc.array(arbitraryCase, { maxLength: 60 }), (drawn) => {
    const cases: PathwayCase[] = []
    const donors: PathwayDonor[] = []
    const organs: PathwayOrgan[] = []
    drawn.forEach((c, i) => {
      const base = { id: `p${i}`, centreId: c.centre, country: 'XT', identifiedAt: '2025-05-01T00:00:00Z' }
      if (c.donation === 'none') {
        cases.push({ ...base, furthestStage: c.stage, deathCriterion: 'neurological', ...(c.reason ? { lossReason: PATHWAY_LOSS_REASONS[c.stage][0] } : {}) })
        return
      }
      donors.push(donor(`D${i}`, c.centre))
      cases.push({ ...base, furthestStage: 'eligible', donorId: `D${i}` })
      if (c.donation !== 'registered') organs.push({ id: `o${i}`, donorId: `D${i}`, organType: 'kidney', recoveredAt: '2025-05-02T00:00:00Z', ...(c.donation === 'transplanted' ? { disposition: 'transplanted' as const } : {}) })
    })
    const report = computePathway({ country: 'XT', year: 2025, cases, donors, organs })
    const counts = PATHWAY_STAGES.map((s) => report.stages[s])
    const narrowing = counts.every((n, i) => i === 0 || n <= (counts[i - 1] as number))
    const lost = report.losses.reduce((sum, l) => sum + l.count, 0)
    const perCentre = report.byCentre.reduce((sum, c) => sum + c.stages.possible, 0)
    return narrowing && lost === report.stages.possible - report.stages.utilised && perCentre === report.stages.possible && report.stages.possible === drawn.length
  }), { numRuns: 200 })
  t.pass()
})

t.test('the pathway and utilisation reports from the registry', async (t) => {
  const f = oversightFixture()
  const used = deceasedTransplant(f)
  f.oversight.recordPathwayCase({ hospitalCentreId: 'NL-LUMC', identifiedAt: '2025-01-31T20:00:00Z', furthestStage: 'eligible', donorId: used.donorId, deathCriterion: 'neurological' }, CLERK)
  f.oversight.recordPathwayCase({ hospitalCentreId: 'NL-LUMC', identifiedAt: '2025-02-10T00:00:00Z', furthestStage: 'eligible', deathCriterion: 'circulatory', lossReason: 'family-refusal' }, CLERK)
  const discarded = addDeceasedDonor(f, { reportedAt: '2025-03-01T00:00:00Z' })
  f.oversight.recordRecovery({ organId: discarded.organIds[0] as string, recoveredAt: '2025-03-01T08:00:00Z', recoveryCentreId: 'NL-LUMC' }, CLERK)
  f.registry.donors.recordDisposition(discarded.organIds[0] as string, { disposition: 'discarded', at: '2025-03-02T00:00:00Z', reason: 'organ-quality' }, CLERK)
  const report = f.oversight.pathwayReport({ country: 'NL', year: 2025, cutoff: '2025-12-31T00:00:00Z' })
  t.same(report.stages, { possible: 3, potential: 3, eligible: 3, actual: 2, utilised: 1 })
  t.equal(report.donorsWithoutCase, 1)
  t.equal(report.pmp, undefined, 'no population row for NL in the shipped table: counts without rates')
  const utilisation = f.oversight.utilisationReport({ country: 'NL', year: 2025, cutoff: '2025-12-31T00:00:00Z' })
  t.match(utilisation.total, { recovered: 2, transplanted: 1, discarded: 1 })
  t.same(utilisation.total.nonUseReasons, [{ disposition: 'discarded', reason: 'organ-quality', count: 1 }])
  t.throws(() => f.oversight.godtReport({ country: 'NL', year: 2025 }), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'population' }, 'the GODT export needs its denominator')
  t.throws(() => f.oversight.pathwayReport({ country: 'NL', year: 2025, cutoff: 'soon' }), { code: 'ENGINE_INVALID_FIELD', field: 'cutoff' })
  t.throws(() => f.oversight.utilisationReport({ country: 'Netherlands', year: 2025 }), { code: 'ENGINE_INVALID_FIELD', field: 'country' })
})
