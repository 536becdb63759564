import { createRandom, type SeededRandom } from '../random.js'

/**
 * Common random numbers. Every random quantity of a replication comes from a stream named by its
 * purpose and, where it belongs to one, by its entity, all forked from the replication's seed. The
 * streams never depend on the policy, so each arm of a comparison sees the same draws:
 *
 * - `candidates`: a fixed block of uniforms per candidate, drawn in cohort order (death and removal
 *   on the list, status changes, graft failure, death after transplant, relisting). A candidate who
 *   waits in both arms dies on the same day in both unless transplanted first.
 * - `centre-effects`: one standard normal per centre (its acceptance random intercept).
 * - `donors/<donor id>`: one stream per donor: first a uniform per centre for the centre's decision,
 *   then a uniform per centre for rescue, then one uniform per patient-level offer in offer order.
 *   Identical lists therefore give identical decisions; lists that differ share the donor's draws.
 *
 * Forking hashes the label (engine/random.ts), so adding draws to one stream never shifts another.
 */

/** Slots of a candidate's block of uniforms. */
export const CANDIDATE_SLOTS = {
  deathOnList: 0,
  removal: 1,
  graftFailure: 2,
  deathAfterTransplant: 3,
  relist: 4,
  relistDelay: 5,
  relistDeathOnList: 6,
  relistRemoval: 7,
  regraftFailure: 8,
  redeathAfterTransplant: 9,
  /** Status changes (active ↔ inactive): slots 10 … 10 + STATUS_CHANGE_SLOTS − 1. */
  statusChanges: 10
} as const

/** How many status changes a candidate can make; after the last the status stays as it is. */
export const STATUS_CHANGE_SLOTS = 8
export const CANDIDATE_BLOCK_SIZE = CANDIDATE_SLOTS.statusChanges + STATUS_CHANGE_SLOTS

/** The root stream of one replication: a pure function of the simulation seed and the replication index. */
export function replicationRandom (seed: string, replication: number): SeededRandom {
  return createRandom(seed).fork(`replication/${replication}`)
}

/** Uniform in (0, 1]: safe under −ln. */
export function openUniform (random: SeededRandom): number {
  return 1 - random.nextFloat()
}

/** The candidates' blocks of uniforms, `count × CANDIDATE_BLOCK_SIZE`, each in (0, 1]. */
export function drawCandidateUniforms (root: SeededRandom, count: number): Float64Array {
  const stream = root.fork('candidates')
  const values = new Float64Array(count * CANDIDATE_BLOCK_SIZE)
  for (let i = 0; i < values.length; i++) values[i] = openUniform(stream)
  return values
}

/** One standard normal per centre, by Box–Muller from two uniforms (Box & Muller, Ann. Math. Stat. 1958). */
export function drawCentreNormals (root: SeededRandom, centreCount: number): Float64Array {
  const stream = root.fork('centre-effects')
  const values = new Float64Array(centreCount)
  for (let c = 0; c < centreCount; c++) {
    const u1 = openUniform(stream)
    const u2 = stream.nextFloat()
    values[c] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }
  return values
}

/** A donor's draws: per-centre uniforms for standard and rescue decisions, then patient-level uniforms. */
export interface DonorDraws {
  readonly centre: Float64Array
  readonly rescueCentre: Float64Array
  nextPatientUniform (): number
}

export function donorDraws (root: SeededRandom, donorId: string, centreCount: number): DonorDraws {
  const stream = root.fork(`donors/${donorId}`)
  const centre = new Float64Array(centreCount)
  const rescueCentre = new Float64Array(centreCount)
  for (let c = 0; c < centreCount; c++) centre[c] = stream.nextFloat()
  for (let c = 0; c < centreCount; c++) rescueCentre[c] = stream.nextFloat()
  return { centre, rescueCentre, nextPatientUniform: () => stream.nextFloat() }
}
