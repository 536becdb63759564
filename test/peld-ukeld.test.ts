import t from 'tap'
import fc from 'fast-check'
import { ALBUMIN_G_DL_RANGE, BILIRUBIN_MG_DL_RANGE, CREATININE_MG_DL_RANGE, INR_RANGE, SODIUM_MMOL_L_RANGE } from '../engine/clinical/meld.js'
import { peld, roundToTenth, type PeldInput } from '../engine/clinical/peld.js'
import {
  BILIRUBIN_UMOL_L_PER_MG_DL, CREATININE_UMOL_L_PER_MG_DL, ukeld, ukeldFromSi, type UkeldInput
} from '../engine/clinical/ukeld.js'

const l9: PeldInput = { bilirubinMgDl: 3.0, inr: 1.5, albuminGDl: 2.5, ageYears: 4, ageAtListingYears: 4, growthFailure: false }

t.test('PELD published vectors', async (t) => {
  const v9 = peld(l9)
  t.equal(v9.peld, 7, 'L9 (clinical-scores.md §3f)')
  t.equal(Number(v9.peldUnrounded.toFixed(3)), 6.508, 'L9 unrounded 6.5079')
  t.notOk(v9.ageFactorApplied)
  // transplantr tests/testthat/test_liver.R: round(peld(INR 2, bili 3.1 mg/dL, albumin 2.5, age 2, GF 1)) = 19.
  t.equal(peld({ bilirubinMgDl: 3.1, inr: 2, albuminGDl: 2.5, ageYears: 2, ageAtListingYears: 2, growthFailure: true }).peld, 19)
})

t.test('PELD age factor: under 1, or listed under 1 and not yet 2', async (t) => {
  const base = peld(l9).peldUnrounded
  const infant = peld({ ...l9, ageYears: 0.5, ageAtListingYears: 0.4 })
  t.ok(infant.ageFactorApplied)
  t.equal(Number((infant.peldUnrounded - base).toFixed(6)), 4.36)
  t.ok(peld({ ...l9, ageYears: 1.5, ageAtListingYears: 0.8 }).ageFactorApplied, 'listed before 1, now 18 months')
  t.notOk(peld({ ...l9, ageYears: 1.5, ageAtListingYears: 1.2 }).ageFactorApplied, 'listed after 1')
  t.notOk(peld({ ...l9, ageYears: 2, ageAtListingYears: 0.5 }).ageFactorApplied, 'ends at 24 months')
  t.ok(peld({ ...l9, ageYears: 0.99, ageAtListingYears: 0.99 }).ageFactorApplied)
})

t.test('PELD growth failure adds 6.67, labs are rounded to tenths and floored at 1.0', async (t) => {
  const gf = peld({ ...l9, growthFailure: true })
  t.equal(Number((gf.peldUnrounded - peld(l9).peldUnrounded).toFixed(6)), 6.67)
  const floored = peld({ ...l9, bilirubinMgDl: 0.4, inr: 0.9, albuminGDl: 0.6 })
  t.same(floored.inputsAfterBounds, { bilirubinMgDl: 1, inr: 1, albuminGDl: 1 })
  t.equal(floored.peld, 0, 'all labs at 1.0, no factors')
  t.ok(Object.is(floored.peld, 0), 'never -0')
  t.same(peld({ ...l9, bilirubinMgDl: 3.04, inr: 1.46, albuminGDl: 2.45 }).inputsAfterBounds, { bilirubinMgDl: 3, inr: 1.5, albuminGDl: 2.5 })
  t.equal(roundToTenth(1.15), 1.2, 'half-up despite binary 1.1499999')
  t.equal(roundToTenth(1.14), 1.1)
  const negative = peld({ ...l9, bilirubinMgDl: 1, inr: 1, albuminGDl: 5 })
  t.equal(negative.peld, -11, 'high albumin gives a negative PELD; no 6..40 bounds')
})

t.test('PELD refuses bad input with a typed error', async (t) => {
  t.throws(() => peld({ ...l9, ageAtListingYears: 5 }), { code: 'ENGINE_INVALID_FIELD', field: 'ageAtListingYears' })
  t.throws(() => peld({ ...l9, ageYears: 13, ageAtListingYears: 4 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'ageYears' })
  t.throws(() => peld({ ...l9, albuminGDl: 25 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'albuminGDl' })
  t.throws(() => peld({ ...l9, growthFailure: undefined as unknown as boolean }), { code: 'ENGINE_MISSING_FIELD', field: 'growthFailure' })
  t.throws(() => peld({ ...l9, inr: Number.POSITIVE_INFINITY }), { code: 'ENGINE_INVALID_FIELD', field: 'inr' })
})

t.test('UKELD published vector: transplantr ukeld(INR 1.0, bili 212, creat 54, Na 126) = 63.22', async (t) => {
  const si = ukeldFromSi({ inr: 1.0, bilirubinUmolL: 212, creatinineUmolL: 54, sodiumMmolL: 126 })
  t.equal(Number(si.ukeldUnrounded.toFixed(2)), 63.22)
  t.equal(si.ukeld, 63)
  const conventional = ukeld({ inr: 1.0, bilirubinMgDl: 212 / 17.1, creatinineMgDl: 54 / 88.4, sodiumMmolL: 126 })
  t.equal(Number(conventional.ukeldUnrounded.toFixed(2)), 63.22, 'same value from mg/dL')
  t.equal(Number(conventional.creatinineUmolL.toFixed(9)), 54)
  t.equal(Number(conventional.bilirubinUmolL.toFixed(9)), 212)
})

t.test('UKELD converts with 88.4 and 17.1 and floors nothing', async (t) => {
  t.equal(CREATININE_UMOL_L_PER_MG_DL, 88.4)
  t.equal(BILIRUBIN_UMOL_L_PER_MG_DL, 17.1)
  const input: UkeldInput = { inr: 1.2, creatinineMgDl: 1, bilirubinMgDl: 2, sodiumMmolL: 135 }
  const result = ukeld(input)
  t.equal(result.creatinineUmolL, 88.4)
  t.equal(result.bilirubinUmolL, 34.2)
  // Unlike MELD, an INR below 1.0 still lowers the score.
  t.ok(ukeld({ ...input, inr: 0.8 }).ukeldUnrounded < ukeld({ ...input, inr: 1.0 }).ukeldUnrounded)
  t.ok(ukeld({ ...input, creatinineMgDl: 0.5 }).ukeldUnrounded < ukeld({ ...input, creatinineMgDl: 1.0 }).ukeldUnrounded)
  t.ok(ukeld({ ...input, sodiumMmolL: 125 }).ukeldUnrounded > result.ukeldUnrounded, 'low sodium raises UKELD')
})

t.test('UKELD refuses bad input with a typed error', async (t) => {
  t.throws(() => ukeld({ inr: 1, creatinineMgDl: 80, bilirubinMgDl: 2, sodiumMmolL: 135 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'creatinineMgDl' }, 'µmol/L value in the mg/dL field')
  t.throws(() => ukeld({ inr: 1, creatinineMgDl: 1, bilirubinMgDl: 200, sodiumMmolL: 135 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'bilirubinMgDl' })
  t.throws(() => ukeld({ inr: 1, creatinineMgDl: 1, bilirubinMgDl: 2 } as UkeldInput), { code: 'ENGINE_MISSING_FIELD', field: 'sodiumMmolL' })
  t.throws(() => ukeld({ inr: 0, creatinineMgDl: 1, bilirubinMgDl: 2, sodiumMmolL: 135 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'inr' })
  t.throws(() => ukeldFromSi({ inr: 1, creatinineUmolL: 1, bilirubinUmolL: 20, sodiumMmolL: 135 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'creatinineUmolL' })
  t.throws(() => ukeldFromSi({ inr: 1, creatinineUmolL: 80, bilirubinUmolL: 2000, sodiumMmolL: 135 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'bilirubinUmolL' })
})

const double = (range: { min: number, max: number }): fc.Arbitrary<number> => fc.double({ min: range.min, max: range.max, noNaN: true })

t.test('property: UKELD from mg/dL equals UKELD from the converted SI values, finite for every input in range', async (t) => {
  fc.assert(fc.property(double(INR_RANGE), double(CREATININE_MG_DL_RANGE), double(BILIRUBIN_MG_DL_RANGE), double(SODIUM_MMOL_L_RANGE),
    (inr, creatinineMgDl, bilirubinMgDl, sodiumMmolL) => {
      const conventional = ukeld({ inr, creatinineMgDl, bilirubinMgDl, sodiumMmolL })
      const si = ukeldFromSi({ inr, creatinineUmolL: conventional.creatinineUmolL, bilirubinUmolL: conventional.bilirubinUmolL, sodiumMmolL })
      return Number.isFinite(conventional.ukeldUnrounded) && conventional.ukeldUnrounded === si.ukeldUnrounded &&
        Math.abs(conventional.creatinineUmolL - creatinineMgDl * 88.4) < 1e-9 &&
        Math.abs(conventional.bilirubinUmolL - bilirubinMgDl * 17.1) < 1e-9 &&
        conventional.ukeld === Math.round(conventional.ukeldUnrounded)
    }), { numRuns: 200 })
  t.pass('conversion consistent')
})

t.test('property: PELD is a finite integer, never decreasing in bilirubin and INR', async (t) => {
  const peldArb = fc.record({
    bilirubinMgDl: double(BILIRUBIN_MG_DL_RANGE),
    inr: double(INR_RANGE),
    albuminGDl: double(ALBUMIN_G_DL_RANGE),
    ageYears: fc.double({ min: 0, max: 12, noNaN: true }),
    listingFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    growthFailure: fc.boolean()
  }).map(({ listingFraction, ...rest }) => ({ ...rest, ageAtListingYears: rest.ageYears * listingFraction }))
  fc.assert(fc.property(peldArb, double(BILIRUBIN_MG_DL_RANGE), double(INR_RANGE), (input, bili, inr) => {
    const result = peld(input)
    const higher = peld({ ...input, bilirubinMgDl: Math.max(bili, input.bilirubinMgDl), inr: Math.max(inr, input.inr) })
    return Number.isInteger(result.peld) && Number.isFinite(result.peldUnrounded) && higher.peld >= result.peld &&
      result.inputsAfterBounds.albuminGDl >= 1 && result.inputsAfterBounds.bilirubinMgDl >= 1 && result.inputsAfterBounds.inr >= 1
  }), { numRuns: 200 })
  t.pass('PELD well behaved')
})
