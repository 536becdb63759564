import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { computeKdpi, selectKdpiTable } from '../engine/clinical/kdpi.js'
import { kdpiTables } from '../data/reference/clinical-tables.js'
import { CANDIDATE_COLUMNS, COLUMNS, columnForField } from '../data/import/columns.js'
import { convertCell } from '../data/import/csv.js'
import { exportRecords, importRecords, type ImportIssue } from '../data/import/importer.js'
import { topLevelElementLines } from '../data/import/json.js'
import type { CandidateRecord, DonorRecord } from '../data/import/records.js'
import { requireInstantOrDate, validateCandidate, validateCentre, validateDonor } from '../data/import/validate.js'
import { generateRegistry } from '../data/synthetic/generator.js'

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const example = (name: string): string => readFileSync(new URL(`../data/examples/${name}`, import.meta.url), 'utf8')
const KNOWN_CENTRES = new Set(['TXC001', 'DHO001'])

/** [line, field, code] of each issue, for compact assertions. */
function summary (issues: readonly ImportIssue[]): Array<[number, string, string]> {
  return issues.map((issue) => [issue.line, issue.field, issue.code])
}

const registry = generateRegistry({ seed: 'import', candidates: 500, startDate: '2025-01-01', panelSize: 1000, candidateArrivalsPerYear: 40 })

t.test('export then import gives back the same records, in CSV and JSON', async (t) => {
  const centreIds = new Set(registry.centres.map((c) => c.id))
  for (const format of ['csv', 'json'] as const) {
    for (const [entity, records] of [['centres', registry.centres], ['candidates', registry.candidates], ['donors', registry.donors]] as const) {
      const text = exportRecords(entity, format, records as readonly object[])
      const result = importRecords(entity, text, { format, centreIds })
      t.same(result.issues, [], `${entity} ${format}: no issues`)
      t.ok(result.accepted)
      t.equal(result.rowCount, records.length)
      t.strictSame(result.records, records, `${entity} ${format} round-trips exactly`)
    }
  }
})

t.test('round trip holds for arbitrary edits of a record (property)', async (t) => {
  const base = registry.candidates[0] as CandidateRecord
  const antigen = fc.constantFrom('A1', 'A2', 'B7', 'B44', 'C7', 'DR4', 'DR15', 'DQ7')
  fc.assert(fc.property(
    fc.record({
      heightCm: fc.double({ min: 20, max: 260, noNaN: true }),
      urgency: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s.length > 0),
      diagnosisGroup: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s.length > 0),
      unacceptableAntigens: fc.uniqueArray(antigen, { maxLength: 5 }),
      cpraPercent: fc.double({ min: 0, max: 100, noNaN: true })
    }),
    (edit) => {
      const record = { ...base, ...edit, unacceptableAntigens: [...edit.unacceptableAntigens].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) }
      const normalised = validateCandidate(record).record as CandidateRecord
      if (normalised === undefined) return false
      for (const format of ['csv', 'json'] as const) {
        const back = importRecords('candidates', exportRecords('candidates', format, [normalised]), { format })
        if (back.issues.length > 0 || JSON.stringify(back.records[0]) !== JSON.stringify(normalised)) return false
      }
      return true
    }), { numRuns: 150 })
  t.pass()
})

t.test('a candidates CSV with bad rows: every bad row with its line, column and reason', async (t) => {
  const text = fixture('import-candidates-bad.csv')
  const all = importRecords('candidates', text, { format: 'csv', centreIds: KNOWN_CENTRES })
  t.notOk(all.accepted, 'all-or-nothing refuses the file')
  t.same(all.records, [], 'and returns no record')
  t.equal(all.rowCount, 8)
  t.equal(all.validCount, 2)
  t.same(summary(all.issues), [
    [3, 'heightCm', 'ENGINE_INVALID_FIELD'],
    [4, 'hlaA', 'ENGINE_UNKNOWN_VALUE'],
    [5, 'weightKg', 'ENGINE_OUT_OF_RANGE'],
    [5, 'abo', 'ENGINE_INVALID_FIELD'],
    [6, 'unacceptableAntigens', 'ENGINE_UNKNOWN_VALUE'],
    [6, 'id', 'IMPORT_DUPLICATE_ID'],
    [9, 'acceptsDcd', 'ENGINE_INVALID_FIELD'],
    [9, 'status', 'ENGINE_INVALID_FIELD'],
    [9, 'waitingTimeFrom', 'ENGINE_INVALID_FIELD'],
    [9, 'birthMonth', 'ENGINE_INVALID_FIELD'],
    [10, 'centreId', 'IMPORT_UNKNOWN_REFERENCE']
  ])
  t.match(all.issues[2], { record: 4, id: 'K-004', reason: /between 0.5 and 350 kg \(got 900\)/ })
  const good = importRecords('candidates', text, { format: 'csv', centreIds: KNOWN_CENTRES, mode: 'valid-rows' })
  t.ok(good.accepted)
  t.same(good.records.map((r) => r.id), ['K-001', 'K-006'])
  const first = good.records[0] as CandidateRecord
  t.equal(first.waitingTimeFrom, '2023-11-15T00:00:00.000Z', 'a date is midnight UTC')
  t.equal(first.registeredAt, '2024-03-01T09:00:00.000Z', 'instants are normalised to UTC with milliseconds')
  t.same(first.hla, { A: ['A2', 'A24'], B: ['B7', 'B44'], DR: ['DR4', 'DR15'] })
  t.same(first.acceptance, { acceptsDcd: true })
  t.same(first.protectedAttributes, { sex: 'female' })
  t.equal((good.records[1] as CandidateRecord).diagnosisGroup, 'glomerular\n(IgA nephropathy)', 'a quoted cell may span lines')
})

t.test('a donors JSON file with bad records, with lines; missing scores are computed', async (t) => {
  const result = importRecords('donors', fixture('import-donors-bad.json'), { format: 'json', centreIds: KNOWN_CENTRES, mode: 'valid-rows' })
  t.same(summary(result.issues), [
    [18, 'colour', 'IMPORT_UNKNOWN_FIELD'],
    [18, 'kind', 'ENGINE_INVALID_FIELD'],
    [18, 'creatinineMgDl', 'ENGINE_INVALID_FIELD'],
    [18, 'hypertension', 'ENGINE_INVALID_FIELD'],
    [24, 'hla.A', 'ENGINE_INVALID_FIELD'],
    [24, 'causeOfDeath', 'ENGINE_INVALID_FIELD'],
    [24, 'hospitalCentreId', 'IMPORT_UNKNOWN_REFERENCE']
  ])
  const donor = result.records[0] as DonorRecord
  // The OPTN guide's donor (clinical-scores.md K8) but DBD: KDRI and KDPI from the engine and the newest table.
  const expected = computeKdpi({ ageYears: 52, heightCm: 183, weightKg: 81, hypertension: true, diabetes: false, causeOfDeathCva: true, creatinineMgDl: 1.7, dcd: false }, selectKdpiTable(kdpiTables, 'refit-2024'))
  t.equal(donor.kdpi, expected.kdpi)
  t.equal(donor.kdri, Math.round(expected.kdriRao * 1e6) / 1e6)
  const given = importRecords('donors', JSON.stringify([{ ...donor, kdri: 1.5, kdpi: 80 }]), { format: 'json' })
  t.same([given.records[0]?.kdri, given.records[0]?.kdpi], [1.5, 80], 'given scores are kept')
})

t.test('a centres CSV: one row per authorisation, grouped by centre', async (t) => {
  const result = importRecords('centres', fixture('import-centres.csv'), { format: 'csv', mode: 'valid-rows' })
  t.same(summary(result.issues), [
    [6, 'name', 'IMPORT_INCONSISTENT_CENTRE'],
    [7, 'latitudeDeg', 'ENGINE_OUT_OF_RANGE'],
    [7, 'validFrom', 'ENGINE_INVALID_FIELD'],
    [7, 'decisionReference', 'ENGINE_MISSING_FIELD']
  ])
  const [alpha, beta] = result.records
  t.equal(alpha?.name, 'Alpha University Hospital, Transplant Centre')
  t.same(alpha?.authorisations.map((a) => [a.organType, a.activity, a.validUntil, a.suspendedFrom]), [
    ['kidney', 'transplant', undefined, undefined],
    ['kidney', 'recovery', '2030-12-31', undefined],
    ['liver', 'transplant', undefined, '2024-06-01T00:00:00.000Z']
  ])
  t.same(beta?.authorisations, [], 'a centre without authorisations is one row with empty authorisation cells')
  const until = importRecords('centres', 'id,name,country,region,latitudeDeg,longitudeDeg,organType,activity,validFrom,validUntil,decisionReference\nX1,X,XS,R1,1,1,kidney,transplant,2020-01-01,2019-01-01,A-1\n', { format: 'csv' })
  t.same(summary(until.issues), [[2, 'validUntil', 'ENGINE_INVALID_FIELD']])
  const inconsistentAuthorisation = importRecords('centres', 'id,name,country,region,latitudeDeg,longitudeDeg,organType,activity,validFrom,decisionReference\nX1,X,XS,R1,1,1,kidney,transplant,2020-01-01,A-1\nX1,X,XS,R1,1,1,kidney,transplant,2020-01-01,A-1\nX1,X,XS,R1,1,1,kidney,transplant,2020-01-01\n', { format: 'csv' })
  t.same(summary(inconsistentAuthorisation.issues), [[4, '', 'IMPORT_CELL_COUNT']])
})

t.test('file-level problems: header, syntax, cell counts, shape', async (t) => {
  const header = 'id,organType,nonsense,organType\n'
  const bad = importRecords('candidates', header, { format: 'csv' })
  t.notOk(bad.accepted)
  t.same(summary(bad.issues).slice(0, 3), [
    [1, 'nonsense', 'IMPORT_UNKNOWN_COLUMN'],
    [1, 'organType', 'IMPORT_DUPLICATE_COLUMN'],
    [1, 'centreId', 'IMPORT_MISSING_COLUMN']
  ])
  t.equal(bad.issues[0]?.record, 0, 'file problems belong to no record')
  t.notOk(importRecords('candidates', header, { format: 'csv', mode: 'valid-rows' }).accepted, 'valid-rows cannot rescue a bad header')
  const quote = importRecords('donors', 'id,kind\n"D1,deceased\n', { format: 'csv' })
  t.match(quote.issues[0], { code: 'IMPORT_CSV_CSV_QUOTE_NOT_CLOSED' })
  t.ok((quote.issues[0]?.line ?? 0) >= 2, 'an unclosed quote is reported at or after the line it opens on')
  t.same(summary(importRecords('donors', '', { format: 'csv' }).issues), [[1, '', 'IMPORT_EMPTY']])
  const donorHeader = COLUMNS.donors.filter((c) => c.required).map((c) => c.name).join(',')
  const short = importRecords('donors', `${donorHeader}\nD1,deceased\n`, { format: 'csv' })
  t.same(summary(short.issues), [[2, '', 'IMPORT_CELL_COUNT']])
  t.equal(short.issues[0]?.id, 'D1')
  const notJson = importRecords('donors', '[\n  {"id": "D1",\n  oops\n]', { format: 'json' })
  t.match(notJson.issues[0], { code: 'IMPORT_JSON_INVALID' })
  t.ok((notJson.issues[0]?.line ?? 0) >= 2, `JSON syntax errors carry a line (${notJson.issues[0]?.line ?? 0})`)
  t.same(summary(importRecords('donors', '{"id": 1}', { format: 'json' }).issues), [[1, '', 'IMPORT_JSON_NOT_ARRAY']])
  t.same(summary(importRecords('donors', '\uFEFF[]', { format: 'json' }).issues), [], 'a byte-order mark is allowed')
  t.same(summary(importRecords('centres', '[null, 3]', { format: 'json' }).issues), [[1, 'centre', 'ENGINE_MISSING_FIELD'], [1, 'centre', 'ENGINE_INVALID_FIELD']])
  t.same(summary(importRecords('donors', 42 as unknown as string, { format: 'json' }).issues), [[1, '', 'IMPORT_NOT_TEXT']])
  t.throws(() => importRecords('candidates', '', { format: 'xml' as 'csv' }), { code: 'ENGINE_INVALID_FIELD', field: 'format' })
  t.throws(() => importRecords('candidates', '', { format: 'csv', mode: 'some' as 'valid-rows' }), { code: 'ENGINE_INVALID_FIELD', field: 'mode' })
  t.throws(() => importRecords('patients' as 'donors', '', { format: 'csv' }), { code: 'ENGINE_INVALID_FIELD', field: 'entity' })
  t.throws(() => exportRecords('donors', 'yaml' as 'csv', []), { code: 'ENGINE_INVALID_FIELD', field: 'format' })
})

t.test('record validation reports every field problem with its path', async (t) => {
  const candidate = registry.candidates.find((c) => c.organType === 'liver' && c.meld !== undefined) as CandidateRecord
  const broken = {
    ...candidate,
    hla: { A: ['A2', 'B7'], B: ['B8'], DR: ['DR4'], DP: ['DP1'] },
    acceptance: { maxDonorWeightKg: 50, minDonorWeightKg: 60, colour: 'red' },
    liverLabs: { ...candidate.liverLabs, inr: -1, extra: 1 },
    protectedAttributes: { sex: 'F', nationality: 'xs' },
    identifiers: { birthDate: '1900-13-01', nick: 'x' },
    meld: 12.5,
    dialysisFrom: '1800-01-01'
  }
  const fields = validateCandidate(broken).issues.map((i) => i.field)
  t.same(fields.sort(), [
    'acceptance.colour', 'acceptance.maxDonorWeightKg', 'dialysisFrom', 'hla.DP', 'identifiers.birthDate', 'identifiers.nick',
    'liverLabs.extra', 'liverLabs.inr', 'meld', 'protectedAttributes.nationality', 'protectedAttributes.sex'
  ].sort())
  const birth = validateCandidate({ ...candidate, identifiers: { birthDate: '1901-01-01' } }).issues
  t.same(birth.map((i) => i.field), ['identifiers.birthDate'], 'the birth date must fall in the birth month')
  const dialysis = validateCandidate({ ...candidate, identifiers: undefined, birthMonth: '2000-05', dialysisFrom: '1999-01-01', registeredAt: '2020-01-01', waitingTimeFrom: '2020-01-01' }).issues
  t.same(dialysis.map((i) => i.field), ['dialysisFrom'])
  t.same(validateCandidate({ ...candidate, acceptance: undefined }).issues.map((i) => [i.field, i.code]), [['acceptance', 'ENGINE_MISSING_FIELD']])
  t.same(validateCandidate({ ...candidate, liverLabs: 'high' }).issues.map((i) => i.field), ['liverLabs'])
  t.same(validateCandidate('x').issues.map((i) => i.code), ['ENGINE_INVALID_FIELD'])
  t.same(validateDonor(null).issues.map((i) => i.code), ['ENGINE_MISSING_FIELD'])
  t.same(validateCentre({ id: 'C1', name: 'n', country: 'XS', region: 'r', latitudeDeg: 0, longitudeDeg: 0, authorisations: 'all' }).issues.map((i) => i.field), ['authorisations'])
  t.same(validateCentre({ id: 'C1', name: 'n', country: 'XS', region: 'r', latitudeDeg: 0, longitudeDeg: 0 }).issues.map((i) => i.code), ['ENGINE_MISSING_FIELD'])
  t.same(validateCentre({ id: 'C1', name: 'n', country: 'XS', region: 'r', latitudeDeg: 0, longitudeDeg: 0, authorisations: [7] }).issues.map((i) => i.field), ['authorisations[0]'])
  const donor = registry.donors[0] as DonorRecord
  t.same(validateDonor({ ...donor, kdri: 0, ukDonorRiskQuartile: 5, protectedAttributes: 'x', identifiers: [] }).issues.map((i) => i.field).sort(),
    ['identifiers', 'kdri', 'protectedAttributes', 'ukDonorRiskQuartile'])
})

t.test('cells, instants, JSON line finding and column names', async (t) => {
  const number = CANDIDATE_COLUMNS.find((c) => c.name === 'heightCm')
  const flag = CANDIDATE_COLUMNS.find((c) => c.name === 'priorLivingDonor')
  const tri = COLUMNS.donors.find((c) => c.name === 'hypertension')
  if (number === undefined || flag === undefined || tri === undefined) throw new Error('columns missing')
  t.equal(convertCell('1.5e2', number), 150)
  t.throws(() => convertCell('1,5', number), { code: 'ENGINE_INVALID_FIELD', field: 'heightCm' })
  t.throws(() => convertCell('NaN', number), { code: 'ENGINE_INVALID_FIELD' })
  t.equal(convertCell('YES', flag), true)
  t.equal(convertCell('No', flag), false)
  t.throws(() => convertCell('1', flag), { code: 'ENGINE_INVALID_FIELD', field: 'priorLivingDonor' })
  t.equal(convertCell('Unknown', tri), 'unknown')
  t.equal(convertCell('false', tri), false)
  t.throws(() => convertCell('?', tri), { code: 'ENGINE_INVALID_FIELD', field: 'hypertension' })
  t.equal(requireInstantOrDate('2025-03-01T14:05:00+02:00', 'x'), '2025-03-01T12:05:00.000Z')
  t.equal(requireInstantOrDate('2025-03-01T14:05Z', 'x'), '2025-03-01T14:05:00.000Z')
  t.throws(() => requireInstantOrDate('2025-03-01T25:00:00Z', 'x'), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireInstantOrDate('2025-03-01 14:00', 'x'), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireInstantOrDate(5, 'x'), { code: 'ENGINE_INVALID_FIELD' })
  t.throws(() => requireInstantOrDate(undefined, 'x'), { code: 'ENGINE_MISSING_FIELD' })
  t.equal(columnForField(CANDIDATE_COLUMNS, 'hla.DR[1]'), 'hlaDR')
  t.equal(columnForField(CANDIDATE_COLUMNS, 'acceptance.maxKdpi'), 'acceptMaxKdpi')
  t.equal(columnForField(COLUMNS.centres, 'authorisations[3].validFrom'), 'validFrom')
  t.equal(columnForField(CANDIDATE_COLUMNS, 'somethingElse'), 'somethingElse')
  const value = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }))
  fc.assert(fc.property(fc.array(fc.dictionary(fc.string({ maxLength: 5 }), value, { maxKeys: 4 }), { maxLength: 8 }), fc.boolean(), (items, pretty) => {
    const text = pretty ? JSON.stringify(items, null, 2) : JSON.stringify(items)
    const expected = pretty ? items.map((_, i) => 2 + items.slice(0, i).reduce((n, item) => n + JSON.stringify(item, null, 2).split('\n').length, 0)) : items.map(() => 1)
    return JSON.stringify(topLevelElementLines(text)) === JSON.stringify(expected)
  }), { numRuns: 200 })
  t.pass()
})

t.test('the example files import without issues', async (t) => {
  for (const [entity, name, format] of [
    ['centres', 'centres.csv', 'csv'], ['centres', 'centres.json', 'json'],
    ['candidates', 'candidates.csv', 'csv'], ['candidates', 'candidates.json', 'json'],
    ['donors', 'donors.csv', 'csv'], ['donors', 'donors.json', 'json']
  ] as const) {
    const result = importRecords(entity, example(name), { format })
    t.same(result.issues, [], name)
    t.ok(result.records.length > 0, `${name} holds records`)
  }
  const centres = importRecords('centres', example('centres.json'), { format: 'json' }).records
  const centreIds = new Set(centres.map((c) => c.id))
  t.same(importRecords('candidates', example('candidates.csv'), { format: 'csv', centreIds }).issues, [], 'candidates reference the example centres')
  t.same(importRecords('donors', example('donors.json'), { format: 'json', centreIds }).issues, [], 'donors reference the example centres')
})
