import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { builtInPolicyDocuments } from '../data/policies/index.js'
import { studentTCdf } from '../engine/sim/statistics.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import {
  ATTRIBUTE_RANGES, changeDirection, componentPointRange, correlationRatio, formatP, lintPolicy, LINT_METHOD,
  type AttributeChange, type FairnessSample
} from '../engine/policy/fairness-lint.js'
import type { PolicyComponent, PolicyDocument } from '../engine/policy/policy-schema.js'
import { validatePolicy } from '../engine/policy/validate-policy.js'
import { createRandom } from '../engine/random.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'
import { caseArbitrary } from './fixtures/fairness-registry.js'
import { inputOf, runEngine } from './fixtures/fairness-checks.js'

const DOCUMENTS = builtInPolicyDocuments()
const POLICIES: readonly CompiledPolicy[] = DOCUMENTS.map((d) => compilePolicy(d))

function fixture (name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'))
}

function withComponents (components: PolicyComponent[], overrides: Partial<PolicyDocument> = {}): PolicyDocument {
  return minimalPolicy({ components, hlaMatching: { A: 'broad', B: 'broad', DR: 'split' }, ...overrides })
}

function bounds (component: PolicyComponent, overrides: Partial<PolicyDocument> = {}): [number, number] {
  const range = componentPointRange(compilePolicy(withComponents([component], overrides)), component.name)
  return [range.lo, range.hi]
}

t.test('every built-in policy passes the lint, with finite point bounds', async (t) => {
  for (const document of DOCUMENTS) {
    const lint = lintPolicy(document)
    t.ok(lint.ok, `${document.id}: no errors`)
    t.same(lint.errors, [], `${document.id}: errors listed`)
    t.equal(lint.policy?.hash, compilePolicy(document).hash, `${document.id}: identified by hash`)
    for (const c of lint.components) t.ok(Number.isFinite(c.points.min) && Number.isFinite(c.points.max) && c.points.min <= c.points.max, `${document.id} ${c.name}: [${c.points.min}, ${c.points.max}]`)
    t.same(Object.keys(lint.reads?.components ?? {}), lint.components.map((c) => c.name), `${document.id}: reads per component`)
    t.equal(lint.proxies, undefined, 'no proxy section without a sample')
  }
})

t.test('a deliberately discriminatory policy is refused, naming every protected attribute it reads', async (t) => {
  const lint = lintPolicy(fixture('fairness-discriminatory-policy.json'))
  t.equal(lint.ok, false, 'refused')
  const protectedErrors = lint.errors.filter((e) => e.code === 'PROTECTED_ATTRIBUTE')
  t.same(protectedErrors.map((e) => [e.path, e.attribute, e.protectedAttribute]), [
    ['/eligibility/rules/0/require', 'candidate.residence', 'nationality'],
    ['/tiers/0/when', 'candidate.insured', 'payer'],
    ['/components/1/input', 'candidate.sex', 'sex'],
    ['/components/2/scale/formula', 'candidate.nationality', 'nationality'],
    ['/tieBreakers/0/input', 'candidate.raceEthnicity', 'race/ethnicity']
  ], 'each read of a protected attribute, where it is')
  t.ok(lint.errors.some((e) => e.code === 'PROTECTED_CATEGORY_VALUE' && e.path === '/components/1/scale/entries/0/key' && e.protectedAttribute === 'sex'), 'a table keyed by "male"')
  t.ok(lint.errors.some((e) => e.code === 'PROTECTED_CATEGORY_VALUE' && e.path === '/tieBreakers/0/input' && e.protectedAttribute === 'race/ethnicity'), 'quoted "white"')
  t.notOk(lint.errors.some((e) => e.code === 'INVALID_POLICY' && /protected attribute/.test(e.message)), 'the validator\'s own message for the same reads is not repeated')
  t.same(lint.components, [], 'nothing else is analysed')
})

t.test('a policy smuggling protected groups through clinical categories passes the schema but not the lint', async (t) => {
  const document = fixture('fairness-category-smuggling-policy.json')
  t.doesNotThrow(() => validatePolicy(document), 'the validator accepts it')
  const lint = lintPolicy(document)
  t.equal(lint.ok, false)
  t.same(lint.errors.map((e) => [e.code, e.path, e.protectedAttribute]), [
    ['PROTECTED_CATEGORY_VALUE', '/urgencyClasses/1', 'sex'],
    ['PROTECTED_CATEGORY_VALUE', '/components/1/scale/entries/0/key', 'sex'],
    ['PROTECTED_CATEGORY_VALUE', '/components/2/scale/formula', 'race/ethnicity']
  ])
  t.ok(lint.components.length > 0, 'the rest of the analysis is still reported')
})

t.test('unknown attributes, invalid documents and safety problems', async (t) => {
  const unknown = lintPolicy(minimalPolicy({ components: [{ name: 'x', input: 'candidate.shoeSize', scale: { kind: 'linear', slope: 1 }, weight: 1 }] }))
  t.same(unknown.errors.map((e) => [e.code, e.attribute]), [['UNKNOWN_ATTRIBUTE', 'candidate.shoeSize']])
  const syntax = lintPolicy(minimalPolicy({ tiers: [{ name: 'all', when: 'candidate.waitingDays >' }] }))
  t.same(syntax.errors.map((e) => [e.code, e.path]), [['INVALID_POLICY', '/tiers/0/when']], 'a syntax error is reported, not thrown')
  t.equal(lintPolicy(undefined).ok, false, 'undefined')
  t.equal(lintPolicy({ hello: 'world' }).errors[0]?.code, 'INVALID_POLICY', 'not a policy')
  const circular: Record<string, unknown> = {}
  circular.self = circular
  t.match(lintPolicy(circular).errors, [{ code: 'INVALID_POLICY', message: /plain JSON/ }])
  t.equal(lintPolicy({ tiers: 'nope', components: [{ scale: 7 }], eligibility: { rules: [null] } }).ok, false, 'odd shapes are read defensively')

  const unsafe = lintPolicy(minimalPolicy({ eligibility: { statuses: ['active', 'inactive'], abo: { ruleSet: 'identical' }, virtualCrossmatch: false, centreAuthorisation: false, acceptanceCriteria: [], rules: [] } }))
  t.same(unsafe.errors.map((e) => e.code), ['OFFERS_TO_NON_ACTIVE', 'CENTRE_AUTHORISATION_OFF'])
  t.same(unsafe.warnings.map((e) => e.code), ['VIRTUAL_CROSSMATCH_OFF'])
})

t.test('options are checked', async (t) => {
  const document = minimalPolicy()
  t.throws(() => lintPolicy(document, { proxyThreshold: 2 }), { code: 'ENGINE_INVALID_FIELD', field: 'proxyThreshold' })
  t.throws(() => lintPolicy(document, { proxyAlpha: 0 }), { code: 'ENGINE_INVALID_FIELD', field: 'proxyAlpha' })
  t.throws(() => lintPolicy(document, { minGroupSize: 0.5 }), { code: 'ENGINE_INVALID_FIELD', field: 'minGroupSize' })
  t.throws(() => lintPolicy(document, { sample: null as unknown as FairnessSample }), { code: 'ENGINE_INVALID_FIELD', field: 'sample' })
  t.throws(() => lintPolicy(document, { sample: { componentPoints: {}, protectedAttributes: {} } }), { code: 'ENGINE_INVALID_FIELD', field: 'sample.componentPoints.waiting' })
  t.throws(() => lintPolicy(document, { sample: { componentPoints: { waiting: [1, 2] }, protectedAttributes: { sex: ['female'] } } }), { code: 'ENGINE_INVALID_FIELD', field: 'sample.protectedAttributes.sex' })
  t.throws(() => lintPolicy(document, { sample: { componentPoints: { waiting: [1, 2] }, tierIndex: [0], protectedAttributes: {} } }), { code: 'ENGINE_INVALID_FIELD', field: 'sample.tierIndex' })
  t.throws(() => componentPointRange(compilePolicy(document), 'nope'), { code: 'ENGINE_INVALID_FIELD', field: 'componentName' })
})

t.test('point bounds per scale kind', async (t) => {
  const linear = (input: string, scale: Record<string, unknown> = {}): PolicyComponent => ({ name: 'c', input, scale: { kind: 'linear', slope: 1, ...scale }, weight: 1 })
  t.same(bounds(linear('candidate.cpraPercent', { slope: 2, intercept: 1, max: 150 })), [1, 150], 'linear, capped')
  t.same(bounds({ ...linear('candidate.cpraPercent'), weight: -0.5 }), [-50, 0], 'a negative weight flips the range')
  t.same(bounds(linear('candidate.dialysisDays / 365')), [0, 36_525 / 365], 'waiting years over the documented range')
  t.same(bounds({ name: 'c', input: 'candidate.cpraPercent', scale: { kind: 'steps', below: 0, steps: [{ atLeast: 20, value: 1 }, { atLeast: 98, value: 24 }, { atLeast: 100, value: 202 }] }, weight: 1 }), [0, 202], 'steps')
  t.same(bounds({ name: 'c', input: 'pair.distanceNm', scale: { kind: 'piecewise-linear', points: [{ at: 0, value: 2 }, { at: 100, value: 5 }, { at: 250, value: 0 }] }, weight: 1 }), [0, 5], 'piecewise: the knot inside counts')
  t.same(bounds({ name: 'c', input: 'candidate.heightCm', scale: { kind: 'exponential', base: 100, from: 180, to: 140 }, weight: 5 }), [0, 5], 'exponential')
  t.same(bounds({ name: 'c', input: 'pair.mismatchTotal', scale: { kind: 'lookup', entries: [0, 1, 2, 3, 4, 5, 6].map((k) => ({ key: k, value: 400 - 66 * k })), otherwise: -1 }, weight: 1 }), [4, 400], 'a lookup covering every value never reaches otherwise')
  t.same(bounds({ name: 'c', input: 'pair.mismatchTotal', scale: { kind: 'lookup', entries: [{ key: 0, value: 9 }], otherwise: 1 }, weight: 1 }), [1, 9], 'a partial lookup reaches otherwise')
  t.same(bounds({ name: 'c', input: 'candidate.cpraPercent', scale: { kind: 'lookup', entries: [{ key: 100, value: 9 }, { key: 500, value: 50 }], otherwise: 1 }, weight: 1 }), [1, 9], 'keys outside a continuous range are unreachable')
  t.same(bounds({ name: 'c', input: 'candidate.priorLivingDonor', scale: { kind: 'lookup', entries: [{ key: true, value: 4 }, { key: false, value: 1 }], otherwise: 99 }, weight: 1 }), [1, 4], 'boolean lookup')
  t.same(bounds({ name: 'c', input: 'candidate.urgency', scale: { kind: 'lookup', entries: [{ key: 'HU', value: 500 }, { key: 'elective', value: 0 }], otherwise: -7 }, weight: 1 }), [0, 500], 'urgency lookup over the policy\'s classes')
  t.same(bounds({ name: 'c', input: 'candidate.diagnosisGroup', scale: { kind: 'lookup', entries: [{ key: 'cystic', value: 5 }], otherwise: 0 }, weight: 1 }), [0, 5], 'an open category can miss')
  t.same(bounds({ name: 'c', input: 'candidate.abo', scale: { kind: 'lookup', entries: [{ key: 'O', value: 1 }, { key: 'A', value: 2 }, { key: 'B', value: 3 }, { key: 'AB', value: 4 }], otherwise: 99 }, weight: 1 }), [1, 4], 'ABO groups are a closed set')
  t.same(bounds({
    name: 'c',
    scale: { kind: 'matrix', rows: { input: 'donor.ukDonorRiskQuartile', keys: [1, 2, 3, 4] }, columns: { input: 'candidate.ukRecipientRiskQuartile', keys: [1, 2, 3, 4] }, values: [[1000, 700, 350, 0], [700, 1000, 500, 350], [350, 500, 1000, 700], [0, 350, 700, 1000]], otherwise: -5 },
    weight: 1
  }), [0, 1000], 'matrix over two closed axes')
  t.same(bounds({ name: 'c', scale: { kind: 'matrix', rows: { input: 'candidate.paediatric', keys: [true] }, columns: { input: 'pair.mismatchTotal', keys: [0, 1] }, values: [[400, 300]], otherwise: 0 }, weight: 1 }), [0, 400], 'matrix with unlisted values')
  const formula = (source: string): PolicyComponent => ({ name: 'c', scale: { kind: 'formula', formula: source }, weight: 1 })
  t.same(bounds(formula('if(pair.distanceNm > 250, 4 * max(0, 1 - (pair.distanceNm - 250) / 2250), 0)')), [0, 4], 'if() narrows the distance in each branch')
  t.same(bounds(formula('-0.5 * pow(pair.ageDifferenceYears, 2)')), [-7200, 0], 'an even power of a signed value')
  t.same(bounds(formula('pow(pair.ageDifferenceYears, 3) / 1000')), [-1728, 1728], 'an odd power')
  t.same(bounds(formula('400 * sin(candidate.ageYears / 50)')).map((x) => Math.round(x)), [0, 400], 'sin over [0, 2.4] rad')
  t.same(bounds(formula('abs(pair.ageDifferenceYears) + min(candidate.cpraPercent, 10) - max(1, 2)')), [-2, 128], 'abs, min, max')
  // Three continuous attributes: no subdivision, so abs() sees a range across zero.
  t.same(bounds(formula('abs(pair.ageDifferenceYears / 2) + abs(0 - candidate.cpraPercent) + abs(candidate.mmpPercent)')), [0, 260], 'abs of mixed, negative and positive ranges')
  t.equal(direction(withComponents([formula('if(candidate.cpraPercent > candidate.mmpPercent, 1, 0)')]), { kind: 'category', attribute: 'candidate.urgency', from: 'elective', to: 'HU' }), 'none', 'a comparison of two attributes')
  t.same(bounds(formula('pair.mismatchA + 2 * pair.mismatchB - pair.mismatchDR')), [-2, 6], 'exact value sets combine exactly')
  t.same(bounds(formula('exp(if(candidate.paediatric, 1, 0)) + ln(candidate.meld)')).map((x) => Number(x.toFixed(4))), [Number((1 + Math.log(6)).toFixed(4)), Number((Math.E + Math.log(40)).toFixed(4))], 'exp, ln')
  t.same(bounds(formula('if(not candidate.paediatric and candidate.priorLivingDonor, 3, if(candidate.paediatric or known(candidate.meld), 2, 1))')), [1, 3], 'booleans, not, and, or, known')
  const unbounded = compilePolicy(withComponents([formula('1 / pair.ageDifferenceYears'), formula('ln(pair.ageDifferenceYears)'), formula('pow(pair.ageDifferenceYears, 0.5)')].map((c, i) => ({ ...c, name: `c${i}` }))))
  for (const name of ['c0', 'c1', 'c2']) {
    const r = componentPointRange(unbounded, name)
    t.notOk(Number.isFinite(r.lo) && Number.isFinite(r.hi), `${name} is unbounded`)
  }
  const lint = lintPolicy(withComponents([formula('1 / pair.ageDifferenceYears'), { ...linear('candidate.cpraPercent'), name: 'd' }]))
  t.equal(lint.components[0]?.points.shareOfSpan, undefined, 'no share of an unbounded total')
  t.equal(ATTRIBUTE_RANGES['pair.mismatchTotal']?.values?.length, 7, 'mismatch counts are an exact set')
})

t.test('property: every point value a match run gives lies inside the lint\'s bounds', async (t) => {
  const ranges = new Map(POLICIES.map((p) => [p.id, new Map(p.components.map((c) => [c.name, componentPointRange(p, c.name)]))]))
  let checked = 0
  fc.assert(fc.property(caseArbitrary(POLICIES, 30), (c) => {
    const list = runEngine(inputOf(c))
    const byName = ranges.get(c.policy.id) as Map<string, { lo: number, hi: number }>
    for (const entry of list.ranked) {
      for (const [name, value] of Object.entries(entry.points)) {
        const r = byName.get(name) as { lo: number, hi: number }
        if (!(value >= r.lo - 1e-9 && value <= r.hi + 1e-9)) throw new Error(`${c.policy.id} ${name} = ${value} outside [${r.lo}, ${r.hi}]`)
        checked++
      }
    }
    return true
  }), { numRuns: 100 })
  t.ok(checked > 300, `${checked} point values checked`)
})

function direction (document: PolicyDocument, change: AttributeChange): string {
  return changeDirection(compilePolicy(document), change).direction
}

const rise = (name: string): AttributeChange => ({ kind: 'numeric', signs: { [name]: 1 } })

t.test('directions: scales and operators', async (t) => {
  const component = (c: Partial<PolicyComponent> & Pick<PolicyComponent, 'scale'>): PolicyDocument => withComponents([{ name: 'c', weight: 1, ...c } as PolicyComponent])
  t.equal(direction(component({ input: 'candidate.waitingDays', scale: { kind: 'linear', slope: 1 } }), rise('candidate.waitingDays')), 'higher')
  t.equal(direction(component({ input: 'candidate.waitingDays', scale: { kind: 'linear', slope: 1 }, weight: -1 }), rise('candidate.waitingDays')), 'lower', 'negative weight')
  t.equal(direction(component({ input: 'candidate.waitingDays', scale: { kind: 'linear', slope: 0 } }), rise('candidate.waitingDays')), 'none', 'zero slope')
  t.equal(direction(component({ input: 'candidate.waitingDays', scale: { kind: 'linear', slope: 1 } }), rise('candidate.cpraPercent')), 'none', 'not read')
  t.equal(direction(component({ input: 'candidate.cpraPercent', scale: { kind: 'steps', below: 0, steps: [{ atLeast: 50, value: 3 }, { atLeast: 90, value: 1 }] } }), rise('candidate.cpraPercent')), 'mixed', 'steps up then down')
  t.equal(direction(component({ input: 'candidate.cpraPercent', scale: { kind: 'steps', below: 5, steps: [{ atLeast: 50, value: 3 }] } }), rise('candidate.cpraPercent')), 'lower', 'steps down')
  t.equal(direction(component({ input: 'candidate.cpraPercent', scale: { kind: 'piecewise-linear', points: [{ at: 0, value: 0 }, { at: 100, value: 9 }] } }), rise('candidate.cpraPercent')), 'higher')
  t.equal(direction(component({ input: 'candidate.heightCm', scale: { kind: 'exponential', base: 100, from: 180, to: 140 } }), rise('candidate.heightCm')), 'lower', 'exponential from > to')
  t.equal(direction(component({ input: 'pair.mismatchTotal', scale: { kind: 'lookup', entries: [{ key: 0, value: 400 }, { key: 1, value: 300 }], otherwise: 0 } }), rise('pair.mismatchTotal')), 'lower', 'lookup over an exact set')
  t.equal(direction(component({ input: 'pair.mismatchTotal', scale: { kind: 'lookup', entries: [{ key: 0, value: 0 }, { key: 3, value: 5 }], otherwise: 1 } }), rise('pair.mismatchTotal')), 'mixed')
  t.equal(direction(component({ input: 'candidate.cpraPercent', scale: { kind: 'lookup', entries: [{ key: 100, value: 5 }], otherwise: 0 } }), rise('candidate.cpraPercent')), 'mixed', 'lookup over a continuous range')
  t.equal(direction(component({ input: 'candidate.cpraPercent', scale: { kind: 'lookup', entries: [{ key: 100, value: 0 }], otherwise: 0 } }), rise('candidate.cpraPercent')), 'none', 'a flat lookup')
  const f = (formula: string, change = rise('candidate.cpraPercent')): string => direction(component({ scale: { kind: 'formula', formula } }), change)
  t.equal(f('candidate.cpraPercent * 2 - candidate.waitingDays / 365'), 'higher')
  t.equal(f('-candidate.cpraPercent'), 'lower')
  t.equal(f('2 - candidate.cpraPercent'), 'lower')
  t.equal(f('candidate.cpraPercent * candidate.mmpPercent'), 'higher', 'a product of non-negative values')
  t.equal(f('candidate.cpraPercent * (candidate.mmpPercent - 50)'), 'mixed', 'times a value of either sign')
  t.equal(f('candidate.cpraPercent * -3'), 'lower')
  t.equal(f('candidate.cpraPercent * candidate.cpraPercent'), 'higher')
  t.equal(f('(candidate.cpraPercent - 50) * (candidate.cpraPercent - 50)'), 'mixed')
  t.equal(f('candidate.cpraPercent / 4'), 'higher')
  t.equal(f('candidate.cpraPercent / -4'), 'lower')
  t.equal(f('candidate.cpraPercent / (candidate.mmpPercent - 50)'), 'mixed')
  t.equal(f('100 / (candidate.cpraPercent + 1)'), 'lower')
  t.equal(f('-100 / (candidate.cpraPercent + 1)'), 'higher')
  t.equal(f('100 / (candidate.cpraPercent - 1)'), 'mixed', 'a denominator crossing zero')
  t.equal(f('(candidate.mmpPercent - 50) / (candidate.cpraPercent + 1)'), 'mixed')
  t.equal(f('candidate.cpraPercent / candidate.cpraPercent'), 'mixed')
  t.equal(f('if(candidate.cpraPercent >= 98, 10, 0)'), 'higher')
  t.equal(f('if(candidate.cpraPercent < 98, 10, 0)'), 'lower')
  t.equal(f('if(candidate.cpraPercent > candidate.mmpPercent, 1, 0) + if(candidate.cpraPercent <= 20, 0, 1)'), 'higher')
  t.equal(f('if(candidate.cpraPercent == 50, 1, 0)'), 'mixed')
  t.equal(f('if(candidate.mmpPercent == 50, 1, 0)'), 'none')
  t.equal(f('if(candidate.cpraPercent > 50, candidate.cpraPercent, 200)'), 'mixed', 'branches whose ranges overlap the wrong way')
  t.equal(f('if(candidate.cpraPercent > 50, 0, 100 - candidate.cpraPercent)'), 'lower')
  t.equal(f('if(candidate.priorLivingDonor, candidate.cpraPercent, 0)'), 'higher', 'a constant condition')
  t.equal(f('min(candidate.cpraPercent, 10) + max(candidate.cpraPercent, 90) + exp(candidate.cpraPercent / 100) + ln(candidate.cpraPercent + 1)'), 'higher')
  t.equal(f('abs(candidate.cpraPercent) - abs(0 - candidate.cpraPercent - 1)'), 'mixed', 'abs of a non-positive value falls')
  t.equal(f('abs(candidate.cpraPercent - 50)'), 'mixed')
  t.equal(f('cos(candidate.cpraPercent) + sin(candidate.mmpPercent)'), 'mixed')
  t.equal(f('cos(candidate.mmpPercent)'), 'none')
  t.equal(f('pow(candidate.cpraPercent, 2) - pow(candidate.cpraPercent + 1, -1)'), 'higher')
  t.equal(f('pow(2, candidate.cpraPercent / 10) - pow(0.5, candidate.cpraPercent)'), 'higher')
  t.equal(f('pow(candidate.cpraPercent - 50, 2)'), 'mixed')
  t.equal(f('pow(candidate.cpraPercent, candidate.cpraPercent / 100)'), 'mixed')
  t.equal(f('pow(candidate.mmpPercent, 2)'), 'none')
  t.equal(f('if(known(candidate.meld) and candidate.meld >= 30, 1, 0)', rise('candidate.meld')), 'higher')
  t.equal(f('if(aboCompatible(\'compatible\'), 1, 0)'), 'none')
  t.equal(f('if(candidate.urgency == \'HU\', candidate.cpraPercent, 0)'), 'higher')
  t.equal(f('if(candidate.urgency != \'HU\', 1, 0)', rise('candidate.urgency')), 'none', 'a numeric change leaves categories alone')
})

t.test('directions: category changes, tiers, tie-breakers, eligibility', async (t) => {
  const hu = (from: string, to: string): AttributeChange => ({ kind: 'category', attribute: 'candidate.urgency', from, to })
  const urgency = (c: PolicyComponent): PolicyDocument => withComponents([c])
  t.equal(direction(urgency({ name: 'c', input: 'candidate.urgency', scale: { kind: 'lookup', entries: [{ key: 'HU', value: 500 }], otherwise: 0 }, weight: 1 }), hu('elective', 'HU')), 'higher')
  t.equal(direction(urgency({ name: 'c', input: 'candidate.urgency', scale: { kind: 'lookup', entries: [{ key: 'HU', value: 500 }], otherwise: 0 }, weight: 1 }), hu('HU', 'elective')), 'lower')
  t.equal(direction(urgency({ name: 'c', scale: { kind: 'formula', formula: 'if(candidate.urgency == \'HU\', 100, if(candidate.urgency != \'elective\', 50, 0))' }, weight: 1 }), hu('elective', 'HU')), 'higher', 'nested conditions folded exactly')
  t.equal(direction(urgency({ name: 'c', scale: { kind: 'formula', formula: 'if(candidate.urgency == \'HU\' and candidate.waitingDays > 0, candidate.waitingDays, 0) + candidate.cpraPercent' }, weight: 1 }), hu('elective', 'HU')), 'higher')
  t.equal(direction(urgency({ name: 'c', scale: { kind: 'formula', formula: 'if(candidate.urgency == \'HU\', candidate.cpraPercent, candidate.mmpPercent)' }, weight: 1 }), hu('elective', 'HU')), 'mixed', 'different values of overlapping ranges')
  t.equal(direction(urgency({ name: 'c', scale: { kind: 'formula', formula: '-(if(candidate.urgency == \'HU\', 1, 0)) * 2 + if(not (candidate.urgency == \'HU\'), 3, 3)' }, weight: 1 }), hu('elective', 'HU')), 'lower')
  t.equal(direction(urgency({ name: 'c', scale: { kind: 'formula', formula: 'if(if(candidate.urgency == \'HU\', 5, 0) * 2 + 1 > 2, candidate.cpraPercent + 200, candidate.cpraPercent)' }, weight: 1 }), hu('elective', 'HU')), 'higher', 'constants folded after substitution')
  const matrix = (rowsInput: string, rowKeys: Array<string | number | boolean>, values: number[][]): PolicyComponent => ({
    name: 'c', scale: { kind: 'matrix', rows: { input: rowsInput, keys: rowKeys }, columns: { input: 'pair.mismatchTotal', keys: [0, 1] }, values, otherwise: 0 }, weight: 1
  })
  t.equal(direction(urgency(matrix('candidate.urgency', ['elective', 'HU'], [[1, 0], [2, 1]])), hu('elective', 'HU')), 'higher', 'matrix row moved by a category change')
  t.equal(direction(urgency(matrix('candidate.urgency', ['elective', 'HU'], [[1, 0], [2, -1]])), hu('elective', 'HU')), 'mixed')
  t.equal(direction(urgency(matrix('candidate.priorLivingDonor', [false, true], [[1, 0], [2, 1]])), rise('candidate.priorLivingDonor')), 'higher', 'matrix row over a boolean')
  t.equal(direction(urgency(matrix('candidate.priorLivingDonor', [false, true], [[1, 0], [2, 1]])), rise('pair.mismatchTotal')), 'lower', 'matrix column over an exact set')
  t.equal(direction(urgency(matrix('candidate.cpraPercent', [100], [[1, 0]])), rise('candidate.cpraPercent')), 'mixed', 'a continuous axis')
  t.equal(direction(urgency({ ...matrix('candidate.priorLivingDonor', [false, true], [[1, 0], [2, 1]]), scale: { kind: 'matrix', rows: { input: 'candidate.priorLivingDonor', keys: [false, true] }, columns: { input: 'candidate.priorLivingDonor', keys: [false, true] }, values: [[0, 0], [0, 1]], otherwise: 0 } }), rise('candidate.priorLivingDonor')), 'mixed', 'both axes move')

  const tiered = (tiers: PolicyDocument['tiers'], extra: Partial<PolicyDocument> = {}): PolicyDocument => minimalPolicy({ tiers, ...extra })
  const circles = tiered([
    { name: 'hu-near', when: 'candidate.urgency == \'HU\' and pair.distanceNm <= 500' },
    { name: 'elective-near', when: 'candidate.urgency == \'elective\' and pair.distanceNm <= 250' },
    { name: 'hu-far', when: 'candidate.urgency == \'HU\'' },
    { name: 'rest', when: 'true' }
  ])
  const up = changeDirection(compilePolicy(circles), hu('elective', 'HU'))
  t.equal(up.direction, 'higher', 'elective within 250 NM is covered by HU within 500 NM')
  t.equal(up.strictTierImprovement, true, 'and every elective tier by an earlier HU tier')
  const loose = changeDirection(compilePolicy(tiered([
    { name: 'hu-near', when: 'candidate.urgency == \'HU\' and pair.distanceNm <= 250' },
    { name: 'near', when: 'pair.distanceNm <= 500' },
    { name: 'rest', when: 'true' }
  ])), hu('elective', 'HU'))
  t.same([loose.direction, loose.strictTierImprovement], ['higher', false], 'a rising tier condition is better but not strictly')
  t.equal(direction(circles, hu('HU', 'elective')), 'lower')
  const strict = tiered([{ name: 'hu', when: 'candidate.urgency == \'HU\'' }, { name: 'rest', when: 'candidate.urgency == \'elective\'' }],
    { components: [{ name: 'w', scale: { kind: 'formula', formula: 'if(candidate.urgency == \'HU\', 0, candidate.waitingDays)' }, weight: 1 }] })
  const strictUp = changeDirection(compilePolicy(strict), hu('elective', 'HU'))
  t.same([strictUp.direction, strictUp.strictTierImprovement], ['higher', true], 'a certain move to an earlier tier outranks lost points')
  t.equal(strictUp.parts.find((p) => p.part === 'components.w')?.direction, 'lower', 'the points part is still reported')
  t.equal(direction(tiered([{ name: 'near', when: 'pair.distanceNm <= 250 and candidate.cpraPercent >= 98' }, { name: 'rest', when: 'true' }]), rise('candidate.cpraPercent')), 'higher')
  t.equal(direction(tiered([{ name: 'low', when: 'candidate.cpraPercent < 50' }, { name: 'rest', when: 'true' }]), rise('candidate.cpraPercent')), 'lower')
  t.equal(direction(tiered([{ name: 'a', when: 'candidate.cpraPercent < 50 and candidate.mmpPercent > 2' }, { name: 'b', when: 'candidate.cpraPercent > 60' }, { name: 'rest', when: 'true' }]), rise('candidate.cpraPercent')), 'mixed')
  t.equal(direction(tiered([{ name: 'hu', when: 'candidate.urgency == \'HU\' and 500 >= pair.distanceNm' }, { name: 'near', when: 'candidate.urgency == \'elective\' and pair.distanceNm < 250' }, { name: 'rest', when: 'candidate.urgency == \'elective\' and 99 < candidate.cpraPercent' }]), hu('elective', 'HU')), 'mixed', 'a mirrored bound covers the circle, not the cPRA tier')
  t.equal(direction(tiered([{ name: 'a', when: 'candidate.urgency == \'HU\' or candidate.cpraPercent >= 100' }, { name: 'b', when: '50 >= candidate.cpraPercent and candidate.urgency == \'elective\'' }, { name: 'rest', when: 'true' }]), hu('elective', 'HU')), 'higher', 'a disjunction and a mirrored bound')

  t.equal(direction(minimalPolicy({ tieBreakers: [{ name: 'w', input: 'candidate.waitingDays', order: 'desc' }] }), rise('candidate.waitingDays')), 'higher')
  t.equal(direction(minimalPolicy({ tieBreakers: [{ name: 'w', input: 'candidate.waitingDays', order: 'asc' }] }), rise('candidate.waitingDays')), 'mixed', 'points up, tie-break down')
  const rules = (require: string): PolicyDocument => minimalPolicy({ eligibility: { statuses: ['active'], abo: { ruleSet: 'identical' }, virtualCrossmatch: true, centreAuthorisation: true, acceptanceCriteria: [], rules: [{ id: 'r', reason: 'CANDIDATE_AGE', require, description: 'r' }] } })
  t.equal(direction(rules('candidate.ageYears >= 65'), rise('candidate.ageYears')), 'higher')
  t.equal(direction(rules('candidate.ageYears < 65'), rise('candidate.ageYears')), 'lower')
  const abo = (exceptions: Array<{ when: string, ruleSet: 'compatible' | 'identical' | 'us-kidney' | 'heart-secondary' }>, base: 'identical' | 'us-kidney' = 'identical'): PolicyDocument =>
    minimalPolicy({ hlaMatching: { A: 'broad', B: 'broad', DR: 'split' }, eligibility: { statuses: ['active'], abo: { ruleSet: base, exceptions }, virtualCrossmatch: true, centreAuthorisation: true, acceptanceCriteria: [], rules: [] } })
  t.equal(direction(abo([{ when: 'candidate.cpraPercent >= 99', ruleSet: 'compatible' }]), rise('candidate.cpraPercent')), 'higher', 'a widening exception')
  t.equal(direction(abo([{ when: 'candidate.cpraPercent >= 99', ruleSet: 'heart-secondary' }]), rise('candidate.cpraPercent')), 'mixed', 'an exception that narrows')
  t.equal(direction(abo([{ when: 'candidate.cpraPercent >= 99 and not aboCompatible(\'us-kidney\')', ruleSet: 'compatible' }], 'us-kidney'), rise('candidate.cpraPercent')), 'higher', 'guarded by the base rule set')
  t.equal(direction(abo([{ when: 'candidate.cpraPercent >= 99', ruleSet: 'compatible' }, { when: 'candidate.mmpPercent >= 99', ruleSet: 'compatible' }]), rise('candidate.cpraPercent')), 'higher')
  t.equal(direction(abo([{ when: 'candidate.cpraPercent >= 99', ruleSet: 'compatible' }, { when: 'candidate.cpraPercent >= 50', ruleSet: 'us-kidney' }]), rise('candidate.cpraPercent')), 'mixed', 'two moving exceptions with different rule sets')
})

t.test('the lint reports directions, urgency moves and clinical uses of the built-in policies', async (t) => {
  const lint = (id: string): ReturnType<typeof lintPolicy> | undefined => {
    const document = DOCUMENTS.find((d) => d.id === id)
    return document === undefined ? undefined : lintPolicy(document)
  }
  const etkas = lint('etkas-kidney')
  if (etkas !== undefined) {
    t.equal(etkas.directions['candidate.dialysisDays'], 'higher')
    t.same(etkas.urgencyOrder, [{ from: 'elective', to: 'HU' }])
    t.same(etkas.clinicalUses, [])
    t.equal(etkas.components.find((c) => c.name === 'waiting-time')?.directions['candidate.dialysisDays'], 'higher')
  }
  const liver = lint('us-liver-acuity-circles')
  if (liver !== undefined) {
    t.same(liver.clinicalUses.map((u) => [u.attribute, u.protectedAttribute, u.use]), [['candidate.meldOrPeld', 'sex', 'uses']], 'MELD 3.0 sex term declared')
    t.match(liver.clinicalUses[0]?.justification, /creatinine/)
    t.ok(liver.warnings.some((w) => w.code === 'VIRTUAL_CROSSMATCH_OFF'))
  }
  const kas = lint('us-kas-kidney')
  if (kas !== undefined) t.same(kas.clinicalUses.map((u) => [u.attribute, u.use]), [['donor.kdpi', 'removed']], 'KDPI: race removed by the 2024 refit')
  const uk = lint('uk-kos-kidney-2019')
  if (uk !== undefined) t.same(uk.clinicalUses.map((u) => [u.attribute, u.protectedAttribute]), [['donor.ukDonorRiskQuartile', 'sex']])
  t.match(LINT_METHOD, { points: /Interval arithmetic/, directions: /sign analysis/, proxies: /Correlation ratio/ })
})

t.test('correlation ratio: η, the point-biserial correlation and the F test', async (t) => {
  const random = createRandom('eta')
  const values: number[] = []
  const groups: string[] = []
  for (let i = 0; i < 400; i++) {
    const female = random.nextFloat() < 0.4
    groups.push(female ? 'female' : 'male')
    values.push((female ? 12 : 10) + random.nextFloat() * 10)
  }
  const r = correlationRatio(values, groups)
  // Pearson r between the values and a 0/1 indicator of the second group, computed directly.
  const x: number[] = groups.map((g) => g === 'male' ? 1 : 0)
  const mx = x.reduce((a, b) => a + b, 0) / x.length
  const my = values.reduce((a, b) => a + b, 0) / values.length
  let sxy = 0
  let sxx = 0
  let syy = 0
  x.forEach((xi, i) => { const dy = (values[i] as number) - my; sxy += (xi - mx) * dy; sxx += (xi - mx) ** 2; syy += dy ** 2 })
  const pearson = sxy / Math.sqrt(sxx * syy)
  t.ok(Math.abs(r.eta - Math.abs(pearson)) < 1e-12, `η ${r.eta} = |r| ${Math.abs(pearson)}`)
  t.ok(Math.abs((r.pointBiserial as number) - pearson) < 1e-12, 'signed towards the group with the higher mean')
  const n = values.length
  const tStat = pearson * Math.sqrt((n - 2) / (1 - pearson ** 2))
  t.ok(Math.abs(r.fTest.f - tStat ** 2) < 1e-6 * tStat ** 2, 'F = t² for two groups')
  const pTwoSided = 2 * (1 - studentTCdf(Math.abs(tStat), n - 2))
  t.ok(Math.abs(r.fTest.pValue - pTwoSided) < 1e-9 + 1e-6 * pTwoSided, `p ${r.fTest.pValue} equals the two-sided t test's ${pTwoSided}`)
  t.same([r.fTest.dfBetween, r.fTest.dfWithin, r.count], [1, n - 2, n])

  t.same(correlationRatio([5, 5, 5, 5], ['a', 'b', 'a', 'b'], { minGroupSize: 1 }).eta, 0, 'a constant has nothing to explain')
  t.same(correlationRatio([1 / 3 + 1e-16, 1 / 3, 1 / 3, 1 / 3 - 1e-16], ['a', 'b', 'a', 'b'], { minGroupSize: 1 }).fTest.pValue, 1, 'rounding noise is constant')
  const perfect = correlationRatio([1, 1, 2, 2], ['a', 'a', 'b', 'b'], { minGroupSize: 1 })
  t.same([perfect.eta, perfect.fTest.f, perfect.fTest.pValue], [1, Infinity, 0], 'groups explain everything')
  t.equal(correlationRatio([1, 2, 3], ['a', 'a', 'b']).eta, 0, 'groups under the minimum size are left out')
  t.same(correlationRatio([1, 2, 3, 9], ['a', undefined, '', 'a'], { minGroupSize: 1 }).count, 2, 'unrecorded groups are left out')
  t.equal(correlationRatio([1, Number.NaN, 3], ['a', 'b', 'c'], { minGroupSize: 1 }).count, 2, 'non-finite values are left out')
  const three = correlationRatio([1, 2, 3, 4, 5, 6], ['a', 'a', 'b', 'b', 'c', 'c'], { minGroupSize: 2 })
  t.equal(three.pointBiserial, undefined, 'no signed value for three groups')
  t.equal(three.groups.length, 3)
  const bySubject = correlationRatio([1, 3, 10, 10, 10, 10], ['a', 'a', 'b', 'b', 'b', 'b'], { minGroupSize: 1, subjects: [1, 1, 2, 2, 3, 3] })
  t.same(bySubject.groups.map((g) => [g.group, g.count, g.meanPoints]), [['a', 1, 2], ['b', 2, 10]], 'subjects count once, with their mean')
  t.throws(() => correlationRatio([1, 2], ['a']), { code: 'ENGINE_INVALID_FIELD', field: 'groups' })
  t.throws(() => correlationRatio([1, 2], ['a', 'b'], { subjects: [1] }), { code: 'ENGINE_INVALID_FIELD', field: 'subjects' })
  t.same([formatP(0), formatP(0.00012), formatP(0.5)], ['< 1e-12', '1.2e-4', '0.500'])
})

t.test('proxy warnings on a sample: known mechanisms, unexplained links, small samples', async (t) => {
  const document = minimalPolicy({
    tiers: [{ name: 'short', when: 'candidate.heightCm < 160' }, { name: 'rest', when: 'true' }],
    components: [
      { name: 'height', input: 'candidate.heightCm', scale: { kind: 'linear', slope: -0.1, intercept: 20 }, weight: 1 },
      { name: 'waiting', input: 'candidate.waitingDays / 365', scale: { kind: 'linear', slope: 1 }, weight: 1 },
      { name: 'cpra', input: 'candidate.cpraPercent', scale: { kind: 'linear', slope: 0.01 }, weight: 1 }
    ]
  })
  const random = createRandom('proxy-sample')
  const make = (count: number): FairnessSample => {
    const height: number[] = []
    const waiting: number[] = []
    const cpra: number[] = []
    const tier: number[] = []
    const sex: string[] = []
    const race: Array<string | undefined> = []
    for (let i = 0; i < count; i++) {
      const female = random.nextFloat() < 0.5
      const group = ['white', 'black', 'asian'][i % 3] as string
      const h = (female ? 162 : 176) + (random.nextFloat() - 0.5) * 14
      height.push(20 - 0.1 * h)
      waiting.push((group === 'black' ? 4 : 2) + random.nextFloat())
      cpra.push(random.nextFloat())
      tier.push(h < 160 ? 0 : 1)
      sex.push(female ? 'female' : 'male')
      race.push(i % 17 === 0 ? undefined : group)
    }
    return { componentPoints: { height, waiting, cpra }, tierIndex: tier, protectedAttributes: { sex, 'race/ethnicity': race }, description: 'test sample' }
  }
  const lint = lintPolicy(document, { sample: make(600) })
  const warned = lint.warnings.filter((w) => w.code === 'PROXY')
  t.ok(warned.some((w) => w.path === '/components/0' && w.protectedAttribute === 'sex' && /Women are on average shorter/.test(w.message)), 'height ↔ sex, with its mechanism')
  t.ok(warned.some((w) => w.path === '/components/1' && w.protectedAttribute === 'race/ethnicity' && /Time from kidney failure/.test(w.message)), 'waiting ↔ race has a known mechanism too')
  t.ok(warned.some((w) => w.path === '/tiers/0' && w.protectedAttribute === 'sex'), 'a tier can be a proxy')
  t.notOk(warned.some((w) => w.path === '/components/2'), 'no warning for a component independent of the groups')
  t.equal(lint.proxies?.unit, 'entry', 'without subjects every entry is a unit')
  t.equal(lint.proxies?.sampleSize, 600)
  const shares = lint.components.reduce((sum, c) => sum + (c.observed?.shareOfTotalVariance ?? 0), 0)
  t.ok(Math.abs(shares - 1) < 1e-9, 'variance shares add up to 1')
  t.ok((lint.components[0]?.observed?.p5 as number) <= (lint.components[0]?.observed?.p95 as number))

  const unexplained = lintPolicy(minimalPolicy({ components: [{ name: 'bonus', input: 'candidate.priorLivingDonor', scale: { kind: 'lookup', entries: [{ key: true, value: 4 }], otherwise: 0 }, weight: 1 }] }), {
    sample: { componentPoints: { bonus: Array.from({ length: 200 }, (_, i) => i % 2 === 0 ? 4 : 0) }, protectedAttributes: { nationality: Array.from({ length: 200 }, (_, i) => i % 2 === 0 ? 'XA' : 'XS') } }
  })
  t.match(unexplained.warnings, [{ code: 'PROXY', protectedAttribute: 'nationality', message: /No clinical justification is on record/ }])

  const small = lintPolicy(document, { sample: make(40), minGroupSize: 5 })
  t.notOk(small.warnings.some((w) => w.path === '/components/2'), 'no warning from chance in a small sample')
  t.ok(small.proxies?.findings.every((f) => !f.warning || f.correlation.fTest.pValue < 0.001), 'every warning is significant')
  const subjects = lintPolicy(document, { sample: { ...make(300), subjects: Array.from({ length: 300 }, (_, i) => i % 150) } })
  t.equal(subjects.proxies?.unit, 'candidate')
  t.ok(subjects.proxies?.findings.every((f) => f.correlation.count <= 150), 'each subject counted once')
  const strictThreshold = lintPolicy(document, { sample: make(600), proxyThreshold: 0.99 })
  t.notOk(strictThreshold.warnings.some((w) => w.code === 'PROXY'), 'a higher threshold silences the warnings')
})
