import { test } from 'node:test'
import assert from 'node:assert/strict'
import { remembered } from '../src/layout.js'

test('a switch is remembered as "true" only; no storage or a failing one is false', () => {
  const storage = values => ({ getItem: key => values[key] ?? null })
  assert.equal(remembered('k', storage({ k: 'true' })), true)
  assert.equal(remembered('k', storage({ k: 'false' })), false)
  assert.equal(remembered('k', storage({})), false)
  assert.equal(remembered('k', null), false)
  assert.equal(remembered('k', { getItem () { throw new Error('denied') } }), false)
})
