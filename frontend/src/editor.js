// Coélab co-editor: CodeMirror 6 bound to a Yjs document, kept on the device with
// y-indexeddb and synchronised with the server by the stock y-socket.io client.
// The page (#editor-app and its data-* attributes) is rendered by the server.
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import { SocketIOProvider } from 'y-socket.io'
import { yCollab, yRemoteSelections, yUndoManagerKeymap } from 'y-codemirror.next'
import { Compartment, EditorState, Prec, Transaction } from '@codemirror/state'
import { drawSelection, EditorView, keymap } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { markdown } from '@codemirror/lang-markdown'
import { actions, insertLink, toggleBold, toggleItalic } from './commands.js'
import { cspSafeRemoteSelections, safeColour } from './remote-selections.js'
import { startComments } from './comments.js'

const PREVIEW_DELAY = 400
// a connection the server refused for a passing reason (not one of FATAL below) is
// tried again after this long: socket.io itself does not retry a refusal
const RETRY_REFUSED = 15000
// after the server asked for our changes again (sync-step-1) and got them, this long
// without a new refusal means they were taken: the notices about them are cleared
const SYNCED_GRACE = 3000
// room left in an update for the Yjs encoding around the inserted text: the header,
// one item per inserted piece (ids, origins, parent) and the deleted ranges (a few
// kilobytes when a long text written by many hands is replaced at once)
const UPDATE_MARGIN_MAX = 16 * 1024
const UPDATE_BYTES_PER_CHANGE = 64

/** The UTF-8 size of a string, as Yjs encodes it (a lone surrogate counts 3 bytes). */
function utf8Length (text) {
  return new TextEncoder().encode(text).length
}

/** #abc → #aabbcc, so that an alpha byte can be appended. */
function longHex (colour) {
  return colour.length === 4 ? '#' + [...colour.slice(1)].map(c => c + c).join('') : colour.slice(0, 7)
}

function start (app) {
  const data = app.dataset
  const documentId = data.documentId
  const serverUrl = data.serverUrl || window.location.origin
  const nonce = data.cspNonce || ''
  let canWrite = data.canWrite === 'true'
  const msg = {
    connected: data.msgConnected || '',
    connectedReadonly: data.msgConnectedReadonly || '',
    connecting: data.msgConnecting || '',
    reconnecting: data.msgReconnecting || '',
    offline: data.msgOffline || '',
    readonly: data.msgReadonly || '',
    error: data.msgError || '',
    previewOffline: data.msgPreviewOffline || '',
    stopped: data.msgStopped || '',
    stoppedReadonly: data.msgStoppedReadonly || '',
    pasteTooLarge: data.msgPasteTooLarge || '',
    rateLimited: data.msgRateLimited || '',
    outOfSync: data.msgOutOfSync || '',
    updateTooLarge: data.msgUpdateTooLarge || '',
    documentTooLarge: data.msgDocumentTooLarge || '',
    accessRevoked: data.msgAccessRevoked || '',
    unauthenticated: data.msgUnauthenticated || '',
    unknownDocument: data.msgUnknownDocument || '',
    frameTooLarge: data.msgFrameTooLarge || '',
    presenceSelf: data.msgPresenceSelf || '(vous)',
    presenceReader: data.msgPresenceReader || '(lecture)'
  }
  // connection refusals that trying again cannot cure: the editor stops and says why
  const FATAL = new Map([
    ['unauthenticated', { text: msg.unauthenticated, readOnly: true }],
    ['unknown-document', { text: msg.unknownDocument, readOnly: true }],
    // this person's last frame on this document was more than the server reads: it
    // refuses their connections for a while, and a reconnection would send the same
    // frame again; the text stays writable, so that they can take the passage out
    ['update-too-large', { text: msg.frameTooLarge, readOnly: false }]
  ])
  const maxUpdateBytes = /^\d+$/.test(data.maxUpdateBytes || '') ? Number(data.maxUpdateBytes) : 0
  const colour = longHex(safeColour(data.userColor, '#1f5fa8'))
  const user = {
    name: data.userName || '',
    color: colour,
    colorLight: colour + '33',
    id: /^\d+$/.test(data.userId || '') ? Number(data.userId) : (data.userId || null)
  }

  const $ = id => document.getElementById(id)
  const statusEl = $('connection-status')
  const errorEl = $('editor-error')
  const presenceEl = $('presence')
  const previewEl = $('preview')
  const toolbar = $('editor-toolbar')
  const buttons = toolbar ? [...toolbar.querySelectorAll('button[data-action]')] : []

  // 1-3. The shared document, its copy on this device, the connection to the server.
  const doc = new Y.Doc()
  const ytext = doc.getText('content')
  let persistence = null
  try {
    // one offline copy per person: on a shared computer, one person's unsent edits must
    // never be sent later under another's name
    persistence = new IndexeddbPersistence(`coelab-document-${documentId}-user-${user.id}`, doc)
  } catch (e) {
    console.warn('coelab: no offline copy (IndexedDB unavailable)', e)
  }
  const provider = new SocketIOProvider(serverUrl, String(documentId), doc, {
    autoConnect: true,
    resyncInterval: 10000,
    disableBc: false
  })
  provider.awareness.setLocalStateField('user', user)

  // 4. The editor.
  const editable = new Compartment()
  const editableExtensions = writable => [
    EditorState.readOnly.of(!writable),
    // readers keep a focusable text (caret, selection, copy) that refuses every change
    EditorView.editable.of(true),
    EditorView.contentAttributes.of({ 'aria-readonly': String(!writable) })
  ]
  const undoManager = new Y.UndoManager(ytext)
  // yCollab's remote-selection plugin paints colours with style attributes, which the
  // page's CSP blocks; swap it for the same plugin drawing with classes (see the module)
  const collab = yCollab(ytext, provider.awareness, { undoManager })
    .map(extension => extension === yRemoteSelections ? cspSafeRemoteSelections : extension)

  // A change too large for one update (a long paste, a drop) is refused here, before
  // it reaches the shared document: the server would refuse it, and the changes made
  // after it would depend on it. Only this person's changes carry a user event; those
  // y-codemirror brings in from the shared document (co-authors, undo) are already in
  // it and pass.
  const updateBudget = maxUpdateBytes -
    Math.min(UPDATE_MARGIN_MAX, Math.floor(maxUpdateBytes / 8))
  const sizeGuard = EditorState.transactionFilter.of(tr => {
    if (!maxUpdateBytes || !tr.docChanged || tr.annotation(Transaction.userEvent) === undefined) return tr
    const inserted = []
    let units = 0
    let changes = 0
    tr.changes.iterChanges((fromA, toA, fromB, toB, text) => {
      changes++
      if (text.length) {
        inserted.push(text)
        units += text.length
      }
    })
    const budget = updateBudget - UPDATE_BYTES_PER_CHANGE * changes
    // a UTF-16 unit is at most 3 bytes in UTF-8: typing never needs the exact count
    if (units * 3 <= budget) return tr
    let bytes = 0
    for (const text of inserted) {
      bytes += utf8Length(text.sliceString(0, text.length, '\n'))
      if (bytes > budget) {
        queueMicrotask(() => showError(msg.pasteTooLarge, 'paste'))
        return {} // nothing of it: the text stays as it was
      }
    }
    return tr
  })

  const view = new EditorView({
    parent: $('editor'),
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        EditorView.cspNonce.of(nonce),
        Prec.high(keymap.of([
          { key: 'Mod-b', run: toggleBold },
          { key: 'Mod-i', run: toggleItalic },
          { key: 'Mod-k', run: insertLink }
        ])),
        // undo/redo is Yjs's: it only takes back this person's changes, never a co-author's
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
        drawSelection(),
        EditorView.lineWrapping,
        markdown(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        EditorView.contentAttributes.of({ 'aria-label': 'Texte du document', 'aria-multiline': 'true' }),
        editable.of(editableExtensions(canWrite)),
        sizeGuard,
        // a paste that fits clears the message about one that did not
        EditorView.updateListener.of(update => {
          if (update.docChanged && update.transactions.some(tr =>
            tr.isUserEvent('input.paste') || tr.isUserEvent('input.drop'))) clearError('paste')
        }),
        collab
      ]
    })
  })

  // 5. Toolbar.
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || '')
  const shortcuts = { bold: 'B', italic: 'I', link: 'K' }
  for (const button of buttons) {
    const key = shortcuts[button.dataset.action]
    if (key) button.setAttribute('aria-keyshortcuts', (mac ? 'Meta+' : 'Control+') + key)
    // keep the editor's focus and selection while clicking
    button.addEventListener('mousedown', event => event.preventDefault())
    button.addEventListener('click', () => {
      const command = actions[button.dataset.action]
      if (command && canWrite) command(view)
      view.focus()
    })
  }
  if (toolbar) {
    // the ARIA toolbar pattern: one Tab stop (the last button used), the arrow keys,
    // Home and End move between the buttons, so that Tab goes on to the text at once
    const rove = to => { for (const b of buttons) b.tabIndex = b === to ? 0 : -1 }
    rove(buttons[0])
    toolbar.addEventListener('focusin', event => { if (buttons.includes(event.target)) rove(event.target) })
    toolbar.addEventListener('keydown', event => {
      const enabled = buttons.filter(b => !b.disabled)
      const index = enabled.indexOf(document.activeElement)
      if (index < 0) return
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: enabled.length - 1 }[event.key]
      if (next === undefined) return
      event.preventDefault()
      enabled[(next + enabled.length) % enabled.length].focus()
    })
  }

  function setReadOnly () {
    if (!canWrite) return
    canWrite = false
    view.dispatch({ effects: editable.reconfigure(editableExtensions(false)) })
    applyWritable()
    renderStatus()
  }

  function applyWritable () {
    for (const button of buttons) button.disabled = !canWrite
  }
  applyWritable()

  // 9. Preview, rendered by the server from its copy of the text.
  let previewNotice = null
  let previewBody = null
  if (previewEl) {
    previewNotice = document.createElement('p')
    previewNotice.className = 'preview-notice'
    previewNotice.hidden = true
    previewBody = document.createElement('div')
    previewBody.className = 'preview-body'
    // the whole rendering changes at every pause in typing: reading it all out each
    // time would drown a screen reader; only the notice above stays announced
    previewBody.setAttribute('aria-live', 'off')
    previewEl.replaceChildren(previewNotice, previewBody)
  }
  let previewRequests = 0
  let previewShown = 0
  let previewTimer = null

  function showPreviewOffline (request) {
    if (!previewNotice || request < previewShown) return
    previewShown = request
    previewNotice.textContent = msg.previewOffline
    previewNotice.hidden = false
  }

  async function refreshPreview () {
    if (!previewEl || !data.previewUrl) return
    const request = ++previewRequests
    if (!navigator.onLine) return showPreviewOffline(request)
    try {
      const response = await fetch(data.previewUrl, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        cache: 'no-store'
      })
      if (!response.ok) throw new Error('preview: HTTP ' + response.status)
      const json = await response.json()
      if (typeof json.html !== 'string') throw new Error('preview: no html')
      if (request < previewShown) return // an older answer arriving after a newer one
      previewShown = request
      previewBody.innerHTML = json.html // sanitised by the server (bleach)
      previewNotice.hidden = true
    } catch (e) {
      showPreviewOffline(request)
    }
  }

  function schedulePreview () {
    clearTimeout(previewTimer)
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY)
  }
  // 7. Connection indicator.
  let connected = false
  let lostOnce = false // connected then lost, or never reached: either way we retry
  let retryTimer = null
  let stopped = false // for good: access withdrawn, session ended, document gone
  // a refused change the server will ask for again ('rate-limited', 'out-of-sync'):
  // said calmly in the status line until the server has it
  let pending = null
  let syncedTimer = null

  function connectionState () {
    if (stopped) return 'stopped'
    if (!navigator.onLine) return 'offline'
    if (connected) return pending ? 'sending' : 'connected'
    return lostOnce ? 'reconnecting' : 'connecting'
  }

  function statusText (state) {
    if (state === 'stopped') return canWrite ? msg.stopped : msg.stoppedReadonly
    if (state === 'sending') return pending === 'rate-limited' ? msg.rateLimited : msg.outOfSync
    if (!canWrite) return state === 'connected' ? msg.connectedReadonly : `${msg[state]} ${msg.readonly}`.trim()
    return msg[state]
  }

  function renderStatus () {
    if (!statusEl) return
    const state = connectionState()
    const text = statusText(state)
    if (statusEl.dataset.state !== state) statusEl.dataset.state = state
    if (statusEl.textContent !== text) statusEl.textContent = text
    statusEl.dataset.readonly = String(!canWrite)
  }

  // 8. What the server refused, and what the person can do about it: one message at a
  // time under the editor, of a kind so that each is cleared by what resolves it.
  let errorKind = null

  function showError (text, kind) {
    if (!errorEl || (stopped && kind !== 'stopped')) return
    errorKind = kind
    if (errorEl.textContent !== text) errorEl.textContent = text
    errorEl.hidden = false
  }

  function clearError (...kinds) {
    if (!errorEl || !kinds.includes(errorKind)) return
    errorKind = null
    errorEl.hidden = true
    errorEl.textContent = ''
  }

  /** Stop for good: no more retries (ours or socket.io's), a read-only text, and why. */
  function stop (text, readOnly = true) {
    if (stopped) return
    stopped = true
    pending = null
    clearTimeout(retryTimer)
    retryTimer = null
    clearTimeout(syncedTimer)
    provider.socket.io.reconnection(false)
    if (provider.socket.connected) {
      provider.disconnect()
    } else {
      provider.socket.disconnect()
      provider.disconnectBc()
    }
    if (provider.resyncInterval != null) {
      clearInterval(provider.resyncInterval)
      provider.resyncInterval = null
    }
    showError(text, 'stopped')
    if (readOnly) setReadOnly()
    renderStatus()
  }

  function reconnectSoon () {
    if (retryTimer !== null || stopped) return
    retryTimer = setTimeout(() => {
      retryTimer = null
      if (!stopped && navigator.onLine && !provider.socket.connected && !provider.socket.active) provider.connect()
    }, RETRY_REFUSED)
  }

  provider.on('status', ({ status }) => {
    connected = status === 'connected'
    if (status === 'disconnected') lostOnce = true
    renderStatus()
  })
  provider.socket.on('connect', () => {
    connected = true
    renderStatus()
    schedulePreview()
  })
  provider.socket.on('disconnect', () => {
    connected = false
    lostOnce = true
    // the stock provider starts a new resync timer on every connection without
    // stopping the previous one; stop it here so reconnections do not pile them up
    if (provider.resyncInterval != null) {
      clearInterval(provider.resyncInterval)
      provider.resyncInterval = null
    }
    renderStatus()
    // socket.io retries by itself, except when the server closed the connection (or
    // we did, in stop())
    if (!provider.socket.active) reconnectSoon()
  })
  provider.socket.on('connect_error', error => {
    connected = false
    lostOnce = true
    const code = error && error.data && typeof error.data === 'object' ? error.data.code : null
    if (FATAL.has(code)) return stop(FATAL.get(code).text, FATAL.get(code).readOnly)
    renderStatus()
    // any other refusal by the server is not retried by socket.io: we try again later
    if (!provider.socket.active) reconnectSoon()
  })
  window.addEventListener('online', () => {
    renderStatus()
    if (!stopped && !provider.socket.connected && !provider.socket.active) provider.connect()
    schedulePreview()
  })
  window.addEventListener('offline', () => {
    renderStatus()
    showPreviewOffline(++previewRequests)
  })
  renderStatus()

  // The server asks for what it lacks (sync-step-1) at each connection, at each resync
  // and after refusing a change it will take again: the provider answers with all of
  // this person's changes it does not have. No new refusal soon after means the server
  // has them: the notices about changes waiting to be taken go.
  provider.socket.on('sync-step-1', () => {
    if (stopped || (!pending && !['update-too-large', 'document-too-large'].includes(errorKind))) return
    clearTimeout(syncedTimer)
    syncedTimer = setTimeout(() => {
      pending = null
      clearError('update-too-large', 'document-too-large')
      renderStatus()
    }, SYNCED_GRACE)
  })

  provider.socket.on('yjs-error', payload => {
    const { code, message } = payload || {}
    if (stopped) return
    if (['rate-limited', 'out-of-sync', 'update-too-large', 'document-too-large'].includes(code)) {
      clearTimeout(syncedTimer) // not taken after all
    }
    switch (code) {
      case 'rate-limited': // the server asks for them again when the person's budget refills
      case 'out-of-sync': // built on changes the server lacks: it asks for everything
        if (errorKind !== 'document-too-large' && pending !== 'rate-limited') pending = code
        renderStatus()
        return
      case 'update-too-large': // sent again with the rest at the next resync, within its bound
        showError(msg.updateTooLarge, code)
        return
      case 'document-too-large': // not even the resync fits: the server stops asking
        pending = null
        showError(msg.documentTooLarge, code)
        renderStatus()
        return
      case 'access-revoked': // the server disconnects this socket next
        stop(msg.accessRevoked)
        return
    }
    const detail = typeof message === 'string' && message ? message : String(code || '')
    showError(msg.error + detail, code === 'read-only' ? 'read-only' : 'refused')
    if (code === 'read-only') setReadOnly()
  })

  // 6. Who is here.
  let presenceKey = ''
  function renderPresence () {
    if (!presenceEl) return
    const me = provider.awareness.clientID
    const people = new Map()
    provider.awareness.getStates().forEach((state, clientId) => {
      const who = state && state.user
      if (!who || typeof who !== 'object') return
      const self = clientId === me || (who.id != null && user.id != null && String(who.id) === String(user.id))
      const key = who.id != null ? 'user:' + String(who.id) : 'client:' + clientId
      if (people.has(key) && !(self && !people.get(key).self)) return
      const name = (typeof who.name === 'string' && who.name.trim() ? who.name.trim() : 'Anonyme').slice(0, 80)
      // the server stamps a reader's presence (they may read, not write)
      people.set(key, { name, colour: safeColour(who.color, '#5a6275'), self, reader: who.reader === true })
    })
    const list = [...people.values()].sort((a, b) =>
      (b.self - a.self) || a.name.localeCompare(b.name, 'fr'))
    const key = JSON.stringify(list)
    if (key === presenceKey) return
    presenceKey = key
    presenceEl.replaceChildren(...list.map(person => {
      const item = document.createElement('li')
      const dot = document.createElement('span')
      dot.className = 'presence-dot'
      dot.setAttribute('aria-hidden', 'true')
      dot.style.backgroundColor = person.colour
      const name = document.createElement('span')
      name.className = 'presence-name'
      const marks = [person.self && msg.presenceSelf, person.reader && msg.presenceReader]
      name.textContent = [person.name, ...marks.filter(Boolean)].join(' ')
      if (person.self) item.className = 'presence-self'
      item.append(dot, name)
      return item
    }))
  }
  provider.awareness.on('change', renderPresence)
  renderPresence()

  doc.on('update', schedulePreview)
  refreshPreview()

  // 11. Inline comments, on a deliverable's text.
  const commentsEl = $('comments')
  const comments = commentsEl ? startComments(commentsEl, { doc, ytext, view, provider }) : null

  // 10. For tests and debugging.
  window.coelabEditor = { doc, provider, view, ytext, persistence, undoManager, comments }
}

function boot () {
  const app = document.getElementById('editor-app')
  if (app && !window.coelabEditor) start(app)
  // a frozen version's page: comments on its text, without an editor
  const comments = document.getElementById('comments')
  const article = document.getElementById('version-text')
  if (!app && comments && article && !window.coelabComments) {
    window.coelabComments = startComments(comments, null, article)
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot)
else boot()
