import { InvalidFieldError } from '../../engine/errors.js'
import type { Registry } from '../registry.js'
import { resolveOptions } from './generator.js'
import { seedRegistry, type SeedProgress, type SeedSummary } from './seed.js'

/**
 * What `npm start` does on first start: a freshly created registry (no database before this start)
 * is seeded with a synthetic national registry. Environment variables choose the size and the rest:
 *
 *   SYNTHETIC_CANDIDATES  candidates on the list (default 25000; 0 leaves the registry empty)
 *   SYNTHETIC_SEED        seed text (default synthetic-registry-v1)
 *   SYNTHETIC_START_DATE  date of the list, YYYY-MM-DD (default 2025-01-01)
 *   SYNTHETIC_PROFILE     national (default) or compact
 *
 * An existing registry is never touched.
 */
// A national list of the size of a mid-sized European country or Eurotransplant kidney list; larger
// lists are a setting away, but every registration goes through the audited repositories (about 1 ms each).
export const DEFAULT_FIRST_START_CANDIDATES = 25_000
export const DEFAULT_FIRST_START_SEED = 'synthetic-registry-v1'
export const DEFAULT_FIRST_START_DATE = '2025-01-01'

export interface FirstStartSeed {
  readonly seed: string
  readonly candidates: number
  readonly startDate: string
  readonly profile: string
}

/** Reads the seeding options from the environment; undefined when SYNTHETIC_CANDIDATES is 0. */
export function firstStartSeedOptions (env: Readonly<Record<string, string | undefined>>): FirstStartSeed | undefined {
  const text = env.SYNTHETIC_CANDIDATES ?? String(DEFAULT_FIRST_START_CANDIDATES)
  if (!/^\d+$/.test(text.trim())) throw new InvalidFieldError('SYNTHETIC_CANDIDATES', 'must be a whole number of candidates (0 to skip seeding)')
  const candidates = Number(text.trim())
  if (candidates === 0) return undefined
  const options = {
    seed: env.SYNTHETIC_SEED ?? DEFAULT_FIRST_START_SEED,
    candidates,
    startDate: env.SYNTHETIC_START_DATE ?? DEFAULT_FIRST_START_DATE,
    profile: env.SYNTHETIC_PROFILE ?? 'national'
  }
  try {
    resolveOptions(options)
  } catch (error) {
    const field = (error as { field?: string }).field ?? 'options'
    const variable = { candidates: 'SYNTHETIC_CANDIDATES', startDate: 'SYNTHETIC_START_DATE', profile: 'SYNTHETIC_PROFILE', seed: 'SYNTHETIC_SEED' }[field] ?? field
    throw new InvalidFieldError(variable, (error as { rule?: string }).rule ?? (error as Error).message)
  }
  return options
}

/**
 * Seeds the registry when this start created it and seeding is not switched off; returns what was
 * written, or undefined when nothing was done.
 */
export function seedOnFirstStart (registry: Registry, env: Readonly<Record<string, string | undefined>>, onProgress?: (progress: SeedProgress) => void): SeedSummary | undefined {
  if (!registry.created) return undefined
  const options = firstStartSeedOptions(env)
  if (options === undefined) return undefined
  return seedRegistry(registry, { ...options, onProgress })
}
