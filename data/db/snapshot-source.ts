import { contentHash } from '../../engine/canonical-hash.js'
import type { Candidate } from '../../engine/domain/candidate.js'
import type { Centre } from '../../engine/domain/centre.js'
import { requireEnum } from '../../engine/domain/input.js'
import { ORGAN_TYPES, type OrganType } from '../../engine/domain/organ.js'
import { buildWaitlistSnapshot, type WaitlistSnapshot } from '../../engine/match/snapshot.js'
import type { CandidateRepository } from './candidate-repository.js'
import type { CentreRepository } from './centre-repository.js'
import { requireInstant } from './values.js'

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
  return { organType, at, candidates, centres, sourceHash: contentHash({ organType, at, candidates, centres }) }
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
