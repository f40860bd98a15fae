// A change too large for one update (a long paste, a drop) is refused in the editor,
// before it reaches the shared document: the server would refuse it, and the changes
// made after it would depend on it. Only this person's changes carry a user event;
// those y-codemirror brings in from the shared document (co-authors, undo) are
// already in it and pass.
import { EditorState, Transaction } from '@codemirror/state'

// room left in an update for the Yjs encoding around the inserted text: the header,
// one item per inserted piece (ids, origins, parent) and the deleted ranges (a few
// kilobytes when a long text written by many hands is replaced at once)
const UPDATE_MARGIN_MAX = 16 * 1024
const UPDATE_BYTES_PER_CHANGE = 64

/** The UTF-8 size of a string, as Yjs encodes it (a lone surrogate counts 3 bytes). */
export function utf8Length (text) {
  return new TextEncoder().encode(text).length
}

/** The bytes of inserted text an update of at most maxUpdateBytes can carry. */
export function updateBudget (maxUpdateBytes, changes = 0) {
  return maxUpdateBytes - Math.min(UPDATE_MARGIN_MAX, Math.floor(maxUpdateBytes / 8)) -
    UPDATE_BYTES_PER_CHANGE * changes
}

/** Whether texts inserted (CodeMirror Text, or strings) fit in budget bytes. */
export function insertsFit (inserted, budget) {
  const units = inserted.reduce((sum, text) => sum + text.length, 0)
  // a UTF-16 unit is at most 3 bytes in UTF-8: typing never needs the exact count
  if (units * 3 <= budget) return true
  let bytes = 0
  for (const text of inserted) {
    bytes += utf8Length(typeof text === 'string' ? text : text.sliceString(0, text.length, '\n'))
    if (bytes > budget) return false
  }
  return true
}

/** The transaction filter; onRefused() runs (later, out of the update) on a refusal. */
export function sizeGuard (maxUpdateBytes, onRefused) {
  return EditorState.transactionFilter.of(tr => {
    if (!maxUpdateBytes || !tr.docChanged || tr.annotation(Transaction.userEvent) === undefined) return tr
    const inserted = []
    let changes = 0
    tr.changes.iterChanges((fromA, toA, fromB, toB, text) => {
      changes++
      if (text.length) inserted.push(text)
    })
    if (insertsFit(inserted, updateBudget(maxUpdateBytes, changes))) return tr
    queueMicrotask(onRefused)
    return {} // nothing of it: the text stays as it was
  })
}
