// Inline comments: the list of threads (#comment-threads) beside the text, each with
// its quote, status, messages, reply form and resolve button. A thread's <li> is kept
// from one refresh to the next, so that a reply being written survives them.
import { el } from './dom.js'
import { t } from './i18n.js'
import { threadStatus } from './comments-model.js'

function messageItem (comment, when) {
  return el('li', { class: 'comment-message' + (comment.mine ? ' comment-mine' : '') },
    el('p', { class: 'comment-meta' }, el('strong', { text: comment.author }), ' ',
      el('time', { datetime: comment.created_at, text: when.format(new Date(comment.created_at)) })),
    el('p', { class: 'comment-body', text: comment.body }))
}

export class ThreadList {
  /**
   * list: the <ol>; empty: what says there is none; when: the date formatter;
   * actions: goto(id), reply(id, body, sent) (sent() once the server has it),
   * toggle(id).
   */
  constructor (list, empty, when, actions) {
    Object.assign(this, { list, empty, when, actions })
    this.items = new Map() // thread id -> its <li>
  }

  get (id) {
    return this.items.get(id)
  }

  item (thread) {
    let li = this.items.get(thread.id)
    if (li) return li
    li = el('li', { class: 'comment-thread', 'data-thread-id': String(thread.id), tabindex: '-1' })
    const goto = el('button', { type: 'button', class: 'comment-goto link-button', text: t('comments.goto') })
    const replyId = `comment-reply-${thread.id}`
    const reply = el('form', { class: 'comment-reply', novalidate: true },
      el('label', { for: replyId, text: t('comments.replyLabel') }),
      el('textarea', { id: replyId, rows: '2', maxlength: '5000' }),
      el('button', { type: 'submit', text: t('comments.reply') }))
    const toggle = el('button', { type: 'button', class: 'comment-toggle' })
    li.append(el('blockquote', { class: 'comment-quote' }), el('p', { class: 'comment-status' }), goto,
      el('ol', { class: 'comment-messages' }), reply, toggle)
    goto.addEventListener('click', () => this.actions.goto(thread.id))
    reply.addEventListener('submit', event => {
      event.preventDefault()
      const area = reply.querySelector('textarea')
      this.actions.reply(thread.id, area.value, () => { area.value = '' })
    })
    toggle.addEventListener('click', () => this.actions.toggle(thread.id))
    this.items.set(thread.id, li)
    return li
  }

  /** Bring a thread's <li> up to date; at: its place in the text (or null). */
  fill (li, thread, at, { active, synced }) {
    const gone = synced && !at
    li.dataset.resolved = String(thread.resolved)
    li.dataset.deleted = String(gone)
    li.classList.toggle('comment-active', thread.id === active)
    const [quote, status, goto, messages, reply, toggle] = li.children
    if (quote.textContent !== thread.quote) quote.textContent = thread.quote
    status.textContent = threadStatus(thread, gone, t)
    status.hidden = !status.textContent
    goto.hidden = !at
    const ids = thread.comments.map(c => `${c.id}`).join(',')
    if (messages.dataset.ids !== ids) {
      messages.dataset.ids = ids
      messages.replaceChildren(...thread.comments.map(c => messageItem(c, this.when)))
    }
    reply.hidden = !thread.can_reply || thread.resolved
    toggle.hidden = !thread.can_resolve
    toggle.textContent = thread.resolved ? t('comments.reopen') : t('comments.resolve')
  }

  /** Show the threads, in this order; places: id -> [start, end] or null. */
  render (ordered, places, state) {
    const wanted = ordered.map(thread => this.item(thread))
    ordered.forEach((thread, i) => this.fill(wanted[i], thread, places.get(thread.id), state))
    for (const [id, li] of this.items) {
      if (!ordered.some(thread => thread.id === id)) {
        li.remove()
        this.items.delete(id)
      }
    }
    const children = this.list.children
    const same = wanted.length === children.length && wanted.every((li, i) => children[i] === li)
    if (!same) this.list.append(...wanted) // moves only when the order changed
    this.empty.hidden = ordered.length > 0
  }
}
