// Inline comments: threads anchored to a passage, shown highlighted in the text and
// listed beside it, with replies and resolution; refreshed live when the server
// announces a change (`comments-changed` on the document's socket.io namespace).
//
// On the live text a thread's anchor is two Yjs relative positions (base64), which
// follow the passage as anyone edits; on a frozen version, character offsets in the
// version's text. The quote is kept and shown when the passage is gone.
import * as Y from 'yjs'
import { Prec, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state'
import { Decoration, EditorView, GutterMarker, gutter, keymap } from '@codemirror/view'
import { io } from 'socket.io-client'

const toBase64 = bytes => {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}
const fromBase64 = text => Uint8Array.from(atob(text), c => c.charCodeAt(0))

/** A position in the live text that follows its characters: base64 of a Yjs relative position. */
export function encodeAnchor (ytext, index, assoc = 0) {
  return toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, index, assoc)))
}

/** Its index in the text now, or null when it cannot be resolved (yet). */
export function resolveAnchor (doc, anchor) {
  try {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(anchor)), doc)
    return abs ? abs.index : null
  } catch (e) {
    return null
  }
}

const setRanges = StateEffect.define()
const rangesField = StateField.define({
  create: () => Decoration.none,
  update (deco, tr) {
    deco = deco.map(tr.changes)
    for (const effect of tr.effects) if (effect.is(setRanges)) deco = effect.value
    return deco
  },
  provide: field => EditorView.decorations.from(field)
})

// the margin: a marker beside each line where a commented passage starts
class CommentMarker extends GutterMarker {
  constructor (ids, label) {
    super()
    this.ids = ids
    this.label = label
  }

  eq (other) { return other.ids.join(',') === this.ids.join(',') }

  toDOM () {
    const span = document.createElement('span')
    span.className = 'cm-comment-marker'
    span.textContent = '💬'
    span.title = this.label
    span.dataset.threadIds = this.ids.join(',')
    return span
  }
}

function commentGutter (label, pick) {
  const linesOf = state => {
    const byLine = new Map()
    state.field(rangesField).between(0, state.doc.length, (from, _to, value) => {
      const line = state.doc.lineAt(from).from
      if (!byLine.has(line)) byLine.set(line, [])
      byLine.get(line).push(value.spec.attributes['data-thread-id'])
    })
    return byLine
  }
  return gutter({
    class: 'cm-comment-gutter',
    markers: view => {
      const builder = new RangeSetBuilder()
      const byLine = linesOf(view.state)
      for (const line of [...byLine.keys()].sort((a, b) => a - b)) {
        builder.add(line, line, new CommentMarker(byLine.get(line), label))
      }
      return builder.finish()
    },
    domEventHandlers: {
      mousedown (view, line) {
        const ids = linesOf(view.state).get(line.from)
        if (!ids) return false
        pick(Number(ids[0]))
        return true
      }
    }
  })
}

function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? '' : value)
  }
  node.append(...children)
  return node
}

/**
 * root: the #comments section. live: { doc, ytext, view, provider } in the editor; or
 * null on a version's page, where `article` is the version's text.
 */
export function startComments (root, live, article = null) {
  const data = root.dataset
  const url = data.commentsUrl
  const version = live ? null : Number(data.version)
  const msg = new Proxy({}, { get: (_t, key) => data['msg' + key[0].toUpperCase() + key.slice(1)] || '' })
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || ''
  const $ = id => document.getElementById(id)
  const newButton = $('comment-new')
  const form = $('comment-form')
  const quoteEl = $('comment-quote')
  const bodyEl = $('comment-body')
  const errorEl = $('comment-error')
  const list = $('comment-threads')
  const empty = $('comment-empty')
  const when = new Intl.DateTimeFormat(document.documentElement.lang || 'fr', { dateStyle: 'short', timeStyle: 'short' })

  let threads = []
  let active = null
  let pending = null // the passage of the thread being written
  let synced = !live
  const items = new Map() // thread id -> its <li>, kept so that reply drafts survive refreshes

  function showError (text) {
    errorEl.textContent = text
    errorEl.hidden = !text
  }

  async function call (path, payload) {
    let response
    try {
      response = await fetch(path, {
        method: payload === undefined ? 'GET' : 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
        body: payload === undefined ? undefined : JSON.stringify(payload)
      })
    } catch (e) {
      throw new Error(msg.network)
    }
    let json = {}
    try { json = await response.json() } catch (e) { /* not JSON: the message below */ }
    if (!response.ok) throw new Error(json.error || msg.network)
    return json
  }

  // --- where each thread is now --------------------------------------------------------
  function versionText () {
    return article ? article.textContent : ''
  }

  /** [start, end] of a thread in the text shown, or null when the passage is gone. */
  function place (thread) {
    if (live) {
      const start = resolveAnchor(live.doc, thread.anchor.start)
      const end = resolveAnchor(live.doc, thread.anchor.end)
      if (start === null || end === null || end <= start) return null
      return [start, Math.min(end, live.ytext.length)]
    }
    const text = versionText()
    const { start, end } = thread.anchor
    if (text.slice(start, end) === thread.quote) return [start, end]
    const found = text.indexOf(thread.quote)
    return found >= 0 ? [found, found + thread.quote.length] : null
  }

  function paint () {
    const places = new Map(threads.map(t => [t.id, place(t)]))
    if (live) {
      const ranges = []
      for (const t of threads) {
        const at = places.get(t.id)
        if (!at || t.resolved) continue
        const cls = 'cm-comment-range' + (t.id === active ? ' cm-comment-active' : '')
        ranges.push(Decoration.mark({ class: cls, attributes: { 'data-thread-id': String(t.id) } }).range(at[0], at[1]))
      }
      live.view.dispatch({ effects: setRanges.of(Decoration.set(ranges, true)) })
    } else if (article) {
      markVersion(threads.filter(t => !t.resolved && places.get(t.id)).map(t => [t, places.get(t.id)]))
    }
    return places
  }

  let paintTimer = null
  function paintSoon () {
    // Yjs observers may run inside an editor update: never dispatch from there
    if (paintTimer === null) paintTimer = setTimeout(() => { paintTimer = null; render() }, 0)
  }

  // a version's text: <mark> around the commented passages
  function markVersion (placed) {
    for (const mark of [...article.querySelectorAll('mark.comment-mark')]) mark.replaceWith(...mark.childNodes)
    article.normalize()
    for (const [thread, [start, end]] of placed) {
      const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT)
      const nodes = []
      let offset = 0
      while (walker.nextNode()) {
        const node = walker.currentNode
        const from = offset
        offset += node.data.length
        if (offset > start && from < end) nodes.push([node, Math.max(start - from, 0), Math.min(end - from, node.data.length)])
      }
      for (const [node, a, b] of nodes) {
        if (a >= b) continue
        const range = document.createRange()
        range.setStart(node, a)
        range.setEnd(node, b)
        const mark = el('mark', { class: 'comment-mark' + (thread.id === active ? ' comment-active' : ''), 'data-thread-id': String(thread.id) })
        range.surroundContents(mark)
      }
    }
  }

  // --- the list ------------------------------------------------------------------------
  function item (thread) {
    let li = items.get(thread.id)
    if (li) return li
    li = el('li', { class: 'comment-thread', 'data-thread-id': String(thread.id), tabindex: '-1' })
    const quote = el('blockquote', { class: 'comment-quote' })
    const status = el('p', { class: 'comment-status' })
    const goto = el('button', { type: 'button', class: 'comment-goto link-button', text: msg.goto })
    const messages = el('ol', { class: 'comment-messages' })
    const replyId = `comment-reply-${thread.id}`
    const reply = el('form', { class: 'comment-reply', novalidate: true },
      el('label', { for: replyId, text: msg.replyLabel }),
      el('textarea', { id: replyId, rows: '2', maxlength: '5000' }),
      el('button', { type: 'submit', text: msg.reply }))
    const toggle = el('button', { type: 'button', class: 'comment-toggle' })
    li.append(quote, status, goto, messages, reply, toggle)
    goto.addEventListener('click', () => focusThread(thread.id, true))
    reply.addEventListener('submit', async event => {
      event.preventDefault()
      const area = reply.querySelector('textarea')
      try {
        await call(`${url}/${thread.id}/replies`, { body: area.value })
        area.value = ''
        showError('')
        await refresh()
      } catch (e) { showError(e.message) }
    })
    toggle.addEventListener('click', async () => {
      const current = threads.find(t => t.id === thread.id)
      try {
        await call(`${url}/${thread.id}/${current && current.resolved ? 'reopen' : 'resolve'}`, {})
        showError('')
        await refresh()
      } catch (e) { showError(e.message) }
    })
    items.set(thread.id, li)
    return li
  }

  function fill (li, thread, at) {
    const gone = synced && !at
    li.dataset.resolved = String(thread.resolved)
    li.dataset.deleted = String(gone)
    li.classList.toggle('comment-active', thread.id === active)
    const [quote, status, goto, messages, reply, toggle] = li.children
    if (quote.textContent !== thread.quote) quote.textContent = thread.quote
    const states = []
    if (thread.visibility === 'panel') states.push(msg.panel)
    if (gone) states.push(msg.deleted)
    if (thread.resolved) states.push(thread.resolved_by ? msg.resolvedBy.replace('{name}', thread.resolved_by) : msg.resolved)
    status.textContent = states.join(' · ')
    status.hidden = !states.length
    goto.hidden = !at
    const bodies = thread.comments.map(c => `${c.id}`).join(',')
    if (messages.dataset.ids !== bodies) {
      messages.dataset.ids = bodies
      messages.replaceChildren(...thread.comments.map(c => el('li', { class: 'comment-message' + (c.mine ? ' comment-mine' : '') },
        el('p', { class: 'comment-meta' }, el('strong', { text: c.author }), ' ',
          el('time', { datetime: c.created_at, text: when.format(new Date(c.created_at)) })),
        el('p', { class: 'comment-body', text: c.body }))))
    }
    reply.hidden = !thread.can_reply || thread.resolved
    toggle.hidden = !thread.can_resolve
    toggle.textContent = thread.resolved ? msg.reopen : msg.resolve
  }

  function render () {
    const places = paint()
    const position = t => (places.get(t.id) ? places.get(t.id)[0] : Infinity)
    const ordered = [...threads].sort((a, b) => (a.resolved - b.resolved) || (position(a) - position(b)) || (a.id - b.id))
    const wanted = ordered.map(t => item(t))
    ordered.forEach((t, i) => fill(wanted[i], t, places.get(t.id)))
    for (const [id, li] of items) if (!threads.some(t => t.id === id)) { li.remove(); items.delete(id) }
    const same = wanted.length === list.children.length && wanted.every((li, i) => list.children[i] === li)
    if (!same) list.append(...wanted) // moves only when the order changed
    empty.hidden = threads.length > 0
  }

  let requests = 0
  async function refresh () {
    const request = ++requests
    try {
      const json = await call(`${url}?version=${live ? 'live' : version}`)
      if (request !== requests) return // a newer answer is on its way
      threads = json.threads || []
      root.dataset.canComment = String(!!json.can_comment)
      render()
    } catch (e) {
      showError(e.message)
    }
  }

  function focusThread (id, moveToText) {
    active = id
    const thread = threads.find(t => t.id === id)
    render()
    const li = items.get(id)
    if (li) li.scrollIntoView({ block: 'nearest' })
    if (!moveToText || !thread) return
    const at = place(thread)
    if (!at) return
    if (live) {
      live.view.dispatch({ selection: { anchor: at[0], head: at[1] }, scrollIntoView: true })
      live.view.focus()
    } else {
      const mark = article.querySelector(`mark[data-thread-id="${id}"]`)
      if (mark) mark.scrollIntoView({ block: 'center' })
    }
  }

  // --- a new thread --------------------------------------------------------------------
  function currentSelection () {
    if (live) {
      const { from, to } = live.view.state.selection.main
      if (from === to) return null
      return { from, to, quote: live.view.state.sliceDoc(from, to) }
    }
    const selection = window.getSelection()
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null
    const range = selection.getRangeAt(0)
    if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return null
    const offsetOf = (node, offset) => {
      const r = document.createRange()
      r.setStart(article, 0)
      r.setEnd(node, offset)
      return r.toString().length
    }
    const from = offsetOf(range.startContainer, range.startOffset)
    const to = offsetOf(range.endContainer, range.endOffset)
    const quote = versionText().slice(from, to)
    return quote.trim() ? { from, to, quote } : null
  }

  function updateButton () {
    newButton.disabled = !currentSelection()
  }

  function openForm () {
    const selected = currentSelection()
    if (!selected) { showError(msg.selectFirst); return true }
    pending = live
      ? { anchor: { start: encodeAnchor(live.ytext, selected.from, 0), end: encodeAnchor(live.ytext, selected.to, -1) }, quote: selected.quote }
      : { anchor: { start: selected.from, end: selected.to }, quote: selected.quote, version }
    quoteEl.textContent = selected.quote
    form.hidden = false
    showError('')
    bodyEl.focus()
    return true
  }

  // closing the form (published, cancelled, Escape) takes the focus back where the
  // reader was, instead of leaving it on a hidden button
  function closeForm () {
    form.hidden = true
    pending = null
    if (live) live.view.focus()
    else if (!newButton.disabled) newButton.focus()
  }

  newButton.addEventListener('mousedown', event => event.preventDefault())
  newButton.addEventListener('click', openForm)
  $('comment-cancel').addEventListener('click', closeForm)
  form.addEventListener('keydown', event => {
    if (event.key === 'Escape' && !form.hidden) { event.preventDefault(); closeForm() }
  })
  form.addEventListener('submit', async event => {
    event.preventDefault()
    if (!pending) return
    try {
      const panel = $('comment-panel')
      const visibility = panel && panel.checked ? 'panel' : 'authors'
      const json = await call(url, { ...pending, body: bodyEl.value, visibility })
      bodyEl.value = ''
      closeForm()
      showError('')
      active = json.thread.id
      await refresh()
    } catch (e) { showError(e.message) }
  })

  // --- wiring --------------------------------------------------------------------------
  if (live) {
    live.view.dispatch({
      effects: StateEffect.appendConfig.of([
        rangesField,
        commentGutter(msg.margin, id => focusThread(id, false)),
        Prec.high(keymap.of([{ key: 'Mod-Alt-m', run: openForm }])),
        EditorView.updateListener.of(update => { if (update.selectionSet || update.docChanged) updateButton() }),
        EditorView.domEventHandlers({
          click: event => {
            const mark = event.target.closest && event.target.closest('.cm-comment-range')
            if (mark) focusThread(Number(mark.dataset.threadId), false)
            return false
          }
        })
      ])
    })
    live.doc.on('afterTransaction', paintSoon)
    const onSynced = () => { synced = true; paintSoon() }
    if (live.provider.synced) onSynced()
    live.provider.on('sync', value => { if (value !== false) onSynced() })
    live.provider.socket.on('comments-changed', () => refresh())
    live.provider.socket.on('connect', () => refresh())
  } else {
    document.addEventListener('selectionchange', updateButton)
    article.addEventListener('click', event => {
      const mark = event.target.closest && event.target.closest('mark.comment-mark')
      if (mark) focusThread(Number(mark.dataset.threadId), false)
    })
    const server = data.serverUrl || window.location.origin
    const socket = io(`${server}/yjs|${data.documentId}`, { transports: ['websocket'], forceNew: true })
    socket.on('comments-changed', () => refresh())
    socket.on('connect', () => refresh())
  }
  updateButton()
  refresh()
  return { refresh, threads: () => threads }
}
