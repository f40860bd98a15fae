// The editor's two switches, each remembered on this browser (localStorage):
//   #editor-source-toggle  the Markdown source instead of the writing mode (aria-pressed)
//   #editor-side-toggle    the side panel (comments, who is here, preview) open or closed
//                          (aria-expanded); anything in it that asks to be seen (a
//                          comment's form, a discussion picked in the text) opens it.

const SOURCE_KEY = 'coelab.editor.source'
const PANEL_KEY = 'coelab.editor.panelClosed'

/** The stored value of a switch (false when storage is unavailable). */
export function remembered (key, storage = globalThis.localStorage) {
  try {
    return storage ? storage.getItem(key) === 'true' : false
  } catch {
    return false
  }
}

function remember (key, value, storage = globalThis.localStorage) {
  try {
    if (storage) storage.setItem(key, String(value))
  } catch {
    // private browsing: the switch works for this page
  }
}

/** Whether the source mode was chosen last on this browser. */
export const sourceChosen = () => remembered(SOURCE_KEY)

/** The source switch: onChange(source) reconfigures the editor. */
export function setupSourceToggle (button, app, onChange) {
  if (!button) return
  const apply = source => {
    button.setAttribute('aria-pressed', String(source))
    app.classList.toggle('editor-source', source)
  }
  apply(sourceChosen())
  button.hidden = false
  button.addEventListener('click', () => {
    const source = button.getAttribute('aria-pressed') !== 'true'
    apply(source)
    remember(SOURCE_KEY, source)
    onChange(source)
  })
}

/** The side panel's switch. */
export function setupSidePanel (button, panel, app) {
  if (!button || !panel) return
  const apply = open => {
    button.setAttribute('aria-expanded', String(open))
    panel.hidden = !open
    app.classList.toggle('editor-side-closed', !open)
  }
  // a link to the comments (#commentaires, #comments) opens the panel whatever was kept
  const asked = /^#(commentaires|comments)$/.test(globalThis.location ? globalThis.location.hash : '')
  apply(asked || !remembered(PANEL_KEY))
  button.hidden = false
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true'
    apply(open)
    remember(PANEL_KEY, !open)
    if (open) panel.focus({ preventScroll: true })
  })
  app.addEventListener('coelab:reveal', event => {
    if (panel.contains(event.target) && panel.hidden) apply(true)
  })
}
