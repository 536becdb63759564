import { expandUnacceptable } from '../../engine/clinical/virtual-crossmatch.js'
import { splitsOf } from '../../engine/clinical/hla-antigens.js'
import type { AboType } from '../../engine/domain/abo.js'
import { HLA_LOCI, type HlaLocus, type HlaTyping } from '../../engine/domain/hla.js'
import { UNACCEPTABLE_LOCUS_WEIGHT, VPRA_BANDS } from './parameters.js'
import { categorical, type Categorical, type Draw } from './sampling.js'
import type { HlaSamplers } from './hla-frequencies.js'

/**
 * Unacceptable antigens chosen so that the candidate's vPRA against a reference donor panel lands in a
 * target band. Each antigen's "hit set" on the panel (the donors a virtual crossmatch would exclude, by
 * the engine's own split/broad rules in virtual-crossmatch.ts) is a bitset; a set of unacceptable
 * antigens excludes the union, so vPRA is a popcount of ORed bitsets and adding an antigen costs one
 * pass over panelSize/32 words. The result equals `virtualPra(antigens, panel)` exactly.
 */

export interface PanelDonor {
  readonly abo: AboType
  readonly hla: HlaTyping
}

export interface SensitisationModel {
  readonly panel: readonly PanelDonor[]
  /** Antigens that may be listed as unacceptable (no broads that have splits: laboratories list splits). */
  readonly antigens: readonly string[]
  /** Draw weights for unacceptable antigens: population frequency × locus weight. */
  readonly weights: Categorical<number>
  /** Per antigen index, the panel donors it excludes. */
  readonly hitSets: readonly Uint32Array[]
  /** Per antigen index, the indices of the words of its hit set that are not zero. */
  readonly wordLists: readonly Uint16Array[]
  readonly antigenIndex: ReadonlyMap<string, number>
  /** Per antigen index, how many panel donors it excludes on its own. */
  readonly soloCounts: Uint32Array
  readonly words: number
  /** Scratch space reused by every draw (the generator is single-threaded): the exclusion mask and a per-antigen "seen in round n" marker. */
  readonly mask: Uint32Array
  readonly seen: Uint32Array
  readonly round: { value: number }
}

export function popcount32 (value: number): number {
  let v = value - ((value >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

export function buildSensitisationModel (panel: readonly PanelDonor[], samplers: HlaSamplers): SensitisationModel {
  const antigens: string[] = []
  const weightEntries: Array<readonly [number, number]> = []
  for (const locus of HLA_LOCI) {
    const sampler = samplers.mixed[locus]
    sampler.antigens.forEach((antigen, i) => {
      if (splitsOf(antigen).length > 0) return
      weightEntries.push([antigens.length, (sampler.frequencies[i] as number) * UNACCEPTABLE_LOCUS_WEIGHT[locus as HlaLocus]])
      antigens.push(antigen)
    })
  }
  // Inverted index: donor antigen → the unacceptable antigens whose expansion contains it. The
  // expansion is the engine's (expandUnacceptable), so a bit is set exactly when hitsExpanded would hit.
  const hitBy = new Map<string, number[]>()
  antigens.forEach((antigen, index) => {
    for (const donorAntigen of expandUnacceptable([antigen])) {
      const list = hitBy.get(donorAntigen)
      if (list === undefined) hitBy.set(donorAntigen, [index])
      else list.push(index)
    }
  })
  const words = Math.ceil(panel.length / 32)
  const hitSets = antigens.map(() => new Uint32Array(words))
  panel.forEach((donor, d) => {
    for (const locus of HLA_LOCI) {
      for (const donorAntigen of donor.hla[locus] ?? []) {
        for (const index of hitBy.get(donorAntigen) ?? []) {
          const bits = hitSets[index] as Uint32Array
          bits[d >>> 5] = (bits[d >>> 5] as number) | (1 << (d & 31))
        }
      }
    }
  })
  const soloCounts = Uint32Array.from(hitSets, (bits) => bits.reduce((sum, word) => sum + popcount32(word), 0))
  // Rare antigens touch few words: keep, per antigen, the indices of its non-zero words.
  const wordLists = hitSets.map((bits) => Uint16Array.from(bits.keys()).filter((w) => bits[w] !== 0))
  const antigenIndex = new Map(antigens.map((antigen, index) => [antigen, index] as const))
  return {
    panel,
    antigens,
    antigenIndex,
    weights: categorical(weightEntries),
    hitSets,
    wordLists,
    soloCounts,
    words,
    mask: new Uint32Array(words),
    seen: new Uint32Array(antigens.length),
    round: { value: 0 }
  }
}

export interface SensitisationResult {
  readonly unacceptableAntigens: readonly string[]
  /** Percent of the panel excluded, unrounded (= virtualPra of the antigens against the panel). */
  readonly vpraPercent: number
}

/** The vPRA bands as a distribution over band indices, for a candidate known to be sensitised. */
export const SENSITISED_BANDS: Categorical<number> = categorical(VPRA_BANDS.map(([, , share], i) => [i, share] as const))

/** Most antigens tried per candidate before giving up on reaching the band. */
const MAX_DRAWS = 600

/**
 * Picks unacceptable antigens, weighted by population frequency, never the candidate's own antigens,
 * adding one at a time while the vPRA stays at or below the band's top, until it reaches a target drawn
 * uniformly inside the band. A candidate whose typing makes the band unreachable keeps the closest
 * vPRA found below it.
 */
export function drawUnacceptableAntigens (draw: Draw, model: SensitisationModel, own: HlaTyping, band: readonly [number, number]): SensitisationResult {
  const [lowPercent, highPercent] = band
  const size = model.panel.length
  const target = Math.ceil(size * draw.uniform(lowPercent, highPercent) / 100)
  const ceiling = Math.floor(size * highPercent / 100)
  const { mask, seen } = model
  mask.fill(0)
  // A new round number marks antigens seen in this call without clearing the array; the candidate's
  // own antigens are marked first so they are never drawn.
  const round = ++model.round.value
  let triedCount = 0
  for (const locus of HLA_LOCI) {
    for (const antigen of own[locus] ?? []) {
      const index = model.antigenIndex.get(antigen)
      if (index !== undefined && seen[index] !== round) {
        seen[index] = round
        triedCount++
      }
    }
  }
  const chosen: number[] = []
  let covered = 0
  for (let attempt = 0; attempt < MAX_DRAWS && covered < target && triedCount < model.antigens.length; attempt++) {
    const index = draw.pick(model.weights)
    if (seen[index] === round) continue
    seen[index] = round
    triedCount++
    if ((model.soloCounts[index] as number) > ceiling) continue
    const bits = model.hitSets[index] as Uint32Array
    const list = model.wordLists[index] as Uint16Array
    let gain = 0
    for (let i = 0; i < list.length; i++) {
      const w = list[i] as number
      gain += popcount32((bits[w] as number) & ~(mask[w] as number))
    }
    if (gain === 0 || covered + gain > ceiling) continue
    for (let i = 0; i < list.length; i++) {
      const w = list[i] as number
      mask[w] = (mask[w] as number) | (bits[w] as number)
    }
    covered += gain
    chosen.push(index)
  }
  // Model antigens are in canonical order (locus, then number), so sorting indices sorts the antigens.
  const unacceptableAntigens = chosen.sort((a, b) => a - b).map((i) => model.antigens[i] as string)
  return { unacceptableAntigens, vpraPercent: 100 * covered / size }
}
