import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { diffPolicies } from '../engine/policy/diff-policy.js'
import type { PolicyDocument } from '../engine/policy/policy-schema.js'
import { builtInPolicyDocument } from '../data/policies/index.js'
import { checkPolicyFiles } from '../data/policies/check-policy.js'
import { minimalPolicy } from './fixtures/policy-minimal.js'

function draft (): PolicyDocument {
  const document = JSON.parse(JSON.stringify(builtInPolicyDocument('etkas-kidney'))) as PolicyDocument
  return {
    ...document,
    version: '1.1.0',
    components: [
      ...document.components.filter((c) => c.name !== 'high-urgency'),
      { name: 'age-match', input: 'abs(pair.ageDifferenceYears)', scale: { kind: 'piecewise-linear', points: [{ at: 0, value: 50 }, { at: 30, value: 0 }] }, weight: 1 }
    ],
    tieBreakers: [...document.tieBreakers].reverse(),
    notes: [...document.notes, 'Draft: age matching.']
  }
}

t.test('a diff lists changed values by JSON pointer and matches named items by name', async (t) => {
  const before = builtInPolicyDocument('etkas-kidney')
  const diff = diffPolicies(before, draft())
  t.notOk(diff.identical)
  t.not(diff.before.hash, diff.after.hash)
  t.same(diff.changes.map((c) => [c.kind, c.path, c.name]), [
    ['removed', '/components/6', 'high-urgency'],
    ['added', '/components/6', 'age-match'],
    ['added', '/notes/10', undefined],
    ['moved', '/tieBreakers/0', 'registration'],
    ['moved', '/tieBreakers/1', 'dialysis-time'],
    ['changed', '/version', undefined]
  ])
  t.same(diff.changes.find((c) => c.path === '/version'), { kind: 'changed', path: '/version', before: '1.0.0', after: '1.1.0' })
  t.same(diff.reads, [
    { part: 'component high-urgency', added: [], removed: ['candidate.urgency'] },
    { part: 'component age-match', added: ['pair.ageDifferenceYears'], removed: [] }
  ])
  const same = diffPolicies(before, JSON.parse(JSON.stringify(before)))
  t.ok(same.identical)
  t.same(same.changes, [])
  const changedValue = diffPolicies(minimalPolicy(), minimalPolicy({ components: [{ name: 'waiting', input: 'candidate.dialysisDays', scale: { kind: 'linear', slope: 1 }, weight: 2 }] }))
  t.same(changedValue.changes.map((c) => c.path), ['/components/0/input', '/components/0/weight'])
  t.same(changedValue.reads, [{ part: 'component waiting', added: ['candidate.dialysisDays'], removed: ['candidate.waitingDays'] }])
  const removedProperty = diffPolicies(minimalPolicy({ hlaMatching: { A: 'broad', B: 'broad', DR: 'split' } }), minimalPolicy())
  t.same(removedProperty.changes.map((c) => [c.kind, c.path]), [['removed', '/hlaMatching']])
  t.throws(() => diffPolicies(minimalPolicy(), { ...minimalPolicy(), tiers: [] }), { code: 'ENGINE_POLICY_INVALID' })
})

t.test('the check-policy command validates, prints reads and diffs', async (t) => {
  const dir = t.testdir({})
  const current = join(dir, 'current.json')
  const changed = join(dir, 'changed.json')
  const broken = join(dir, 'broken.json')
  writeFileSync(current, JSON.stringify(builtInPolicyDocument('etkas-kidney')))
  writeFileSync(changed, JSON.stringify(draft()))
  writeFileSync(broken, JSON.stringify(minimalPolicy({ tiers: [{ name: 'all', when: 'candidate.sex == "F"' }] })))
  const run = (paths: string[]): { code: number, lines: string[] } => {
    const lines: string[] = []
    return { code: checkPolicyFiles(paths, (line) => lines.push(line)), lines }
  }
  const single = run([current])
  t.equal(single.code, 0)
  t.match(single.lines[0], /valid — etkas-kidney 1\.0\.0, hash [0-9a-f]{64}/)
  t.ok(single.lines.includes('  component hla reads: pair.mismatchTotal'))
  t.ok(single.lines.includes('  tier standard reads: (nothing)'))
  const both = run([current, changed])
  t.equal(both.code, 0)
  t.ok(both.lines.includes('~ /version: "1.0.0" → "1.1.0"'))
  t.ok(both.lines.some((l) => l.startsWith('+ /components/6 (age-match): ')))
  t.ok(both.lines.some((l) => l.startsWith('- /components/6 (high-urgency): ')))
  t.ok(both.lines.includes('~ /tieBreakers/0 (registration): moved from position 1 to 0'))
  t.ok(both.lines.includes('reads component age-match: now also pair.ageDifferenceYears'))
  t.ok(both.lines.includes('reads component high-urgency: no longer candidate.urgency'))
  t.same(run([current, current]).lines.slice(-1), ['identical (same hash)'])
  const invalid = run([broken])
  t.equal(invalid.code, 1)
  t.match(invalid.lines.join('\n'), /invalid \(1 issue\)\n {2}\/tiers\/0\/when: "candidate\.sex" refers to a protected attribute/)
  t.equal(run([join(dir, 'missing.json')]).code, 1)
  t.equal(run([]).code, 1)
})

t.test('plain lists are compared item by item', async (t) => {
  const diff = diffPolicies(minimalPolicy({ urgencyClasses: ['elective', 'HU'] }), minimalPolicy({ urgencyClasses: ['elective'] }))
  t.same(diff.changes, [{ kind: 'removed', path: '/urgencyClasses/1', before: 'HU' }])
  const sources = diffPolicies(minimalPolicy(), minimalPolicy({ sources: [{ citation: 'other' }] }))
  t.same(sources.changes, [{ kind: 'changed', path: '/sources/0/citation', before: 'test', after: 'other' }])
})
