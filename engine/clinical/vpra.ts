import { InvalidFieldError } from '../errors.js'
import type { HlaTyping } from '../domain/hla.js'
import { expandUnacceptable, hitsExpanded } from './virtual-crossmatch.js'

/**
 * Virtual panel-reactive antibody (Eurotransplant vPRA): the percentage (0–100) of a reference donor
 * panel whose typing, expanded to splits and broads, carries at least one of the candidate's
 * unacceptable antigens. An empirical count, not a haplotype model (ETKidney simulator
 * HLA/api.py `calculate_vpra_from_string`; ETRL vPRA calculator). A donor counts as incompatible
 * exactly when `offendingAntigens` would be non-empty, so vPRA is the share of the panel with a
 * positive virtual crossmatch. Not rounded.
 */
export function virtualPra (unacceptable: readonly string[], donorPanel: readonly HlaTyping[]): number {
  if (!Array.isArray(donorPanel) || donorPanel.length === 0) {
    throw new InvalidFieldError('donorPanel', 'must hold at least one donor HLA typing')
  }
  const expanded = expandUnacceptable(unacceptable)
  let incompatible = 0
  for (let i = 0; i < donorPanel.length; i++) {
    if (hitsExpanded(donorPanel[i] as HlaTyping, expanded, `donorPanel[${i}]`)) incompatible++
  }
  return 100 * incompatible / donorPanel.length
}
