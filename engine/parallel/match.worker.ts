import { Piscina } from 'piscina'
import { createPartitionTaskHandler, partitionBuffers, type PartitionResponse, type PartitionTask } from './partition-task.js'

/**
 * The worker-thread entry of the match pool: unpack the task, call the pure handler, and hand the
 * partition's typed arrays back by transfer (moved, not copied). Everything else lives in
 * partition-task.ts, which the tests exercise on the main thread.
 */
const handler = createPartitionTaskHandler()

export default function scorePartitionTask (task: PartitionTask): PartitionResponse {
  // Test-only: a worker thread that dies in the middle of a match run.
  if (task.fault === 'exit') process.exit(70)
  const response = handler.handle(task)
  if (response.kind !== 'scored') return response
  return Piscina.move({
    [Piscina.transferableSymbol]: partitionBuffers(response.partition),
    [Piscina.valueSymbol]: response
  } as unknown as ArrayBuffer) as unknown as PartitionResponse
}
