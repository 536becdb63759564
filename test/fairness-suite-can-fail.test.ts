import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { builtInPolicy } from '../data/policies/index.js'
import { canonicalJson } from '../engine/canonical-hash.js'
import { matchListHash, type MatchList, type RankedEntry } from '../engine/match/match-list.js'
import { lintPolicy } from '../engine/policy/fairness-lint.js'
import { compilePolicy } from '../engine/policy/compile-policy.js'
import { fairnessCase } from './fixtures/fairness-registry.js'
import {
  checkEqualCandidates, checkInputOrder, checkMonotonicity, checkProtectedAttributes, checkSafety, improvementsOf, runEngine,
  type Runner
} from './fixtures/fairness-checks.js'

/**
 * The fairness suite can fail. Each deliberately broken scorer below wraps the real one and breaks
 * one guarantee; the matching property, run with fast-check's `fc.check` on a fixed seed, must find
 * a counterexample (and passes on the real scorer with the same seed). And a deliberately
 * discriminatory policy is refused by the lint.
 */

const SEED = 20_240_501
const scenario = fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), size: fc.integer({ min: 2, max: 36 }), extra: fc.integer({ min: 0, max: 2 ** 31 - 1 }) })

/** The same list with the ranked entries in another order, ranks and output hash made consistent. */
function reordered (list: MatchList, compare: (a: RankedEntry, b: RankedEntry) => number): MatchList {
  const ranked = [...list.ranked].sort(compare).map((entry, i) => ({ ...entry, rank: i + 1 }))
  const { outputHash: _old, ...content } = { ...list, ranked }
  return { ...content, outputHash: matchListHash(content) }
}

/** Blocks of entries equal on tier, points and declared tie-breakers, numbered in list order. */
function blockNumbers (list: MatchList): Map<string, number> {
  const key = (e: RankedEntry): string => { const { lottery: _l, ...rest } = e.tieBreak; return canonicalJson([e.tier.index, e.totalPoints, rest]) }
  const numbers = new Map<string, number>()
  let block = 0
  list.ranked.forEach((entry, i) => {
    if (i > 0 && key(entry) !== key(list.ranked[i - 1] as RankedEntry)) block++
    numbers.set(entry.candidateId, block)
  })
  return numbers
}

/** Breaks ties by the order candidates were handed in (as a scorer reading database order would). */
const orderDependent: Runner = (input) => {
  const list = runEngine(input)
  const blocks = blockNumbers(list)
  const position = new Map(input.candidates.map((c, i) => [c.id, i]))
  return reordered(list, (a, b) => (blocks.get(a.candidateId) as number) - (blocks.get(b.candidateId) as number) || (position.get(a.candidateId) as number) - (position.get(b.candidateId) as number))
}

/** Breaks ties by pseudonym (alphabetical) instead of the seeded lottery. */
const alphabetical: Runner = (input) => {
  const list = runEngine(input)
  const blocks = blockNumbers(list)
  return reordered(list, (a, b) => (blocks.get(a.candidateId) as number) - (blocks.get(b.candidateId) as number) || (a.candidateId < b.candidateId ? -1 : 1))
}

/** Reads a protected attribute that reached the candidate object and moves men up. */
const leaky: Runner = (input) => {
  const list = runEngine(input)
  const men = new Set(input.candidates.filter((c) => (c as unknown as { sex?: string }).sex === 'male').map((c) => c.id))
  return reordered(list, (a, b) => Number(men.has(b.candidateId)) - Number(men.has(a.candidateId)))
}

/** Puts every ABO-incompatible candidate at the end of the ranked list. */
const unsafe: Runner = (input) => {
  const list = runEngine(input)
  const incompatible = list.excluded.filter((e) => e.reasons.length === 1 && e.reasons[0]?.code === 'ABO_INCOMPATIBLE')
  const extra: RankedEntry[] = incompatible.map((e, i) => ({ candidateId: e.candidateId, centreId: e.centreId, distanceNm: 0, points: {}, rank: list.ranked.length + i + 1, tieBreak: {}, tier: { index: 0, name: 'x' }, totalPoints: 0 }))
  const { outputHash: _old, ...content } = { ...list, ranked: [...list.ranked, ...extra], excluded: list.excluded.filter((e) => !incompatible.includes(e)) }
  return { ...content, outputHash: matchListHash(content) }
}

/** Turns the list upside down: rewards become penalties. */
const inverted: Runner = (input) => {
  const list = runEngine(input)
  const rank = new Map(list.ranked.map((e) => [e.candidateId, e.rank]))
  return reordered(list, (a, b) => (rank.get(b.candidateId) as number) - (rank.get(a.candidateId) as number))
}

function caught (t: Test, property: fc.IProperty<[{ seed: number, size: number, extra: number }]>, broken: string, expected: RegExp, numRuns = 60): void {
  const result = fc.check(property, { seed: SEED, numRuns })
  t.equal(result.failed, true, `the property catches ${broken}`)
  t.match(String(result.errorInstance), expected, 'for the expected reason')
  t.ok(result.counterexample !== null, 'with a counterexample fast-check can replay')
}

type Check = (run: Runner, seed: number, size: number, extra: number) => true

function both (t: Test, check: Check, broken: Runner, name: string, expected: RegExp, numRuns = 60): void {
  caught(t, fc.property(scenario, ({ seed, size, extra }) => check(broken, seed, size, extra)), name, expected, numRuns)
  const control = fc.check(fc.property(scenario, ({ seed, size, extra }) => check(runEngine, seed, size, extra)), { seed: SEED, numRuns })
  t.equal(control.failed, false, 'and holds for the real scorer on the same runs')
}

const etkas = builtInPolicy('etkas-kidney')

t.test('a deliberately order-dependent scorer is caught by the input-order property', async (t) => {
  both(t, (run, seed, size, extra) => checkInputOrder(run, fairnessCase(etkas, seed, size), extra), orderDependent, 'ties broken by input order', /shuffling the input changed/)
})

t.test('a scorer that breaks ties by pseudonym instead of the lottery is caught by the equal-candidates property', async (t) => {
  both(t, (run, seed, size, extra) => checkEqualCandidates(run, fairnessCase(etkas, seed, size), extra * 2, extra), alphabetical, 'ties broken by pseudonym', /lottery order/)
})

t.test('a scorer that reads a leaked protected attribute is caught by the protected-attributes property', async (t) => {
  both(t, (run, seed, size, extra) => checkProtectedAttributes(run, fairnessCase(etkas, seed, size), extra), leaky, 'a sex-dependent order', /smuggled/)
})

t.test('a scorer that ranks ABO-incompatible candidates is caught by the safety property', async (t) => {
  both(t, (run, seed, size) => checkSafety(run, fairnessCase(etkas, seed, size)), unsafe, 'ABO-incompatible candidates ranked', /is not allowed by/)
})

t.test('an inverted scorer is caught by the monotonicity property', async (t) => {
  const policy = builtInPolicy('us-liver-acuity-circles')
  const improvements = improvementsOf(policy)
  t.ok(improvements.length > 0)
  both(t, (run, seed, size, extra) => checkMonotonicity(run, fairnessCase(policy, seed, size), improvements[extra % improvements.length] as typeof improvements[number], extra * 2, 0.5), inverted, 'an inverted order', /lowered a candidate/, 100)
})

t.test('a deliberately discriminatory policy is refused by the lint; the engine cannot even compile it', async (t) => {
  const document: unknown = JSON.parse(readFileSync(new URL('./fixtures/fairness-discriminatory-policy.json', import.meta.url), 'utf8'))
  const lint = lintPolicy(document)
  t.equal(lint.ok, false, 'refused')
  t.same([...new Set(lint.errors.filter((e) => e.code === 'PROTECTED_ATTRIBUTE').map((e) => e.protectedAttribute))].sort(), ['nationality', 'payer', 'race/ethnicity', 'sex'])
  t.throws(() => compilePolicy(document), { code: 'ENGINE_POLICY_INVALID' }, 'and compilation refuses it too')
  const smuggling: unknown = JSON.parse(readFileSync(new URL('./fixtures/fairness-category-smuggling-policy.json', import.meta.url), 'utf8'))
  t.doesNotThrow(() => compilePolicy(smuggling), 'protected groups disguised as clinical categories compile…')
  t.equal(lintPolicy(smuggling).ok, false, '…but the lint refuses them')
})
