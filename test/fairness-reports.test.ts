import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { builtInPolicyDocuments } from '../data/policies/index.js'
import { ageBand, gatherPolicyFairnessData, REPORT_GROUPINGS, STANDARD_FAIRNESS_REGISTRY, syntheticRegistryFor } from '../data/fairness/policy-sample.js'
import { FAIRNESS_PROPERTIES, fairnessProperty } from '../data/fairness/properties-catalogue.js'
import { groupDistribution, renderFairnessReport, TOP_PLACES } from '../data/fairness/report.js'
import { fairnessDirectory, HASH_LINE, reportPath, writeFairnessReports } from '../data/fairness/write-reports.js'
import type { DonorRecord } from '../data/import/records.js'
import { compilePolicy } from '../engine/policy/compile-policy.js'
import { lintPolicy } from '../engine/policy/fairness-lint.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'

const DOCUMENTS = builtInPolicyDocuments()

t.test('every built-in policy has a current fairness report (docs/fairness, npm run fairness:report)', async (t) => {
  for (const document of DOCUMENTS) {
    const path = reportPath(document.id)
    if (!existsSync(path)) {
      t.fail(`${document.id}: docs/fairness/${document.id}.md is missing; run npm run fairness:report`)
      continue
    }
    const text = readFileSync(path, 'utf8')
    t.equal(HASH_LINE.exec(text)?.[1], compilePolicy(document).hash, `${document.id}: the report is for the current policy (hash); if not, run npm run fairness:report`)
    for (const heading of ['## What the policy reads', '## How much each component can move', '## Declared clinical uses of protected attributes', '## Proxy analysis', '## Distribution on the standard synthetic registry', '## Properties checked on every commit']) {
      t.ok(text.includes(heading), `${document.id}: ${heading}`)
    }
  }
  const index = readFileSync(join(fairnessDirectory(), 'README.md'), 'utf8')
  for (const document of DOCUMENTS) t.ok(index.includes(`(${document.id}.md)`), `the index links ${document.id}`)
})

t.test('the property catalogue names the test files that check it', async (t) => {
  for (const property of FAIRNESS_PROPERTIES) t.ok(existsSync(new URL(`../${property.file}`, import.meta.url)), `${property.id}: ${property.file}`)
  t.throws(() => fairnessProperty('nope'), /no fairness property/)
})

// A small registry keeps these tests fast; the reports use the standard one.
const registry = syntheticRegistryFor({ seed: 'fairness-report-test', candidates: 1500, donors: 12, startDate: '2025-01-01', profile: 'national' })

t.test('gathering a sample: one entry per ranked pair, aligned columns, protected attributes kept apart', async (t) => {
  const document = DOCUMENTS.find((d) => d.id === 'etkas-kidney') ?? DOCUMENTS[0]
  if (document === undefined) return
  const data = gatherPolicyFairnessData(document, registry, 12)
  t.ok(data.pairs > 0, `${data.pairs} ranked pairs`)
  t.equal(data.donors.matched, 12)
  t.same(data.donors.failures, [])
  for (const [name, points] of Object.entries(data.sample.componentPoints)) t.equal(points.length, data.pairs, `points of ${name}`)
  for (const [name, values] of Object.entries(data.sample.protectedAttributes)) t.equal(values.length, data.pairs, `protected ${name}`)
  for (const grouping of REPORT_GROUPINGS) t.equal(data.groups[grouping].length, data.pairs, `group ${grouping}`)
  t.equal(data.sample.subjects?.length, data.pairs)
  t.equal(data.rank.length, data.pairs)
  t.ok([...data.rank].every((r) => r >= 1), 'ranks start at 1')
  t.same(data.options, { seed: 'fairness-report-test', candidates: 1500, donors: 12, startDate: '2025-01-01', profile: 'national' })
  t.same(data.standIns, [], 'nothing filled in for a policy that reads only recorded values')
  for (const grouping of REPORT_GROUPINGS) {
    const rows = groupDistribution(data, grouping)
    const sum = (pick: (r: typeof rows[number]) => number): number => rows.reduce((s, r) => s + pick(r), 0)
    t.ok(Math.abs(sum((r) => r.listShare) - 1) < 1e-9, `${grouping}: list shares add up to 1`)
    t.ok(Math.abs(sum((r) => r.pairShare) - 1) < 1e-9, `${grouping}: pair shares add up to 1`)
    t.equal(sum((r) => r.pairs), data.pairs)
    t.ok(sum((r) => r.top) <= TOP_PLACES * data.donors.matched, `${grouping}: at most ${TOP_PLACES} places per donor`)
  }
  t.equal(groupDistribution(data, 'sex').reduce((s, r) => s + r.listed, 0), data.waitlist.active, 'listed = active candidates')
})

t.test('stand-ins for values the synthetic registry does not record, and donors that cannot be matched', async (t) => {
  for (const id of ['uk-kos-kidney-2019', 'us-lung-cas-2023']) {
    const document = DOCUMENTS.find((d) => d.id === id)
    if (document === undefined) continue
    const data = gatherPolicyFairnessData(document, registry, 6)
    t.ok(data.standIns.length > 0, `${id}: ${data.standIns.length} stand-ins described`)
    t.same(data.donors.failures, [], `${id}: every donor matched`)
  }
  // A policy that needs the donor's KDPI, on donors without one: each failure is recorded, not skipped silently.
  const withoutKdpi = { ...registry, donors: registry.donors.map(({ kdpi: _kdpi, ...rest }) => rest as DonorRecord) }
  const needsKdpi = minimalPolicy({ components: [{ name: 'kdpi', input: 'donor.kdpi', scale: { kind: 'linear', slope: 1 }, weight: 1 }] })
  const data = gatherPolicyFairnessData(needsKdpi, withoutKdpi, 3)
  t.same(data.donors.failures.map((f) => f.code), ['ENGINE_MATCH_RUN_FAILED', 'ENGINE_MATCH_RUN_FAILED', 'ENGINE_MATCH_RUN_FAILED'])
  t.equal(data.pairs, 0)
  const report = renderFairnessReport({ document: needsKdpi, lint: lintPolicy(needsKdpi, { sample: data.sample }), data })
  t.match(report, /3 × ENGINE_MATCH_RUN_FAILED/, 'the report lists them')
})

t.test('the report: sections, errors and warnings, deterministic text', async (t) => {
  const unsafe = minimalPolicy({
    urgencyClasses: ['elective'],
    eligibility: { statuses: ['active', 'inactive'], abo: { ruleSet: 'identical' }, virtualCrossmatch: false, centreAuthorisation: false, acceptanceCriteria: [], rules: [] },
    tiers: [{ name: 'sensitised', when: 'candidate.cpraPercent >= 85' }, { name: 'all', when: 'true' }],
    components: [
      { name: 'waiting', input: 'candidate.waitingDays / 365', scale: { kind: 'linear', slope: 1 }, weight: 1 },
      { name: 'cpra', input: 'candidate.cpraPercent', scale: { kind: 'linear', slope: 0.1 }, weight: 1 },
      { name: 'height', input: 'candidate.heightCm', scale: { kind: 'linear', slope: -0.1, intercept: 26 }, weight: 1 }
    ]
  })
  const data = gatherPolicyFairnessData(unsafe, registry, 4)
  const lint = lintPolicy(unsafe, { sample: data.sample })
  const report = renderFairnessReport({ document: unsafe, lint, data })
  t.equal(renderFairnessReport({ document: unsafe, lint, data }), report, 'the same input gives the same text')
  t.match(report, /## Errors[\s\S]*OFFERS_TO_NON_ACTIVE[\s\S]*CENTRE_AUTHORISATION_OFF/)
  t.match(report, /## Warnings[\s\S]*VIRTUAL_CROSSMATCH_OFF/)
  t.match(report, /### Parts with a known link to a protected attribute[\s\S]*components\.height \| sex/, 'height and sex: a known mechanism, shown with its justification')
  t.match(report, /### By age band/)
  t.match(report, new RegExp(`Policy hash: \`${lint.policy?.hash ?? ''}\``))
  t.notMatch(report, /NaN/, 'no NaN in the text')
  const noSample = renderFairnessReport({ document: unsafe, lint: lintPolicy(unsafe), data })
  t.match(noSample, /No sample was given/)
  t.same(['0-17', '18-34', '35-49', '50-64', '65+'], [17.9, 18, 49.99, 50, 65].map(ageBand))
})

t.test('writing reports into a directory', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'fairness-reports-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const lines: string[] = []
  const first = DOCUMENTS[0]
  if (first === undefined) return
  const one = writeFairnessReports({ ids: [first.id], directory, registry, donors: 2, log: (line) => lines.push(line) })
  t.same(one, [join(directory, `${first.id}.md`)], 'only the asked report, no index')
  t.equal(lines.length, 1)
  const all = writeFairnessReports({ directory, registry, donors: 1 })
  t.equal(all.length, DOCUMENTS.length + 1, 'every report and the index')
  t.match(readFileSync(join(directory, 'README.md'), 'utf8'), new RegExp(`first 1 donors`))
  t.throws(() => writeFairnessReports({ ids: ['no-such-policy'], directory, registry }), { code: 'ENGINE_UNKNOWN_VALUE', field: 'ids' })
  t.equal(STANDARD_FAIRNESS_REGISTRY.candidates, 20_000, 'the standard registry the committed reports use')
})
