import { test } from 'node:test'
import assert from 'node:assert/strict'
import { interpolate, pluralForm, setStrings, t, translate } from '../src/i18n.js'

test('interpolate fills %(name)s placeholders, as many times as they appear', () => {
  assert.equal(interpolate('Résolu par %(name)s', { name: 'Claire' }), 'Résolu par Claire')
  assert.equal(interpolate('%(a)s et %(b)s, puis %(a)s', { a: 'x', b: 'y' }), 'x et y, puis x')
  assert.equal(interpolate('%(max)s au plus', { max: 0 }), '0 au plus')
})

test('interpolate leaves an unknown placeholder as is and reads %% as a percent sign', () => {
  assert.equal(interpolate('%(max)s au plus', {}), '%(max)s au plus')
  assert.equal(interpolate('100 %% et %(n)s', { n: 3 }), '100 % et 3')
  assert.equal(interpolate('pas de %(toString)s', {}), 'pas de %(toString)s')
})

test('translate falls back to the key for a missing or malformed entry', () => {
  const table = { hello: 'Bonjour %(name)s', broken: 42 }
  assert.equal(translate(table, 'hello', { name: 'Léa' }), 'Bonjour Léa')
  assert.equal(translate(table, 'missing'), 'missing')
  assert.equal(translate(table, 'broken'), 'broken')
  assert.equal(translate(table, 'constructor'), 'constructor')
})

test('plural entries pick their form by n, with the rules of the language', () => {
  const entry = { one: '%(n)s commentaire', other: '%(n)s commentaires' }
  assert.equal(translate({ c: entry }, 'c', { n: 1 }, 'fr'), '1 commentaire')
  assert.equal(translate({ c: entry }, 'c', { n: 0 }, 'fr'), '0 commentaire') // French: 0 is singular
  assert.equal(translate({ c: entry }, 'c', { n: 0 }, 'en'), '0 commentaires')
  assert.equal(translate({ c: entry }, 'c', { n: 5 }, 'en'), '5 commentaires')
  assert.equal(pluralForm({ other: 'toujours' }, 1, 'fr'), 'toujours')
})

test('t reads the strings the page gave', () => {
  setStrings({ 'presence.self': '(you)' }, 'en')
  assert.equal(t('presence.self'), '(you)')
  assert.equal(t('presence.reader'), 'presence.reader')
  setStrings(null)
  assert.equal(t('presence.self'), 'presence.self')
})
