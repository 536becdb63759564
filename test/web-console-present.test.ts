import t from 'tap'
import fc from 'fast-check'
import {
  describeProblem, formatPoints, groupExclusions, idempotencyKey, isProblem, offerBody, parseAntigens, pointsBreakdown, progressText, requiredNumber,
  humanise, shortHash, simulationSeries, triState, viewsFor, type ExcludedEntry
} from '../api/web/present.js'

t.test('views follow the roles: officer, analyst, auditor (also the registry authority); admin none', async (t) => {
  t.same(viewsFor(['allocation-officer']), ['officer'])
  t.same(viewsFor(['registry-authority']), ['auditor'])
  t.same(viewsFor(['auditor', 'policy-analyst', 'allocation-officer']), ['officer', 'analyst', 'auditor'], 'navigation order, whatever the role order')
  t.same(viewsFor(['admin']), [])
  t.same(viewsFor(['registry-clerk', 'protection-officer']), [])
})

t.test('exclusions grouped by reason: largest group first, a candidate under each of its reasons', async (t) => {
  const excluded: ExcludedEntry[] = [
    { candidateId: 'C-1', centreId: 'X1', reasons: [{ code: 'ABO_INCOMPATIBLE', detail: 'O donor, A candidate' }] },
    { candidateId: 'C-2', centreId: 'X1', reasons: [{ code: 'POSITIVE_VIRTUAL_CROSSMATCH', detail: 'unacceptable antigens', antigens: ['A2', 'B7'] }, { code: 'ABO_INCOMPATIBLE', detail: 'O donor, B candidate' }] },
    { candidateId: 'C-3', centreId: 'X2', reasons: [{ code: 'INACTIVE', detail: 'inactive' }] },
    { candidateId: 'C-4', centreId: 'X2', reasons: [{ code: 'DONOR_AGE', detail: 'too old' }] }
  ]
  const groups = groupExclusions(excluded)
  t.same(groups.map((g) => [g.code, g.candidates.length]), [['ABO_INCOMPATIBLE', 2], ['DONOR_AGE', 1], ['INACTIVE', 1], ['POSITIVE_VIRTUAL_CROSSMATCH', 1]], 'by size, then by code')
  t.same(groups.find((g) => g.code === 'POSITIVE_VIRTUAL_CROSSMATCH')?.candidates, [{ candidateId: 'C-2', centreId: 'X1', detail: 'unacceptable antigens (A2, B7)' }], 'antigens named')
  t.same(groupExclusions([]), [])

  fc.assert(fc.property(fc.array(fc.record({
    candidateId: fc.string({ minLength: 1, maxLength: 4 }),
    centreId: fc.constant('X'),
    reasons: fc.array(fc.record({ code: fc.constantFrom('A', 'B', 'C', 'D'), detail: fc.string({ maxLength: 3 }) }), { minLength: 1, maxLength: 3 })
  }), { maxLength: 30 }), (entries) => {
    const grouped = groupExclusions(entries)
    const total = grouped.reduce((sum, g) => sum + g.candidates.length, 0)
    const reasons = entries.reduce((sum, e) => sum + e.reasons.length, 0)
    const sizes = grouped.map((g) => g.candidates.length)
    return total === reasons && new Set(grouped.map((g) => g.code)).size === grouped.length && sizes.every((size, i) => i === 0 || (sizes[i - 1] as number) >= size)
  }), { numRuns: 200 })
  t.pass('every reason lands in exactly one group; groups are distinct and ordered by size')
})

t.test('points: two decimals at most, a real minus sign, the total last', async (t) => {
  t.equal(formatPoints(827.3100000001), '827.31')
  t.equal(formatPoints(400), '400')
  t.equal(formatPoints(12.5), '12.5')
  t.equal(formatPoints(-3.256), '\u22123.26')
  t.equal(formatPoints(-0.001), '0', 'no negative zero')
  t.equal(formatPoints(Number.NaN), 'NaN', 'a broken value is visible, not hidden')
  t.same(pointsBreakdown({ points: { hla: 400, 'waiting-time': 133.333 }, totalPoints: 533.333 }),
    [{ component: 'hla', points: '400' }, { component: 'waiting-time', points: '133.33' }, { component: 'total', points: '533.33' }])
  t.equal(shortHash('0123456789abcdef0123'), '0123456789ab\u2026')
  t.equal(shortHash('abc'), 'abc')
})

t.test('offer form: N and B need a 700-series code, Y and Z take none', async (t) => {
  t.same(offerBody({ candidateId: ' C-1 ', response: 'Y', refusalCode: '' }), { ok: true, value: { candidateId: 'C-1', response: 'Y' } })
  t.same(offerBody({ candidateId: 'C-1', response: 'N', refusalCode: '702' }), { ok: true, value: { candidateId: 'C-1', response: 'N', refusalCode: 702 } })
  t.same(offerBody({ candidateId: 'C-1', response: 'B', refusalCode: ' 799 ' }), { ok: true, value: { candidateId: 'C-1', response: 'B', refusalCode: 799 } })
  t.match(offerBody({ candidateId: 'C-1', response: 'N', refusalCode: '' }), { ok: false, field: 'refusalCode' })
  t.match(offerBody({ candidateId: 'C-1', response: 'N', refusalCode: '699' }), { ok: false, field: 'refusalCode' })
  t.match(offerBody({ candidateId: 'C-1', response: 'B', refusalCode: '7o2' }), { ok: false, field: 'refusalCode' })
  t.match(offerBody({ candidateId: 'C-1', response: 'Z', refusalCode: '702' }), { ok: false, field: 'refusalCode', message: /takes no refusal code/ })
  t.match(offerBody({ candidateId: '', response: 'Y', refusalCode: '' }), { ok: false, field: 'candidateId' })
  t.match(offerBody({ candidateId: 'C-1', response: 'X', refusalCode: '' }), { ok: false, field: 'response' })
})

t.test('donor form values: required numbers never default to 0; antigens; tri-states', async (t) => {
  t.same(requiredNumber(' 1,1 ', 'creatinineMgDl', 'Creatinine'), { ok: true, value: 1.1 }, 'a decimal comma is read')
  t.match(requiredNumber('', 'ageYears', 'Age'), { ok: false, field: 'ageYears', message: 'Age is required.' })
  t.match(requiredNumber('fifty', 'ageYears', 'Age'), { ok: false, field: 'ageYears', message: /must be a number/ })
  t.same(parseAntigens(' A2, A24;A3  '), ['A2', 'A24', 'A3'])
  t.same(parseAntigens(''), [])
  t.equal(triState('yes'), true)
  t.equal(triState('no'), false)
  t.equal(triState('unknown'), 'unknown')
})

t.test('problems: detail, code and status, each field, and a hint for 403 and missing routes', async (t) => {
  t.same(describeProblem({ status: 400, code: 'API_VALIDATION_FAILED', detail: 'body.ageYears must be <= 120', errors: [{ field: 'body.ageYears', rule: 'must be <= 120' }] }),
    ['body.ageYears must be <= 120 (API_VALIDATION_FAILED, HTTP 400)', 'body.ageYears: must be <= 120'])
  t.match(describeProblem({ status: 403, code: 'API_FORBIDDEN', detail: 'needs auditor' }), ['needs auditor (API_FORBIDDEN, HTTP 403)', /roles do not include/])
  t.match(describeProblem({ status: 404, code: 'API_NOT_FOUND', detail: 'No route for POST /v1/simulations' }), [/API_NOT_FOUND/, /does not offer this function/])
  t.same(describeProblem({ status: 404, code: 'API_NOT_FOUND', detail: 'match run M-1 does not exist' }), ['match run M-1 does not exist (API_NOT_FOUND, HTTP 404)'])
  t.same(describeProblem({ status: 500, code: 'X', title: 'Internal Server Error' }), ['Internal Server Error (X, HTTP 500)'])
  t.ok(isProblem({ status: 400, code: 'X' }))
  t.notOk(isProblem({ status: '400', code: 'X' }))
  t.notOk(isProblem(null))
})

t.test('simulation results as chart series: one bar per arm and outcome, with its interval', async (t) => {
  const results = {
    arms: [
      { policy: { id: 'etkas-kidney', version: '1', hash: 'h' }, outcomes: { transplants: { mean: 10, lower: 8, upper: 12, sd: 1, n: 4 }, waitlistDeaths: { mean: 3, lower: 2, upper: 4, sd: 1, n: 4 } } },
      { policy: { id: 'us-kas-kidney', version: '1', hash: 'h' }, outcomes: { transplants: { mean: 11, lower: 9, upper: 13, sd: 1, n: 4 }, note: 'text is skipped' } }
    ]
  }
  t.same(simulationSeries(results), [
    { metric: 'transplants', bars: [{ label: 'etkas-kidney', value: 10, low: 8, high: 12 }, { label: 'us-kas-kidney', value: 11, low: 9, high: 13 }] },
    { metric: 'waitlistDeaths', bars: [{ label: 'etkas-kidney', value: 3, low: 2, high: 4 }] }
  ])
  t.same(simulationSeries({ arms: [{ label: 'A', metrics: { x: 1 } }, { metrics: { x: { estimate: 2, ci95: [1, 3] } } }, 'junk', { label: 'B' }] }),
    [{ metric: 'x', bars: [{ label: 'A', value: 1 }, { label: 'arm 2', value: 2, low: 1, high: 3 }] }], 'other shapes, unnamed arms, junk skipped')
  t.same(simulationSeries({ arms: [{ policy: 'p', outcomes: { y: { median: 5, low: 4, high: 6 } } }] }), [{ metric: 'y', bars: [{ label: 'p', value: 5, low: 4, high: 6 }] }])
  t.same(simulationSeries({ arms: [{ policy: 'p', outcomes: { y: { sd: 1 } } }] }), [], 'no central value, no bar')
  t.same(simulationSeries(undefined), [])
  t.same(simulationSeries({ arms: 'no' }), [])
  t.equal(progressText({ done: 3, total: 20 }), '3 of 20 replications (15%)')
  t.equal(progressText({ done: 0, total: 0 }), 'waiting to start')
  t.equal(progressText(undefined), 'waiting to start')
  t.equal(idempotencyKey('run', () => 'abc'), 'console-run-abc')
  t.equal(humanise('waitlistMortalityPer100PatientYears'), 'waitlist mortality per 100 patient years')
  t.equal(humanise('meanDistanceNm'), 'mean distance (NM)')
  t.equal(humanise('transplants'), 'transplants')
})
