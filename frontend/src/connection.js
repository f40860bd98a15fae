// The connection to the server: the shared document's copy on this device
// (y-indexeddb), the stock y-socket.io provider, the status line, the retries
// socket.io does not make, and what to do about each refusal of the server.
import { IndexeddbPersistence } from 'y-indexeddb'
import { SocketIOProvider } from 'y-socket.io'
import { t } from './i18n.js'
import { connectionState, renderStatus, statusText } from './status.js'

// a connection the server refused for a passing reason (not a fatal one below) is
// tried again after this long: socket.io itself does not retry a refusal
const RETRY_REFUSED = 15000
// after the server asked for our changes again (sync-step-1) and got them, this long
// without a new refusal means they were taken: the notices about them are cleared
const SYNCED_GRACE = 3000
// refused changes the server asks for again, said calmly in the status line
const WAITING = ['rate-limited', 'out-of-sync']
// refused changes said under the editor, until the server has them
const TOO_LARGE = ['update-too-large', 'document-too-large']

// connection refusals that trying again cannot cure: the editor stops and says why
const FATAL = new Map([
  ['unauthenticated', { key: 'stop.unauthenticated', readOnly: true }],
  ['unknown-document', { key: 'stop.unknownDocument', readOnly: true }],
  // this person's last frame on this document was more than the server reads: it
  // refuses their connections for a while, and a reconnection would send the same
  // frame again; the text stays writable, so that they can take the passage out
  ['update-too-large', { key: 'stop.frameTooLarge', readOnly: false }]
])

/** The code of a refused connection (socket.io's connect_error), or null. */
export function refusalCode (error) {
  return error && error.data && typeof error.data === 'object' ? error.data.code : null
}

/** How to stop for a connection refusal ({ key, readOnly }), or null when it passes. */
export const fatalRefusal = code => FATAL.get(code) || null

/** The offline copy of the document: one per person, or null without IndexedDB. */
export function openOfflineCopy (doc, { documentId, user }) {
  try {
    // on a shared computer, one person's unsent edits must never be sent later under
    // another's name
    return new IndexeddbPersistence(`coelab-document-${documentId}-user-${user.id}`, doc)
  } catch (e) {
    console.warn('coelab: no offline copy (IndexedDB unavailable)', e)
    return null
  }
}

/** The stock provider, connecting at once, with this person in its awareness. */
export function openProvider (doc, { serverUrl, documentId, user }) {
  const provider = new SocketIOProvider(serverUrl, String(documentId), doc, {
    autoConnect: true,
    resyncInterval: 10000,
    disableBc: false
  }, {
    // Socket.IO's own options: behind nginx, the editors of one document meet in one
    // server process (deploy/nginx.conf, "upstream coelab_documents")
    query: { document: String(documentId) }
  })
  provider.awareness.setLocalStateField('user', user)
  sendUpdatesOnlyWhenConnected(provider.socket)
  return provider
}

/**
 * The stock provider emits each change as a "sync-update" even while the socket is
 * down, and socket.io keeps such events to send them first when it reconnects. The
 * reconnection's exchange carries those changes too (the server's sync-step-1 asks for
 * everything it lacks, documents/sockets.py), so they would go twice, and race: the
 * server measured its state before the queued ones were stored, so the answer repeated
 * them all. A long text written offline then came back as "too large" even though it
 * had been stored. Written offline, a change now goes once, in that answer (the way
 * y-websocket's own client works): what the server receives is what it lacks, measured
 * once against YJS_MAX_SYNC_BYTES. Awareness and other events are kept as socket.io does.
 */
export function sendUpdatesOnlyWhenConnected (socket) {
  const emit = socket.emit
  socket.emit = function (event, ...args) {
    if (event === 'sync-update' && !this.connected) return this
    return emit.call(this, event, ...args)
  }
  // queued while the connection was failing without knowing it yet (a ping not
  // answered): the next connection's exchange carries them as well
  socket.on('disconnect', () => {
    socket.sendBuffer = socket.sendBuffer.filter(packet => !isUpdate(packet))
  })
}

const isUpdate = packet => Array.isArray(packet.data) && packet.data[0] === 'sync-update'

/** The stock provider starts a resync timer at every connection: stop the running one. */
function stopResync (provider) {
  if (provider.resyncInterval != null) {
    clearInterval(provider.resyncInterval)
    provider.resyncInterval = null
  }
}

/** Disconnect for good: no retries by socket.io either. */
function shutDown (provider) {
  provider.socket.io.reconnection(false)
  if (provider.socket.connected) {
    provider.disconnect()
  } else {
    provider.socket.disconnect()
    provider.disconnectBc()
  }
  stopResync(provider)
}

/**
 * The connection's state and the status line. messages: the MessageLine under the
 * editor; writable(): whether this person may change the text (once it is here: the status
 * line does not say "read-only" to a writer while it loads); setReadOnly(): make it not.
 */
export class Connection {
  constructor (provider, { statusElement, messages, writable, setReadOnly, maxUpdateSize }) {
    Object.assign(this, { provider, statusElement, messages, writable, setReadOnly, maxUpdateSize })
    this.socket = provider.socket
    this.connected = false
    this.lostOnce = false // connected then lost, or never reached: either way we retry
    this.retryTimer = null
    this.stopped = false // for good: access withdrawn, session ended, document gone
    // a refused change the server will ask for again (one of WAITING): said calmly in
    // the status line until the server has it
    this.pending = null
    this.syncedTimer = null
    // the text has arrived once (from the server, another tab or this device's copy):
    // until then the editor is read-only (main.js, textArrived)
    this.loaded = false
    this.listen()
    this.render()
  }

  listen () {
    this.provider.on('status', ({ status }) => {
      this.connected = status === 'connected'
      if (status === 'disconnected') this.lostOnce = true
      this.render()
    })
    // the first exchange of a connection done (the stock provider's "synced")
    this.provider.on('sync', () => this.render())
    this.socket.on('connect', () => {
      this.connected = true
      this.render()
    })
    this.socket.on('disconnect', () => this.lost())
    this.socket.on('connect_error', error => this.refused(error))
    this.socket.on('sync-step-1', () => this.resyncAsked())
    this.socket.on('yjs-error', payload => this.changeRefused(payload))
    window.addEventListener('online', () => {
      this.render()
      if (!this.stopped && !this.socket.connected && !this.socket.active) this.provider.connect()
    })
    window.addEventListener('offline', () => this.render())
  }

  state () {
    const { stopped, connected, pending, lostOnce, loaded } = this
    const synced = this.provider.synced
    return connectionState({ stopped, online: navigator.onLine, connected, synced, pending, lostOnce, loaded })
  }

  textArrived () {
    this.loaded = true
    this.render()
  }

  render () {
    const state = this.state()
    const canWrite = this.writable()
    renderStatus(this.statusElement, state, statusText(state, { canWrite, pending: this.pending }, t), canWrite)
  }

  lost () {
    this.connected = false
    this.lostOnce = true
    // the stock provider starts a new resync timer on every connection without
    // stopping the previous one; stop it here so reconnections do not pile them up
    stopResync(this.provider)
    this.render()
    // socket.io retries by itself, except when the server closed the connection (or
    // we did, in stop())
    if (!this.socket.active) this.reconnectSoon()
  }

  refused (error) {
    this.connected = false
    this.lostOnce = true
    const fatal = fatalRefusal(refusalCode(error))
    if (fatal) return this.stop(t(fatal.key), fatal.readOnly)
    this.render()
    // any other refusal by the server is not retried by socket.io: we try again later
    if (!this.socket.active) this.reconnectSoon()
  }

  reconnectSoon () {
    if (this.retryTimer !== null || this.stopped) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (!this.stopped && navigator.onLine && !this.socket.connected && !this.socket.active) this.provider.connect()
    }, RETRY_REFUSED)
  }

  /** Stop for good: no more retries (ours or socket.io's), a read-only text, and why. */
  stop (text, readOnly = true) {
    if (this.stopped) return
    this.stopped = true
    this.pending = null
    clearTimeout(this.retryTimer)
    this.retryTimer = null
    clearTimeout(this.syncedTimer)
    shutDown(this.provider)
    this.messages.stop(text)
    if (readOnly) this.setReadOnly()
    this.render()
  }

  // The server asks for what it lacks (sync-step-1) at each connection, at each resync
  // and after refusing a change it will take again: the provider answers with all of
  // this person's changes it does not have. No new refusal soon after means the server
  // has them: the notices about changes waiting to be taken go.
  resyncAsked () {
    if (this.stopped || (!this.pending && !TOO_LARGE.includes(this.messages.kind))) return
    clearTimeout(this.syncedTimer)
    this.syncedTimer = setTimeout(() => {
      this.pending = null
      this.messages.clear(...TOO_LARGE)
      this.render()
    }, SYNCED_GRACE)
  }

  changeRefused (payload) {
    const { code, message } = payload || {}
    if (this.stopped) return
    if (WAITING.includes(code) || TOO_LARGE.includes(code)) clearTimeout(this.syncedTimer) // not taken after all
    switch (code) {
      case 'rate-limited': // the server asks for them again when the person's budget refills
      case 'out-of-sync': // built on changes the server lacks: it asks for everything
        if (this.messages.kind !== 'document-too-large' && this.pending !== 'rate-limited') this.pending = code
        this.render()
        return
      case 'update-too-large': // sent again with the rest at the next resync, within its bound
        this.messages.show(t('error.updateTooLarge', { max: this.maxUpdateSize }), code)
        return
      case 'document-too-large': // not even the resync fits: the server stops asking
        this.pending = null
        this.messages.show(t('error.documentTooLarge'), code)
        this.render()
        return
      case 'access-revoked': // the server disconnects this socket next
        this.stop(t('stop.accessRevoked'))
        return
    }
    const detail = typeof message === 'string' && message ? message : String(code || '')
    this.messages.show(t('error.refused', { detail }), code === 'read-only' ? 'read-only' : 'refused')
    if (code === 'read-only') this.setReadOnly()
  }
}
