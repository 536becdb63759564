/// <reference lib="dom" />
import { isProblem, type Problem } from './present.js'

/**
 * The console's only way to the server: the public HTTP API with the bearer token from
 * sessionStorage (gone when the tab closes). The token travels in the Authorization header only,
 * never in a URL, so it cannot leak through history, logs or Referer.
 */

const TOKEN_KEY = 'oae-console-token'

export class ProblemError extends Error {
  readonly problem: Problem
  constructor (problem: Problem) {
    super(problem.detail ?? problem.code)
    this.problem = problem
  }
}

export function storedToken (): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined
}

export function storeToken (token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token)
}

export function clearToken (): void {
  sessionStorage.removeItem(TOKEN_KEY)
}

/** Called when the server says the token is no good (401): the page returns to the login form. */
let onUnauthenticated: (problem: Problem) => void = () => {}
export function whenUnauthenticated (handler: (problem: Problem) => void): void {
  onUnauthenticated = handler
}

export interface RequestOptions {
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  readonly accept?: string
  /** Use this token instead of the stored one (the login form checks a token before keeping it). */
  readonly token?: string
}

async function send (method: string, path: string, options: RequestOptions): Promise<Response> {
  const token = options.token ?? storedToken()
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...options.headers }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(path, { method, headers, credentials: 'omit', cache: 'no-store', ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) })
  } catch {
    throw new ProblemError({ status: 0, code: 'NETWORK', detail: 'The server did not answer: is it still running?' })
  }
  if (!response.ok) {
    let problem: Problem
    try {
      const body: unknown = await response.json()
      problem = isProblem(body) ? body : { status: response.status, code: `HTTP_${response.status}`, detail: response.statusText }
    } catch {
      problem = { status: response.status, code: `HTTP_${response.status}`, detail: response.statusText }
    }
    if (response.status === 401 && options.token === undefined) onUnauthenticated(problem)
    throw new ProblemError(problem)
  }
  return response
}

export async function api<T> (method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options)
  return await response.json() as T
}

/** A response body as a Blob (CSV export, HTML report), with the file name the server suggests. */
export async function apiBlob (path: string, accept: string): Promise<{ blob: Blob, filename: string | undefined }> {
  const response = await send('GET', path, { accept })
  const disposition = response.headers.get('content-disposition') ?? ''
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1]
  return { blob: await response.blob(), filename }
}
