import { registrySchema } from './001-registry-schema.js'
import { auditLog } from './002-audit-log.js'
import { idempotencyKeys } from './003-idempotency-keys.js'
import { oversightSchema } from './004-oversight.js'
import { simulationsSchema } from './005-simulations.js'
import { matchReadIndexes } from './006-match-read-indexes.js'

/** One schema change: applied once, in one transaction, and never edited after release. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/** Every migration in order. Append new ones; never edit or reorder released ones (their checksums are recorded). */
export const MIGRATIONS: readonly Migration[] = [registrySchema, auditLog, idempotencyKeys, oversightSchema, simulationsSchema, matchReadIndexes]
