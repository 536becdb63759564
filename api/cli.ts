#!/usr/bin/env node
import { readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { extname, resolve } from 'node:path'
import { lintPolicy } from '../engine/policy/fairness-lint.js'
import { builtInPolicyDocument } from '../data/policies/index.js'
import { pathToFileURL } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { verifyCheckpoint, type AuditCheckpoint } from '../data/audit/audit-log.js'
import { writeTransaction } from '../data/db/context.js'
import { applyRecords } from '../data/import/apply.js'
import { ENTITIES, type Entity } from '../data/import/columns.js'
import { IMPORT_FORMATS, IMPORT_MODES, importRecords, type ImportFormat, type ImportMode } from '../data/import/importer.js'
import { openRegistry, type Registry } from '../data/registry.js'
import { EngineError, InvalidFieldError } from '../engine/errors.js'
import { requireEnum } from '../engine/domain/input.js'
import { createMatchPool } from '../engine/parallel/match-pool.js'
import { runSimulateCommand } from './cli/simulate.js'
import { digestOf, prepareMatchRun, recordMatchRun, replayMatchRun, serialMatchRunner, type MatchRunner } from './match-service.js'
import { ROLES, type Role } from './roles.js'
import { MAX_TOKEN_DAYS } from './routes/users.js'

/**
 * The command line: the registry operations scripts and analysts need, on the same code paths as the
 * HTTP API (import through the repositories, match and replay through api/match-service.ts), writing
 * straight to the database under DATA_DIR. Results go to stdout as JSON; progress to stderr.
 */

export interface CliContext {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** Milliseconds, for progress timings (the CLI's only stopwatch). */
  readonly clock: () => number
  /** The registry clock (ISO 8601 UTC); default the system clock. */
  readonly now?: () => string
}

export const USAGE = `usage: oae <command> [options]        (npm run cli -- <command> from a checkout)

  import centres|candidates|donors FILE [--format csv|json] [--mode all-or-nothing|valid-rows]
  match --organ ORGAN_ID --policy POLICY_ID [--version V] [--threads N]
  replay MATCH_RUN_ID
  verify [--checkpoint FILE [--trusted-key BASE64]]
  checkpoint [--out FILE]
  user create USER_ID --role ROLE [--role ROLE ...]
  token create USER_ID [--days N]
  simulate --policy ID|FILE [--policy ...] [--scenario ...] [--years N] [--replications N] [--seed S] [--workers N] [--out DIR]
  lint POLICY_ID|FILE   fairness lint of a built-in policy or a policy JSON file (exit 1 when it finds errors)

common options:
  --data-dir DIR   registry directory (default: DATA_DIR, else ./var)
  --actor USER     user id recorded in the audit log (default: cli.<login name>)

exit status: 0 done, 1 verification or replay found a difference, 2 bad arguments or refused input
roles: ${ROLES.join(', ')}`

const COMMON = {
  'data-dir': { type: 'string' },
  actor: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies ParseArgsConfig['options']

type Values = Record<string, string | boolean | string[] | undefined>

function parse (argv: readonly string[], options: ParseArgsConfig['options']): { values: Values, positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...argv], options: { ...COMMON, ...options }, allowPositionals: true, strict: true })
    return { values: parsed.values as Values, positionals: parsed.positionals }
  } catch (error) {
    throw new InvalidFieldError('arguments', (error as Error).message)
  }
}

function stringOption (values: Values, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

function requiredOption (values: Values, name: string): string {
  const value = stringOption(values, name)
  if (value === undefined) throw new InvalidFieldError(`--${name}`, 'is required')
  return value
}

function defaultActor (): string {
  let login = 'user'
  try {
    login = userInfo().username
  } catch { /* no passwd entry (containers): keep the fallback */ }
  const cleaned = login.replace(/[^A-Za-z0-9._@-]/g, '').slice(0, 60)
  return `cli.${cleaned === '' ? 'user' : cleaned}`
}

function positionalCount (positionals: readonly string[], count: number, what: string): void {
  if (positionals.length !== count) throw new InvalidFieldError('arguments', `${what} (see oae --help)`)
}

interface Session {
  readonly registry: Registry
  readonly actor: string
  readonly now: () => string
  readonly json: (value: unknown) => void
  readonly progress: (line: string) => void
}

function openSession (values: Values, context: CliContext): Session {
  const dataDir = resolve(context.cwd, stringOption(values, 'data-dir') ?? context.env.DATA_DIR ?? './var')
  const now = context.now ?? (() => new Date().toISOString())
  const registry = openRegistry({ dataDir, env: context.env, now })
  return {
    registry,
    actor: stringOption(values, 'actor') ?? defaultActor(),
    now,
    json: (value) => { context.stdout(`${JSON.stringify(value, null, 2)}\n`) },
    progress: (line) => { context.stderr(`${line}\n`) }
  }
}

function seconds (ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

async function importCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { format: { type: 'string' }, mode: { type: 'string' } })
  positionalCount(positionals, 2, 'import needs an entity (centres, candidates, donors) and a file')
  const entity = requireEnum(positionals[0], 'entity', ENTITIES) as Entity
  const file = resolve(context.cwd, positionals[1] as string)
  const format = requireEnum(stringOption(values, 'format') ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'csv'), '--format', IMPORT_FORMATS) as ImportFormat
  const mode = requireEnum(stringOption(values, 'mode') ?? 'all-or-nothing', '--mode', IMPORT_MODES) as ImportMode
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new InvalidFieldError('FILE', `cannot read ${positionals[1] as string}`)
  }
  const session = openSession(values, context)
  try {
    const started = context.clock()
    session.progress(`checking ${positionals[1] as string} (${entity}, ${format})`)
    const centreIds = new Set(session.registry.centres.list(session.now()).map((c) => c.id))
    const result = importRecords(entity, text, { format, mode, centreIds })
    for (const issue of result.issues.slice(0, 50)) session.progress(`line ${issue.line} ${issue.field}: ${issue.reason} [${issue.code}]`)
    if (result.issues.length > 50) session.progress(`… and ${result.issues.length - 50} more issues`)
    if (!result.accepted) {
      session.progress(`refused: ${result.issues.length} issue(s) in ${result.rowCount} record(s); nothing was written`)
      return 2
    }
    session.progress(`writing ${result.records.length} ${entity}`)
    const summary = applyRecords(session.registry, { [entity]: result.records }, {
      actor: session.actor,
      progressEvery: 1000,
      onProgress: (p) => { session.progress(`  ${p.entity} ${p.done}/${p.total} (${seconds(context.clock() - started)})`) }
    })
    session.json({ entity, format, mode, rows: result.rowCount, written: summary, skippedWithIssues: result.issues.length })
    return 0
  } finally {
    session.registry.close()
  }
}

async function withRunner<T> (threads: number, fn: (runner: MatchRunner) => Promise<T>): Promise<T> {
  if (threads === 0) return await fn(serialMatchRunner)
  const pool = createMatchPool({ threads })
  try {
    return await fn(async (input) => await pool.runMatch(input))
  } finally {
    await pool.close()
  }
}

function threadsOption (values: Values): number {
  const text = stringOption(values, 'threads') ?? '0'
  if (!/^\d+$/.test(text) || Number(text) > 64) throw new InvalidFieldError('--threads', 'must be a whole number from 0 (this thread) to 64')
  return Number(text)
}

async function matchCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { organ: { type: 'string' }, policy: { type: 'string' }, version: { type: 'string' }, threads: { type: 'string' } })
  positionalCount(positionals, 0, 'match takes options only')
  const organId = requiredOption(values, 'organ')
  const policyId = requiredOption(values, 'policy')
  const threads = threadsOption(values)
  const session = openSession(values, context)
  try {
    return await withRunner(threads, async (runner) => {
      const started = context.clock()
      session.progress(`building the waiting-list snapshot for ${organId}`)
      const prepared = prepareMatchRun(session.registry, { organId, policyId, policyVersion: stringOption(values, 'version') }, session.now())
      session.progress(`scoring ${prepared.input.snapshot.count} candidates under ${prepared.input.policy.id} ${prepared.input.policy.version} (${seconds(context.clock() - started)})`)
      const list = await runner(prepared.input)
      session.progress(`recording match run ${list.matchRunId} (${seconds(context.clock() - started)})`)
      const stored = writeTransaction(session.registry.db, () => recordMatchRun(session.registry, prepared, list, session.actor))
      session.json({ matchRun: digestOf(stored), top: stored.matchList.ranked.slice(0, 10).map((e) => ({ rank: e.rank, candidateId: e.candidateId, centreId: e.centreId, tier: e.tier.name, totalPoints: e.totalPoints })) })
      return 0
    })
  } finally {
    session.registry.close()
  }
}

async function replayCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { threads: { type: 'string' } })
  positionalCount(positionals, 1, 'replay needs a match run id')
  const threads = threadsOption(values)
  const session = openSession(values, context)
  try {
    return await withRunner(threads, async (runner) => {
      session.progress(`replaying ${positionals[0] as string}`)
      const report = await replayMatchRun(session.registry, positionals[0] as string, runner, session.actor, session.now)
      session.json(report)
      return report.identical ? 0 : 1
    })
  } finally {
    session.registry.close()
  }
}

async function verifyCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { checkpoint: { type: 'string' }, 'trusted-key': { type: 'string' } })
  positionalCount(positionals, 0, 'verify takes options only')
  const session = openSession(values, context)
  try {
    const started = context.clock()
    session.progress(`verifying the audit chain (${session.registry.audit.head().seq} entries)`)
    const chain = session.registry.audit.verify()
    session.progress(`chain ${chain.ok ? 'verified' : 'BROKEN'} in ${seconds(context.clock() - started)}`)
    const checkpointFile = stringOption(values, 'checkpoint')
    let checkpoint: unknown
    if (checkpointFile !== undefined) {
      let published: AuditCheckpoint
      try {
        published = JSON.parse(readFileSync(resolve(context.cwd, checkpointFile), 'utf8')) as AuditCheckpoint
      } catch (error) {
        throw new InvalidFieldError('--checkpoint', `cannot read a checkpoint from ${checkpointFile} (${(error as Error).message})`)
      }
      const trusted = stringOption(values, 'trusted-key')
      checkpoint = verifyCheckpoint(published, session.registry.db, trusted === undefined ? {} : { trustedPublicKey: trusted })
    }
    session.json({ chain, ...(checkpoint === undefined ? {} : { checkpoint }) })
    return chain.ok && (checkpoint === undefined || (checkpoint as { ok: boolean }).ok) ? 0 : 1
  } finally {
    session.registry.close()
  }
}

async function checkpointCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' } })
  positionalCount(positionals, 0, 'checkpoint takes options only')
  const session = openSession(values, context)
  try {
    const checkpoint = session.registry.audit.exportCheckpoint()
    const out = stringOption(values, 'out')
    if (out !== undefined) {
      writeFileSync(resolve(context.cwd, out), `${JSON.stringify(checkpoint, null, 2)}\n`)
      session.progress(`checkpoint of entry ${checkpoint.seq} written to ${out}; publish it outside this host`)
    }
    session.json(checkpoint)
    return 0
  } finally {
    session.registry.close()
  }
}

async function userCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { role: { type: 'string', multiple: true } })
  positionalCount(positionals, 2, 'usage: user create USER_ID --role ROLE [--role ROLE ...]')
  if (positionals[0] !== 'create') throw new InvalidFieldError('arguments', 'the only user command is "create"')
  const roles = (values.role as string[] | undefined) ?? []
  if (roles.length === 0) throw new InvalidFieldError('--role', `is required (one of ${ROLES.join(', ')})`)
  const session = openSession(values, context)
  try {
    const user = session.registry.users.create({ id: positionals[1] as string, roles: roles as Role[] }, session.actor)
    session.json(user)
    return 0
  } finally {
    session.registry.close()
  }
}

async function tokenCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { days: { type: 'string' } })
  positionalCount(positionals, 2, 'usage: token create USER_ID [--days N]')
  if (positionals[0] !== 'create') throw new InvalidFieldError('arguments', 'the only token command is "create"')
  const daysText = stringOption(values, 'days') ?? '30'
  if (!/^\d+$/.test(daysText) || Number(daysText) < 1 || Number(daysText) > MAX_TOKEN_DAYS) throw new InvalidFieldError('--days', `must be a whole number from 1 to ${MAX_TOKEN_DAYS}`)
  const session = openSession(values, context)
  try {
    const expiresAt = new Date(Date.parse(session.now()) + Number(daysText) * 86_400_000).toISOString()
    const issued = session.registry.users.issueToken(positionals[1] as string, { expiresAt }, session.actor)
    session.progress('the token is shown once; only its SHA-256 is stored')
    session.json({ userId: positionals[1], ...issued })
    return 0
  } finally {
    session.registry.close()
  }
}

/** `lint POLICY`: the fairness lint of a built-in policy (by id) or of a policy document in a JSON file. */
async function lintCommand (argv: readonly string[], context: CliContext): Promise<number> {
  const { positionals } = parse(argv, {})
  positionalCount(positionals, 1, 'usage: lint POLICY_ID|FILE')
  const target = positionals[0] as string
  let document: unknown
  if (target.endsWith('.json')) {
    try {
      document = JSON.parse(readFileSync(resolve(context.cwd, target), 'utf8'))
    } catch (error) {
      throw new InvalidFieldError('POLICY', `cannot read a policy document from ${target} (${(error as Error).message})`)
    }
  } else {
    document = builtInPolicyDocument(target)
  }
  const lint = lintPolicy(document)
  context.stdout(`${JSON.stringify(lint, null, 2)}\n`)
  return lint.ok ? 0 : 1
}

const COMMANDS: Readonly<Record<string, (argv: readonly string[], context: CliContext) => Promise<number>>> = {
  lint: lintCommand,
  import: importCommand,
  match: matchCommand,
  replay: replayCommand,
  verify: verifyCommand,
  checkpoint: checkpointCommand,
  user: userCommand,
  token: tokenCommand,
  simulate: async (argv, context) => await runSimulateCommand(argv, { stdout: context.stdout, stderr: context.stderr, cwd: context.cwd, now: context.clock })
}

/** Runs one command; returns the exit status. Input errors are reported with their field, never thrown. */
export async function runCli (argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h' || rest.includes('--help') || rest.includes('-h')) {
    context.stdout(`${USAGE}\n`)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    context.stderr(`oae: unknown command "${name}"\n${USAGE}\n`)
    return 2
  }
  try {
    return await command(rest, context)
  } catch (error) {
    if (error instanceof EngineError) {
      context.stderr(`oae ${name}: ${error.message}${error.field === undefined ? '' : ` [${error.field}]`}\n`)
      return 2
    }
    throw error
  }
}

/* c8 ignore start */
function isEntryPoint (): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    // npm links bins through node_modules/.bin: compare real paths.
    return import.meta.url === pathToFileURL(realpathSync(script)).href
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  const started = performance.now()
  runCli(process.argv.slice(2), {
    stdout: (text) => { process.stdout.write(text) },
    stderr: (text) => { process.stderr.write(text) },
    cwd: process.cwd(),
    env: process.env,
    clock: () => performance.now() - started
  }).then((code) => { process.exitCode = code }, (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
/* c8 ignore stop */
