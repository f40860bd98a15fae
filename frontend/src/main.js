// Coélab co-editor: CodeMirror 6 bound to a Yjs document, kept on the device with
// y-indexeddb and synchronised with the server by the stock y-socket.io client.
// The page (#editor-app and its data-* attributes, the #coelab-i18n strings) is
// rendered by the server. This module puts the pieces together:
//   connection.js  the provider, the offline copy, the status line, the refusals
//   editor.js      CodeMirror (with size-guard.js, remote-selections.js)
//   toolbar.js     the formatting buttons (commands.js)
//   writing-mode.js  the text shown as it will read; paste.js  HTML pasted as Markdown
//   layout.js      the "Source Markdown" switch and the side panel's
//   presence.js    who is here
//   preview.js     the server's rendering of the text
//   comments.js    inline comments on a deliverable's text (and on its versions)
//   i18n.js        the page's translated strings
import * as Y from 'yjs'
import { syntaxTreeAvailable } from '@codemirror/language'
import { Connection, openOfflineCopy, openProvider } from './connection.js'
import { createEditor } from './editor.js'
import { setupToolbar } from './toolbar.js'
import { setupSidePanel, setupSourceToggle, sourceChosen } from './layout.js'
import { watchPresence } from './presence.js'
import { Preview } from './preview.js'
import { startComments } from './comments.js'
import { currentLocale, loadStrings, t } from './i18n.js'
import { editorOptions } from './options.js'
import { MessageLine } from './status.js'
import { byId } from './dom.js'

function start (app) {
  const options = editorOptions(app.dataset, window.location.origin)
  let canWrite = options.canWrite
  // read-only until the text is here: words typed into the empty editor before the
  // first synchronisation would be concurrent with the whole text, and Yjs would put
  // them before or after it, glued to its first or last line (textArrived below). The
  // page carries the text as it was made (coelab/_editor.html, data-initial-state), so
  // it is there at once, unless it is too large for a page
  const doc = new Y.Doc()
  const ytext = doc.getText('content')
  let textHere = applyPageState(doc, decodeState(app.dataset.initialState))
  const writable = () => canWrite && textHere
  const persistence = openOfflineCopy(doc, options)
  const provider = openProvider(doc, options)
  const messages = new MessageLine(byId('editor-error'))
  const { view, undoManager, setWritable, setSource } = createEditor(byId('editor'), {
    ...options,
    canWrite: writable(),
    source: sourceChosen(),
    ytext,
    awareness: provider.awareness,
    label: t('editor.label'),
    onTooLarge: () => messages.show(t('error.pasteTooLarge', { max: options.maxUpdateSize }), 'paste'),
    onPasted: () => messages.clear('paste')
  })
  const toolbar = setupToolbar(byId('editor-toolbar'), view, writable, {
    undo: () => undoManager.undo(),
    redo: () => undoManager.redo()
  })
  setupSourceToggle(byId('editor-source-toggle'), app, setSource)
  setupSidePanel(byId('editor-side-toggle'), byId('editor-side'), app)
  let connection = null
  const setReadOnly = () => {
    if (!canWrite) return
    canWrite = false
    setWritable(false)
    toolbar.setEnabled(false)
    connection.render()
  }
  connection = new Connection(provider, {
    statusElement: byId('connection-status'), messages, writable: () => canWrite, setReadOnly, maxUpdateSize: options.maxUpdateSize
  })
  if (textHere) {
    connection.textArrived()
  } else {
    whenTextArrives(doc, provider, persistence, () => {
      textHere = true
      if (canWrite) {
        setWritable(true)
        toolbar.setEnabled(true)
      }
      connection.textArrived()
    })
  }
  const preview = startPreview(provider, doc, options.previewUrl)
  watchPresence(byId('presence'), provider.awareness, { userId: options.user.id, t, locale: currentLocale() })
  const commentsElement = byId('comments')
  const comments = commentsElement ? startComments(commentsElement, { doc, ytext, view, provider }) : null
  // for tests and debugging (parsed(): the Markdown of the whole text is parsed, so the
  // writing mode's decorations cover it)
  const parsed = () => syntaxTreeAvailable(view.state, view.state.doc.length)
  window.coelabEditor = { doc, provider, view, ytext, persistence, undoManager, comments, preview, parsed }
}

/** The page's copy of the document's state (base64), or null (none, or not readable). */
export function decodeState (encoded) {
  if (!encoded) return null
  try {
    return Uint8Array.from(atob(encoded), c => c.charCodeAt(0))
  } catch (e) {
    console.warn('coelab: the page\'s copy of the text is unreadable', e)
    return null
  }
}

/**
 * Call arrived() once, when the text is here: the server answered (its answer to the
 * provider's sync-step-1 is a transaction of the provider's, even when it changes
 * nothing), another tab sent it (the provider's broadcast channel), or this device's
 * copy holds it.
 */
function whenTextArrives (doc, provider, persistence, arrived) {
  let done = false
  const once = () => {
    if (done) return
    done = true
    doc.off('afterTransaction', fromProvider)
    arrived()
  }
  function fromProvider (transaction) { if (transaction.origin === provider) once() }
  doc.on('afterTransaction', fromProvider)
  if (persistence) persistence.once('synced', () => { if (doc.getText('content').length > 0) once() })
}

/** Apply the page's copy of the text; whether it could be. */
function applyPageState (doc, state) {
  if (!state) return false
  try {
    Y.applyUpdate(doc, state, 'page')
    return true
  } catch (e) {
    console.warn('coelab: the page\'s copy of the text could not be read', e)
    return false
  }
}

/** The preview, refreshed at each pause in typing and each connection. */
function startPreview (provider, doc, url) {
  const preview = new Preview(byId('preview'), url, t('preview.offline'))
  provider.socket.on('connect', () => preview.schedule())
  window.addEventListener('online', () => preview.schedule())
  window.addEventListener('offline', () => preview.showOffline())
  doc.on('update', () => preview.schedule())
  preview.refresh()
  return preview
}

function boot () {
  loadStrings()
  const app = byId('editor-app')
  if (app && !window.coelabEditor) start(app)
  // a frozen version's page: comments on its text, without an editor
  const comments = byId('comments')
  const article = byId('version-text')
  if (!app && comments && article && !window.coelabComments) {
    window.coelabComments = startComments(comments, null, article)
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot)
else boot()
