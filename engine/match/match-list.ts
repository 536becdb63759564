import { canonicalJson, contentHash } from '../canonical-hash.js'
import type { Organ } from '../domain/organ.js'
import { createReasonExplainer, type ExclusionReason, type ExplainedReason, type ReasonExplainer } from './exclusion-reasons.js'
import type { MatchContext } from './match-context.js'
import { componentFields, matchListContent, tieBreakFields, tiedWithNeighbour, writeMatchListContent } from './match-list-text.js'
import type { ScoredWaitlist } from './merge-partitions.js'
import { lotteryKey } from './score-partition.js'
import { sha256Chunks } from './sha256-chunks.js'
import type { WaitlistSnapshot } from './snapshot.js'

export type { ExclusionReason } from './exclusion-reasons.js'

export interface RankedEntry {
  /** 1-based position on the list. */
  readonly rank: number
  readonly candidateId: string
  readonly centreId: string
  readonly tier: { readonly index: number, readonly name: string }
  /** Points per component (weight × rating), by component name. */
  readonly points: Readonly<Record<string, number>>
  readonly totalPoints: number
  readonly distanceNm: number
  /**
   * The declared tie-breakers' values, by name; `lottery` (a hex key) appears only where the
   * candidate was equal to a neighbour on everything else.
   */
  readonly tieBreak: Readonly<Record<string, number | string>>
}

export interface ExcludedEntry {
  readonly candidateId: string
  readonly centreId: string
  readonly reasons: readonly ExclusionReason[]
}

/**
 * The result of a match run: an audit object. `outputHash` is the SHA-256 of the canonical JSON of
 * every other field, which include the policy hash, the snapshot hash and the donor hash, so a replay
 * proves it is identical by comparing one string.
 */
export interface MatchList {
  readonly matchRunId: string
  readonly policy: { readonly id: string, readonly version: string, readonly hash: string }
  readonly snapshotHash: string
  readonly donorId: string
  readonly donorHash: string
  readonly organ: Organ
  readonly matchTime: string
  readonly ranked: readonly RankedEntry[]
  readonly excluded: readonly ExcludedEntry[]
  readonly outputHash: string
}

/**
 * Lists made by buildMatchList whose entry objects have not been read yet: their content is still
 * exactly the text that was hashed (the list and its header objects are frozen), so it can be written
 * again from the scored arrays instead of canonicalising ~200,000 objects.
 */
interface ListSource {
  readonly write: (write: (chunk: string) => void, outputHash: string) => void
  entriesRead: boolean
}
const sources = new WeakMap<MatchList, ListSource>()

/**
 * The canonical JSON of a whole match list, `outputHash` included: what canonicalJson(list) gives.
 * For a list from buildMatchList whose `ranked` and `excluded` were never read it is written from the
 * scored arrays (speed: the canonicalize library takes seconds on a 100,000-candidate list).
 */
export function matchListJson (list: MatchList): string {
  const source = sources.get(list)
  if (source === undefined || source.entriesRead) return canonicalJson(list)
  const chunks: string[] = []
  source.write((chunk) => { chunks.push(chunk) }, list.outputHash)
  return chunks.join('')
}

/** The hash a match list must carry: over every field except `outputHash` itself. */
export function matchListHash (list: Omit<MatchList, 'outputHash'> & { outputHash?: string }): string {
  const { outputHash: _ignored, ...content } = list
  return contentHash(content)
}

/**
 * True when the list's outputHash matches its content. A list from buildMatchList whose entries were
 * never read holds, by construction, the content its hash was computed from.
 */
export function verifyMatchListHash (list: MatchList): boolean {
  const source = sources.get(list)
  if (source !== undefined && !source.entriesRead) return true
  return matchListHash(list) === list.outputHash
}

function rankedEntries (context: MatchContext, snapshot: WaitlistSnapshot, scored: ScoredWaitlist): RankedEntry[] {
  const { tables, columns: col } = snapshot
  const { policy } = context
  const componentCount = policy.components.length
  const tieBreakerCount = policy.tieBreakers.length
  const components = componentFields(context)
  const tieBreaks = tieBreakFields(context)
  const order = scored.order
  const ranked: RankedEntry[] = []
  for (let position = 0; position < order.length; position++) {
    const i = order[position] as number
    const t = scored.tier[i] as number
    const points: Record<string, number> = {}
    for (const { name, index } of components) points[name] = scored.points[i * componentCount + index] as number
    let tied: boolean | undefined
    const tieBreak: Record<string, number | string> = {}
    for (const { name, index, lottery } of tieBreaks) {
      if (lottery && (tied ??= tiedWithNeighbour(context, scored, position))) tieBreak[name] = lotteryKey(context, snapshot, i).slice(0, 16)
      else if (index >= 0) tieBreak[name] = scored.tieBreaks[i * tieBreakerCount + index] as number
    }
    const centreIndex = col.centre[i] as number
    ranked.push({
      candidateId: tables.candidateIds[i] as string,
      centreId: (tables.centres[centreIndex] as { id: string }).id,
      distanceNm: context.centreDistanceNm[centreIndex] as number,
      points,
      rank: position + 1,
      tieBreak,
      tier: { index: t, name: (policy.tiers[t] as { name: string }).name },
      totalPoints: scored.total[i] as number
    })
  }
  return ranked
}

function excludedEntries (snapshot: WaitlistSnapshot, scored: ScoredWaitlist, explain: ReasonExplainer): ExcludedEntry[] {
  const { tables, columns: col } = snapshot
  const excluded: ExcludedEntry[] = []
  const reasons: ExplainedReason[] = []
  for (const i of scored.excluded) {
    reasons.length = 0
    explain(i, reasons)
    excluded.push({
      candidateId: tables.candidateIds[i] as string,
      centreId: (tables.centres[col.centre[i] as number] as { id: string }).id,
      reasons: reasons.map((r) => r.reason)
    })
  }
  return excluded
}

/**
 * Builds the match list from a scored waiting list. The output hash is computed from the list's
 * canonical JSON written straight from the scored arrays (match-list-text.ts), and the `ranked` and
 * `excluded` entry objects are built on first read, once (speed: a 100,000-candidate list is about
 * 200,000 objects, which a caller that only needs the hash, the counts or the top of the list never
 * pays for). Reading either gives the objects the hash was computed over: every object is built with
 * its keys in RFC 8785 order (sorted by UTF-16 code units; no key is an array index), so
 * JSON.stringify of the content equals its canonical JSON, and equals the text that was hashed.
 * Tests check both equalities on every golden list and every built-in policy.
 */
export function buildMatchList (context: MatchContext, snapshot: WaitlistSnapshot, scored: ScoredWaitlist): MatchList {
  const explain = createReasonExplainer(context, snapshot, scored)
  const outputHash = sha256Chunks((write) => { writeMatchListContent(context, snapshot, scored, explain, write) })
  let ranked: RankedEntry[] | undefined
  let excluded: ExcludedEntry[] | undefined
  const source: ListSource = {
    write: (write, hash) => { writeMatchListContent(context, snapshot, scored, explain, write, hash) },
    entriesRead: false
  }
  const content = matchListContent(context, undefined, undefined)
  const list: MatchList = Object.freeze({
    donorHash: content.donorHash,
    donorId: content.donorId,
    get excluded (): readonly ExcludedEntry[] {
      source.entriesRead = true
      return (excluded ??= excludedEntries(snapshot, scored, explain))
    },
    matchRunId: content.matchRunId,
    matchTime: content.matchTime,
    organ: Object.freeze(content.organ),
    policy: Object.freeze(content.policy),
    get ranked (): readonly RankedEntry[] {
      source.entriesRead = true
      return (ranked ??= rankedEntries(context, snapshot, scored))
    },
    snapshotHash: content.snapshotHash,
    outputHash
  })
  sources.set(list, source)
  return list
}
