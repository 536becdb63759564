import t from 'tap'
import { GODT_VARIABLES, type GodtVariable } from '../engine/oversight/godt.js'
import { seededYear, type SeededYear } from './fixtures/oversight-godt-year.js'

/**
 * The GODT export of a seeded year (synthetic registry of the compact profile, events drawn from a
 * seeded generator) against counts made in this test from the fixture's own ledger of what it wrote:
 * the definitions are re-implemented here, plainly, so a bug in the export's code cannot hide itself.
 */

function expectedCounts (year: SeededYear, country: string, reportYear: number, cutoff = '9999-12-31T00:00:00.000Z'): Record<GodtVariable, number> {
  const inYear = (instant: string | undefined): boolean => instant !== undefined && instant <= cutoff && new Date(instant).getUTCFullYear() === reportYear
  const counts = Object.fromEntries(GODT_VARIABLES.map((v) => [v, 0])) as Record<GodtVariable, number>
  for (const donor of year.deceasedDonors) {
    if (donor.country !== country || !inYear(donor.donationAt)) continue
    counts.total_actual_dd++
    if (donor.pathway === 'DBD') counts.actual_dbd++
    else counts.actual_dcd++
    if (donor.utilisedAt !== undefined && donor.utilisedAt <= cutoff) {
      counts.total_utilized_dd++
      if (donor.pathway === 'DBD') counts.utilized_dbd++
      else counts.utilized_dcd++
    }
  }
  for (const tx of year.transplants) {
    if (tx.country !== country || !inYear(tx.at)) continue
    if (tx.kidneyPancreas === 'kidney') continue
    if (tx.kidneyPancreas === 'pancreas') { counts.kidney_pancreas_tx++; continue }
    if (tx.organType === 'kidney') { counts[tx.donorKind === 'deceased' ? 'dd_kidney_tx' : 'ld_kidney_tx']++; counts.total_kidney_tx++ }
    if (tx.organType === 'liver') {
      counts[tx.donorKind === 'deceased' ? 'dd_liver_tx' : tx.donorKind === 'domino' ? 'domino_liver_tx' : 'ld_liver_tx']++
      counts.total_liver_tx++
    }
    if (tx.organType === 'heart') counts.total_heart_tx++
    if (tx.organType === 'lung') { counts[tx.donorKind === 'deceased' ? 'dd_lung_tx' : 'ld_lung_tx']++; counts.total_lung_tx++ }
    if (tx.organType === 'pancreas') counts.pancreas_tx++
    if (tx.organType === 'intestine') counts.small_bowel_tx++
  }
  counts.total_tx = counts.total_kidney_tx + counts.total_liver_tx + counts.total_heart_tx + counts.total_lung_tx + counts.pancreas_tx + counts.kidney_pancreas_tx + counts.small_bowel_tx
  return counts
}

t.test('the GODT export of a seeded year reconciles exactly with counts made from the ledger', async (t) => {
  const year = seededYear()
  const report = year.oversight.godtReport({ country: 'XT', year: 2025, cutoff: '2026-03-01T00:00:00Z' })
  const expected = expectedCounts(year, 'XT', 2025)
  t.same(report.counts, expected)
  // The year is not trivial: every kind of count the fixture exercises is non-zero.
  for (const name of ['total_actual_dd', 'actual_dbd', 'total_utilized_dd', 'dd_kidney_tx', 'ld_kidney_tx', 'dd_liver_tx', 'ld_liver_tx', 'domino_liver_tx', 'total_heart_tx', 'dd_lung_tx', 'kidney_pancreas_tx'] as const) {
    t.ok(report.counts[name] > 0, `${name} is exercised (${report.counts[name]})`)
  }
  t.ok(report.counts.total_actual_dd > report.counts.total_utilized_dd, 'some actual donors were not utilised (incision only, all organs discarded)')

  const population = report.population
  for (const name of GODT_VARIABLES) t.equal(report.pmp[name], Math.round(expected[name] / population * 1e8) / 100, `pmp_${name}`)
  t.match(report.provenance.populationSource, /^synthetic:/)

  const inYear = year.transplants.filter((tx) => tx.country === 'XT' && tx.at.startsWith('2025'))
  t.same(report.nonResidents, {
    nonresident_dd_tx: inYear.filter((tx) => tx.resident === false && tx.donorKind === 'deceased').length,
    nonresident_ld_tx: inYear.filter((tx) => tx.resident === false && tx.donorKind !== 'deceased').length,
    residence_unknown_tx: inYear.filter((tx) => tx.resident === undefined).length
  })
  t.ok(report.nonResidents.nonresident_dd_tx + report.nonResidents.nonresident_ld_tx > 0, 'non-resident transplants are exercised')

  // Provenance: the same cut-off gives the same snapshot; a later cut-off that adds events gives another.
  const again = year.oversight.godtReport({ country: 'XT', year: 2025, cutoff: '2026-03-01T00:00:00Z' })
  t.equal(again.provenance.snapshotHash, report.provenance.snapshotHash)
  t.same(again, report)
  t.equal(report.provenance.queryVersion, 'godt-export/1')
  t.equal(report.provenance.dataCutoff, '2026-03-01T00:00:00.000Z')
  t.ok((report.provenance.auditHead?.seq ?? 0) > 0)
  const early = year.oversight.godtReport({ country: 'XT', year: 2025, cutoff: '2025-06-30T23:59:59Z' })
  t.not(early.provenance.snapshotHash, report.provenance.snapshotHash)
  t.ok(early.counts.total_tx < report.counts.total_tx, 'a mid-year cut-off counts only the events before it')
  t.same(early.counts, expectedCounts(year, 'XT', 2025, '2025-06-30T23:59:59.000Z'))

  // The self-sufficiency reports reconcile with the same year.
  const pathway = year.oversight.pathwayReport({ country: 'XT', year: 2025, cutoff: '2026-03-01T00:00:00Z' })
  const utilisation = year.oversight.utilisationReport({ country: 'XT', year: 2025, cutoff: '2026-03-01T00:00:00Z' })
  t.ok(pathway.stages.actual >= report.counts.total_actual_dd - year.deceasedDonors.filter((d) => d.donationAt !== undefined && !d.donationAt.startsWith('2025')).length)
  t.ok(pathway.losses.some((l) => l.from === 'eligible' && l.reason === 'family-refusal'), 'consent refusals appear as losses between eligible and actual')
  t.ok(utilisation.total.discarded + utilisation.total.research > 0)
  t.equal(utilisation.total.recovered, utilisation.total.transplanted + utilisation.total.discarded + utilisation.total.research + utilisation.total.noFate)
  t.equal(utilisation.byCentre.reduce((sum, c) => sum + c.total.recovered, 0), utilisation.total.recovered)
})
