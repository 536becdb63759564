import { createReplicationTaskHandler } from './replication-task.js'

/**
 * The worker-thread entry of the replication pool: one (replication, all arms) task at a time. The
 * arms of a replication share its draws, so a replication is the unit of work; everything else is
 * in replication-task.ts, which the tests exercise on the main thread.
 */
export default createReplicationTaskHandler()
