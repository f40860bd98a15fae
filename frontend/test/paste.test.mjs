import { test } from 'node:test'
import assert from 'node:assert/strict'
import { asBlocks, htmlToMarkdown, isFormatted, pastedText, quietHtml } from '../src/paste.js'

test('a word processor\'s HTML becomes Markdown: headings, emphasis, lists, links, quotes', () => {
  const html = `<html><head><style>p { color: red }</style><title>Doc</title></head><body>
    <h1>Diagnostic</h1><p>Un <b>point</b> et <i>un autre</i>, <a href="https://example.org/a">un lien</a>.</p>
    <ul><li>premier</li><li>second</li></ul><ol><li>un</li><li>deux</li></ol>
    <blockquote><p>une citation</p></blockquote><script>alert(1)</script></body></html>`
  const markdown = htmlToMarkdown(html)
  assert.equal(markdown, [
    '# Diagnostic', '',
    'Un **point** et *un autre*, [un lien](https://example.org/a).', '',
    '- premier', '- second', '',
    '1. un', '2. deux', '',
    '> une citation'
  ].join('\n'))
})

test('scripts, styles and other tags never land in the text', () => {
  const markdown = htmlToMarkdown('<p><b>gras</b><script>alert(1)</script><style>x{}</style>' +
    '<iframe src="https://evil.example"></iframe><span onclick="x()">texte</span>' +
    '<a href="javascript:alert(1)">piège</a><img src="x" onerror="alert(1)" alt="schéma"></p>')
  assert.equal(markdown, '**gras**textepiègeschéma')
  assert.doesNotMatch(markdown, /<|alert|javascript/)
})

test('Google Docs: a bold wrapper that is not bold, styled spans that are', () => {
  const html = '<b style="font-weight:normal;" id="docs-internal-guid-1"><p>' +
    '<span style="font-weight:700">Fort</span> et <span style="font-style:italic">penché</span></p></b>'
  assert.equal(htmlToMarkdown(html), '**Fort** et *penché*')
})

test('HTML without formatting is pasted as its plain text', () => {
  assert.equal(isFormatted('<meta charset="utf-8"><span>2026. Une phrase</span>'), false)
  assert.equal(pastedText('<span>2026. Une phrase</span>'), null)
  assert.equal(isFormatted('<p>un <strong>mot</strong></p>'), true)
  assert.equal(pastedText('<p>un <strong>mot</strong></p>'), 'un **mot**')
})

test('the HTML is quietened before it is parsed: no style, script or event handler attribute', () => {
  const quiet = quietHtml('<p style="color:red" onclick="x()">a style=b</p><style>p{}</style><SCRIPT>y()</SCRIPT>' +
    '<img src=x ONERROR=alert(1)>')
  assert.equal(quiet, '<p data-paste-style="color:red" data-paste-onclick="x()">a style=b</p><img src=x data-paste-ONERROR=alert(1)>')
})

test('pasted blocks inside a line get a blank line before and after; words do not', async () => {
  const { EditorSelection, EditorState } = await import('@codemirror/state')
  const at = (doc, pos) => EditorState.create({ doc, selection: EditorSelection.cursor(pos) })
  assert.equal(asBlocks(at('Un texte', 3), '## Titre'), '\n\n## Titre\n\n')
  assert.equal(asBlocks(at('Un texte', 8), '- a\n- b'), '\n\n- a\n- b')
  assert.equal(asBlocks(at('', 0), '## Titre'), '## Titre')
  assert.equal(asBlocks(at('Un texte', 3), '**gras**'), '**gras**')
})
