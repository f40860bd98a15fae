// The writing mode: the Markdown text shown as it will read (headings at their size,
// bold, italic, links, lists with bullets, quotes with a rule), the Markdown markers
// hidden except on the lines where the cursor or the selection is. Decorations only:
// the shared text (the Yjs `content`) is the same Markdown as in the source mode.
//
// The rules are Lezer's CommonMark with GitHub's tables and strikethrough, the same as
// the server's (platform/coelab/documents/render.py, markdown-it-py); a single newline
// is a line break on both sides, and here each line of the text is its own line anyway.
// tests/browser/test_markdown_corpus.py reads the classes set here (cm-wm-*) and checks
// them against the server's rendering.
import { RangeSet } from '@codemirror/state'
import { Decoration, EditorView, ViewPlugin, WidgetType } from '@codemirror/view'
import { syntaxTree } from '@codemirror/language'

class BulletWidget extends WidgetType {
  constructor (depth) {
    super()
    this.depth = depth
  }

  eq (other) { return other.depth === this.depth }

  toDOM () {
    const span = document.createElement('span')
    span.className = 'cm-wm-bullet'
    span.setAttribute('aria-hidden', 'true')
    // a disc, then a circle, then a square, as browsers draw nested lists
    span.textContent = ['•', '◦', '▪'][Math.min(this.depth, 3) - 1] || '•'
    return span
  }

  ignoreEvent () { return false }
}

const hidden = Decoration.replace({})
const lineClass = cls => Decoration.line({ class: cls })
const markClass = cls => Decoration.mark({ class: cls })
const INLINE = {
  StrongEmphasis: markClass('cm-wm-strong'),
  Emphasis: markClass('cm-wm-em'),
  Strikethrough: markClass('cm-wm-strike'),
  InlineCode: markClass('cm-wm-code')
}
const INLINE_MARKS = new Set(['EmphasisMark', 'StrikethroughMark'])
const BLOCK_LINES = {
  FencedCode: 'cm-wm-codeblock',
  CodeBlock: 'cm-wm-codeblock',
  Table: 'cm-wm-table',
  HTMLBlock: 'cm-wm-html'
}

/** The numbers of the lines the selection touches (none while the editor is not focused). */
function activeLines (view) {
  const lines = new Set()
  if (!view.hasFocus) return lines
  const doc = view.state.doc
  for (const range of view.state.selection.ranges) {
    const last = doc.lineAt(range.to).number
    for (let n = doc.lineAt(range.from).number; n <= last; n++) lines.add(n)
  }
  return lines
}

/** How many lists hold this node (1 for an item of a top-level list). */
function listDepth (node) {
  let depth = 0
  for (let up = node.parent; up; up = up.parent) {
    if (up.name === 'BulletList' || up.name === 'OrderedList') depth++
  }
  return depth
}

/** Collects the decorations of one pass; each node type has its handler below. */
class Collector {
  constructor (view) {
    this.doc = view.state.doc
    this.active = activeLines(view)
    this.ranges = []
  }

  shown (pos) { return this.active.has(this.doc.lineAt(pos).number) }

  add (deco, from, to) { this.ranges.push(to === undefined ? deco.range(from) : deco.range(from, to)) }

  /** Hide [from, to) unless its line is active; never across a line break. */
  hide (from, to) {
    if (from >= to || this.shown(from)) return
    const line = this.doc.lineAt(from)
    if (to > line.to) to = line.to
    if (from < to) this.ranges.push(hidden.range(from, to))
  }

  /** A line decoration on each line of [from, to]. */
  eachLine (from, to, deco) {
    for (let pos = from; pos <= to;) {
      const line = this.doc.lineAt(pos)
      this.add(deco, line.from)
      pos = line.to + 1
    }
  }

  /** The end of the spaces after pos, on its line. */
  spacesAfter (pos) {
    const rest = this.doc.sliceString(pos, this.doc.lineAt(pos).to)
    return pos + (rest.length - rest.replace(/^[ \t]+/, '').length)
  }
}

function heading (c, ref, kind, level) {
  const cls = lineClass(`cm-wm-heading cm-wm-h${level}`)
  if (kind === 'ATX') return c.add(cls, c.doc.lineAt(ref.from).from)
  // a setext heading: the lines above its underline (=== or ---)
  const underline = c.doc.lineAt(ref.to)
  c.eachLine(ref.from, underline.from - 1, cls)
  if (!c.shown(underline.from)) c.add(lineClass('cm-wm-setext-mark'), underline.from)
}

const HANDLERS = {
  Blockquote (c, ref) {
    // a quote in a quote: its lines get the deeper class too
    let depth = 1
    for (let up = ref.node.parent; up; up = up.parent) if (up.name === 'Blockquote') depth++
    c.eachLine(ref.from, ref.to, lineClass(`cm-wm-quote cm-wm-quote-${Math.min(depth, 3)}`))
  },
  HeaderMark (c, ref) {
    const parent = ref.node.parent
    // "## " before the text (with its spaces), " ##" closing it, or a setext underline
    if (parent && parent.name.startsWith('ATX') && ref.from === parent.from) c.hide(ref.from, c.spacesAfter(ref.to))
    else c.hide(ref.from, ref.to)
  },
  QuoteMark (c, ref) { c.hide(ref.from, Math.min(c.spacesAfter(ref.to), ref.to + 1)) },
  HorizontalRule (c, ref) { c.add(lineClass('cm-wm-hr'), c.doc.lineAt(ref.from).from) },
  ListItem (c, ref) {
    const list = ref.node.parent
    const kind = list && list.name === 'OrderedList' ? 'cm-wm-ol' : 'cm-wm-ul'
    const depth = Math.min(listDepth(ref.node), 6)
    const line = c.doc.lineAt(ref.from)
    c.add(lineClass(`cm-wm-li ${kind} cm-wm-depth-${depth}`), line.from)
    // the indentation of a nested item is drawn by the line's padding
    if (/^[ \t]+$/.test(c.doc.sliceString(line.from, ref.from))) c.hide(line.from, ref.from)
  },
  ListMark (c, ref) {
    const item = ref.node.parent
    const list = item && item.parent
    if (!list || list.name !== 'BulletList') return c.add(markClass('cm-wm-list-number'), ref.from, ref.to)
    if (c.shown(ref.from)) return
    const end = Math.min(c.spacesAfter(ref.to), ref.to + 1)
    c.add(Decoration.replace({ widget: new BulletWidget(listDepth(item)) }), ref.from, end)
  },
  EmphasisMark (c, ref) { c.hide(ref.from, ref.to) },
  StrikethroughMark (c, ref) { c.hide(ref.from, ref.to) },
  CodeMark (c, ref) {
    // the backquotes of inline code; a code block's fences stay
    if (ref.node.parent && ref.node.parent.name === 'InlineCode') c.hide(ref.from, ref.to)
  },
  Escape (c, ref) { c.hide(ref.from, ref.from + 1) },
  Link (c, ref) {
    decorateLink(ref.node, c)
    return false
  },
  URL (c, ref) {
    // a bare address or an <autolink>: a link on the server too (bleach.linkify)
    const href = c.doc.sliceString(ref.from, ref.to)
    c.add(Decoration.mark({ class: 'cm-wm-link', attributes: { 'data-href': href } }), ref.from, ref.to)
  },
  Image () { return false }
}

function enter (c, ref) {
  const name = ref.name
  const head = /^(ATX|Setext)Heading(\d)$/.exec(name)
  if (head) return heading(c, ref, head[1], head[2])
  if (Object.prototype.hasOwnProperty.call(BLOCK_LINES, name)) return c.eachLine(ref.from, ref.to, lineClass(BLOCK_LINES[name]))
  if (Object.prototype.hasOwnProperty.call(INLINE, name)) return c.add(INLINE[name], ref.from, ref.to)
  if (Object.prototype.hasOwnProperty.call(HANDLERS, name)) return HANDLERS[name](c, ref)
}

/** The decorations of the writing mode in the visible part of the text. */
export function writingDecorations (view) {
  const c = new Collector(view)
  const tree = syntaxTree(view.state)
  for (const { from, to } of view.visibleRanges) {
    tree.iterate({ from, to, enter: ref => enter(c, ref) })
  }
  return RangeSet.of(c.ranges, true)
}

/** An inline link [text](url "title"): the text as a link, the rest hidden. */
function decorateLink (node, c) {
  const marks = []
  let url = null
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name === 'LinkMark') marks.push(child)
    else if (child.name === 'URL') url = child
  }
  // [text] alone, or [text][label]: a link only when the label is defined, which the
  // server knows and the editor does not; shown as written
  if (!url || marks.length < 2) return
  const textFrom = marks[0].to
  const textTo = marks[1].from
  const href = c.doc.sliceString(url.from, url.to)
  if (textTo > textFrom) {
    c.add(Decoration.mark({ class: 'cm-wm-link', attributes: { 'data-href': href, title: href } }), textFrom, textTo)
  }
  c.hide(marks[0].from, marks[0].to)
  c.hide(marks[1].from, node.to)
  // what a link holds (bold, code) is decorated too
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (Object.prototype.hasOwnProperty.call(INLINE, child.name)) {
      c.add(INLINE[child.name], child.from, child.to)
      for (let mark = child.firstChild; mark; mark = mark.nextSibling) {
        if (INLINE_MARKS.has(mark.name) || mark.name === 'CodeMark') c.hide(mark.from, mark.to)
      }
    }
  }
}

/** The writing mode's extension: the decorations, kept up to date. */
export const writingMode = [
  ViewPlugin.fromClass(class {
    constructor (view) {
      this.decorations = writingDecorations(view)
    }

    update (update) {
      if (update.docChanged || update.viewportChanged || update.selectionSet || update.focusChanged ||
          syntaxTree(update.startState) !== syntaxTree(update.state)) {
        this.decorations = writingDecorations(update.view)
      }
    }
  }, { decorations: plugin => plugin.decorations }),
  EditorView.editorAttributes.of({ class: 'cm-writing-mode' })
]
