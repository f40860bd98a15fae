// Inline comments, the parts without a page: where a thread's passage is, the order
// of the threads, what their status line says.
//
// On the live text a thread's anchor is two Yjs relative positions (base64), which
// follow the passage as anyone edits; on a frozen version, character offsets in the
// version's text. The quote is kept and shown when the passage is gone.
import * as Y from 'yjs'

const toBase64 = bytes => {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}
const fromBase64 = text => Uint8Array.from(atob(text), c => c.charCodeAt(0))

/** A position in the live text that follows its characters: base64 of a Yjs relative position. */
export function encodeAnchor (ytext, index, assoc = 0) {
  return toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, index, assoc)))
}

/** Its index in the text now, or null when it cannot be resolved (yet). */
export function resolveAnchor (doc, anchor) {
  try {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(anchor)), doc)
    return abs ? abs.index : null
  } catch {
    return null
  }
}

/** [start, end] of a thread in the live text, or null when the passage is gone. */
export function placeInLive (doc, ytext, thread) {
  const start = resolveAnchor(doc, thread.anchor.start)
  const end = resolveAnchor(doc, thread.anchor.end)
  if (start === null || end === null || end <= start) return null
  return [start, Math.min(end, ytext.length)]
}

/** [start, end] of a thread in a version's text: at its offsets, else where its quote is. */
export function placeInText (text, thread) {
  const { start, end } = thread.anchor
  if (text.slice(start, end) === thread.quote) return [start, end]
  const found = text.indexOf(thread.quote)
  return found >= 0 ? [found, found + thread.quote.length] : null
}

/** The threads in the list's order: open first, then by place in the text, then by age. */
export function orderThreads (threads, places) {
  const position = t => (places.get(t.id) ? places.get(t.id)[0] : Infinity)
  return [...threads].sort((a, b) => (a.resolved - b.resolved) || (position(a) - position(b)) || (a.id - b.id))
}

/** What the status line of a thread says ('' for nothing); gone: its passage is. */
export function threadStatus (thread, gone, t) {
  const states = []
  if (thread.visibility === 'panel') states.push(t('comments.panel'))
  if (gone) states.push(t('comments.deleted'))
  if (thread.resolved) {
    states.push(thread.resolved_by ? t('comments.resolvedBy', { name: thread.resolved_by }) : t('comments.resolved'))
  }
  return states.join(' · ')
}

/** What a new thread on a selection ({ from, to, quote }) sends: on the live text
 * (ytext) anchors that follow the passage, else offsets in a version's text. */
export function threadDraft (selected, { ytext = null, version = null } = {}) {
  if (ytext) {
    const start = encodeAnchor(ytext, selected.from, 0)
    const end = encodeAnchor(ytext, selected.to, -1)
    return { anchor: { start, end }, quote: selected.quote }
  }
  return { anchor: { start: selected.from, end: selected.to }, quote: selected.quote, version }
}

/** The formatter of the comments' dates and times, in the page's language. */
export const timeFormatter = (locale, timeZone) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone })
