import { test } from 'node:test'
import assert from 'node:assert/strict'
import { io } from 'socket.io-client'
import { sendUpdatesOnlyWhenConnected } from '../src/connection.js'

// a socket.io client that never reaches a server: it stays disconnected, and socket.io
// keeps what is emitted meanwhile in its send buffer
function offlineSocket () {
  return io('http://127.0.0.1:9', { autoConnect: false })
}

const events = socket => socket.sendBuffer.map(packet => packet.data[0])

test('while disconnected, changes are not kept for later: the reconnection sends them', () => {
  const socket = offlineSocket()
  sendUpdatesOnlyWhenConnected(socket)
  socket.emit('sync-update', new Uint8Array([1, 2]))
  socket.emit('awareness-update', new Uint8Array([3]))
  socket.emit('sync-step-1', new Uint8Array([0]), () => {})
  assert.deepEqual(events(socket), ['awareness-update', 'sync-step-1'])
})

test('without it, socket.io would keep the change and send it first at reconnection', () => {
  const socket = offlineSocket()
  socket.emit('sync-update', new Uint8Array([1, 2]))
  assert.deepEqual(events(socket), ['sync-update'])
})

test('changes queued before a disconnection was known are dropped at the disconnection', () => {
  const socket = offlineSocket()
  sendUpdatesOnlyWhenConnected(socket)
  socket.sendBuffer.push({ type: 2, data: ['sync-update', new Uint8Array([1])] },
    { type: 2, data: ['awareness-update', new Uint8Array([2])] })
  socket.emitReserved('disconnect', 'ping timeout')
  assert.deepEqual(events(socket), ['awareness-update'])
})

test('connected, a change is sent at once', () => {
  const socket = offlineSocket()
  sendUpdatesOnlyWhenConnected(socket)
  const sent = []
  socket.connected = true
  socket.packet = packet => sent.push(packet.data[0])
  socket.io.engine = { transport: { writable: true }, _hasPingExpired: () => false }
  socket.emit('sync-update', new Uint8Array([1]))
  assert.deepEqual(sent, ['sync-update'])
  assert.deepEqual(events(socket), [])
})
