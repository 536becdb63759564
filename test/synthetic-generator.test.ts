import t from 'tap'
import fc from 'fast-check'
import { computeEpts, selectEptsTable } from '../engine/clinical/epts.js'
import { computeKdpi, selectKdpiTable } from '../engine/clinical/kdpi.js'
import { meld3 } from '../engine/clinical/meld3.js'
import { mismatchProbability, populationFrequencies } from '../engine/clinical/mismatch-probability.js'
import { virtualPra } from '../engine/clinical/vpra.js'
import { isAuthorised } from '../engine/domain/centre.js'
import { HLA_LOCI } from '../engine/domain/hla.js'
import { contentHash } from '../engine/canonical-hash.js'
import { createRandom } from '../engine/random.js'
import { eptsTables, kdpiTables } from '../data/reference/clinical-tables.js'
import { candidateAsOf, centreAsOf, donorAt, type CandidateRecord } from '../data/import/records.js'
import { validateCandidate, validateCentre, validateDonor } from '../data/import/validate.js'
import { addYears, completedYears, isoDate, isoInstant, parseStartDate } from '../data/synthetic/dates.js'
import { createRegistryGenerator, generateRegistry, periodEnd, resolveOptions } from '../data/synthetic/generator.js'
import { greatCircleKm, transplantCentreCount } from '../data/synthetic/geography.js'
import { buildHlaSamplers, OPTN_2015_ANTIGEN_FREQUENCIES } from '../data/synthetic/hla-frequencies.js'
import { MismatchProbabilityCache } from '../data/synthetic/mismatch-probability-cache.js'
import { nationalId } from '../data/synthetic/names.js'
import { DONOR_DIABETES, DONOR_HYPERTENSION, VPRA_BANDS } from '../data/synthetic/parameters.js'
import { drawTyping } from '../data/synthetic/people.js'
import { COMPACT_PROFILE, countryProfile, NATIONAL_PROFILE } from '../data/synthetic/profile.js'
import { Draw, categorical } from '../data/synthetic/sampling.js'
import { buildSensitisationModel, drawUnacceptableAntigens, popcount32 } from '../data/synthetic/sensitisation.js'

const START = '2025-01-01'
const START_INSTANT = `${START}T00:00:00.000Z`

function share<T> (items: readonly T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length / items.length
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

// One mid-sized registry shared by the distribution and consistency tests.
const registry = generateRegistry({ seed: 'tests', candidates: 8000, startDate: START, candidateArrivalsPerYear: 400 })
const listed = registry.candidates.filter((c) => c.registeredAt < START_INSTANT)
const kidney = listed.filter((c) => c.organType === 'kidney')

t.test('the same seed and options give the same registry; another seed gives another', async (t) => {
  const options = { seed: 42, candidates: 300, startDate: START, panelSize: 500 }
  const a = generateRegistry(options)
  const b = generateRegistry({ ...options })
  t.equal(contentHash(a), contentHash(b))
  t.not(contentHash(generateRegistry({ ...options, seed: 43 })), contentHash(a))
  t.equal(contentHash(generateRegistry({ ...options, seed: '42' })), contentHash(a), 'numeric and text seeds are the same seed')
  const streamed = createRegistryGenerator(options)
  t.same([...streamed.candidates()], a.candidates, 'the stream yields what generateRegistry collects')
  t.same([...streamed.donors()], a.donors)
})

t.test('each kind draws from its own stream', async (t) => {
  const base = { seed: 7, candidates: 400, startDate: START, panelSize: 500, donorsPerYear: 80 }
  const a = generateRegistry(base)
  const moreDonors = generateRegistry({ ...base, donorsPerYear: 160 })
  t.same(moreDonors.candidates, a.candidates, 'more donors leave the candidates unchanged')
  t.same(moreDonors.centres, a.centres)
  const withArrivals = generateRegistry({ ...base, candidateArrivalsPerYear: 100 })
  t.same(withArrivals.candidates.slice(0, 400), a.candidates, 'arrivals come after the listed candidates, which do not change')
  t.same(withArrivals.donors, a.donors, 'arrivals leave the donors unchanged')
  t.equal(withArrivals.candidates.length, 500)
  // 400 and 800 candidates both get the profile's minimum number of centres, so the geography is shared.
  t.equal(transplantCentreCount(NATIONAL_PROFILE, 400), transplantCentreCount(NATIONAL_PROFILE, 800))
  const longer = generateRegistry({ ...base, candidates: 800 })
  t.same(longer.candidates.slice(0, 400), a.candidates, 'a larger list starts with the smaller one')
  t.same(longer.donors, a.donors, 'with a fixed donor rate the donors do not depend on the list size')
})

t.test('the list has the documented shape (8,000 candidates)', async (t) => {
  t.equal(listed.length, 8000)
  t.equal(registry.candidates.length - listed.length, 400)
  const organs = NATIONAL_PROFILE.organShares
  for (const organ of ['kidney', 'liver', 'heart'] as const) {
    t.ok(Math.abs(share(listed, (c) => c.organType === organ) - organs[organ]) < 0.015, `${organ} share near ${organs[organ]}`)
  }
  const sensitised = share(kidney, (c) => c.vpraPercent > 0)
  const high = share(kidney, (c) => c.vpraPercent >= 85)
  const top = share(kidney, (c) => c.vpraPercent >= 99.9)
  t.ok(sensitised > 0.34 && sensitised < 0.42, `kidney candidates with vPRA > 0: ${sensitised}`)
  t.ok(high > 0.125 && high < 0.175, `kidney candidates with vPRA ≥ 85%: ${high} (target 0.15)`)
  t.ok(top > 0.025 && top < 0.05, `kidney candidates with vPRA ≥ 99.9%: ${top} (target 0.0375)`)
  const aboO = share(kidney, (c) => c.abo === 'O')
  t.ok(aboO > 0.45 && aboO < 0.6, `kidney list group O share ${aboO}`)
  t.ok(share(kidney, (c) => c.status === 'active') > 0.6 && share(kidney, (c) => c.status === 'active') < 0.74)
  const melds = listed.filter((c) => c.meld !== undefined).map((c) => c.meld as number)
  t.ok(median(melds) >= 14 && median(melds) <= 18, `median MELD 3.0 ${median(melds)}`)
  t.ok(share(melds, (m) => m >= 30) > 0.04 && share(melds, (m) => m >= 30) < 0.13)
  const women = share(kidney, (c) => c.protectedAttributes?.sex === 'female')
  t.ok(women > 0.35 && women < 0.43, `women on the kidney list ${women}`)
  const waiting5 = share(kidney, (c) => Date.parse(START_INSTANT) - Date.parse(c.registeredAt) >= 5 * 365.25 * 86_400_000)
  t.ok(waiting5 > 0.09 && waiting5 < 0.16, `share listed 5+ years: ${waiting5} (SRTR 2022: 12.4%)`)
  const races = new Set(listed.map((c) => c.protectedAttributes?.raceEthnicity))
  t.same([...races].sort(), ['asian', 'black', 'hispanic', 'other', 'white'])
  t.ok(share(listed, (c) => c.protectedAttributes?.nationality !== 'XS') > 0.01, 'some candidates are foreign nationals')
})

t.test('donors: shares, prevalences and KDRI/KDPI from the engine', async (t) => {
  const donors = registry.donors
  t.equal(donors.length, Math.round(8000 * NATIONAL_PROFILE.donorsPerYearPerListedCandidate * 365 / 365.25))
  const dcd = share(donors, (d) => d.pathway === 'DCD')
  t.ok(Math.abs(dcd - NATIONAL_PROFILE.dcdShare) < 0.04, `DCD share ${dcd}`)
  const known = (field: 'hypertension' | 'diabetes'): typeof donors => donors.filter((d) => d[field] !== 'unknown')
  const htn = share(known('hypertension'), (d) => d.hypertension === true)
  const dm = share(known('diabetes'), (d) => d.diabetes === true)
  t.ok(Math.abs(htn - DONOR_HYPERTENSION.prevalence) < 0.04, `hypertension ${htn}`)
  t.ok(Math.abs(dm - DONOR_DIABETES.prevalence) < 0.03, `diabetes ${dm}`)
  t.ok(Math.abs(share(donors, (d) => d.causeOfDeathCva) - 0.22) < 0.04)
  const table = selectKdpiTable(kdpiTables, 'refit-2024')
  for (const d of donors.slice(0, 300)) {
    const expected = computeKdpi({ ageYears: d.ageYears, heightCm: d.heightCm, weightKg: d.weightKg, hypertension: d.hypertension, diabetes: d.diabetes, causeOfDeathCva: d.causeOfDeathCva, creatinineMgDl: d.creatinineMgDl, dcd: d.pathway === 'DCD' }, table)
    if (d.kdpi !== expected.kdpi || Math.abs((d.kdri as number) - expected.kdriRao) > 1e-6) t.fail(`donor ${d.id} KDRI/KDPI differ from the engine's`)
  }
  const kdpis = donors.map((d) => d.kdpi as number)
  t.ok(median(kdpis) > 30 && median(kdpis) < 60, `median KDPI ${median(kdpis)}`)
  const times = donors.map((d) => d.reportedAt)
  t.same(times, [...times].sort(), 'donors come in report order')
  t.ok(times[0] as string >= START_INSTANT && (times[times.length - 1] as string) < `${periodEnd(registry.options)}T00:00:00.000Z`)
  t.equal(new Set(donors.map((d) => d.identifiers?.nationalId)).size, donors.length)
})

t.test('every candidate is consistent with the engine and the registry rules', async (t) => {
  const panel = registry.panel
  const panelTypings = panel.map((p) => p.hla)
  const frequencies = populationFrequencies(panel)
  const eptsTable = selectEptsTable(eptsTables)
  const centres = new Map(registry.centres.map((c) => [c.id, c]))
  const ids = new Set<string>()
  let problems = 0
  const fail = (c: CandidateRecord, what: string): void => {
    if (problems++ < 10) t.fail(`${c.id}: ${what}`)
  }
  registry.candidates.forEach((c, i) => {
    ids.add(c.identifiers?.nationalId as string)
    if (c.cpraPercent !== c.vpraPercent) fail(c, 'cPRA differs from vPRA')
    const own = new Set(HLA_LOCI.flatMap((locus) => c.hla[locus] ?? []))
    if (c.unacceptableAntigens.some((a) => own.has(a))) fail(c, 'lists an own antigen as unacceptable')
    if (c.waitingTimeFrom > c.registeredAt) fail(c, 'waiting time starts after registration')
    if (c.birthMonth > c.registeredAt.slice(0, 7)) fail(c, 'born after registration')
    if (c.dialysisFrom !== undefined && c.dialysisFrom > c.registeredAt && c.registeredAt >= START_INSTANT) fail(c, 'arrival with dialysis after listing')
    const centre = centres.get(c.centreId)
    if (centre === undefined || !isAuthorised(centreAsOf(centre, c.registeredAt), c.organType, 'transplant', c.registeredAt)) fail(c, 'listed at a centre not authorised at registration')
    if ((c.organType === 'liver') !== (c.liverLabs !== undefined)) fail(c, 'liver labs on the wrong organ')
    // Every 25th candidate is recomputed with the engine.
    if (i % 25 !== 0) return
    if (Math.abs(virtualPra(c.unacceptableAntigens, panelTypings) - c.vpraPercent) > 1e-4) fail(c, 'vPRA is not the panel count')
    if (Math.abs(mismatchProbability({ abo: c.abo, hla: c.hla }, c.vpraPercent, frequencies) - c.mmpPercent) > 1e-4) fail(c, 'MMP differs from the engine')
    const asOf = c.registeredAt < START_INSTANT ? START_INSTANT : c.registeredAt
    const ageYears = (Date.parse(asOf) - Date.parse(`${c.identifiers?.birthDate as string}T00:00:00Z`)) / (365.25 * 86_400_000)
    if (c.meld !== undefined && c.liverLabs !== undefined) {
      const expected = meld3({ ...c.liverLabs, ageYears, sex: c.protectedAttributes?.sex === 'female' ? 'F' : 'M' }).meld3
      if (Math.abs(expected - c.meld) > 0) fail(c, `MELD ${c.meld} but the engine gives ${expected}`)
    }
    if (c.eptsPercent !== undefined) {
      const dialysisYears = c.dialysisFrom === undefined ? 0 : Math.max(0, (Date.parse(asOf) - Date.parse(c.dialysisFrom)) / (365.25 * 86_400_000))
      const expected = computeEpts({ ageYears, diabetes: c.diabetes === true, priorSolidOrganTransplant: c.priorSolidOrganTransplant === true, dialysisYears }, eptsTable).epts
      if (Math.abs(expected - c.eptsPercent) > 1) fail(c, `EPTS ${c.eptsPercent} but the engine gives ${expected}`)
    }
  })
  t.equal(problems, 0)
  t.equal(ids.size, registry.candidates.length, 'national ids are unique')
  t.ok([...ids].every((id) => /^XS-\d{9}-[A-Z]$/.test(id)), 'national ids carry the user-assigned country code')
})

t.test('generated records pass import validation, and convert to engine candidates', async (t) => {
  let invalid = 0
  for (const c of registry.candidates.slice(0, 2000)) if (validateCandidate(c).issues.length > 0) invalid++
  for (const d of registry.donors) if (validateDonor(d).issues.length > 0) invalid++
  for (const c of registry.centres) if (validateCentre(c).issues.length > 0) invalid++
  t.equal(invalid, 0)
  const record = kidney.find((c) => c.dialysisFrom !== undefined) as CandidateRecord
  const candidate = candidateAsOf(record, START_INSTANT)
  t.equal(candidate.ageYears, completedYears(`${record.birthMonth}-15`, START))
  t.equal(candidate.dialysisDays, Math.floor((Date.parse(START_INSTANT) - Date.parse(record.dialysisFrom as string)) / 86_400_000))
  t.equal(candidate.waitingDays, Math.floor((Date.parse(START_INSTANT) - Date.parse(record.waitingTimeFrom)) / 86_400_000))
  t.notOk('protectedAttributes' in candidate, 'the engine view carries no protected attribute')
  t.equal(candidateAsOf({ ...record, dialysisFrom: '2030-01-01T00:00:00.000Z' }, START_INSTANT).dialysisDays, 0, 'dialysis not yet started counts 0 days')
  const donorRecord = registry.donors[0]
  const hospitalRecord = registry.centres.find((c) => c.id === donorRecord?.hospitalCentreId)
  if (donorRecord === undefined || hospitalRecord === undefined) throw new Error('the registry has no donor at a known hospital')
  const hospital = centreAsOf(hospitalRecord, donorRecord.reportedAt)
  const donor = donorAt(donorRecord, hospital)
  t.same([donor.hospitalCentreId, donor.region, donor.latitudeDeg, donor.kdpi, donor.pathway], [hospital.id, hospital.region, hospital.latitudeDeg, donorRecord.kdpi, donorRecord.pathway])
  t.notOk('protectedAttributes' in donor || 'identifiers' in donor, 'the engine view of a donor carries no protected attribute or identifier')
  const suspendedCentre = registry.centres.find((c) => c.authorisations.some((a) => a.suspendedFrom !== undefined))
  const suspendedEntry = suspendedCentre?.authorisations.findIndex((a) => a.suspendedFrom !== undefined) ?? -1
  if (suspendedCentre !== undefined) {
    t.equal(centreAsOf(suspendedCentre, '2024-12-31T23:59:59.999Z').authorisations[suspendedEntry]?.suspended, false, 'not suspended before it begins')
    t.equal(centreAsOf(suspendedCentre, START_INSTANT).authorisations[suspendedEntry]?.suspended, true, 'suspended from its start')
  }
})

t.test('centres: geography, authorisations and suspensions', async (t) => {
  const compact = generateRegistry({ seed: 5, candidates: 2000, startDate: START, profile: 'compact', panelSize: 500 })
  const { latMin, latMax, lonMin, lonMax } = COMPACT_PROFILE.bounds
  t.ok(compact.centres.every((c) => c.country === 'XT'))
  t.ok(compact.centres.every((c) => c.latitudeDeg > latMin - 2 && c.latitudeDeg < latMax + 2 && c.longitudeDeg > lonMin - 2 && c.longitudeDeg < lonMax + 2))
  t.equal(compact.regions.length, COMPACT_PROFILE.regions)
  t.equal(compact.centres.filter((c) => c.id.startsWith('TXC')).length, transplantCentreCount(COMPACT_PROFILE, 2000))
  const first = compact.centres[0]
  t.same(new Set(first?.authorisations.filter((a) => a.activity === 'transplant').map((a) => a.organType)), new Set(['kidney', 'liver', 'heart', 'lung', 'pancreas', 'intestine']), 'the first centre holds every programme')
  const suspended = registry.centres.flatMap((c) => c.authorisations.filter((a) => a.suspendedFrom !== undefined).map((a) => ({ c, a })))
  t.ok(suspended.length > 0, 'a national registry has some suspended programmes')
  for (const { c, a } of suspended) {
    t.equal(a.suspendedFrom, START_INSTANT)
    const arrivals = registry.candidates.filter((x) => x.registeredAt >= START_INSTANT && x.centreId === c.id && x.organType === a.organType)
    t.equal(arrivals.length, 0, 'no new registration at a suspended programme')
  }
  t.ok(greatCircleKm(52.37, 4.9, 48.86, 2.35) > 420 && greatCircleKm(52.37, 4.9, 48.86, 2.35) < 440, 'Amsterdam–Paris is about 430 km')
})

t.test('options are checked and errors name the field', async (t) => {
  const code = (fn: () => unknown): { code: string, field: string | undefined } => {
    try {
      fn()
    } catch (error) {
      return { code: (error as { code: string }).code, field: (error as { field?: string }).field }
    }
    return { code: 'none', field: undefined }
  }
  t.same(code(() => resolveOptions({ seed: 1, candidates: -1, startDate: START })), { code: 'ENGINE_OUT_OF_RANGE', field: 'candidates' })
  t.same(code(() => resolveOptions({ seed: 1, candidates: 1.5, startDate: START })), { code: 'ENGINE_INVALID_FIELD', field: 'candidates' })
  t.same(code(() => resolveOptions({ seed: 1, candidates: 10, startDate: '2025-02-30' })), { code: 'ENGINE_INVALID_FIELD', field: 'startDate' })
  t.same(code(() => resolveOptions({ seed: 1, candidates: 10, startDate: 20250101 as unknown as string })), { code: 'ENGINE_INVALID_FIELD', field: 'startDate' })
  t.same(code(() => resolveOptions({ seed: Number.NaN, candidates: 10, startDate: START })), { code: 'ENGINE_INVALID_FIELD', field: 'seed' })
  t.same(code(() => resolveOptions({ seed: {} as unknown as string, candidates: 10, startDate: START })), { code: 'ENGINE_INVALID_FIELD', field: 'seed' })
  t.same(code(() => resolveOptions(null as unknown as { seed: 1, candidates: 1, startDate: string })), { code: 'ENGINE_INVALID_FIELD', field: 'options' })
  t.same(code(() => resolveOptions({ seed: 1, candidates: 10, startDate: START, profile: 'mars' })), { code: 'ENGINE_UNKNOWN_VALUE', field: 'profile' })
  t.same(code(() => resolveOptions({ seed: 1, candidates: 10, startDate: START, donorsPerYear: -3 })), { code: 'ENGINE_OUT_OF_RANGE', field: 'donorsPerYear' })
  t.same(code(() => resolveOptions({ seed: 1, candidates: 10, startDate: START, panelSize: 10 })), { code: 'ENGINE_OUT_OF_RANGE', field: 'panelSize' })
  t.same(code(() => countryProfile('nowhere')), { code: 'ENGINE_UNKNOWN_VALUE', field: 'profile' })
  t.same(code(() => categorical([['a', 0]])), { code: 'ENGINE_INVALID_FIELD', field: 'weights' })
  const resolved = resolveOptions({ seed: 9, candidates: 1000, startDate: START, periodDays: 730 })
  t.equal(resolved.donors, Math.round(1000 * NATIONAL_PROFILE.donorsPerYearPerListedCandidate * 730 / 365.25))
  t.equal(resolved.profile, 'national')
  t.equal(periodEnd(resolved), '2027-01-01')
  t.equal(generateRegistry({ seed: 1, candidates: 0, startDate: START, panelSize: 100 }).candidates.length, 0, 'an empty list is allowed')
})

t.test('unacceptable antigens land in the vPRA band and equal the engine count (property)', async (t) => {
  const samplers = buildHlaSamplers()
  const draw = new Draw(createRandom('panel-test'))
  const panel = Array.from({ length: 800 }, () => ({ abo: 'O' as const, hla: drawTyping(draw, samplers, 'white') }))
  const model = buildSensitisationModel(panel, samplers)
  const panelTypings = panel.map((p) => p.hla)
  let inBand = 0
  let runs = 0
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: VPRA_BANDS.length - 1 }), (seed, bandIndex) => {
    const d = new Draw(createRandom(seed))
    const own = drawTyping(d, samplers, 'white')
    const [low, high] = VPRA_BANDS[bandIndex] as readonly [number, number, number]
    const result = drawUnacceptableAntigens(d, model, own, [low, high])
    runs++
    if (result.vpraPercent >= low) inBand++
    const ownAntigens = HLA_LOCI.flatMap((locus) => own[locus] ?? [])
    return result.vpraPercent <= high &&
      Math.abs(virtualPra(result.unacceptableAntigens, panelTypings) - result.vpraPercent) < 1e-9 &&
      result.unacceptableAntigens.every((a) => !ownAntigens.includes(a))
  }), { numRuns: 200 })
  t.ok(inBand / runs > 0.9, `${inBand} of ${runs} reached their band`)
})

t.test('the MMP cache equals the engine formula (property)', async (t) => {
  const samplers = buildHlaSamplers()
  const draw = new Draw(createRandom('mmp-panel'))
  const panel = Array.from({ length: 600 }, () => ({ abo: (['O', 'A', 'B', 'AB'] as const)[draw.int(0, 3)] as 'O', hla: drawTyping(draw, samplers, 'mixed' as 'white') }))
  const frequencies = populationFrequencies(panel)
  const cache = new MismatchProbabilityCache(frequencies)
  fc.assert(fc.property(fc.integer(), fc.constantFrom('O', 'A', 'B', 'AB', 'A2'), fc.double({ min: 0, max: 100, noNaN: true }), (seed, abo, vpra) => {
    const hla = drawTyping(new Draw(createRandom(seed)), samplers, 'black')
    const aboType = abo as 'O'
    return Math.abs(cache.mmpPercent(aboType, hla, vpra) - mismatchProbability({ abo: aboType, hla }, vpra, frequencies)) < 1e-9
  }), { numRuns: 200 })
  t.pass()
})

t.test('dates, identifiers and bit counts', async (t) => {
  fc.assert(fc.property(fc.integer({ min: -2_000_000_000_000, max: 7_000_000_000_000 }), (ms) =>
    isoInstant(ms) === new Date(ms).toISOString() && isoDate(ms) === new Date(ms).toISOString().slice(0, 10)), { numRuns: 300 })
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) =>
    popcount32(value) === value.toString(2).split('').filter((b) => b === '1').length), { numRuns: 300 })
  t.equal(addYears('2024-02-29', 1), '2025-02-28')
  t.equal(completedYears('2000-06-15', '2025-06-14'), 24)
  t.equal(completedYears('2000-06-15', '2025-06-15'), 25)
  t.equal(parseStartDate('2025-01-01'), Date.UTC(2025, 0, 1))
  const numbers = new Set(Array.from({ length: 5000 }, (_, i) => nationalId('XS', i, 17)))
  t.equal(numbers.size, 5000, 'distinct serials give distinct national ids')
  t.equal(nationalId('XS', 500_000_001, 17).length, 'XS-000000000-A'.length)
  t.ok(Object.keys(OPTN_2015_ANTIGEN_FREQUENCIES.DR).includes('DR15'))
})
