// Markdown formatting commands for the toolbar and the keyboard shortcuts.
// Each is a CodeMirror command ({state, dispatch}) => boolean; the change goes
// through the normal transaction path, so y-codemirror.next carries it to Yjs.
import { EditorSelection } from '@codemirror/state'

const LIST_MARK = /^(\s*)(?:[-*+]|\d+[.)])\s+/
const HEADING_MARK = /^#{1,6}\s+/

/** The lines touched by the selection ranges, each once, in document order. */
function selectedLines (state) {
  const seen = new Set()
  const lines = []
  for (const range of state.selection.ranges) {
    let to = range.to
    // a selection ending at the very start of a line does not include that line
    if (range.to > range.from && state.doc.lineAt(to).from === to) to -= 1
    for (let pos = range.from; pos <= to;) {
      const line = state.doc.lineAt(pos)
      if (!seen.has(line.number)) {
        seen.add(line.number)
        lines.push(line)
      }
      pos = line.to + 1
    }
  }
  return lines.sort((a, b) => a.from - b.from)
}

/** Only non-blank lines, unless every line is blank (a cursor on an empty line). */
function contentLines (state) {
  const lines = selectedLines(state)
  const filled = lines.filter(line => line.text.trim() !== '')
  return filled.length ? filled : lines
}

function dispatchChanges (state, dispatch, changes) {
  if (state.readOnly) return false
  if (changes.length === 0) return true
  const changeSet = state.changes(changes)
  // a selection keeps the prefixes it now covers; a cursor goes after an inserted prefix
  const selection = EditorSelection.create(state.selection.ranges.map(range => {
    if (range.empty) return EditorSelection.cursor(changeSet.mapPos(range.head, 1))
    const forward = range.head > range.anchor
    return EditorSelection.range(changeSet.mapPos(range.anchor, forward ? -1 : 1),
      changeSet.mapPos(range.head, forward ? 1 : -1))
  }), state.selection.mainIndex)
  dispatch(state.update({ changes: changeSet, selection, scrollIntoView: true, userEvent: 'input.format' }))
  return true
}

/**
 * Toggle a prefix at the start of each selected line.
 * @param {RegExp} present tells whether a line already carries the prefix (removed on toggle off)
 * @param {(index: number) => string} prefix the prefix for the n-th line
 * @param {RegExp} [replace] an other prefix to replace when adding (e.g. a bullet by a number)
 */
function linePrefix (present, prefix, replace) {
  return ({ state, dispatch }) => {
    const lines = contentLines(state)
    const allHave = lines.every(line => present.test(line.text))
    const changes = []
    lines.forEach((line, index) => {
      if (allHave) {
        const match = line.text.match(present)
        changes.push({ from: line.from, to: line.from + match[0].length, insert: '' })
      } else if (!present.test(line.text)) {
        const old = replace ? line.text.match(replace) : null
        changes.push({ from: line.from, to: line.from + (old ? old[0].length : 0), insert: prefix(index) })
      }
    })
    return dispatchChanges(state, dispatch, changes)
  }
}

/**
 * The section heading's levels, one click (or Ctrl+Alt+H) after the other: a section
 * title (##), a subsection title (###), then plain text again.
 */
export function toggleHeading ({ state, dispatch }) {
  const lines = contentLines(state)
  const level = line => (line.text.match(/^(#{1,6})\s/) || ['', ''])[1].length
  const levels = lines.map(level)
  const next = levels.every(n => n === 2) ? 3 : levels.every(n => n === 3) ? 0 : 2
  const changes = lines.map(line => {
    const old = line.text.match(HEADING_MARK)
    return { from: line.from, to: line.from + (old ? old[0].length : 0), insert: next ? '#'.repeat(next) + ' ' : '' }
  })
  return dispatchChanges(state, dispatch, changes)
}
export const toggleQuote = linePrefix(/^>\s?/, () => '> ')
export const toggleBullet = linePrefix(/^\s*[-*+]\s+/, () => '- ', LIST_MARK)
export const toggleNumbered = linePrefix(/^\s*\d+[.)]\s+/, index => `${index + 1}. `, LIST_MARK)

/** The number of `*` (or `_`) in a row ending at pos (backward) or starting at pos (forward). */
function run (doc, pos, forward, char) {
  let count = 0
  if (forward) {
    while (pos + count < doc.length && doc.sliceString(pos + count, pos + count + 1) === char) count++
  } else {
    while (pos - count > 0 && doc.sliceString(pos - count - 1, pos - count) === char) count++
  }
  return count
}

// bold is a run of 2 (or 3 = bold + italic); italic is a run of 1 (or 3)
const hasMarker = (size, count) => size === 2 ? count >= 2 : count % 2 === 1

/** Wrap each selection in a symmetric marker (** or *), or unwrap it when already wrapped. */
function wrap (marker) {
  const size = marker.length
  const char = marker[0]
  return ({ state, dispatch }) => {
    if (state.readOnly) return false
    const doc = state.doc
    const tr = state.changeByRange(range => {
      const { from, to } = range
      // markers just outside the selection: **|text|**
      const before = run(doc, from, false, char)
      const after = run(doc, to, true, char)
      if (from < to && hasMarker(size, before) && hasMarker(size, after)) {
        return {
          changes: [{ from: from - size, to: from }, { from: to, to: to + size }],
          range: EditorSelection.range(from - size, to - size)
        }
      }
      // markers inside the selection: |**text**|
      const text = doc.sliceString(from, to)
      const lead = text.length - text.replace(/^\*+/, '').length
      const trail = text.length - text.replace(/\*+$/, '').length
      if (text.length >= 2 * size + 1 && hasMarker(size, lead) && hasMarker(size, trail)) {
        return {
          changes: [{ from, to: from + size }, { from: to - size, to }],
          range: EditorSelection.range(from, to - 2 * size)
        }
      }
      return {
        changes: [{ from, insert: marker }, { from: to, insert: marker }],
        range: EditorSelection.range(from + size, to + size)
      }
    })
    dispatch(state.update(tr, { scrollIntoView: true, userEvent: 'input.format' }))
    return true
  }
}

export const toggleBold = wrap('**')
export const toggleItalic = wrap('*')

const URL_PLACEHOLDER = 'https://'

/** [text](https://) around the selection (or the word at the cursor), the URL selected. */
export function insertLink ({ state, dispatch }) {
  if (state.readOnly) return false
  const tr = state.changeByRange(range => {
    let { from, to } = range
    if (from === to) {
      const word = state.wordAt(from)
      if (word) ({ from, to } = word)
    }
    const text = state.doc.sliceString(from, to)
    const insert = `[${text}](${URL_PLACEHOLDER})`
    const urlFrom = from + text.length + 3
    return {
      changes: { from, to, insert },
      range: EditorSelection.range(urlFrom, urlFrom + URL_PLACEHOLDER.length)
    }
  })
  dispatch(state.update(tr, { scrollIntoView: true, userEvent: 'input.format' }))
  return true
}

/** The toolbar's data-action names. */
export const actions = {
  heading: toggleHeading,
  bold: toggleBold,
  italic: toggleItalic,
  bullet: toggleBullet,
  numbered: toggleNumbered,
  quote: toggleQuote,
  link: insertLink
}
