import { MessageChannel } from 'node:worker_threads'
import { candidateAsOf, centreAsOf, donorAt } from '../data/import/records.js'
import { createRegistryGenerator } from '../data/synthetic/generator.js'
import { countryProfile } from '../data/synthetic/profile.js'
import type { Candidate } from '../engine/domain/candidate.js'
import type { Centre } from '../engine/domain/centre.js'
import type { Donor } from '../engine/domain/donor.js'
import type { OrganType } from '../engine/domain/organ.js'
import { attachWaitlistSnapshot, buildWaitlistSnapshot, waitlistSnapshotParts, type WaitlistSnapshot } from '../engine/match/snapshot.js'
import type { BenchCase, BenchSuite, SizeProfile } from './harness.js'

/**
 * Synthetic waiting lists for the snapshot, scan-floor and match-run suites, from one seeded
 * registry per size profile (national profile, sized so that it holds the largest kidney list).
 * A list of n candidates for an organ is the first n of that organ in the registry; organs with
 * fewer candidates than asked (liver, heart, lung at 100k and more) are repeated under new
 * pseudonyms (`~r1`, `~r2`…), which keeps the distribution and only multiplies the count. Donors are
 * a cycle of the registry's first deceased donors with a recorded KDPI.
 */
export const LIST_DATE = '2024-01-01'
export const SNAPSHOT_AT = `${LIST_DATE}T00:00:00.000Z`
export const MATCH_TIME = `${LIST_DATE}T08:00:00.000Z`
/** Donors cycled through by the match-run cases, so a median is over donors, not one lucky donor. */
export const DONOR_CYCLE = 8

/** List sizes per profile, shared by the snapshot, scan-floor and match-run suites. */
export const LIST_SIZES: Record<SizeProfile, readonly number[]> = {
  quick: [1000, 4000],
  full: [1000, 10_000, 100_000, 200_000]
}

export interface BenchRegistry {
  readonly candidates: ReadonlyMap<OrganType, readonly Candidate[]>
  readonly centres: readonly Centre[]
  readonly donors: readonly Donor[]
}

const registries = new Map<SizeProfile, BenchRegistry>()
const snapshots = new Map<string, WaitlistSnapshot>()

export function benchRegistry (profile: SizeProfile): BenchRegistry {
  let registry = registries.get(profile)
  if (registry !== undefined) return registry
  const largest = Math.max(...LIST_SIZES[profile])
  const kidneyShare = countryProfile('national').organShares.kidney
  // The generator draws every organ in the profile's shares; ask for enough for the largest kidney list.
  const generator = createRegistryGenerator({
    seed: `bench-${profile}`,
    candidates: Math.ceil(largest / kidneyShare * 1.05) + 100,
    startDate: LIST_DATE,
    periodDays: 30,
    donorsPerYear: 2000
  })
  const candidates = new Map<OrganType, Candidate[]>()
  for (const record of generator.candidates()) {
    let list = candidates.get(record.organType)
    if (list === undefined) candidates.set(record.organType, list = [])
    list.push(candidateAsOf(record, SNAPSHOT_AT))
  }
  const centres = generator.centres.map((c) => centreAsOf(c, SNAPSHOT_AT))
  const byId = new Map(centres.map((c) => [c.id, c]))
  const donors: Donor[] = []
  for (const record of generator.donors()) {
    const hospital = byId.get(record.hospitalCentreId)
    if (hospital === undefined || record.kind !== 'deceased' || record.kdpi === undefined) continue
    donors.push(donorAt(record, hospital))
    if (donors.length === DONOR_CYCLE) break
  }
  if (donors.length === 0) throw new Error('the bench registry has no deceased donor with a KDPI')
  registry = { candidates, centres, donors }
  registries.set(profile, registry)
  return registry
}

/** The first `size` candidates of an organ, repeated under new pseudonyms when the registry has fewer. */
export function benchCandidates (profile: SizeProfile, organType: OrganType, size: number): Candidate[] {
  const pool = benchRegistry(profile).candidates.get(organType) ?? []
  if (pool.length === 0) throw new Error(`the bench registry has no ${organType} candidates`)
  const list: Candidate[] = []
  for (let i = 0; i < size; i++) {
    const round = Math.floor(i / pool.length)
    const source = pool[i % pool.length] as Candidate
    list.push(round === 0 ? source : { ...source, id: `${source.id}~r${round}` })
  }
  return list
}

/** The snapshot of an organ's synthetic list of this size (built once per process). */
export function benchSnapshot (profile: SizeProfile, organType: OrganType, size: number): WaitlistSnapshot {
  const key = `${profile}/${organType}/${size}`
  let snapshot = snapshots.get(key)
  if (snapshot === undefined) {
    snapshot = buildWaitlistSnapshot({ organType, at: SNAPSHOT_AT, candidates: benchCandidates(profile, organType, size), centres: benchRegistry(profile).centres })
    snapshots.set(key, snapshot)
  }
  return snapshot
}

/** Building takes tens of microseconds per candidate, so 200k is not timed (20 samples would take minutes). */
const BUILT_SIZES: Record<SizeProfile, readonly number[]> = { quick: [1000, 4000], full: [1000, 10_000, 100_000] }
const SHIPPED_SIZES: Record<SizeProfile, readonly number[]> = { quick: [4000], full: [10_000, 100_000, 200_000] }

function label (size: number): string {
  return size >= 1000 ? `${size / 1000}k` : String(size)
}

function sizeFigures (snapshot: WaitlistSnapshot): Record<string, number> {
  const columnBytes = snapshot.buffer.byteLength
  return {
    candidates: snapshot.count,
    bytesPerCandidate: snapshot.byteLength / snapshot.count,
    columnBytesPerCandidate: columnBytes / snapshot.count,
    sideTableBytesPerCandidate: (snapshot.byteLength - columnBytes) / snapshot.count
  }
}

/** One message through a MessageChannel and back to this thread: what postMessage costs a worker task. */
function postOnce (channel: MessageChannel, message: unknown): Promise<void> {
  return new Promise((resolve) => {
    channel.port2.once('message', () => resolve())
    channel.port1.postMessage(message)
  })
}

let channel: MessageChannel | undefined

/**
 * The columnar snapshot: build time and bytes per candidate; what a worker pays once per snapshot
 * (the side table through postMessage, the views rebuilt); and what every task pays instead (a task
 * naming the snapshot by hash).
 */
export const snapshotSuite: BenchSuite = {
  name: 'snapshot',
  description: 'columnar kidney waiting-list snapshot: build, size, shipping to a worker once, per-task message',
  async setup (profile) {
    const cases: BenchCase[] = []
    const { centres, donors } = benchRegistry(profile)
    for (const size of BUILT_SIZES[profile]) {
      const candidates = benchCandidates(profile, 'kidney', size)
      const snapshot = benchSnapshot(profile, 'kidney', size)
      cases.push({
        name: `build ${label(size)}`,
        params: { operation: 'build snapshot', candidates: size },
        fn: () => buildWaitlistSnapshot({ organType: 'kidney', at: SNAPSHOT_AT, candidates, centres }),
        figures: () => sizeFigures(snapshot)
      })
    }
    channel = new MessageChannel()
    const port = channel
    for (const size of SHIPPED_SIZES[profile]) {
      const snapshot = benchSnapshot(profile, 'kidney', size)
      const parts = waitlistSnapshotParts(snapshot)
      const donor = donors[0] as Donor
      const hashOnlyTask = {
        kind: 'partition', runKey: '1', snapshotHash: snapshot.hash, policyHash: snapshot.hash, matchRunId: 'bench',
        donor, organ: { id: `${donor.id}-kidney`, donorId: donor.id, organType: 'kidney', part: 'whole' }, matchTime: MATCH_TIME, start: 0, end: size
      }
      cases.push(
        {
          name: `ship parts ${label(size)}`,
          params: { operation: 'post snapshot parts (once per worker)', candidates: size },
          fn: () => postOnce(port, { ...hashOnlyTask, snapshot: parts }),
          figures: () => sizeFigures(snapshot)
        },
        {
          name: `attach ${label(size)}`,
          params: { operation: 'attach parts (once per worker)', candidates: size },
          fn: () => attachWaitlistSnapshot(parts),
          figures: () => sizeFigures(snapshot)
        },
        {
          name: `task message ${label(size)}`,
          params: { operation: 'post a hash-only task (every task)', candidates: size },
          fn: () => postOnce(port, hashOnlyTask),
          figures: () => sizeFigures(snapshot)
        }
      )
    }
    return cases
  },
  async teardown () {
    channel?.port1.close()
    channel?.port2.close()
    channel = undefined
  }
}
