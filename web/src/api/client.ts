// The one way the app calls the API: adds the token and the language, and turns the API's error
// shape ({"code", "message", "errors"}) into an ApiError whose message can be shown as it is.
import { fileNameOf, saveBlob } from '../download'
import { currentLocale, i18n } from '../i18n'
import { useSession } from '../stores/session'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export interface Options {
  method?: string
  body?: unknown
  // A call made signed in whose 401 means the session is over (every call but signing in).
  signedIn?: boolean
  // Sent as well: an Idempotency-Key, for instance.
  headers?: Record<string, string>
}

async function send(path: string, options: Options, extra: Record<string, string> = {}): Promise<Response> {
  const session = useSession()
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': currentLocale(),
    ...options.headers,
    ...extra,
  }
  // A form (a file upload) goes as multipart, its boundary set by the browser; anything else as JSON.
  const form = options.body instanceof FormData
  if (options.body !== undefined && !form) headers['Content-Type'] = 'application/json'
  const signedIn = options.signedIn ?? true
  // Signed out meanwhile (a page still loading when the user left): nothing more is asked for.
  if (signedIn && !session.token) throw new ApiError(401, i18n.global.t('signIn.signedOut'))
  if (signedIn) headers.Authorization = `Bearer ${session.token}`
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : form ? (options.body as FormData) : JSON.stringify(options.body),
    })
  } catch {
    throw new ApiError(0, i18n.global.t('error.network'))
  }
  if (response.status === 401 && signedIn && session.token) {
    session.expire()
  }
  return response
}

async function failure(response: Response): Promise<ApiError> {
  const data = await response.json().catch(() => ({}))
  return new ApiError(response.status, data.message ?? response.statusText, data.errors ?? {})
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T
  if (!response.ok) throw await failure(response)
  return (await response.json().catch(() => ({}))) as T
}

export async function api<T>(path: string, options: Options = {}): Promise<T> {
  return answer<T>(await send(path, options))
}

/** A file POSTed as the form field `file` (beside `fields`, if any), and the API's answer. */
export async function apiUpload<T>(path: string, file: File, fields: Record<string, string> = {}): Promise<T> {
  const body = new FormData()
  for (const [name, value] of Object.entries(fields)) body.append(name, value)
  body.append('file', file)
  return answer<T>(await send(path, { method: 'POST', body }))
}

/** A GET of an answer the caller may already hold (with its ETag): null while it is unchanged. */
export async function apiIfChanged<T>(path: string, etag: string | null): Promise<{ data: T; etag: string | null } | null> {
  const response = await send(path, {}, etag ? { 'If-None-Match': etag } : {})
  if (response.status === 304) return null
  return { data: await answer<T>(response), etag: response.headers.get('ETag') }
}

export interface Page<T> {
  items: T[]
  total: number
}

/** One page of a list and how many there are in all (the API's X-Pagination header). */
export async function apiPage<T>(path: string, options: Options = {}): Promise<Page<T>> {
  const response = await send(path, options)
  const items = await answer<T[]>(response)
  const pagination = JSON.parse(response.headers.get('X-Pagination') ?? '{}') as { total?: number }
  return { items, total: pagination.total ?? items.length }
}

/** A file the API sends (GET `path`), as a Blob with the name its Content-Disposition gives. Any
 * answer but 200 (202: not made yet) is an ApiError. */
export async function apiFile(path: string): Promise<{ blob: Blob; fileName: string }> {
  const response = await send(path, {}, { Accept: '*/*' })
  if (response.status !== 200) throw await failure(response)
  const fallback = path.split('/').filter(Boolean).join('-')
  return { blob: await response.blob(), fileName: fileNameOf(response.headers.get('Content-Disposition'), fallback) }
}

/** The file the API sends, saved as the browser saves a download, under `name` or the API's. */
export async function download(path: string, name?: string): Promise<void> {
  const file = await apiFile(path)
  saveBlob(file.blob, name ?? file.fileName)
}
