import t from 'tap'
import fc from 'fast-check'
import {
  UKKDRI_QUARTILE_UPPER_BOUNDS, UKKRRI_QUARTILE_UPPER_BOUNDS, UK_DONOR_AGE_YEARS_RANGE, UK_DONOR_EGFR_RANGE, UK_DONOR_HEIGHT_CM_RANGE,
  UK_DONOR_HOSPITAL_STAY_DAYS_RANGE, UK_RECIPIENT_AGE_YEARS_RANGE, UK_RECIPIENT_WAITING_DAYS_RANGE,
  ukkdri, ukkdriQuartile, ukkrri, ukkrriQuartile, type UkkdriInput, type UkkrriInput
} from '../engine/clinical/uk-risk-indices.js'

const round2 = (value: number): number => Math.round(value * 100) / 100

t.test('UKKRRI published vectors (transplantr tests/testthat/test_kri.R)', async (t) => {
  const a = ukkrri({ ageYears: 45, dialysisAtRegistration: false, waitingDays: 750, diabetes: false })
  t.equal(round2(a.ukkrri), 0.61)
  t.equal(a.quartile, 'R1')
  t.equal(a.quartileNumber, 1)
  const b = ukkrri({ ageYears: 55, dialysisAtRegistration: true, waitingDays: 960, diabetes: true })
  t.equal(round2(b.ukkrri), 1.34)
  t.equal(b.quartile, 'R4')
})

t.test('UKKDRI published vectors (transplantr test_kri.R and the CRAN 0.2.0 vignette output)', async (t) => {
  const vignette = ukkdri({ ageYears: 50, heightCm: 170, hypertension: true, sex: 'F', cmvPositive: false, egfrMlMin173m2: 90, hospitalStayDays: 2 })
  t.equal(Number(vignette.ukkdri.toFixed(7)), 0.9950125, 'vignette: ukkdri(50, 170, htn 1, F, cmv 0, 90, 2) = 0.9950125')
  t.equal(vignette.quartile, 'D2')
  const male55 = ukkdri({ ageYears: 55, heightCm: 170, hypertension: false, sex: 'M', cmvPositive: false, egfrMlMin173m2: 90, hospitalStayDays: 0 })
  t.equal(round2(male55.ukkdri), 1.12, 'test_kri.R')
  t.equal(male55.quartile, 'D3', '1.1219 lies above the D2 bound 1.12')
  // Vignette data set kidney.donors, the two male donors (the vignette codes sex as 1/0, so its
  // female rows were scored as male and are not usable as vectors).
  const donor2 = ukkdri({ ageYears: 51, heightCm: 177, hypertension: false, sex: 'M', cmvPositive: true, egfrMlMin173m2: 74, hospitalStayDays: 2 })
  t.equal(round2(donor2.ukkdri), 1.19)
  t.equal(donor2.quartile, 'D3')
  const donor4 = ukkdri({ ageYears: 78, heightCm: 183, hypertension: false, sex: 'M', cmvPositive: true, egfrMlMin173m2: 54, hospitalStayDays: 3 })
  t.equal(round2(donor4.ukkdri), 2.15)
  t.equal(donor4.quartile, 'D4')
})

t.test('each UKKDRI term has its published coefficient', async (t) => {
  const reference: UkkdriInput = { ageYears: 50, heightCm: 170, hypertension: false, sex: 'M', cmvPositive: false, egfrMlMin173m2: 90, hospitalStayDays: 0 }
  const lp = (change: Partial<UkkdriInput>): number => Number(ukkdri({ ...reference, ...change }).linearPredictor.toFixed(10))
  t.equal(ukkdri(reference).ukkdri, 1, 'reference donor')
  t.equal(lp({ ageYears: 60 }), 0.23)
  t.equal(lp({ heightCm: 180 }), -0.152)
  t.equal(lp({ hypertension: true }), 0.149)
  t.equal(lp({ sex: 'F' }), -0.184)
  t.equal(lp({ cmvPositive: true }), 0.19)
  t.equal(lp({ egfrMlMin173m2: 100 }), -0.023)
  t.equal(lp({ hospitalStayDays: 10 }), 0.15)
})

t.test('UKKRRI terms, and the age term as transplantr writes it', async (t) => {
  const reference: UkkrriInput = { ageYears: 75, dialysisAtRegistration: false, waitingDays: 950, diabetes: false }
  const lp = (change: Partial<UkkrriInput>): number => Number(ukkrri({ ...reference, ...change }).linearPredictor.toFixed(10))
  t.equal(ukkrri(reference).ukkrri, 1, 'reference recipient')
  t.equal(lp({ ageYears: 65 }), -0.16)
  t.equal(lp({ dialysisAtRegistration: true }), 0.361)
  t.equal(lp({ waitingDays: 950 + 365.25 }), 0.033)
  t.equal(lp({ diabetes: true }), 0.252)
  // [uncertain] age term: none at 25 or younger, so the index jumps between 25 and 26.
  const at25 = ukkrri({ ...reference, ageYears: 25 })
  t.notOk(at25.ageTermApplied)
  t.equal(at25.linearPredictor, 0)
  const at26 = ukkrri({ ...reference, ageYears: 26 })
  t.ok(at26.ageTermApplied)
  t.equal(Number(at26.linearPredictor.toFixed(10)), -0.784)
})

t.test('quartile bounds are inclusive upper bounds', async (t) => {
  // transplantr test_kri.R
  t.equal(ukkrriQuartile(0.74), 'R1')
  t.equal(ukkrriQuartile(1.01), 'R3')
  t.equal(ukkdriQuartile(1.01), 'D2')
  t.equal(ukkdriQuartile(1.36), 'D3')
  const above = (x: number): number => x + 1e-9
  t.same(UKKDRI_QUARTILE_UPPER_BOUNDS, [0.79, 1.12, 1.50])
  t.same(UKKRRI_QUARTILE_UPPER_BOUNDS, [0.74, 0.94, 1.20])
  t.same([0.79, above(0.79), 1.12, above(1.12), 1.50, above(1.50)].map(ukkdriQuartile), ['D1', 'D2', 'D2', 'D3', 'D3', 'D4'])
  t.same([0.74, above(0.74), 0.94, above(0.94), 1.20, above(1.20)].map(ukkrriQuartile), ['R1', 'R2', 'R2', 'R3', 'R3', 'R4'])
  t.equal(ukkdriQuartile(0.01), 'D1')
  t.equal(ukkrriQuartile(50), 'R4')
})

t.test('bad input raises a typed error naming the field', async (t) => {
  const donor: UkkdriInput = { ageYears: 50, heightCm: 170, hypertension: false, sex: 'M', cmvPositive: false, egfrMlMin173m2: 90, hospitalStayDays: 0 }
  t.throws(() => ukkdri({ ...donor, sex: 'male' as unknown as 'M' }), { code: 'ENGINE_INVALID_FIELD', field: 'sex' })
  t.throws(() => ukkdri({ ...donor, heightCm: 1.7 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'heightCm' }, 'metres refused')
  t.throws(() => ukkdri({ ...donor, cmvPositive: undefined as unknown as boolean }), { code: 'ENGINE_MISSING_FIELD', field: 'cmvPositive' })
  t.throws(() => ukkdri({ ...donor, egfrMlMin173m2: -5 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'egfrMlMin173m2' })
  t.throws(() => ukkdri({ ...donor, hospitalStayDays: 400 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'hospitalStayDays' })
  const recipient: UkkrriInput = { ageYears: 40, dialysisAtRegistration: false, waitingDays: 0, diabetes: false }
  t.throws(() => ukkrri({ ...recipient, waitingDays: -1 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'waitingDays' })
  t.throws(() => ukkrri({ ...recipient, diabetes: 'unknown' as unknown as boolean }), { code: 'ENGINE_INVALID_FIELD', field: 'diabetes' })
  t.throws(() => ukkrri({ ...recipient, ageYears: 130 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'ageYears' })
  t.throws(() => ukkdriQuartile(Number.NaN), { code: 'ENGINE_INVALID_FIELD', field: 'ukkdri' })
  t.throws(() => ukkrriQuartile(-1), { code: 'ENGINE_OUT_OF_RANGE', field: 'ukkrri' })
})

const double = (range: { min: number, max: number }): fc.Arbitrary<number> => fc.double({ min: range.min, max: range.max, noNaN: true })

t.test('property: indices are positive and finite, and the quartile agrees with the cut points', async (t) => {
  const donorArb = fc.record({
    ageYears: double(UK_DONOR_AGE_YEARS_RANGE),
    heightCm: double(UK_DONOR_HEIGHT_CM_RANGE),
    hypertension: fc.boolean(),
    sex: fc.constantFrom('F' as const, 'M' as const),
    cmvPositive: fc.boolean(),
    egfrMlMin173m2: double(UK_DONOR_EGFR_RANGE),
    hospitalStayDays: double(UK_DONOR_HOSPITAL_STAY_DAYS_RANGE)
  })
  const recipientArb = fc.record({
    ageYears: double(UK_RECIPIENT_AGE_YEARS_RANGE),
    dialysisAtRegistration: fc.boolean(),
    waitingDays: double(UK_RECIPIENT_WAITING_DAYS_RANGE),
    diabetes: fc.boolean()
  })
  const expected = (value: number, bounds: readonly number[]): number => 1 + bounds.filter((b) => value > b).length
  fc.assert(fc.property(donorArb, recipientArb, (donor, recipient) => {
    const d = ukkdri(donor)
    const r = ukkrri(recipient)
    return Number.isFinite(d.ukkdri) && d.ukkdri > 0 && Number.isFinite(r.ukkrri) && r.ukkrri > 0 &&
      d.quartileNumber === expected(d.ukkdri, UKKDRI_QUARTILE_UPPER_BOUNDS) && d.quartile === `D${d.quartileNumber}` &&
      r.quartileNumber === expected(r.ukkrri, UKKRRI_QUARTILE_UPPER_BOUNDS) && r.quartile === `R${r.quartileNumber}` &&
      ukkdriQuartile(d.ukkdri) === d.quartile && ukkrriQuartile(r.ukkrri) === r.quartile
  }), { numRuns: 300 })
  t.pass('indices and quartiles consistent')
})

t.test('property: quartiles never decrease as the index rises', async (t) => {
  fc.assert(fc.property(fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (a, b) => {
    const [low, high] = a <= b ? [a, b] : [b, a]
    return ukkdriQuartile(low) <= ukkdriQuartile(high) && ukkrriQuartile(low) <= ukkrriQuartile(high)
  }), { numRuns: 200 })
  t.pass('quartiles monotone')
})
