import { ApiError } from './problem.js'

/**
 * A first-in, first-out queue for expensive jobs (match runs): at most `concurrency` run at once and
 * at most `maxWaiting` wait; beyond that a request is refused at once with 503 and Retry-After
 * rather than piling up snapshots in memory (OWASP API4, unrestricted resource consumption). A match
 * run's snapshot is read synchronously from SQLite, so more than one at a time gains nothing on the
 * event loop and multiplies memory.
 */
export interface JobQueue {
  run<T> (job: () => Promise<T>): Promise<T>
  /** Jobs running and waiting now. */
  readonly size: { readonly running: number, readonly waiting: number }
}

export function createJobQueue (options: { concurrency: number, maxWaiting: number, retryAfterSeconds?: number }): JobQueue {
  let running = 0
  const waiting: Array<() => void> = []
  return {
    get size () {
      return { running, waiting: waiting.length }
    },
    async run<T> (job: () => Promise<T>): Promise<T> {
      if (running < options.concurrency) {
        running++
      } else {
        if (waiting.length >= options.maxWaiting) {
          throw new ApiError(503, 'API_MATCH_QUEUE_FULL', `${running} match runs are running and ${waiting.length} are waiting; retry shortly`, {
            headers: { 'retry-after': String(options.retryAfterSeconds ?? 5) }
          })
        }
        // The finishing job hands its slot over: `running` stays as it is.
        await new Promise<void>((resolve) => waiting.push(resolve))
      }
      try {
        return await job()
      } finally {
        const start = waiting.shift()
        if (start === undefined) running--
        else start()
      }
    }
  }
}
