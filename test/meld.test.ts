import t from 'tap'
import fc from 'fast-check'
import {
  ALBUMIN_G_DL_RANGE, BILIRUBIN_MG_DL_RANGE, CREATININE_MG_DL_RANGE, INR_RANGE, MELD_MAX, MELD_MIN, SODIUM_MMOL_L_RANGE,
  meld, meldNa, type MeldInput
} from '../engine/clinical/meld.js'
import { meld3, type Meld3Input } from '../engine/clinical/meld3.js'

const l2: MeldInput = { creatinineMgDl: 1.9, bilirubinMgDl: 4.2, inr: 1.6, dialysisTwiceInPastWeek: false }

t.test('published vectors L2-L5 (OPTN-policy test file, clinical-scores.md §3f)', async (t) => {
  const v2 = meld(l2)
  t.equal(v2.meld, 23, 'L2')
  t.equal(Number(v2.meldUnrounded.toFixed(3)), 23.261, 'L2 raw x10')

  const v3 = meldNa({ ...l2, sodiumMmolL: 128 })
  t.equal(v3.meldNa, 28, 'L3')
  t.equal(Number(v3.meldNaUnrounded.toFixed(3)), 28.049, 'L3 before rounding: 23 + 11.88 - 6.831')
  t.ok(v3.sodiumTermApplied)

  const v4 = meld({ creatinineMgDl: 0.4, bilirubinMgDl: 0.2, inr: 0.9, dialysisTwiceInPastWeek: false })
  t.equal(v4.meld, 6, 'L4')
  t.same(v4.inputsAfterBounds, { creatinineMgDl: 1, bilirubinMgDl: 1, inr: 1 }, 'L4 labs floored at 1.0')

  const v5 = meld({ creatinineMgDl: 4.0, bilirubinMgDl: 99, inr: 19, dialysisTwiceInPastWeek: false })
  t.equal(v5.meld, 40, 'L5 capped')
  t.ok(v5.meldUnrounded > 40)
})

t.test('transplantr test vector: unrounded 24.798 (its meld() skips the OPTN tenths rounding), OPTN 25', async (t) => {
  // transplantr tests/testthat/test_liver.R: meld(INR 2.0, bili 54 µmol/L, creat 170 µmol/L) = 24.798.
  const result = meld({ creatinineMgDl: 170 / 88.4, bilirubinMgDl: 54 / 17.1, inr: 2, dialysisTwiceInPastWeek: false })
  t.equal(Number(result.meldUnrounded.toFixed(3)), 24.798)
  t.equal(result.meld, 25)
})

t.test('MELD: dialysis sets creatinine to 4.0, creatinine above 4.0 counts as 4.0', async (t) => {
  const onDialysis = meld({ ...l2, dialysisTwiceInPastWeek: true })
  t.equal(onDialysis.inputsAfterBounds.creatinineMgDl, 4)
  t.equal(onDialysis.meld, meld({ ...l2, creatinineMgDl: 4 }).meld)
  t.equal(meld({ ...l2, creatinineMgDl: 9 }).meld, meld({ ...l2, creatinineMgDl: 4 }).meld)
  t.ok(onDialysis.meld > meld(l2).meld)
})

t.test('MELD-Na: no sodium term at MELD 11 or below, sodium bounded to 125..137', async (t) => {
  // MELD(i) = 0.378·ln(2.5) + 0.643 = 0.989 → MELD 10.
  const low = { creatinineMgDl: 1, bilirubinMgDl: 2.5, inr: 1, dialysisTwiceInPastWeek: false }
  const lowNa = meldNa({ ...low, sodiumMmolL: 120 })
  t.equal(lowNa.meld, 10)
  t.equal(lowNa.meldNa, 10)
  t.notOk(lowNa.sodiumTermApplied)
  // MELD(i) = 0.378·ln(3.3) + 0.643 = 1.094 → MELD 11: still no sodium term.
  const eleven = meldNa({ creatinineMgDl: 1, bilirubinMgDl: 3.3, inr: 1, dialysisTwiceInPastWeek: false, sodiumMmolL: 125 })
  t.equal(eleven.meld, 11)
  t.equal(eleven.meldNa, 11)
  t.notOk(eleven.sodiumTermApplied)
  // Just above the threshold the term applies.
  const twelve = { creatinineMgDl: 1.2, bilirubinMgDl: 2.5, inr: 1, dialysisTwiceInPastWeek: false }
  t.equal(meldNa({ ...twelve, sodiumMmolL: 131 }).meld, 12)
  t.ok(meldNa({ ...twelve, sodiumMmolL: 131 }).sodiumTermApplied)
  t.equal(meldNa({ ...l2, sodiumMmolL: 110 }).meldNa, meldNa({ ...l2, sodiumMmolL: 125 }).meldNa)
  t.equal(meldNa({ ...l2, sodiumMmolL: 150 }).meldNa, meldNa({ ...l2, sodiumMmolL: 137 }).meldNa)
  t.equal(meldNa({ ...l2, sodiumMmolL: 137 }).meldNa, 23, 'no deficit, no change')
  t.equal(meldNa({ ...l2, sodiumMmolL: 110 }).inputsAfterBounds.sodiumMmolL, 125)
})

// The 12 rows meld.sas lists as "examples on Table 4 of Gastroenterology 2021"; outputs are
// [computed, not published] in clinical-scores.md §3f.
const TABLE: ReadonlyArray<readonly [number, 0 | 1, number, number, number, number, number, number, number, number, number]> = [
  // age, female, bili, Na, INR, SCr, alb, MELD, MELD-Na, MELD 3.0 unrounded, MELD 3.0
  [20, 0, 2.5, 131, 1.0, 1.2, 3.8, 12, 18, 15.810, 16],
  [20, 1, 2.5, 131, 1.0, 1.2, 3.8, 12, 18, 17.140, 17],
  [20, 0, 6.0, 131, 1.5, 1.5, 3.5, 22, 26, 24.713, 25],
  [20, 0, 6.0, 131, 1.5, 1.5, 2.2, 22, 26, 26.153, 26],
  [20, 1, 6.0, 131, 1.5, 1.5, 2.2, 22, 26, 27.483, 27],
  [20, 0, 12.0, 128, 2.2, 1.8, 2.0, 30, 33, 34.220, 34],
  [20, 0, 12.0, 128, 2.2, 2.8, 2.0, 35, 36, 37.930, 38],
  [20, 1, 12.0, 128, 2.2, 2.8, 2.0, 35, 36, 39.260, 39],
  [20, 1, 12.0, 120, 0.9, 4.5, 3.5, 29, 33, 33.583, 34],
  [10, 1, 12.0, 120, 0.9, 4.5, 3.5, 29, 33, 33.583, 34],
  [20, 0, 12.0, 120, 0.9, 4.5, 3.5, 29, 33, 32.253, 32],
  [10, 0, 12.0, 120, 0.9, 4.5, 3.5, 29, 33, 33.583, 34]
]

t.test('the 12-row MELD 3.0 table: MELD, MELD-Na, MELD 3.0 unrounded and rounded', async (t) => {
  for (const [age, female, bili, na, inr, scr, alb, expMeld, expMeldNa, expUnrounded, expMeld3] of TABLE) {
    const labs = { creatinineMgDl: scr, bilirubinMgDl: bili, inr, dialysisTwiceInPastWeek: false }
    const label = `age ${age} female ${female} bili ${bili} Na ${na} SCr ${scr} alb ${alb}`
    t.equal(meld(labs).meld, expMeld, `${label}: MELD`)
    t.equal(meldNa({ ...labs, sodiumMmolL: na }).meldNa, expMeldNa, `${label}: MELD-Na`)
    const m3 = meld3({ ...labs, sodiumMmolL: na, albuminGDl: alb, ageYears: age, sex: female === 1 ? 'F' : 'M' })
    t.equal(Number(m3.meld3Unrounded.toFixed(3)), expUnrounded, `${label}: MELD 3.0 unrounded`)
    t.equal(m3.meld3, expMeld3, `${label}: MELD 3.0`)
  }
})

const props: Meld3Input = {
  creatinineMgDl: 1.5, bilirubinMgDl: 3.0, inr: 1.8, sodiumMmolL: 130, albuminGDl: 2.8, dialysisTwiceInPastWeek: false, ageYears: 40, sex: 'M'
}

t.test('MELD 3.0 properties (clinical-scores.md §3f): sex, adolescent intercept, clamps, dialysis', async (t) => {
  const male = meld3(props)
  t.equal(Number(male.meld3Unrounded.toFixed(4)), 25.5395)
  t.equal(male.meld3, 26)
  const female = meld3({ ...props, sex: 'F' })
  t.equal(Number(female.meld3Unrounded.toFixed(4)), 26.8695)
  t.equal(female.meld3, 27)
  for (const sex of ['F', 'M'] as const) {
    const teen = meld3({ ...props, ageYears: 14, sex })
    t.equal(teen.meld3, 27, `age 14 ${sex}`)
    t.ok(teen.adolescentIntercept)
  }
  t.equal(meld3({ ...props, ageYears: 14, sex: undefined }).meld3, 27, 'no sex needed under 18')
  t.equal(meld3({ ...props, ageYears: 17.99, sex: 'M' }).meld3, 27)
  t.equal(meld3({ ...props, ageYears: 18, sex: 'M' }).meld3, 26, 'adult from 18')

  t.equal(meld3({ ...props, creatinineMgDl: 4.0 }).meld3Unrounded, meld3({ ...props, creatinineMgDl: 3.0 }).meld3Unrounded)
  t.equal(meld3({ ...props, albuminGDl: 0.5 }).meld3Unrounded, meld3({ ...props, albuminGDl: 1.5 }).meld3Unrounded)
  t.equal(meld3({ ...props, albuminGDl: 5.0 }).meld3Unrounded, meld3({ ...props, albuminGDl: 3.5 }).meld3Unrounded)
  const dialysis = meld3({ ...props, dialysisTwiceInPastWeek: true })
  t.equal(dialysis.inputsAfterBounds.creatinineMgDl, 3)
  t.equal(dialysis.meld3Unrounded, meld3({ ...props, creatinineMgDl: 3 }).meld3Unrounded)
  t.same(meld3({ ...props, sodiumMmolL: 150, albuminGDl: 6 }).inputsAfterBounds,
    { creatinineMgDl: 1.5, bilirubinMgDl: 3, inr: 1.8, sodiumMmolL: 137, albuminGDl: 3.5 })
})

t.test('bad input raises a typed error naming the field, never NaN', async (t) => {
  t.throws(() => meld({ ...l2, creatinineMgDl: undefined as unknown as number }), { code: 'ENGINE_MISSING_FIELD', field: 'creatinineMgDl' })
  t.throws(() => meld({ ...l2, bilirubinMgDl: Number.NaN }), { code: 'ENGINE_INVALID_FIELD', field: 'bilirubinMgDl' })
  t.throws(() => meld({ ...l2, inr: 25 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'inr' })
  t.throws(() => meld({ ...l2, creatinineMgDl: 168 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'creatinineMgDl' }, 'µmol/L value refused')
  t.throws(() => meld({ ...l2, dialysisTwiceInPastWeek: 'no' as unknown as boolean }), { code: 'ENGINE_INVALID_FIELD', field: 'dialysisTwiceInPastWeek' })
  t.throws(() => meldNa({ ...l2, sodiumMmolL: 90 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'sodiumMmolL' })
  t.throws(() => meldNa({ ...l2 } as never), { code: 'ENGINE_MISSING_FIELD', field: 'sodiumMmolL' })
  t.throws(() => meld3({ ...props, albuminGDl: 35 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'albuminGDl' }, 'g/L value refused')
  t.throws(() => meld3({ ...props, ageYears: -1 }), { code: 'ENGINE_OUT_OF_RANGE', field: 'ageYears' })
  t.throws(() => meld3({ ...props, sex: undefined }), { code: 'ENGINE_MISSING_FIELD', field: 'sex' })
  t.throws(() => meld3({ ...props, sex: null as unknown as 'F' }), { code: 'ENGINE_MISSING_FIELD', field: 'sex' })
  t.throws(() => meld3({ ...props, sex: 'female' as unknown as 'F' }), { code: 'ENGINE_INVALID_FIELD', field: 'sex' })
  t.throws(() => meld3({ ...props, ageYears: 14, sex: 'x' as unknown as 'F' }), { code: 'ENGINE_INVALID_FIELD', field: 'sex' })
})

const double = (range: { min: number, max: number }): fc.Arbitrary<number> => fc.double({ min: range.min, max: range.max, noNaN: true })
const labsArb = fc.record({
  creatinineMgDl: double(CREATININE_MG_DL_RANGE),
  bilirubinMgDl: double(BILIRUBIN_MG_DL_RANGE),
  inr: double(INR_RANGE),
  sodiumMmolL: double(SODIUM_MMOL_L_RANGE),
  albuminGDl: double(ALBUMIN_G_DL_RANGE),
  dialysisTwiceInPastWeek: fc.boolean(),
  ageYears: fc.double({ min: 0, max: 120, noNaN: true }),
  sex: fc.constantFrom('F' as const, 'M' as const)
})
const isScore = (value: number): boolean => Number.isInteger(value) && value >= MELD_MIN && value <= MELD_MAX

t.test('property: MELD, MELD-Na and MELD 3.0 never decrease as bilirubin rises', async (t) => {
  fc.assert(fc.property(labsArb, double(BILIRUBIN_MG_DL_RANGE), double(BILIRUBIN_MG_DL_RANGE), (labs, a, b) => {
    const lower = { ...labs, bilirubinMgDl: Math.min(a, b) }
    const higher = { ...labs, bilirubinMgDl: Math.max(a, b) }
    // Unrounded values may differ by float noise (1e-14) when the two bilirubins are nearly equal, because
    // MELD 3.0's bilirubin terms are summed separately; that noise is far below the rounding to integers.
    const noise = 1e-9
    return meld(lower).meld <= meld(higher).meld &&
      meld(lower).meldUnrounded <= meld(higher).meldUnrounded + noise &&
      meldNa(lower).meldNa <= meldNa(higher).meldNa &&
      meld3(lower).meld3 <= meld3(higher).meld3 &&
      meld3(lower).meld3Unrounded <= meld3(higher).meld3Unrounded + noise
  }), { numRuns: 300 })
  t.pass('monotone in bilirubin')
})

t.test('property: every input in range gives a finite integer score in 6..40', async (t) => {
  fc.assert(fc.property(labsArb, (labs) => {
    const a = meld(labs)
    const b = meldNa(labs)
    const c = meld3(labs)
    return isScore(a.meld) && isScore(b.meldNa) && isScore(b.meld) && isScore(c.meld3) &&
      Number.isFinite(a.meldUnrounded) && Number.isFinite(b.meldNaUnrounded) && Number.isFinite(c.meld3Unrounded)
  }), { numRuns: 300 })
  t.pass('finite and bounded')
})

t.test('property: every bound and clamp holds on the inputs actually used', async (t) => {
  fc.assert(fc.property(labsArb, (labs) => {
    const a = meldNa(labs).inputsAfterBounds
    const c = meld3(labs).inputsAfterBounds
    const meldCreatinineOk = labs.dialysisTwiceInPastWeek
      ? a.creatinineMgDl === 4 && c.creatinineMgDl === 3
      : a.creatinineMgDl === Math.min(4, Math.max(1, labs.creatinineMgDl)) && c.creatinineMgDl === Math.min(3, Math.max(1, labs.creatinineMgDl))
    return meldCreatinineOk &&
      a.bilirubinMgDl === Math.max(1, labs.bilirubinMgDl) && c.bilirubinMgDl === a.bilirubinMgDl &&
      a.inr === Math.max(1, labs.inr) && c.inr === a.inr &&
      a.sodiumMmolL >= 125 && a.sodiumMmolL <= 137 && c.sodiumMmolL === a.sodiumMmolL &&
      c.albuminGDl >= 1.5 && c.albuminGDl <= 3.5 &&
      (labs.albuminGDl < 1.5 || labs.albuminGDl > 3.5 || c.albuminGDl === labs.albuminGDl)
  }), { numRuns: 300 })
  t.pass('clamps hold')
})

t.test('property: values beyond a clamp score exactly as the clamp value', async (t) => {
  fc.assert(fc.property(labsArb, fc.double({ min: 4, max: 25, noNaN: true }), fc.double({ min: 100, max: 125, noNaN: true }), (labs, highCreatinine, lowSodium) => {
    return meldNa({ ...labs, creatinineMgDl: highCreatinine }).meldNaUnrounded === meldNa({ ...labs, creatinineMgDl: 4 }).meldNaUnrounded &&
      meld3({ ...labs, creatinineMgDl: highCreatinine }).meld3Unrounded === meld3({ ...labs, creatinineMgDl: 3 }).meld3Unrounded &&
      meld3({ ...labs, sodiumMmolL: lowSodium }).meld3Unrounded === meld3({ ...labs, sodiumMmolL: 125 }).meld3Unrounded
  }), { numRuns: 200 })
  t.pass('clamped inputs are indistinguishable')
})
