import type { MatchContext } from './match-context.js'
import type { ExplainedReason, ReasonExplainer } from './exclusion-reasons.js'
import type { ScoredWaitlist } from './merge-partitions.js'
import { compareWithoutLottery, lotteryKey } from './score-partition.js'
import type { WaitlistSnapshot } from './snapshot.js'

/**
 * The text of a match list's content (every field but `outputHash`), written straight from the
 * scored arrays: exactly the bytes `JSON.stringify` gives for the objects `buildMatchList` returns,
 * which are also their RFC 8785 canonical JSON (keys in code-unit order, numbers as ECMAScript
 * Number.prototype.toString, strings escaped by JSON.stringify itself). Speed: a 100,000-candidate
 * list is 27 MB of JSON; writing it from cached pieces avoids building ~200,000 objects only to
 * serialise them. `test/match-list-text.test.ts` checks the identity on every built-in policy.
 */

/** Chunks of about this many UTF-16 code units are handed to `write` (hashing ropes of this size is fast). */
const CHUNK_LENGTH = 1 << 16

/** JSON.stringify of a number: non-finite values become null. */
function jsonNumber (value: number): string {
  return value - value === 0 ? String(value) : 'null'
}

/** Sorts names by UTF-16 code units, as RFC 8785 orders keys. */
export function byCodeUnits (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Keys in the order a JavaScript object assigned them in `names` order would list them (what JSON.stringify follows). */
function propertyOrder (names: readonly string[]): string[] {
  const probe: Record<string, true> = {}
  for (const name of names) probe[name] = true
  return Object.keys(probe)
}

/** A component or tie-breaker key in output order: its `"name":` prefix and its column (the last of that name; -1: none). */
export interface Field { readonly name: string, readonly prefix: string, readonly index: number, readonly lottery: boolean }

/** The components of a ranked entry's `points`, in output order. */
export function componentFields (context: MatchContext): Field[] {
  const declared = context.policy.components.map((c, index) => ({ name: c.name, index })).sort((a, b) => byCodeUnits(a.name, b.name))
  return propertyOrder(declared.map((c) => c.name)).map((name) => ({
    name,
    prefix: `${JSON.stringify(name)}:`,
    index: declared.filter((c) => c.name === name).at(-1)?.index ?? -1,
    lottery: false
  }))
}

/**
 * The keys of a ranked entry's `tieBreak`, in output order: the declared tie-breakers and `lottery`,
 * which is written only for a candidate equal to a neighbour on everything else (and then replaces a
 * declared tie-breaker of that name, as assigning it last would).
 */
export function tieBreakFields (context: MatchContext): Field[] {
  const declared = [...context.policy.tieBreakers.map((t, index) => ({ name: t.name, index })), { name: 'lottery', index: -1 }].sort((a, b) => byCodeUnits(a.name, b.name))
  return propertyOrder(declared.map((t) => t.name)).map((name) => ({
    name,
    prefix: `${JSON.stringify(name)}:`,
    index: declared.filter((t) => t.name === name && t.index >= 0).at(-1)?.index ?? -1,
    lottery: name === 'lottery'
  }))
}

/** True when the candidate at `position` of the order ties a neighbour on tier, points and every declared tie-breaker. */
export function tiedWithNeighbour (context: MatchContext, scored: ScoredWaitlist, position: number): boolean {
  const order = scored.order
  const i = order[position] as number
  const previous = order[position - 1]
  const next = order[position + 1]
  return (previous !== undefined && compareWithoutLottery(context, scored, previous, i) === 0) ||
    (next !== undefined && compareWithoutLottery(context, scored, i, next) === 0)
}

/** The fields of a match list's content, keys in RFC 8785 order, with the two lists given. */
export function matchListContent<E, R> (context: MatchContext, excluded: E, ranked: R): {
  donorHash: string, donorId: string, excluded: E, matchRunId: string, matchTime: string,
  organ: MatchContext['organ'], policy: { hash: string, id: string, version: string }, ranked: R, snapshotHash: string
} {
  const { organ, policy } = context
  return {
    donorHash: context.donorHash,
    donorId: context.donor.id,
    excluded,
    matchRunId: context.matchRunId,
    matchTime: context.matchTime,
    organ: { donorId: organ.donorId, id: organ.id, organType: organ.organType, part: organ.part },
    policy: { hash: policy.hash, id: policy.id, version: policy.version },
    ranked,
    snapshotHash: context.snapshotHash
  }
}

/**
 * Writes the canonical JSON of the content (matchListContent) in chunks, in order, to `write`; with
 * `outputHash`, the canonical JSON of the whole list (the hash sorts between organ and policy).
 */
export function writeMatchListContent (context: MatchContext, snapshot: WaitlistSnapshot, scored: ScoredWaitlist, explain: ReasonExplainer,
  write: (chunk: string) => void, outputHash?: string): void {
  const { tables, columns: col } = snapshot
  const { policy } = context
  // The fields around the two lists, by JSON.stringify itself (a field it would omit stays omitted);
  // `"excluded":[]` and `"ranked":[]` cannot occur inside a string value, whose quotes are escaped.
  const c = matchListContent(context, [], [])
  const frame = JSON.stringify(outputHash === undefined
    ? c
    : { donorHash: c.donorHash, donorId: c.donorId, excluded: c.excluded, matchRunId: c.matchRunId, matchTime: c.matchTime, organ: c.organ, outputHash, policy: c.policy, ranked: c.ranked, snapshotHash: c.snapshotHash })
  const excludedAt = frame.indexOf('"excluded":[]') + '"excluded":['.length
  const rankedAt = frame.indexOf('"ranked":[]') + '"ranked":['.length

  let buffer = frame.slice(0, excludedAt)
  const flushIfLong = (): void => {
    if (buffer.length >= CHUNK_LENGTH) {
      write(buffer)
      buffer = ''
    }
  }

  const centreIds = tables.centres.map((c) => JSON.stringify(c.id))
  const reasons: ExplainedReason[] = []
  const excluded = scored.excluded
  for (let e = 0; e < excluded.length; e++) {
    const i = excluded[e] as number
    reasons.length = 0
    explain(i, reasons)
    let text = (e === 0 ? '{"candidateId":' : ',{"candidateId":') + JSON.stringify(tables.candidateIds[i]) + ',"centreId":' + (centreIds[col.centre[i] as number] as string) + ',"reasons":['
    for (let r = 0; r < reasons.length; r++) text += (r === 0 ? '' : ',') + (reasons[r] as ExplainedReason).json
    buffer += text + ']}'
    flushIfLong()
  }
  buffer += frame.slice(excludedAt, rankedAt)

  const componentCount = policy.components.length
  const tieBreakerCount = policy.tieBreakers.length
  const components = componentFields(context)
  const tieBreaks = tieBreakFields(context)
  const distances = Array.from(context.centreDistanceNm, jsonNumber)
  const tiers = policy.tiers.map((t, index) => JSON.stringify({ index, name: t.name }))
  const order = scored.order
  for (let position = 0; position < order.length; position++) {
    const i = order[position] as number
    const centre = col.centre[i] as number
    let text = (position === 0 ? '{"candidateId":' : ',{"candidateId":') + JSON.stringify(tables.candidateIds[i]) + ',"centreId":' + (centreIds[centre] as string) +
      ',"distanceNm":' + (distances[centre] as string) + ',"points":{'
    const pointBase = i * componentCount
    for (let c = 0; c < components.length; c++) {
      const field = components[c] as Field
      text += (c === 0 ? '' : ',') + field.prefix + jsonNumber(scored.points[pointBase + field.index] as number)
    }
    text += '},"rank":' + String(position + 1) + ',"tieBreak":{'
    const tieBase = i * tieBreakerCount
    let tied: boolean | undefined
    let first = true
    for (let k = 0; k < tieBreaks.length; k++) {
      const field = tieBreaks[k] as Field
      let value: string
      if (field.lottery && (tied ??= tiedWithNeighbour(context, scored, position))) value = JSON.stringify(lotteryKey(context, snapshot, i).slice(0, 16))
      else if (field.index >= 0) value = jsonNumber(scored.tieBreaks[tieBase + field.index] as number)
      else continue
      text += (first ? '' : ',') + field.prefix + value
      first = false
    }
    buffer += text + '},"tier":' + (tiers[scored.tier[i] as number] as string) + ',"totalPoints":' + jsonNumber(scored.total[i] as number) + '}'
    flushIfLong()
  }
  write(buffer + frame.slice(rankedAt))
}
