import t from 'tap'
import { checkModelParameters, DEFAULT_MODEL, postTransplantCurves, transportHours, waitlistDeathRatePerDay, waitlistRemovalRatePerDay, type ModelParameters } from '../engine/sim/model-parameters.js'
import {
  checkWeibull, exponentialRestrictedMeanDays, weibullHazard, weibullMeanDays, weibullRestrictedMeanDays, weibullSurvival,
  weibullThroughPoints, weibullTimeFromUniform
} from '../engine/sim/survival.js'

const close = (a: number, b: number, tolerance = 1e-9): boolean => Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b))

t.test('Weibull survival, hazard, mean and inverse against closed forms', async (t) => {
  const w = { shape: 1.5, scaleDays: 2000 }
  t.ok(close(weibullSurvival(w, 1000), Math.exp(-(0.5 ** 1.5))))
  t.ok(close(weibullSurvival(w, 1000, 2), Math.exp(-2 * (0.5 ** 1.5))), 'proportional hazards: S^h')
  t.equal(weibullSurvival(w, 0), 1)
  t.ok(close(weibullHazard(w, 1000), (1.5 / 2000) * 0.5 ** 0.5))
  t.ok(close(weibullHazard(w, 1000, 3), 3 * (1.5 / 2000) * 0.5 ** 0.5))
  // Shape 1 is exponential: mean = scale; shape 2 (Rayleigh): mean = λ·√π/2.
  t.ok(close(weibullMeanDays({ shape: 1, scaleDays: 700 }), 700))
  t.ok(close(weibullMeanDays({ shape: 2, scaleDays: 700 }), 700 * Math.sqrt(Math.PI) / 2))
  t.ok(close(weibullMeanDays({ shape: 1, scaleDays: 700 }, 2), 350), 'hazard ratio 2 halves an exponential mean')
  // Inverse transform: S(T(u)) = u, and a larger hazard ratio gives an earlier time for the same u.
  for (const u of [0.01, 0.3, 0.77, 1]) {
    const time = weibullTimeFromUniform(w, u, 1.7)
    t.ok(close(weibullSurvival(w, time, 1.7), u), `S(T(${u})) = ${u}`)
  }
  t.ok(weibullTimeFromUniform(w, 0.4, 2) < weibullTimeFromUniform(w, 0.4, 1))
})

t.test('restricted mean survival: exact for the exponential, Simpson for the Weibull', async (t) => {
  const horizon = 3652.5
  t.ok(close(weibullRestrictedMeanDays({ shape: 1, scaleDays: 4000 }, horizon), 4000 * (1 - Math.exp(-horizon / 4000)), 1e-7))
  t.ok(close(exponentialRestrictedMeanDays(1 / 4000, horizon), 4000 * (1 - Math.exp(-horizon / 4000))))
  t.equal(exponentialRestrictedMeanDays(0, 100), 100)
  // Rayleigh (shape 2): ∫₀^τ e^(−(t/λ)²) dt = λ·√π/2·erf(τ/λ); with τ = λ, erf(1) = 0.8427007929497149.
  t.ok(close(weibullRestrictedMeanDays({ shape: 2, scaleDays: 1000 }, 1000), 1000 * Math.sqrt(Math.PI) / 2 * 0.8427007929497149, 1e-7))
})

t.test('a Weibull through two survival points passes through them', async (t) => {
  const w = weibullThroughPoints(365.25, 0.95, 1826.25, 0.83)
  t.ok(close(weibullSurvival(w, 365.25), 0.95))
  t.ok(close(weibullSurvival(w, 1826.25), 0.83))
  // k = ln(ln 0.83 / ln 0.95)/ln 5.
  t.ok(close(w.shape, Math.log(Math.log(0.83) / Math.log(0.95)) / Math.log(5)))
  const curves = postTransplantCurves(DEFAULT_MODEL.postTransplant)
  t.ok(close(weibullSurvival(curves.patient, 365.25), DEFAULT_MODEL.postTransplant.patientSurvivalOneYear))
  t.ok(close(weibullSurvival(curves.graft, 5 * 365.25), DEFAULT_MODEL.postTransplant.graftSurvivalFiveYears))
  t.throws(() => weibullThroughPoints(10, 0.9, 5, 0.8), { code: 'ENGINE_INVALID_FIELD', field: 't2Days' })
  t.throws(() => weibullThroughPoints(5, 0.8, 10, 0.9), { code: 'ENGINE_INVALID_FIELD', field: 's2' })
  t.throws(() => weibullThroughPoints(5, 1, 10, 0.9), { code: 'ENGINE_OUT_OF_RANGE', field: 's1' })
})

t.test('waiting-list hazards follow the stated proportional form', async (t) => {
  const w = DEFAULT_MODEL.waitlist
  const base = w.deathsPer100PatientYears / 100 / 365.25
  t.ok(close(waitlistDeathRatePerDay(w, 50, false, true), base))
  t.ok(close(waitlistDeathRatePerDay(w, 70, true, false), base * w.deathHazardRatioPer10YearsOfAge ** 2 * w.deathHazardRatioDiabetes * w.deathHazardRatioInactive))
  t.ok(close(waitlistRemovalRatePerDay(w, 40, false), w.removalsPer100PatientYears / 100 / 365.25 / w.removalHazardRatioPer10YearsOfAge * w.removalHazardRatioInactive))
  const offers = DEFAULT_MODEL.offers
  t.ok(close(transportHours(offers, 100), 100 / offers.groundSpeedKnots))
  t.ok(close(transportHours(offers, 1000), offers.flightOverheadHours + 1000 / offers.flightSpeedKnots))
})

t.test('bad survival and model parameters are refused with the field named', async (t) => {
  t.throws(() => weibullSurvival({ shape: 1, scaleDays: 10 }, -1), { code: 'ENGINE_OUT_OF_RANGE', field: 'tDays' })
  t.throws(() => weibullTimeFromUniform({ shape: 1, scaleDays: 10 }, 0), { code: 'ENGINE_OUT_OF_RANGE', field: 'u' })
  t.throws(() => weibullHazard({ shape: 1, scaleDays: 10 }, 1, 0), { code: 'ENGINE_OUT_OF_RANGE', field: 'hazardRatio' })
  t.same(checkWeibull({ shape: 1.2, scaleDays: 300 }), { shape: 1.2, scaleDays: 300 })
  t.throws(() => checkWeibull({ shape: 0, scaleDays: 300 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'weibull.shape' })
  t.throws(() => checkWeibull(null as never), { code: 'ENGINE_INVALID_FIELD' })
  t.equal(checkModelParameters(DEFAULT_MODEL), DEFAULT_MODEL)
  const broken = (patch: object): ModelParameters => ({ ...DEFAULT_MODEL, ...patch }) as ModelParameters
  t.throws(() => checkModelParameters(broken({ offers: { ...DEFAULT_MODEL.offers, offersBeforeRescue: -1 } })), { code: 'ENGINE_OUT_OF_RANGE', field: 'model.offers.offersBeforeRescue' })
  t.throws(() => checkModelParameters(broken({ waitlist: { ...DEFAULT_MODEL.waitlist, deathsPer100PatientYear: 3 } })), { code: 'ENGINE_INVALID_FIELD', field: 'model.waitlist.deathsPer100PatientYear' })
  t.throws(() => checkModelParameters(broken({ postTransplant: { ...DEFAULT_MODEL.postTransplant, graftSurvivalFiveYears: 0.97 } })), { code: 'ENGINE_INVALID_FIELD', field: 'model.postTransplant.graftSurvivalFiveYears' })
  t.throws(() => checkModelParameters(broken({ postTransplant: { ...DEFAULT_MODEL.postTransplant, patientSurvivalFiveYears: 0.99 } })), { code: 'ENGINE_INVALID_FIELD', field: 'model.postTransplant.patientSurvivalFiveYears' })
  t.throws(() => checkModelParameters(broken({ waitlist: null })), { code: 'ENGINE_INVALID_FIELD', field: 'model.waitlist' })
  t.throws(() => checkModelParameters(null as never), { code: 'ENGINE_INVALID_FIELD', field: 'model' })
})
