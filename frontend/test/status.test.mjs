import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectionState, statusText } from '../src/status.js'
import { fatalRefusal, refusalCode } from '../src/connection.js'

const t = key => `<${key}>`
const base = { stopped: false, online: true, connected: false, pending: null, lostOnce: false }

test('the connection state: stopped before offline, before connected, before retrying', () => {
  assert.equal(connectionState({ ...base, stopped: true, online: false }), 'stopped')
  assert.equal(connectionState({ ...base, online: false, connected: true }), 'offline')
  assert.equal(connectionState({ ...base, connected: true }), 'connected')
  assert.equal(connectionState({ ...base, connected: true, pending: 'rate-limited' }), 'sending')
  assert.equal(connectionState(base), 'connecting')
  assert.equal(connectionState({ ...base, lostOnce: true }), 'reconnecting')
})

test('before the text first arrives: loading once connected, never "go on writing"', () => {
  const before = { ...base, loaded: false }
  assert.equal(connectionState({ ...before, connected: true }), 'loading')
  assert.equal(connectionState({ ...before, connected: true, pending: 'rate-limited' }), 'loading')
  assert.equal(connectionState({ ...before, lostOnce: true }), 'connecting')
  assert.equal(connectionState({ ...before, online: false }), 'offline')
  assert.equal(statusText('loading', { canWrite: false }, t), '<status.loading>')
  assert.equal(statusText('loading', { canWrite: true }, t), '<status.loading>')
})

test('connected, the first exchange not done: connecting, or reconnecting', () => {
  const exchanging = { ...base, connected: true, synced: false }
  assert.equal(connectionState(exchanging), 'connecting')
  assert.equal(connectionState({ ...exchanging, lostOnce: true }), 'reconnecting')
  assert.equal(connectionState({ ...exchanging, loaded: false }), 'loading')
  assert.equal(connectionState({ ...exchanging, synced: true }), 'connected')
})

test('the status text tells writers from readers', () => {
  assert.equal(statusText('connected', { canWrite: true }, t), '<status.connected>')
  assert.equal(statusText('connected', { canWrite: false }, t), '<status.connectedReadonly>')
  assert.equal(statusText('offline', { canWrite: false }, t), '<status.offline> <status.readonly>')
  assert.equal(statusText('stopped', { canWrite: true }, t), '<status.stopped>')
  assert.equal(statusText('stopped', { canWrite: false }, t), '<status.stoppedReadonly>')
})

test('changes waiting to be taken: rate limit and resync say different things', () => {
  assert.equal(statusText('sending', { canWrite: true, pending: 'rate-limited' }, t), '<status.rateLimited>')
  assert.equal(statusText('sending', { canWrite: true, pending: 'out-of-sync' }, t), '<status.outOfSync>')
})

test('only some connection refusals stop the editor, and only some make it read-only', () => {
  assert.equal(refusalCode({ data: { code: 'unauthenticated' } }), 'unauthenticated')
  assert.equal(refusalCode(new Error('xhr poll error')), null)
  assert.equal(refusalCode({ data: 'text' }), null)
  assert.deepEqual(fatalRefusal('unauthenticated'), { key: 'stop.unauthenticated', readOnly: true })
  assert.equal(fatalRefusal('update-too-large').readOnly, false)
  assert.equal(fatalRefusal('rate-limited'), null)
  assert.equal(fatalRefusal(null), null)
})
