import t from 'tap'
import { concentrationIndex, groupOutcomes, ratePer100PatientYears, type CandidateTallies } from '../engine/sim/metrics.js'
import { ageBand, GROUP_DIMENSIONS, sensitisationBand, type GroupCodes, type GroupDimension } from '../engine/sim/prepared-cohort.js'

t.test('concentration index for grouped data against hand calculations', async (t) => {
  t.equal(concentrationIndex([{ weight: 1, rate: 5 }, { weight: 3, rate: 5 }]), 0, 'equal rates: 0')
  // Two equal groups, rates 10 and 30: μ = 20; R = 0.25, 0.75; C = (2/20)(0.5·10·0.25 + 0.5·30·0.75) − 1 = 0.25.
  t.ok(Math.abs(concentrationIndex([{ weight: 1, rate: 10 }, { weight: 1, rate: 30 }]) - 0.25) < 1e-12)
  t.ok(Math.abs(concentrationIndex([{ weight: 1, rate: 30 }, { weight: 1, rate: 10 }]) + 0.25) < 1e-12, 'reversed order changes the sign')
  // Weights 1, 2, 1 (shares .25, .5, .25), rates 0, 10, 20: μ = 10; R = .125, .5, .875;
  // C = (2/10)(.5·10·.5 + .25·20·.875) − 1 = (2/10)(2.5 + 4.375) − 1 = 0.375.
  t.ok(Math.abs(concentrationIndex([{ weight: 1, rate: 0 }, { weight: 2, rate: 10 }, { weight: 1, rate: 20 }]) - 0.375) < 1e-12)
  t.equal(concentrationIndex([]), 0)
  t.equal(concentrationIndex([{ weight: 2, rate: 0 }, { weight: 1, rate: 0 }]), 0, 'no events: 0, not NaN')
  t.throws(() => concentrationIndex([{ weight: -1, rate: 1 }]), { code: 'ENGINE_INVALID_FIELD', field: 'groups[0].weight' })
  t.throws(() => concentrationIndex([{ weight: 1, rate: Number.NaN }]), { code: 'ENGINE_INVALID_FIELD', field: 'groups[0].rate' })
})

t.test('rates, bands and access ratios by hand', async (t) => {
  t.equal(ratePer100PatientYears(5, 20), 25)
  t.equal(ratePer100PatientYears(5, 0), 0)
  t.same([0, 1, 79.9, 80, 97.9, 98, 100].map(sensitisationBand), ['cPRA 0%', 'cPRA 1–79%', 'cPRA 1–79%', 'cPRA 80–97%', 'cPRA 80–97%', 'cPRA 98–100%', 'cPRA 98–100%'])
  t.same([5, 18, 34.9, 35, 50, 64, 65, 90].map(ageBand), ['<18', '18–34', '18–34', '35–49', '50–64', '50–64', '65+', '65+'])

  // Four candidates, one year each (365.25 days) except the last (half a year). Sex: F, F, M, M.
  const one = (labels: string[], codes: number[]): GroupCodes => ({ labels, codes: Uint16Array.from(codes) })
  const groups = Object.fromEntries(GROUP_DIMENSIONS.map((d) => [d.name, one(['all'], [0, 0, 0, 0])])) as Record<GroupDimension, GroupCodes>
  groups.sex = one(['female', 'male'], [0, 0, 1, 1])
  groups.ageBand = one(['18–34', '35–49'], [0, 1, 0, 1])
  const tallies: CandidateTallies = {
    exposureDays: Float64Array.from([365.25, 365.25, 365.25, 182.625]),
    transplants: Uint8Array.from([1, 1, 1, 0]),
    waitlistDeaths: Uint8Array.from([0, 0, 0, 1]),
    removals: Uint8Array.from([0, 0, 0, 0]),
    listed: Uint8Array.from([1, 1, 1, 1])
  }
  const { groups: out, equity } = groupOutcomes(groups, tallies)
  // Overall: 3 transplants over 3.5 patient-years = 85.714… per 100. Women: 2/2 = 100; men: 1/1.5 = 66.67.
  const female = out.find((g) => g.dimension === 'sex' && g.group === 'female')
  const male = out.find((g) => g.dimension === 'sex' && g.group === 'male')
  t.ok(female !== undefined && male !== undefined)
  t.equal(female?.transplantRatePer100PatientYears, 100)
  t.ok(Math.abs((female?.accessRatio ?? 0) - 100 / (300 / 3.5)) < 1e-12)
  t.ok(Math.abs((male?.accessRatio ?? 0) - (100 / 1.5) / (300 / 3.5)) < 1e-12)
  t.ok(Math.abs((male?.waitlistMortalityPer100PatientYears ?? 0) - 100 / 1.5) < 1e-12)
  t.equal(male?.candidates, 2)
  // Sex is nominal: sorted by rate (men 66.7 first, women 100): shares 1.5/3.5, 2/3.5.
  const sex = equity.find((e) => e.dimension === 'sex')
  t.equal(sex?.ordering, 'by-rate')
  const expected = concentrationIndex([{ weight: 1.5, rate: 100 / 1.5 }, { weight: 2, rate: 100 }])
  t.ok(Math.abs((sex?.concentrationIndex ?? 0) - expected) < 1e-12)
  t.ok(expected > 0)
  t.equal(equity.find((e) => e.dimension === 'ageBand')?.ordering, 'ordinal')
  t.equal(equity.find((e) => e.dimension === 'region')?.concentrationIndex, 0, 'one group only')
})

t.test('candidates never listed during the period do not count; groups without exposure are left out', async (t) => {
  const groups = Object.fromEntries(GROUP_DIMENSIONS.map((d) => [d.name, { labels: ['a', 'b'], codes: Uint16Array.from([0, 1]) }])) as unknown as Record<GroupDimension, GroupCodes>
  const tallies: CandidateTallies = {
    exposureDays: Float64Array.from([100, 0]),
    transplants: Uint8Array.from([0, 0]),
    waitlistDeaths: Uint8Array.from([0, 0]),
    removals: Uint8Array.from([0, 0]),
    listed: Uint8Array.from([1, 0])
  }
  const { groups: out } = groupOutcomes(groups, tallies)
  t.same(out.filter((g) => g.dimension === 'sex').map((g) => [g.group, g.accessRatio]), [['a', 1]], 'no transplants at all: every ratio is 1')
})
