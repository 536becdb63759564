import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, type CliContext } from '../api/cli.js'
import { openRegistry } from '../data/registry.js'
import { deceasedDonorInput } from './fixtures/registry-fixtures.js'

interface Run { code: number, stdout: string, stderr: string, json: () => any }

function cli (cwd: string, env: Record<string, string> = {}) {
  return async (...argv: string[]): Promise<Run> => {
    let stdout = ''
    let stderr = ''
    let tick = 0
    const context: CliContext = { stdout: (text) => { stdout += text }, stderr: (text) => { stderr += text }, cwd, env, clock: () => (tick += 10) }
    const code = await runCli(argv, context)
    return { code, stdout, stderr, json: () => JSON.parse(stdout) }
  }
}

const examples = join(import.meta.dirname, '..', 'data', 'examples')

t.test('help, unknown commands and bad arguments exit 2 with the field named', async (t) => {
  const run = cli(t.testdir())
  const none = await run()
  t.equal(none.code, 2)
  t.match(none.stdout, /usage: oae <command>/)
  t.equal((await run('--help')).code, 0)
  t.equal((await run('verify', '--help')).code, 0)
  t.match(await run('frobnicate'), { code: 2, stderr: /unknown command "frobnicate"/ })
  t.match(await run('verify', '--bogus'), { code: 2, stderr: /\[arguments\]/ })
  t.match(await run('import', 'patients', 'x.csv'), { code: 2, stderr: /\[entity\]/ })
  t.match(await run('import', 'centres', 'missing.csv'), { code: 2, stderr: /cannot read missing\.csv \[FILE\]/ })
  t.match(await run('match', '--organ', 'x'), { code: 2, stderr: /\[--policy\]/ })
  t.match(await run('match', '--organ', 'x', '--policy', 'y', '--threads', 'many'), { code: 2, stderr: /\[--threads\]/ })
  t.match(await run('user', 'create', 'ann'), { code: 2, stderr: /\[--role\]/ })
  t.match(await run('user', 'delete', 'ann', '--role', 'auditor'), { code: 2 })
  t.match(await run('token', 'create', 'ann', '--days', '0'), { code: 2, stderr: /\[--days\]/ })
  t.match(await run('token', 'mint', 'ann'), { code: 2 })
  t.match(await run('simulate', '--years', 'x'), { code: 2, stderr: /simulate:/ })
})

t.test('import, users and tokens, match, replay, checkpoint and verify against one data directory', async (t) => {
  const cwd = t.testdir()
  const dataDir = join(cwd, 'var')
  const run = cli(cwd, { DATA_DIR: dataDir })

  const centres = await run('import', 'centres', join(examples, 'centres.csv'), '--actor', 'clerk.cli')
  t.equal(centres.code, 0, centres.stderr)
  t.match(centres.json(), { entity: 'centres', format: 'csv', written: { centres: Number } })
  t.match(centres.stderr, /centres \d+\/\d+/, 'progress on stderr')
  const candidates = await run('import', 'candidates', join(examples, 'candidates.json'))
  t.equal(candidates.code, 0, candidates.stderr)
  t.match(candidates.json(), { written: { candidates: 10 } })
  const again = await run('import', 'candidates', join(examples, 'candidates.csv'))
  t.equal(again.code, 2, 'already registered: refused whole')
  t.match(again.stderr, /already registered/)
  const badFile = join(cwd, 'bad.csv')
  writeFileSync(badFile, 'id,organType\nX,kidney\n')
  const refused = await run('import', 'candidates', badFile)
  t.equal(refused.code, 2)
  t.match(refused.stderr, /refused: \d+ issue/)

  t.match((await run('user', 'create', 'officer.cli', '--role', 'allocation-officer', '--role', 'auditor')).json(), { id: 'officer.cli', roles: ['allocation-officer', 'auditor'] })
  t.match(await run('user', 'create', 'officer.cli', '--role', 'auditor'), { code: 2, stderr: /already a user/ })
  const token = await run('token', 'create', 'officer.cli', '--days', '3')
  t.match(token.json(), { userId: 'officer.cli', token: /^oae_/, expiresAt: String })
  t.match(token.stderr, /shown once/)

  // A donor and organ registered directly, then matched from the command line.
  const registry = openRegistry({ dataDir, env: {} })
  const centreId = registry.centres.list(new Date().toISOString(), 'kidney').find((c) => c.authorisations.some((a) => a.activity === 'transplant'))?.id as string
  const donor = registry.donors.registerDeceased(deceasedDonorInput({ hospitalCentreId: centreId, reportedAt: '2025-02-01T03:00:00Z', identifiers: undefined, protectedAttributes: undefined }), 'clerk.cli')
  const organ = registry.donors.registerOrgan(donor.id, { organType: 'kidney', part: 'left' }, 'clerk.cli')
  registry.close()
  const match = await run('match', '--organ', organ.id, '--policy', 'etkas-kidney')
  t.equal(match.code, 0, match.stderr)
  t.match(match.stderr, /scoring \d+ candidates under etkas-kidney/)
  const result = match.json()
  t.match(result.matchRun, { organId: organ.id, policy: { id: 'etkas-kidney' } })
  t.ok(Array.isArray(result.top))
  const pooled = await run('match', '--organ', organ.id, '--policy', 'etkas-kidney', '--threads', '1')
  t.equal(pooled.code, 0, 'the pool path gives a run too')
  t.match(await run('match', '--organ', 'nope', '--policy', 'etkas-kidney'), { code: 2, stderr: /\[organId\]/ })

  const replay = await run('replay', result.matchRun.id)
  t.equal(replay.code, 0, replay.stderr)
  t.match(replay.json(), { identical: true })

  const checkpointFile = join(cwd, 'checkpoint.json')
  const checkpoint = await run('checkpoint', '--out', checkpointFile)
  t.equal(checkpoint.code, 0)
  t.match(checkpoint.stderr, /publish it outside this host/)
  const published = JSON.parse(readFileSync(checkpointFile, 'utf8'))
  const verified = await run('verify', '--checkpoint', checkpointFile, '--trusted-key', published.publicKey)
  t.equal(verified.code, 0, verified.stderr)
  t.match(verified.json(), { chain: { ok: true }, checkpoint: { ok: true } })
  t.match(await run('verify', '--checkpoint', join(cwd, 'none.json')), { code: 2, stderr: /\[--checkpoint\]/ })
  t.equal((await run('verify', '--checkpoint', checkpointFile, '--trusted-key', 'AAAA')).code, 1, 'an untrusted key fails')

  // Tampering: verify exits 1 and names the entry; a replay of an edited run exits 1.
  const db = openRegistry({ dataDir, env: {} })
  for (const trigger of db.db.prepare('SELECT name FROM sqlite_master WHERE type = \'trigger\' AND tbl_name = \'match_runs\'').pluck().all() as string[]) db.db.exec(`DROP TRIGGER "${trigger}"`)
  db.db.prepare('UPDATE match_runs SET run_at = ? WHERE id = ?').run('2025-01-01T00:00:00.000Z', result.matchRun.id)
  db.close()
  const broken = await run('verify')
  t.equal(broken.code, 1)
  t.match(broken.json(), { chain: { ok: false, firstBroken: { reason: /match_runs row/ } } })
  t.match(broken.stderr, /BROKEN/)
  t.equal((await run('replay', result.matchRun.id)).code, 1)
})

t.test('lint reports the fairness lint of a built-in policy or a file, exit 1 when it finds errors', async (t) => {
  const cwd = t.testdir({
    'discriminatory.json': JSON.stringify(JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'fairness-discriminatory-policy.json'), 'utf8')))
  })
  const run = cli(cwd)
  const builtIn = await run('lint', 'us-kas-kidney')
  t.equal(builtIn.code, 0)
  t.match(builtIn.json(), { ok: true, errors: [] })
  const refused = await run('lint', 'discriminatory.json')
  t.equal(refused.code, 1)
  t.match(refused.json(), { ok: false, errors: [{ code: 'PROTECTED_ATTRIBUTE' }] })
  t.match(await run('lint', 'missing.json'), { code: 2, stderr: /\[POLICY\]/ })
  t.match(await run('lint', 'no-such-policy'), { code: 2 })
  t.match(await run('lint'), { code: 2, stderr: /usage: lint/ })
})
