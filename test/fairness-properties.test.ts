import t from 'tap'
import fc from 'fast-check'
import { builtInPolicyDocuments } from '../data/policies/index.js'
import { fairnessProperty } from '../data/fairness/properties-catalogue.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import { fairnessCase } from './fixtures/fairness-registry.js'
import {
  checkEqualCandidates, checkInputOrder, checkMonotonicity, checkProtectedAttributes, checkPseudonyms, checkSafety,
  improvementsOf, runEngine, type Tally
} from './fixtures/fairness-checks.js'

/**
 * The fairness properties of the project's issue "Fairness verified on every commit", run against
 * every built-in policy (whatever data/policies holds) on random registries and donors. Run counts
 * are fixed (data/fairness/properties-catalogue.ts); on failure fast-check prints the seed and the
 * path of the counterexample, which `fc.assert(..., { seed, path })` replays. Each property also
 * counts what it compared, and the test asserts those counts, so a property cannot pass vacuously.
 */

const POLICIES: readonly CompiledPolicy[] = builtInPolicyDocuments().map((d) => compilePolicy(d))
const MAX_SIZE = 36

/** A case is (policy, seed, size); `extra` seeds the check's own draws (mutations, shuffles, names). */
const scenario = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), size: fc.integer({ min: 0, max: MAX_SIZE }), extra: fc.integer({ min: 0, max: 2 ** 31 - 1 }) })

function describe (tally: Tally): string {
  return Object.entries(tally).map(([k, v]) => `${v} ${k}`).join(', ')
}

t.test('the suite covers every built-in policy', async (t) => {
  t.ok(POLICIES.length >= 2, `${POLICIES.length} built-in policies`)
  t.equal(new Set(POLICIES.map((p) => p.id)).size, POLICIES.length, 'policy ids are unique')
})

for (const id of ['protected-attributes', 'input-order'] as const) {
  const property = fairnessProperty(id)
  const check = id === 'protected-attributes' ? checkProtectedAttributes : checkInputOrder
  t.test(`property: ${property.title}`, async (t) => {
    for (const policy of POLICIES) {
      fc.assert(fc.property(scenario, ({ seed, size, extra }) => check(runEngine, fairnessCase(policy, seed, size), extra)), { numRuns: property.runsPerPolicy })
    }
    t.pass(`held for ${POLICIES.length} policies × ${property.runsPerPolicy} runs`)
  })
}

t.test(`property: ${fairnessProperty('pseudonyms').title}`, async (t) => {
  const property = fairnessProperty('pseudonyms')
  const tally: Tally = {}
  for (const policy of POLICIES) {
    fc.assert(fc.property(scenario, ({ seed, size, extra }) => checkPseudonyms(runEngine, fairnessCase(policy, seed, size), extra, tally)), { numRuns: property.runsPerPolicy })
  }
  t.ok((tally['lottery blocks'] ?? 0) >= POLICIES.length * 5, `not vacuous: ${describe(tally)}`)
})

t.test(`property: ${fairnessProperty('equal-candidates').title}`, async (t) => {
  const property = fairnessProperty('equal-candidates')
  const tally: Tally = {}
  for (const policy of POLICIES) {
    fc.assert(fc.property(scenario, fc.nat(), ({ seed, size, extra }, pickIndex) =>
      checkEqualCandidates(runEngine, fairnessCase(policy, seed, Math.max(1, size)), pickIndex, extra, tally)), { numRuns: property.runsPerPolicy })
  }
  t.ok((tally['ranked twins'] ?? 0) >= POLICIES.length * 5, `not vacuous: ${describe(tally)}`)
  t.ok((tally['excluded twins'] ?? 0) > 0, 'excluded twins were compared too')
})

t.test(`property: ${fairnessProperty('monotonicity').title}`, async (t) => {
  const property = fairnessProperty('monotonicity')
  for (const policy of POLICIES) {
    const improvements = improvementsOf(policy)
    // Every policy rewards something (at least waiting time); an empty list would make the property vacuous.
    t.ok(improvements.length > 0, `${policy.id} certifies ${improvements.map((i) => i.kind === 'field' ? `${i.increase ? '+' : '-'}${i.change.field}` : `${i.from}→${i.to}`).join(', ')}`)
    if (improvements.length === 0) continue
    const tally: Tally = {}
    fc.assert(fc.property(scenario, fc.constantFrom(...improvements), fc.nat(), fc.double({ min: 0.01, max: 1, noNaN: true }), ({ seed, size }, improvement, pickIndex, fraction) =>
      checkMonotonicity(runEngine, fairnessCase(policy, seed, Math.max(1, size)), improvement, pickIndex, fraction, tally)), { numRuns: property.runsPerPolicy })
    t.ok((tally['ranked before and after'] ?? 0) >= property.runsPerPolicy / 20, `${policy.id} not vacuous: ${describe(tally)}`)
  }
})

t.test('the monotone directions the analysis certifies include the ones the published rules intend', async (t) => {
  const of = (id: string): string[] => {
    const policy = POLICIES.find((p) => p.id === id)
    return policy === undefined ? [] : improvementsOf(policy).map((i) => i.kind === 'field' ? `${i.increase ? '+' : '-'}${i.change.field}` : `${i.from}→${i.to}`)
  }
  const expect = (id: string, wanted: readonly string[]): void => {
    if (!POLICIES.some((p) => p.id === id)) return
    const found = of(id)
    for (const w of wanted) t.ok(found.includes(w), `${id} rewards ${w}`)
  }
  expect('etkas-kidney', ['+dialysisDays', '+mmpPercent', '-ageYears', 'elective→HU'])
  expect('us-kas-kidney', ['+waitingDays', '+cpraPercent', 'elective→medically-urgent', '+priorLivingDonor', '-eptsPercent'])
  expect('us-liver-acuity-circles', ['+meld', '+waitingDays', 'elective→status-1b', 'status-1b→status-1a'])
  expect('us-heart-2018', ['status-2→status-1', 'status-6→status-3', '+waitingDays'])
  expect('us-lung-cas-2023', ['+postTransplantSurvivalDays', '-waitlistSurvivalDays', '+cpraPercent', '-heightCm'])
  expect('et-esp-kidney', ['+dialysisDays', '+ageYears'])
  expect('uk-kos-kidney-2019', ['+waitingDays'])
})

t.test(`property: ${fairnessProperty('safety').title}`, async (t) => {
  const property = fairnessProperty('safety')
  const tally: Tally = {}
  for (const policy of POLICIES) {
    t.ok(policy.eligibility.centreAuthorisation, `${policy.id} checks centre authorisation`)
    t.same(policy.eligibility.statuses, ['active'], `${policy.id} offers to active candidates only`)
    fc.assert(fc.property(scenario, ({ seed, size }) => checkSafety(runEngine, fairnessCase(policy, seed, size), tally)), { numRuns: property.runsPerPolicy })
  }
  t.ok((tally['ranked candidates checked'] ?? 0) >= POLICIES.length * property.runsPerPolicy, `not vacuous: ${describe(tally)}`)
})
