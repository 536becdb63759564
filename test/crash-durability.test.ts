import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { integrityCheck, openDatabase } from '../data/db/connection.js'
import { openRegistry } from '../data/registry.js'
import { TEST_MASTER_KEY } from './fixtures/registry-fixtures.js'

const WRITER = fileURLToPath(new URL('./fixtures/registry-crash-writer.ts', import.meta.url))

/** Runs the writer until it has acknowledged `killAfter` registrations, then SIGKILLs it; returns the acknowledged ids. */
function runAndKill (dataDir: string, runTag: string, killAfter: number): Promise<string[]> {
  // The child gets a clean loader setup: tsx only, none of the test runner's hooks.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  delete env.NODE_V8_COVERAGE
  // tap's processinfo wraps spawn and would turn coverage back on; tsx's offsets differ from the suite's.
  env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, runTag], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    const acknowledged: string[] = []
    let pending = ''
    let stderr = ''
    let killed = false
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        if (line === 'ready' || killed) continue
        acknowledged.push(line)
        if (acknowledged.length >= killAfter) {
          killed = true
          child.kill('SIGKILL')
        }
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged)
      else reject(new Error(`writer exited on its own (code ${String(code)}): ${stderr}`))
    })
  })
}

t.test('writes acknowledged before a SIGKILL survive it, and the database stays consistent', async (t) => {
  const dataDir = t.testdir()
  const all: string[] = []
  // Several kills at different points; the same database is reopened and written again after each.
  for (const [run, killAfter] of [7, 31, 3, 52].entries()) {
    const acknowledged = await runAndKill(dataDir, `run${run}`, killAfter)
    t.ok(acknowledged.length >= killAfter, `run ${run}: ${acknowledged.length} writes acknowledged before the kill`)
    all.push(...acknowledged)

    const db = openDatabase({ file: join(dataDir, 'registry.db') })
    t.same(integrityCheck(db), ['ok'], `run ${run}: PRAGMA integrity_check is ok`)
    const present = new Set(db.prepare('SELECT id FROM candidates').pluck().all() as string[])
    const missing = all.filter((id) => !present.has(id))
    t.same(missing, [], `run ${run}: every acknowledged write is present`)
    // Each registration is one transaction: no candidate without its history rows and audit entry, and no entry without its candidate.
    const registered = db.prepare('SELECT count(*) FROM audit_log WHERE action = \'candidate.registered\'').pluck().get()
    t.equal(registered, present.size, `run ${run}: one audit entry per stored candidate`)
    const withoutStatus = db.prepare('SELECT count(*) FROM candidates c WHERE NOT EXISTS (SELECT 1 FROM candidate_status_history h WHERE h.candidate_id = c.id)').pluck().get()
    t.equal(withoutStatus, 0, `run ${run}: no candidate without its status history`)
    db.close()

    const registry = openRegistry({ dataDir, env: { REGISTRY_KEY: TEST_MASTER_KEY.toString('base64') } })
    const verification = registry.audit.verify()
    t.equal(verification.ok, true, `run ${run}: the audit chain verifies (${verification.firstBroken?.reason ?? 'no break'})`)
    t.equal(registry.created, false)
    registry.close()
  }
})
