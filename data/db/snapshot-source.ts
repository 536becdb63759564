import { contentHash } from '../../engine/canonical-hash.js'
import type { Candidate } from '../../engine/domain/candidate.js'
import type { Centre } from '../../engine/domain/centre.js'
import { requireEnum } from '../../engine/domain/input.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import { UnknownValueError } from '../../engine/errors.js'
import {
  assembleWaitlistSnapshot, buildWaitlistSnapshot, checkSnapshotCandidate, checkSnapshotCentres, parseInstant, retimeSnapshotCandidate,
  type CheckedCandidate, type WaitlistSnapshot
} from '../../engine/match/snapshot.js'
import { candidateFromRow, type CandidateAsOfRow, type CandidateRepository } from './candidate-repository.js'
import type { CentreRepository } from './centre-repository.js'
import type { RegistryDatabase } from './connection.js'
import { statement } from './context.js'
import { ageYearsFromBirthMonth, optional, requireInstant } from './values.js'

/** Statuses of candidates who are on the list: inactive ones are kept so a match list can say why they were passed over. */
const ON_LIST: ReadonlySet<Candidate['status']> = new Set(['active', 'inactive'])

/** What the registry hands the engine's snapshot builder for one organ at one instant. */
export interface WaitlistSource {
  readonly organType: OrganType
  readonly at: string
  /** On the list at `at` (active or inactive), ordered by pseudonym; no direct identifiers, no protected attributes. */
  readonly candidates: readonly Candidate[]
  /** Every centre, with its authorisations for this organ type as they stood at `at`, ordered by id. */
  readonly centres: readonly Centre[]
  /** SHA-256 of the canonical JSON of the fields above: the same registry state at the same instant gives the same hash. */
  readonly sourceHash: string
}

export interface WaitlistQuery {
  readonly organType: OrganType
  /** The instant the list describes. */
  readonly at: string
  /** Only what was recorded by this instant counts (for replaying a past match run); default: everything. */
  readonly knownAt?: string | undefined
}

/**
 * Reads the waiting list for one organ as it stood at instant `at`: registrations made by then, with
 * the status, clinical values and unacceptable antigens in force at `at`, and waiting days, dialysis
 * days and age computed at `at`. Candidates removed, transplanted or deceased by then are left out.
 */
export function loadWaitlistSource (repositories: { candidates: CandidateRepository, centres: CentreRepository }, input: WaitlistQuery): WaitlistSource {
  const organType = requireEnum(input.organType, 'organType', ORGAN_TYPES)
  const at = requireInstant(input.at, 'at')
  const candidates = repositories.candidates.listAsOf(organType, at, input.knownAt).filter((candidate) => ON_LIST.has(candidate.status))
  const centres = repositories.centres.list(at, organType, input.knownAt)
  // Hashing every candidate's canonical JSON costs about as much as building the snapshot, and the
  // snapshot path never reads this hash: it is computed when first read.
  let sourceHash: string | undefined
  return {
    organType,
    at,
    candidates,
    centres,
    get sourceHash () { return (sourceHash ??= contentHash({ organType, at, candidates, centres })) }
  }
}

/**
 * The columnar snapshot a match run scores, built from the registry as it stood at `at` (typed
 * arrays; no direct identifiers, no protected attributes), with the source it was built from.
 */
export function buildRegistrySnapshot (repositories: { candidates: CandidateRepository, centres: CentreRepository }, input: WaitlistQuery): { snapshot: WaitlistSnapshot, source: WaitlistSource } {
  const source = loadWaitlistSource(repositories, input)
  const snapshot = buildWaitlistSnapshot({ organType: source.organType, at: source.at, candidates: source.candidates, centres: source.centres })
  return { snapshot, source }
}

// The match-run read path. Four statements, each one pass over indexes (migration 6), instead of three
// correlated sub-selects per candidate and a sort; rows come back as arrays (`raw`), and the history
// rows are streamed (`iterate`). Every row of the organ is read, also those not yet in force at `at`,
// so the read knows when the list next changes (see CachedWaitlist).

type CandidateTuple = [id: string, centreId: string, registeredAt: string, waitingTimeFrom: string, birthMonth: string, abo: string,
  hlaJson: string, priorLivingDonor: number, diagnosisGroup: string, eligibleForA2Kidney: number, recordedAt: string]
type HistoryHead = [candidateId: string, effectiveAt: string, recordedAt: string, rowId: number]
type StatusTuple = [...HistoryHead, status: string]
type AntigensTuple = [...HistoryHead, antigensJson: string]
type ClinicalTuple = [...HistoryHead, urgency: string, heightCm: number, weightKg: number, dialysisFrom: string | null, cpraPercent: number,
  vpraPercent: number, mmpPercent: number, meld: number | null, peld: number | null, eptsPercent: number | null,
  ukRecipientRiskQuartile: number | null, matchabilityScore: number | null, waitlistSurvivalDays: number | null,
  postTransplantSurvivalDays: number | null, acceptanceJson: string]

const CANDIDATES_SQL = `SELECT id, centre_id, registered_at, waiting_time_from, birth_month, abo, hla_json, prior_living_donor,
  diagnosis_group, eligible_for_a2_kidney, recorded_at
FROM candidates WHERE organ_type = ? ORDER BY id`

/**
 * Every history row of one organ's candidates. In no particular order: the row in force is the one with
 * the latest (effective_at, id), chosen while reading, so SQLite need not sort.
 */
function historySql (table: string, columns: string): string {
  return `SELECT h.candidate_id, h.effective_at, h.recorded_at, h.id, ${columns}
FROM candidates c JOIN ${table} h ON h.candidate_id = c.id
WHERE c.organ_type = ?`
}

export const MATCH_READ_SQL = {
  candidates: CANDIDATES_SQL,
  status: historySql('candidate_status_history', 'h.status'),
  antigens: historySql('candidate_unacceptable_antigens', 'h.antigens_json'),
  clinical: historySql('candidate_clinical_values', `h.urgency, h.height_cm, h.weight_kg, h.dialysis_from, h.cpra_percent, h.vpra_percent,
  h.mmp_percent, h.meld, h.peld, h.epts_percent, h.uk_recipient_risk_quartile, h.matchability_score, h.waitlist_survival_days,
  h.post_transplant_survival_days, h.acceptance_json`),
  /** The tables are append-only (triggers refuse UPDATE and DELETE), so their highest row ids name a committed state. */
  version: `SELECT coalesce((SELECT max(rowid) FROM candidates), 0) || '/' || coalesce((SELECT max(id) FROM candidate_status_history), 0) || '/' ||
  coalesce((SELECT max(id) FROM candidate_clinical_values), 0) || '/' || coalesce((SELECT max(id) FROM candidate_unacceptable_antigens), 0)`
} as const

/**
 * The checked candidates of one organ's list, kept between match runs. Valid for another instant
 * `at2` when (a) no candidate row was added since (`version`), (b) every row was known at both reads
 * (knownAt absent or not before `maxRecordedAt`), and (c) no registration or history row takes effect
 * between the two instants (`lastChangeAt` ≤ at2 < `nextChangeAt`): then the same rows are in force,
 * and only waiting days, dialysis days and ages move, which are recomputed.
 */
interface CachedWaitlist {
  readonly version: string
  readonly maxRecordedAt: string
  readonly lastChangeAt: string
  readonly nextChangeAt: string | undefined
  readonly candidates: readonly CheckedCandidate[]
  /** Per candidate, what the time-dependent values are computed from (instants already parsed). */
  readonly timing: ReadonlyArray<{ readonly waitingFromMs: number, readonly dialysisFromMs: number | undefined, readonly birthMonth: string }>
}

const MS_PER_DAY = 86_400_000

/** `wholeDaysBetween` (values.ts) with both instants already parsed: whole days, never negative. */
function wholeDaysFromMs (fromMs: number, toMs: number): number {
  return Math.max(0, Math.floor((toMs - fromMs) / MS_PER_DAY))
}

const caches = new WeakMap<RegistryDatabase, Map<OrganType, CachedWaitlist>>()

/** Tracks the instants at which an organ's list changes, around `at`. */
class ChangeWindow {
  last = ''
  next: string | undefined = undefined
  maxRecordedAt = ''
  constructor (readonly at: string) {}
  see (effectiveAt: string, recordedAt: string): void {
    if (recordedAt > this.maxRecordedAt) this.maxRecordedAt = recordedAt
    if (effectiveAt <= this.at) {
      if (effectiveAt > this.last) this.last = effectiveAt
    } else if (this.next === undefined || effectiveAt < this.next) {
      this.next = effectiveAt
    }
  }
}

/**
 * Reads one history table and keeps, per candidate index, the row in force at `at` as the registry knew
 * it at `knownAt`: the latest effective_at at or before `at`, ties going to the later recording (higher id).
 */
function pickInForce<T extends [...HistoryHead, ...unknown[]]> (db: RegistryDatabase, sql: string, organType: OrganType, index: ReadonlyMap<string, number>,
  picked: Array<T | undefined>, at: string, knownAt: string | undefined, window: ChangeWindow): void {
  for (const row of statement(db, sql).raw(true).iterate(organType) as IterableIterator<T>) {
    const [candidateId, effectiveAt, recordedAt, rowId] = row
    window.see(effectiveAt, recordedAt)
    if (effectiveAt > at || (knownAt !== undefined && recordedAt > knownAt)) continue
    const i = index.get(candidateId) as number
    const held = picked[i]
    if (held === undefined || effectiveAt > held[1] || (effectiveAt === held[1] && rowId > held[3])) picked[i] = row
  }
}

function readWaitlist (db: RegistryDatabase, organType: OrganType, at: string, atMs: number, knownAt: string | undefined, centreIds: ReadonlySet<string>, version: string): CachedWaitlist {
  const rows = statement(db, MATCH_READ_SQL.candidates).raw(true).all(organType) as CandidateTuple[]
  const index = new Map<string, number>()
  const window = new ChangeWindow(at)
  rows.forEach((row, i) => {
    index.set(row[0], i)
    window.see(row[2], row[10])
  })
  const status: Array<StatusTuple | undefined> = new Array(rows.length)
  const clinical: Array<ClinicalTuple | undefined> = new Array(rows.length)
  const antigens: Array<AntigensTuple | undefined> = new Array(rows.length)
  pickInForce<StatusTuple>(db, MATCH_READ_SQL.status, organType, index, status, at, knownAt, window)
  pickInForce<ClinicalTuple>(db, MATCH_READ_SQL.clinical, organType, index, clinical, at, knownAt, window)
  pickInForce<AntigensTuple>(db, MATCH_READ_SQL.antigens, organType, index, antigens, at, knownAt, window)

  const candidates: CheckedCandidate[] = []
  const timing: Array<CachedWaitlist['timing'][number]> = []
  rows.forEach((c, i) => {
    const s = status[i]
    const v = clinical[i]
    // As the as-of query: registered and known by then, with clinical values in force, and on the list.
    if (c[2] > at || (knownAt !== undefined && c[10] > knownAt) || v === undefined || s === undefined || !ON_LIST.has(s[4] as Candidate['status'])) return
    const row: CandidateAsOfRow = {
      id: c[0],
      organ_type: organType,
      centre_id: c[1],
      registered_at: c[2],
      waiting_time_from: c[3],
      birth_month: c[4],
      abo: c[5] as CandidateAsOfRow['abo'],
      hla_json: c[6],
      prior_living_donor: c[7],
      diagnosis_group: c[8],
      eligible_for_a2_kidney: c[9],
      status: s[4] as CandidateAsOfRow['status'],
      // A missing antigen row reads as JSON null, which the snapshot refuses, as it does on the as-of path.
      antigens_json: antigens[i]?.[4] ?? 'null',
      urgency: v[4],
      height_cm: v[5],
      weight_kg: v[6],
      dialysis_from: v[7],
      cpra_percent: v[8],
      vpra_percent: v[9],
      mmp_percent: v[10],
      meld: v[11],
      peld: v[12],
      epts_percent: v[13],
      uk_recipient_risk_quartile: v[14],
      matchability_score: v[15],
      waitlist_survival_days: v[16],
      post_transplant_survival_days: v[17],
      acceptance_json: v[18]
    }
    candidates.push(checkSnapshotCandidate(candidateFromRow(row, at), candidates.length, organType, atMs, centreIds))
    timing.push({ waitingFromMs: Date.parse(c[3]), dialysisFromMs: v[7] === null ? undefined : Date.parse(v[7]), birthMonth: c[4] })
  })
  return { version, maxRecordedAt: window.maxRecordedAt, lastChangeAt: window.last, nextChangeAt: window.next, candidates, timing }
}

function reusable (cached: CachedWaitlist | undefined, version: string, at: string, knownAt: string | undefined): cached is CachedWaitlist {
  return cached !== undefined && cached.version === version &&
    (knownAt === undefined || knownAt >= cached.maxRecordedAt) &&
    cached.lastChangeAt <= at && (cached.nextChangeAt === undefined || at < cached.nextChangeAt)
}

export interface RegistrySnapshotRead {
  readonly snapshot: WaitlistSnapshot
  /** True when the checked candidates of an earlier read were reused (nothing changed in between but the clock). */
  readonly reused: boolean
}

/**
 * The snapshot a match run scores, read the fast way: the same bytes and hash as
 * `buildRegistrySnapshot` (and so `registry.snapshot`) for the same query, from four ordered passes
 * over the candidate tables, without building Candidate objects twice. The checked candidates of the
 * latest read of each organ are kept, and a later read reuses them only when the registry holds no
 * new candidate row and no registration or history row takes effect between the two instants (waiting
 * days, dialysis days and ages are then recomputed for the new instant). Centres are read every time
 * (a suspension can be lifted in place). A read inside a caller's transaction is never kept: it could
 * be rolled back.
 */
export function readRegistrySnapshot (registry: { db: RegistryDatabase, centres: CentreRepository }, input: WaitlistQuery): RegistrySnapshotRead {
  const organType = requireEnum(input.organType, 'organType', ORGAN_TYPES)
  const at = requireInstant(input.at, 'at')
  const knownAt = optional(input.knownAt, 'knownAt', requireInstant)
  const { db } = registry
  const keep = !db.inTransaction
  const read = (): RegistrySnapshotRead => {
    const instant = parseInstant(at, 'at')
    const centres = checkSnapshotCentres(registry.centres.list(at, organType, knownAt))
    const centreIds = new Set(centres.map((c) => c.id))
    const version = statement(db, MATCH_READ_SQL.version).pluck().get() as string
    let cache = caches.get(db)
    if (cache === undefined) caches.set(db, cache = new Map())
    const cached = cache.get(organType)
    if (reusable(cached, version, at, knownAt)) {
      // Ages depend only on the birth month: a few hundred distinct ones, each computed once.
      const ages = new Map<string, number>()
      const ageAt = (birthMonth: string): number => {
        let age = ages.get(birthMonth)
        if (age === undefined) ages.set(birthMonth, age = ageYearsFromBirthMonth(birthMonth, at))
        return age
      }
      const candidates = cached.candidates.map((row, i) => {
        if (!centreIds.has(row.centreId)) throw new UnknownValueError(`candidates[${i}].centreId`, `must name one of the centres given (got "${row.centreId}")`)
        const t = cached.timing[i] as CachedWaitlist['timing'][number]
        return retimeSnapshotCandidate(row, i, instant.ms, {
          waitingDays: wholeDaysFromMs(t.waitingFromMs, instant.ms),
          dialysisDays: t.dialysisFromMs === undefined ? 0 : wholeDaysFromMs(t.dialysisFromMs, instant.ms),
          ageYears: ageAt(t.birthMonth)
        })
      })
      return { snapshot: assembleWaitlistSnapshot({ organType, at: instant.iso, centres, candidates }), reused: true }
    }
    const fresh = readWaitlist(db, organType, at, instant.ms, knownAt, centreIds, version)
    const snapshot = assembleWaitlistSnapshot({ organType, at: instant.iso, centres, candidates: fresh.candidates })
    // Kept only when it saw every row (a replay's view of the past is not the current list) and cannot be rolled back.
    if (keep && (knownAt === undefined || knownAt >= fresh.maxRecordedAt)) cache.set(organType, fresh)
    return { snapshot, reused: false }
  }
  // One read transaction: the version and the four passes see the same committed state.
  return keep ? db.transaction(read).deferred() : read()
}

/** Forgets the kept candidates of a registry (tests; a server never needs it, reads check the version). */
export function forgetRegistrySnapshots (db: RegistryDatabase): void {
  caches.delete(db)
}
