import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import {
  encodeAnchor, orderThreads, placeInLive, placeInText, resolveAnchor, threadDraft, threadStatus, timeFormatter
} from '../src/comments-model.js'
import { callJson, commentsApi } from '../src/comments-api.js'
import { setStrings } from '../src/i18n.js'

const t = (key, params) => params ? `<${key} ${JSON.stringify(params)}>` : `<${key}>`

function liveText (text) {
  const doc = new Y.Doc()
  const ytext = doc.getText('content')
  ytext.insert(0, text)
  return { doc, ytext }
}

test('a live anchor follows its passage as the text around it changes', () => {
  const { doc, ytext } = liveText('Un passage commenté ici.')
  const thread = { anchor: { start: encodeAnchor(ytext, 3, 0), end: encodeAnchor(ytext, 19, -1) } }
  assert.deepEqual(placeInLive(doc, ytext, thread), [3, 19])
  ytext.insert(0, 'Avant. ')
  assert.deepEqual(placeInLive(doc, ytext, thread), [10, 26])
  assert.equal(ytext.toString().slice(10, 26), 'passage commenté')
  ytext.delete(10, 16) // the passage is gone
  assert.equal(placeInLive(doc, ytext, thread), null)
})

test('an anchor that cannot be read resolves to nothing', () => {
  const { doc } = liveText('texte')
  assert.equal(resolveAnchor(doc, 'not base64!'), null)
  assert.equal(resolveAnchor(doc, ''), null)
})

test("a version's passage is found at its offsets, else by its quote, else not", () => {
  const thread = { anchor: { start: 4, end: 9 }, quote: 'monde' }
  assert.deepEqual(placeInText('Bon monde', thread), [4, 9])
  assert.deepEqual(placeInText('Le monde entier', thread), [3, 8])
  assert.equal(placeInText('Personne', thread), null)
})

test('threads are listed open first, then by place in the text (gone last), then by age', () => {
  const threads = [
    { id: 1, resolved: true }, { id: 2, resolved: false }, { id: 3, resolved: false },
    { id: 4, resolved: false }, { id: 5, resolved: false }
  ]
  const places = new Map([[1, [0, 2]], [2, [50, 60]], [3, null], [4, [10, 20]], [5, [10, 12]]])
  assert.deepEqual(orderThreads(threads, places).map(thread => thread.id), [4, 5, 2, 3, 1])
  assert.deepEqual(threads.map(thread => thread.id), [1, 2, 3, 4, 5]) // not sorted in place
})

test("a thread's status line: jury note, passage gone, resolved (by whom)", () => {
  assert.equal(threadStatus({ resolved: false }, false, t), '')
  assert.equal(threadStatus({ visibility: 'panel', resolved: true, resolved_by: 'Claire' }, true, t),
    '<comments.panel> · <comments.deleted> · <comments.resolvedBy {"name":"Claire"}>')
  assert.equal(threadStatus({ resolved: true, resolved_by: null }, false, t), '<comments.resolved>')
})

test('a new thread sends anchors on the live text, offsets on a version', () => {
  const { doc, ytext } = liveText('abcdef')
  const live = threadDraft({ from: 1, to: 4, quote: 'bcd' }, { ytext })
  assert.deepEqual([resolveAnchor(doc, live.anchor.start), resolveAnchor(doc, live.anchor.end)], [1, 4])
  assert.equal(live.version, undefined)
  assert.deepEqual(threadDraft({ from: 1, to: 4, quote: 'bcd' }, { version: 3 }),
    { anchor: { start: 1, end: 4 }, quote: 'bcd', version: 3 })
})

test('dates are written in the page language', () => {
  const at = new Date('2024-03-05T14:07:00Z')
  assert.equal(timeFormatter('fr', 'UTC').format(at), '05/03/2024 14:07')
  assert.equal(timeFormatter('en', 'UTC').format(at), '3/5/24, 2:07 PM')
})

/** Replace fetch for one call; returns what it was called with. */
function fakeFetch (answer) {
  const calls = []
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init })
    if (answer instanceof Error) throw answer
    return answer
  }
  return calls
}
const response = (status, json) => ({ ok: status < 400, status, json: async () => json })

test('the API posts JSON with the CSRF token, and GETs lists', async () => {
  const calls = fakeFetch(response(200, { ok: true }))
  const api = commentsApi('/d/5/comments', 'tok')
  await api.reply(12, 'Merci')
  await api.setResolved(12, false)
  await api.list('live')
  assert.deepEqual(calls.map(c => [c.init.method, c.url]), [
    ['POST', '/d/5/comments/12/replies'], ['POST', '/d/5/comments/12/reopen'], ['GET', '/d/5/comments?version=live']])
  assert.equal(calls[0].init.body, '{"body":"Merci"}')
  assert.equal(calls[0].init.headers['X-CSRFToken'], 'tok')
  assert.equal(calls[2].init.body, undefined)
})

test("the API says the server's refusal, or that it does not answer", async () => {
  setStrings({ 'comments.network': 'Le serveur ne répond pas.' })
  fakeFetch(response(403, { error: 'Discussion fermée.' }))
  await assert.rejects(callJson('/x', {}), { message: 'Discussion fermée.' })
  fakeFetch({ ok: false, status: 502, json: async () => { throw new SyntaxError('html') } })
  await assert.rejects(callJson('/x'), { message: 'Le serveur ne répond pas.' })
  fakeFetch(new TypeError('Failed to fetch'))
  await assert.rejects(callJson('/x'), { message: 'Le serveur ne répond pas.' })
})
