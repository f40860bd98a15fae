import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EditorSelection, EditorState } from '@codemirror/state'
import {
  actions, insertLink, toggleBold, toggleBullet, toggleHeading, toggleItalic, toggleNumbered, toggleQuote
} from '../src/commands.js'

/** Run a command on doc with a selection [anchor, head] (or several); the new state. */
function run (command, doc, ranges = [[0, 0]], options = {}) {
  let state = EditorState.create({
    doc,
    selection: EditorSelection.create(ranges.map(([a, h]) => EditorSelection.range(a, h))),
    extensions: options.readOnly ? [EditorState.readOnly.of(true)] : []
  })
  let dispatched = null
  const handled = command({ state, dispatch: tr => { dispatched = tr } })
  if (dispatched) state = dispatched.state
  return { handled, text: state.doc.toString(), main: state.selection.main, tr: dispatched }
}

const selected = ({ text, main }) => text.slice(main.from, main.to)

test('bold wraps the selection, and unwraps it from outside or inside the markers', () => {
  const wrapped = run(toggleBold, 'un mot ici', [[3, 6]])
  assert.equal(wrapped.text, 'un **mot** ici')
  assert.equal(selected(wrapped), 'mot')
  assert.equal(wrapped.tr.isUserEvent('input.format'), true)
  assert.equal(run(toggleBold, 'un **mot** ici', [[5, 8]]).text, 'un mot ici')
  const inside = run(toggleBold, 'un **mot** ici', [[3, 10]])
  assert.equal(inside.text, 'un mot ici')
  assert.equal(selected(inside), 'mot')
})

test('italic and bold tell a single star from a double one', () => {
  assert.equal(run(toggleItalic, 'un mot', [[3, 6]]).text, 'un *mot*')
  assert.equal(run(toggleItalic, 'un *mot*', [[4, 7]]).text, 'un mot')
  // bold text made italic too: ***mot***, then italic off again
  assert.equal(run(toggleItalic, '**mot**', [[2, 5]]).text, '***mot***')
  assert.equal(run(toggleItalic, '***mot***', [[3, 6]]).text, '**mot**')
  // a cursor gets an empty pair to type in
  const empty = run(toggleBold, 'ab', [[1, 1]])
  assert.equal(empty.text, 'a****b')
  assert.equal(empty.main.head, 3)
})

test('heading toggles "## " and replaces another heading level', () => {
  assert.equal(run(toggleHeading, 'Titre', [[2, 2]]).text, '## Titre')
  // the levels, one click after the other: section, subsection, plain text
  assert.equal(run(toggleHeading, '## Titre', [[4, 4]]).text, '### Titre')
  assert.equal(run(toggleHeading, '### Titre', [[4, 4]]).text, 'Titre')
  assert.equal(run(toggleHeading, '#### Titre', [[6, 6]]).text, '## Titre')
  assert.equal(run(toggleHeading, '## Titre', [[4, 4]], { readOnly: true }).handled, false)
})

test('lists number the selected lines, skip blank ones and swap bullets for numbers', () => {
  const doc = 'un\n\ndeux\ntrois'
  assert.equal(run(toggleNumbered, doc, [[0, doc.length]]).text, '1. un\n\n2. deux\n3. trois')
  assert.equal(run(toggleBullet, doc, [[0, doc.length]]).text, '- un\n\n- deux\n- trois')
  assert.equal(run(toggleNumbered, '- un\n- deux', [[0, 11]]).text, '1. un\n2. deux')
  assert.equal(run(toggleBullet, '- un\n- deux', [[0, 11]]).text, 'un\ndeux')
})

test('a selection ending at the start of a line leaves that line alone', () => {
  assert.equal(run(toggleQuote, 'un\ndeux', [[0, 3]]).text, '> un\ndeux')
  assert.equal(run(toggleQuote, '> un\n> deux', [[0, 11]]).text, 'un\ndeux')
})

test('a cursor after an inserted prefix stays after it', () => {
  const result = run(toggleQuote, 'texte', [[0, 0]])
  assert.equal(result.text, '> texte')
  assert.equal(result.main.head, 2)
})

test('link wraps the selection (or the word at the cursor) and selects the URL', () => {
  const link = run(insertLink, 'voir le site', [[8, 12]])
  assert.equal(link.text, 'voir le [site](https://)')
  assert.equal(selected(link), 'https://')
  assert.equal(run(insertLink, 'voir le site', [[10, 10]]).text, 'voir le [site](https://)')
})

test('every command refuses a read-only text and leaves it as it was', () => {
  for (const [name, command] of Object.entries(actions)) {
    const result = run(command, 'texte', [[0, 5]], { readOnly: true })
    assert.equal(result.handled, false, name)
    assert.equal(result.text, 'texte', name)
  }
})

test('a list made with the toolbar right after a line of text is a list by CommonMark', async () => {
  // CommonMark lets a bullet list, or a numbered one starting at 1, interrupt a
  // paragraph: the server (markdown-it-py) reads it so, as the editor does
  const { markdown } = await import('@codemirror/lang-markdown')
  const { GFM } = await import('@lezer/markdown')
  const { ensureSyntaxTree } = await import('@codemirror/language')
  for (const [command, list] of [[toggleBullet, 'BulletList'], [toggleNumbered, 'OrderedList']]) {
    const { text } = run(command, 'Une phrase.\npremier point', [[14, 14]])
    const state = EditorState.create({ doc: text, extensions: markdown({ extensions: GFM }) })
    const names = []
    ensureSyntaxTree(state, state.doc.length, 60000).iterate({ enter: node => { names.push(node.name) } })
    assert.ok(names.includes(list), `${text}: ${names}`)
  }
})
