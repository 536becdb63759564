import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { EPTS_INPUT_RANGES, computeEpts, eptsFromRaw, rawEpts, selectEptsTable } from '../engine/clinical/epts.js'
import type { EptsInput } from '../engine/clinical/epts.js'
import { REFERENCE_FILES, eptsTables, locateReferenceFile, parseEptsTable } from '../data/reference/clinical-tables.js'

function near (t: Test, actual: number, expected: number, decimals: number, label: string): void {
  const tolerance = 0.5 * 10 ** -decimals + 1e-15
  t.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual} ≈ ${expected} (±${tolerance})`)
}

const table2018 = selectEptsTable(eptsTables, 2018)
const table2022 = selectEptsTable(eptsTables, 2022)
const candidate = (ageYears: number, diabetes: boolean, priorSolidOrganTransplant: boolean, dialysisYears: number): EptsInput =>
  ({ ageYears, diabetes, priorSolidOrganTransplant, dialysisYears })

t.test('E6–E8: raw EPTS and percentiles under the 2018 and 2022 tables', async (t) => {
  const e6 = candidate(45, false, false, 2)
  near(t, rawEpts(e6), 1.286063, 6, 'E6 raw')
  t.match(computeEpts(e6, table2018), { epts: 15, eptsIsLowerBound: false })
  t.match(computeEpts(e6, table2022), { epts: 15, eptsIsLowerBound: false })

  const e7 = candidate(60, true, false, 3.5)
  near(t, rawEpts(e7), 2.706881, 6, 'E7 raw')
  t.match(computeEpts(e7, table2018), { epts: 81, eptsIsLowerBound: false })
  t.match(computeEpts(e7, table2022), { epts: 81, eptsIsLowerBound: false })

  const e8 = candidate(70, true, true, 8)
  near(t, rawEpts(e8), 3.337601, 6, 'E8 raw')
  t.match(computeEpts(e8, table2022), { referenceYear: 2022, epts: 100, eptsIsLowerBound: false })
  // The doc's 100 for 2018 rests on the row the 2018 copy lacks: the engine answers "99 or more".
  t.match(computeEpts(e8, table2018), { referenceYear: 2018, epts: 99, eptsIsLowerBound: true })
})

t.test('each term of the formula', async (t) => {
  near(t, rawEpts(candidate(25, false, false, 0)), 0.130, 12, 'never on dialysis')
  near(t, rawEpts(candidate(20, false, false, 0)), 0.130, 12, 'age below 25 adds nothing')
  near(t, rawEpts(candidate(35.5, false, false, 0)), 0.047 * 10.5 + 0.130, 12, 'decimal age')
  near(t, rawEpts(candidate(25, true, false, 0)), 0.130 - 0.348 + 1.262, 12, 'diabetes, no dialysis')
  near(t, rawEpts(candidate(25, false, true, 0)), 0.398 + 0.130, 12, 'prior transplant')
  near(t, rawEpts(candidate(25, true, true, 0)), 0.398 - 0.237 + 0.130 - 0.348 + 1.262, 12, 'diabetes × prior transplant')
  near(t, rawEpts(candidate(25, false, false, Math.E - 1)), 0.315, 12, 'ln(dialysis + 1) = 1')
  near(t, rawEpts(candidate(35, true, false, Math.E - 1)), 0.032 * 10 + 0.216 + 1.262, 12, 'diabetes × age and × dialysis')
})

t.test('percentile convention: raw ≤ upper belongs to the row; above a complete table is 100', async (t) => {
  const bounds = table2022.upperBounds
  t.equal(bounds.length, 100)
  t.same(eptsFromRaw(bounds[20] as number, table2022), { epts: 20, eptsIsLowerBound: false })
  t.same(eptsFromRaw((bounds[20] as number) + 1e-12, table2022), { epts: 21, eptsIsLowerBound: false })
  t.same(eptsFromRaw(0, table2022), { epts: 0, eptsIsLowerBound: false })
  t.same(eptsFromRaw(bounds[99] as number, table2022), { epts: 99, eptsIsLowerBound: false })
  t.same(eptsFromRaw((bounds[99] as number) + 1e-9, table2022), { epts: 100, eptsIsLowerBound: false })
  t.throws(() => eptsFromRaw(Number.NaN, table2022), { code: 'ENGINE_INVALID_FIELD', field: 'raw' })
})

t.test('2018 table: the missing 99% row is not invented', async (t) => {
  const bounds = table2018.upperBounds
  t.equal(bounds.length, 99, 'rows 0–98 only')
  t.equal(bounds[98], 3.1633656423)
  t.same(eptsFromRaw(3.1633656423, table2018), { epts: 98, eptsIsLowerBound: false }, 'the last known row is exact')
  t.same(eptsFromRaw(3.17, table2018), { epts: 99, eptsIsLowerBound: true }, 'above it: 99 or more')
  t.same(eptsFromRaw(9, table2018), { epts: 99, eptsIsLowerBound: true })
})

t.test('input errors name the field and the range', async (t) => {
  t.throws(() => rawEpts(candidate(121, false, false, 0)), { code: 'ENGINE_OUT_OF_RANGE', field: 'ageYears', rule: 'must be between 0 and 120 years' })
  t.throws(() => rawEpts(candidate(50, false, false, -1)), { code: 'ENGINE_OUT_OF_RANGE', field: 'dialysisYears', rule: 'must be between 0 and 80 years' })
  t.throws(() => rawEpts(candidate(50, false, false, 81)), { code: 'ENGINE_OUT_OF_RANGE', field: 'dialysisYears' })
  t.throws(() => rawEpts({ ...candidate(50, false, false, 0), diabetes: 'unknown' as unknown as boolean }), { code: 'ENGINE_INVALID_FIELD', field: 'diabetes' })
  t.throws(() => rawEpts({ ...candidate(50, false, false, 0), priorSolidOrganTransplant: undefined as unknown as boolean }), { code: 'ENGINE_MISSING_FIELD', field: 'priorSolidOrganTransplant' })
  t.throws(() => rawEpts({ ...candidate(50, false, false, 0), ageYears: '50' as unknown as number }), { code: 'ENGINE_INVALID_FIELD', field: 'ageYears' })
})

t.test('table registry: newest by default, unknown years named', async (t) => {
  t.equal(selectEptsTable(eptsTables).referenceYear, 2022)
  t.throws(() => selectEptsTable(eptsTables, 2020), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'referenceYear', rule: 'must be one of 2018, 2022 (got 2020)' })
  t.throws(() => selectEptsTable([]), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'referenceYear' })
  t.match(table2018.source, /epts_mapping_table_2018\.pdf/)
  t.match(table2022.source, /March 2022/)
})

t.test('damaged EPTS CSVs are refused at load', async (t) => {
  const text = readFileSync(locateReferenceFile(REFERENCE_FILES.epts2022), 'utf8')
  const lines = text.split(/\r?\n/)
  const code = 'DATA_REFERENCE_TABLE_INVALID'
  const file = 'test.csv'
  t.equal(parseEptsTable(text, 2022, file).upperBounds.length, 100)
  t.throws(() => parseEptsTable(lines.filter((_, i) => i !== 5).join('\n'), 2022, file), { code, line: 6, message: /expected percent 4, found 5/ })
  t.throws(() => parseEptsTable(text.replace('3,0.52800000000000', '3,0.3'), 2022, file), { code, message: /is not above/ })
  t.throws(() => parseEptsTable(`${text}100,9,x\n`, 2022, file), { code, message: /at most 100/ })
  t.throws(() => parseEptsTable(lines.map((l, i) => i === 4 ? l.replace(/,[^,]*$/, ',elsewhere') : l).join('\n'), 2022, file), { code, message: /different sources/ })
  // A year OPTN published nowhere keeps the transcription's own source note only.
  t.equal(parseEptsTable(text, 2030, file).source.includes('published at'), false)
})

t.test('property: raw EPTS is finite and its percentile a whole number in 0–100 for every accepted input', async (t) => {
  const inRange = (r: { min: number, max: number }): fc.Arbitrary<number> => fc.double({ min: r.min, max: r.max, noNaN: true })
  fc.assert(fc.property(
    fc.constantFrom(...eptsTables), inRange(EPTS_INPUT_RANGES.ageYears), fc.boolean(), fc.boolean(), inRange(EPTS_INPUT_RANGES.dialysisYears),
    (table, age, dm, prior, dialysis) => {
      const r = computeEpts(candidate(age, dm, prior, dialysis), table)
      return Number.isFinite(r.raw) && Number.isInteger(r.epts) && r.epts >= 0 && r.epts <= 100 &&
        (!r.eptsIsLowerBound || (table.referenceYear === 2018 && r.epts === 99))
    }
  ), { numRuns: 300 })
  t.pass()
})

t.test('property: the EPTS percentile never decreases as the raw score increases', async (t) => {
  fc.assert(fc.property(fc.constantFrom(...eptsTables), fc.double({ min: -1, max: 6, noNaN: true }), fc.double({ min: -1, max: 6, noNaN: true }), (table, a, b) => {
    const [low, high] = a <= b ? [a, b] : [b, a]
    return eptsFromRaw(low, table).epts <= eptsFromRaw(high, table).epts
  }), { numRuns: 300 })
  t.pass()
})
