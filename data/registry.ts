import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidFieldError } from '../engine/errors.js'
import { requireString } from '../engine/domain/input.js'
import type { OrganType } from '../engine/domain/organ.js'
import { AuditLog } from './audit/audit-log.js'
import { CandidateRepository } from './db/candidate-repository.js'
import { CentreRepository } from './db/centre-repository.js'
import { openDatabase, type RegistryDatabase } from './db/connection.js'
import type { RegistryContext } from './db/context.js'
import { writeTransaction } from './db/context.js'
import { DonorRepository } from './db/donor-repository.js'
import { IdentityRepository } from './db/identity-repository.js'
import { MatchRunRepository } from './db/match-run-repository.js'
import { migrate, type MigrationResult } from './db/migrate.js'
import { OversightRepository } from './db/oversight-repository.js'
import { PolicyRepository } from './db/policy-repository.js'
import { SimulationRepository } from './db/simulation-repository.js'
import type { WaitlistSnapshot } from '../engine/match/snapshot.js'
import { buildRegistrySnapshot, loadWaitlistSource, type WaitlistSource } from './db/snapshot-source.js'
import { TransplantRepository } from './db/transplant-repository.js'
import { UserRepository } from './db/user-repository.js'
import { loadKeys, type RegistryKeys } from './security/keys.js'

export const DATABASE_FILE_NAME = 'registry.db'
/** The actor of changes the registry makes by itself (initialisation, migrations). */
export const SYSTEM_ACTOR = 'system'

export interface Registry {
  readonly db: RegistryDatabase
  readonly keys: RegistryKeys
  readonly audit: AuditLog
  readonly centres: CentreRepository
  readonly identity: IdentityRepository
  readonly candidates: CandidateRepository
  readonly donors: DonorRepository
  readonly policies: PolicyRepository
  readonly matchRuns: MatchRunRepository
  readonly transplants: TransplantRepository
  readonly oversight: OversightRepository
  readonly simulations: SimulationRepository
  readonly users: UserRepository
  /** A random id fixed at creation; names this registry's audit checkpoints. */
  readonly registryId: string
  /** True when this call created the database (first start). */
  readonly created: boolean
  readonly schema: MigrationResult
  /** The waiting list for one organ as it stood at `at`, ready for the engine's snapshot builder. */
  waitlist (organType: OrganType, at: string, options?: { knownAt?: string }): WaitlistSource
  /**
   * The columnar snapshot (engine/match/snapshot.ts) of that waiting list, with its content hash. For a
   * replay, pass the match run's time as `knownAt`: later recordings (even back-dated ones) are left out.
   */
  snapshot (organType: OrganType, at: string, options?: { knownAt?: string }): WaitlistSnapshot
  close (): void
}

export interface CreateRegistryOptions {
  readonly now?: () => string
}

function readMeta (db: RegistryDatabase, key: string): string | undefined {
  return db.prepare('SELECT value FROM registry_meta WHERE key = ?').pluck().get(key) as string | undefined
}

/**
 * Wires the repositories onto an open database (migrating it first). On a new database it records
 * the key check value, the registry id and the checkpoint public key, and opens the audit log with a
 * `registry.initialised` entry; on an existing one it refuses a key other than the one it was made with.
 */
export function createRegistry (db: RegistryDatabase, keys: RegistryKeys, options: CreateRegistryOptions = {}): Registry {
  const now = options.now ?? (() => new Date().toISOString())
  const schema = migrate(db, undefined, now)
  const existingCheck = readMeta(db, 'key_check')
  const created = existingCheck === undefined
  if (!created && existingCheck !== keys.keyCheck) {
    throw new InvalidFieldError(keys.source === 'env' ? 'REGISTRY_KEY' : 'keys/registry.key',
      'does not match the key this registry was created with (pseudonyms and encrypted identifiers would be unreadable)')
  }
  const registryId = readMeta(db, 'registry_id') ?? `registry-${randomUUID()}`
  const audit = new AuditLog(db, { now, origin: `organ-allocation-engine/${registryId}`, signingKey: keys.signingKey, publicKeyBase64: keys.publicKeyBase64 })
  const ctx: RegistryContext = { db, audit, keys, now }
  if (created) {
    writeTransaction(db, () => {
      const insert = db.prepare('INSERT INTO registry_meta (key, value) VALUES (?, ?)')
      insert.run('key_check', keys.keyCheck)
      insert.run('registry_id', registryId)
      insert.run('checkpoint_public_key', keys.publicKeyBase64)
      insert.run('created_at', now())
      db.prepare('INSERT INTO users (id, created_at) VALUES (?, ?)').run(SYSTEM_ACTOR, now())
      audit.append({ actor: SYSTEM_ACTOR, action: 'registry.initialised', entityType: 'registry', entityId: registryId, payload: { schemaVersion: schema.to, checkpointPublicKey: keys.publicKeyBase64 } })
    })
  } else if (schema.applied.length > 0) {
    audit.append({ actor: SYSTEM_ACTOR, action: 'schema.migrated', entityType: 'registry', entityId: registryId, payload: { from: schema.from, to: schema.to, applied: schema.applied } })
  }
  const centres = new CentreRepository(ctx)
  const identity = new IdentityRepository(ctx)
  const candidates = new CandidateRepository(ctx, centres, identity)
  const donors = new DonorRepository(ctx, centres, identity)
  const transplants = new TransplantRepository(ctx, centres, candidates, donors)
  return {
    db,
    keys,
    audit,
    centres,
    identity,
    candidates,
    donors,
    policies: new PolicyRepository(ctx),
    matchRuns: new MatchRunRepository(ctx),
    transplants,
    oversight: new OversightRepository(ctx),
    simulations: new SimulationRepository(ctx),
    users: new UserRepository(ctx),
    registryId,
    created,
    schema,
    waitlist: (organType, at, options = {}) => loadWaitlistSource({ candidates, centres }, { organType, at, knownAt: options.knownAt }),
    snapshot: (organType, at, options = {}) => buildRegistrySnapshot({ candidates, centres }, { organType, at, knownAt: options.knownAt }).snapshot,
    close: () => { db.close() }
  }
}

export interface OpenRegistryOptions {
  /** Holds registry.db and keys/ (default `DATA_DIR` or ./var). Created with mode 0700 on first start. */
  readonly dataDir?: string | undefined
  /** Where to read DATA_DIR and REGISTRY_KEY from (process.env by default). */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly now?: () => string
}

/**
 * The registry's single entry point, called by api/main.ts on start: creates the data directory,
 * the key file and the database on first start, and reuses them afterwards.
 */
export function openRegistry (options: OpenRegistryOptions = {}): Registry {
  const env = options.env ?? process.env
  const dataDir = requireString(options.dataDir ?? env.DATA_DIR ?? './var', 'DATA_DIR')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const keys = loadKeys({ dataDir, env })
  const db = openDatabase({ file: join(dataDir, DATABASE_FILE_NAME) })
  try {
    return createRegistry(db, keys, options.now === undefined ? {} : { now: options.now })
  } catch (error) {
    db.close()
    throw error
  }
}
