// Copies the console's static files (HTML, CSS) next to the compiled modules in dist/web, so the
// server serves one folder and a deployed dist/ needs no source tree. Run by `npm run build:web`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const source = dirname(fileURLToPath(import.meta.url))
const target = join(source, '..', '..', 'dist', 'web')
mkdirSync(target, { recursive: true })
const copied = readdirSync(source).filter((name) => /\.(html|css|svg)$/.test(name))
for (const name of copied) copyFileSync(join(source, name), join(target, name))
process.stdout.write(`web console: ${copied.length} static files copied to dist/web\n`)
