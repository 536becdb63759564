import type { FileIssue } from './csv.js'

/**
 * JSON import reads an array of records (the shape of data/import/records.ts). JSON.parse gives no
 * positions, so after a successful parse a small scanner finds the line on which each top-level array
 * element begins; issues then carry a line number just as CSV rows do.
 */

export interface JsonRow {
  readonly line: number
  readonly value: unknown
}

/** Line (1-based) of the first character of each element of the top-level array in a valid JSON text. */
export function topLevelElementLines (text: string): number[] {
  const lines: number[] = []
  let line = 1
  let depth = 0
  let inString = false
  let escaped = false
  let expectValue = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (ch === '\n') line++
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') continue
    if (depth === 1 && expectValue && ch !== ']') {
      lines.push(line)
      expectValue = false
    }
    if (ch === '"') inString = true
    else if (ch === '[' || ch === '{') {
      depth++
      if (depth === 1 && ch === '[') expectValue = true
    } else if (ch === ']' || ch === '}') depth--
    else if (ch === ',' && depth === 1) expectValue = true
  }
  return lines
}

/** Line of a character offset. */
function lineAt (text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++
  return line
}

export function readJsonRows (text: string): { rows: JsonRow[], fileIssues: FileIssue[] } {
  let value: unknown
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)
    const line = position === null ? 1 : lineAt(text, Number(position[1]))
    return { rows: [], fileIssues: [{ line, field: '', reason: `is not valid JSON: ${message}`, code: 'IMPORT_JSON_INVALID' }] }
  }
  if (!Array.isArray(value)) {
    return { rows: [], fileIssues: [{ line: 1, field: '', reason: 'must be a JSON array of records', code: 'IMPORT_JSON_NOT_ARRAY' }] }
  }
  const lines = topLevelElementLines(text)
  return { rows: value.map((item, i) => ({ line: lines[i] ?? 1, value: item })), fileIssues: [] }
}

/** Records as a JSON array, one record per line block (2-space indentation), ending with a newline. */
export function toJson (records: readonly object[]): string {
  return `${JSON.stringify(records, null, 2)}\n`
}
