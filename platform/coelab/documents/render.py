"""Markdown to HTML on the server, always sanitised against an explicit allow-list.

The preview trainees see while writing is this rendering, so what they see is what
trainers and jurors will read. The rules are the editor's: CommonMark with GitHub's
tables and strikethrough (markdown-it-py here, Lezer's Markdown parser with its GFM
extension in frontend/src/writing-mode.js), and a single newline is a line break, as
the editor's writing mode shows it; HTML typed in the text stays text on both sides.
tests/browser/test_markdown_corpus.py checks that
both read a corpus of tricky texts alike.
"""

from __future__ import annotations

import re

import bleach
from markdown_it import MarkdownIt

TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "mark", "sub", "sup", "blockquote", "code", "pre", "ul", "ol", "li", "dl",
    "dt", "dd", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr",
})
ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
PROTOCOLS = frozenset({"http", "https", "mailto"})

# CommonMark with GFM tables and ~~strikethrough~~, a newline a <br>. HTML typed in the
# text is text ("a <b> tag" reads as written), as the editor's writing mode shows it:
# nothing of it becomes markup. bleach below still holds the output to the allow-list.
_PARSER = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
    ["table", "strikethrough"])
# markdown-it aligns table cells with a style attribute, which bleach drops: an align
# attribute instead (the allow-list keeps it)
_CELL_ALIGN = re.compile(r'<(t[hd]) style="text-align:(left|right|center)">')


def _link_attributes(attrs, new=False):
    """External links open safely (no opener access, no referrer), however the URL is
    spelt: any case, protocol-relative (``//host``), or with backslashes, which browsers
    read as slashes (``\\host``)."""
    href = attrs.get((None, "href"), "").strip().replace("\\", "/").lower()
    if href.startswith(("http:", "https:", "//")):
        attrs[(None, "rel")] = "noopener noreferrer nofollow"
    return attrs


def render_markdown(text: str) -> str:
    """Sanitised HTML of a Markdown text: no script, no event handler, no unsafe URL."""
    html = _CELL_ALIGN.sub(r'<\1 align="\2">', _PARSER.render(text))
    clean = bleach.clean(html, tags=TAGS, attributes=ATTRIBUTES, protocols=PROTOCOLS,
                         strip=True, strip_comments=True)
    return bleach.linkify(clean, callbacks=[_link_attributes], skip_tags={"pre", "code"},
                          parse_email=False)
