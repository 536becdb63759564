import { isAboCompatible, type AboRuleSet } from '../clinical/abo-compatibility.js'
import { sha256Hex } from '../canonical-hash.js'
import { ABO_TYPES, aboGroup, type AboGroup, type AboType } from '../domain/abo.js'
import { CANDIDATE_STATUSES, type Candidate, type CandidateStatus } from '../domain/candidate.js'
import type { Centre } from '../domain/centre.js'
import { MatchRunError } from '../errors.js'
import {
  buildWaitlistSnapshot, FLOAT_COLUMNS, UINT16_COLUMNS, UINT8_COLUMNS,
  type ColumnLayout, type SnapshotColumns, type SnapshotTables, type WaitlistSnapshot
} from '../match/snapshot.js'
import type { CompiledPolicy } from '../policy/compile-policy.js'

/**
 * The simulator's waiting list, kept in the match engine's own columnar snapshot so that every
 * simulated match run is scored by the live code (prepareMatchContext + scorePartition).
 *
 * - The master snapshot is built once per cohort by buildWaitlistSnapshot, with every candidate the
 *   cohort will ever hold. Candidates get simulator pseudonyms that sort by blood-group block
 *   (O, A, AB, B) and then by cohort order, so each block is a contiguous run of rows.
 * - Before a match run the simulator compacts it: a new snapshot holding only the candidates whose
 *   current status the policy offers to, with the time-dependent columns (waiting days, dialysis
 *   days, age, status, registration) set to their values on the match day. Rows are copied column by
 *   column from the master buffer, following the column lists the snapshot module exports.
 * - A match run scores only the rows of blood groups that any of the policy's ABO rule sets could
 *   allow for the donor; every other row would be excluded with ABO_INCOMPATIBLE, so the ranked list
 *   is the one the full snapshot gives (test/sim-waitlist.test.ts checks this).
 */

/** Block order of candidate blood groups: every standard rule set's allowed groups are contiguous. */
export const ABO_BLOCKS: readonly AboGroup[] = ['O', 'A', 'AB', 'B']
const BLOCK_LETTER = ['a', 'b', 'c', 'd']

export interface MasterWaitlist {
  readonly snapshot: WaitlistSnapshot
  /** Cohort index of each master row, and the row of each cohort candidate. */
  readonly personOfRow: Int32Array
  readonly rowOfPerson: Int32Array
}

/** Simulator pseudonym of cohort candidate `person`: block letter, then the zero-padded cohort index. */
export function simulationId (abo: AboType, person: number): string {
  return `${BLOCK_LETTER[ABO_BLOCKS.indexOf(aboGroup(abo))] as string}${String(person).padStart(9, '0')}`
}

/**
 * Builds the master snapshot at the start instant. A candidate who registers later is entered with
 * its registration clamped to the start (the snapshot builder refuses registrations after its
 * instant); its real registration is written into the compacted snapshots once it has arrived.
 */
export function buildMasterWaitlist (candidates: readonly Candidate[], centres: readonly Centre[], startInstant: string): MasterWaitlist {
  const startMs = Date.parse(startInstant)
  const entered = candidates.map((c, person): Candidate => ({
    ...c,
    id: simulationId(c.abo, person),
    registeredAt: Date.parse(c.registeredAt) > startMs ? startInstant : c.registeredAt
  }))
  const snapshot = buildWaitlistSnapshot({ organType: 'kidney', at: startInstant, candidates: entered, centres })
  const personOfRow = new Int32Array(snapshot.count)
  const rowOfPerson = new Int32Array(candidates.length)
  snapshot.tables.candidateIds.forEach((id, row) => {
    const person = Number(id.slice(1))
    personOfRow[row] = person
    rowOfPerson[person] = row
  })
  return { snapshot, personOfRow, rowOfPerson }
}

/** A compacted working snapshot and where its rows came from. */
export interface CompactWaitlist {
  readonly snapshot: WaitlistSnapshot
  readonly personOfRow: Int32Array
  /** Start and end row of each ABO block (ABO_BLOCKS order). */
  readonly blockStart: Int32Array
  readonly blockEnd: Int32Array
}

const SIZE = { f64: 8, u32: 4, u16: 2, u8: 1 } as const
const PER_ROW: ReadonlySet<string> = new Set<string>([...FLOAT_COLUMNS, ...UINT16_COLUMNS, ...UINT8_COLUMNS])

// One monomorphic copy loop per element type: a single loop over a union of typed arrays is several
// times slower, and compaction runs before most match runs.
function copyF64 (from: Float64Array, to: Float64Array, rows: Int32Array): void {
  for (let j = 0; j < rows.length; j++) to[j] = from[rows[j] as number] as number
}
function copyU16 (from: Uint16Array, to: Uint16Array, rows: Int32Array): void {
  for (let j = 0; j < rows.length; j++) to[j] = from[rows[j] as number] as number
}
function copyU8 (from: Uint8Array, to: Uint8Array, rows: Int32Array): void {
  for (let j = 0; j < rows.length; j++) to[j] = from[rows[j] as number] as number
}

/**
 * Copies the master rows `rows` (ascending) into a new snapshot. The side tables (centres, antigen
 * dictionary, HLA phenotypes, urgencies) are shared with the master, so the row codes stay valid.
 * `label` names this compaction; the result's `hash` is an identity derived from the master hash and
 * the label, not a content hash, and `byteLength` counts the column bytes only (a working snapshot
 * is not an audit object and never leaves the thread).
 */
export function compactWaitlist (master: MasterWaitlist, rows: Int32Array, label: string): CompactWaitlist {
  const source = master.snapshot
  const sourceLayout = source.tables.layout
  const count = rows.length
  const offsetsColumn = source.columns.unacceptableOffsets
  let codeCount = 0
  for (let j = 0; j < count; j++) {
    const row = rows[j] as number
    codeCount += (offsetsColumn[row + 1] as number) - (offsetsColumn[row] as number)
  }
  const layout: ColumnLayout[] = []
  let offset = 0
  for (const column of sourceLayout) {
    let length: number
    if (column.name === 'unacceptableOffsets') length = count + 1
    else if (column.name === 'unacceptableCodes') length = codeCount
    else if (PER_ROW.has(column.name) && column.length === source.count) length = count
    else throw new MatchRunError(`snapshot column ${column.name} has a shape the simulator does not know`, { field: 'snapshot.tables.layout', rule: 'per-candidate columns, unacceptableOffsets and unacceptableCodes only' })
    layout.push({ name: column.name, type: column.type, byteOffset: offset, length })
    offset += Math.ceil((length * SIZE[column.type]) / 8) * 8
  }
  const buffer = new SharedArrayBuffer(Math.max(8, offset))
  const columns: Record<string, Float64Array | Uint32Array | Uint16Array | Uint8Array> = {}
  const sourceColumns = source.columns as unknown as Record<string, Float64Array | Uint32Array | Uint16Array | Uint8Array>
  for (const target of layout) {
    switch (target.type) {
      case 'f64': {
        const to = new Float64Array(buffer, target.byteOffset, target.length)
        copyF64(sourceColumns[target.name] as Float64Array, to, rows)
        columns[target.name] = to
        break
      }
      case 'u16': {
        const to = new Uint16Array(buffer, target.byteOffset, target.length)
        if (target.name !== 'unacceptableCodes') copyU16(sourceColumns[target.name] as Uint16Array, to, rows)
        columns[target.name] = to
        break
      }
      case 'u8': {
        const to = new Uint8Array(buffer, target.byteOffset, target.length)
        copyU8(sourceColumns[target.name] as Uint8Array, to, rows)
        columns[target.name] = to
        break
      }
      case 'u32':
        columns[target.name] = new Uint32Array(buffer, target.byteOffset, target.length)
        break
    }
  }
  const codesColumn = source.columns.unacceptableCodes
  const offsets = columns.unacceptableOffsets as Uint32Array
  const codes = columns.unacceptableCodes as Uint16Array
  let code = 0
  for (let j = 0; j < count; j++) {
    const row = rows[j] as number
    offsets[j] = code
    const last = offsetsColumn[row + 1] as number
    for (let k = offsetsColumn[row] as number; k < last; k++) codes[code++] = codesColumn[k] as number
  }
  offsets[count] = code

  const ids = source.tables.candidateIds
  const candidateIds: string[] = new Array<string>(count)
  const personOfRow = new Int32Array(count)
  const blockStart = new Int32Array(ABO_BLOCKS.length).fill(count)
  const blockEnd = new Int32Array(ABO_BLOCKS.length).fill(0)
  for (let j = 0; j < count; j++) {
    const row = rows[j] as number
    const id = ids[row] as string
    candidateIds[j] = id
    personOfRow[j] = master.personOfRow[row] as number
    const block = BLOCK_LETTER.indexOf(id[0] as string)
    if (j < (blockStart[block] as number)) blockStart[block] = j
    blockEnd[block] = j + 1
  }
  for (let b = 0; b < ABO_BLOCKS.length; b++) if ((blockEnd[b] as number) === 0) blockStart[b] = 0
  const tables: SnapshotTables = { ...source.tables, count, layout, candidateIds }
  const snapshot: WaitlistSnapshot = Object.freeze({
    organType: source.organType,
    at: source.at,
    count,
    hash: sha256Hex(`${source.hash}/${label}`),
    byteLength: buffer.byteLength,
    buffer,
    tables,
    columns: columns as unknown as SnapshotColumns
  })
  return { snapshot, personOfRow, blockStart, blockEnd }
}

/** Index of a status in the snapshot's status column. */
export function statusCode (status: CandidateStatus): number {
  return CANDIDATE_STATUSES.indexOf(status)
}

/**
 * For each donor ABO type, the candidate blocks some rule set of the policy (its base rule or any
 * exception) could allow; A2-eligibility is tried both ways. Rows outside these blocks can only be
 * excluded, whatever the candidate's other values.
 */
export function compatibleBlocks (policy: CompiledPolicy): ReadonlyMap<AboType, readonly number[]> {
  const ruleSets: AboRuleSet[] = [policy.eligibility.aboRuleSet, ...policy.eligibility.aboExceptions.map((e) => e.ruleSet)]
  const result = new Map<AboType, number[]>()
  for (const donor of ABO_TYPES) {
    const blocks = new Set<number>()
    for (const candidate of ABO_TYPES) {
      for (const a2 of [false, true]) {
        if (ruleSets.some((ruleSet) => isAboCompatible(ruleSet, donor, candidate, a2))) blocks.add(ABO_BLOCKS.indexOf(aboGroup(candidate)))
      }
    }
    result.set(donor, [...blocks].sort((a, b) => a - b))
  }
  return result
}

/** The smallest row range [start, end) covering the given blocks of a compacted snapshot. */
export function blockRange (compact: CompactWaitlist, blocks: readonly number[]): { start: number, end: number } {
  let start = compact.snapshot.count
  let end = 0
  for (const block of blocks) {
    if ((compact.blockEnd[block] as number) > (compact.blockStart[block] as number)) {
      start = Math.min(start, compact.blockStart[block] as number)
      end = Math.max(end, compact.blockEnd[block] as number)
    }
  }
  return start >= end ? { start: 0, end: 0 } : { start, end }
}
