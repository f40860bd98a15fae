// Inline comments: the server's JSON API (coelab.comments views).
import { csrfToken } from './dom.js'
import { t } from './i18n.js'

/** GET (no payload) or POST payload as JSON; the answer's JSON, or an Error saying why. */
export async function callJson (path, payload, csrf = '') {
  let response
  try {
    response = await fetch(path, {
      method: payload === undefined ? 'GET' : 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
      body: payload === undefined ? undefined : JSON.stringify(payload)
    })
  } catch {
    throw new Error(t('comments.network'))
  }
  let json = {}
  try { json = await response.json() } catch { /* not JSON: the message below */ }
  if (!response.ok) throw new Error(json.error || t('comments.network'))
  return json
}

/** The calls on the comments of a deliverable at url. */
export function commentsApi (url, csrf = csrfToken()) {
  const call = (path, payload) => callJson(path, payload, csrf)
  return {
    /** version: a version's number, or 'live' for the text being written */
    list: version => call(`${url}?version=${version}`),
    create: draft => call(url, draft),
    reply: (id, body) => call(`${url}/${id}/replies`, { body }),
    setResolved: (id, resolved) => call(`${url}/${id}/${resolved ? 'resolve' : 'reopen'}`, {})
  }
}
