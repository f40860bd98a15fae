// Load generator for benchmarks/realtime.py: N editors per document, each inserting
// 1-3 characters at a random place about 5 times a second, against either Coélab
// (stock y-socket.io provider) or the reference Yjs server (y-websocket provider).
// Prints one JSON line of results.
//
// The editors are spread over worker threads (cfg.workers): fifty editors in one
// document receive over 12,000 updates a second between them, and one JavaScript thread
// applying them all was saturated (90-94 % of a core), so that the tail latency it
// measured was its own queue, for the reference server as much as for ours. Times are
// absolute (performance.timeOrigin + performance.now(), one clock for every thread of
// the process): each worker records when its editors typed and when they received which
// clocks of which client; the main thread matches them.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import * as Y from 'yjs'
import { SocketIOProvider } from 'y-socket.io'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

const now = () => performance.timeOrigin + performance.now()
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6 }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

if (isMainThread) await main()
else await worker()

// the main thread: starts the workers, keeps them in step, matches sends and receipts ----

async function main () {
  const cfg = JSON.parse(process.argv[2])
  // cfg: {server: 'coelab'|'reference', url, documents: [{id, tokens: [...]}], seconds,
  //       rate, workers}
  const slots = []
  for (const d of cfg.documents) {
    for (const token of d.tokens) slots.push({ documentId: d.id, token })
  }
  const count = Math.max(1, Math.min(cfg.workers || 1, slots.length))
  // one document's editors are dealt round the workers, so that most updates cross threads
  const shares = Array.from({ length: count }, () => [])
  slots.forEach((slot, i) => shares[i % count].push(slot))
  const startedAt = now()
  const cpuBefore = cpuSeconds()
  const workers = shares.map((editors) => new Worker(new URL(import.meta.url), {
    workerData: { server: cfg.server, url: cfg.url, rate: cfg.rate, editors }
  }))
  const inbox = workers.map(() => [])
  const waiting = workers.map(() => null)
  workers.forEach((w, i) => {
    w.on('message', (message) => {
      if (waiting[i]) { const resolve = waiting[i]; waiting[i] = null; resolve(message) } else inbox[i].push(message)
    })
    w.on('error', (error) => { console.error(error); process.exit(1) })
  })
  const next = (i) => inbox[i].length
    ? Promise.resolve(inbox[i].shift())
    : new Promise((resolve) => { waiting[i] = resolve })
  const all = () => Promise.all(workers.map((_w, i) => next(i)))
  const tell = (message) => workers.forEach((w) => w.postMessage(message))

  await all() // every editor synced
  await sleep(500)
  tell({ type: 'type' })
  await sleep(cfg.seconds * 1000)
  tell({ type: 'stop' })
  // what each editor typed last: the state every copy of its document must reach
  const finals = await all()
  const targets = {}
  for (const { clocks } of finals) {
    for (const [documentId, client, clock] of clocks) {
      (targets[documentId] ||= []).push([client, clock])
    }
  }
  tell({ type: 'settle', targets, deadline: 10000 })
  const reports = await all()
  const elapsed = (now() - startedAt) / 1000
  // generator CPU: the whole process, every thread
  const cpu = (cpuSeconds() - cpuBefore) / elapsed

  const sentAt = new Map()
  let expected = 0
  const editorsOf = new Map()
  for (const d of cfg.documents) editorsOf.set(d.id, d.tokens.length)
  for (const { sent } of reports) {
    for (let i = 0; i < sent.length; i += 4) {
      sentAt.set(`${sent[i]}:${sent[i + 1]}`, sent[i + 2])
      expected += editorsOf.get(sent[i + 3]) - 1
    }
  }
  const latencies = []
  for (const { received } of reports) {
    for (let i = 0; i < received.length; i += 4) {
      const [client, from, to, at] = [received[i], received[i + 1], received[i + 2], received[i + 3]]
      for (let clock = from; clock < to; clock++) {
        const t = sentAt.get(`${client}:${clock}`)
        if (t !== undefined) latencies.push(at - t)
      }
    }
  }
  const texts = new Map()
  let converged = true
  for (const { finalTexts } of reports) {
    for (const [documentId, text] of finalTexts) {
      if (!texts.has(documentId)) texts.set(documentId, text)
      else if (texts.get(documentId) !== text) converged = false
    }
  }
  latencies.sort((a, b) => a - b)
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null
  console.log(JSON.stringify({
    p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), delivered: latencies.length, expected,
    converged, editors: slots.length, workers: count, cpu,
    lag_p99: Math.max(...reports.map((r) => r.lag.p99)),
    lag_max: Math.max(...reports.map((r) => r.lag.max))
  }))
  tell({ type: 'exit' })
  process.exit(0)
}

// a worker: its share of the editors -----------------------------------------------------

async function worker () {
  const cfg = workerData
  const sent = [] // client, clock, time, document
  const received = [] // client, from clock, to clock, time
  const editors = cfg.editors.map(({ documentId, token }) => connect(documentId, token))

  function connect (documentId, token) {
    const doc = new Y.Doc()
    let provider
    if (cfg.server === 'coelab') {
      // with cfg.affinity, the handshake names the document as the editor's page does
      // (frontend/src/connection.js), so that nginx keeps a document's editors together
      provider = new SocketIOProvider(cfg.url, String(documentId), doc,
        { auth: { token }, disableBc: true },
        cfg.affinity ? { query: { document: String(documentId) } } : undefined)
    } else {
      provider = new WebsocketProvider(cfg.url, `doc-${documentId}`, doc,
        { WebSocketPolyfill: WebSocket, disableBc: true })
    }
    doc.on('update', (update, origin) => {
      if (origin !== provider) return
      const at = now()
      // which clocks of which clients it carries (cheaper than decoding its structs)
      const { from, to } = Y.parseUpdateMeta(update)
      for (const [client, start] of from) received.push(client, start, to.get(client), at)
    })
    return { doc, provider, text: doc.getText('content'), documentId }
  }

  async function synced (editor) {
    const started = performance.now()
    while (!editor.provider.synced) {
      if (performance.now() - started > 30000) throw new Error('no sync in 30 s')
      await sleep(20)
    }
  }

  const commands = []
  let wake = null
  parentPort.on('message', (message) => {
    commands.push(message)
    if (wake) { const resolve = wake; wake = null; resolve() }
  })
  async function command (type) {
    for (;;) {
      const i = commands.findIndex((c) => c.type === type)
      if (i >= 0) return commands.splice(i, 1)[0]
      await new Promise((resolve) => { wake = resolve })
    }
  }

  await Promise.all(editors.map(synced))
  parentPort.postMessage({ type: 'synced' })
  await command('type')
  // how late this thread's event loop ran: what the generator adds to every latency
  const lag = monitorEventLoopDelay({ resolution: 5 })
  lag.enable()

  const letters = 'abcdefghijklmnopqrstuvwxyzéèàç '
  function type (editor) {
    const n = 1 + Math.floor(Math.random() * 3)
    let s = ''
    for (let i = 0; i < n; i++) s += letters[Math.floor(Math.random() * letters.length)]
    const pos = Math.floor(Math.random() * (editor.text.length + 1))
    const client = editor.doc.clientID
    sent.push(client, Y.getState(editor.doc.store, client), now(), editor.documentId)
    editor.text.insert(pos, s)
  }
  // people do not type in step: each editor starts at a random moment and waits a
  // random 50-150 % of the mean interval between two changes
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
  await command('stop')
  running = false
  lag.disable()
  parentPort.postMessage({
    type: 'typed',
    clocks: editors.map((e) => [e.documentId, e.doc.clientID, Y.getState(e.doc.store, e.doc.clientID)])
  })
  // let the last updates arrive: every copy holds what every editor of its document typed
  const { targets, deadline } = await command('settle')
  const giveUp = performance.now() + deadline
  const complete = () => editors.every((e) => (targets[e.documentId] || []).every(
    ([client, clock]) => Y.getState(e.doc.store, client) >= clock))
  while (!complete() && performance.now() < giveUp) await sleep(100)
  parentPort.postMessage({
    type: 'report',
    sent,
    received,
    finalTexts: editors.map((e) => [e.documentId, e.text.toString()]),
    lag: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 }
  })
  await command('exit')
  for (const e of editors) e.provider.destroy()
  process.exit(0)
}
