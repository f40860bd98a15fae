"""A parcours III trainee's deliverables in real Chromium: the checklist, writing alone,
soutenance slides, a PDF export; the page's sections as tabs (static/tabs.js)."""

from __future__ import annotations

from cohort.demo import email

from .test_editor import CALANQUES, CONNECTED, text_of
from .test_first_visit import log_in

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_parcours_iii_trainee_writes_uploads_and_exports(people, tmp_path):
    sophie = people()
    page = sophie.page
    log_in(page, sophie.base_url, email("sophie.lambert"))
    # four deliverables, each with its due date
    items = page.locator("#owed-title + .checklist .obligation")
    assert items.count() == 4
    kinds = [items.nth(i).get_attribute("data-kind") for i in range(4)]
    assert sorted(kinds) == ["collective_case_study", "mini_diagnostic",
                             "recommendation_collection", "thematic_case_study"]
    for i in range(4):
        assert "à remettre le" in items.nth(i).inner_text()

    # her mini-diagnostic: she writes it alone
    page.locator(".obligation[data-kind='mini_diagnostic'] a").click()
    page.wait_for_selector(CONNECTED, timeout=15000)
    assert "## Enjeu retenu" in text_of(page)
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("Notre IME doit tracer sans alourdir.")
    page.locator("#preview").get_by_text("Notre IME doit tracer", exact=False).wait_for(
        timeout=10000)
    assert page.locator("#presence li").count() == 1

    # soutenance slides on the team's thematic case study
    page.goto(sophie.base_url + "/dashboard")
    page.locator(".obligation[data-kind='thematic_case_study'] a").click()
    slides = tmp_path / "Soutenance équipe.pdf"
    slides.write_bytes(PDF)
    # the files are a section of their own, a tab of the page
    page.locator("#tab-fichiers").click()
    page.get_by_label("Fichier", exact=True).set_input_files(str(slides))
    page.get_by_role("button", name="Joindre le fichier").click()
    page.get_by_role("link", name="Soutenance équipe.pdf").wait_for(timeout=10000)
    # a file that is not what it claims is refused with a message
    fake = tmp_path / "diapos.pptx"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.get_by_label("Fichier", exact=True).set_input_files(str(fake))
    page.get_by_role("button", name="Joindre le fichier").click()
    page.get_by_text("Ce type de fichier n'est pas accepté", exact=False).wait_for(timeout=10000)

    # and the PDF export of the current text
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en PDF").click()
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")


def test_trainee_proposes_and_endorses_recommendations(people):
    sophie, yann = people(), people()
    log_in(sophie.page, sophie.base_url, email("sophie.lambert"))
    page = sophie.page
    page.locator(".obligation[data-kind='recommendation_collection'] a").click()
    page.get_by_role("link", name="Proposer, discuter et décider").click()
    page.get_by_label("Intitulé de la recommandation").fill(
        "Tracer l'accompagnement sans alourdir les équipes")
    # the collection's theme (2.4) is the only one offered, chosen already
    assert "2.4" in page.get_by_label("Thématique").input_value()
    page.get_by_role("button", name="Proposer").click()
    page.get_by_role("heading", name="Tracer l'accompagnement sans alourdir les équipes").wait_for(
        timeout=10000)
    entry_url = page.url
    # a teammate endorses it; everyone sees who supports it
    log_in(yann.page, yann.base_url, email("yann.morel"))
    yann.page.goto(entry_url)
    yann.page.get_by_role("button", name="Soutenir").click()
    yann.page.get_by_role("button", name="Retirer mon soutien").wait_for(timeout=10000)
    page.reload()
    page.get_by_text("Yann Morel", exact=False).first.wait_for(timeout=10000)


def _tab_state(page) -> dict:
    """Which tab is selected and which sections show."""
    return page.evaluate("""() => ({
        selected: [...document.querySelectorAll('[role=tab][aria-selected=true]')]
            .map(t => t.id),
        shown: [...document.querySelectorAll('.tab-panel')].filter(p => !p.hidden)
            .map(p => p.id),
        focused: document.activeElement && document.activeElement.id,
    })""")


def test_sections_are_tabs_and_the_editor_stays(people, live_server):
    person = people()
    page = person.page
    log_in(page, person.base_url, email("stagiaire"))
    page.get_by_role("link", name=CALANQUES).first.click()
    page.wait_for_selector(CONNECTED, timeout=15000)
    url = page.url.split("#")[0]
    assert page.get_by_role("tablist").count() == 1
    assert _tab_state(page)["shown"] == ["texte"]
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Onglets-7391")
    page.wait_for_function("() => window.coelabEditor.ytext.toString().includes('Onglets-7391')")
    page.evaluate("() => { window.__editorBefore = window.coelabEditor }")

    # another tab hides the text without removing it: the editor stays connected
    page.get_by_role("tab", name="Historique").click()
    state = _tab_state(page)
    assert state["selected"] == ["tab-historique"] and state["shown"] == ["historique"]
    assert page.url.endswith("#historique")
    assert page.locator("#editor-app").count() == 1
    assert page.locator("#texte").is_hidden()
    assert page.locator("#connection-status").get_attribute("data-state") == "connected"
    page.get_by_role("tab", name="Texte").click()
    assert page.locator(CONNECTED).is_visible()
    assert page.evaluate("() => window.__editorBefore === window.coelabEditor")
    assert "Onglets-7391" in text_of(page)
    assert "Onglets-7391" in page.locator(".cm-content").inner_text()

    # the keyboard: arrows, Home and End move between tabs, the focus with them
    page.get_by_role("tab", name="Texte").focus()
    page.keyboard.press("ArrowRight")
    state = _tab_state(page)
    assert state["selected"] == [state["focused"]] != ["tab-texte"]
    assert state["shown"] == [state["focused"].removeprefix("tab-")]
    page.keyboard.press("End")
    assert _tab_state(page)["selected"] == ["tab-historique"] == [_tab_state(page)["focused"]]
    page.keyboard.press("ArrowRight")  # wraps around
    assert _tab_state(page)["selected"] == ["tab-texte"]
    page.keyboard.press("ArrowLeft")
    assert _tab_state(page)["selected"] == ["tab-historique"]
    page.keyboard.press("Home")
    assert _tab_state(page)["shown"] == ["texte"]

    # an address opens its tab: a section's id, or an old anchor inside a section
    for hash_, section in (("#historique", "historique"), ("#fichiers", "fichiers"),
                           ("#files-title", "fichiers"), ("#history-title", "historique"),
                           ("#due", "historique"), ("#commentaires", "texte")):
        page.goto(url + hash_)
        # connected even when its tab is not the one shown
        page.wait_for_selector(CONNECTED, state="attached", timeout=15000)
        assert _tab_state(page)["shown"] == [section], hash_
    # #commentaires opens the comments beside the text
    assert page.locator("#comments").is_visible()
    # a hash changed on the page (a link, the back button) opens its tab too
    page.evaluate("() => { window.location.hash = 'historique' }")
    page.wait_for_function("() => !document.getElementById('historique').hidden")
    assert page.locator("#texte").is_hidden()


def test_without_script_every_section_shows(browser, live_server):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, email("stagiaire"))
        page.get_by_role("link", name=CALANQUES).first.click()
        page.wait_for_load_state()
        # a local navigation of anchors, and every section one after the other
        assert page.get_by_role("tablist").count() == 0
        nav = page.get_by_role("navigation", name="Sections du livrable")
        assert nav.get_by_role("link", name="Historique").get_attribute("href") == "#historique"
        for section in ("texte", "fichiers", "historique"):
            assert page.locator(f"#{section}").is_visible()
    finally:
        context.close()
