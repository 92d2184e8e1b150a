// The API names the fields it refuses ({"errors": {"json": {"phone": ["..."]}}}): each field's
// messages as one line, to be shown under that field of a form.
import type { ApiError } from './api/client'

export function fieldErrors(error: Pick<ApiError, 'errors'>): Record<string, string> {
  const shown: Record<string, string> = {}
  for (const fields of Object.values(error.errors)) {
    if (typeof fields !== 'object' || fields === null) continue
    for (const [name, why] of Object.entries(fields as Record<string, unknown>)) {
      const messages = Array.isArray(why) ? why.filter((m): m is string => typeof m === 'string') : []
      if (messages.length) shown[name] = messages.join(' ')
    }
  }
  return shown
}
