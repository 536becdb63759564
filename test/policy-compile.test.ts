import t from 'tap'
import fc from 'fast-check'
import { compilePolicy, policyHash } from '../engine/policy/compile-policy.js'
import { parseExpression, ExpressionSyntaxError } from '../engine/policy/expression.js'
import { checkExpression } from '../engine/policy/expression-check.js'
import type { PolicyScale } from '../engine/policy/policy-schema.js'
import { ATTRIBUTES, lookupAttribute, protectedAttributeIn } from '../engine/policy/vocabulary.js'
import { asEvaluator, bindExpression, bindScale, type BindingEnvironment, type Bound } from '../engine/match/evaluator.js'
import { builtInPolicy, builtInPolicyDocument } from '../data/policies/index.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'

/**
 * A binding environment over two fake candidates (index 0 and 1): numbers come from `values`,
 * donor attributes are constants, categories are codes in `categories`.
 */
function environment (values: Record<string, readonly [number, number] | number>, categories: Record<string, readonly string[]> = {}): BindingEnvironment {
  return {
    attribute (name: string): Bound {
      const value = values[name]
      if (value === undefined) throw new Error(`test environment lacks ${name}`)
      return typeof value === 'number' ? value : (i) => value[i] as number
    },
    categoryCode (attribute: string, value: string): number {
      return (categories[attribute] ?? []).indexOf(value)
    },
    aboCompatible (ruleSet: string): Bound {
      return ruleSet === 'identical' ? (i) => i === 0 ? 1 : 0 : 1
    }
  }
}

function evaluate (source: string, env: BindingEnvironment, candidate = 0): number {
  const ast = parseExpression(source)
  const check = checkExpression(ast, { urgencyClasses: new Set(['elective', 'HU']) })
  if (check.issues.length > 0) throw new Error(check.issues.map((i) => i.message).join('; '))
  return asEvaluator(bindExpression(ast, env))(candidate)
}

t.test('compiling is deterministic and the hash ignores key order and spacing', async (t) => {
  const document = builtInPolicyDocument('etkas-kidney')
  const first = compilePolicy(document)
  const second = compilePolicy(JSON.parse(JSON.stringify(document, null, 7)))
  t.same(first, second, 'same document, equal compiled policy')
  const reordered = Object.fromEntries(Object.entries(document).reverse())
  t.equal(compilePolicy(reordered).hash, first.hash)
  t.equal(first.hash, policyHash(document))
  t.match(first.hash, /^[0-9a-f]{64}$/)
  t.not(compilePolicy({ ...document, version: '1.0.1' }).hash, first.hash, 'any change gives another hash')
  t.ok(Object.isFrozen(first) && Object.isFrozen(first.components[0]), 'compiled policies are frozen')
  t.notOk(Object.isFrozen(document), 'the caller\'s document is not frozen')
  t.equal(JSON.stringify(first.document), JSON.stringify(document), 'the compiled policy keeps its document')
})

t.test('the compiled policy records which attributes each part reads', async (t) => {
  const kas = builtInPolicy('us-kas-kidney')
  t.same(kas.reads.components['dr-mismatch'], ['pair.mismatchDR'])
  t.same(kas.reads.components['proximity-outside-circle'], ['pair.distanceNm'])
  t.same(kas.reads.tiers['top-epts-circle'], ['candidate.eptsPercent', 'donor.kdpi', 'pair.distanceNm'])
  t.same(kas.reads.tieBreakers.registration, ['candidate.registeredAtDays'])
  t.ok(kas.reads.eligibility.includes('candidate.unacceptableAntigens') && kas.reads.eligibility.includes('donor.kdpi'))
  const etkas = builtInPolicy('etkas-kidney')
  t.same(etkas.reads.components['paediatric-hla'], ['candidate.ageAtRegistrationYears', 'pair.mismatchTotal'])
  t.same(etkas.reads.components.distance, ['pair.sameCountry', 'pair.sameRegion'])
  for (const policy of [kas, etkas]) {
    for (const name of policy.reads.all) {
      t.ok(lookupAttribute(name) !== undefined || ['candidate.unacceptableAntigens', 'donor.hla'].includes(name), `${name} is a vocabulary attribute`)
      t.equal(protectedAttributeIn(name), undefined, `${name} is not protected`)
    }
  }
  // A guarded read is recorded as read but not as needed.
  const epts = kas.tiers.find((tier) => tier.name === 'top-epts-circle')
  t.same(epts?.when.needs, ['donor.kdpi'], 'the EPTS read is guarded by known(); the donor KDPI is not')
  t.same(kas.tiers.find((tier) => tier.name === 'zero-abdr-mismatch')?.when.needs, ['pair.mismatchTotal'])
})

t.test('the vocabulary is closed and free of protected attributes', async (t) => {
  for (const attribute of ATTRIBUTES) t.equal(protectedAttributeIn(attribute.name), undefined, attribute.name)
  t.equal(protectedAttributeIn('candidate.sex'), 'sex')
  t.equal(protectedAttributeIn('candidate.raceEthnicity'), 'race/ethnicity')
  t.equal(protectedAttributeIn('donor.is_female'), 'sex')
  t.equal(protectedAttributeIn('candidate.religion'), 'religion')
  t.equal(protectedAttributeIn('candidate.insurancePayer'), 'payer')
  t.equal(protectedAttributeIn('candidate.countryOfCitizenship'), 'nationality')
  t.equal(protectedAttributeIn('candidate.traceable'), undefined, 'whole words only')
  t.equal(new Set(ATTRIBUTES.map((a) => a.name)).size, ATTRIBUTES.length)
})

t.test('expressions follow the documented precedence and arithmetic', async (t) => {
  const env = environment({ 'candidate.ageYears': [30, 70], 'donor.ageYears': 50, 'candidate.waitingDays': [365, 730], 'donor.dcd': 1, 'candidate.priorLivingDonor': [0, 1] })
  t.equal(evaluate('1 + 2 * 3', env), 7)
  t.equal(evaluate('(1 + 2) * 3', env), 9)
  t.equal(evaluate('2 - 3 - 4', env), -5, 'left associative')
  t.equal(evaluate('8 / 4 / 2', env), 1)
  t.equal(evaluate('-2 * -3', env), 6)
  t.equal(evaluate('--2', env), 2)
  t.equal(evaluate('1.5e2 + .5', env), 150.5)
  t.equal(evaluate('candidate.waitingDays / 365', env, 1), 2)
  t.equal(evaluate('donor.ageYears - candidate.ageYears', env, 0), 20)
  t.equal(evaluate('pow(donor.ageYears - candidate.ageYears, 2) * -0.5', env, 1), -200)
  t.equal(evaluate('min(candidate.ageYears, 40, 35)', env, 1), 35)
  t.equal(evaluate('max(candidate.ageYears, 40)', env, 0), 40)
  t.equal(evaluate('abs(donor.ageYears - candidate.ageYears)', env, 1), 20)
  t.equal(evaluate('ln(exp(2))', env), 2)
  t.equal(evaluate('1200 * cos(candidate.ageYears / 18) + 2300', env, 0), 1200 * Math.cos(30 / 18) + 2300)
  t.equal(evaluate('400 * sin(candidate.ageYears / 50)', env, 1), 400 * Math.sin(70 / 50))
  t.equal(evaluate('if(candidate.ageYears < 40, 1, 2)', env, 0), 1)
  t.equal(evaluate('if(candidate.ageYears < 40, 1, 2)', env, 1), 2)
  t.equal(evaluate('if(donor.dcd, 10, 20)', env), 10, 'constant condition folds')
  t.equal(evaluate('candidate.ageYears >= 30 and candidate.ageYears <= 30', env, 0), 1)
  t.equal(evaluate('not candidate.priorLivingDonor or candidate.ageYears > 60', env, 1), 1)
  t.equal(evaluate('not candidate.priorLivingDonor or candidate.ageYears > 60', env, 0), 1)
  t.equal(evaluate('true and false or true', env), 1, 'and binds tighter than or')
  t.equal(evaluate('false and true or false', env), 0)
  t.equal(evaluate('not true == false', env), 1, 'comparison binds tighter than not')
  t.equal(evaluate('1 == 1 and 2 != 3 and 1 < 2 and 2 > 1 and 1 <= 1 and 1 >= 1', env), 1)
  t.equal(evaluate('donor.dcd and candidate.priorLivingDonor', env, 1), 1)
  t.equal(evaluate('donor.dcd or candidate.priorLivingDonor', env, 0), 1)
  t.equal(evaluate('not donor.dcd and candidate.priorLivingDonor', env, 1), 0)
  t.equal(evaluate('not donor.dcd or candidate.priorLivingDonor', env, 0), 0)
  t.equal(evaluate('aboCompatible("identical")', env, 1), 0)
  t.equal(evaluate('aboCompatible("compatible")', env, 1), 1)
})

t.test('categories compare as codes, unknown values never match', async (t) => {
  const env = environment({ 'candidate.urgency': [0, 1], 'donor.abo': 2 }, { 'candidate.urgency': ['elective', 'HU'], 'donor.abo': ['O', 'A', 'B', 'AB'] })
  t.equal(evaluate('candidate.urgency == "HU"', env, 1), 1)
  t.equal(evaluate('"HU" == candidate.urgency', env, 0), 0)
  t.equal(evaluate('candidate.urgency != \'HU\'', env, 0), 1)
  t.equal(evaluate('donor.abo == "B"', env), 1)
  const none = environment({ 'candidate.urgency': [0, 0] }, { 'candidate.urgency': ['elective'] })
  t.equal(evaluate('candidate.urgency == "HU"', none, 0), 0, 'a class no candidate has gets code -1')
})

t.test('known() tests for a recorded value and guards what follows it', async (t) => {
  const env = environment({ 'candidate.eptsPercent': [10, Number.NaN], 'donor.kdpi': Number.NaN })
  t.equal(evaluate('known(candidate.eptsPercent)', env, 0), 1)
  t.equal(evaluate('known(candidate.eptsPercent)', env, 1), 0)
  t.equal(evaluate('known(candidate.eptsPercent) and candidate.eptsPercent <= 20', env, 1), 0)
  t.equal(evaluate('if(known(candidate.eptsPercent), candidate.eptsPercent, 99)', env, 1), 99)
  t.equal(evaluate('known(donor.kdpi)', env), 0)
  const needs = (source: string): readonly string[] => checkExpression(parseExpression(source), { urgencyClasses: new Set() }).needs
  t.same(needs('candidate.eptsPercent <= 20'), ['candidate.eptsPercent'])
  t.same(needs('known(candidate.eptsPercent) and candidate.eptsPercent <= 20'), [])
  t.same(needs('not known(candidate.eptsPercent) or candidate.eptsPercent <= 20'), [])
  t.same(needs('if(known(candidate.meld), candidate.meld, candidate.peld)'), ['candidate.peld'])
  t.same(needs('if(not known(candidate.meld), 0, candidate.meld)'), [])
  t.same(needs('candidate.eptsPercent <= 20 and known(candidate.eptsPercent)'), ['candidate.eptsPercent'], 'a guard protects only what follows it')
  t.same(needs('known(candidate.meld) or candidate.meld > 3'), ['candidate.meld'])
})

t.test('parse errors carry the character offset', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty expression/],
    ['(1 + 2', /expected "\)" but found the end/],
    ['1 +', /unexpected end/],
    ['candidate.', /expected an attribute name/],
    ['candidate.a.b', /one dot/],
    ['candidate + 1', /expected "candidate\.<attribute>"/],
    ['"open', /unterminated text/],
    ['1 2', /unexpected number 2/],
    ['and', /unexpected "and"/],
    ['1 # 2', /unexpected "#"/],
    [')', /unexpected "\)"/],
    ['min(1, 2', /expected "\)"/]
  ]
  for (const [source, pattern] of cases) {
    const error = t.throws(() => parseExpression(source), ExpressionSyntaxError, JSON.stringify(source)) as ExpressionSyntaxError
    t.match(error.message, pattern, JSON.stringify(source))
    t.ok(error.offset >= 0 && error.offset <= source.length)
  }
})

t.test('rating scales', async (t) => {
  const rate = (scale: PolicyScale, values: readonly [number, number], candidate: number, categories?: Record<string, readonly string[]>): number => {
    const env = environment({ 'candidate.cpraPercent': values, 'candidate.urgency': values, 'donor.kdpi': 42 }, categories)
    const node = parseExpression(scale.kind === 'lookup' && typeof scale.entries[0]?.key === 'string' ? 'candidate.urgency' : 'candidate.cpraPercent')
    return asEvaluator(bindScale(scale, { node, bound: bindExpression(node, env) }, {}, env))(candidate)
  }
  const linear: PolicyScale = { kind: 'linear', slope: 2, intercept: 1, min: 0, max: 10 }
  t.equal(rate(linear, [3, 20], 0), 7)
  t.equal(rate(linear, [3, 20], 1), 10, 'capped at max')
  t.equal(rate(linear, [-5, 0], 0), 0, 'floored at min')
  t.equal(rate({ kind: 'linear', slope: 0.5 }, [3, 0], 0), 1.5, 'intercept defaults to 0, no caps')

  const steps: PolicyScale = { kind: 'steps', below: -1, steps: [{ atLeast: 20, value: 0.08 }, { atLeast: 98, value: 24.4 }, { atLeast: 100, value: 202.1 }] }
  for (const [input, expected] of [[0, -1], [19.99, -1], [20, 0.08], [97.9, 0.08], [98, 24.4], [99.5, 24.4], [100, 202.1]] as const) {
    t.equal(rate(steps, [input, 0], 0), expected, `steps(${input})`)
  }

  const piecewise: PolicyScale = { kind: 'piecewise-linear', points: [{ at: 45, value: 1 }, { at: 90, value: 0.85 }, { at: 1500, value: 0.5 }] }
  t.equal(rate(piecewise, [0, 45], 0), 1, 'flat before the first knot')
  t.equal(rate(piecewise, [0, 45], 1), 1)
  t.equal(rate(piecewise, [67.5, 0], 0), 0.925, 'halfway between knots')
  t.equal(rate(piecewise, [90, 0], 0), 0.85)
  t.equal(rate(piecewise, [795, 0], 0), 0.675)
  t.equal(rate(piecewise, [5000, 0], 0), 0.5, 'flat after the last knot')

  // Lung CAS urgency rating: (25^(1 - E/365) - 1) / 24, a decreasing sliding scale.
  const exponential: PolicyScale = { kind: 'exponential', base: 25, from: 365, to: 0 }
  t.equal(rate(exponential, [365, 0], 0), 0)
  t.equal(rate(exponential, [365, 0], 1), 1)
  t.equal(rate(exponential, [182.5, 0], 0), (Math.pow(25, 0.5) - 1) / 24)
  t.equal(rate(exponential, [400, -10], 0), 0, 'clamped below')
  t.equal(rate(exponential, [400, -10], 1), 1, 'clamped above')

  const lookup: PolicyScale = { kind: 'lookup', entries: [{ key: 0, value: 2 }, { key: 1, value: 1 }], otherwise: 0 }
  t.equal(rate(lookup, [0, 1], 0), 2)
  t.equal(rate(lookup, [0, 1], 1), 1)
  t.equal(rate(lookup, [2, 1], 0), 0, 'otherwise')
  const byCategory: PolicyScale = { kind: 'lookup', entries: [{ key: 'HU', value: 500 }], otherwise: 0 }
  t.equal(rate(byCategory, [0, 1], 1, { 'candidate.urgency': ['elective', 'HU'] }), 500)
  t.equal(rate(byCategory, [0, 1], 0, { 'candidate.urgency': ['elective', 'HU'] }), 0)

  // UK KOS donor × recipient risk-index matrix (clinical-scores.md section 7b).
  const env = environment({ 'donor.ukDonorRiskQuartile': 2, 'candidate.ukRecipientRiskQuartile': [3, 7] })
  const matrix: PolicyScale = {
    kind: 'matrix',
    rows: { input: 'donor.ukDonorRiskQuartile', keys: [1, 2, 3, 4] },
    columns: { input: 'candidate.ukRecipientRiskQuartile', keys: [1, 2, 3, 4] },
    values: [[1000, 700, 350, 0], [700, 1000, 500, 350], [350, 500, 1000, 700], [0, 350, 700, 1000]],
    otherwise: -1
  }
  const bound = asEvaluator(bindScale(matrix, undefined, { rows: parseExpression(matrix.rows.input), columns: parseExpression(matrix.columns.input) }, env))
  t.equal(bound(0), 500, 'D2 R3')
  t.equal(bound(1), -1, 'a value outside the keys takes otherwise')
  const constant = bindScale(matrix, undefined, { rows: parseExpression('donor.ukDonorRiskQuartile'), columns: parseExpression('donor.ukDonorRiskQuartile') }, env)
  t.equal(constant, 1000, 'a matrix over donor values folds to a constant')
  const formula = bindScale({ kind: 'formula', formula: 'x' }, undefined, { formula: parseExpression('donor.ukDonorRiskQuartile * 10') }, env)
  t.equal(formula, 20)
})

t.test('property: a linear scale is monotone and stays within its caps', async (t) => {
  fc.assert(fc.property(
    fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }),
    fc.double({ min: -50, max: 0, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }),
    (slope, x1, x2, min, max) => {
      const env = environment({ 'candidate.cpraPercent': [Math.min(x1, x2), Math.max(x1, x2)] })
      const node = parseExpression('candidate.cpraPercent')
      const f = asEvaluator(bindScale({ kind: 'linear', slope, min, max }, { node, bound: bindExpression(node, env) }, {}, env))
      const [low, high] = [f(0), f(1)]
      return low >= min && low <= max && high >= min && high <= max && (slope >= 0 ? low <= high : low >= high)
    }), { numRuns: 200 })
  t.pass('linear scale property holds')
})

t.test('minimal policies compile with every scale kind', async (t) => {
  const policy = compilePolicy(minimalPolicy({
    hlaMatching: { A: 'broad', B: 'broad', DR: 'split' },
    components: [
      { name: 'a', input: 'candidate.cpraPercent', scale: { kind: 'exponential', base: 100, from: 0, to: 100 }, weight: 5 },
      { name: 'b', input: 'pair.ukMismatchLevel', scale: { kind: 'steps', below: 0, steps: [{ atLeast: 1, value: 1 }] }, weight: 1 },
      { name: 'c', scale: { kind: 'matrix', rows: { input: 'candidate.abo', keys: ['O', 'A'] }, columns: { input: 'donor.dcd', keys: [true, false] }, values: [[1, 2], [3, 4]], otherwise: 0 }, weight: 1 }
    ]
  }))
  t.same(policy.components.map((c) => c.reads), [['candidate.cpraPercent'], ['pair.ukMismatchLevel'], ['candidate.abo', 'donor.dcd']])
  t.same(policy.hlaMatching, { A: 'broad', B: 'broad', DR: 'split' })
})
