import { writeFileSync } from 'node:fs'
import { exportRecords } from '../import/importer.js'
import type { CandidateRecord } from '../import/records.js'
import { generateRegistry } from '../synthetic/generator.js'

/**
 * Regenerates the example files beside this script from a small synthetic registry (fixed seed):
 * `node --import tsx data/examples/generate.ts`. The examples keep a few candidates of several organs,
 * a few donors, and only the centres they reference.
 */
const registry = generateRegistry({ seed: 'examples', candidates: 400, startDate: '2025-01-01', profile: 'compact', panelSize: 1000, donorsPerYear: 20 })
const byOrgan = (organ: string, count: number): CandidateRecord[] => registry.candidates.filter((c) => c.organType === organ).slice(0, count)
const candidates = [...byOrgan('kidney', 6), ...byOrgan('liver', 2), ...byOrgan('heart', 1), ...byOrgan('lung', 1)]
const donors = registry.donors.slice(0, 4)
const referenced = new Set([...candidates.map((c) => c.centreId), ...donors.map((d) => d.hospitalCentreId)])
const centres = registry.centres.filter((c) => referenced.has(c.id))

const folder = new URL('./', import.meta.url)
for (const format of ['csv', 'json'] as const) {
  writeFileSync(new URL(`centres.${format}`, folder), exportRecords('centres', format, centres))
  writeFileSync(new URL(`candidates.${format}`, folder), exportRecords('candidates', format, candidates))
  writeFileSync(new URL(`donors.${format}`, folder), exportRecords('donors', format, donors))
}
console.log(`wrote ${centres.length} centres, ${candidates.length} candidates, ${donors.length} donors`)
