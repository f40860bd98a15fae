import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EditorState } from '@codemirror/state'
import { insertsFit, sizeGuard, updateBudget, utf8Length } from '../src/size-guard.js'
import { rovingTarget, shortcutFor } from '../src/toolbar.js'

test('UTF-8 sizes as Yjs counts them', () => {
  assert.equal(utf8Length('abc'), 3)
  assert.equal(utf8Length('é'), 2)
  assert.equal(utf8Length('💬'), 4)
  assert.equal(utf8Length('\ud800'), 3) // a lone surrogate
})

test('the budget leaves room for the encoding: an eighth, at most 16 KiB, and 64 bytes a change', () => {
  assert.equal(updateBudget(8000), 7000)
  assert.equal(updateBudget(1024 * 1024), 1024 * 1024 - 16 * 1024)
  assert.equal(updateBudget(8000, 2), 6872)
  assert.equal(insertsFit(['a'.repeat(100)], 100), true)
  assert.equal(insertsFit(['é'.repeat(60)], 100), false) // 120 bytes, 60 units
  assert.equal(insertsFit(['é'.repeat(50)], 100), true)
})

test("the size guard refuses this person's too large change, not the shared document's", async () => {
  let refused = 0
  const state = EditorState.create({ doc: 'abc', extensions: [sizeGuard(800, () => refused++)] })
  const big = 'x'.repeat(800)
  const paste = state.update({ changes: { from: 3, insert: big }, userEvent: 'input.paste' })
  assert.equal(paste.state.doc.toString(), 'abc')
  const typed = state.update({ changes: { from: 3, insert: 'd' }, userEvent: 'input.type' })
  assert.equal(typed.state.doc.toString(), 'abcd')
  const remote = state.update({ changes: { from: 3, insert: big } }) // no user event: from Yjs
  assert.equal(remote.state.doc.length, 803)
  await Promise.resolve()
  assert.equal(refused, 1)
})

test('without a bound (0), the guard lets everything through', () => {
  const state = EditorState.create({ doc: '', extensions: [sizeGuard(0, () => assert.fail('refused'))] })
  const tr = state.update({ changes: { from: 0, insert: 'x'.repeat(100000) }, userEvent: 'input.paste' })
  assert.equal(tr.state.doc.length, 100000)
})

test('toolbar shortcuts and arrow keys', () => {
  assert.equal(shortcutFor('bold', false), 'Control+B')
  assert.equal(shortcutFor('link', true), 'Meta+K')
  assert.equal(shortcutFor('quote', false), null)
  assert.equal(shortcutFor('heading', false), 'Control+Alt+H')
  assert.equal(shortcutFor('undo', false), 'Control+Z')
  assert.equal(shortcutFor('redo', true), 'Meta+Shift+Z')
  assert.equal(shortcutFor('toString', false), null)
  assert.equal(rovingTarget('ArrowRight', 6, 7), 0) // wraps around
  assert.equal(rovingTarget('ArrowLeft', 0, 7), 6)
  assert.equal(rovingTarget('Home', 4, 7), 0)
  assert.equal(rovingTarget('End', 1, 7), 6)
  assert.equal(rovingTarget('Enter', 1, 7), null)
})
