import { createHash } from 'node:crypto'

/**
 * Lower-case hex SHA-256 of the UTF-8 text that `produce` hands to `write`, chunk by chunk: the same
 * digest as sha256Hex of the joined text, without joining it (a 100,000-candidate match list is
 * 27 MB of JSON).
 */
export function sha256Chunks (produce: (write: (chunk: string) => void) => void): string {
  const hash = createHash('sha256')
  produce((chunk) => { hash.update(chunk) })
  return hash.digest('hex')
}
