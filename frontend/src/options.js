// What the page tells the editor (#editor-app and its data-* attributes, rendered by
// the server), read once into plain values.
import { longHex, safeColour } from './colours.js'

const DIGITS = /^\d+$/

/** The editor's settings from the page's data-* attributes (a DOMStringMap or object). */
export function editorOptions (data, origin) {
  const colour = longHex(safeColour(data.userColor, '#1f5fa8'))
  return {
    documentId: data.documentId,
    serverUrl: data.serverUrl || origin,
    nonce: data.cspNonce || '',
    canWrite: data.canWrite === 'true',
    previewUrl: data.previewUrl || '',
    maxUpdateBytes: DIGITS.test(data.maxUpdateBytes || '') ? Number(data.maxUpdateBytes) : 0,
    // the same bound, written for people (the server's "16 Ko")
    maxUpdateSize: data.maxUpdateSize || '',
    user: {
      name: data.userName || '',
      color: colour,
      colorLight: colour + '33',
      id: DIGITS.test(data.userId || '') ? Number(data.userId) : (data.userId || null)
    }
  }
}
