import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { UnknownReferenceTableError } from '../../engine/errors.js'
import type { Population } from '../../engine/oversight/godt.js'

/**
 * Population denominators for per-million-population rates (GODT presents rates pmp; its
 * denominators come from the UNFPA report unless a newer official figure exists). Each row carries
 * its source. The shipped table, data/reference/population-countries.csv, holds only the synthetic
 * countries XS and XT; a deployment adds its own country's rows with their source (for example
 * "UN World Population Prospects 2024, total population, 1 July" or the national statistics office),
 * or passes its own table.
 */

export const POPULATION_FILE = 'population-countries.csv'

/** The population table could not be read or breaks its rules (file and line in the message). */
export class PopulationTableError extends Error {
  override name = 'PopulationTableError'
  readonly code = 'DATA_POPULATION_TABLE_INVALID'
}

export interface PopulationTable {
  readonly source: string
  readonly rows: readonly Population[]
  /** The row of a country and year; throws UnknownReferenceTableError when there is none (never a guessed denominator). */
  lookup (country: string, year: number): Population
}

/** Builds a table from rows, refusing bad values and duplicate country-years. */
export function populationTable (rows: readonly Population[], source = 'rows'): PopulationTable {
  const byKey = new Map<string, Population>()
  rows.forEach((row, i) => {
    const where = `${source} row ${i + 1}`
    if (!/^[A-Z]{2}$/.test(row.country)) throw new PopulationTableError(`${where}: country must be an ISO 3166-1 alpha-2 code in capitals`)
    if (!Number.isInteger(row.year) || row.year < 1900 || row.year > 2200) throw new PopulationTableError(`${where}: year must be a whole year 1900-2200`)
    if (!Number.isInteger(row.population) || row.population < 1) throw new PopulationTableError(`${where}: population must be a positive whole number`)
    if (typeof row.source !== 'string' || row.source.trim() === '') throw new PopulationTableError(`${where}: source must name where the figure comes from`)
    const key = `${row.country}|${row.year}`
    if (byKey.has(key)) throw new PopulationTableError(`${where}: ${row.country} ${row.year} appears twice`)
    byKey.set(key, row)
  })
  return {
    source,
    rows: [...byKey.values()],
    lookup (country: string, year: number): Population {
      const row = byKey.get(`${country}|${year}`)
      if (row === undefined) throw new UnknownReferenceTableError('population', `has no row for ${country} ${year} in ${source}; add it with its source`)
      return row
    }
  }
}

/** Parses the CSV form: header `country,year,population,source`. */
export function parsePopulationCsv (text: string, file: string): PopulationTable {
  let records: Array<Record<string, string>>
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true })
  } catch (error) {
    throw new PopulationTableError(`${file}: is not valid CSV: ${(error as Error).message}`)
  }
  return populationTable(records.map((r) => ({ country: r.country ?? '', year: Number(r.year), population: Number(r.population), source: r.source ?? '' })), file)
}

/** The shipped table, found beside data/reference/ from the source tree or from dist/. */
export function loadPopulationTable (fileName: string = POPULATION_FILE, moduleUrl: string = import.meta.url): PopulationTable {
  const candidates = [new URL(`../reference/${fileName}`, moduleUrl), new URL(`../../../data/reference/${fileName}`, moduleUrl)].map((url) => fileURLToPath(url))
  const path = candidates.find((candidate) => existsSync(candidate))
  if (path === undefined) throw new PopulationTableError(`${fileName}: not found; looked in ${candidates.join(' and ')}`)
  return parsePopulationCsv(readFileSync(path, 'utf8'), fileName)
}
