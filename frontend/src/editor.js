// The CodeMirror 6 editor bound to the shared Yjs text (y-codemirror.next): Markdown
// (CommonMark + GFM, the server's rules), shown in the writing mode (writing-mode.js)
// or as its source, the formatting shortcuts, paste of HTML as Markdown (paste.js), Yjs's undo (this person's changes only), the co-authors'
// cursors, and the size guard. Read-only for readers, who keep a focusable text.
import * as Y from 'yjs'
import { yCollab, yRemoteSelections, yUndoManagerKeymap } from 'y-codemirror.next'
import { Compartment, EditorState, Prec } from '@codemirror/state'
import { drawSelection, EditorView, keymap } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { markdown } from '@codemirror/lang-markdown'
import { GFM } from '@lezer/markdown'
import { insertLink, toggleBold, toggleHeading, toggleItalic } from './commands.js'
import { htmlPaste } from './paste.js'
import { writingMode } from './writing-mode.js'
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
  { key: 'Mod-k', run: insertLink },
  { key: 'Mod-Alt-h', run: toggleHeading }
]))

// the writing mode, or the Markdown source as it is written
// (the highlighting of the source would underline the headings of the writing mode)
const modeExtensions = source => source
  ? syntaxHighlighting(defaultHighlightStyle, { fallback: true })
  : writingMode

/** Runs onPasted when a paste or a drop went in. */
const pasteListener = onPasted => EditorView.updateListener.of(update => {
  if (update.docChanged && update.transactions.some(tr =>
    tr.isUserEvent('input.paste') || tr.isUserEvent('input.drop'))) onPasted()
})

/**
 * The editor in parent. options: ytext, awareness, nonce, canWrite, maxUpdateBytes,
 * label (the text's accessible name), onTooLarge() (a change refused by the size
 * guard), onPasted() (a paste that fits), source (true: the Markdown source, not the
 * writing mode).
 * Returns { view, undoManager, setWritable(writable), setSource(source) }.
 */
export function createEditor (parent, options) {
  const { ytext, awareness, nonce, canWrite, maxUpdateBytes, label, onTooLarge, onPasted } = options
  const editable = new Compartment()
  const mode = new Compartment()
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
        // CommonMark with GitHub's tables and strikethrough: the server's rules (render.py)
        markdown({ extensions: GFM }),
        mode.of(modeExtensions(Boolean(options.source))),
        EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
        editable.of(editableExtensions(canWrite)),
        sizeGuard(maxUpdateBytes, onTooLarge),
        // a paste that fits clears the message about one that did not
        pasteListener(onPasted),
        htmlPaste,
        collab
      ]
    })
  })
  const setWritable = writable => view.dispatch({ effects: editable.reconfigure(editableExtensions(writable)) })
  const setSource = source => view.dispatch({ effects: mode.reconfigure(modeExtensions(source)) })
  return { view, undoManager, setWritable, setSource }
}
