// Remote cursors and selections that survive the page's Content-Security-Policy.
//
// y-codemirror.next's own yRemoteSelections paints each person's colour through
// `style="…"` attributes (Decoration.mark attributes and lib0's dom.element both use
// setAttribute). With `style-src 'self' 'nonce-…'` and no 'unsafe-inline' the browser
// ignores those attributes: selections would be invisible and every caret black.
// This plugin does the same work (same awareness fields, same class names, so
// yRemoteSelectionsTheme still applies) but paints the colours with CSS classes held
// in one nonce-carrying <style> element, and with element.style from script (CSSOM,
// which the policy allows) for the caret widget.
import * as Y from 'yjs'
import { Annotation, RangeSet } from '@codemirror/state'
import { Decoration, EditorView, ViewPlugin, WidgetType } from '@codemirror/view'
import { ySyncFacet } from 'y-codemirror.next'
import { safeColour } from './colours.js'

const refresh = Annotation.define()

/** One <style nonce> element of `.cm-yc-<hex> { background-color: #hex }` rules. */
class ColourClasses {
  constructor () {
    this.known = new Set()
    this.sheet = null
  }

  classFor (colour, nonce, doc) {
    const hex = safeColour(colour)
    const name = 'cm-yc-' + hex.slice(1)
    if (!this.known.has(name)) {
      if (!this.sheet) {
        const style = doc.createElement('style')
        if (nonce) style.setAttribute('nonce', nonce)
        doc.head.appendChild(style)
        this.sheet = style.sheet
      }
      try {
        if (this.sheet) this.sheet.insertRule(`.${name} { background-color: ${hex}; }`, this.sheet.cssRules.length)
      } catch { /* a sheet the browser refused: the selection just stays uncoloured */ }
      this.known.add(name)
    }
    return name
  }
}

const colourClasses = new ColourClasses()

class RemoteCaret extends WidgetType {
  constructor (colour, name) {
    super()
    this.colour = colour
    this.name = name
  }

  toDOM (view) {
    const doc = view.dom.ownerDocument
    const caret = doc.createElement('span')
    caret.className = 'cm-ySelectionCaret'
    caret.style.backgroundColor = this.colour
    caret.style.borderColor = this.colour
    const dot = doc.createElement('div')
    dot.className = 'cm-ySelectionCaretDot'
    const info = doc.createElement('div')
    info.className = 'cm-ySelectionInfo'
    info.textContent = this.name
    caret.append('\u2060', dot, '\u2060', info, '\u2060')
    return caret
  }

  eq (other) {
    return other.colour === this.colour && other.name === this.name
  }

  get estimatedHeight () { return -1 }

  ignoreEvent () { return true }
}

class RemoteSelections {
  constructor (view) {
    this.conf = view.state.facet(ySyncFacet)
    this.nonce = view.state.facet(EditorView.cspNonce)
    this.decorations = RangeSet.of([])
    this.awareness = this.conf.awareness
    this.listener = ({ added, updated, removed }) => {
      const clients = added.concat(updated).concat(removed)
      if (clients.some(id => id !== this.awareness.doc.clientID)) {
        // an awareness change can arrive while the view is updating: defer the dispatch
        queueMicrotask(() => { if (!this.destroyed) view.dispatch({ annotations: refresh.of(true) }) })
      }
    }
    this.awareness.on('change', this.listener)
  }

  destroy () {
    this.destroyed = true
    this.awareness.off('change', this.listener)
  }

  update (update) {
    this.publishCursor(update)
    const decorations = []
    const awareness = this.awareness
    awareness.getStates().forEach((state, clientId) => {
      if (clientId === awareness.doc.clientID) return
      const at = this.positionsOf(state.cursor)
      if (at) decorations.push(...this.decorationsFor(update, state.user || {}, at))
    })
    this.decorations = Decoration.set(decorations, true)
  }

  /** Publish our own cursor in the awareness (as y-codemirror.next does). */
  publishCursor (update) {
    const { ytext } = this.conf
    const awareness = this.awareness
    const local = awareness.getLocalState()
    if (local == null) return
    const hasFocus = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus()
    const sel = hasFocus ? update.state.selection.main : null
    if (sel != null) {
      const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor)
      const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head)
      const current = local.cursor
      if (current == null ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)) {
        awareness.setLocalStateField('cursor', { anchor, head })
      }
    } else if (local.cursor != null && hasFocus) {
      awareness.setLocalStateField('cursor', null)
    }
  }

  /** { anchor, head } indexes of someone's cursor in our text, or null. */
  positionsOf (cursor) {
    const { ytext } = this.conf
    if (cursor == null || cursor.anchor == null || cursor.head == null) return null
    let anchor, head
    try {
      anchor = Y.createAbsolutePositionFromRelativePosition(cursor.anchor, ytext.doc)
      head = Y.createAbsolutePositionFromRelativePosition(cursor.head, ytext.doc)
    } catch {
      return null // a malformed position from someone else's state
    }
    if (anchor == null || head == null || anchor.type !== ytext || head.type !== ytext) return null
    return { anchor: anchor.index, head: head.index }
  }

  /** Someone's selection (marks, and line decorations between its first and last line) and caret. */
  decorationsFor (update, user, { anchor, head }) {
    const doc = update.view.dom.ownerDocument
    const colour = safeColour(user.color)
    const colourLight = safeColour(user.colorLight, colour + '33')
    const name = typeof user.name === 'string' ? user.name : ''
    const length = update.state.doc.length
    const start = Math.min(anchor, head, length)
    const end = Math.min(Math.max(anchor, head), length)
    const decorations = []
    if (start < end) {
      const selectionClass = 'cm-ySelection ' + colourClasses.classFor(colourLight, this.nonce, doc)
      const lineClass = () => 'cm-yLineSelection ' + colourClasses.classFor(colourLight, this.nonce, doc)
      decorations.push(...selectionRanges(update.state.doc, start, end, selectionClass, lineClass))
    }
    decorations.push(Decoration.widget({
      side: head - anchor > 0 ? -1 : 1,
      widget: new RemoteCaret(colour, name)
    }).range(Math.min(head, length)))
    return decorations
  }
}

/** A selection from start to end (start < end): marks on its first and last lines, line
 * decorations on the lines between. */
function selectionRanges (doc, start, end, selectionClass, lineClass) {
  const startLine = doc.lineAt(start)
  const endLine = doc.lineAt(end)
  const mark = (from, to) => Decoration.mark({ class: selectionClass }).range(from, to)
  if (startLine.number === endLine.number) return [mark(start, end)]
  const ranges = []
  if (start < startLine.to) ranges.push(mark(start, startLine.to))
  for (let n = startLine.number + 1; n < endLine.number; n++) {
    ranges.push(Decoration.line({ class: lineClass() }).range(doc.line(n).from))
  }
  if (endLine.from < end) ranges.push(mark(endLine.from, end))
  return ranges
}

export const cspSafeRemoteSelections = ViewPlugin.fromClass(RemoteSelections, {
  decorations: v => v.decorations
})
