/** Organ types the engine allocates. */
export const ORGAN_TYPES = ['kidney', 'liver', 'heart', 'lung', 'pancreas', 'intestine'] as const
export type OrganType = typeof ORGAN_TYPES[number]

/** Which part of a paired or split organ is offered. */
export const ORGAN_PARTS = ['whole', 'left', 'right', 'en-bloc', 'left-lateral-segment', 'extended-right-lobe'] as const
export type OrganPart = typeof ORGAN_PARTS[number]

/** One recovered (or to-be-recovered) organ of a donor: the unit a match run is for. */
export interface Organ {
  /** Pseudonymous organ identifier. */
  readonly id: string
  readonly donorId: string
  readonly organType: OrganType
  readonly part: OrganPart
}
