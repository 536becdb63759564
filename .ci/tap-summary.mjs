// tap stream reporter: passes raw TAP through and appends one plain closing line,
// "N passed, N failed[, N skipped]", which CI reads. tap pipes into it, so it must be a Transform.
import { Transform } from 'node:stream'

export default class TapSummary extends Transform {
  #tail = ''
  #summary = null

  _transform (chunk, _encoding, callback) {
    const lines = (this.#tail + chunk).split('\n')
    this.#tail = lines.pop() ?? ''
    for (const line of lines) {
      const match = /^# \{ (.*) \}$/.exec(line)
      if (match) {
        this.#summary = Object.fromEntries(match[1].split(', ').map((pair) => {
          const [key, value] = pair.split(': ')
          return [key, Number(value)]
        }))
      }
    }
    callback(null, chunk)
  }

  _flush (callback) {
    // No summary means tap never finished: count that as a failure rather than a silent pass.
    const summary = this.#summary ?? { pass: 0, fail: 1 }
    const skipped = (summary.skip ?? 0) + (summary.todo ?? 0)
    callback(null, `${this.#tail}\n${summary.pass ?? 0} passed, ${summary.fail ?? 0} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
  }
}
