import type { AcceptanceModel, OfferFeatures } from './acceptance-model.js'
import type { DonorDraws } from './random-streams.js'
import { transportHours, type OfferParameters } from './model-parameters.js'

/**
 * Placing one donor's kidneys down a ranked match list. Standard allocation walks the list in rank
 * order: a centre first decides once, for this donor, whether it will use the kidney at all
 * (centre-level model); a willing centre then offers to its patient (patient-level model), up to
 * `maxPatientOffersPerCentre` patients. After `offersBeforeRescue` declined offers the remaining
 * kidneys go to rescue (expedited) allocation: the nearest `rescueCentres` centres with a listed
 * candidate each get one offer for their best-ranked remaining candidate; the same happens when the
 * list runs out before the limit. A kidney nobody takes,
 * or whose cold-ischaemia proxy would pass the limit, is discarded.
 */

export interface PlacementRecord {
  /** Position on the ranked list (0-based). */
  readonly position: number
  readonly rescue: boolean
  /** Offers declined before this placement (for this donor). */
  readonly offersBefore: number
  readonly distanceNm: number
  readonly coldIschaemiaHours: number
}

export interface AllocationOutcome {
  readonly placements: readonly PlacementRecord[]
  /** Offers made (declined or accepted), standard and rescue. */
  readonly offers: number
  readonly rescueTriggered: boolean
  /** Kidneys recovered but not placed. */
  readonly discarded: number
}

export interface AllocationInput {
  /** Ranked list length; positions 0 … length − 1 in rank order. */
  readonly length: number
  readonly kidneys: number
  /** Centre index of the candidate at a position. */
  centreAt (position: number): number
  distanceAt (position: number): number
  /** Offer features of the candidate at a position. */
  featuresAt (position: number, previousOffers: number, rescue: boolean): OfferFeatures
  readonly model: AcceptanceModel
  /** Centre random intercepts (logit scale), indexed by centre. */
  readonly centreEffects: Float64Array
  readonly draws: DonorDraws
  readonly rules: OfferParameters
}

const UNDECIDED = 0
const WILLING = 1
const DECLINED = 2

function coldIschaemia (rules: OfferParameters, offersBefore: number, rescue: boolean): number {
  return rules.baseColdIschaemiaHours + rules.hoursPerDeclinedOffer * offersBefore + (rescue ? rules.rescueExtraHours : 0)
}

export function allocateKidneys (input: AllocationInput): AllocationOutcome {
  const { length, model, centreEffects, draws, rules } = input
  const centreCount = centreEffects.length
  const state = new Uint8Array(centreCount)
  const patientOffers = new Uint32Array(centreCount)
  const taken = new Uint8Array(length)
  const placements: PlacementRecord[] = []
  let remaining = input.kidneys
  let offers = 0
  let expired = false

  const place = (position: number, rescue: boolean): void => {
    const distanceNm = input.distanceAt(position)
    placements.push({
      position,
      rescue,
      offersBefore: offers,
      distanceNm,
      coldIschaemiaHours: coldIschaemia(rules, offers, rescue) + transportHours(rules, distanceNm)
    })
    taken[position] = 1
    remaining--
  }

  for (let position = 0; position < length && remaining > 0; position++) {
    if (offers >= rules.offersBeforeRescue) break
    if (coldIschaemia(rules, offers, false) > rules.maxColdIschaemiaHours) { expired = true; break }
    const centre = input.centreAt(position)
    if (state[centre] === DECLINED) continue
    const features = input.featuresAt(position, offers, false)
    if (state[centre] === UNDECIDED) {
      const p = model.centreProbability(features, centreEffects[centre] as number)
      state[centre] = (draws.centre[centre] as number) < p ? WILLING : DECLINED
      if (state[centre] === DECLINED) { offers++; continue }
    }
    const u = draws.nextPatientUniform()
    if (u < model.patientProbability(features)) {
      place(position, false)
    } else {
      offers++
      patientOffers[centre] = (patientOffers[centre] as number) + 1
      if ((patientOffers[centre] as number) >= rules.maxPatientOffersPerCentre) state[centre] = DECLINED
    }
  }

  let rescueTriggered = false
  // Rescue after the offer limit, or when the standard list ran out (every centre passed) first.
  if (remaining > 0 && !expired && rules.rescueCentres > 0) {
    rescueTriggered = true
    // Each centre's best-ranked candidate not yet placed, centres nearest the donor first.
    const best = new Int32Array(centreCount).fill(-1)
    for (let position = 0; position < length; position++) {
      const centre = input.centreAt(position)
      if (taken[position] === 0 && best[centre] === -1) best[centre] = position
    }
    const centres: number[] = []
    for (let c = 0; c < centreCount; c++) if ((best[c] as number) >= 0) centres.push(c)
    centres.sort((a, b) => (input.distanceAt(best[a] as number) - input.distanceAt(best[b] as number)) || a - b)
    for (let k = 0; k < centres.length && k < rules.rescueCentres && remaining > 0; k++) {
      if (coldIschaemia(rules, offers, true) > rules.maxColdIschaemiaHours) break
      const centre = centres[k] as number
      const position = best[centre] as number
      const p = model.centreProbability(input.featuresAt(position, offers, true), centreEffects[centre] as number)
      if ((draws.rescueCentre[centre] as number) < p) place(position, true)
      else offers++
    }
  }
  return { placements, offers: offers + placements.length, rescueTriggered, discarded: remaining }
}
