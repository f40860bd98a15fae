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

const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i
const FALLBACK = '#30bced'

/** A colour from someone else's awareness state: only #hex is trusted into CSS. */
export const safeColour = (value, fallback = FALLBACK) =>
  typeof value === 'string' && HEX.test(value.trim()) ? value.trim().toLowerCase() : fallback

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
      } catch (e) { /* a sheet the browser refused: the selection just stays uncoloured */ }
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
    const { ytext } = this.conf
    const ydoc = ytext.doc
    const awareness = this.awareness
    const local = awareness.getLocalState()

    // publish our own cursor (as y-codemirror.next does)
    if (local != null) {
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

    const decorations = []
    const doc = update.view.dom.ownerDocument
    awareness.getStates().forEach((state, clientId) => {
      if (clientId === awareness.doc.clientID) return
      const cursor = state.cursor
      if (cursor == null || cursor.anchor == null || cursor.head == null) return
      let anchor, head
      try {
        anchor = Y.createAbsolutePositionFromRelativePosition(cursor.anchor, ydoc)
        head = Y.createAbsolutePositionFromRelativePosition(cursor.head, ydoc)
      } catch (e) {
        return // a malformed position from someone else's state
      }
      if (anchor == null || head == null || anchor.type !== ytext || head.type !== ytext) return
      const user = state.user || {}
      const colour = safeColour(user.color)
      const colourLight = safeColour(user.colorLight, colour + '33')
      const name = typeof user.name === 'string' ? user.name : ''
      const length = update.state.doc.length
      const start = Math.min(anchor.index, head.index, length)
      const end = Math.min(Math.max(anchor.index, head.index), length)
      const selectionClass = 'cm-ySelection ' + colourClasses.classFor(colourLight, this.nonce, doc)
      if (start < end) {
        const startLine = update.state.doc.lineAt(start)
        const endLine = update.state.doc.lineAt(end)
        if (startLine.number === endLine.number) {
          decorations.push(Decoration.mark({ class: selectionClass }).range(start, end))
        } else {
          if (start < startLine.to) decorations.push(Decoration.mark({ class: selectionClass }).range(start, startLine.to))
          for (let n = startLine.number + 1; n < endLine.number; n++) {
            const line = update.state.doc.line(n)
            decorations.push(Decoration.line({
              class: 'cm-yLineSelection ' + colourClasses.classFor(colourLight, this.nonce, doc)
            }).range(line.from))
          }
          if (endLine.from < end) decorations.push(Decoration.mark({ class: selectionClass }).range(endLine.from, end))
        }
      }
      const at = Math.min(head.index, length)
      decorations.push(Decoration.widget({
        side: head.index - anchor.index > 0 ? -1 : 1,
        widget: new RemoteCaret(colour, name)
      }).range(at))
    })
    this.decorations = Decoration.set(decorations, true)
  }
}

export const cspSafeRemoteSelections = ViewPlugin.fromClass(RemoteSelections, {
  decorations: v => v.decorations
})
