import type { AboType } from './abo.js'
import type { HlaTyping } from './hla.js'
import type { TriState } from './input.js'

/** DBD: donation after brain death; DCD: after circulatory death. */
export type DonationPathway = 'DBD' | 'DCD'

/**
 * A donor as the engine sees it: clinical facts only, known by a pseudonym. Direct identifiers and
 * protected attributes stay in the registry. `kdri`/`kdpi` are computed at the registry boundary
 * when the donor is characterised, so every match run reads the same values.
 */
export interface Donor {
  readonly id: string
  readonly kind: 'deceased' | 'living'
  readonly pathway: DonationPathway
  readonly ageYears: number
  readonly heightCm: number
  readonly weightKg: number
  readonly abo: AboType
  readonly hla: HlaTyping
  readonly creatinineMgDl: number
  readonly hypertension: TriState
  readonly diabetes: TriState
  readonly causeOfDeathCva: boolean
  /** Kidney donor risk index (OPTN refit 2024) and its percentile, when characterised. */
  readonly kdri?: number | undefined
  readonly kdpi?: number | undefined
  /** UK donor risk index quartile 1–4, when characterised. */
  readonly ukDonorRiskQuartile?: number | undefined
  /** Where the donor is: the donor hospital's centre id and position. */
  readonly hospitalCentreId: string
  readonly country: string
  readonly region: string
  readonly latitudeDeg: number
  readonly longitudeDeg: number
}
