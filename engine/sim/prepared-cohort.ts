import { normaliseTyping } from '../clinical/hla-antigens.js'
import { ABO_TYPES, aboGroup, type AboType } from '../domain/abo.js'
import type { Donor } from '../domain/donor.js'
import { requireEnum } from '../domain/input.js'
import type { HlaTyping } from '../domain/hla.js'
import { parseInstant } from '../match/snapshot.js'
import { checkCohort, type SimulationCohort } from './cohort.js'
import { buildMasterWaitlist, type MasterWaitlist } from './sim-waitlist.js'

/**
 * A cohort turned into the arrays the simulation loop reads: built once per cohort (per worker) and
 * shared, read-only, by every arm and replication.
 */

const DAY_MS = 86_400_000

/** The dimensions outcomes are broken down by. `ordinal` dimensions have a natural order of groups. */
export const GROUP_DIMENSIONS = [
  { name: 'bloodGroup', ordinal: false, protected: false },
  { name: 'sensitisation', ordinal: true, protected: false },
  { name: 'ageBand', ordinal: true, protected: false },
  { name: 'paediatric', ordinal: false, protected: false },
  { name: 'region', ordinal: false, protected: false },
  { name: 'diagnosis', ordinal: false, protected: false },
  { name: 'sex', ordinal: false, protected: true },
  { name: 'raceEthnicity', ordinal: false, protected: true },
  { name: 'residence', ordinal: false, protected: true }
] as const
export type GroupDimension = typeof GROUP_DIMENSIONS[number]['name']

/** cPRA bands: the US KAS thresholds (priority from 98%, sliding points from 20%, highly sensitised from 80%). */
export const SENSITISATION_BANDS = ['cPRA 0%', 'cPRA 1–79%', 'cPRA 80–97%', 'cPRA 98–100%'] as const
export const AGE_BANDS = ['<18', '18–34', '35–49', '50–64', '65+'] as const

export function sensitisationBand (cpraPercent: number): string {
  if (cpraPercent <= 0) return SENSITISATION_BANDS[0]
  if (cpraPercent < 80) return SENSITISATION_BANDS[1]
  if (cpraPercent < 98) return SENSITISATION_BANDS[2]
  return SENSITISATION_BANDS[3]
}

export function ageBand (ageYears: number): string {
  if (ageYears < 18) return AGE_BANDS[0]
  if (ageYears < 35) return AGE_BANDS[1]
  if (ageYears < 50) return AGE_BANDS[2]
  if (ageYears < 65) return AGE_BANDS[3]
  return AGE_BANDS[4]
}

export interface GroupCodes {
  /** Group labels in their order (natural order for ordinal dimensions, sorted otherwise). */
  readonly labels: readonly string[]
  /** Label index of each cohort candidate. */
  readonly codes: Uint16Array
}

export interface PreparedDonor {
  readonly donor: Donor
  readonly day: number
  readonly kidneys: number
  readonly abo: AboType
  readonly diabetes: boolean
  readonly hypertension: boolean
}

export interface PreparedCohort {
  readonly startInstant: string
  readonly startMs: number
  readonly persons: number
  /** Day the candidate enters the simulation (0 for the list at the start). */
  readonly entryDay: Float64Array
  /** Day of registration (negative for candidates listed before the start). */
  readonly registeredDay: Float64Array
  readonly entryAgeYears: Float64Array
  readonly waitingFromDay: Float64Array
  /** Day dialysis started; NaN when not on dialysis. */
  readonly dialysisFromDay: Float64Array
  readonly initiallyActive: Uint8Array
  readonly diabetes: Uint8Array
  readonly priorTransplant: Uint8Array
  readonly cpraPercent: Float64Array
  /** HLA typings normalised to canonical antigen names (the acceptance model counts mismatches on them). */
  readonly hla: readonly HlaTyping[]
  /** Index of the candidate's centre in the master snapshot's centre table. */
  readonly centre: Uint16Array
  readonly groups: Readonly<Record<GroupDimension, GroupCodes>>
  readonly donors: readonly PreparedDonor[]
  readonly master: MasterWaitlist
  readonly centreCount: number
}

function codesFor (values: readonly string[], order?: readonly string[]): GroupCodes {
  const labels = order !== undefined ? order.filter((l) => values.includes(l)) : [...new Set(values)].sort()
  const index = new Map(labels.map((l, i) => [l, i]))
  return { labels, codes: Uint16Array.from(values.map((v) => index.get(v) as number)) }
}

export function prepareCohort (cohort: SimulationCohort): PreparedCohort {
  checkCohort(cohort)
  const startInstant = `${cohort.startDate}T00:00:00.000Z`
  const startMs = Date.parse(startInstant)
  const entries = cohort.candidates
  const persons = entries.length
  // The snapshot builder checks every candidate field first, naming it (candidates[i].waitingDays…).
  const master = buildMasterWaitlist(entries.map((e) => e.candidate), cohort.centres, startInstant)
  const entryDay = new Float64Array(persons)
  const registeredDay = new Float64Array(persons)
  const entryAgeYears = new Float64Array(persons)
  const waitingFromDay = new Float64Array(persons)
  const dialysisFromDay = new Float64Array(persons)
  const initiallyActive = new Uint8Array(persons)
  const diabetes = new Uint8Array(persons)
  const priorTransplant = new Uint8Array(persons)
  const cpraPercent = new Float64Array(persons)
  entries.forEach((entry, p) => {
    const c = entry.candidate
    const registered = (parseInstant(c.registeredAt, `cohort.candidates[${p}].candidate.registeredAt`).ms - startMs) / DAY_MS
    registeredDay[p] = registered
    const entered = Math.max(0, registered)
    entryDay[p] = entered
    entryAgeYears[p] = c.ageYears
    waitingFromDay[p] = entered - c.waitingDays
    dialysisFromDay[p] = entry.dialysisFrom !== undefined
      ? (parseInstant(entry.dialysisFrom, `cohort.candidates[${p}].dialysisFrom`).ms - startMs) / DAY_MS
      : c.dialysisDays > 0 ? entered - c.dialysisDays : Number.NaN
    initiallyActive[p] = c.status === 'active' ? 1 : 0
    diabetes[p] = entry.diabetes ? 1 : 0
    priorTransplant[p] = entry.priorSolidOrganTransplant ? 1 : 0
    cpraPercent[p] = c.cpraPercent
  })
  const centreRow = master.snapshot.columns.centre
  const centre = new Uint16Array(persons)
  for (let p = 0; p < persons; p++) centre[p] = centreRow[master.rowOfPerson[p] as number] as number
  const centres = master.snapshot.tables.centres
  const groups: Record<GroupDimension, GroupCodes> = {
    bloodGroup: codesFor(entries.map((e) => aboGroup(e.candidate.abo)), ['O', 'A', 'B', 'AB']),
    sensitisation: codesFor(entries.map((e) => sensitisationBand(e.candidate.cpraPercent)), SENSITISATION_BANDS),
    ageBand: codesFor(entries.map((e) => ageBand(e.candidate.ageYears)), AGE_BANDS),
    paediatric: codesFor(entries.map((e) => e.candidate.ageYears < 18 ? 'paediatric' : 'adult'), ['paediatric', 'adult']),
    region: codesFor(entries.map((_, p) => (centres[centre[p] as number] as { region: string }).region)),
    diagnosis: codesFor(entries.map((e) => e.candidate.diagnosisGroup)),
    sex: codesFor(entries.map((e) => e.equity.sex)),
    raceEthnicity: codesFor(entries.map((e) => e.equity.raceEthnicity)),
    residence: codesFor(entries.map((e) => e.equity.residence))
  }
  const donors = cohort.donors
    .map((d, i) => ({ d, i, day: (parseInstant(d.reportedAt, `cohort.donors[${i}].reportedAt`).ms - startMs) / DAY_MS }))
    .sort((a, b) => a.day - b.day || (a.d.donor.id < b.d.donor.id ? -1 : a.d.donor.id > b.d.donor.id ? 1 : a.i - b.i))
    .map(({ d, i, day }): PreparedDonor => ({
      donor: d.donor,
      day,
      kidneys: d.kidneys,
      abo: requireEnum(d.donor.abo, `cohort.donors[${i}].donor.abo`, ABO_TYPES),
      diabetes: d.donor.diabetes === true,
      hypertension: d.donor.hypertension === true
    }))
  return {
    startInstant,
    startMs,
    persons,
    entryDay,
    registeredDay,
    entryAgeYears,
    waitingFromDay,
    dialysisFromDay,
    initiallyActive,
    diabetes,
    priorTransplant,
    cpraPercent,
    hla: entries.map((e, p) => normaliseTyping(e.candidate.hla, `cohort.candidates[${p}].candidate.hla`)),
    centre,
    groups,
    donors,
    master,
    centreCount: centres.length
  }
}
