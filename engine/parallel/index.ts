export * from './lru-cache.js'
export * from './match-pool.js'
export * from './partition-task.js'
export * from './partitioning.js'
