// Inline comments: threads anchored to a passage, shown highlighted in the text and
// listed beside it, with replies and resolution; refreshed live when the server
// announces a change (`comments-changed` on the document's socket.io namespace).
//   comments-model.js    anchors, places, order, status (no page needed)
//   comments-api.js      the server's JSON API
//   comments-marks.js    the passages marked in the text, the margin markers
//   comments-threads.js  the list of threads
//   comments-form.js     a new thread on the selection
import { Prec, StateEffect } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { io } from 'socket.io-client'
import { byId, revealPanel } from './dom.js'
import { currentLocale, t } from './i18n.js'
import { commentsApi } from './comments-api.js'
import { commentMarks, markVersion, paintLive } from './comments-marks.js'
import { orderThreads, placeInLive, placeInText, timeFormatter } from './comments-model.js'
import { ThreadList } from './comments-threads.js'
import { NewThreadForm } from './comments-form.js'

export { encodeAnchor, resolveAnchor } from './comments-model.js'

class CommentsPanel {
  constructor (root, live, article) {
    const data = root.dataset
    Object.assign(this, { root, live, article })
    this.version = live ? null : Number(data.version)
    this.api = commentsApi(data.commentsUrl)
    this.threads = []
    this.active = null
    this.synced = !live
    this.requests = 0
    this.paintTimer = null
    this.errorElement = byId('comment-error')
    this.list = new ThreadList(byId('comment-threads'), byId('comment-empty'), timeFormatter(currentLocale()), {
      goto: id => this.focusThread(id, true),
      reply: (id, body, sent) => this.act(() => this.api.reply(id, body), sent),
      toggle: id => {
        const current = this.threads.find(thread => thread.id === id)
        return this.act(() => this.api.setResolved(id, !(current && current.resolved)))
      }
    })
    this.form = new NewThreadForm({
      live, article, version: this.version,
      create: draft => this.api.create(draft),
      created: id => { this.active = id; return this.refresh() },
      showError: text => this.showError(text)
    })
  }

  showError (text) {
    this.errorElement.textContent = text
    this.errorElement.hidden = !text
  }

  /** A request on a thread, then the threads again; done() runs once it succeeded. */
  async act (request, done = () => {}) {
    try {
      await request()
      done()
      this.showError('')
      await this.refresh()
    } catch (e) {
      this.showError(e.message)
    }
  }

  /** [start, end] of a thread in the text shown, or null when the passage is gone. */
  place (thread) {
    if (this.live) return placeInLive(this.live.doc, this.live.ytext, thread)
    return placeInText(this.article ? this.article.textContent : '', thread)
  }

  paint () {
    const places = new Map(this.threads.map(thread => [thread.id, this.place(thread)]))
    if (this.live) {
      paintLive(this.live.view, this.threads, places, this.active)
    } else if (this.article) {
      const open = this.threads.filter(thread => !thread.resolved && places.get(thread.id))
      markVersion(this.article, open.map(thread => [thread, places.get(thread.id)]), this.active)
    }
    return places
  }

  paintSoon () {
    // Yjs observers may run inside an editor update: never dispatch from there
    if (this.paintTimer === null) this.paintTimer = setTimeout(() => { this.paintTimer = null; this.render() }, 0)
  }

  render () {
    const places = this.paint()
    const { active, synced } = this
    this.list.render(orderThreads(this.threads, places), places, { active, synced })
  }

  async refresh () {
    const request = ++this.requests
    try {
      const json = await this.api.list(this.live ? 'live' : this.version)
      if (request !== this.requests) return // a newer answer is on its way
      this.threads = json.threads || []
      this.root.dataset.canComment = String(!!json.can_comment)
      this.render()
    } catch (e) {
      this.showError(e.message)
    }
  }

  focusThread (id, moveToText) {
    this.active = id
    const thread = this.threads.find(candidate => candidate.id === id)
    this.render()
    const li = this.list.get(id)
    if (li) revealPanel(li)
    if (li) li.scrollIntoView({ block: 'nearest' })
    if (!moveToText || !thread) return
    const at = this.place(thread)
    if (!at) return
    if (this.live) {
      this.live.view.dispatch({ selection: { anchor: at[0], head: at[1] }, scrollIntoView: true })
      this.live.view.focus()
    } else {
      const mark = this.article.querySelector(`mark[data-thread-id="${id}"]`)
      if (mark) mark.scrollIntoView({ block: 'center' })
    }
  }

  wireLive () {
    const { view, doc, provider } = this.live
    view.dispatch({
      effects: StateEffect.appendConfig.of([
        commentMarks(t('comments.margin'), id => this.focusThread(id, false)),
        Prec.high(keymap.of([{ key: 'Mod-Alt-m', run: () => this.form.open() }])),
        EditorView.updateListener.of(update => { if (update.selectionSet || update.docChanged) this.form.updateButton() }),
        EditorView.domEventHandlers({
          click: event => {
            const mark = event.target.closest && event.target.closest('.cm-comment-range')
            if (mark) this.focusThread(Number(mark.dataset.threadId), false)
            return false
          }
        })
      ])
    })
    doc.on('afterTransaction', () => this.paintSoon())
    const onSynced = () => { this.synced = true; this.paintSoon() }
    if (provider.synced) onSynced()
    provider.on('sync', value => { if (value !== false) onSynced() })
    this.listen(provider.socket)
  }

  wireVersion () {
    document.addEventListener('selectionchange', () => this.form.updateButton())
    this.article.addEventListener('click', event => {
      const mark = event.target.closest && event.target.closest('mark.comment-mark')
      if (mark) this.focusThread(Number(mark.dataset.threadId), false)
    })
    const data = this.root.dataset
    const server = data.serverUrl || window.location.origin
    this.listen(io(`${server}/yjs|${data.documentId}`, {
      transports: ['websocket'],
      forceNew: true,
      query: { document: String(data.documentId) } // its editors' process (deploy/nginx.conf)
    }))
  }

  /** The server announces a change of the comments on the document's socket. */
  listen (socket) {
    socket.on('comments-changed', () => this.refresh())
    socket.on('connect', () => this.refresh())
  }

  start () {
    this.form.wire()
    if (this.live) this.wireLive()
    else this.wireVersion()
    this.form.updateButton()
    this.refresh()
    return { refresh: () => this.refresh(), threads: () => this.threads }
  }
}

/**
 * root: the #comments section. live: { doc, ytext, view, provider } in the editor; or
 * null on a version's page, where `article` is the version's text.
 */
export function startComments (root, live, article = null) {
  return new CommentsPanel(root, live, article).start()
}
