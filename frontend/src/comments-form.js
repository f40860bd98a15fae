// Inline comments: a new thread on the selected passage (the "Comment the selection"
// button, Ctrl+Alt+M in the editor, and the #comment-form it opens).
import { byId, revealPanel } from './dom.js'
import { t } from './i18n.js'
import { threadDraft } from './comments-model.js'

/** The selection in the live editor's view: { from, to, quote }, or null. */
function liveSelection (view) {
  const { from, to } = view.state.selection.main
  if (from === to) return null
  return { from, to, quote: view.state.sliceDoc(from, to) }
}

/** The page's selection within a version's text (article): { from, to, quote }, or null. */
function versionSelection (article) {
  const selection = window.getSelection()
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null
  const range = selection.getRangeAt(0)
  if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return null
  const offsetOf = (node, offset) => {
    const r = document.createRange()
    r.setStart(article, 0)
    r.setEnd(node, offset)
    return r.toString().length
  }
  const from = offsetOf(range.startContainer, range.startOffset)
  const to = offsetOf(range.endContainer, range.endOffset)
  const quote = article.textContent.slice(from, to)
  return quote.trim() ? { from, to, quote } : null
}

export class NewThreadForm {
  /**
   * live: { view, ytext } in the editor, or null with article (a version's text) and
   * version (its number); create(draft) -> Promise of the server's answer;
   * created(id) once it has the thread; showError(text).
   */
  constructor ({ live, article, version, create, created, showError }) {
    Object.assign(this, { live, article, version, create, created, showError })
    this.button = byId('comment-new')
    this.form = byId('comment-form')
    this.quote = byId('comment-quote')
    this.body = byId('comment-body')
    this.draft = null // the passage of the thread being written
  }

  selection () {
    return this.live ? liveSelection(this.live.view) : versionSelection(this.article)
  }

  updateButton () {
    this.button.disabled = !this.selection()
  }

  /** Open the form on the selection (a command: always handled). */
  open () {
    const selected = this.selection()
    if (!selected) {
      this.showError(t('comments.selectFirst'))
      return true
    }
    this.draft = threadDraft(selected, this.live ? { ytext: this.live.ytext } : { version: this.version })
    this.quote.textContent = selected.quote
    // the comments' panel may be closed (layout.js): it opens first
    revealPanel(this.form)
    this.form.hidden = false
    this.showError('')
    this.body.focus()
    return true
  }

  // closing the form (published, cancelled, Escape) takes the focus back where the
  // reader was, instead of leaving it on a hidden button
  close () {
    this.form.hidden = true
    this.draft = null
    if (this.live) this.live.view.focus()
    else if (!this.button.disabled) this.button.focus()
  }

  async submit () {
    if (!this.draft) return
    try {
      const panel = byId('comment-panel')
      const visibility = panel && panel.checked ? 'panel' : 'authors'
      const json = await this.create({ ...this.draft, body: this.body.value, visibility })
      this.body.value = ''
      this.close()
      this.showError('')
      await this.created(json.thread.id)
    } catch (e) {
      this.showError(e.message)
    }
  }

  wire () {
    this.button.addEventListener('mousedown', event => event.preventDefault())
    this.button.addEventListener('click', () => this.open())
    byId('comment-cancel').addEventListener('click', () => this.close())
    this.form.addEventListener('keydown', event => {
      if (event.key === 'Escape' && !this.form.hidden) {
        event.preventDefault()
        this.close()
      }
    })
    this.form.addEventListener('submit', event => {
      event.preventDefault()
      this.submit()
    })
  }
}
