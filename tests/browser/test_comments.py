"""Inline comments in real Chromium: a trainer comments a passage of a team's case study,
an author sees it arrive live and replies, and the highlight follows the passage while
the text is edited before it."""

from __future__ import annotations

from cohort.demo import email

from .test_editor import CALANQUES, CONNECTED
from .test_first_visit import log_in

WORKSPACE = "Module transversal — Martigues 2026-2027"
PASSAGE = "le terrain professionnel partenaire"


def open_case_study(person, who: str) -> None:
    page = person.page
    log_in(page, person.base_url, email(who))
    page.get_by_role("link", name=WORKSPACE, exact=True).first.click()
    page.get_by_role("link", name=CALANQUES).first.click()
    page.wait_for_selector(CONNECTED, timeout=15000)
    page.wait_for_function("() => window.coelabEditor.ytext.toString().length > 0",
                           timeout=15000)


def select_passage(page, passage: str) -> None:
    """Select the passage in the editor, as with the mouse (a real selection)."""
    page.evaluate(
        """passage => {
          const { view } = window.coelabEditor
          const from = view.state.doc.toString().indexOf(passage)
          view.focus()
          view.dispatch({ selection: { anchor: from, head: from + passage.length } })
        }""", passage)


# the words highlighted as commented in the editor are exactly the passage
HIGHLIGHT_IS = ("p => [...document.querySelectorAll('.cm-comment-range')]"
                ".map(e => e.textContent).join('') === p")


def test_trainer_comments_author_replies_and_the_anchor_follows_edits(people):
    claire, amandine = people(), people()
    open_case_study(claire, "formatrice")
    open_case_study(amandine, "stagiaire")
    a, c = amandine.page, claire.page
    assert amandine.page.url == claire.page.url

    # the trainer (read-only text) selects a passage and comments it
    select_passage(c, PASSAGE)
    c.get_by_role("button", name="Commenter la sélection").click()
    assert c.locator("#comment-quote").inner_text() == PASSAGE
    c.get_by_label("Votre commentaire").fill("Précisez le secteur et la taille.")
    c.get_by_role("button", name="Publier").click()
    thread = c.locator(".comment-thread", has_text="Précisez le secteur")
    thread.wait_for(timeout=10000)
    c.wait_for_function(HIGHLIGHT_IS, arg=PASSAGE, timeout=10000)
    # a marker in the margin beside the passage's line leads to its discussion
    c.locator(".cm-comment-gutter .cm-comment-marker").first.wait_for(timeout=10000)
    c.locator(".cm-comment-gutter .cm-comment-marker").first.click()
    c.locator("#comment-threads li.comment-active").wait_for(timeout=10000)

    # the author sees it appear without reloading, highlighted in the text; replies
    mine = a.locator(".comment-thread", has_text="Précisez le secteur")
    mine.wait_for(timeout=10000)
    a.wait_for_function(HIGHLIGHT_IS, arg=PASSAGE, timeout=10000)
    assert "Claire Vidal" in mine.inner_text()
    mine.get_by_label("Votre réponse").fill("C'est noté, nous complétons.")
    mine.get_by_role("button", name="Répondre").click()
    thread.get_by_text("C'est noté, nous complétons.").wait_for(timeout=10000)
    assert "Amandine Roux" in thread.inner_text()

    # the author writes before the passage: the highlight still covers the same words
    a.evaluate(
        """passage => {
          const { view } = window.coelabEditor
          const at = view.state.doc.toString().indexOf(passage)
          view.focus()
          view.dispatch({ selection: { anchor: at - 'Présentez '.length } })
        }""", PASSAGE)
    a.keyboard.type("Avant tout, ")
    for page in (a, c):
        page.wait_for_function(
            "() => window.coelabEditor.ytext.toString().includes('Avant tout, Présentez le')",
            timeout=10000)
        page.wait_for_function(HIGHLIGHT_IS, arg=PASSAGE, timeout=10000)
    # keyboard: the list's button takes the text to the passage
    thread.get_by_role("button", name="Aller au passage").click()
    selected = c.evaluate(
        "() => { const s = window.coelabEditor.view.state; const r = s.selection.main;"
        " return s.sliceDoc(r.from, r.to) }")
    assert selected == PASSAGE

    # the author deletes the passage: the thread stays, with its quote, marked as such
    a.evaluate(
        """passage => {
          const { view } = window.coelabEditor
          const at = view.state.doc.toString().indexOf(passage)
          view.dispatch({ changes: { from: at, to: at + passage.length } })
        }""", PASSAGE)
    for page in (a, c):
        gone = page.locator(".comment-thread", has_text="Précisez le secteur")
        gone.get_by_text("Passage supprimé").wait_for(timeout=10000)
        assert PASSAGE in gone.inner_text()  # the quote is kept

    # resolved: no more highlight, the thread stays in the list, marked
    thread.get_by_role("button", name="Marquer comme résolu").click()
    mine.get_by_text("Résolu par Claire Vidal").wait_for(timeout=10000)
    a.wait_for_function("() => !document.querySelector('.cm-comment-range')", timeout=10000)
    assert not claire.errors and not amandine.errors
