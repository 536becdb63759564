import { writeTransaction } from '../db/context.js'
import { applyCandidate, applyCentre, applyDonor } from '../import/apply.js'
import type { Registry } from '../registry.js'
import { createRegistryGenerator, type GenerateOptions, type ResolvedOptions } from './generator.js'

/**
 * Fills a registry with a generated one, streaming: records are generated and written one at a time,
 * so memory stays flat at national scale. Every write goes through the registry's repositories (the
 * same checks, pseudonyms, encryption and audit entries as any other write). The whole seeding is one
 * transaction, so a crash or error leaves the registry empty rather than half-seeded; progress is
 * reported every `batchSize` records.
 */

export interface SeedProgress {
  readonly phase: 'centres' | 'candidates' | 'donors'
  readonly done: number
  readonly total: number
}

export interface SeedOptions extends GenerateOptions {
  /** Progress is reported every this many records (default 5,000). */
  readonly batchSize?: number | undefined
  readonly onProgress?: ((progress: SeedProgress) => void) | undefined
  /** Audit actor (default "system"). */
  readonly actor?: string | undefined
}

export interface SeedSummary {
  readonly options: ResolvedOptions
  readonly centres: number
  readonly candidates: number
  readonly donors: number
}

export const DEFAULT_SEED_BATCH = 5000

export function seedRegistry (registry: Registry, options: SeedOptions): SeedSummary {
  const generator = createRegistryGenerator(options)
  const actor = options.actor ?? 'system'
  const every = Math.max(1, options.batchSize ?? DEFAULT_SEED_BATCH)
  const report = (phase: SeedProgress['phase'], done: number, total: number): void => {
    if (options.onProgress !== undefined && (done % every === 0 || done === total)) options.onProgress({ phase, done, total })
  }
  const { candidates: listed, candidateArrivals, donors: donorCount } = generator.options
  const candidateTotal = listed + candidateArrivals
  return writeTransaction(registry.db, () => {
    generator.centres.forEach((centre, i) => {
      applyCentre(registry, centre, actor)
      report('centres', i + 1, generator.centres.length)
    })
    let done = 0
    for (const candidate of generator.candidates()) {
      applyCandidate(registry, candidate, actor)
      report('candidates', ++done, candidateTotal)
    }
    let donors = 0
    for (const donor of generator.donors()) {
      applyDonor(registry, donor, actor)
      report('donors', ++donors, donorCount)
    }
    return { options: generator.options, centres: generator.centres.length, candidates: done, donors }
  })
}
