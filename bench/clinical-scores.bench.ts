import { computeKdpi, selectKdpiTable } from '../engine/clinical/kdpi.js'
import { countMismatches } from '../engine/clinical/hla-mismatch.js'
import { kdpiTables } from '../data/reference/clinical-tables.js'
import type { BenchSuite } from './harness.js'

/** Per-call cost of the clinical calculators, which run at the registry boundary for each donor. */
export const clinicalScoresSuite: BenchSuite = {
  name: 'clinical-scores',
  description: 'KDPI (refit 2024, newest table) and HLA mismatch counting, 1,000 calls per operation',
  async setup () {
    const table = selectKdpiTable(kdpiTables, 'refit-2024')
    const donors = Array.from({ length: 1000 }, (_, i) => ({
      ageYears: 5 + (i % 80),
      heightCm: 150 + (i % 40),
      weightKg: 50 + (i % 60),
      hypertension: i % 3 === 0,
      diabetes: i % 7 === 0 ? 'unknown' as const : false,
      causeOfDeathCva: i % 2 === 0,
      creatinineMgDl: 0.5 + (i % 30) / 10,
      dcd: i % 5 === 0
    }))
    const donorHla = { A: ['A1', 'A2'], B: ['B8', 'B44'], DR: ['DR15', 'DR4'] }
    const recipients = Array.from({ length: 1000 }, (_, i) => ({
      A: [i % 2 === 0 ? 'A2' : 'A3', 'A24'], B: ['B7', i % 3 === 0 ? 'B44' : 'B35'], DR: [i % 5 === 0 ? 'DR2' : 'DR7', 'DR4']
    }))
    // Accumulating results keeps the optimiser from discarding the calls being measured.
    let sink = 0
    return [
      {
        name: 'kdpi x1000',
        params: { operation: 'KDPI', calls: 1000 },
        fn: () => { for (const donor of donors) sink += computeKdpi(donor, table).kdpi }
      },
      {
        name: 'hla mismatch x1000',
        params: { operation: 'HLA A/B/DR mismatch', calls: 1000 },
        fn: () => { for (const recipient of recipients) sink += countMismatches(donorHla, recipient).DR }
      }
    ]
  }
}
