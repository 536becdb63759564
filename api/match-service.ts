import { writeTransaction } from '../data/db/context.js'
import { readRegistrySnapshot } from '../data/db/snapshot-source.js'
import { newMatchRunId, type StoredMatchRun } from '../data/db/match-run-repository.js'
import { builtInPolicyDocuments } from '../data/policies/index.js'
import type { Registry } from '../data/registry.js'
import type { Organ } from '../engine/domain/organ.js'
import { MatchRunError, UnknownValueError } from '../engine/errors.js'
import type { MatchRunInput } from '../engine/match/match-context.js'
import { verifyMatchListHash, type MatchList } from '../engine/match/match-list.js'
import { runMatch } from '../engine/match/match-run.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import type { PolicyDocument } from '../engine/policy/policy-schema.js'
import { LruCache } from '../engine/parallel/lru-cache.js'
import { ApiError } from './problem.js'
import { latestRecordedVersion } from './registry-queries.js'

/**
 * Match runs and replays, shared by the HTTP API and the CLI so both follow one path: resolve the
 * policy, rebuild the snapshot from the registry, score through the injected runner (serial
 * `runMatch`, or the Piscina pool in production), record.
 */

/** Scores one match run; `createMatchPool().runMatch` fits, and so does the serial runner below. */
export type MatchRunner = (input: MatchRunInput) => Promise<MatchList>

export const serialMatchRunner: MatchRunner = async (input) => runMatch(input)

const compiled = new LruCache<string, CompiledPolicy>(32)

/** Compiles a document once per content hash (the hash is the policy's identity). */
export function compileCached (document: unknown): CompiledPolicy {
  const policy = compilePolicy(document)
  const cached = compiled.get(policy.hash)
  if (cached !== undefined) return cached
  compiled.set(policy.hash, policy)
  return policy
}

export interface ResolvedPolicy {
  readonly policy: CompiledPolicy
  /** Set when the document is a built-in one not yet in the registry: it is recorded with the match run. */
  readonly toRecord?: { readonly policyId: string, readonly version: string, readonly document: PolicyDocument }
}

/**
 * The policy a match run uses: the named version from the registry, or the built-in document of
 * that id and version. Without a version: the version recorded last in the registry, else the
 * built-in one. A built-in document is recorded in the registry on first use, so every match list's
 * policy hash can be found again there (replay looks policies up by hash).
 */
export function resolvePolicy (registry: Registry, policyId: string, version?: string): ResolvedPolicy {
  const builtIn = builtInPolicyDocuments().find((d) => d.id === policyId)
  const wanted = version ?? latestRecordedVersion(registry, policyId) ?? builtIn?.version
  if (wanted === undefined) {
    throw new UnknownValueError('policyId', `names no recorded or built-in policy (${policyId}); built-in: ${builtInPolicyDocuments().map((d) => d.id).join(', ')}`)
  }
  let recorded: unknown
  try {
    recorded = registry.policies.get(policyId, wanted).document
  } catch (error) {
    if (!(error instanceof UnknownValueError)) throw error
  }
  if (recorded !== undefined) return { policy: compileCached(recorded) }
  if (builtIn !== undefined && builtIn.version === wanted) {
    return { policy: compileCached(builtIn), toRecord: { policyId, version: wanted, document: builtIn } }
  }
  throw new UnknownValueError('policyVersion', `names no recorded or built-in version of ${policyId} (${wanted})`)
}

export interface PreparedMatchRun {
  readonly input: MatchRunInput
  readonly toRecord?: ResolvedPolicy['toRecord']
}

/**
 * Everything a match run reads, fixed now: the organ and its deceased donor, the policy, and the
 * waiting list as of `matchTime` and as known at `matchTime`, which is exactly what a replay rebuilds.
 */
export function prepareMatchRun (registry: Registry, request: { organId: string, policyId: string, policyVersion?: string | undefined }, matchTime: string): PreparedMatchRun {
  const record = registry.donors.getOrgan(request.organId)
  if (record.disposition !== undefined) {
    throw new ApiError(409, 'API_ORGAN_UNAVAILABLE', `organ ${record.id} already has a disposition (${record.disposition}); it cannot be offered`, {
      errors: [{ field: 'body.organId', rule: `has disposition ${record.disposition}` }]
    })
  }
  if (registry.donors.kindOf(record.donorId) !== 'deceased') {
    throw new MatchRunError(`organ ${record.id} is a living donor's: living donation is directed, not allocated by match run`, { field: 'body.organId', rule: 'must be an organ of a deceased donor' })
  }
  const organ: Organ = { id: record.id, donorId: record.donorId, organType: record.organType, part: record.part }
  const donor = registry.donors.getDeceased(record.donorId)
  const { policy, toRecord } = resolvePolicy(registry, request.policyId, request.policyVersion)
  // The same snapshot as registry.snapshot, read the fast way and reused while nothing changes but the clock.
  const { snapshot } = readRegistrySnapshot(registry, { organType: organ.organType, at: matchTime, knownAt: matchTime })
  return { input: { matchRunId: newMatchRunId(), donor, organ, policy, snapshot, matchTime }, ...(toRecord === undefined ? {} : { toRecord }) }
}

/** Records the policy (when built-in and new) and the match list; call inside the caller's transaction. */
export function recordMatchRun (registry: Registry, prepared: PreparedMatchRun, matchList: MatchList, actor: string): StoredMatchRun {
  const { toRecord } = prepared
  if (toRecord !== undefined && latestRecordedVersion(registry, toRecord.policyId) !== toRecord.version) {
    try {
      registry.policies.get(toRecord.policyId, toRecord.version)
    } catch (error) {
      if (!(error instanceof UnknownValueError)) throw error
      registry.policies.record(toRecord, actor)
    }
  }
  return registry.matchRuns.record({ matchList }, actor)
}

export interface MatchRunDigest {
  readonly id: string
  readonly organId: string
  readonly donorId: string
  readonly policy: { readonly id: string, readonly version: string, readonly hash: string }
  readonly snapshotHash: string
  readonly outputHash: string
  readonly matchTime: string
  readonly recordedAt: string
  readonly ranked: number
  readonly excluded: number
}

export function digestOf (run: StoredMatchRun): MatchRunDigest {
  return {
    id: run.id,
    organId: run.organId,
    donorId: run.matchList.donorId,
    policy: { id: run.policyId, version: run.policyVersion, hash: run.policyHash },
    snapshotHash: run.snapshotHash,
    outputHash: run.outputHash,
    matchTime: run.runAt,
    recordedAt: run.recordedAt,
    ranked: run.matchList.ranked.length,
    excluded: run.matchList.excluded.length
  }
}

export interface ReplayReport {
  readonly matchRunId: string
  /** True when the recomputed list's outputHash equals the stored one. */
  readonly identical: boolean
  /** True when the stored list still hashes to its own outputHash (false: it was edited after the run). */
  readonly storedListIntact: boolean
  readonly stored: { readonly outputHash: string, readonly snapshotHash: string, readonly policyHash: string }
  readonly replayed?: { readonly outputHash: string, readonly snapshotHash: string, readonly policyHash: string, readonly ranked: number, readonly excluded: number }
  /** First 1-based rank at which the two ranked lists name different candidates; absent when they agree. */
  readonly firstDifferentRank?: number
  /** Why no replay was possible (the policy of that hash is not in the registry). */
  readonly reason?: string
  /** Oversight flag raised when the replay differs (F3). */
  readonly flagId?: number
}

/**
 * Recomputes a recorded match run from the registry as it was known at the run (`knownAt` = match
 * time, so later and back-dated entries are left out), with the policy found by its hash and the
 * run's own id as the lottery seed, and compares output hashes. The replay is audited; a difference
 * raises oversight flag F3 (match run altered or not reproducible) for review.
 */
export async function replayMatchRun (registry: Registry, matchRunId: string, runner: MatchRunner, actor: string, now: () => string): Promise<ReplayReport> {
  const run = registry.matchRuns.get(matchRunId)
  const stored = { outputHash: run.outputHash, snapshotHash: run.snapshotHash, policyHash: run.policyHash }
  const storedListIntact = verifyMatchListHash(run.matchList) && run.matchList.outputHash === run.outputHash
  const record = registry.policies.findByHash(run.policyHash)
  let report: ReplayReport
  if (record === undefined) {
    report = { matchRunId: run.id, identical: false, storedListIntact, stored, reason: `no policy with hash ${run.policyHash} is recorded in the registry` }
  } else {
    const policy = compileCached(record.document)
    const organRecord = registry.donors.getOrgan(run.organId)
    const organ: Organ = { id: organRecord.id, donorId: organRecord.donorId, organType: organRecord.organType, part: organRecord.part }
    const donor = registry.donors.getDeceased(organ.donorId)
    const { snapshot } = readRegistrySnapshot(registry, { organType: organ.organType, at: run.runAt, knownAt: run.runAt })
    const list = await runner({ matchRunId: run.id, donor, organ, policy, snapshot, matchTime: run.runAt })
    const length = Math.max(list.ranked.length, run.matchList.ranked.length)
    let firstDifferentRank: number | undefined
    for (let i = 0; i < length; i++) {
      if (list.ranked[i]?.candidateId !== run.matchList.ranked[i]?.candidateId) {
        firstDifferentRank = i + 1
        break
      }
    }
    report = {
      matchRunId: run.id,
      identical: storedListIntact && list.outputHash === run.outputHash,
      storedListIntact,
      stored,
      replayed: { outputHash: list.outputHash, snapshotHash: list.snapshotHash, policyHash: list.policy.hash, ranked: list.ranked.length, excluded: list.excluded.length },
      ...(firstDifferentRank === undefined ? {} : { firstDifferentRank })
    }
  }
  // The finding and the replay's audit entry commit together.
  return writeTransaction(registry.db, () => {
    const flagId = report.identical
      ? undefined
      : registry.oversight.raise({
        ruleId: 'F3@1',
        severity: 'B',
        entityType: 'match-run',
        entityId: run.id,
        evidence: { storedOutputHash: run.outputHash, replayedOutputHash: report.replayed?.outputHash ?? null, storedListIntact, reason: report.reason ?? 'the recomputed list differs from the stored one' },
        raisedAt: now()
      }, actor).id
    registry.audit.append({
      actor,
      action: 'match-run.replayed',
      entityType: 'match-run',
      entityId: run.id,
      payload: { identical: report.identical, storedListIntact, replayedOutputHash: report.replayed?.outputHash ?? null, ...(flagId === undefined ? {} : { flagId }) }
    })
    return flagId === undefined ? report : { ...report, flagId }
  })
}
