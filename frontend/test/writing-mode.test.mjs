import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EditorSelection, EditorState } from '@codemirror/state'
import { ensureSyntaxTree } from '@codemirror/language'
import { markdown } from '@codemirror/lang-markdown'
import { GFM } from '@lezer/markdown'
import { writingDecorations } from '../src/writing-mode.js'

/** The writing mode's decorations of doc, as [kind, from, to, class]; cursor: where the
 * focused editor's cursor is (null: not focused). */
function decorate (doc, cursor = null) {
  let state = EditorState.create({
    doc,
    selection: EditorSelection.cursor(cursor ?? 0),
    extensions: markdown({ extensions: GFM })
  })
  // the whole text parsed (the first parse has a time budget, short on a busy machine),
  // then a transaction to carry the finished tree into the state
  assert.ok(ensureSyntaxTree(state, doc.length, 60000))
  state = state.update({}).state
  const view = { state, hasFocus: cursor !== null, visibleRanges: [{ from: 0, to: doc.length }] }
  const out = []
  writingDecorations(view).between(0, doc.length, (from, to, deco) => {
    const spec = deco.spec
    const kind = spec.widget ? 'widget' : from === to ? 'line' : spec.class ? 'mark' : 'hidden'
    out.push([kind, from, to, spec.class || (spec.widget ? spec.widget.constructor.name : '')])
  })
  return out
}

const hiddenText = (doc, decos) => decos.filter(([kind]) => kind === 'hidden' || kind === 'widget')
  .map(([, from, to]) => doc.slice(from, to))
const lineClasses = decos => decos.filter(([kind]) => kind === 'line').map(([, , , cls]) => cls)
const marked = (doc, decos, cls) => decos.filter(([kind, , , c]) => kind === 'mark' && c === cls)
  .map(([, from, to]) => doc.slice(from, to))

test('headings, quotes and lists get their line classes, their markers hidden', () => {
  const doc = '## Titre\n> une citation\n- un point\n  - dedans\n1) premier'
  const decos = decorate(doc)
  assert.deepEqual(lineClasses(decos), [
    'cm-wm-heading cm-wm-h2', 'cm-wm-quote cm-wm-quote-1', 'cm-wm-li cm-wm-ul cm-wm-depth-1',
    'cm-wm-li cm-wm-ul cm-wm-depth-2', 'cm-wm-li cm-wm-ol cm-wm-depth-1'
  ])
  assert.deepEqual(hiddenText(doc, decos), ['## ', '> ', '- ', '  ', '- '])
  assert.deepEqual(marked(doc, decos, 'cm-wm-list-number'), ['1)'])
})

test('inline marks: bold, italic, strikethrough, code, links; their markers hidden', () => {
  const doc = '**gras** _ita_ ~~barré~~ `code` [lien](https://fr.wikipedia.org/wiki/A_(b)) snake_case_mot'
  const decos = decorate(doc)
  assert.deepEqual(marked(doc, decos, 'cm-wm-strong'), ['**gras**'])
  assert.deepEqual(marked(doc, decos, 'cm-wm-em'), ['_ita_'])
  assert.deepEqual(marked(doc, decos, 'cm-wm-strike'), ['~~barré~~'])
  assert.deepEqual(marked(doc, decos, 'cm-wm-code'), ['`code`'])
  assert.deepEqual(marked(doc, decos, 'cm-wm-link'), ['lien'])
  assert.deepEqual(hiddenText(doc, decos),
    ['**', '**', '_', '_', '~~', '~~', '`', '`', '[', '](https://fr.wikipedia.org/wiki/A_(b))'])
})

test('the markers show again on the line of the cursor, and only there', () => {
  const doc = '## Titre\n**gras**'
  const onTitle = decorate(doc, 3)
  assert.deepEqual(hiddenText(doc, onTitle), ['**', '**'])
  assert.ok(lineClasses(onTitle).includes('cm-wm-heading cm-wm-h2'))
  const onBold = decorate(doc, doc.length)
  assert.deepEqual(hiddenText(doc, onBold), ['## '])
})

test('setext headings, a paragraph-breaking list, #hashtag and reference links', () => {
  const doc = 'Titre\n=====\nTexte\n- point\n#hashtag [note] 2026. fin'
  const decos = decorate(doc)
  assert.deepEqual(lineClasses(decos), ['cm-wm-heading cm-wm-h1', 'cm-wm-setext-mark', 'cm-wm-li cm-wm-ul cm-wm-depth-1'])
  // a [label] without a URL is shown as written (the server knows its definitions)
  assert.deepEqual(marked(doc, decos, 'cm-wm-link'), [])
})
