// The preview (#preview), rendered by the server from its copy of the text: asked for
// at every pause in typing, and said unavailable while offline.

const PREVIEW_DELAY = 400

/** The sanitised HTML the server renders for the text (it answers { html }). */
export async function fetchPreview (url) {
  const response = await fetch(url, {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    cache: 'no-store'
  })
  if (!response.ok) throw new Error('preview: HTTP ' + response.status)
  const json = await response.json()
  if (typeof json.html !== 'string') throw new Error('preview: no html')
  return json.html
}

export class Preview {
  /** element: the #preview section (or null); url: where the server renders it. */
  constructor (element, url, offlineText) {
    Object.assign(this, { element, url, offlineText })
    this.requests = 0
    this.shown = 0 // the latest request shown: an older answer arriving later is dropped
    this.timer = null
    if (!element) return
    this.notice = document.createElement('p')
    this.notice.className = 'preview-notice'
    this.notice.hidden = true
    this.body = document.createElement('div')
    this.body.className = 'preview-body'
    // the whole rendering changes at every pause in typing: reading it all out each
    // time would drown a screen reader; only the notice above stays announced
    this.body.setAttribute('aria-live', 'off')
    element.replaceChildren(this.notice, this.body)
  }

  showOffline (request = ++this.requests) {
    if (!this.element || request < this.shown) return
    this.shown = request
    this.notice.textContent = this.offlineText
    this.notice.hidden = false
  }

  async refresh () {
    if (!this.element || !this.url) return
    const request = ++this.requests
    if (!navigator.onLine) return this.showOffline(request)
    try {
      const html = await fetchPreview(this.url)
      if (request < this.shown) return // an older answer arriving after a newer one
      this.shown = request
      this.body.innerHTML = html // sanitised by the server (bleach)
      this.notice.hidden = true
    } catch {
      this.showOffline(request)
    }
  }

  schedule () {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.refresh(), PREVIEW_DELAY)
  }
}
