// Co-editing integrity with the stock y-socket.io SocketIOProvider (unmodified) and the
// official yjs against a live Coélab server: an edit acknowledged `ok` is an edit every
// client sees and the server keeps, and a refused edit (rate limit, size) still reaches
// everyone without a reconnect. Run by tests/test_integrity.py, which starts a server
// per scenario (COELAB_INTEGRITY_SCENARIO names the one to run), then compares what the
// scenario printed (RESULT:) with the text the server stored, before and after a
// compaction. Every edit is a unique marker such as `[w12]`, so that sets compare.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import { SocketIOProvider } from 'y-socket.io'
import { Manager } from 'socket.io-client'

const env = process.env
const url = env.COELAB_URL
const documentId = env.COELAB_DOCUMENT
const scenario = env.COELAB_INTEGRITY_SCENARIO
const only = (name) => scenario !== name && 'run through tests/test_integrity.py'

const MARKER = /\[[a-z]\d+\]/g
const SETTLE = 60000 // generous: a refused burst heals once the person's budget refills

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function until (predicate, what, timeout = SETTLE) {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeout) throw new Error(`timed out waiting for ${what()}`)
    await sleep(25)
  }
}

const markersIn = (text) => text.match(MARKER) ?? []
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex')

// the markers an update inserts (each of our edits is one insert of one marker)
function markersOfUpdate (update) {
  const { structs } = Y.decodeUpdate(new Uint8Array(update))
  return markersIn(structs.map((struct) => struct.content?.str ?? '').join(''))
}

/**
 * A stock provider, observed from outside. The provider itself is unmodified: it sends
 * `sync-update` without asking for an ack, so the socket's `emit` is wrapped (after the
 * provider was created, before it connects) to ask for one on each of its updates and
 * record the answer and the markers the update carried. Asking for an ack changes
 * nothing else: the server treats the update the same way. The answer to the provider's
 * own `sync-step-1` is passed on to the provider unchanged, and tells that the initial
 * load is done. Listeners added next to the provider's own count connections, errors
 * and the server's requests for a resync (its `sync-step-1`).
 */
function open (token, name) {
  const doc = new Y.Doc()
  const provider = new SocketIOProvider(url, documentId, doc, {
    auth: { token }, disableBc: true, autoConnect: true
  })
  const client = {
    name, doc, provider, text: doc.getText('content'), sent: [], errors: [],
    connects: 0, disconnects: 0, connectErrors: 0, resyncRequests: 0, loaded: false
  }
  const socket = provider.socket
  const emit = socket.emit.bind(socket)
  socket.emit = (event, ...args) => {
    if (event === 'sync-update' && args.length === 1) {
      const record = { markers: markersOfUpdate(args[0]), bytes: args[0].length, ack: null }
      client.sent.push(record)
      return emit(event, args[0], (ack) => { record.ack = ack ?? { ok: null } })
    }
    if (event === 'sync-step-1' && typeof args[1] === 'function') {
      const answer = args[1]
      return emit(event, args[0], (update) => {
        answer(update)
        client.loaded = true
      })
    }
    return emit(event, ...args)
  }
  socket.on('connect', () => { client.connects += 1 })
  socket.on('disconnect', () => { client.disconnects += 1 })
  socket.on('connect_error', () => { client.connectErrors += 1 })
  socket.on('yjs-error', (error) => client.errors.push(error?.code))
  socket.on('sync-step-1', () => { client.resyncRequests += 1 })
  return client
}

async function loaded (client) {
  await until(() => client.loaded, () => `${client.name} to load the document`)
}

const content = (client) => client.text.toString()

// every update answered, ok or not
const answered = (client) => client.sent.every((record) => record.ack !== null)

function okMarkers (...clients) {
  return clients.flatMap((c) => c.sent.filter((r) => r.ack?.ok === true)
    .flatMap((r) => r.markers))
}

function refusals (client) {
  const codes = {}
  for (const record of client.sent) {
    if (record.ack && record.ack.ok !== true) {
      const code = record.ack.code ?? 'no-code'
      codes[code] = (codes[code] ?? 0) + 1
    }
  }
  return codes
}

function summary (client) {
  const text = content(client)
  return { markers: markersIn(text), sha256: sha256(text), length: text.length }
}

function describe (client) {
  return `${client.name}: ${markersIn(content(client)).length} markers, ` +
    `${content(client).length} characters, acks ${client.sent.filter((r) => r.ack).length}` +
    `/${client.sent.length}, refusals ${JSON.stringify(refusals(client))}, errors ` +
    `${JSON.stringify(countOf(client.errors))}, resync requests ${client.resyncRequests}, ` +
    `connects ${client.connects}`
}

function countOf (values) {
  const counts = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

const missingFrom = (expected, actual) => {
  const have = new Set(actual)
  return [...new Set(expected)].filter((m) => !have.has(m))
}

function report (result) {
  console.log('RESULT:' + JSON.stringify(result))
}

/** Every writer's edits reach an observer connected throughout and a client that loads
 * the document now, and the writer's own text is what they show (no reconnect). */
async function assertEveryoneSeesTheWriter (writer, observer, made) {
  assert.deepEqual(missingFrom(made, markersIn(content(writer))), [])
  await until(() => answered(writer), () => `every update of the writer to be answered; ` +
    describe(writer))
  await until(() => content(observer) === content(writer), () =>
    `the observer to show the writer's text; ${describe(writer)}; ${describe(observer)}; ` +
    `missing from the observer: ${missingFrom(made, markersIn(content(observer))).length}`)
  const fresh = open(env.COELAB_OTHER_TOKEN, 'fresh client')
  await loaded(fresh)
  await until(() => content(fresh) === content(writer), () =>
    `a fresh client to show the writer's text; ${describe(writer)}; ${describe(fresh)}; ` +
    `missing: ${missingFrom(made, markersIn(content(fresh))).length}`)
  const ok = okMarkers(writer)
  assert.deepEqual(missingFrom(ok, markersIn(content(fresh))), [],
    'edits acknowledged ok are missing from a fresh client')
  assert.deepEqual(missingFrom(made, markersIn(content(fresh))), [],
    'edits the writer made are missing from a fresh client')
  // no reconnect was needed (nor happened)
  assert.equal(writer.connects, 1, describe(writer))
  assert.equal(writer.disconnects, 0, describe(writer))
  fresh.provider.destroy()
  const first = writer.sent.findIndex((r) => r.ack?.ok !== true)
  return { ok, refused: refusals(writer), errors: countOf(writer.errors), made,
    firstRefused: first < 0 ? null : { index: first, code: writer.sent[first].ack?.code },
    fresh: summary(fresh), writer: summary(writer), resyncRequests: writer.resyncRequests }
}

async function writerAndObserver () {
  const writer = open(env.COELAB_WRITER_TOKEN, 'writer')
  const observer = open(env.COELAB_OTHER_TOKEN, 'observer')
  await loaded(writer)
  await loaded(observer)
  await until(() => content(writer).includes('Départ') && content(observer) === content(writer),
    () => 'both clients to show the template')
  return { writer, observer }
}

const append = (client, value) => client.text.insert(client.text.length, value)

test('a flood then slow edits: every edit reaches everyone, no reconnect', {
  skip: only('flood'), timeout: 180000
}, async () => {
  const { writer, observer } = await writerAndObserver()
  const made = []
  // 600 edits in one tick: separate transactions, so 600 updates sent at once
  for (let i = 0; i < 600; i++) {
    made.push(`[w${i}]`)
    append(writer, `[w${i}]`)
  }
  for (let i = 600; i < 610; i++) {
    await sleep(100)
    made.push(`[w${i}]`)
    append(writer, `[w${i}]`)
  }
  report(await assertEveryoneSeesTheWriter(writer, observer, made))
  writer.provider.destroy()
  observer.provider.destroy()
})

test('a refused paste then small edits: everything reaches everyone, no reconnect', {
  skip: only('paste'), timeout: 180000
}, async () => {
  const { writer, observer } = await writerAndObserver()
  const line = 'Collé depuis un autre document, ligne de texte ordinaire.\n'
  const paste = line.repeat(Math.ceil(2.5e6 / line.length)) // ≈ 2.5 MB: over the 2 MiB limit
  const made = ['[p0]']
  append(writer, '[p0]' + paste)
  for (let i = 0; i < 30; i++) {
    await sleep(50)
    made.push(`[w${i}]`)
    append(writer, `[w${i}]`)
  }
  const result = await assertEveryoneSeesTheWriter(writer, observer, made)
  // the paste itself was refused as one update (it reached everyone through a resync)
  assert.equal(writer.sent[0].markers[0], '[p0]')
  assert.equal(writer.sent[0].ack?.code, 'update-too-large', describe(writer))
  report(result)
  writer.provider.destroy()
  observer.provider.destroy()
})

test('the writer leaves right after a refused burst, compaction, a fresh client loads', {
  skip: only('leave'), timeout: 180000
}, async () => {
  const { writer, observer: other } = await writerAndObserver()
  for (let i = 0; i < 600; i++) append(writer, `[w${i}]`)
  for (let i = 600; i < 610; i++) {
    await sleep(100)
    append(writer, `[w${i}]`)
  }
  await until(() => answered(writer), () => `the writer's updates to be answered; ` +
    describe(writer))
  const refused = refusals(writer)
  const writerOk = okMarkers(writer)
  const first = writer.sent.findIndex((r) => r.ack?.ok !== true)
  const firstRefused = first < 0 ? null : { index: first, code: writer.sent[first].ack?.code }
  writer.provider.destroy() // the tab is closed: whatever was not taken is the writer's loss
  // the other writer keeps editing, past COELAB_YJS_COMPACT_EVERY (several compactions)
  for (let i = 0; i < 70; i++) {
    append(other, `[o${i}]`)
    await sleep(20)
  }
  await until(() => answered(other), () => `the other writer's updates to be answered; ` +
    describe(other))
  await sleep(1000) // let a compaction started by the last updates finish
  const fresh = open(env.COELAB_OTHER_TOKEN, 'fresh client')
  await loaded(fresh)
  await until(() => content(fresh) === content(other), () =>
    `a fresh client to show the other writer's text; ${describe(other)}; ${describe(fresh)}`)
  const ok = okMarkers(writer, other)
  assert.deepEqual(missingFrom(ok, markersIn(content(fresh))), [],
    'edits acknowledged ok are missing from a fresh client after compaction')
  assert.equal(other.connects, 1, describe(other))
  report({
    ok, writerOk, refused, firstRefused, otherRefused: refusals(other),
    otherErrors: countOf(other.errors), fresh: summary(fresh), other: summary(other)
  })
  fresh.provider.destroy()
  other.provider.destroy()
})

test('a 5 MiB update is refused as too large, and the provider does not reconnect', {
  skip: only('oversized'), timeout: 180000
}, async () => {
  const { writer, observer } = await writerAndObserver()
  // a raw frame of 5 MiB sent on the provider's own socket
  let rawAck = null
  writer.provider.socket.emit('sync-update', randomBytes(5 * 1024 * 1024),
    (ack) => { rawAck = ack ?? { ok: null } })
  await until(() => writer.errors.includes('update-too-large'),
    () => `yjs-error update-too-large; ${describe(writer)}`, 30000)
  await sleep(5000) // a reconnect loop would show within this time
  assert.equal(writer.connects, 1, `reconnected: ${describe(writer)}`)
  assert.equal(writer.disconnects, 0, `disconnected: ${describe(writer)}`)
  if (rawAck !== null) assert.notEqual(rawAck.ok, true, JSON.stringify(rawAck))
  // the connection still works, and an edit of 5 MiB reaches everyone through a resync
  // (the limit is for one update, not for a resync answer)
  append(writer, '[w0]')
  append(writer, '[w1]' + 'Un texte long. '.repeat(Math.ceil(5 * 1024 * 1024 / 15)))
  append(writer, '[w2]')
  const result = await assertEveryoneSeesTheWriter(writer, observer, ['[w0]', '[w1]', '[w2]'])
  assert.equal(writer.sent.find((r) => r.markers.includes('[w1]'))?.ack?.code,
    'update-too-large', describe(writer))
  report({ ...result, rawAck })
  writer.provider.destroy()
  observer.provider.destroy()
})

test('only the canonical namespace of a document is accepted', {
  skip: only('namespaces'), timeout: 60000
}, async () => {
  function attempt (namespace) {
    const manager = new Manager(url, { transports: ['websocket'], reconnection: false })
    const socket = manager.socket(namespace, { auth: { token: env.COELAB_WRITER_TOKEN } })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer on ${namespace}`)), 20000)
      const done = (outcome) => {
        clearTimeout(timer)
        socket.disconnect()
        manager.engine?.close()
        resolve(outcome)
      }
      socket.on('connect', () => done({ connected: true }))
      socket.on('connect_error', (error) => done({ connected: false, data: error.data }))
      socket.connect()
    })
  }
  const n = Number(documentId)
  const canonical = await attempt(`/yjs|${n}`)
  assert.deepEqual(canonical, { connected: true })
  const others = {}
  const refused = {}
  for (const namespace of [`/yjs|0${n}`, `/yjs|00${n}`, `/yjs|${toArabicIndic(n)}`,
    `/yjs|${toFullwidth(n)}`]) {
    others[namespace] = await attempt(namespace)
    refused[namespace] = { connected: false, data: { code: 'unknown-document' } }
  }
  assert.deepEqual(others, refused)
  report({ canonical, others })
})

const toArabicIndic = (n) => String(n).replace(/\d/g, (d) => '٠١٢٣٤٥٦٧٨٩'[d])
const toFullwidth = (n) => String(n).replace(/\d/g, (d) => '０１２３４５６７８９'[d])

test('a fresh client loads the document (the probe run after a server restart)', {
  skip: only('probe'), timeout: 60000
}, async () => {
  const probe = open(env.COELAB_OTHER_TOKEN, 'probe')
  await loaded(probe)
  report({ fresh: summary(probe) })
  probe.provider.destroy()
})
