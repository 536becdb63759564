import t from 'tap'
import { computeGodtReport, godtRow, godtSnapshotHash, perMillion, GODT_VARIABLES, type GodtEvents } from '../engine/oversight/godt.js'
import { godtCsv } from '../data/oversight/godt-export.js'
import { loadPopulationTable, parsePopulationCsv, populationTable } from '../data/oversight/population.js'

/** A hand-made year: every GODT definition has an event that tests it. */
const EVENTS: GodtEvents = {
  donors: [
    { id: 'D-dbd', kind: 'deceased', pathway: 'DBD', country: 'XT', domino: false },
    { id: 'D-dcd', kind: 'deceased', pathway: 'DCD', country: 'XT', domino: false },
    { id: 'D-incision', kind: 'deceased', pathway: 'DBD', country: 'XT', domino: false, incisionAt: '2025-04-01T10:00:00Z' },
    { id: 'D-none', kind: 'deceased', pathway: 'DBD', country: 'XT', domino: false },
    { id: 'D-lastyear', kind: 'deceased', pathway: 'DBD', country: 'XT', domino: false },
    { id: 'D-abroad', kind: 'deceased', pathway: 'DCD', country: 'XS', domino: false },
    { id: 'D-living', kind: 'living', pathway: null, country: 'XT', domino: false },
    { id: 'D-domino', kind: 'living', pathway: null, country: 'XT', domino: true }
  ],
  organs: [
    { id: 'o1', donorId: 'D-dbd', organType: 'kidney', recoveredAt: '2025-03-01T08:00:00Z' },
    { id: 'o2', donorId: 'D-dbd', organType: 'kidney', recoveredAt: '2025-03-01T08:10:00Z' },
    { id: 'o3', donorId: 'D-dbd', organType: 'pancreas', recoveredAt: '2025-03-01T08:20:00Z' },
    { id: 'o4', donorId: 'D-dbd', organType: 'liver', recoveredAt: '2025-03-01T08:30:00Z' },
    { id: 'o5', donorId: 'D-dcd', organType: 'lung', recoveredAt: '2025-05-01T08:00:00Z' },
    { id: 'o6', donorId: 'D-dcd', organType: 'heart', recoveredAt: '2025-05-01T08:00:00Z' },
    { id: 'o7', donorId: 'D-lastyear', organType: 'kidney', recoveredAt: '2024-12-31T23:00:00Z' },
    { id: 'o8', donorId: 'D-abroad', organType: 'intestine', recoveredAt: '2025-06-01T08:00:00Z' },
    { id: 'o9', donorId: 'D-living', organType: 'kidney', recoveredAt: '2025-07-01T08:00:00Z' },
    { id: 'o10', donorId: 'D-domino', organType: 'liver', recoveredAt: '2025-03-02T08:00:00Z' },
    { id: 'o11', donorId: 'D-none', organType: 'kidney' }
  ],
  transplants: [
    { id: 't1', organId: 'o1', centreCountry: 'XT', transplantedAt: '2025-03-01T20:00:00Z', recipientResident: true, kidneyPancreas: 'kidney' },
    { id: 't3', organId: 'o3', centreCountry: 'XT', transplantedAt: '2025-03-01T20:00:00Z', recipientResident: true, kidneyPancreas: 'pancreas' },
    { id: 't2', organId: 'o2', centreCountry: 'XT', transplantedAt: '2025-03-01T22:00:00Z', recipientResident: false },
    { id: 't4', organId: 'o4', centreCountry: 'XT', transplantedAt: '2025-03-01T23:00:00Z' },
    { id: 't5', organId: 'o5', centreCountry: 'XT', transplantedAt: '2025-05-01T16:00:00Z', recipientResident: true },
    { id: 't6', organId: 'o6', centreCountry: 'XS', transplantedAt: '2025-05-01T12:00:00Z', recipientResident: true },
    { id: 't7', organId: 'o7', centreCountry: 'XT', transplantedAt: '2025-01-01T05:00:00Z', recipientResident: true },
    { id: 't8', organId: 'o8', centreCountry: 'XT', transplantedAt: '2025-06-01T14:00:00Z', recipientResident: true },
    { id: 't9', organId: 'o9', centreCountry: 'XT', transplantedAt: '2025-07-01T12:00:00Z', recipientResident: false },
    { id: 't10', organId: 'o10', centreCountry: 'XT', transplantedAt: '2025-03-02T12:00:00Z', recipientResident: true }
  ]
}

const POPULATION = { country: 'XT', year: 2025, population: 8_000_000, source: 'synthetic (test)' }

t.test('GODT definitions on a hand-made year', async (t) => {
  const report = computeGodtReport({ country: 'XT', year: 2025, events: EVENTS, population: POPULATION, dataCutoff: '2026-01-31T00:00:00.000Z', auditHead: { seq: 7, hash: '1'.repeat(64) } })
  t.same(report.counts, {
    // D-dbd, D-dcd (recovered in 2025) and D-incision (incision only); not D-none (nothing recovered), D-lastyear (2024), D-abroad (XS).
    total_actual_dd: 3,
    actual_dbd: 2,
    actual_dcd: 1,
    // D-dbd and D-dcd had organs transplanted (D-dcd's heart abroad still counts: utilised means transplanted anywhere).
    total_utilized_dd: 2,
    utilized_dbd: 1,
    utilized_dcd: 1,
    // t2 only: t1 is the kidney of a kidney-pancreas pair; t7 is a 2024 donor's kidney transplanted on 1 January 2025.
    dd_kidney_tx: 2,
    ld_kidney_tx: 1,
    total_kidney_tx: 3,
    dd_liver_tx: 1,
    domino_liver_tx: 1,
    ld_liver_tx: 0,
    total_liver_tx: 2,
    total_heart_tx: 0,
    dd_lung_tx: 1,
    ld_lung_tx: 0,
    total_lung_tx: 1,
    pancreas_tx: 0,
    kidney_pancreas_tx: 1,
    small_bowel_tx: 1,
    total_tx: 8
  })
  t.same(report.nonResidents, { nonresident_dd_tx: 1, nonresident_ld_tx: 1, residence_unknown_tx: 1 })
  t.equal(report.pmp.total_actual_dd, 0.38, '3 / 8 million × 10⁶ = 0.375 → 0.38')
  t.equal(report.pmp.total_tx, 1)
  t.same(report.provenance, { queryVersion: 'godt-export/1', dataCutoff: '2026-01-31T00:00:00.000Z', snapshotHash: godtSnapshotHash(EVENTS), auditHead: { seq: 7, hash: '1'.repeat(64) }, populationSource: 'synthetic (test)' })
  t.equal(godtSnapshotHash({ donors: [...EVENTS.donors].reverse(), organs: [...EVENTS.organs].reverse(), transplants: [...EVENTS.transplants].reverse() }), report.provenance.snapshotHash, 'the snapshot hash ignores row order')

  const row = godtRow(report)
  t.same(Object.keys(row).slice(0, 2 + GODT_VARIABLES.length), ['country', 'reportyear', ...GODT_VARIABLES])
  t.equal(row.pmp_total_actual_dd, 0.38)
  const csv = godtCsv(report).trim().split('\n')
  t.equal(csv.length, 2)
  t.equal(csv[0]?.split(',').slice(0, 5).join(','), 'country,reportyear,total_actual_dd,actual_dbd,actual_dcd')
  t.match(csv[1], /^XT,2025,3,2,1,/)
  const noHead = computeGodtReport({ country: 'XT', year: 2025, events: EVENTS, population: POPULATION, dataCutoff: '2026-01-31T00:00:00.000Z' })
  t.equal(godtRow(noHead).audit_head_seq, '')
})

t.test('the other country and the other year count their own events', async (t) => {
  const xs = computeGodtReport({ country: 'XS', year: 2025, events: EVENTS, population: { ...POPULATION, country: 'XS' }, dataCutoff: '2026-01-31T00:00:00Z' })
  t.equal(xs.counts.total_actual_dd, 1)
  t.equal(xs.counts.total_heart_tx, 1)
  t.equal(xs.counts.small_bowel_tx, 0, 'the XS donor\'s intestine was transplanted in XT')
  const y2024 = computeGodtReport({ country: 'XT', year: 2024, events: EVENTS, population: { ...POPULATION, year: 2024 }, dataCutoff: '2026-01-31T00:00:00Z' })
  t.equal(y2024.counts.total_actual_dd, 1)
  t.equal(y2024.counts.total_utilized_dd, 1)
  t.equal(y2024.counts.total_tx, 0)
})

t.test('a wrong denominator or a broken event set is refused, never counted', async (t) => {
  t.throws(() => computeGodtReport({ country: 'XT', year: 2025, events: EVENTS, population: { ...POPULATION, year: 2024 }, dataCutoff: 'x' }), { code: 'ENGINE_INVALID_FIELD', field: 'population' })
  t.throws(() => computeGodtReport({ country: 'XT', year: 2025, events: EVENTS, population: { ...POPULATION, population: 0 }, dataCutoff: 'x' }), { code: 'ENGINE_OUT_OF_RANGE', field: 'population.population' })
  t.throws(() => computeGodtReport({ country: 'xt', year: 2025, events: EVENTS, population: POPULATION, dataCutoff: 'x' }), { code: 'ENGINE_INVALID_FIELD', field: 'country' })
  t.throws(() => computeGodtReport({ country: 'XT', year: 25, events: EVENTS, population: POPULATION, dataCutoff: 'x' }), { code: 'ENGINE_OUT_OF_RANGE', field: 'year' })
  const orphan = { ...EVENTS, transplants: [...EVENTS.transplants, { id: 'tx', organId: 'nope', centreCountry: 'XT', transplantedAt: '2025-02-01T00:00:00Z' }] }
  t.throws(() => computeGodtReport({ country: 'XT', year: 2025, events: orphan, population: POPULATION, dataCutoff: 'x' }), { code: 'ENGINE_INVALID_FIELD', field: 'transplants.tx' })
  t.equal(perMillion(1, 3_000_000), 0.33)
  t.equal(perMillion(0, 5), 0)
})

t.test('population table: shipped synthetic rows with their source, and its checks', async (t) => {
  const table = loadPopulationTable()
  const xt = table.lookup('XT', 2025)
  t.equal(xt.country, 'XT')
  t.ok(xt.population > 1_000_000)
  t.match(xt.source, /^synthetic:/)
  t.ok(table.rows.every((r) => r.source.startsWith('synthetic')), 'only synthetic countries ship; a deployment adds its own with a source')
  t.throws(() => table.lookup('NL', 2025), { code: 'ENGINE_UNKNOWN_REFERENCE_TABLE', field: 'population' })
  t.throws(() => loadPopulationTable('population-missing.csv'), { code: 'DATA_POPULATION_TABLE_INVALID' })
  const parsed = parsePopulationCsv('country,year,population,source\nNL,2024,18000000,UN World Population Prospects 2024 (example row)\n', 'test.csv')
  t.equal(parsed.lookup('NL', 2024).population, 18_000_000)
  t.throws(() => parsePopulationCsv('country,year\n"unclosed,2024\n', 'bad.csv'), { code: 'DATA_POPULATION_TABLE_INVALID' })
  const bad = (row: Record<string, unknown>): void => { populationTable([{ country: 'NL', year: 2024, population: 1, source: 's', ...row } as never]) }
  t.throws(() => { bad({ country: 'nl' }) }, { code: 'DATA_POPULATION_TABLE_INVALID', message: /country/ })
  t.throws(() => { bad({ year: 2024.5 }) }, { code: 'DATA_POPULATION_TABLE_INVALID', message: /year/ })
  t.throws(() => { bad({ population: -1 }) }, { code: 'DATA_POPULATION_TABLE_INVALID', message: /population/ })
  t.throws(() => { bad({ source: ' ' }) }, { code: 'DATA_POPULATION_TABLE_INVALID', message: /source/ })
  const row = { country: 'NL', year: 2024, population: 1, source: 's' }
  t.throws(() => populationTable([row, row]), { code: 'DATA_POPULATION_TABLE_INVALID', message: /twice/ })
})
