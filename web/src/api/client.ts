// The one way the app calls the API: adds the token and the language, and turns the API's error
// shape ({"code", "message", "errors"}) into an ApiError whose message can be shown as it is.
import { fileNameOf } from '../download'
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
  if (response.status === 204) return undefined as T
  const data = await response.json().catch(() => ({}))
  if (!response.ok) {
    throw new ApiError(response.status, data.message ?? response.statusText, data.errors ?? {})
  }
  return data as T
}

/** A file the API sends (GET `path`), as a Blob with the name its Content-Disposition gives. Any
 * answer but 200 (202: not made yet) is an ApiError. */
export async function apiFile(path: string): Promise<{ blob: Blob; fileName: string }> {
  const session = useSession()
  if (!session.token) throw new ApiError(401, i18n.global.t('signIn.signedOut'))
  let response: Response
  try {
    response = await fetch(`/api/v1${path}`, {
      headers: { 'Accept-Language': currentLocale(), Authorization: `Bearer ${session.token}` },
    })
  } catch {
    throw new ApiError(0, i18n.global.t('error.network'))
  }
  if (response.status === 401) session.expire()
  if (response.status !== 200) {
    const data = await response.json().catch(() => ({}))
    throw new ApiError(response.status, data.message ?? response.statusText, data.errors ?? {})
  }
  const fallback = path.split('/').filter(Boolean).join('-')
  return { blob: await response.blob(), fileName: fileNameOf(response.headers.get('Content-Disposition'), fallback) }
}
