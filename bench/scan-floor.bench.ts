import { builtInPolicy, builtInPolicyDocuments } from '../data/policies/index.js'
import type { SnapshotColumns, WaitlistSnapshot } from '../engine/match/snapshot.js'
import type { CompiledPolicy } from '../engine/policy/compile-policy.js'
import type { BenchCase, BenchSuite, SizeProfile } from './harness.js'
import { benchSnapshot, LIST_SIZES } from './snapshot.bench.js'

/**
 * The memory-bandwidth floor of a match run: one pass that reads every snapshot column a policy
 * reads, each column front to back, and adds the values up. No match run can read its inputs
 * faster, so match runs are reported as a multiple of this floor.
 */

type ColumnName = keyof SnapshotColumns

/** Columns every run reads: status, urgency class, centre (authorisation), ABO type and the A2 flag. */
const ALWAYS: readonly ColumnName[] = ['status', 'urgency', 'centre', 'abo', 'flags']

const ATTRIBUTE_COLUMNS: Readonly<Record<string, readonly ColumnName[]>> = {
  'candidate.waitingDays': ['waitingDays'],
  'candidate.dialysisDays': ['dialysisDays'],
  'candidate.cpraPercent': ['cpraPercent'],
  'candidate.vpraPercent': ['vpraPercent'],
  'candidate.mmpPercent': ['mmpPercent'],
  'candidate.urgency': ['urgency'],
  'candidate.meld': ['meld'],
  'candidate.peld': ['peld'],
  'candidate.meldOrPeld': ['meld', 'peld'],
  'candidate.eptsPercent': ['eptsPercent'],
  'candidate.ageYears': ['ageYears'],
  'candidate.ageAtRegistrationYears': ['ageAtRegistrationYears'],
  'candidate.paediatric': ['ageYears'],
  'candidate.priorLivingDonor': ['flags'],
  'candidate.diagnosisGroup': ['diagnosisGroup'],
  'candidate.heightCm': ['heightCm'],
  'candidate.weightKg': ['weightKg'],
  'candidate.abo': ['abo'],
  'candidate.registeredAtDays': ['registeredAtDays'],
  'candidate.ukRecipientRiskQuartile': ['ukRecipientRiskQuartile'],
  'candidate.matchabilityScore': ['matchabilityScore'],
  'candidate.waitlistSurvivalDays': ['waitlistSurvivalDays'],
  'candidate.postTransplantSurvivalDays': ['postTransplantSurvivalDays'],
  'candidate.unacceptableAntigens': ['unacceptableOffsets', 'unacceptableCodes'],
  'pair.mismatchA': ['hlaA'],
  'pair.mismatchB': ['hlaB'],
  'pair.mismatchDR': ['hlaDR'],
  'pair.mismatchTotal': ['hlaA', 'hlaB', 'hlaDR'],
  'pair.ukMismatchLevel': ['hlaA', 'hlaB', 'hlaDR'],
  'pair.distanceNm': ['centre', 'maxDistanceNm'],
  'pair.sameCentre': ['centre'],
  'pair.sameRegion': ['centre'],
  'pair.sameCountry': ['centre'],
  'pair.ageDifferenceYears': ['ageYears'],
  'pair.aboIdentical': ['abo'],
  'pair.weightRatio': ['weightKg'],
  'pair.heightRatio': ['heightCm'],
  // Acceptance criteria are listed under the donor value they compare with.
  'donor.ageYears': ['maxDonorAgeYears'],
  'donor.kdpi': ['maxKdpi'],
  'donor.dcd': ['flags'],
  'donor.weightKg': ['minDonorWeightKg', 'maxDonorWeightKg']
}

/** The snapshot columns a compiled policy makes a match run read. Throws on an attribute it cannot place. */
export function policyColumns (policy: CompiledPolicy): ColumnName[] {
  const columns = new Set<ColumnName>(ALWAYS)
  for (const name of policy.reads.all) {
    const mapped = ATTRIBUTE_COLUMNS[name]
    if (mapped !== undefined) mapped.forEach((c) => columns.add(c))
    else if (!name.startsWith('donor.')) throw new Error(`scan floor: no column known for attribute ${name}; add it to ATTRIBUTE_COLUMNS`)
  }
  return [...columns].sort()
}

// One summing loop per element type keeps each loop monomorphic.
function sumFloat64 (values: Float64Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (v === v) sum += v // absent optional values are NaN
  }
  return sum
}

function sumUint32 (values: Uint32Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i] as number
  return sum
}

function sumUint16 (values: Uint16Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i] as number
  return sum
}

function sumUint8 (values: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i] as number
  return sum
}

export interface ColumnScan {
  readonly columns: readonly ColumnName[]
  readonly bytes: number
  /** Reads every listed column once; returns the sum so the work cannot be optimised away. */
  run (): number
}

export function columnScan (snapshot: WaitlistSnapshot, columns: readonly ColumnName[]): ColumnScan {
  const arrays = columns.map((name) => snapshot.columns[name])
  const float64 = arrays.filter((a): a is Float64Array => a instanceof Float64Array)
  const uint32 = arrays.filter((a): a is Uint32Array => a instanceof Uint32Array)
  const uint16 = arrays.filter((a): a is Uint16Array => a instanceof Uint16Array)
  const uint8 = arrays.filter((a): a is Uint8Array => a instanceof Uint8Array)
  return {
    columns,
    bytes: arrays.reduce((sum, a) => sum + a.byteLength, 0),
    run () {
      let sum = 0
      for (const a of float64) sum += sumFloat64(a)
      for (const a of uint32) sum += sumUint32(a)
      for (const a of uint16) sum += sumUint16(a)
      for (const a of uint8) sum += sumUint8(a)
      return sum
    }
  }
}

/** The floor in milliseconds: the median of `runs` scans (after a warm-up), measured outside benchmark.js. */
export function scanFloorMs (policy: CompiledPolicy, snapshot: WaitlistSnapshot, runs = 51): number {
  const scan = columnScan(snapshot, policyColumns(policy))
  let sink = 0
  for (let k = 0; k < 5; k++) sink += scan.run()
  const times: number[] = []
  for (let k = 0; k < runs; k++) {
    const start = performance.now()
    sink += scan.run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  if (Number.isNaN(sink)) throw new Error('unreachable: the scan sum is never NaN')
  return times[Math.floor(times.length / 2)] as number
}

export function sizeLabel (size: number): string {
  return size >= 1000 ? `${size / 1000}k` : String(size)
}

export const scanFloorSuite: BenchSuite = {
  name: 'scan-floor',
  description: 'one pass over the snapshot columns each built-in policy reads (the memory-bandwidth floor)',
  async setup (profile: SizeProfile) {
    const cases: BenchCase[] = []
    // Accumulating results keeps the optimiser from discarding the scans being measured.
    let sink = 0
    for (const size of LIST_SIZES[profile]) {
      for (const { id, organType } of builtInPolicyDocuments()) {
        const scan = columnScan(benchSnapshot(profile, organType, size), policyColumns(builtInPolicy(id)))
        cases.push({
          name: `${id} ${sizeLabel(size)}`,
          params: { policy: id, candidates: size },
          fn: () => { sink += scan.run() },
          figures: () => ({ columns: scan.columns.length, bytesScannedPerCandidate: scan.bytes / size })
        })
      }
    }
    return cases
  }
}
