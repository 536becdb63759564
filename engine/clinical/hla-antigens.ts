import { InvalidFieldError, MissingFieldError, UnknownValueError } from '../errors.js'
import { HLA_LOCI, type HlaLocus, type HlaTyping } from '../domain/hla.js'

/**
 * Serological HLA antigens at the level allocation uses: broads (A9) and their splits (A23, A24).
 *
 * A, B and DR families follow the Eurotransplant match table used by the ETKidney simulator
 * (`et_match_table_all.csv`, as listed in clinical-scores.md section 6). C and DQ families, which only
 * matter for unacceptable antigens and vPRA, follow the WHO serological nomenclature (Cw9 and Cw10
 * split Cw3; DQ5 and DQ6 split DQ1; DQ7, DQ8 and DQ9 split DQ3).
 */
const BROAD_FAMILIES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['A9', ['A23', 'A24']],
  ['A10', ['A25', 'A26', 'A34', 'A66']],
  ['A19', ['A29', 'A30', 'A31', 'A32', 'A33', 'A74']],
  ['A28', ['A68', 'A69']],
  ['B5', ['B51', 'B52']],
  ['B12', ['B44', 'B45']],
  ['B14', ['B64', 'B65']],
  ['B15', ['B62', 'B63', 'B75', 'B76', 'B77']],
  ['B16', ['B38', 'B39']],
  ['B17', ['B57', 'B58']],
  ['B21', ['B49', 'B50']],
  ['B22', ['B54', 'B55', 'B56']],
  ['B40', ['B60', 'B61']],
  ['B70', ['B71', 'B72']],
  ['C3', ['C9', 'C10']],
  ['DR2', ['DR15', 'DR16']],
  ['DR3', ['DR17', 'DR18']],
  ['DR5', ['DR11', 'DR12']],
  ['DR6', ['DR13', 'DR14']],
  ['DQ1', ['DQ5', 'DQ6']],
  ['DQ3', ['DQ7', 'DQ8', 'DQ9']]
]

/**
 * Antigen numbers accepted per locus: the WHO serological specificities, plus the C allele groups
 * (C12, C14–C18) that laboratories report at C for want of a serological name. Associated antigens
 * (A203, B2708, DR1403…), Bw4/Bw6 and DR51/52/53 (other DRB loci) are deliberately not accepted.
 */
const ANTIGEN_NUMBERS: Readonly<Record<HlaLocus, readonly number[]>> = {
  A: [1, 2, 3, 9, 10, 11, 19, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 34, 36, 43, 66, 68, 69, 74, 80],
  B: [5, 7, 8, 12, 13, 14, 15, 16, 17, 18, 21, 22, 27, 35, 37, 38, 39, 40, 41, 42, 44, 45, 46, 47, 48,
    49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 71, 72, 73, 75, 76, 77,
    78, 81, 82, 83],
  C: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 17, 18],
  DR: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
  DQ: [1, 2, 3, 4, 5, 6, 7, 8, 9]
}

/** Split → broad, e.g. 'A23' → 'A9', 'DR15' → 'DR2'. Antigens that are not splits are absent. */
export const SPLIT_TO_BROAD: ReadonlyMap<string, string> = new Map(
  BROAD_FAMILIES.flatMap(([broad, splits]) => splits.map((split) => [split, broad] as const)))

const BROAD_TO_SPLITS: ReadonlyMap<string, readonly string[]> = new Map(
  BROAD_FAMILIES.map(([broad, splits]) => [broad, Object.freeze([...splits])] as const))

const NO_SPLITS: readonly string[] = Object.freeze([])

/** Every canonical antigen name, mapped to its position in the canonical order (locus, then number). */
const ANTIGEN_ORDER: ReadonlyMap<string, number> = new Map(
  HLA_LOCI.flatMap((locus) => ANTIGEN_NUMBERS[locus].map((n) => `${locus}${n}`)).map((name, index) => [name, index] as const))

/** Every accepted antigen name in canonical order (locus A, B, C, DR, DQ, then number). */
export const HLA_ANTIGENS: readonly string[] = Object.freeze([...ANTIGEN_ORDER.keys()])

const ANTIGENS_BY_LOCUS: Readonly<Record<HlaLocus, readonly string[]>> = Object.freeze(Object.fromEntries(
  HLA_LOCI.map((locus) => [locus, Object.freeze(ANTIGEN_NUMBERS[locus].map((n) => `${locus}${n}`))])) as Record<HlaLocus, readonly string[]>)

/** The accepted antigen names of one locus, in canonical order. */
export function antigensOfLocus (locus: HlaLocus): readonly string[] {
  return ANTIGENS_BY_LOCUS[locus]
}

const ANTIGEN_LOCUS: ReadonlyMap<string, HlaLocus> = new Map(
  HLA_LOCI.flatMap((locus) => ANTIGEN_NUMBERS[locus].map((n) => [`${locus}${n}`, locus] as const)))

/** Optional "HLA-" prefix, locus, optional workshop "w" (Cw7, Bw62), optional "*", one or two digits. */
const ANTIGEN_PATTERN = /^(?:HLA-)?(DR|DQ|A|B|C)W?\*?(\d{1,2})$/

const NOTATION_RULE = 'must be a serological HLA antigen such as A2, B44, Cw7, DR15 or DQ7 ' +
  '(one or two digits after the locus; allele notation such as A*02:01 is not accepted)'

/**
 * Reads one antigen as a laboratory or registry might write it and returns its canonical name:
 * ' a*02 ', 'A02', 'a2' → 'A2'; 'Cw7' → 'C7'; 'HLA-DR15' → 'DR15'. Allele notation ('A*02:01',
 * 'DR0015'), unsupported loci ('DP1') and unknown numbers ('A99', 'Bw4', 'DR52') are refused.
 * Source of the accepted names: WHO serological HLA specificities (Marsh et al., HLA nomenclature).
 */
export function normaliseAntigen (text: string, field: string): string {
  if ((text as unknown) === undefined || (text as unknown) === null) throw new MissingFieldError(field)
  if (typeof text !== 'string') throw new InvalidFieldError(field, NOTATION_RULE)
  const match = ANTIGEN_PATTERN.exec(text.trim().toUpperCase())
  if (match === null) throw new InvalidFieldError(field, NOTATION_RULE)
  const locus = match[1] as HlaLocus
  const name = `${locus}${Number(match[2])}`
  if (!ANTIGEN_ORDER.has(name)) {
    throw new UnknownValueError(field, `must be a known serological HLA-${locus} antigen (got "${text}"; ` +
      'associated antigens, Bw4/Bw6 and DR51/52/53 are not supported)')
  }
  return name
}

/** True when `antigen` is a canonical antigen name as returned by `normaliseAntigen`. */
export function isCanonicalAntigen (antigen: string): boolean {
  return ANTIGEN_ORDER.has(antigen)
}

/** True when `antigen` is a canonical antigen name of that locus ('B7' is not an HLA-A antigen). */
export function isAntigenOfLocus (antigen: string, locus: HlaLocus): boolean {
  return ANTIGEN_LOCUS.get(antigen) === locus
}

/** The broad a split belongs to ('A24' → 'A9'); a broad or an antigen without splits is its own broad. */
export function broadOf (antigen: string): string {
  return SPLIT_TO_BROAD.get(antigen) ?? antigen
}

/** The splits of a broad ('DR2' → ['DR15', 'DR16']); empty for splits and antigens without splits. */
export function splitsOf (antigen: string): readonly string[] {
  return BROAD_TO_SPLITS.get(antigen) ?? NO_SPLITS
}

/** The locus of a canonical antigen name; throws UnknownValueError for anything else. */
export function antigenLocus (antigen: string): HlaLocus {
  const locus = ANTIGEN_LOCUS.get(antigen)
  if (locus === undefined) throw new UnknownValueError('antigen', `must be a canonical HLA antigen name such as A2 or DR15 (got "${String(antigen)}")`)
  return locus
}

/** Orders canonical antigens by locus (A, B, C, DR, DQ), then by number: A2 before A10 before B7. */
export function compareAntigens (left: string, right: string): number {
  return (ANTIGEN_ORDER.get(left) ?? Number.MAX_SAFE_INTEGER) - (ANTIGEN_ORDER.get(right) ?? Number.MAX_SAFE_INTEGER) ||
    (left < right ? -1 : left > right ? 1 : 0)
}

function normaliseLocus (value: unknown, locus: HlaLocus, field: string): string[] {
  if (!Array.isArray(value)) throw new InvalidFieldError(field, `must be a list of 0 to 2 HLA-${locus} antigens`)
  if (value.length > 2) throw new InvalidFieldError(field, `must hold at most 2 HLA-${locus} antigens (got ${value.length})`)
  const antigens: string[] = []
  for (let i = 0; i < value.length; i++) {
    const itemField = `${field}[${i}]`
    const antigen = normaliseAntigen(value[i] as string, itemField)
    if (ANTIGEN_LOCUS.get(antigen) !== locus) {
      throw new InvalidFieldError(itemField, `must be an HLA-${locus} antigen (got "${String(value[i])}")`)
    }
    antigens.push(antigen)
  }
  return antigens
}

/**
 * Validates and normalises an HLA typing: an object with the lists A, B and DR (required) and C, DQ
 * (optional), each holding 0 to 2 antigens of that locus. An empty list means "not typed at this
 * locus"; a single antigen, or the same antigen twice, means homozygous. Mismatch counting refuses
 * untyped A, B or DR loci, so a liver candidate without typing can still be represented.
 * Unknown keys are refused. Errors name the field, e.g. `donor.hla.DR[1]`.
 */
export function normaliseTyping (typing: unknown, field: string): HlaTyping {
  if (typing === undefined || typing === null) throw new MissingFieldError(field)
  if (typeof typing !== 'object' || Array.isArray(typing)) {
    throw new InvalidFieldError(field, 'must be an object with the HLA loci A, B and DR (and optionally C and DQ)')
  }
  const record = typing as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!(HLA_LOCI as readonly string[]).includes(key)) {
      throw new InvalidFieldError(`${field}.${key}`, 'is not an HLA locus; use A, B, C, DR or DQ')
    }
  }
  const required = (locus: 'A' | 'B' | 'DR'): string[] => {
    if (record[locus] === undefined) throw new MissingFieldError(`${field}.${locus}`)
    return normaliseLocus(record[locus], locus, `${field}.${locus}`)
  }
  const result: { A: string[], B: string[], C?: string[], DR: string[], DQ?: string[] } =
    { A: required('A'), B: required('B'), DR: required('DR') }
  if (record.C !== undefined) result.C = normaliseLocus(record.C, 'C', `${field}.C`)
  if (record.DQ !== undefined) result.DQ = normaliseLocus(record.DQ, 'DQ', `${field}.DQ`)
  return result
}
