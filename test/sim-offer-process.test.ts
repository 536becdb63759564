import t from 'tap'
import { ALWAYS_ACCEPT, type AcceptanceModel, type OfferFeatures } from '../engine/sim/acceptance-model.js'
import { DEFAULT_OFFERS, type OfferParameters } from '../engine/sim/model-parameters.js'
import { allocateKidneys, type AllocationInput } from '../engine/sim/offer-process.js'
import type { DonorDraws } from '../engine/sim/random-streams.js'

/** A model with fixed probabilities, so that the scripted uniforms decide every offer. */
const coinFlip: AcceptanceModel = { kind: 'logistic', centreProbability: () => 0.5, patientProbability: () => 0.5 }

function draws (centre: number[], rescueCentre: number[], patient: number[]): DonorDraws {
  let k = 0
  return {
    centre: Float64Array.from(centre),
    rescueCentre: Float64Array.from(rescueCentre),
    nextPatientUniform: () => {
      const value = patient[k++]
      if (value === undefined) throw new Error('the test ran out of scripted patient draws')
      return value
    }
  }
}

const features = (position: number, previousOffers: number, rescue: boolean): OfferFeatures => ({
  donorAgeYears: 40, donorKdpi: 40, donorDcd: false, donorDiabetes: false, donorHypertension: false, donorCreatinineMgDl: 1,
  candidateAgeYears: 50, candidateCpraPercent: 0, candidatePriorTransplant: false, mismatchA: 1, mismatchB: 1, mismatchDR: 1,
  distanceNm: position * 10, previousOffers, rescue
})

function input (centres: number[], distances: number[], overrides: Partial<Omit<AllocationInput, 'rules'>> & { rules?: Partial<OfferParameters> }): AllocationInput {
  const { rules, ...rest } = overrides
  return {
    length: centres.length,
    kidneys: 2,
    centreAt: (p) => centres[p] as number,
    distanceAt: (p) => distances[p] as number,
    featuresAt: features,
    model: coinFlip,
    centreEffects: new Float64Array(3),
    draws: draws([0, 0, 0], [1, 1, 1], []),
    rules: { ...DEFAULT_OFFERS, ...rules },
    ...rest
  }
}

t.test('always-accept places the kidneys with the first two candidates', async (t) => {
  const out = allocateKidneys(input([0, 1, 0, 2], [10, 300, 10, 50], { model: ALWAYS_ACCEPT, draws: draws([0.99, 0.99, 0.99], [1, 1, 1], [0.99, 0.99]) }))
  t.same(out.placements.map((p) => p.position), [0, 1])
  t.same(out.placements.map((p) => p.offersBefore), [0, 0])
  t.equal(out.offers, 2)
  t.equal(out.discarded, 0)
  t.equal(out.rescueTriggered, false)
  // Cold-ischaemia proxy: base hours + ground transport (≤ 200 NM) or a flight.
  t.equal(out.placements[0]?.coldIschaemiaHours, DEFAULT_OFFERS.baseColdIschaemiaHours + 10 / DEFAULT_OFFERS.groundSpeedKnots)
  t.equal(out.placements[1]?.coldIschaemiaHours, DEFAULT_OFFERS.baseColdIschaemiaHours + DEFAULT_OFFERS.flightOverheadHours + 300 / DEFAULT_OFFERS.flightSpeedKnots)
})

t.test('a declining centre is passed over for all its patients; patients decide after a willing centre', async (t) => {
  // Centres by position: 0, 1, 0, 1, 2. Centre 0 declines (0.9 ≥ 0.5); 1 and 2 are willing.
  // Patient draws: position 1 refuses (0.7), position 3 accepts (0.2), position 4 accepts (0.3).
  const out = allocateKidneys(input([0, 1, 0, 1, 2], [5, 5, 5, 5, 5], { draws: draws([0.9, 0.1, 0.1], [1, 1, 1], [0.7, 0.2, 0.3]) }))
  t.same(out.placements.map((p) => [p.position, p.offersBefore]), [[3, 2], [4, 2]])
  t.equal(out.offers, 4, 'centre 0 declined once, one patient refused, two accepted')
  t.equal(out.placements[0]?.coldIschaemiaHours, DEFAULT_OFFERS.baseColdIschaemiaHours + 2 * DEFAULT_OFFERS.hoursPerDeclinedOffer + 5 / DEFAULT_OFFERS.groundSpeedKnots)
})

t.test('after maxPatientOffersPerCentre refusals a centre is passed over', async (t) => {
  // Centre 0 has three candidates; each refuses. With a limit of 2 the third is never offered.
  const out = allocateKidneys(input([0, 0, 0, 1], [5, 5, 5, 5], {
    kidneys: 1,
    draws: draws([0.1, 0.1], [1, 1], [0.9, 0.9, 0.1]),
    rules: { maxPatientOffersPerCentre: 2 }
  }))
  t.same(out.placements.map((p) => p.position), [3])
  t.equal(out.offers, 3)
})

t.test('after the offer limit the kidneys go to rescue, nearest centre first; unplaced kidneys are discarded', async (t) => {
  // Everyone refuses in standard allocation (limit 2 offers). Rescue: centres by distance of their best
  // remaining candidate: centre 2 (20 NM), centre 1 (40 NM), centre 0 (50 NM). Centre 2 refuses (0.9),
  // centre 1 accepts (0.1), centre 0 refuses (0.8): one kidney placed in rescue, one discarded.
  const out = allocateKidneys(input([0, 1, 2, 1], [50, 40, 20, 60], {
    draws: draws([0.1, 0.1, 0.1], [0.8, 0.1, 0.9], [0.9, 0.9]),
    rules: { offersBeforeRescue: 2 }
  }))
  t.equal(out.rescueTriggered, true)
  t.same(out.placements.map((p) => [p.position, p.rescue]), [[1, true]])
  t.equal(out.placements[0]?.coldIschaemiaHours, DEFAULT_OFFERS.baseColdIschaemiaHours + 3 * DEFAULT_OFFERS.hoursPerDeclinedOffer + DEFAULT_OFFERS.rescueExtraHours + 40 / DEFAULT_OFFERS.groundSpeedKnots)
  t.equal(out.discarded, 1)
  t.equal(out.offers, 5, '2 standard refusals, 2 rescue refusals, 1 acceptance')
  const none = allocateKidneys(input([0, 1], [50, 40], { draws: draws([0.9, 0.9], [0.9, 0.9], []), rules: { offersBeforeRescue: 2, rescueCentres: 0 } }))
  t.equal(none.discarded, 2)
  t.equal(none.rescueTriggered, false)
})

t.test('offering stops once the cold-ischaemia proxy would pass its limit', async (t) => {
  const out = allocateKidneys(input([0, 1, 2], [5, 5, 5], {
    draws: draws([0.9, 0.9, 0.1], [0.1, 0.1, 0.1], [0.1]),
    rules: { baseColdIschaemiaHours: 34, hoursPerDeclinedOffer: 1, maxColdIschaemiaHours: 35.5 }
  }))
  t.same(out.placements, [])
  t.equal(out.discarded, 2)
  t.equal(out.rescueTriggered, false)
  t.equal(out.offers, 2)
})

t.test('an empty list discards every kidney', async (t) => {
  const out = allocateKidneys(input([], [], {}))
  t.equal(out.discarded, 2)
  t.equal(out.offers, 0)
})
