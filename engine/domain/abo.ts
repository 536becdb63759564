/**
 * ABO blood groups. Subtypes are recorded where known: A2 and A2B express little A antigen, and
 * US kidney rules let eligible B candidates receive them. `A` and `AB` mean "subtype not determined".
 */
export const ABO_TYPES = ['O', 'A', 'A1', 'A2', 'B', 'AB', 'A1B', 'A2B'] as const
export type AboType = typeof ABO_TYPES[number]

/** The four ABO groups that compatibility is defined on. */
export const ABO_GROUPS = ['O', 'A', 'B', 'AB'] as const
export type AboGroup = typeof ABO_GROUPS[number]

export function aboGroup (type: AboType): AboGroup {
  switch (type) {
    case 'A1': case 'A2': return 'A'
    case 'A1B': case 'A2B': return 'AB'
    default: return type
  }
}

/** True for the weak A subtypes (A2, A2B), known only when the donor was subtyped. */
export function isWeakASubtype (type: AboType): boolean {
  return type === 'A2' || type === 'A2B'
}
