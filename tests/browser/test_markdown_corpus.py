"""One set of Markdown rules: for each tricky text of a corpus, what the editor's writing
mode shows as a heading, a list item, a quote, bold, italic, a link, a table, a code
block or a line break (read from the classes it puts on the text, in Chromium) is what
the server renders (coelab.documents.render.render_markdown, which the preview, the
pages and the PDF export use). Then a paste of HTML, as a word processor puts it on the
clipboard, goes into the text as Markdown."""

from __future__ import annotations

import pytest
from coelab.documents.render import render_markdown

from .test_comments import open_case_study

pytestmark = pytest.mark.one_backend  # what is drawn does not depend on the database

CORPUS = {
    "list right after a paragraph": "Une phrase.\n- premier point\n- second point",
    "numbered list right after a paragraph": "Une phrase.\n1. premier\n2. second",
    "nested by 2 spaces": "- parent\n  - enfant\n  - enfant bis\n- parent bis",
    "nested by 4 spaces": "- parent\n    - enfant\n- parent bis",
    "numbered nested in bullets": "- parent\n   1. un\n   2. deux",
    "1) lists": "1) premier\n2) second",
    "a list starting at 3": "3. trois\n4. quatre",
    "a number and a dot in a sentence": "Nous étions en\n2026. Puis le projet a commencé.",
    "a number and a dot after a blank line": "Avant.\n\n2026. Une année.",
    "#hashtag without space": "#hashtag et #autre\n# Vrai titre",
    "ATX headings": "# Un\n## Deux\n### Trois ###\n#### Quatre",
    "setext headings": "Grand titre\n===========\n\nPetit titre\n-----------\nTexte.",
    "a dash line under text": "Texte\n---",
    "quote with lazy continuation": "> une citation\nqui continue\n\nAprès.",
    "quote after a paragraph": "Il a dit :\n> bonjour\n> à tous",
    "nested quote": "> dehors\n>> dedans",
    "underscores inside words": "snake_case_word et _vrai italique_ et __gras__ et mot_à_mot",
    "stars": "**gras** et *italique* et ***les deux*** et 2 * 3 * 4",
    "bold across a link": "**[lien gras](https://example.org)** fin",
    "a link with parentheses":
        "[Wikipédia](https://fr.wikipedia.org/wiki/Marseille_(homonymie)) ici",
    "a link with a title": '[site](https://example.org "le titre") et [mail](mailto:a@example.org)',
    "a bare address": "Voir https://example.org/page pour plus.",
    "a table": "| Axe | Note |\n|:----|-----:|\n| **Un** | 12 |\n| Deux | 9 |",
    "a code fence": "Avant\n```\n# pas un titre\n- pas une liste\n```\nAprès",
    "inline code": "La commande `**pas gras**` et `# pas titre`.",
    "hard breaks": "ligne un\nligne deux  \nligne trois\\\nligne quatre",
    "paragraphs": "Premier.\n\n\nSecond.",
    "HTML tags typed as text":
        "Il écrit <div> et <b>gras</b> et a < b > c <script>alert(1)</script> fin",
    "escaped markers": "\\# pas un titre\n\\- pas une liste\n\\*pas italique\\*",
    "strikethrough": "~~barré~~ et ~pas~",
    "a list item with bold": "- **important** : lire\n- [un lien](https://example.org)",
    "an empty list item and a rule": "-\n- plein\n\n***\n\nfin",
}

# what the writing mode shows, read from the decorated lines and marks of the editor
EDITOR = """() => {
  const norm = s => s.replace(/\\s+/g, ' ').trim()
  const textOf = el => {
    const copy = el.cloneNode(true)
    copy.querySelectorAll('.cm-wm-bullet, .cm-wm-list-number, .cm-widgetBuffer')
      .forEach(n => n.remove())
    return norm(copy.textContent)
  }
  const outer = (sel) => [...document.querySelectorAll('#editor .cm-content ' + sel)]
    .filter(e => !e.parentElement.closest(sel))
  const lines = [...document.querySelectorAll('#editor .cm-line')]
  const has = (l, c) => l.classList.contains(c)
  const quoteDepth = l => Math.max(0, ...[...l.classList]
    .filter(c => /^cm-wm-quote-\\d$/.test(c)).map(c => Number(c.slice(12))))
  const listDepth = l => Number([...l.classList].find(c => c.startsWith('cm-wm-depth-')).slice(12))
  // a line break: a line of text under another in the same block
  const noBreakBefore = l => ['cm-wm-heading', 'cm-wm-codeblock', 'cm-wm-table', 'cm-wm-hr',
    'cm-wm-setext-mark', 'cm-wm-html'].some(c => has(l, c))
  let breaks = 0
  lines.forEach((l, i) => {
    const prev = lines[i - 1]
    if (!prev || !l.textContent.trim() || !prev.textContent.trim()) return
    if (noBreakBefore(l) || noBreakBefore(prev) || has(l, 'cm-wm-li')) return
    if (quoteDepth(l) > quoteDepth(prev)) return  // a quote (or a deeper one) starts
    breaks++
  })
  const links = []
  for (const e of document.querySelectorAll('#editor .cm-wm-link')) {
    const last = links[links.length - 1]
    if (last && last.el.nextSibling === e && last.href === e.dataset.href) {
      last.text += e.textContent
      last.el = e
      continue
    }
    links.push({ el: e, href: e.dataset.href, text: e.textContent })
  }
  return {
    headings: lines.filter(l => has(l, 'cm-wm-heading'))
      .map(l => [Number([...l.classList].find(c => /^cm-wm-h\\d$/.test(c)).slice(7)), textOf(l)]),
    items: lines.filter(l => has(l, 'cm-wm-li'))
      .map(l => [has(l, 'cm-wm-ol') ? 'ol' : 'ul', listDepth(l), textOf(l)]),
    quote: norm(lines.filter(l => has(l, 'cm-wm-quote')).map(textOf).join(' ')),
    bold: norm(outer('.cm-wm-strong').map(e => e.textContent).join('')).replace(/ /g, ''),
    italic: norm(outer('.cm-wm-em').map(e => e.textContent).join('')).replace(/ /g, ''),
    links: links.map(l => [l.href, norm(l.text)]),
    table: lines.some(l => has(l, 'cm-wm-table')),
    code: lines.some(l => has(l, 'cm-wm-codeblock')),
    breaks
  }
}"""

# the same, read from the server's HTML
SERVER = """html => {
  const norm = s => s.replace(/\\s+/g, ' ').trim()
  const root = document.createElement('div')
  root.innerHTML = html  // sanitised by the server, and never attached to the page
  const outer = sel => [...root.querySelectorAll(sel)].filter(e => !e.parentElement.closest(sel))
  const itemText = li => {
    const copy = li.cloneNode(true)
    copy.querySelectorAll('ul, ol').forEach(n => n.remove())
    return norm(copy.textContent)
  }
  const depth = li => {
    let d = 0
    for (let e = li; e && e !== root; e = e.parentElement) if (/^(UL|OL)$/.test(e.tagName)) d++
    return d
  }
  return {
    headings: [...root.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .map(h => [Number(h.tagName[1]), norm(h.textContent)]),
    items: [...root.querySelectorAll('li')]
      .map(li => [li.parentElement.tagName.toLowerCase(), depth(li), itemText(li)]),
    quote: norm(outer('blockquote').map(q => q.textContent).join(' ')),
    bold: norm(outer('strong, b').map(e => e.textContent).join('')).replace(/ /g, ''),
    italic: norm(outer('em, i').map(e => e.textContent).join('')).replace(/ /g, ''),
    links: [...root.querySelectorAll('a')].map(a => [a.getAttribute('href'), norm(a.textContent)]),
    table: !!root.querySelector('table'),
    code: !!root.querySelector('pre'),
    breaks: [...root.querySelectorAll('br')].filter(b => !b.closest('pre')).length
  }
}"""

SET_TEXT = """text => {
  const { view } = window.coelabEditor
  view.contentDOM.blur()  // the markers show only around a focused cursor
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
  // the decorations follow the Markdown parse, which a busy machine may finish later
  return new Promise(resolve => {
    const wait = () => window.coelabEditor.parsed()
      ? requestAnimationFrame(resolve)
      : setTimeout(wait, 20)
    wait()
  })
}"""


def blur(page) -> None:
    """Take the focus from the text, and wait for the editor to see it (the markers hide)."""
    page.evaluate("() => window.coelabEditor.view.contentDOM.blur()")
    page.wait_for_function("() => !document.querySelector('#editor .cm-editor.cm-focused')")


@pytest.fixture
def editor_page(people):
    """Amandine in the writing mode of her team's case study, offline: the texts of the
    corpus stay in this browser (the other tests share the server's documents)."""
    amandine = people()
    open_case_study(amandine, "stagiaire")
    page = amandine.page
    amandine.context.set_offline(True)
    page.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    assert page.locator("#editor .cm-writing-mode").count() == 1
    return page


def test_the_writing_mode_and_the_server_read_every_tricky_text_alike(editor_page):
    page = editor_page
    differences = {}
    for name, text in CORPUS.items():
        page.evaluate(SET_TEXT, text)
        assert page.evaluate("() => window.coelabEditor.view.state.doc.toString()") == text
        shown = page.evaluate(EDITOR)
        rendered = page.evaluate(SERVER, render_markdown(text))
        if shown != rendered:
            differences[name] = (text, shown, rendered)
    assert not differences, "\n".join(
        f"{name}: {text!r}\n  editor: {shown}\n  server: {rendered}"
        for name, (text, shown, rendered) in differences.items())


def test_the_corpus_exercises_every_feature(editor_page):
    """The comparison above is not vacuous: the corpus has each kind of block and mark,
    and the editor shows them (a regression to plain text would fail it)."""
    page = editor_page
    seen = {"headings": 0, "items": 0, "quote": 0, "bold": 0, "italic": 0, "links": 0,
            "table": 0, "code": 0, "breaks": 0}
    for text in CORPUS.values():
        page.evaluate(SET_TEXT, text)
        shown = page.evaluate(EDITOR)
        for key in seen:
            seen[key] += bool(shown[key])
    assert all(count >= 1 for count in seen.values()), seen
    # and the markers are hidden: a heading shows without its "## "
    page.evaluate(SET_TEXT, "## Titre de section\n- point")
    assert page.locator("#editor .cm-wm-h2").inner_text() == "Titre de section"
    assert page.locator("#editor .cm-wm-li .cm-wm-bullet").count() == 1


PASTE_HTML = """html => {
  const { view } = window.coelabEditor
  view.focus()
  view.dispatch({ selection: { anchor: view.state.doc.length } })
  const data = new DataTransfer()
  data.setData('text/html', html)
  data.setData('text/plain', 'le texte brut')
  view.contentDOM.dispatchEvent(new ClipboardEvent('paste',
    { clipboardData: data, bubbles: true, cancelable: true }))
}"""


def test_html_pasted_from_a_word_processor_becomes_markdown(editor_page):
    page = editor_page
    page.evaluate(SET_TEXT, "Début.\n\n")
    html = ('<meta charset="utf-8"><style>p{color:red}</style><h2>Constat</h2>'
            '<p>Un <strong>point fort</strong> et <em>une nuance</em>, '
            '<a href="https://example.org/rapport">le rapport</a>.</p>'
            '<ul><li>premier</li><li>second</li></ul>'
            '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 1">')
    page.evaluate(PASTE_HTML, html)
    page.wait_for_function(
        "() => window.coelabEditor.ytext.toString().includes('- second')", timeout=10000)
    text = page.evaluate("() => window.coelabEditor.ytext.toString()")
    assert text == ("Début.\n\n## Constat\n\nUn **point fort** et *une nuance*, "
                    "[le rapport](https://example.org/rapport).\n\n- premier\n- second")
    assert page.evaluate("() => window.pwned") is None
    # the writing mode shows it formatted, as the server renders it
    blur(page)
    assert page.locator("#editor .cm-wm-h2").inner_text() == "Constat"
    assert page.evaluate(EDITOR) == page.evaluate(SERVER, render_markdown(text))
    # a plain-text paste goes in unchanged
    page.evaluate("""() => {
      const data = new DataTransfer()
      data.setData('text/plain', '\\n**pas** <b>converti</b>')
      window.coelabEditor.view.focus()
      window.coelabEditor.view.contentDOM.dispatchEvent(new ClipboardEvent('paste',
        { clipboardData: data, bubbles: true, cancelable: true }))
    }""")
    page.wait_for_function(
        "() => window.coelabEditor.ytext.toString().endsWith('\\n**pas** <b>converti</b>')",
        timeout=10000)
