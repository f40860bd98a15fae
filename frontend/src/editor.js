// The CodeMirror 6 editor bound to the shared Yjs text (y-codemirror.next): Markdown,
// the formatting shortcuts, Yjs's undo (this person's changes only), the co-authors'
// cursors, and the size guard. Read-only for readers, who keep a focusable text.
import * as Y from 'yjs'
import { yCollab, yRemoteSelections, yUndoManagerKeymap } from 'y-codemirror.next'
import { Compartment, EditorState, Prec } from '@codemirror/state'
import { drawSelection, EditorView, keymap } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { markdown } from '@codemirror/lang-markdown'
import { insertLink, toggleBold, toggleItalic } from './commands.js'
import { cspSafeRemoteSelections } from './remote-selections.js'
import { sizeGuard } from './size-guard.js'

const editableExtensions = writable => [
  EditorState.readOnly.of(!writable),
  // readers keep a focusable text (caret, selection, copy) that refuses every change
  EditorView.editable.of(true),
  EditorView.contentAttributes.of({ 'aria-readonly': String(!writable) })
]

const formattingKeys = () => Prec.high(keymap.of([
  { key: 'Mod-b', run: toggleBold },
  { key: 'Mod-i', run: toggleItalic },
  { key: 'Mod-k', run: insertLink }
]))

/** Runs onPasted when a paste or a drop went in. */
const pasteListener = onPasted => EditorView.updateListener.of(update => {
  if (update.docChanged && update.transactions.some(tr =>
    tr.isUserEvent('input.paste') || tr.isUserEvent('input.drop'))) onPasted()
})

/**
 * The editor in parent. options: ytext, awareness, nonce, canWrite, maxUpdateBytes,
 * label (the text's accessible name), onTooLarge() (a change refused by the size
 * guard), onPasted() (a paste that fits).
 * Returns { view, undoManager, setWritable(writable) }.
 */
export function createEditor (parent, options) {
  const { ytext, awareness, nonce, canWrite, maxUpdateBytes, label, onTooLarge, onPasted } = options
  const editable = new Compartment()
  const undoManager = new Y.UndoManager(ytext)
  // yCollab's remote-selection plugin paints colours with style attributes, which the
  // page's CSP blocks; swap it for the same plugin drawing with classes (see the module)
  const collab = yCollab(ytext, awareness, { undoManager })
    .map(extension => extension === yRemoteSelections ? cspSafeRemoteSelections : extension)
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        EditorView.cspNonce.of(nonce),
        formattingKeys(),
        // undo/redo is Yjs's: it only takes back this person's changes, never a co-author's
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
        drawSelection(),
        EditorView.lineWrapping,
        markdown(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
        editable.of(editableExtensions(canWrite)),
        sizeGuard(maxUpdateBytes, onTooLarge),
        // a paste that fits clears the message about one that did not
        pasteListener(onPasted),
        collab
      ]
    })
  })
  const setWritable = writable => view.dispatch({ effects: editable.reconfigure(editableExtensions(writable)) })
  return { view, undoManager, setWritable }
}
