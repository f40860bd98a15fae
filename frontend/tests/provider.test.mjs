// The stock y-socket.io SocketIOProvider and the official yjs against a live Coélab
// server. Run by tests/test_node_client.py, which starts the server, a Python (pycrdt)
// client, and passes the addresses and tokens in the environment.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { SocketIOProvider } from 'y-socket.io'

const env = process.env
const url = env.COELAB_URL
const documentId = env.COELAB_DOCUMENT
const skip = !url && 'run through tests/test_node_client.py'

function until (predicate, timeout = 10000) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = () => {
      if (predicate()) return resolve()
      if (Date.now() - started > timeout) return reject(new Error('timed out'))
      setTimeout(tick, 20)
    }
    tick()
  })
}

function open (token) {
  const doc = new Y.Doc()
  const provider = new SocketIOProvider(url, documentId, doc, {
    auth: { token }, disableBc: true, autoConnect: true
  })
  const errors = []
  provider.socket.on('yjs-error', (error) => errors.push(error))
  return { doc, provider, text: doc.getText('content'), errors }
}

test('a writer with a token converges with a pycrdt client', { skip }, async () => {
  const { provider, text, errors } = open(env.COELAB_WRITER_TOKEN)
  await until(() => provider.synced)
  await until(() => text.toString().includes('Départ'))
  text.insert(0, 'Écrit depuis Node. ')
  // the Python client answers once it sees our text
  await until(() => text.toString().includes('Réponse de Python.'))
  assert.deepEqual(errors, [])
  console.log('FINAL:' + JSON.stringify(text.toString()))
  provider.destroy()
})

test('a reader edits locally and the server keeps none of it', { skip }, async () => {
  const { provider, text, errors } = open(env.COELAB_READER_TOKEN)
  await until(() => provider.synced)
  text.insert(0, 'Réécriture du lecteur. ')
  await until(() => errors.length > 0)
  assert.equal(errors[0].code, 'read-only')
  provider.destroy()
})
