// Load generator for benchmarks/realtime.py: N editors per document, each inserting
// 1-3 characters at a random place about 5 times a second, against either Coélab
// (stock y-socket.io provider) or the reference Yjs server (y-websocket provider).
// Prints one JSON line of results. All clients share this process, so the time an update
// was sent is known exactly when another client receives it.
import * as Y from 'yjs'
import { SocketIOProvider } from 'y-socket.io'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const cfg = JSON.parse(process.argv[2])
// cfg: {server: 'coelab'|'reference', url, documents: [{id, tokens: [...]}], seconds, rate}
const sentAt = new Map() // `${client}:${clock}` -> ms
const latencies = []
let expected = 0
let delivered = 0
const editors = []

function key (client, clock) { return `${client}:${clock}` }

function connect (documentId, token) {
  const doc = new Y.Doc()
  let provider
  if (cfg.server === 'coelab') {
    provider = new SocketIOProvider(cfg.url, String(documentId), doc,
      { auth: { token }, disableBc: true })
  } else {
    provider = new WebsocketProvider(cfg.url, `doc-${documentId}`, doc,
      { WebSocketPolyfill: WebSocket, disableBc: true })
  }
  doc.on('update', (update, origin) => {
    if (origin !== provider) return
    const now = performance.now()
    for (const [client, structs] of Y.decodeUpdate(update).structs.reduce((m, s) => {
      if (!m.has(s.id.client)) m.set(s.id.client, [])
      m.get(s.id.client).push(s)
      return m
    }, new Map())) {
      for (const s of structs) {
        const t = sentAt.get(key(client, s.id.clock))
        if (t !== undefined) { latencies.push(now - t); delivered++ }
      }
    }
  })
  return { doc, provider, text: doc.getText('content'), documentId }
}

function synced (editor) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const tick = () => {
      if (editor.provider.synced) return resolve()
      if (performance.now() - started > 30000) return reject(new Error('no sync in 30 s'))
      setTimeout(tick, 20)
    }
    tick()
  })
}

const groups = new Map()
for (const d of cfg.documents) {
  for (const token of d.tokens) {
    const e = connect(d.id, token)
    editors.push(e)
    if (!groups.has(d.id)) groups.set(d.id, [])
    groups.get(d.id).push(e)
  }
}
await Promise.all(editors.map(synced))
await new Promise((resolve) => setTimeout(resolve, 500))

const letters = 'abcdefghijklmnopqrstuvwxyzéèàç '
function type (editor) {
  const n = 1 + Math.floor(Math.random() * 3)
  let s = ''
  for (let i = 0; i < n; i++) s += letters[Math.floor(Math.random() * letters.length)]
  const pos = Math.floor(Math.random() * (editor.text.length + 1))
  const client = editor.doc.clientID
  const clock = Y.getState(editor.doc.store, client)
  sentAt.set(key(client, clock), performance.now())
  editor.text.insert(pos, s)
  expected += groups.get(editor.documentId).length - 1
}

// people do not type in step: each editor starts at a random moment and waits a random
// 50-150 % of the mean interval between two changes
let running = true
const mean = 1000 / cfg.rate
function schedule (editor, delay) {
  setTimeout(() => {
    if (!running) return
    type(editor)
    schedule(editor, mean * (0.5 + Math.random()))
  }, delay)
}
editors.forEach((e) => schedule(e, Math.random() * mean))
await new Promise((resolve) => setTimeout(resolve, cfg.seconds * 1000))
running = false
// let the last updates arrive
const deadline = performance.now() + 10000
while (delivered < expected && performance.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 100))
}
let converged = true
for (const group of groups.values()) {
  const first = group[0].text.toString()
  if (!group.every((e) => e.text.toString() === first)) converged = false
}
latencies.sort((a, b) => a - b)
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null
console.log(JSON.stringify({
  p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), delivered, expected, converged,
  editors: editors.length
}))
for (const e of editors) e.provider.destroy()
process.exit(0)
