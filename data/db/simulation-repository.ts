import { canonicalJson } from '../../engine/canonical-hash.js'
import { requireInteger, requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'

export const SIMULATION_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const
export type SimulationStatus = typeof SIMULATION_STATUSES[number]

export interface SimulationJobSummary {
  readonly id: string
  readonly status: SimulationStatus
  /** The request as accepted (policy references, scenario, years, replications, seed) and what it resolved to. */
  readonly request: unknown
  readonly requestedBy: string
  readonly createdAt: string
  readonly startedAt?: string
  readonly finishedAt?: string
  readonly progress: { readonly done: number, readonly total: number }
  readonly resultsHash?: string
  readonly error?: string
}

export interface SimulationJobRecord extends SimulationJobSummary {
  /** The results document (the CLI's simulation-results.json), once succeeded. */
  readonly results?: unknown
}

interface Row {
  id: string
  status: SimulationStatus
  request_json: string
  requested_by: string
  created_at: string
  started_at: string | null
  finished_at: string | null
  progress_done: number
  progress_total: number
  results_json?: string | null
  results_hash: string | null
  error: string | null
}

const SUMMARY_COLUMNS = 'id, status, request_json, requested_by, created_at, started_at, finished_at, progress_done, progress_total, results_hash, error'
const JOB_ID = /^S-[A-Za-z0-9-]{1,64}$/

function fromRow (row: Row): SimulationJobRecord {
  return {
    id: row.id,
    status: row.status,
    request: JSON.parse(row.request_json) as unknown,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    ...(row.started_at === null ? {} : { startedAt: row.started_at }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    progress: { done: row.progress_done, total: row.progress_total },
    ...(row.results_hash === null ? {} : { resultsHash: row.results_hash }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.results_json === undefined || row.results_json === null ? {} : { results: JSON.parse(row.results_json) as unknown })
  }
}

/**
 * Policy simulation jobs: queued → running → succeeded or failed. Starting one appends a
 * `simulation.started` audit entry with the request; finishing appends `simulation.finished` with
 * the results hash (or `simulation.failed` with the error), so the audit log ties every published
 * simulation figure to the request that produced it.
 */
export class SimulationRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  create (input: { id: string, request: Record<string, unknown>, total: number }, actor: string): SimulationJobRecord {
    const who = requireActor(actor)
    const id = requireString(input.id, 'id', JOB_ID, 'must be S- followed by 1-64 letters, digits or -')
    const total = requireInteger(input.total, 'total', { min: 1, max: 1_000_000, unit: 'replications' })
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const createdAt = now()
      statement(db, 'INSERT INTO simulation_jobs (id, status, request_json, requested_by, created_at, progress_total) VALUES (?, \'queued\', ?, ?, ?, ?)')
        .run(id, canonicalJson(input.request), who, createdAt, total)
      audit.append({ actor: who, action: 'simulation.started', entityType: 'simulation', entityId: id, payload: { request: input.request } })
      return this.get(id)
    })
  }

  get (id: string): SimulationJobRecord {
    const row = statement(this.#ctx.db, 'SELECT * FROM simulation_jobs WHERE id = ?').get(requireString(id, 'id')) as Row | undefined
    if (row === undefined) throw new UnknownValueError('id', `names no simulation (${id})`)
    return fromRow(row)
  }

  exists (id: string): boolean {
    return statement(this.#ctx.db, 'SELECT 1 FROM simulation_jobs WHERE id = ?').pluck().get(id) !== undefined
  }

  /** Newest first, without results. */
  list (options: { offset?: number, limit?: number } = {}): { jobs: SimulationJobSummary[], total: number } {
    const offset = requireInteger(options.offset ?? 0, 'offset', { min: 0, max: 2 ** 31 - 1, unit: '' })
    const limit = requireInteger(options.limit ?? 50, 'limit', { min: 1, max: 1000, unit: '' })
    const db = this.#ctx.db
    const rows = statement(db, `SELECT ${SUMMARY_COLUMNS} FROM simulation_jobs ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`).all(limit, offset) as Row[]
    const total = statement(db, 'SELECT count(*) FROM simulation_jobs').pluck().get() as number
    return { jobs: rows.map(fromRow), total }
  }

  markRunning (id: string): void {
    this.#transition(id, 'queued', 'UPDATE simulation_jobs SET status = \'running\', started_at = ? WHERE id = ? AND status = \'queued\'', [this.#ctx.now(), id])
  }

  recordProgress (id: string, done: number): void {
    const value = requireInteger(done, 'done', { min: 0, max: 1_000_000, unit: 'replications' })
    this.#transition(id, 'running', 'UPDATE simulation_jobs SET progress_done = ? WHERE id = ? AND status = \'running\' AND ? <= progress_total', [value, id, value])
  }

  succeed (id: string, results: { readonly resultsHash: string }, actor: string): void {
    const who = requireActor(actor)
    const hash = requireString(results.resultsHash, 'resultsHash', /^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest')
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      this.#transition(id, 'running', 'UPDATE simulation_jobs SET status = \'succeeded\', finished_at = ?, results_json = ?, results_hash = ?, progress_done = progress_total WHERE id = ? AND status = \'running\'',
        [now(), canonicalJson(results), hash, id])
      audit.append({ actor: who, action: 'simulation.finished', entityType: 'simulation', entityId: id, payload: { status: 'succeeded', resultsHash: hash } })
    })
  }

  fail (id: string, error: string, actor: string): void {
    const who = requireActor(actor)
    const message = requireString(error, 'error')
    const { db, audit, now } = this.#ctx
    writeTransaction(db, () => {
      this.#transition(id, 'queued or running', 'UPDATE simulation_jobs SET status = \'failed\', finished_at = ?, error = ? WHERE id = ? AND status IN (\'queued\', \'running\')', [now(), message, id])
      audit.append({ actor: who, action: 'simulation.failed', entityType: 'simulation', entityId: id, payload: { status: 'failed', error: message } })
    })
  }

  /** Jobs in a state no process is working on (after a restart): each is failed with the message for its state. */
  failUnfinished (messages: Readonly<Record<'queued' | 'running', string>>, actor: string): string[] {
    const { db } = this.#ctx
    return writeTransaction(db, () => {
      const rows = statement(db, 'SELECT id, status FROM simulation_jobs WHERE status IN (\'queued\', \'running\') ORDER BY created_at, rowid').all() as Array<{ id: string, status: 'queued' | 'running' }>
      for (const row of rows) this.fail(row.id, messages[row.status], actor)
      return rows.map((row) => row.id)
    })
  }

  #transition (id: string, from: string, sql: string, values: unknown[]): void {
    const changed = statement(this.#ctx.db, sql).run(...values).changes
    if (changed === 0) {
      if (!this.exists(id)) throw new UnknownValueError('id', `names no simulation (${id})`)
      throw new InvalidFieldError('status', `simulation ${id} is not ${from}`)
    }
  }
}
