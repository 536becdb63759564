import { canonicalJson, contentHash } from '../../engine/canonical-hash.js'
import { requireString } from '../../engine/domain/input.js'
import { InvalidFieldError, UnknownValueError } from '../../engine/errors.js'
import { pinRow } from '../audit/audit-log.js'
import type { RegistryContext } from './context.js'
import { requireActor, statement, writeTransaction } from './context.js'

export interface PolicyVersionRecord {
  readonly policyId: string
  readonly version: string
  /** SHA-256 of the document's canonical JSON: the hash every match list names. */
  readonly hash: string
  readonly document: unknown
  readonly recordedAt: string
}

const POLICY_ID = /^[a-z0-9][a-z0-9.-]{0,63}$/

/**
 * Every policy document that has been in force, content-hashed. Recording one appends a
 * `policy.recorded` audit entry (a policy change); a version, once recorded, never changes.
 */
export class PolicyRepository {
  readonly #ctx: RegistryContext

  constructor (ctx: RegistryContext) {
    this.#ctx = ctx
  }

  record (input: { policyId: string, version: string, document: unknown }, actor: string): PolicyVersionRecord {
    const who = requireActor(actor)
    const policyId = requireString(input.policyId, 'policyId', POLICY_ID, 'must be 1-64 lower-case letters, digits, . or -')
    const version = requireString(input.version, 'version')
    if (input.document === null || typeof input.document !== 'object') throw new InvalidFieldError('document', 'must be a JSON object')
    const documentJson = canonicalJson(input.document)
    const hash = contentHash(input.document)
    const { db, audit, now } = this.#ctx
    return writeTransaction(db, () => {
      const existing = statement(db, 'SELECT hash FROM policy_versions WHERE policy_id = ? AND version = ?').pluck().get(policyId, version) as string | undefined
      if (existing !== undefined) throw new InvalidFieldError('version', `${policyId} ${version} is already recorded (hash ${existing}); a changed document needs a new version`)
      const recordedAt = now()
      const id = statement(db, 'INSERT INTO policy_versions (policy_id, version, hash, document_json, recorded_at) VALUES (?, ?, ?, ?, ?)')
        .run(policyId, version, hash, documentJson, recordedAt).lastInsertRowid
      audit.append({ actor: who, action: 'policy.recorded', entityType: 'policy', entityId: policyId, payload: { version, hash, rows: [pinRow(db, 'policy_versions', id)] } })
      return { policyId, version, hash, document: JSON.parse(documentJson) as unknown, recordedAt }
    })
  }

  get (policyId: string, version: string): PolicyVersionRecord {
    const row = statement(this.#ctx.db, 'SELECT * FROM policy_versions WHERE policy_id = ? AND version = ?').get(requireString(policyId, 'policyId'), requireString(version, 'version')) as
      { policy_id: string, version: string, hash: string, document_json: string, recorded_at: string } | undefined
    if (row === undefined) throw new UnknownValueError('version', `names no recorded version of ${policyId} (${version})`)
    return { policyId: row.policy_id, version: row.version, hash: row.hash, document: JSON.parse(row.document_json) as unknown, recordedAt: row.recorded_at }
  }

  /** The version recorded with this content hash, if any (how a replay finds the policy a match list names). */
  findByHash (hash: string): PolicyVersionRecord | undefined {
    const row = statement(this.#ctx.db, 'SELECT policy_id, version FROM policy_versions WHERE hash = ? ORDER BY id LIMIT 1').get(hash) as { policy_id: string, version: string } | undefined
    return row === undefined ? undefined : this.get(row.policy_id, row.version)
  }
}
