// The connection status line (#connection-status) and the message line under the
// editor (#editor-error): what is going on, and what the server refused.

/** The state the status line shows. */
export function connectionState ({ stopped, online, connected, synced = true, pending, lostOnce, loaded = true }) {
  if (stopped) return 'stopped'
  if (!online) return 'offline'
  // connected, the text not yet here: "Connecté" would invite typing into an empty page
  if (connected && !loaded) return 'loading'
  // "Connecté" once the server and this device have exchanged what the other lacked
  // (synced): the text the page carried may be behind the server's
  if (connected && synced) return pending ? 'sending' : 'connected'
  // "reconnecting" tells a writer to go on writing: only once there is a text to write in
  return lostOnce && loaded ? 'reconnecting' : 'connecting'
}

/** The text of a state, for a writer or a reader; pending: the refused change's code. */
export function statusText (state, { canWrite, pending }, t) {
  if (state === 'stopped') return t(canWrite ? 'status.stopped' : 'status.stoppedReadonly')
  if (state === 'loading') return t('status.loading')
  if (state === 'sending') return t(pending === 'rate-limited' ? 'status.rateLimited' : 'status.outOfSync')
  if (canWrite) return t('status.' + state)
  if (state === 'connected') return t('status.connectedReadonly')
  return `${t('status.' + state)} ${t('status.readonly')}`.trim()
}

/** Show a state in the status line, touching the DOM only where it changed. */
export function renderStatus (element, state, text, canWrite) {
  if (!element) return
  if (element.dataset.state !== state) element.dataset.state = state
  if (element.textContent !== text) element.textContent = text
  element.dataset.readonly = String(!canWrite)
}

/**
 * One message at a time under the editor, of a kind, so that each is cleared by what
 * resolves it. Once the editor stopped for good, only the message saying why shows.
 */
export class MessageLine {
  constructor (element) {
    this.element = element
    this.kind = null
    this.stopped = false
  }

  show (text, kind) {
    if (!this.element || (this.stopped && kind !== 'stopped')) return
    this.kind = kind
    if (this.element.textContent !== text) this.element.textContent = text
    this.element.hidden = false
  }

  clear (...kinds) {
    if (!this.element || !kinds.includes(this.kind)) return
    this.kind = null
    this.element.hidden = true
    this.element.textContent = ''
  }

  /** The editor stopped for good: say why, and nothing else from now on. */
  stop (text) {
    this.stopped = true
    this.show(text, 'stopped')
  }
}
