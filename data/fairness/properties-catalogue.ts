/**
 * The fairness properties the test suite checks on every commit, against every built-in policy. The
 * tests take their titles and run counts from here and the fairness reports list them, so the two
 * cannot drift apart.
 */
export interface FairnessProperty {
  readonly id: string
  readonly title: string
  /** Test file (relative to the repository root). */
  readonly file: string
  /** fast-check runs per built-in policy. */
  readonly runsPerPolicy: number
}

export const FAIRNESS_PROPERTIES: readonly FairnessProperty[] = Object.freeze([
  {
    id: 'protected-attributes',
    title: 'changing any protected attribute (sex, race/ethnicity, nationality, residence, payer) of any candidates leaves the match list byte-identical',
    file: 'test/fairness-properties.test.ts',
    runsPerPolicy: 30
  },
  {
    id: 'input-order',
    title: 'permuting the input order of candidates and centres leaves the match list byte-identical',
    file: 'test/fairness-properties.test.ts',
    runsPerPolicy: 25
  },
  {
    id: 'pseudonyms',
    title: 'renaming pseudonyms changes nothing but the order inside blocks the lottery decides (equal tier, points and tie-breakers)',
    file: 'test/fairness-properties.test.ts',
    runsPerPolicy: 25
  },
  {
    id: 'equal-candidates',
    title: 'two candidates equal in every attribute the policy reads get equal points and are ordered only by the seeded lottery',
    file: 'test/fairness-properties.test.ts',
    runsPerPolicy: 30
  },
  {
    id: 'monotonicity',
    title: 'improving one candidate\'s attribute in the direction the policy rewards (lint directions, urgency moves) never lowers their rank',
    file: 'test/fairness-properties.test.ts',
    runsPerPolicy: 50
  },
  {
    id: 'safety',
    title: 'no ABO-incompatible candidate under the policy\'s rule set, no unacceptable antigen the donor carries, no inactive candidate and no candidate at an unauthorised centre is ever ranked',
    file: 'test/fairness-properties.test.ts',
    runsPerPolicy: 30
  },
  {
    id: 'serial-pooled-replay',
    title: 'serial and pooled runs, and a replay from the audit store, give the same output hash',
    file: 'test/fairness-replay.test.ts',
    runsPerPolicy: 5
  }
])

export function fairnessProperty (id: string): FairnessProperty {
  const property = FAIRNESS_PROPERTIES.find((p) => p.id === id)
  if (property === undefined) throw new Error(`no fairness property "${id}"`)
  return property
}
