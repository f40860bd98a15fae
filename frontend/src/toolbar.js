// The formatting toolbar (#editor-toolbar): its buttons run the Markdown commands of
// commands.js on the editor, and it follows the ARIA toolbar pattern (one Tab stop,
// the arrow keys, Home and End between the buttons).
import { actions } from './commands.js'

const SHORTCUTS = { heading: 'Alt+H', bold: 'B', italic: 'I', link: 'K', undo: 'Z', redo: 'Y' }

/** The aria-keyshortcuts of a button's action ("Control+B", "Meta+B" on a Mac), or null. */
export function shortcutFor (action, mac) {
  const key = Object.prototype.hasOwnProperty.call(SHORTCUTS, action) ? SHORTCUTS[action] : null
  if (!key) return null
  // redo is Shift+Cmd+Z on a Mac (y-codemirror.next's keymap)
  if (mac && action === 'redo') return 'Meta+Shift+Z'
  return (mac ? 'Meta+' : 'Control+') + key
}

/** The index of the button a key moves to from index, among count; null for other keys. */
export function rovingTarget (key, index, count) {
  const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: count - 1 }[key]
  return next === undefined ? null : (next + count) % count
}

const onMac = () => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || '')

function wireButton (button, view, writable, mac, commands) {
  const shortcut = shortcutFor(button.dataset.action, mac)
  if (shortcut) button.setAttribute('aria-keyshortcuts', shortcut)
  // keep the editor's focus and selection while clicking
  button.addEventListener('mousedown', event => event.preventDefault())
  button.addEventListener('click', () => {
    const command = commands[button.dataset.action]
    if (command && writable()) command(view)
    view.focus()
  })
}

// the ARIA toolbar pattern: one Tab stop (the last button used), the arrow keys, Home
// and End move between the buttons, so that Tab goes on to the text at once
function wireRovingFocus (toolbar, buttons) {
  const rove = to => { for (const b of buttons) b.tabIndex = b === to ? 0 : -1 }
  rove(buttons[0])
  toolbar.addEventListener('focusin', event => { if (buttons.includes(event.target)) rove(event.target) })
  toolbar.addEventListener('keydown', event => {
    const enabled = buttons.filter(b => !b.disabled)
    const index = enabled.indexOf(document.activeElement)
    if (index < 0) return
    const next = rovingTarget(event.key, index, enabled.length)
    if (next === null) return
    event.preventDefault()
    enabled[next].focus()
  })
}

/**
 * Wire the toolbar (may be null) to the view; more: other data-action commands (undo and
 * redo, which are this person's Yjs undo manager's). Returns { setEnabled(enabled) }.
 */
export function setupToolbar (toolbar, view, writable, more = {}) {
  const buttons = toolbar ? [...toolbar.querySelectorAll('button[data-action]')] : []
  const mac = onMac()
  const commands = { ...actions, ...more }
  for (const button of buttons) wireButton(button, view, writable, mac, commands)
  if (toolbar) wireRovingFocus(toolbar, buttons)
  const setEnabled = enabled => { for (const button of buttons) button.disabled = !enabled }
  setEnabled(writable())
  return { setEnabled }
}
