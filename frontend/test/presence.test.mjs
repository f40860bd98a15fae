import { test } from 'node:test'
import assert from 'node:assert/strict'
import { longHex, safeColour } from '../src/colours.js'
import { editorOptions } from '../src/options.js'
import { presenceLabel, presentPeople } from '../src/presence.js'

const labels = { 'presence.self': '(vous)', 'presence.reader': '(lecture)' }
const t = key => labels[key]
const options = { me: 1, userId: 7, anonymous: 'Anonyme', locale: 'fr' }
const states = entries => new Map(entries)

test('only #hex colours are trusted into CSS', () => {
  assert.equal(safeColour(' #ABCDEF '), '#abcdef')
  assert.equal(safeColour('red; background: url(x)', '#000'), '#000')
  assert.equal(safeColour(undefined), '#30bced')
  assert.equal(longHex('#abc'), '#aabbcc')
  assert.equal(longHex('#a1b2c3ff'), '#a1b2c3')
})

test('the editor options read the page: numbers, colour, fallbacks', () => {
  const read = editorOptions({ documentId: '4', userId: '12', userColor: '#f0a', maxUpdateBytes: '65536',
    maxUpdateSize: '64 Ko', canWrite: 'true' }, 'https://coelab.test')
  assert.equal(read.serverUrl, 'https://coelab.test')
  assert.equal(read.user.id, 12)
  assert.equal(read.user.color, '#ff00aa')
  assert.equal(read.user.colorLight, '#ff00aa33')
  assert.equal(read.maxUpdateBytes, 65536)
  assert.equal(read.canWrite, true)
  const odd = editorOptions({ userColor: 'javascript:', maxUpdateBytes: '1e9', canWrite: 'yes' }, 'o')
  assert.deepEqual([odd.user.color, odd.maxUpdateBytes, odd.canWrite, odd.user.id], ['#1f5fa8', 0, false, null])
})

test('each person is listed once, this person first, then by name in the language', () => {
  const people = presentPeople(states([
    [3, { user: { id: 9, name: 'Zoé', color: '#123456' } }],
    [4, { user: { id: 8, name: 'élise', color: '#654321' } }],
    [1, { user: { id: 7, name: 'Moi', color: '#111111' } }],
    [5, { user: { id: 9, name: 'Zoé (autre onglet)' } }],
    [6, { cursor: null }]
  ]), options)
  assert.deepEqual(people.map(p => p.name), ['Moi', 'élise', 'Zoé'])
  assert.equal(people[0].self, true)
  assert.equal(people[2].colour, '#123456')
})

test('another tab of this person counts as this person; nameless people are anonymous', () => {
  const people = presentPeople(states([
    [2, { user: { id: 7, name: 'Moi, ailleurs' } }],
    [8, { user: { name: '   ', color: 'not a colour', reader: true } }]
  ]), options)
  assert.deepEqual(people.map(p => [p.name, p.self, p.reader, p.colour]),
    [['Moi, ailleurs', true, false, '#5a6275'], ['Anonyme', false, true, '#5a6275']])
})

test('names are cut to 80 characters and marked for self and readers', () => {
  const [person] = presentPeople(states([[9, { user: { id: 3, name: 'x'.repeat(200) } }]]), options)
  assert.equal(person.name.length, 80)
  assert.equal(presenceLabel({ name: 'Léa', self: true, reader: true }, t), 'Léa (vous) (lecture)')
  assert.equal(presenceLabel({ name: 'Léa', self: false, reader: false }, t), 'Léa')
})
