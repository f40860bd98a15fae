// Inline comments shown in the text: in the live editor, the commented passages
// highlighted and a marker in the margin beside each line where one starts; in a
// version's text, <mark> elements around them.
import { RangeSetBuilder, StateEffect, StateField } from '@codemirror/state'
import { Decoration, EditorView, GutterMarker, gutter } from '@codemirror/view'
import { el } from './dom.js'

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

const SVG = 'http://www.w3.org/2000/svg'

/** A speech bubble, drawn in the text's colour. */
export function bubbleIcon () {
  const svg = document.createElementNS(SVG, 'svg')
  for (const [name, value] of Object.entries({
    viewBox: '0 0 16 16', width: '16', height: '16', 'aria-hidden': 'true', focusable: 'false', class: 'cm-comment-icon'
  })) svg.setAttribute(name, value)
  const path = document.createElementNS(SVG, 'path')
  path.setAttribute('d', 'M2.5 2.5h11a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H7l-3.5 3v-3h-1a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z')
  path.setAttribute('stroke', 'currentColor')
  path.setAttribute('stroke-width', '1.5')
  path.setAttribute('stroke-linejoin', 'round')
  svg.append(path)
  return svg
}

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
    // an inline SVG speech bubble (an emoji needs a font that may not be installed)
    span.setAttribute('role', 'img')
    span.setAttribute('aria-label', this.label)
    span.append(bubbleIcon())
    span.title = this.label
    span.dataset.threadIds = this.ids.join(',')
    return span
  }
}

/** line start -> the ids of the threads whose passage starts on that line. */
function threadsByLine (state) {
  const byLine = new Map()
  state.field(rangesField).between(0, state.doc.length, (from, _to, value) => {
    const line = state.doc.lineAt(from).from
    if (!byLine.has(line)) byLine.set(line, [])
    byLine.get(line).push(value.spec.attributes['data-thread-id'])
  })
  return byLine
}

function commentGutter (label, pick) {
  return gutter({
    class: 'cm-comment-gutter',
    markers: view => {
      const builder = new RangeSetBuilder()
      const byLine = threadsByLine(view.state)
      for (const line of [...byLine.keys()].sort((a, b) => a - b)) {
        builder.add(line, line, new CommentMarker(byLine.get(line), label))
      }
      return builder.finish()
    },
    domEventHandlers: {
      mousedown (view, line) {
        const ids = threadsByLine(view.state).get(line.from)
        if (!ids) return false
        pick(Number(ids[0]))
        return true
      }
    }
  })
}

/** The editor's extensions for the marks; label: the markers' title; pick(id): a marker clicked. */
export const commentMarks = (label, pick) => [rangesField, commentGutter(label, pick)]

/** Highlight the open threads' passages (places: id -> [start, end] or null). */
export function paintLive (view, threads, places, active) {
  const ranges = []
  for (const thread of threads) {
    const at = places.get(thread.id)
    if (!at || thread.resolved) continue
    const cls = 'cm-comment-range' + (thread.id === active ? ' cm-comment-active' : '')
    ranges.push(Decoration.mark({ class: cls, attributes: { 'data-thread-id': String(thread.id) } }).range(at[0], at[1]))
  }
  view.dispatch({ effects: setRanges.of(Decoration.set(ranges, true)) })
}

/** The pieces [node, from, to] of the text nodes of root between two text offsets. */
function textPieces (root, start, end) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const pieces = []
  let offset = 0
  while (walker.nextNode()) {
    const node = walker.currentNode
    const from = offset
    offset += node.data.length
    if (offset > start && from < end) pieces.push([node, Math.max(start - from, 0), Math.min(end - from, node.data.length)])
  }
  return pieces
}

/** A version's text: <mark> around the passages of placed ([thread, [start, end]]). */
export function markVersion (article, placed, active) {
  for (const mark of [...article.querySelectorAll('mark.comment-mark')]) mark.replaceWith(...mark.childNodes)
  article.normalize()
  for (const [thread, [start, end]] of placed) {
    for (const [node, a, b] of textPieces(article, start, end)) {
      if (a >= b) continue
      const range = document.createRange()
      range.setStart(node, a)
      range.setEnd(node, b)
      const cls = 'comment-mark' + (thread.id === active ? ' comment-active' : '')
      range.surroundContents(el('mark', { class: cls, 'data-thread-id': String(thread.id) }))
    }
  }
}
