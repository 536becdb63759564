import t from 'tap'
import fc from 'fast-check'
import { builtInPolicyDocuments } from '../data/policies/index.js'
import { fairnessProperty } from '../data/fairness/properties-catalogue.js'
import { seedRegistry } from '../data/synthetic/seed.js'
import type { StoredMatchRun } from '../data/db/match-run-repository.js'
import { canonicalJson } from '../engine/canonical-hash.js'
import { isAuthorised } from '../engine/domain/centre.js'
import type { Organ } from '../engine/domain/organ.js'
import type { MatchRunInput } from '../engine/match/match-context.js'
import { runMatch } from '../engine/match/match-run.js'
import { buildWaitlistSnapshot } from '../engine/match/snapshot.js'
import { createMatchPool } from '../engine/parallel/match-pool.js'
import { compilePolicy, type CompiledPolicy } from '../engine/policy/compile-policy.js'
import { candidateInput, deceasedDonorInput, memoryRegistry } from './fixtures/registry-fixtures.js'
import { fairnessCase } from './fixtures/fairness-registry.js'
import { inputOf } from './fixtures/fairness-checks.js'

/**
 * Determinism across the three ways a match list is produced: the serial run, the worker pool (any
 * number of partitions), and a replay from the audit store (policy found by its hash, waiting list
 * rebuilt as it was known at the run, donor and organ read back) all give the same output hash.
 */

const DOCUMENTS = builtInPolicyDocuments()
const POLICIES: readonly CompiledPolicy[] = DOCUMENTS.map((d) => compilePolicy(d))
const property = fairnessProperty('serial-pooled-replay')
// One pool for the file: starting worker threads (which load the TypeScript sources) costs seconds.
const pool = createMatchPool({ threads: 2 })
t.teardown(() => pool.close())

t.test(`property: ${property.title} (serial and pooled)`, async (t) => {
  for (const policy of POLICIES) {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 6 }),
      async (seed, size, partitions) => {
        const c = fairnessCase(policy, seed, size)
        const input = inputOf(c)
        const runInput: MatchRunInput = {
          matchRunId: input.matchRunId,
          donor: input.donor,
          organ: { id: `${input.donor.id}.${policy.organType}`, donorId: input.donor.id, organType: policy.organType, part: 'whole' },
          policy,
          snapshot: buildWaitlistSnapshot({ organType: policy.organType, at: input.at, candidates: input.candidates, centres: input.centres }),
          matchTime: input.matchTime
        }
        const serial = runMatch(runInput)
        const pooled = await pool.runMatch(runInput, { partitions: Math.min(partitions, Math.max(1, size)) })
        if (pooled.outputHash !== serial.outputHash || canonicalJson(pooled) !== canonicalJson(serial)) throw new Error(`${policy.id}: pooled and serial lists differ (${size} candidates, ${partitions} partitions)`)
        return true
      }), { numRuns: property.runsPerPolicy })
  }
  t.ok(pool.stats().pooledRuns >= POLICIES.length, `${pool.stats().pooledRuns} pooled runs`)
})

const MATCH_TIME = '2025-01-02T10:00:00.000Z'

t.test(`${property.title} (replay from the audit store)`, async (t) => {
  const registry = memoryRegistry()
  t.teardown(() => registry.close())
  seedRegistry(registry, { seed: 'fairness-replay', candidates: 300, startDate: '2025-01-01', periodDays: 30, panelSize: 200 })

  const runs: StoredMatchRun[] = []
  const organFor = (organ: { id: string, donorId: string, organType: Organ['organType'], part: Organ['part'] }): Organ => ({ id: organ.id, donorId: organ.donorId, organType: organ.organType, part: organ.part })
  for (const [k, document] of DOCUMENTS.entries()) {
    const policy = POLICIES[k] as CompiledPolicy
    registry.policies.record({ policyId: document.id, version: document.version, document }, 'analyst.one')
    const centre = registry.centres.list(MATCH_TIME, policy.organType).find((c) => isAuthorised(c, policy.organType, 'transplant', MATCH_TIME))
    if (centre === undefined) { t.fail(`no centre authorised for ${policy.organType}`); continue }
    // A few candidates with every value any policy reads, next to the seeded ones (which lack the UK and lung inputs).
    for (let i = 0; i < 3; i++) {
      registry.candidates.register(candidateInput({
        localId: `FAIR-${document.id}-${i}`,
        organType: policy.organType,
        centreId: centre.id,
        registeredAt: '2024-06-01T09:00:00Z',
        waitingTimeFrom: '2023-06-01T00:00:00Z',
        birthMonth: `${1950 + 10 * i}-05`,
        abo: 'O',
        hla: { A: ['A2'], B: ['B7', 'B44'], DR: ['DR4', 'DR15'] },
        unacceptableAntigens: [],
        clinical: {
          urgency: policy.urgencyClasses[i % policy.urgencyClasses.length] as string,
          heightCm: 170,
          weightKg: 70,
          dialysisFrom: '2023-06-01T00:00:00Z',
          cpraPercent: [0, 50, 99][i] as number,
          vpraPercent: 10,
          mmpPercent: 40,
          meld: 20 + i,
          eptsPercent: 30,
          ukRecipientRiskQuartile: 1 + i,
          matchabilityScore: 3 + i,
          waitlistSurvivalDays: 300,
          postTransplantSurvivalDays: 1400,
          acceptance: {}
        }
      }), 'clerk.one')
    }
    const donor = registry.donors.registerDeceased(deceasedDonorInput({ localId: `FAIR-D-${document.id}`, hospitalCentreId: centre.id, ageYears: 66, abo: 'O', ukDonorRiskQuartile: 2 }), 'clerk.one')
    const organ = registry.donors.registerOrgan(donor.id, { organType: policy.organType, part: 'whole' }, 'clerk.one')
    const input: MatchRunInput = {
      matchRunId: `M-fairness-${document.id}`,
      donor: registry.donors.getDeceased(donor.id),
      organ: organFor(organ),
      policy,
      snapshot: registry.snapshot(policy.organType, MATCH_TIME),
      matchTime: MATCH_TIME
    }
    const list = runMatch(input)
    const pooled = await pool.runMatch(input, { partitions: 3 })
    t.equal(pooled.outputHash, list.outputHash, `${document.id}: pooled = serial (${list.ranked.length} ranked, ${list.excluded.length} excluded)`)
    runs.push(registry.matchRuns.record({ matchList: list }, 'officer.one'))
  }

  // Later changes: protected attributes re-recorded, a new candidate back-dated to before the runs.
  const seeded = registry.candidates.listAsOf('kidney', MATCH_TIME).slice(0, 5)
  for (const c of seeded) registry.identity.recordProtectedAttributes(c.id, 'candidate', { sex: 'other', raceEthnicity: 'changed', nationality: 'XA', residence: 'XB' }, 'clerk.one')
  const kidneyCentre = registry.centres.list(MATCH_TIME, 'kidney').find((c) => isAuthorised(c, 'kidney', 'transplant', MATCH_TIME))
  registry.candidates.register(candidateInput({ localId: 'FAIR-LATE', centreId: kidneyCentre?.id ?? '', registeredAt: '2024-12-01T00:00:00Z', waitingTimeFrom: '2010-01-01T00:00:00Z', abo: 'O', unacceptableAntigens: [] }), 'clerk.one')

  for (const run of runs) {
    const stored = registry.matchRuns.get(run.id)
    const version = registry.policies.findByHash(stored.policyHash)
    if (version === undefined) { t.fail(`${stored.id}: the policy version is not recorded`); continue }
    const policy = compilePolicy(version.document)
    const organ = registry.donors.getOrgan(stored.organId)
    const replayInput: MatchRunInput = {
      matchRunId: stored.id,
      donor: registry.donors.getDeceased(stored.matchList.donorId),
      organ: organFor(organ),
      policy,
      snapshot: registry.snapshot(organ.organType, stored.runAt, { knownAt: stored.recordedAt }),
      matchTime: stored.runAt
    }
    const replay = runMatch(replayInput)
    t.equal(replay.outputHash, stored.outputHash, `${stored.policyId}: the replay gives the recorded output hash`)
    t.equal((await pool.runMatch(replayInput, { partitions: 2 })).outputHash, stored.outputHash, `${stored.policyId}: so does a pooled replay`)
    const entry = registry.audit.list({ entityType: 'match-run', entityId: stored.id })[0]
    t.equal(entry?.payload.outputHash, stored.outputHash, `${stored.policyId}: the hash the audit log holds`)
    if (organ.organType === 'kidney') {
      // The back-dated registration is in today's view of that instant, so a naive replay differs: the check can fail.
      const today = runMatch({ ...replayInput, snapshot: registry.snapshot(organ.organType, stored.runAt) })
      t.not(today.outputHash, stored.outputHash, `${stored.policyId}: the list as known today differs`)
    }
  }
  t.equal(registry.audit.verify().ok, true, 'the audit chain verifies')
})
