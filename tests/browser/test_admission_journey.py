"""An admission from end to end, in Chromium, on the demo as `make run` serves it: a
candidate applies from the public page and confirms their address (the link is read
from the mail the local server prints), writes and hands in their dossier; the
coordination finds it complete, schedules the interview and the interviewer writes it
up; the commission's chair puts it before the open sitting, decides every application
before it and closes the list; the coordination enrols the admitted candidate; who then
finds their cohort on their dashboard and their passeport opened with the interview's
personalisation."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ..conftest import BACKENDS
from .conftest import own_demo, people_of

PASSWORD = "coelab-demo-2026"  # noqa: S105 - the demo's, printed on start-up
CANDIDATE = "lea.candidate@example.org"
LINK = re.compile(r"https?://[^/\s]+(/invitation/\S+)")


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory, chromium_path):
    """The demo server and the folder whose server.log holds the mail it prints."""
    yield from own_demo(request, tmp_path_factory, "admission")


@pytest.fixture
def people(browser, served):
    yield from people_of(browser, served[0])


def mailed_link(instance: Path, address: str) -> str:
    """The path of the confirmation link the server printed in its mail to ``address``
    (the link names the configured BASE_URL, not this test server's port)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        log = (instance / "server.log").read_text(errors="replace")
        for mail in log.split("----- e-mail (not sent: local mode) -----"):
            if f"To: {address}" in mail:
                found = LINK.search(mail)
                if found:
                    return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no link mailed to {address}")


def choose(page, select: str, text: str) -> None:
    """Choose the option of ``select`` whose label contains ``text``."""
    option = page.locator(f"{select} option", has_text=text).first
    page.select_option(select, option.get_attribute("value"))


def log_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")


def test_from_the_public_page_to_an_open_passeport(served, people):
    url, instance, _env = served
    candidate, coordination, interviewer = people(), people(), people()

    # --- the candidate: the public page, the account, the dossier
    page = candidate.page
    page.goto(url + "/login")
    page.click("text=Candidater à la formation")
    assert page.is_visible("h2:has-text('Qui peut candidater ?')")
    assert page.is_visible("text=Recrutement 2026-2027")
    page.click("text=Déposer une candidature")
    page.fill("input[name=first_name]", "Léa")
    page.fill("input[name=last_name]", "Candidate")
    page.fill("input[name=email]", CANDIDATE)
    page.click("button:has-text('Recevoir le lien par e-mail')")
    page.wait_for_url("**/apply/sent")
    page.goto(url + mailed_link(instance, CANDIDATE))
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("button[type=submit]")
    # the confirmed address leads on to the dossier
    page.wait_for_url("**/dossier")
    page.fill("textarea[name=situation]", "Cheffe de service dans un foyer d'accueil.")
    page.fill("input[name=employer]", "Foyer Les Amandiers (fictif)")
    page.fill("textarea[name=career]", "Éducatrice spécialisée dix ans, cheffe de service "
                                       "depuis six ans.")
    page.fill("textarea[name=education]", "Diplôme d'État d'éducatrice spécialisée.")
    page.fill("input[name=highest_diploma]", "DEES")
    page.fill("textarea[name=motivation]", "Je souhaite apprendre à piloter une "
              "organisation sociale avec d'autres cadres du territoire. " * 5)
    page.check("input[name=parcours][value=I]")
    choose(page, "select[name=site]", "Martigues")
    page.check("input[name=funding][value=employed]")
    page.check("input[name=in_sector][value=yes]")
    page.fill("input[name=management_years]", "6")
    page.fill("input[name=management_extra_months]", "0")
    page.select_option("select[name=diploma_level]", "6")
    page.check("input[name=job_seeker][value=no]")
    page.check("input[name=mobility][value=no]")
    page.fill("input[name=volunteering_years]", "0")
    page.fill("input[name=volunteering_extra_months]", "0")
    page.click("button[name=action][value=save]")
    page.wait_for_load_state()
    assert page.is_visible("text=depuis au moins cinq ans")  # the profile met
    page.set_input_files("input[name=att-file]", files=[{
        "name": "cv.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
                  b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
                  b"trailer <</Root 1 0 R>>\n%%EOF\n"}])
    page.click("button:has-text('Joindre le fichier')")
    page.wait_for_load_state()
    assert page.is_visible("text=cv.pdf")
    page.click("button[name=action][value=submit]")
    page.click("button:has-text('Je confirme : déposer ma candidature')")
    page.wait_for_load_state()
    assert page.is_visible("text=Votre candidature est déposée")

    # --- the coordination: complete, then the interview
    page = coordination.page
    log_in(page, url, "coordination@demo.coelab.invalid")
    page.goto(url + "/admissions/pipeline?state=submitted")
    page.click("text=Léa Candidate")
    page.click("button:has-text('Dossier complet')")
    page.wait_for_load_state()
    page.click("text=Programmer l'entretien")
    choose(page, "select[name=interviewer]", "Claire Vidal")
    page.fill("input[name=day]", (datetime.now(UTC) + timedelta(days=3)).date().isoformat())
    page.fill("input[name=at]", "10:00")
    page.fill("input[name=place]", "Martigues, bureau 2")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert page.is_visible("text=Entretien programmé")
    application_url = page.url.split("?")[0]

    # --- the interviewer writes the interview up
    page = interviewer.page
    log_in(page, url, "formatrice@demo.coelab.invalid")
    page.click("text=Entretien d'admission avec Léa Candidate")
    page.click("text=Compte rendu d'entretien")
    page.fill("textarea[name=prerequisites]", "Expérience et diplôme vérifiés ensemble.")
    page.fill("textarea[name=objectives]", "Préparer une direction adjointe.")
    page.fill("textarea[name=personalisation]", "Études de cas sur son propre foyer.")
    page.click("button:has-text('Enregistrer le compte rendu')")
    page.wait_for_load_state()
    # six years in management without another profile's diploma being needed: she
    # enters on her experience too (profile 1), so the VAE proposal is required
    if page.is_visible("text=VAE"):
        page.check("input[name=vae_proposal][value=CAFERUIS]")
    page.check("input[name=opinion][value=favourable]")
    page.click("button:has-text('Enregistrer le compte rendu')")
    page.wait_for_url(application_url)
    assert page.is_visible("text=Compte rendu enregistré")

    # --- the commission: the chair (the coordination) decides and closes the list
    page = coordination.page
    page.goto(url + "/dashboard")
    page.click("text=candidatures à statuer")  # the open sitting the coordination chairs
    choose(page, "select[name=place-application]", "Léa Candidate")
    page.click("button:has-text('Présenter à la commission')")
    page.wait_for_load_state()
    pending = "article.application[data-state=before_commission]"
    while page.locator(pending).count():
        article = page.locator(pending).first
        if "Dérogation demandée" in article.inner_text():
            article.locator("input[value=admitted_derogation]").check()
            article.locator("textarea").fill("Projet professionnel solide.")
        else:
            article.locator("input[value=admitted]").check()
        article.locator("button:has-text('Enregistrer la décision')").click()
        page.wait_for_load_state()
    page.check("input[name=close-confirm]")
    page.click("button:has-text('Arrêter la liste')")
    # an irreversible step: confirmed in the dialog of static/confirm.js
    page.locator("dialog.confirm-dialog[open]").get_by_role("button", name="Confirmer").click()
    page.wait_for_load_state()
    mine = page.locator("article.application", has_text="Léa Candidate")
    mine.locator("button:has-text('Inscrire en formation')").click()
    page.wait_for_load_state()
    assert page.locator("article.application", has_text="Léa Candidate").locator(
        "[data-enrolled]").is_visible()

    # --- the person is a trainee now, with an open passeport
    page = candidate.page
    page.goto(url + "/dashboard")
    assert page.is_visible("text=Module transversal — Martigues 2026-2027")
    assert page.locator("header nav a", has_text="Mon passeport").count() == 1
    page.goto(url + "/passeport")
    assert page.is_visible("text=Ouverture du passeport")
    assert page.is_visible("text=Études de cas sur son propre foyer.")
