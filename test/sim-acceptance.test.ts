import t from 'tap'
import {
  ALWAYS_ACCEPT, checkAcceptanceParameters, checkOfferFeatures, createAcceptanceModel, DEFAULT_ACCEPTANCE, logistic,
  type AcceptanceParameters, type OfferFeatures
} from '../engine/sim/acceptance-model.js'

const offer: OfferFeatures = {
  donorAgeYears: 60,
  donorKdpi: 70,
  donorDcd: true,
  donorDiabetes: true,
  donorHypertension: false,
  donorCreatinineMgDl: 2.0,
  candidateAgeYears: 45,
  candidateCpraPercent: 90,
  candidatePriorTransplant: false,
  mismatchA: 1,
  mismatchB: 1,
  mismatchDR: 0,
  distanceNm: 250,
  previousOffers: 3,
  rescue: false
}

// Coefficients fixed here (not the defaults, which calibration may move) so the hand calculation stays valid.
const coefficients: AcceptanceParameters = {
  kind: 'logistic',
  centre: { intercept: 0.5, donorAgeOver50Per10Years: -0.9, kdpiPer10Points: -0.22, dcd: -0.3, donorDiabetes: -0.3, donorHypertension: -0.11, creatinineOver1_5PerMgDl: -0.25, distancePer100Nm: -0.04, logPreviousOffers: -0.35, rescue: 0.8, centreEffectSd: 0.5 },
  patient: { intercept: 1.2, mismatchTotalPerMismatch: -0.12, zeroMismatch: 0.3, donorOlderPer10Years: -0.3, cpraAtLeast80: 0.8, priorTransplant: -0.13, candidateAgeOver60Per10Years: 0.2 }
}

t.test('logistic centre- and patient-level probabilities match a hand calculation', async (t) => {
  const model = createAcceptanceModel(coefficients)
  t.equal(model.kind, 'logistic')
  // Centre logit: 0.5 − 0.9·(60−50)/10 − 0.22·70/10 − 0.3 (DCD) − 0.3 (diabetes) − 0.25·(2.0−1.5)
  //               − 0.04·250/100 − 0.35·ln(1+3) = −3.25020302639…
  const centreLogit = 0.5 - 0.9 - 1.54 - 0.3 - 0.3 - 0.125 - 0.1 - 0.35 * Math.log(4)
  t.ok(Math.abs(centreLogit - (-3.2502030263919)) < 1e-12)
  t.ok(Math.abs(model.centreProbability(offer, 0) - 1 / (1 + Math.exp(-centreLogit))) < 1e-15)
  t.ok(Math.abs(model.centreProbability(offer, 0) - 0.0373196) < 1e-6)
  t.ok(Math.abs(model.centreProbability(offer, 0.5) - 1 / (1 + Math.exp(-(centreLogit + 0.5)))) < 1e-15, 'centre random intercept adds on the logit scale')
  t.ok(Math.abs(model.centreProbability({ ...offer, rescue: true }, 0) - 1 / (1 + Math.exp(-(centreLogit + 0.8)))) < 1e-15, 'rescue term')
  // Patient logit: 1.2 − 0.12·2 mismatches − 0.3·(60−45)/10 + 0.8 (cPRA ≥ 80) = 1.31.
  t.ok(Math.abs(model.patientProbability(offer) - 1 / (1 + Math.exp(-1.31))) < 1e-15)
  // Zero mismatch, older candidate (over 60), prior transplant: 1.2 + 0.3 − 0.13 + 0.2·(70−60)/10 = 1.57; donor younger.
  const other = { ...offer, mismatchA: 0, mismatchB: 0, candidateAgeYears: 70, candidatePriorTransplant: true, candidateCpraPercent: 10 }
  t.ok(Math.abs(model.patientProbability(other) - 1 / (1 + Math.exp(-1.57))) < 1e-15)
  // Unknown KDPI is rated as the median (50).
  const unknown = { ...offer, donorKdpi: Number.NaN }
  t.ok(Math.abs(model.centreProbability(unknown, 0) - 1 / (1 + Math.exp(-(centreLogit + 1.54 - 1.1)))) < 1e-12)
})

t.test('with the default coefficients, worse kidneys are accepted less often (monotone in donor age, KDPI, refusals)', async (t) => {
  t.equal(checkAcceptanceParameters(DEFAULT_ACCEPTANCE), DEFAULT_ACCEPTANCE)
  const model = createAcceptanceModel(DEFAULT_ACCEPTANCE)
  t.ok(model.centreProbability({ ...offer, donorAgeYears: 70 }, 0) < model.centreProbability(offer, 0))
  t.ok(model.centreProbability({ ...offer, donorKdpi: 90 }, 0) < model.centreProbability(offer, 0))
  t.ok(model.centreProbability({ ...offer, previousOffers: 30 }, 0) < model.centreProbability(offer, 0))
})

t.test('always-accept accepts everything, for pure-ranking studies', async (t) => {
  const model = createAcceptanceModel({ ...DEFAULT_ACCEPTANCE, kind: 'always-accept' })
  t.equal(model, ALWAYS_ACCEPT)
  t.equal(model.centreProbability(offer, -5), 1)
  t.equal(model.patientProbability(offer), 1)
})

t.test('logistic is stable at the extremes', async (t) => {
  t.equal(logistic(0), 0.5)
  t.equal(logistic(1000), 1)
  t.equal(logistic(-1000), 0)
  t.ok(logistic(-40) > 0)
})

t.test('bad parameters and features are refused with the field named', async (t) => {
  t.throws(() => createAcceptanceModel({ ...DEFAULT_ACCEPTANCE, kind: 'psychic' } as unknown as AcceptanceParameters), { code: 'ENGINE_UNKNOWN_VALUE', field: 'acceptance.kind' })
  t.throws(() => createAcceptanceModel(null as unknown as AcceptanceParameters), { code: 'ENGINE_INVALID_FIELD', field: 'acceptance' })
  t.throws(() => checkAcceptanceParameters({ ...DEFAULT_ACCEPTANCE, centre: { ...DEFAULT_ACCEPTANCE.centre, intercept: Number.NaN } }), { code: 'ENGINE_INVALID_FIELD', field: 'acceptance.centre.intercept' })
  t.throws(() => checkAcceptanceParameters({ ...DEFAULT_ACCEPTANCE, patient: { ...DEFAULT_ACCEPTANCE.patient, typo: 1 } as never }), { code: 'ENGINE_INVALID_FIELD', field: 'acceptance.patient.typo' })
  t.throws(() => checkAcceptanceParameters({ ...DEFAULT_ACCEPTANCE, centre: { ...DEFAULT_ACCEPTANCE.centre, centreEffectSd: -1 } }), { code: 'ENGINE_OUT_OF_RANGE', field: 'acceptance.centre.centreEffectSd' })
  t.throws(() => checkAcceptanceParameters({ ...DEFAULT_ACCEPTANCE, patient: 'x' as never }), { code: 'ENGINE_INVALID_FIELD', field: 'acceptance.patient' })
  t.throws(() => checkAcceptanceParameters(undefined as never), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => checkAcceptanceParameters({ ...DEFAULT_ACCEPTANCE, kind: 'x' } as never), { code: 'ENGINE_UNKNOWN_VALUE' })
  t.same(checkOfferFeatures(offer), offer)
  t.same(checkOfferFeatures({ ...offer, donorKdpi: Number.NaN }).donorAgeYears, 60)
  t.throws(() => checkOfferFeatures({ ...offer, mismatchDR: 3 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'features.mismatchDR' })
  t.throws(() => checkOfferFeatures({ ...offer, donorDcd: 'yes' as never }), { code: 'ENGINE_INVALID_FIELD', field: 'features.donorDcd' })
  t.throws(() => checkOfferFeatures(null as never), { code: 'ENGINE_INVALID_FIELD', field: 'features' })
})
