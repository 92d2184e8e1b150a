// The one way the app calls the API: adds the token and the language, and turns the API's error
// shape ({"code", "message", "errors"}) into an ApiError whose message can be shown as it is.
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
}

export async function api<T>(path: string, options: Options = {}): Promise<T> {
  return (await send<T>(path, options)).data
}

export interface Page<T> {
  items: T[]
  total: number
}

/** One page of a list and how many there are in all (the API's X-Pagination header). */
export async function apiPage<T>(path: string): Promise<Page<T>> {
  const { data, headers } = await send<T[]>(path)
  const pagination = JSON.parse(headers.get('X-Pagination') ?? '{}') as { total?: number }
  return { items: data, total: pagination.total ?? data.length }
}

async function send<T>(path: string, options: Options = {}): Promise<{ data: T; headers: Headers }> {
  const session = useSession()
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLocale() }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  const signedIn = options.signedIn ?? true
  // Signed out meanwhile (a page still loading when the user left): nothing more is asked for.
  if (signedIn && !session.token) throw new ApiError(401, i18n.global.t('signIn.signedOut'))
  if (signedIn) headers.Authorization = `Bearer ${session.token}`
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  } catch {
    throw new ApiError(0, i18n.global.t('error.network'))
  }
  if (response.status === 401 && signedIn && session.token) {
    session.expire()
  }
  if (response.status === 204) return { data: undefined as T, headers: response.headers }
  const data = await response.json().catch(() => ({}))
  if (!response.ok) {
    throw new ApiError(response.status, data.message ?? response.statusText, data.errors ?? {})
  }
  return { data: data as T, headers: response.headers }
}

// A file the API makes (an XLSX export), fetched with the token like any call and handed to the
// browser to save: a temporary link to the Blob, clicked and revoked.
export async function download(path: string, filename: string): Promise<void> {
  const session = useSession()
  if (!session.token) throw new ApiError(401, i18n.global.t('signIn.signedOut'))
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      headers: { Authorization: `Bearer ${session.token}`, 'Accept-Language': currentLocale() },
    })
  } catch {
    throw new ApiError(0, i18n.global.t('error.network'))
  }
  if (response.status === 401) session.expire()
  if (!response.ok) {
    const data = await response.json().catch(() => ({}))
    throw new ApiError(response.status, data.message ?? response.statusText, data.errors ?? {})
  }
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  // Revoked once the browser has taken the file.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
