"""XSS in real Chromium: the whole payload corpus (tests/xss_payloads.py) in a document's
text, seen in the editor's live preview, a saved version and the diff; in comments
(written through the panel); in the person's own name. No payload may run: no dialog,
no script error, no Content-Security-Policy report of a blocked inline script, and the
global flag the payloads set stays absent.

Uses Julie Perrin's mini-diagnostic of the demo data (no other browser test touches it)
and puts her name and her text back afterwards.
"""

from __future__ import annotations

import re

from cohort.demo import email

from ..xss_payloads import PAYLOADS
from .test_editor import CONNECTED
from .test_first_visit import log_in

WHO = "julie.perrin"
TITLE = "MECS L'Escale face à la traçabilité de l'activité"
END = "fin-du-corpus"
NAME_PAYLOADS = ("<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>")
# console messages that mean a payload reached the page as script (blocked or not)
SCRIPT_MESSAGE = re.compile(r"Content Security Policy|Refused to execute|Uncaught|"
                            r"is not defined|__xss", re.I)

NO_FLAG = "() => window.__xss === undefined && window.pwned === undefined"

# what may appear inside rendered Markdown (the renderer's allow-list, and nothing of it
# carrying script)
PREVIEW_IS_SAFE = """selector => {
  const root = document.querySelector(selector)
  const bad = []
  for (const el of root.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase()
    if (['script', 'iframe', 'object', 'embed', 'base', 'meta', 'form', 'style', 'link',
         'svg', 'math', 'img', 'input', 'button', 'textarea', 'template', 'video', 'audio',
         'frame', 'frameset', 'applet', 'portal', 'noscript'].includes(tag)) bad.push(tag)
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on') || attr.name === 'style' || attr.name === 'srcdoc')
        bad.push(tag + '@' + attr.name)
    }
    if (tag === 'a' && el.hasAttribute('href') &&
        !['http:', 'https:', 'mailto:'].includes(new URL(el.href, location.href).protocol))
      bad.push('a@href=' + el.getAttribute('href'))
  }
  return bad
}"""

# every event a payload's handler could wait for, on every element of the preview (links
# are not followed)
PROVOKE = """selector => {
  const root = document.querySelector(selector)
  root.addEventListener('click', e => e.preventDefault(), true)
  for (const el of root.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'click', 'toggle',
                        'animationstart', 'load', 'error'])
      el.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }))
  }
  return root.querySelectorAll('*').length
}"""


def corpus_text() -> str:
    return "\n\n".join(PAYLOADS) + f"\n\n**{END}**\n"


def replace_text(page, text: str) -> None:
    page.evaluate("""text => {
      const { view } = window.coelabEditor
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
    }""", text)


def wait_for_text(page, selector: str, text: str) -> None:
    """(The marker ends the corpus but may land in a raw HTML block an unclosed payload
    opened, so it is looked for as text.)"""
    page.wait_for_function(
        "([sel, text]) => (document.querySelector(sel)?.textContent || '').includes(text)",
        arg=[selector, text], timeout=20000)


def check_no_script(person, where: str) -> None:
    page = person.page
    page.wait_for_timeout(300)
    assert page.evaluate(NO_FLAG), f"{where}: a payload ran"
    assert person.dialogs == [], f"{where}: dialog {person.dialogs}"
    assert [m for m in person.console if SCRIPT_MESSAGE.search(m)] == [], where
    assert person.errors == [], where
    # inline scripts: none, but the translations' JSON data block, which is never run
    assert page.evaluate("() => [...document.scripts].filter(s => !s.src && !(s.id === "
                         "'coelab-i18n' && s.type === 'application/json')).length") == 0, where


def save_version(page, base_url: str, document_id: str, label: str) -> None:
    page.goto(f"{base_url}/documents/{document_id}/versions")
    page.locator("input[name=label]").fill(label)
    page.locator("form", has=page.locator("input[name=label]")).locator(
        "button[type=submit]").click()
    page.wait_for_load_state()


def comment_on(page, passage: str, body: str) -> None:
    page.evaluate(
        """passage => {
          const { view } = window.coelabEditor
          const from = view.state.doc.toString().indexOf(passage)
          view.focus()
          view.dispatch({ selection: { anchor: from, head: from + passage.length } })
        }""", passage)
    page.get_by_role("button", name="Commenter la sélection").click()
    page.locator("#comment-body").fill(body)
    page.locator("#comment-form").get_by_role("button", name="Publier").click()


def chunks(items: list[str], size: int) -> list[str]:
    """The payloads in comment bodies of at most ``size`` characters."""
    out, current = [], ""
    for item in items:
        if current and len(current) + len(item) + 1 > size:
            out.append(current)
            current = ""
        current = f"{current}\n{item}" if current else item
    return out + ([current] if current else [])


def test_no_payload_runs_anywhere_in_the_browser(people):
    julie = people()
    julie.console = []
    page = julie.page
    page.on("console", lambda m: m.type in ("error", "warning") and julie.console.append(m.text))
    base = julie.base_url
    log_in(page, base, email(WHO))

    # her own name holds payloads
    page.goto(base + "/profile")
    page.get_by_label("Prénom").fill(NAME_PAYLOADS[0])
    page.get_by_label("Nom", exact=True).fill(NAME_PAYLOADS[1])
    page.get_by_role("button", name="Enregistrer").first.click()
    page.wait_for_load_state()
    check_no_script(julie, "profile")
    original_text = None
    try:
        page.goto(base + "/dashboard")
        check_no_script(julie, "dashboard")
        assert NAME_PAYLOADS[0] in page.locator("body").inner_text()
        page.get_by_role("link", name=TITLE).first.click()
        page.wait_for_selector(CONNECTED, timeout=15000)
        page.wait_for_function("() => window.coelabEditor.ytext.toString().length > 0",
                               timeout=15000)
        original_text = page.evaluate("() => window.coelabEditor.ytext.toString()")
        document_id = page.locator("#editor-app").get_attribute("data-document-id")
        deliverable_url = page.url
        # the presence list shows her name as text
        page.locator("#presence").get_by_text(NAME_PAYLOADS[0], exact=False).wait_for(
            timeout=10000)
        check_no_script(julie, "editor")
        save_version(page, base, document_id, NAME_PAYLOADS[1])

        # the whole corpus in the text, rendered by the live preview
        page.goto(deliverable_url)
        page.wait_for_selector(CONNECTED, timeout=15000)
        replace_text(page, corpus_text())
        wait_for_text(page, "#preview", END)
        assert page.evaluate(PREVIEW_IS_SAFE, "#preview") == []
        assert page.evaluate(PROVOKE, "#preview") > 20
        check_no_script(julie, "preview")
        # the payloads are text in the editor itself (CodeMirror shows them as typed)
        assert page.evaluate("() => window.coelabEditor.ytext.toString()") == corpus_text()

        # comments holding the payloads, written and shown through the panel
        bodies = chunks(PAYLOADS, 4500)
        for n, body in enumerate(bodies):
            comment_on(page, PAYLOADS[n], body)
            page.locator(".comment-thread .comment-body").nth(n).wait_for(timeout=10000)
        check_no_script(julie, "comments")
        shown = page.locator(".comment-thread .comment-body").all_inner_texts()
        normalise = lambda s: " ".join(s.split())  # noqa: E731
        assert {normalise(b) for b in bodies} <= {normalise(s) for s in shown}
        assert page.evaluate(PROVOKE, "#comments") > 0
        check_no_script(julie, "comment threads")
        page.reload()
        page.wait_for_selector(CONNECTED, timeout=15000)
        page.locator(".comment-thread .comment-body").nth(len(bodies) - 1).wait_for(
            timeout=10000)
        check_no_script(julie, "deliverable page with comments")

        # a saved version of the corpus, its page and the diff with the version before
        save_version(page, base, document_id, PAYLOADS[0])
        numbers = [int(n) for n in re.findall(
            rf"/documents/{document_id}/versions/(\d+)", page.content())]
        last = max(numbers)
        page.goto(f"{base}/documents/{document_id}/versions/{last}")
        wait_for_text(page, "#version-text", END)
        assert page.evaluate(PREVIEW_IS_SAFE, "#version-text") == []
        assert page.evaluate(PROVOKE, "#version-text") > 0
        check_no_script(julie, "version page")
        page.goto(f"{base}/documents/{document_id}/diff?from={last - 1}&to={last}")
        wait_for_text(page, ".diff", END)
        assert page.evaluate(PREVIEW_IS_SAFE, ".diff") == []
        assert page.evaluate(PROVOKE, ".diff") > 20
        check_no_script(julie, "diff page")
        page.goto(f"{base}/documents/{document_id}/versions")
        check_no_script(julie, "versions page")
        page.goto(base + "/notifications")
        check_no_script(julie, "notifications")
    finally:
        # put the demo data back as it was
        if original_text is not None:
            page.goto(deliverable_url)
            page.wait_for_selector(CONNECTED, timeout=15000)
            replace_text(page, original_text)
            page.wait_for_timeout(1000)
        page.goto(base + "/profile")
        page.get_by_label("Prénom").fill("Julie")
        page.get_by_label("Nom", exact=True).fill("Perrin")
        page.get_by_role("button", name="Enregistrer").first.click()
        page.wait_for_load_state()
