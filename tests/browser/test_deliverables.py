"""A parcours III trainee's deliverables in real Chromium: the checklist, writing alone,
soutenance slides, a PDF export."""

from __future__ import annotations

from cohort.demo import email

from .test_editor import CONNECTED, text_of
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
