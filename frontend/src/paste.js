// Paste from a word processor or a web page: its HTML becomes Markdown (headings, bold,
// italic, lists, links, quotes, paragraphs) before it goes into the text; scripts,
// styles and every other tag are dropped, never written into the text. A plain-text
// paste, or HTML that carries no formatting, goes in as the plain text, as before.
// The insertion is an ordinary paste ('input.paste'): the size guard applies.
import TurndownService from 'turndown'
import { EditorView } from '@codemirror/view'

// what never lands in the text, not even as its words
const DROPPED = ['script', 'style', 'title', 'meta', 'link', 'head', 'noscript', 'template',
  'iframe', 'object', 'embed', 'svg', 'math', 'canvas', 'audio', 'video', 'button', 'select',
  'input', 'textarea', 'form']
// HTML worth converting: without one of these, the plain text says the same
const FORMATTING = /<(h[1-6]|b|strong|i|em|u|s|del|strike|ul|ol|li|a\s[^>]*href|blockquote|pre|table)\b|font-weight:\s*(bold|[6-9]00)|font-style:\s*italic/i

// parsing the clipboard's HTML runs nothing (the document is inert), but the page's
// Content-Security-Policy still reports each style and event-handler attribute it meets,
// and each <style>: those are renamed, or dropped, before it is parsed
const STYLE = 'data-paste-style'
const TAG = /<[a-zA-Z][^>]*>/g
const ATTRIBUTE = /(\s)(style|on[a-z]+)(\s*=)/gi
const STYLE_OR_SCRIPT = /<(style|script)\b[^>]*>[\s\S]*?<\/\1\s*>/gi

/** The HTML, its style attributes renamed, its event handlers neutralised. */
export function quietHtml (html) {
  return html.replace(STYLE_OR_SCRIPT, '').replace(TAG, tag => tag.replace(ATTRIBUTE,
    (whole, space, name, equals) => `${space}${name.toLowerCase() === 'style' ? STYLE : 'data-paste-' + name}${equals}`))
}

const styleOf = node => (node.getAttribute && node.getAttribute(STYLE)) || ''
const boldStyle = style => /font-weight:\s*(bold|[6-9]00)/i.test(style)
const italicStyle = style => /font-style:\s*italic/i.test(style)

function converter () {
  const service = new TurndownService({
    headingStyle: 'atx',
    bulletListMarker: '-',
    codeBlockStyle: 'fenced',
    emDelimiter: '*',
    strongDelimiter: '**',
    hr: '---',
    // a line break is a newline: the server reads one as a line break (render.py)
    br: ''
  })
  service.remove(DROPPED)
  // "- point" and "1. point" (turndown writes "-   point"), what the inside of an item
  // holds indented by the marker's width, as CommonMark reads it
  service.addRule('listItem', {
    filter: 'li',
    replacement (content, node, options) {
      const parent = node.parentNode
      let prefix = options.bulletListMarker + ' '
      if (parent && parent.nodeName === 'OL') {
        const start = Number(parent.getAttribute('start')) || 1
        prefix = `${start + Array.prototype.indexOf.call(parent.children, node)}. `
      }
      const body = content.replace(/^\n+/, '').replace(/\n+$/, '\n').replace(/\n/gm, '\n' + ' '.repeat(prefix.length))
      return prefix + body + (node.nextSibling && !/\n$/.test(body) ? '\n' : '')
    }
  })
  // Google Docs wraps everything in <b style="font-weight:normal">: not bold
  service.addRule('notBold', {
    filter: node => (node.nodeName === 'B' || node.nodeName === 'STRONG') && /font-weight:\s*(normal|[1-4]00)/i.test(styleOf(node)),
    replacement: content => content
  })
  // word processors say bold and italic with styles on spans
  service.addRule('styledSpan', {
    filter: node => node.nodeName === 'SPAN' && (boldStyle(styleOf(node)) || italicStyle(styleOf(node))),
    replacement: (content, node) => {
      const text = content.trim()
      if (!text) return content
      const style = styleOf(node)
      let out = text
      if (italicStyle(style)) out = `*${out}*`
      if (boldStyle(style)) out = `**${out}**`
      // keep the spaces around, outside the markers (CommonMark needs them there)
      const lead = content.match(/^\s*/)[0]
      const trail = content.match(/\s*$/)[0]
      return lead + out + trail
    }
  })
  // a link to nowhere or to a script is its text
  service.addRule('unsafeLink', {
    filter: node => node.nodeName === 'A' && !/^(https?:|mailto:|\/|#)/i.test((node.getAttribute('href') || '').trim()),
    replacement: content => content
  })
  // images are not pasted (the text holds no files): their description, if any
  service.addRule('image', {
    filter: 'img',
    replacement: (content, node) => node.getAttribute('alt') || ''
  })
  return service
}

let service = null

/** The Markdown of a piece of HTML (a string, or a DOM node in the browser). */
export function htmlToMarkdown (html) {
  service = service || converter()
  return service.turndown(typeof html === 'string' ? quietHtml(html) : html).replace(/\n{3,}/g, '\n\n').trim()
}

/** Whether the HTML of a clipboard says more than its plain text. */
export const isFormatted = html => FORMATTING.test(html)

/** What a paste of HTML writes: its Markdown when it is formatted, else null (the
 * plain text goes in, as CodeMirror pastes it). */
export function pastedText (html) {
  if (html && isFormatted(html)) {
    const markdown = htmlToMarkdown(html)
    if (markdown) return markdown
  }
  return null
}

const BLOCK = /^(#{1,6}\s|>|[-*+]\s|\d+[.)]\s|```)/

/** Markdown of headings, lists or paragraphs pasted inside a line starts (and ends) a
 * block of its own: a blank line between it and the text around. */
export function asBlocks (state, markdown) {
  if (!markdown.includes('\n') && !BLOCK.test(markdown)) return markdown
  const { from, to } = state.selection.main
  const before = state.doc.lineAt(from)
  const after = state.doc.lineAt(to)
  const lead = from > before.from && before.text.slice(0, from - before.from).trim() ? '\n\n' : ''
  const trail = to < after.to && after.text.slice(to - after.from).trim() ? '\n\n' : ''
  return lead + markdown + trail
}

/** The editor's paste handler: formatted HTML goes in as Markdown. */
export const htmlPaste = EditorView.domEventHandlers({
  paste (event, view) {
    const data = event.clipboardData
    if (!data || view.state.readOnly) return false
    const html = data.getData('text/html')
    if (!html) return false
    const markdown = pastedText(html)
    if (markdown === null) return false
    event.preventDefault()
    view.dispatch(view.state.replaceSelection(asBlocks(view.state, markdown)), { userEvent: 'input.paste', scrollIntoView: true })
    return true
  }
})
