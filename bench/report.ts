import { availableParallelism, cpus, totalmem } from 'node:os'
import type { CaseResult } from './harness.js'

export interface MachineDescription {
  cpuModel: string
  logicalCores: number
  availableParallelism: number
  memoryGiB: number
  node: string
  platform: string
}

export interface BenchResults {
  recordedAt: string
  machine: MachineDescription
  profile: string
  results: CaseResult[]
}

export function describeMachine (): MachineDescription {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    logicalCores: cpus().length,
    availableParallelism: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`
  }
}

function format (value: number): string {
  if (!Number.isFinite(value)) return '–'
  if (value >= 100) return value.toFixed(0)
  if (value >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

/** The markdown tables written between the markers in docs/benchmarks.md. */
export function markdownTables (results: BenchResults): string {
  const m = results.machine
  const lines = [
    `Recorded ${results.recordedAt} on ${m.cpuModel}, ${m.logicalCores} logical cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}).`,
    ''
  ]
  const suites = [...new Set(results.results.map((r) => r.suite))]
  for (const suite of suites) {
    const rows = results.results.filter((r) => r.suite === suite)
    const paramKeys = [...new Set(rows.flatMap((r) => Object.keys(r.params)))]
    const figureKeys = [...new Set(rows.flatMap((r) => Object.keys(r.figures)))]
    lines.push(`### ${suite}`, '')
    lines.push(`| ${[...paramKeys, 'median ms', 'p99 ms', 'ops/s', '±%', 'samples', ...figureKeys].join(' | ')} |`)
    lines.push(`|${[...paramKeys, 'a', 'b', 'c', 'd', 'e', ...figureKeys].map(() => '---').join('|')}|`)
    for (const r of rows) {
      const cells = [
        ...paramKeys.map((k) => String(r.params[k] ?? '')),
        format(r.medianMs), format(r.p99Ms), format(r.opsPerSecond), format(r.rmePercent), String(r.samples),
        ...figureKeys.map((k) => (r.figures[k] === undefined ? '' : format(r.figures[k])))
      ]
      lines.push(`| ${cells.join(' | ')} |`)
    }
    lines.push('')
  }
  return lines.join('\n')
}

export const TABLE_START = '<!-- bench:results:start -->'
export const TABLE_END = '<!-- bench:results:end -->'

/** Replaces the generated block in a markdown document, keeping the hand-written prose around it. */
export function replaceGeneratedBlock (document: string, block: string): string {
  const start = document.indexOf(TABLE_START)
  const end = document.indexOf(TABLE_END)
  const generated = `${TABLE_START}\n${block}\n${TABLE_END}`
  if (start === -1 || end === -1 || end < start) return `${document.trimEnd()}\n\n${generated}\n`
  return document.slice(0, start) + generated + document.slice(end + TABLE_END.length)
}
