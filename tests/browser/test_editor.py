"""Co-writing in real Chromium: two people, presence, offline merge, safe preview."""

from __future__ import annotations

import re

from cohort.demo import email

from .test_first_visit import log_in

CONNECTED = "#connection-status[data-state='connected']"
# the demo's collective case studies, started from their kind's template
CALANQUES = "Conduire le changement dans une association en fusion — Équipe Calanques"
SAINTE_VICTOIRE = "Conduire le changement dans une association en fusion — Équipe Sainte-Victoire"


def open_document(person, who: str, title: str) -> None:
    page = person.page
    log_in(page, person.base_url, email(who))
    page.goto(person.base_url + "/dashboard")
    page.locator(".cards a").first.click()
    page.get_by_role("link", name=title).first.click()
    page.wait_for_selector(CONNECTED, timeout=15000)


def text_of(page) -> str:
    return page.evaluate("() => window.coelabEditor.ytext.toString()")


def type_into(page, value: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(value)


def converged(a, b, *parts: str) -> None:
    for page in (a, b):
        for part in parts:
            page.wait_for_function("part => window.coelabEditor.ytext.toString().includes(part)",
                                   arg=part, timeout=15000)
    a.wait_for_function("other => window.coelabEditor.ytext.toString() === other",
                        arg=text_of(b), timeout=15000)


def test_two_people_type_at_once_and_see_each_other(people):
    amandine, louis = people(), people()
    title = CALANQUES
    open_document(amandine, "stagiaire", title)
    open_document(louis, "louis.ferrand", title)
    a, b = amandine.page, louis.page
    # the case study's page, its text started from the kind's template
    assert a.get_by_role("heading", name=CALANQUES, exact=True).is_visible()
    assert "## Situation-problème" in text_of(a) and text_of(a) == text_of(b)
    # each sees the other in the presence list, by name
    a.locator("#presence").get_by_text("Louis Ferrand").wait_for(timeout=10000)
    b.locator("#presence").get_by_text("Amandine Roux").wait_for(timeout=10000)
    a.locator(".cm-content").click()
    b.locator(".cm-content").click()
    a.keyboard.press("Control+End")
    b.keyboard.press("Control+Home")
    for x, y in zip("Alpha-Amandine", "Beta-Louis....", strict=True):
        a.keyboard.type(x)
        b.keyboard.type(y)
    converged(a, b, "Alpha-Amandine", "Beta-Louis")
    # Louis's cursor is drawn in Amandine's editor
    a.locator(".cm-ySelectionCaret, .cm-remote-caret, [class*='Caret']").first.wait_for(
        timeout=10000)
    # and the server's preview shows the shared text
    a.locator("#preview").get_by_text("Alpha-Amandine", exact=False).wait_for(timeout=10000)


def test_offline_edits_merge_when_the_connection_returns(people):
    sophie, yann = people(), people()
    title = SAINTE_VICTOIRE
    open_document(sophie, "sophie.lambert", title)
    open_document(yann, "yann.morel", title)
    s, y = sophie.page, yann.page
    yann.context.set_offline(True)
    y.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    assert "Hors ligne" in y.locator("#connection-status").inner_text()
    type_into(y, " Écrit par Yann hors ligne.")
    type_into(s, " Écrit par Sophie en ligne.")
    s.wait_for_timeout(1000)
    assert "Écrit par Yann hors ligne." not in text_of(s)
    yann.context.set_offline(False)
    y.wait_for_selector(CONNECTED, timeout=20000)
    converged(s, y, "Écrit par Yann hors ligne.", "Écrit par Sophie en ligne.")


def test_edits_of_a_tab_closed_offline_are_kept(people):
    ines, sophie = people(), people()
    title = SAINTE_VICTOIRE
    open_document(ines, "ines.bouvier", title)
    open_document(sophie, "sophie.lambert", title)
    ines.context.set_offline(True)
    ines.page.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    type_into(ines.page, " Gardé sur l'appareil d'Inès.")
    ines.page.wait_for_timeout(500)  # y-indexeddb stores the update
    url = ines.page.url
    ines.page.close()
    ines.context.set_offline(False)
    ines.page = ines.new_page()
    ines.page.goto(url)
    ines.page.wait_for_selector(CONNECTED, timeout=20000)
    sophie.page.wait_for_function(
        "part => window.coelabEditor.ytext.toString().includes(part)",
        arg="Gardé sur l'appareil d'Inès.", timeout=20000)


def test_the_preview_never_runs_script_written_in_the_text(people):
    karim = people()
    open_document(karim, "karim.haddad", "Partager l'information sans perdre la "
                  "confidentialité — Équipe Étang de Berre")
    page = karim.page
    payload = ('\n\n<script>window.pwned = 1; alert(1)</script>\n\n'
               '<img src="x" onerror="window.pwned = 2; alert(2)">\n\n'
               '[lien](javascript:alert(3)) **fin-du-test**')
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(payload)
    page.locator("#preview strong", has_text="fin-du-test").wait_for(timeout=10000)
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.pwned") is None
    html = page.locator("#preview").inner_html()
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    page.locator("#preview a", has_text="lien").click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.pwned") is None  # dialogs are caught by the fixture


def test_a_trainer_reads_live_but_cannot_write(people):
    trainer, writer = people(), people()
    title = CALANQUES
    open_document(trainer, "formatrice", title)
    open_document(writer, "paul.garnier", title)
    t = trainer.page
    assert "lecture seule" in t.locator("#connection-status").inner_text()
    assert t.locator("#editor-toolbar button").first.is_disabled()
    before = text_of(t)
    t.locator(".cm-content").click()
    t.keyboard.type("tentative du formateur")
    assert text_of(t) == before
    type_into(writer.page, " Relu par Claire ?")
    t.wait_for_function("() => window.coelabEditor.ytext.toString().includes('Relu par Claire')",
                        timeout=10000)
    assert re.search("tentative du formateur", text_of(writer.page)) is None
