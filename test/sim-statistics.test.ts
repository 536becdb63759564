import t from 'tap'
// Through the package index, so its re-exports are exercised too.
import { confidenceInterval95, logGamma, mean, median, regularizedBeta, sampleSd, studentTCdf, studentTQuantile } from '../engine/sim/index.js'

t.test('Student t 0.975 quantiles match the published table', async (t) => {
  // Two-sided 95% critical values (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, table 1.4.2.3.4).
  const table: Array<[number, number]> = [[1, 12.706], [2, 4.303], [3, 3.182], [5, 2.571], [10, 2.228], [19, 2.093], [20, 2.086], [30, 2.042], [100, 1.984]]
  for (const [df, value] of table) t.ok(Math.abs(studentTQuantile(0.975, df) - value) < 5e-4, `df ${df}: ${studentTQuantile(0.975, df)} ≈ ${value}`)
  t.ok(Math.abs(studentTQuantile(0.975, 1e7) - 1.959964) < 1e-4, 'tends to the normal 1.96')
  t.ok(Math.abs(studentTQuantile(0.025, 19) + 2.093024) < 1e-5, 'symmetric')
  t.equal(studentTQuantile(0.5, 7), 0)
  // Closed forms: with 1 df t is Cauchy, F(t) = 1/2 + atan(t)/π; with 2 df, F(t) = 1/2 + t/(2√(2 + t²)).
  for (const x of [-3, -0.5, 0.2, 1, 7]) {
    t.ok(Math.abs(studentTCdf(x, 1) - (0.5 + Math.atan(x) / Math.PI)) < 1e-12, `Cauchy CDF at ${x}`)
    t.ok(Math.abs(studentTCdf(x, 2) - (0.5 + x / (2 * Math.sqrt(2 + x * x)))) < 1e-12, `t2 CDF at ${x}`)
  }
})

t.test('ln Γ and the incomplete beta agree with closed forms', async (t) => {
  t.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-12)
  t.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-12)
  t.ok(Math.abs(logGamma(0.25) - Math.log(3.6256099082219083)) < 1e-12, 'reflection below 1/2')
  t.ok(Math.abs(regularizedBeta(0.3, 1, 1) - 0.3) < 1e-12, 'I_x(1,1) = x')
  t.ok(Math.abs(regularizedBeta(0.3, 2, 1) - 0.09) < 1e-12, 'I_x(2,1) = x²')
  t.ok(Math.abs(regularizedBeta(0.8, 1, 3) - (1 - 0.2 ** 3)) < 1e-12, 'I_x(1,b) = 1 − (1 − x)^b, symmetric branch')
  t.equal(regularizedBeta(0, 2, 3), 0)
  t.equal(regularizedBeta(1, 2, 3), 1)
})

t.test('mean, standard deviation, median and the 95% interval by hand', async (t) => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9]
  t.equal(mean(values), 5)
  t.ok(Math.abs(sampleSd(values) - Math.sqrt(32 / 7)) < 1e-12)
  t.equal(median(values), 4.5)
  t.equal(median([3, 1, 2]), 2)
  const ci = confidenceInterval95(values)
  const half = 2.364624251592785 * Math.sqrt(32 / 7) / Math.sqrt(8) // t(0.975, 7)
  t.ok(Math.abs(ci.lower - (5 - half)) < 1e-9 && Math.abs(ci.upper - (5 + half)) < 1e-9)
  t.equal(ci.n, 8)
  t.same(confidenceInterval95([3.5]), { mean: 3.5, lower: 3.5, upper: 3.5, sd: 0, n: 1 })
  t.equal(sampleSd([1]), 0)
  const constant = confidenceInterval95([2, 2, 2])
  t.equal(constant.lower, 2)
  t.equal(constant.upper, 2)
})

t.test('bad input gives a typed error, never NaN', async (t) => {
  t.throws(() => mean([]), { code: 'ENGINE_INVALID_FIELD', field: 'values' })
  t.throws(() => mean([1, Number.NaN]), { code: 'ENGINE_INVALID_FIELD', field: 'values[1]' })
  t.throws(() => median([]), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => studentTQuantile(1, 3), { code: 'ENGINE_OUT_OF_RANGE', field: 'p' })
  t.throws(() => studentTQuantile(0.9, 0), { code: 'ENGINE_INVALID_FIELD', field: 'df' })
})
