import t from 'tap'
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { KDRI_INPUT_RANGES, KDRI_OPTN_BOUNDS, computeKdri } from '../engine/clinical/kdri.js'
import type { KdriFormula, KdriInput } from '../engine/clinical/kdri.js'
import { computeKdpi, kdpiFromKdriMedian, kdpiReferenceYears, percentileFromUpperBounds, selectKdpiTable } from '../engine/clinical/kdpi.js'
import type { KdpiReferenceTable } from '../engine/clinical/kdpi.js'
import {
  REFERENCE_FILES, kdpiTables, loadClinicalTables, locateReferenceFile,
  parseKdpiOptnTables, parseKdpiRefitRefpop2024Table
} from '../data/reference/clinical-tables.js'

/** |actual − expected| within half a unit of the last decimal the source prints. */
function near (t: Test, actual: number, expected: number, decimals: number, label: string): void {
  const tolerance = 0.5 * 10 ** -decimals + 1e-15
  t.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual} ≈ ${expected} (±${tolerance})`)
}

const refit = (year?: number): KdpiReferenceTable => selectKdpiTable(kdpiTables, 'refit-2024', year)
const rao = (year?: number): KdpiReferenceTable => selectKdpiTable(kdpiTables, 'rao-2009', year)

/** The OPTN guide's worked-example donor (2020 and 2025 guides). */
const guideDonor: KdriInput = {
  ageYears: 52, heightCm: 183, weightKg: 81, hypertension: true, diabetes: false,
  causeOfDeathCva: true, creatinineMgDl: 1.7, dcd: true
}
const referenceDonor: KdriInput = {
  ageYears: 40, heightCm: 170, weightKg: 80, hypertension: false, diabetes: false,
  causeOfDeathCva: false, creatinineMgDl: 1.0, dcd: false
}
const donor = (over: Partial<KdriInput>): KdriInput => ({ ...referenceDonor, ...over })
const noImputation = { prevalenceHypertension: 0.4, prevalenceDiabetes: 0.2 }

t.test('K8 [published]: OPTN guide donor under the refit, xβ and KDRI_RAO', async (t) => {
  const r = computeKdpi(guideDonor, refit(2023))
  near(t, r.xbeta, 0.53787, 5, 'xβ')
  near(t, r.kdriRao, 1.71235565748184, 14, 'KDRI_RAO')
  t.same(r.clamps, [])
  t.same(r.imputed, [])
})

t.test('K9 [published 79%]: guide donor on the 2023 refit table', async (t) => {
  const r = computeKdpi(guideDonor, refit(2023))
  t.equal(r.referenceYear, 2023)
  t.equal(r.scalingFactor, 1.30900852563932)
  near(t, r.kdriMedian, 1.308132, 6, 'KDRI_median')
  t.equal(r.kdpi, 79)
})

t.test('K10: guide donor on the 2024 refit table, which is the default', async (t) => {
  const r = computeKdpi(guideDonor, refit())
  t.equal(r.referenceYear, 2024)
  t.equal(r.scalingFactor, 1.40436817065005)
  near(t, r.kdriMedian, 1.219307, 6, 'KDRI_median')
  t.equal(r.kdpi, 72)
  t.same(r.kdpiAlternatives, [])
})

t.test('K11–K14: refit vectors on both refit tables', async (t) => {
  const cases: Array<{ id: string, input: KdriInput, xbeta: number, xDecimals: number, kdriRao: number, medians?: [number, number], kdpi: [number, number] }> = [
    { id: 'K11', input: referenceDonor, xbeta: 0, xDecimals: 12, kdriRao: 1.0, medians: [0.763937, 0.712064], kdpi: [20, 16] },
    { id: 'K12', input: donor({ ageYears: 10, heightCm: 140, weightKg: 35, creatinineMgDl: 0.5 }), xbeta: -0.006, xDecimals: 3, kdriRao: 0.994018, kdpi: [20, 16] },
    { id: 'K13', input: donor({ ageYears: 45, heightCm: 175, weightKg: 90, creatinineMgDl: 12 }), xbeta: 0.0784, xDecimals: 4, kdriRao: 1.081555, kdpi: [29, 23] },
    { id: 'K14', input: donor({ ageYears: 25, heightCm: 190, weightKg: 100, creatinineMgDl: 0.8 }), xbeta: -0.29196, xDecimals: 5, kdriRao: 0.746798, kdpi: [1, 1] }
  ]
  for (const c of cases) {
    const r2023 = computeKdpi(c.input, refit(2023))
    const r2024 = computeKdpi(c.input, refit(2024))
    near(t, r2023.xbeta, c.xbeta, c.xDecimals, `${c.id} xβ`)
    near(t, r2023.kdriRao, c.kdriRao, 6, `${c.id} KDRI_RAO`)
    if (c.medians !== undefined) {
      near(t, r2023.kdriMedian, c.medians[0], 6, `${c.id} median 2023`)
      near(t, r2024.kdriMedian, c.medians[1], 6, `${c.id} median 2024`)
    }
    t.same([r2023.kdpi, r2024.kdpi], c.kdpi, `${c.id} KDPI 2023/2024`)
  }
})

t.test('K13: creatinine 12 mg/dL scores exactly as 8 and reports the cap', async (t) => {
  const capped = computeKdpi(donor({ ageYears: 45, heightCm: 175, weightKg: 90, creatinineMgDl: 12 }), refit())
  const eight = computeKdpi(donor({ ageYears: 45, heightCm: 175, weightKg: 90, creatinineMgDl: 8 }), refit())
  t.equal(capped.xbeta, eight.xbeta)
  t.equal(capped.kdpi, eight.kdpi)
  t.same(capped.clamps, [{ field: 'creatinineMgDl', givenValue: 12, usedValue: 8 }])
  t.same(eight.clamps, [])
})

t.test('K15: the guide donor under Rao 2009 (non-Black, HCV−) on the 2023 Rao table', async (t) => {
  const r = computeKdpi({ ...guideDonor, black: false, hcvPositive: false }, rao(2023))
  t.equal(r.formula, 'rao-2009')
  near(t, r.kdriMedian, 1.284925, 6, 'KDRI_median')
  t.equal(r.kdpi, 75)
})

t.test('K16: Rao with race and HCV terms on the 2018 and 2023 Rao tables', async (t) => {
  const input = { ageYears: 30, heightCm: 175, weightKg: 85, black: true, hypertension: false, diabetes: false, causeOfDeathCva: false, creatinineMgDl: 0.9, hcvPositive: true, dcd: false }
  const r2018 = computeKdpi(input, rao(2018))
  const r2023 = computeKdpi(input, rao(2023))
  near(t, r2018.xbeta, 0.2458, 4, 'xβ')
  near(t, r2018.kdriRao, 1.278644, 6, 'KDRI_RAO')
  t.equal(r2018.kdpi, 53)
  t.equal(r2023.kdpi, 43)
})

t.test('the under-18 age term has opposite signs in the two formulas', async (t) => {
  const at = (formula: KdriFormula, ageYears: number): number =>
    computeKdri(formula, formula === 'rao-2009' ? { ...donor({ ageYears }), black: false, hcvPositive: false } : donor({ ageYears }), noImputation).xbeta
  // From 18 down to 10: refit 0.0092·(−8) + 0.0113·(−8); Rao 0.0128·(−8) − 0.0194·(−8).
  near(t, at('refit-2024', 10) - at('refit-2024', 18), -0.164, 12, 'refit')
  near(t, at('rao-2009', 10) - at('rao-2009', 18), 0.0528, 12, 'Rao')
})

t.test('OPTN bounds: age, height, weight and creatinine are bounded and reported', async (t) => {
  const xb = (over: Partial<KdriInput>): number => computeKdri('refit-2024', donor(over), noImputation).xbeta
  t.equal(xb({ ageYears: 105 }), xb({ ageYears: 99 }), 'age 105 scores as 99')
  t.equal(xb({ heightCm: 255 }), xb({ heightCm: 241.3 }), 'height 255 scores as 241.3')
  t.equal(xb({ weightKg: 320 }), xb({ weightKg: 294 }), 'weight 320 scores as 294')
  t.equal(xb({ weightKg: 0.35 }), xb({ weightKg: 0.454 }), 'weight 0.35 scores as 0.454')
  t.equal(xb({ creatinineMgDl: 39 }), xb({ creatinineMgDl: 8 }), 'creatinine 39 scores as 8')
  t.not(xb({ creatinineMgDl: 7.9 }), xb({ creatinineMgDl: 8 }), 'below the cap creatinine still counts')
  const all = computeKdri('refit-2024', donor({ ageYears: 105, heightCm: 255, weightKg: 0.35, creatinineMgDl: 12 }), noImputation)
  t.same(all.clamps, [
    { field: 'ageYears', givenValue: 105, usedValue: 99 },
    { field: 'heightCm', givenValue: 255, usedValue: 241.3 },
    { field: 'weightKg', givenValue: 0.35, usedValue: 0.454 },
    { field: 'creatinineMgDl', givenValue: 12, usedValue: 8 }
  ])
})

t.test('inputs outside the accepted ranges are refused, naming the field and the range', async (t) => {
  const bad: Array<[Partial<KdriInput>, string, string]> = [
    [{ creatinineMgDl: 0.005 }, 'creatinineMgDl', 'must be between 0.01 and 40 mg/dL'],
    [{ creatinineMgDl: 41 }, 'creatinineMgDl', 'must be between 0.01 and 40 mg/dL'],
    [{ ageYears: 121 }, 'ageYears', 'must be between 0 and 120 years'],
    [{ ageYears: -1 }, 'ageYears', 'must be between 0 and 120 years'],
    [{ heightCm: 261 }, 'heightCm', 'must be between 20 and 260 cm'],
    [{ weightKg: 0.2 }, 'weightKg', 'must be between 0.3 and 350 kg']
  ]
  for (const [over, field, rule] of bad) {
    t.throws(() => computeKdri('refit-2024', donor(over), noImputation), { code: 'ENGINE_OUT_OF_RANGE', field, rule }, `${field} ${JSON.stringify(over)}`)
  }
  t.throws(() => computeKdri('refit-2024', donor({ creatinineMgDl: Number.NaN }), noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'creatinineMgDl' })
  t.throws(() => computeKdri('refit-2024', donor({ hypertension: 'maybe' as unknown as boolean }), noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'hypertension' })
  t.throws(() => computeKdri('refit-2024', donor({ dcd: undefined as unknown as boolean }), noImputation), { code: 'ENGINE_MISSING_FIELD', field: 'dcd' })
  t.throws(() => computeKdri('refit-2024', donor({ causeOfDeathCva: 1 as unknown as boolean }), noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'causeOfDeathCva' })
  t.throws(() => computeKdri('mdrd' as KdriFormula, referenceDonor, noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'formula' })
})

t.test('race and HCV are refused by the refit formula, even when false', async (t) => {
  t.throws(() => computeKdri('refit-2024', { ...referenceDonor, black: false }, noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'black' })
  t.throws(() => computeKdri('refit-2024', { ...referenceDonor, black: true }, noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'black' })
  t.throws(() => computeKdri('refit-2024', { ...referenceDonor, hcvPositive: false }, noImputation), { code: 'ENGINE_INVALID_FIELD', field: 'hcvPositive' })
  t.throws(() => computeKdpi({ ...guideDonor, black: false }, refit()), { code: 'ENGINE_INVALID_FIELD', field: 'black' })
  // A Rao table brings the Rao formula with it, and Rao needs both.
  t.throws(() => computeKdpi(guideDonor, rao()), { code: 'ENGINE_MISSING_FIELD', field: 'black' })
  t.throws(() => computeKdpi({ ...guideDonor, black: false }, rao()), { code: 'ENGINE_MISSING_FIELD', field: 'hcvPositive' })
  const black = computeKdri('rao-2009', { ...referenceDonor, black: true, hcvPositive: false }, noImputation)
  const hcv = computeKdri('rao-2009', { ...referenceDonor, black: false, hcvPositive: true }, noImputation)
  near(t, black.xbeta, 0.179, 12, 'Rao race term')
  near(t, hcv.xbeta, 0.24, 12, 'Rao HCV term')
})

t.test('unknown hypertension or diabetes adds coefficient × prevalence of the chosen table', async (t) => {
  for (const [formula, table] of [['refit-2024', refit(2024)], ['refit-2024', refit(2023)], ['rao-2009', rao(2018)]] as const) {
    const extra = formula === 'rao-2009' ? { black: false, hcvPositive: false } : {}
    const base = computeKdpi({ ...referenceDonor, ...extra }, table)
    const htn = computeKdpi({ ...referenceDonor, ...extra, hypertension: 'unknown' }, table)
    const dm = computeKdpi({ ...referenceDonor, ...extra, diabetes: 'unknown' }, table)
    const htnCoefficient = formula === 'rao-2009' ? 0.126 : 0.1106
    const dmCoefficient = formula === 'rao-2009' ? 0.13 : 0.2577
    near(t, htn.xbeta - base.xbeta, htnCoefficient * table.prevalenceHypertension, 12, `${formula} ${table.referenceYear} HTN`)
    near(t, dm.xbeta - base.xbeta, dmCoefficient * table.prevalenceDiabetes, 12, `${formula} ${table.referenceYear} DM`)
    t.same(htn.imputed, [{ field: 'hypertension', prevalence: table.prevalenceHypertension, contribution: htnCoefficient * table.prevalenceHypertension }])
    t.equal(dm.imputed[0]?.field, 'diabetes')
  }
  // The 2024 refit prevalences are the ones printed under the newest table.
  t.equal(refit(2024).prevalenceHypertension, 0.43697057162578)
  t.equal(refit(2024).prevalenceDiabetes, 0.17280542134655)
  // A prevalence is checked only when it is used.
  const badPrevalence = { prevalenceHypertension: 1.5, prevalenceDiabetes: Number.NaN }
  t.equal(computeKdri('refit-2024', referenceDonor, badPrevalence).xbeta, 0)
  t.throws(() => computeKdri('refit-2024', donor({ hypertension: 'unknown' }), badPrevalence), { code: 'ENGINE_OUT_OF_RANGE', field: 'prevalenceHypertension' })
  t.throws(() => computeKdri('refit-2024', donor({ diabetes: 'unknown' }), badPrevalence), { code: 'ENGINE_INVALID_FIELD', field: 'prevalenceDiabetes' })
})

t.test('mapping convention lower < x ≤ upper, first row from 0, open-ended last row', async (t) => {
  const table = refit(2024)
  const bounds = table.upperBounds
  t.equal(bounds.length, 101)
  t.equal(kdpiFromKdriMedian(bounds[0] as number, table), 0, 'exactly the 0% bound is 0')
  t.equal(kdpiFromKdriMedian(1e-9, table), 0)
  t.equal(kdpiFromKdriMedian(bounds[50] as number, table), 50, 'an upper bound belongs to its own row')
  t.equal(kdpiFromKdriMedian((bounds[50] as number) + 1e-12, table), 51, 'just above belongs to the next')
  t.equal(kdpiFromKdriMedian(bounds[100] as number, table), 100, 'the observed maximum')
  t.equal(kdpiFromKdriMedian(50, table), 100, 'far above the maximum is still 100')
  t.throws(() => kdpiFromKdriMedian(0, table), { code: 'ENGINE_INVALID_FIELD', field: 'kdriMedian' })
  t.throws(() => kdpiFromKdriMedian(Number.NaN, table), { code: 'ENGINE_INVALID_FIELD', field: 'kdriMedian' })
  t.equal(percentileFromUpperBounds(5, [1, 2, 3]), 3)
  t.equal(percentileFromUpperBounds(2, [1, 2, 3]), 1)
})

t.test('a donor inside a disputed row of the 2024 table gets the consensus KDPI and the alternative', async (t) => {
  const table = refit(2024)
  t.same(table.unresolvedRows, [
    { percent: 48, alternativeUpperBound: 0.9796982262139 },
    { percent: 66, alternativeUpperBound: 1.15614802585337 }
  ])
  // The reference donor has KDRI_RAO exactly 1, so KDRI_median = 1 / scalingFactor lands where chosen.
  const at = (kdriMedian: number): ReturnType<typeof computeKdpi> => computeKdpi(referenceDonor, { ...table, scalingFactor: 1 / kdriMedian })
  t.match(at(0.9798), { kdpi: 48, kdpiAlternatives: [49] }, '48% window: consensus 48, other reading 49')
  t.match(at(1.1559), { kdpi: 67, kdpiAlternatives: [66] }, '66% window: consensus 67, other reading 66')
  t.match(at(0.9790), { kdpi: 48, kdpiAlternatives: [] }, 'below the window both readings agree')
  t.match(at(1.17), { kdpi: 68, kdpiAlternatives: [] })
})

t.test('table registry: newest by default, unknown years named', async (t) => {
  t.same(kdpiReferenceYears(kdpiTables, 'rao-2009'), [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023])
  t.same(kdpiReferenceYears(kdpiTables, 'refit-2024'), [2023, 2024])
  t.equal(rao().referenceYear, 2023)
  t.equal(refit().referenceYear, 2024)
  t.throws(() => refit(2019), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'referenceYear', rule: /must be one of 2023, 2024/ })
  t.throws(() => rao(2024), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'referenceYear', rule: /2014, 2015.*2023/ })
  t.throws(() => selectKdpiTable([], 'refit-2024'), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'formula' })
  t.throws(() => selectKdpiTable(kdpiTables, 'x' as KdriFormula), { code: 'ENGINE_INVALID_FIELD', field: 'formula' })
})

t.test('loaded KDPI tables are complete and ordered', async (t) => {
  t.equal(kdpiTables.length, 12)
  for (const table of kdpiTables) {
    t.equal(table.upperBounds.length, 101, `${table.formula} ${table.referenceYear} has 0–100%`)
    t.ok(table.upperBounds.every((b, i) => i === 0 ? b > 0 : b > (table.upperBounds[i - 1] as number)), 'strictly increasing')
    t.ok(table.scalingFactor > 1 && table.scalingFactor < 2)
    t.match(table.source, /OPTN/)
  }
  t.equal(refit(2024).upperBounds[98], 1.86168222116483, 'the 98% row uses the three-way consensus')
  t.equal(refit(2024).upperBounds[100], 2.82070964079594)
  t.equal(refit(2023).scalingFactor, 1.30900852563932)
  t.equal(rao(2018).scalingFactor, 1.2506957544151)
})

t.test('KDPI table files are located from the source tree and from dist/', async (t) => {
  const fromSource = locateReferenceFile(REFERENCE_FILES.kdpiOptn)
  t.match(fromSource, /data[/\\]reference[/\\]kdpi-mapping-optn-2014-2024\.csv$/)
  const distModule = new URL('../dist/data/reference/clinical-tables.js', import.meta.url).href
  const onlySource = (path: string): boolean => path === fromSource
  t.equal(locateReferenceFile(REFERENCE_FILES.kdpiOptn, distModule, onlySource), fromSource, 'compiled code finds the source CSV')
  t.throws(() => locateReferenceFile('nope.csv'), { code: 'DATA_REFERENCE_TABLE_INVALID', file: 'nope.csv' })
})

t.test('damaged KDPI CSVs are refused at load with file and line', async (t) => {
  const mapping = readFileSync(locateReferenceFile(REFERENCE_FILES.kdpiOptn), 'utf8')
  const scaling = readFileSync(locateReferenceFile(REFERENCE_FILES.kdpiScalingFactors), 'utf8')
  const refpop = readFileSync(locateReferenceFile(REFERENCE_FILES.kdpiRefitRefpop2024), 'utf8')
  const footer = readFileSync(locateReferenceFile(REFERENCE_FILES.kdpiRefitRefpop2024Footer), 'utf8')
  const lines = (text: string): string[] => text.split(/\r?\n/)
  const editLine = (text: string, index: number, edit: (line: string) => string): string =>
    lines(text).map((line, i) => i === index ? edit(line) : line).join('\n')
  const code = 'DATA_REFERENCE_TABLE_INVALID'

  t.equal(parseKdpiOptnTables(mapping, scaling).length, 11)
  // Row 3 (line index 3) is 2014, 2%.
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace(/,2$/, ',7')), scaling), { code, line: 4, message: /expected percent 2/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace('0.5949368580453', '0.1')), scaling), { code, message: /upper bound 0.1 is not above/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace('0.573555828590891', '0.57')), scaling), { code, message: /does not continue/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace('rao_2009', 'rao_2099')), scaling), { code, message: /formula rao_2099/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace('2014,rao_2009', '2015,rao_2009')), scaling), { code, message: /mixes year labels/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace(/,2$/, ',2.5')), scaling), { code, message: /whole number/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace(/,2$/, ',')), scaling), { code, message: /kdpi_percent is empty/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 3, (l) => l.replace('0.5949368580453', 'x')), scaling), { code, message: /not a number/ })
  t.throws(() => parseKdpiOptnTables(lines(mapping).filter((_, i) => i !== 3).join('\n'), scaling), { code })
  t.throws(() => parseKdpiOptnTables(lines(mapping).filter((_, i) => i !== 102).join('\n'), scaling), { code, message: /expected 102 rows/ })
  t.throws(() => parseKdpiOptnTables(editLine(mapping, 102, (l) => l.replace('999999999', '5')), scaling), { code, message: /open-ended/ })
  t.throws(() => parseKdpiOptnTables(mapping.replace('kdpi_percent', 'percent'), scaling), { code, message: /lacks the column kdpi_percent/ })
  t.throws(() => parseKdpiOptnTables('', scaling), { code, message: /has no rows/ })
  t.throws(() => parseKdpiOptnTables('a,b\n"x,1\n', scaling), { code, message: /not valid CSV/ })
  t.throws(() => parseKdpiOptnTables(mapping, lines(scaling).filter((l) => !l.startsWith('2016')).join('\n')), { code, message: /no scaling factor for year label 2016/ })
  t.throws(() => parseKdpiOptnTables(mapping, `${scaling}\n2016,rao_2009,1.2,0.3,0.1,0`), { code, message: /2016 appears twice/ })
  t.throws(() => parseKdpiOptnTables(mapping, scaling.replace('2016,rao_2009', '2016,refit_2024')), { code, message: /is refit-2024 there but rao-2009/ })
  t.throws(() => parseKdpiOptnTables(mapping, scaling.replace('2016,rao_2009,1.20659821120231', '2016,rao_2009,0')), { code, message: /must be positive/ })
  t.throws(() => parseKdpiOptnTables(mapping, scaling.replace('2016,rao_2009,1.20659821120231,0.30912681000439', '2016,rao_2009,1.2,1.3')), { code, message: /must lie in 0..1/ })

  t.equal(parseKdpiRefitRefpop2024Table(refpop, footer).referenceYear, 2024)
  t.throws(() => parseKdpiRefitRefpop2024Table(refpop, `${footer}\n${lines(footer)[1] ?? ''}`), { code, message: /expected one row/ })
  t.throws(() => parseKdpiRefitRefpop2024Table(refpop.replace('0.97969822621390', '0.99969822621390'), footer), { code, message: /alternative bound .* for 48% breaks the ordering/ })
  t.throws(() => parseKdpiRefitRefpop2024Table(refpop.replace('47,0.97141500633747', '47,0.99141500633747'), footer), { code, message: /is not above/ })

  t.throws(() => loadClinicalTables((name) => {
    const text = readFileSync(locateReferenceFile(name), 'utf8')
    // Relabel the newest refit table as 2023: two tables would then claim the same key.
    return name === REFERENCE_FILES.kdpiRefitRefpop2024Footer ? text.replace('refit_2024,2024', 'refit_2024,2023') : text
  }), { code, message: /two KDPI tables for refit-2024 2023/ })
})

const inRange = (range: { min: number, max: number }): fc.Arbitrary<number> =>
  fc.double({ min: range.min, max: range.max, noNaN: true, noDefaultInfinity: true })
const triState = fc.constantFrom<boolean | 'unknown'>(true, false, 'unknown')
const donorArbitrary = fc.record({
  ageYears: inRange(KDRI_INPUT_RANGES.ageYears),
  heightCm: inRange(KDRI_INPUT_RANGES.heightCm),
  weightKg: inRange(KDRI_INPUT_RANGES.weightKg),
  hypertension: triState,
  diabetes: triState,
  causeOfDeathCva: fc.boolean(),
  creatinineMgDl: inRange(KDRI_INPUT_RANGES.creatinineMgDl),
  dcd: fc.boolean(),
  black: fc.boolean(),
  hcvPositive: fc.boolean()
})
/** Drops the Rao-only fields for refit tables. */
function forTable (input: KdriInput, table: KdpiReferenceTable): KdriInput {
  if (table.formula === 'rao-2009') return input
  const { black: _black, hcvPositive: _hcv, ...rest } = input
  return rest
}

t.test('property: KDPI never decreases as KDRI_median increases, for every table', async (t) => {
  fc.assert(fc.property(
    fc.constantFrom(...kdpiTables),
    fc.double({ min: 0.05, max: 6, noNaN: true }),
    fc.double({ min: 0.05, max: 6, noNaN: true }),
    (table, a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a]
      return kdpiFromKdriMedian(low, table) <= kdpiFromKdriMedian(high, table)
    }
  ), { numRuns: 300 })
  t.pass()
})

t.test('property: every input in the accepted ranges gives finite scores and a whole KDPI in 0–100', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...kdpiTables), donorArbitrary, (table, input) => {
    const r = computeKdpi(forTable(input, table), table)
    return Number.isFinite(r.xbeta) && Number.isFinite(r.kdriRao) && r.kdriRao > 0 &&
      Number.isFinite(r.kdriMedian) && Number.isInteger(r.kdpi) && r.kdpi >= 0 && r.kdpi <= 100
  }), { numRuns: 300 })
  t.pass()
})

t.test('property: every OPTN bound holds and scoring the bounded values changes nothing', async (t) => {
  const clamp = (field: keyof typeof KDRI_OPTN_BOUNDS, value: number): number =>
    Math.min(Math.max(value, KDRI_OPTN_BOUNDS[field].min), KDRI_OPTN_BOUNDS[field].max)
  fc.assert(fc.property(fc.constantFrom(...kdpiTables), donorArbitrary, (table, raw) => {
    const input = forTable(raw, table)
    const r = computeKdri(table.formula, input, table)
    const bounded = {
      ...input,
      ageYears: clamp('ageYears', input.ageYears),
      heightCm: clamp('heightCm', input.heightCm),
      weightKg: clamp('weightKg', input.weightKg),
      creatinineMgDl: clamp('creatinineMgDl', input.creatinineMgDl)
    }
    const again = computeKdri(table.formula, bounded, table)
    const expectedFields = (['ageYears', 'heightCm', 'weightKg', 'creatinineMgDl'] as const).filter((f) => bounded[f] !== input[f])
    return again.xbeta === r.xbeta && again.clamps.length === 0 &&
      r.clamps.map((c) => c.field).join() === expectedFields.join() &&
      r.clamps.every((c) => c.usedValue >= KDRI_OPTN_BOUNDS[c.field].min && c.usedValue <= KDRI_OPTN_BOUNDS[c.field].max && c.givenValue === input[c.field])
  }), { numRuns: 300 })
  t.pass()
})
