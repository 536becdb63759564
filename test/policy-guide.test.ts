import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validatePolicy } from '../engine/policy/validate-policy.js'
import { compilePolicy } from '../engine/policy/compile-policy.js'
import type { PolicyDocument } from '../engine/policy/policy-schema.js'
import { ATTRIBUTES } from '../engine/policy/vocabulary.js'
import { REASON_CODES } from '../engine/match/reason-codes.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { packageRoot } from '../data/policies/index.js'
import { candidate, centre, donor, organ } from './fixtures/match-fixtures.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'

/** The policy guide's examples are checked, so the guide cannot drift from the engine. */
const guide = readFileSync(join(packageRoot(), 'docs', 'policy-language.md'), 'utf8')
const jsonBlocks = [...guide.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string)

function block (startsWith: string): string {
  const found = jsonBlocks.find((b) => b.trimStart().startsWith(startsWith))
  if (found === undefined) throw new Error(`no json block starting with ${startsWith}`)
  return found
}

t.test('the worked example is valid and gives the points the guide states', async (t) => {
  const example = JSON.parse(jsonBlocks.find((b) => b.includes('fictitious example')) as string) as PolicyDocument
  const policy = compilePolicy(example)
  t.equal(policy.id, 'example-regional-kidney')
  const snapshot = buildWaitlistSnapshot({
    organType: 'kidney',
    at: '2025-02-01T00:00:00Z',
    centres: [centre('C0')],
    candidates: [candidate('P-0042', { ageYears: 47, abo: 'A', hla: { A: ['A1', 'A3'], B: ['B7', 'B44'], DR: ['DR4', 'DR13'] }, dialysisDays: 1460, vpraPercent: 60 })]
  })
  const d = donor({ ageYears: 52, abo: 'A', hla: { A: ['A1', 'A2'], B: ['B7', 'B8'], DR: ['DR4', 'DR15'] } })
  const list = runMatch({ matchRunId: 'guide', donor: d, organ: organ(d), policy, snapshot, matchTime: '2025-02-01T10:00:00Z' })
  const entry = list.ranked[0]
  t.equal(entry?.tier.name, 'regional')
  t.equal(entry?.points['waiting-time'], 80)
  t.equal(entry?.points.hla, 150)
  t.equal(Math.round((entry?.points.sensitisation ?? 0) * 1e4) / 1e4, 7.4995)
  t.equal(entry?.points['age-match'], 40)
  t.equal(Math.round((entry?.totalPoints ?? 0) * 1e4) / 1e4, 277.4995)
})

t.test('the guide\'s snippets are valid policy fragments', async (t) => {
  const base = minimalPolicy({ hlaMatching: { A: 'broad', B: 'broad', DR: 'split' } })
  const eligibility = (JSON.parse(`{${block('"eligibility"')}}`) as { eligibility: PolicyDocument['eligibility'] }).eligibility
  t.ok(validatePolicy({ ...base, eligibility }), 'eligibility')
  const tiers = (JSON.parse(`{${block('"tiers"')}}`) as { tiers: PolicyDocument['tiers'] }).tiers
  t.ok(validatePolicy({ ...base, tiers }), 'tiers')
  const tieBreakers = (JSON.parse(`{${block('"tieBreakers"')}}`) as { tieBreakers: PolicyDocument['tieBreakers'] }).tieBreakers
  t.ok(validatePolicy({ ...base, tieBreakers }), 'tie-breakers')
  const waiting = JSON.parse(block('{ "name": "waiting-time"')) as PolicyDocument['components'][number]
  const published = block('{ "name": "cpra"').split(/\n\s*\n/).map((text) => JSON.parse(text) as PolicyDocument['components'][number])
  t.equal(published.length, 5)
  t.ok(validatePolicy({ ...base, components: [waiting, ...published] }), 'components')
})

t.test('the guide lists the whole vocabulary and every reason code', async (t) => {
  const listed = [...guide.matchAll(/^\| `((?:candidate|donor|pair)\.[A-Za-z]+)` \|/gm)].map((m) => m[1])
  t.same(listed, ATTRIBUTES.map((a) => a.name), 'attribute table in vocabulary order')
  for (const attribute of ATTRIBUTES) t.ok(guide.includes(`| \`${attribute.name}\` | ${attribute.type}`), `${attribute.name} type`)
  const codes = [...guide.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
  t.same(codes, [...REASON_CODES], 'reason table in code order')
})
