import { randomUUID } from 'node:crypto'
import { requireEnum, requireInteger, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, MissingFieldError, UnknownValueError } from '../../engine/errors.js'
import { matchListJson as listJson, verifyMatchListHash, type MatchList } from '../../engine/match/match-list.js'
import { pinRow } from '../audit/audit-log.js'
import { pseudonymPattern } from '../security/pseudonym.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'
import { optional, requireInstant } from './values.js'

/** A match run as stored: the list exactly as the engine produced it, and the hashes it carries. */
export interface StoredMatchRun {
  readonly id: string
  readonly organId: string
  readonly policyId: string
  readonly policyVersion: string
  readonly policyHash: string
  readonly snapshotHash: string
  /** The list's own outputHash (SHA-256 of its canonical JSON without that field). */
  readonly outputHash: string
  readonly runAt: string
  readonly matchList: MatchList
  readonly recordedAt: string
}

/** Offer responses (OPTN usage): Y accepted, N refused, Z provisional yes, B bypassed. */
export const OFFER_RESPONSES = ['Y', 'N', 'Z', 'B'] as const
export type OfferResponse = typeof OFFER_RESPONSES[number]

export interface OfferResponseInput {
  readonly matchRunId: string
  readonly candidateId: string
  /** The candidate's position on the match list (PTR_SEQUENCE_NUM). */
  readonly sequenceNumber: number
  readonly response: OfferResponse
  /** Required for N and B, absent for Y and Z: an OPTN-style 700-series refusal code. */
  readonly refusalCode?: number | undefined
  /** Staff user id of who gave the response for the centre. */
  readonly respondedBy: string
  readonly respondedAt: string
}

export interface OfferRecord extends OfferResponseInput {
  readonly id: number
  readonly recordedAt: string
}

const HEX_64 = /^[0-9a-f]{64}$/
const MATCH_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/

/** A fresh match-run identity: `M-` and a random UUID (it seeds the tie-break lottery, so it is fixed before the run). */
export function newMatchRunId (): string {
  return `M-${randomUUID()}`
}

interface MatchRunRow {
  id: string
  organ_id: string
  policy_id: string
  policy_version: string
  policy_hash: string
  snapshot_hash: string
  output_hash: string
  match_list_json: string
  run_at: string
  recorded_at: string
}

interface OfferRow {
  id: number
  match_run_id: string
  candidate_id: string
  sequence_number: number
  response: OfferResponse
  refusal_code: number | null
  responded_by: string
  responded_at: string
  recorded_at: string
}

function requireObject (value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) throw new MissingFieldError(field)
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidFieldError(field, 'must be an object')
  return value as Record<string, unknown>
}

/**
 * Match runs and the offers made from them. A match run is stored once, with the policy hash, the
 * snapshot hash, the output hash and the full match list, so a replay can recompute and compare. The
 * row is append-only and pinned by its audit entry (which also carries the output hash), so a later
 * edit is caught by verify().
 */
/** An array field, or the lazy getter buildMatchList puts in its place (checked without calling it). */
function holdsList (list: MatchList, key: 'ranked' | 'excluded'): boolean {
  const field = Object.getOwnPropertyDescriptor(list, key)
  return field !== undefined && (field.get !== undefined || Array.isArray(field.value))
}

export class MatchRunRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  /** Stores a match list produced by the engine (engine/match runMatch), after checking its own hash. */
  record (input: { matchList: MatchList }, actor: string): StoredMatchRun {
    const who = requireActor(actor)
    const list = requireObject(input.matchList, 'matchList') as unknown as MatchList
    const id = requireString(list.matchRunId, 'matchList.matchRunId', MATCH_RUN_ID, 'must be 1-100 letters, digits or . _ : -')
    const policy = requireObject(list.policy, 'matchList.policy') as unknown as MatchList['policy']
    const policyId = requireString(policy.id, 'matchList.policy.id')
    const policyVersion = requireString(policy.version, 'matchList.policy.version')
    const policyHash = requireString(policy.hash, 'matchList.policy.hash', HEX_64, 'must be a SHA-256 in lower-case hex')
    const snapshotHash = requireString(list.snapshotHash, 'matchList.snapshotHash', HEX_64, 'must be a SHA-256 in lower-case hex')
    const outputHash = requireString(list.outputHash, 'matchList.outputHash', HEX_64, 'must be a SHA-256 in lower-case hex')
    const organ = requireObject(list.organ, 'matchList.organ') as unknown as MatchList['organ']
    const organId = requireString(organ.id, 'matchList.organ.id')
    const runAt = requireInstant(list.matchTime, 'matchList.matchTime')
    // A list fresh from buildMatchList holds its entries behind getters that build ~100,000 objects on
    // first read; its hash check and canonical text come from the scored arrays, so read neither first.
    if (!holdsList(list, 'ranked') || !holdsList(list, 'excluded')) throw new InvalidFieldError('matchList', 'must have ranked and excluded lists')
    if (!verifyMatchListHash(list)) throw new InvalidFieldError('matchList.outputHash', 'does not match the list\'s content: the list was changed after the run')
    const matchListJson = listJson(list)
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const donorId = statement(db, 'SELECT donor_id FROM organs WHERE id = ?').pluck().get(organId) as string | undefined
      if (donorId === undefined) throw new UnknownValueError('matchList.organ.id', `names no registered organ (${organId})`)
      if (donorId !== organ.donorId || donorId !== list.donorId) throw new InvalidFieldError('matchList.donorId', `must be the organ's donor (${donorId})`)
      if (statement(db, 'SELECT 1 FROM match_runs WHERE id = ?').get(id) !== undefined) throw new InvalidFieldError('matchList.matchRunId', `is already recorded (${id})`)
      const recordedAt = now()
      statement(db, `INSERT INTO match_runs (id, organ_id, policy_id, policy_version, policy_hash, snapshot_hash, output_hash, match_list_json, run_at, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, organId, policyId, policyVersion, policyHash, snapshotHash, outputHash, matchListJson, runAt, recordedAt)
      audit.append({
        actor: who,
        action: 'match-run.recorded',
        entityType: 'match-run',
        entityId: id,
        payload: {
          organId, policyId, policyVersion, policyHash, snapshotHash, outputHash, runAt,
          ranked: list.ranked.length, excluded: list.excluded.length, rows: [pinRow(db, 'match_runs', id)]
        }
      })
      // The list as given: it is what was hashed and stored (the stored text is its canonical JSON).
      return { id, organId, policyId, policyVersion, policyHash, snapshotHash, outputHash, runAt, matchList: list, recordedAt }
    })
  }

  get (matchRunId: string): StoredMatchRun {
    const row = statement(this.#ctx.db, 'SELECT * FROM match_runs WHERE id = ?').get(requireString(matchRunId, 'matchRunId')) as MatchRunRow | undefined
    if (row === undefined) throw new UnknownValueError('matchRunId', `names no recorded match run (${matchRunId})`)
    return {
      id: row.id,
      organId: row.organ_id,
      policyId: row.policy_id,
      policyVersion: row.policy_version,
      policyHash: row.policy_hash,
      snapshotHash: row.snapshot_hash,
      outputHash: row.output_hash,
      runAt: row.run_at,
      matchList: JSON.parse(row.match_list_json) as MatchList,
      recordedAt: row.recorded_at
    }
  }

  forOrgan (organId: string): StoredMatchRun[] {
    const ids = statement(this.#ctx.db, 'SELECT id FROM match_runs WHERE organ_id = ? ORDER BY run_at, id').pluck().all(requireString(organId, 'organId')) as string[]
    return ids.map((id) => this.get(id))
  }

  recordOfferResponse (input: OfferResponseInput, actor: string): OfferRecord {
    const who = requireActor(actor)
    const run = this.get(input.matchRunId)
    const candidateId = requireString(input.candidateId, 'candidateId', pseudonymPattern('candidate'), 'must be a candidate pseudonym (C-…)')
    const sequenceNumber = requireInteger(input.sequenceNumber, 'sequenceNumber', { min: 1, max: 1_000_000, unit: '' })
    const response = requireEnum(input.response, 'response', OFFER_RESPONSES)
    const refusalCode = optional(input.refusalCode, 'refusalCode', (v, f) => requireInteger(v, f, { min: 700, max: 799, unit: '' }))
    if ((response === 'N' || response === 'B') && refusalCode === undefined) {
      throw new InvalidFieldError('refusalCode', `is required when the response is ${response} (a 700-series refusal code)`)
    }
    if ((response === 'Y' || response === 'Z') && refusalCode !== undefined) {
      throw new InvalidFieldError('refusalCode', `must be absent when the response is ${response}`)
    }
    const respondedBy = requireActor(input.respondedBy)
    const respondedAt = requireInstant(input.respondedAt, 'respondedAt')
    if (respondedAt < run.runAt) throw new InvalidFieldError('respondedAt', `must not be before the match run (${run.runAt})`)
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      if (statement(db, 'SELECT 1 FROM candidates WHERE id = ?').get(candidateId) === undefined) {
        throw new UnknownValueError('candidateId', `names no registered candidate (${candidateId})`)
      }
      const recordedAt = now()
      const id = Number(statement(db, `INSERT INTO offers (match_run_id, candidate_id, sequence_number, response, refusal_code, responded_by, responded_at, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(run.id, candidateId, sequenceNumber, response, refusalCode ?? null, respondedBy, respondedAt, recordedAt).lastInsertRowid)
      audit.append({
        actor: who,
        action: 'offer.response-recorded',
        entityType: 'match-run',
        entityId: run.id,
        payload: { offerId: id, candidateId, sequenceNumber, response, refusalCode, respondedBy, respondedAt, rows: [pinRow(db, 'offers', id)] }
      })
      return { id, matchRunId: run.id, candidateId, sequenceNumber, response, ...(refusalCode === undefined ? {} : { refusalCode }), respondedBy, respondedAt, recordedAt }
    })
  }

  /** Every response recorded for a match run, in sequence order then recording order (a Z may be followed by Y or N). */
  offers (matchRunId: string): OfferRecord[] {
    const rows = statement(this.#ctx.db, 'SELECT * FROM offers WHERE match_run_id = ? ORDER BY sequence_number, id').all(requireString(matchRunId, 'matchRunId')) as OfferRow[]
    return rows.map((row) => ({
      id: row.id,
      matchRunId: row.match_run_id,
      candidateId: row.candidate_id,
      sequenceNumber: row.sequence_number,
      response: row.response,
      ...(row.refusal_code === null ? {} : { refusalCode: row.refusal_code }),
      respondedBy: row.responded_by,
      respondedAt: row.responded_at,
      recordedAt: row.recorded_at
    }))
  }
}
