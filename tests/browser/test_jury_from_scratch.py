"""A jury from scratch, in Chromium, on the demo as `make run` serves it, by people who
have never used Coélab: the coordination finds the collection ready for its jury (the
demo's, recommendations/demo.py ``ready_for_a_new_jury``), creates a panel, adds an
enrolled trainer as its president, invites a practising professional (a new account),
hands the work to the panel and schedules the soutenance (the form to move it comes
prefilled); the professional activates their account from the mailed link; both members
declare their impartiality and score the work (the submission asks for a confirmation,
and cancelling sends nothing); the deliberation is refused with its reason until the
soutenance's day; the president opens it, records the decision, both sign the minutes;
the coordination releases the result, and a trainee of the team reads it."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ..conftest import BACKENDS
from .conftest import own_demo, people_of
from .test_admission_journey import PASSWORD, choose, log_in, mailed_link

TITLE = "Recueil de recommandations — Équipe Côte Bleue"
PRO = "ophelie.garnier@demo.coelab.invalid"
PARIS = ZoneInfo("Europe/Paris")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]

# run in the server's app, as its `coelab` commands do
PRELUDE = """
from coelab.app import create_app
from coelab.db import db, transaction, utcnow
from coelab.deliverables.models import Deliverable
from coelab.jury.models import Soutenance
from datetime import timedelta
from sqlalchemy import select
app = create_app()
ctx = app.app_context(); ctx.push()
work = db.session.scalar(select(Deliverable).where(Deliverable.title == {title!r}))
"""


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory, chromium_path):
    """A demo server of its own (the test changes the demo year), with its folder (the
    server's log holds the mail it prints) and its environment."""
    yield from own_demo(request, tmp_path_factory, "jury")


@pytest.fixture
def people(browser, served):
    yield from people_of(browser, served[0])


def run(env: dict, code: str) -> str:
    """Python against the server's database, after PRELUDE; the last line printed."""
    done = subprocess.run([sys.executable, "-c", PRELUDE.format(title=TITLE) + code],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def flashed(page, text: str) -> None:
    page.locator(".flash, [role=status], [role=alert]").filter(has_text=text).first.wait_for(
        timeout=10000)


def confirm(page, answer: str = "Confirmer") -> None:
    """Answer the confirmation dialog static/confirm.js opens."""
    dialog = page.locator("dialog.confirm-dialog[open]")
    dialog.wait_for(timeout=5000)
    dialog.get_by_role("button", name=answer).click()


def work_page(page, url: str, work_id: str, tab: str) -> None:
    """The work's page, on its section ``tab`` ("Évaluations", "Jury") when the page
    shows its sections as tabs."""
    page.goto(f"{url}/deliverables/{work_id}")
    tabs = page.locator(".section-tabs a", has_text=tab)
    if tabs.count():
        tabs.first.click()


def french_day(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def score(page, url: str, work_id: str) -> None:
    """Score the work: a level per criterion, a cancelled submission, then confirmed."""
    work_page(page, url, work_id, "Évaluations")
    page.get_by_role("link", name="Évaluer la remise n° 1").click()
    for group in page.locator("[role=radiogroup]").all():
        group.locator("input[type=radio]").last.check()
    page.get_by_role("button", name="Soumettre l'évaluation").click()
    confirm(page, "Annuler")
    # cancelled: nothing sent, the page and its choices stay
    assert page.locator("dialog.confirm-dialog[open]").count() == 0
    assert "/assessment" in page.url
    assert page.get_by_text("Évaluation soumise.").count() == 0
    page.get_by_role("button", name="Soumettre l'évaluation").click()
    confirm(page)
    flashed(page, "Évaluation soumise.")


def declare(page, url: str, panel: str) -> None:
    page.goto(url + "/juries")
    page.get_by_role("link", name=panel).click()
    page.get_by_label("Je déclare n'avoir aucun lien", exact=False).check()
    page.get_by_role("button", name="Enregistrer ma déclaration").click()
    flashed(page, "Votre déclaration est enregistrée.")


def test_a_newcomer_composes_a_jury_and_releases_its_decision(served, people):
    url, instance, env = served
    work_id = run(env, "print(work.id)")
    coordination, president, pro, trainee = people(), people(), people(), people()
    panel_name = "Jury du recueil Côte Bleue"

    # the coordination: from the work's page to a new panel
    page = coordination.page
    log_in(page, url, "coordination@demo.coelab.invalid")
    page.goto(f"{url}/deliverables/{work_id}")
    page.get_by_role("link", name="Composer ou choisir le jury").click()
    assert TITLE in page.locator("[data-waiting]").inner_text()
    page.get_by_label("Nom du jury").fill(panel_name)
    page.get_by_role("button", name="Créer le jury").click()
    flashed(page, "Jury créé")
    page.get_by_role("heading", name=panel_name, level=1).wait_for()
    panel_url = page.url

    # an enrolled trainer presides; a practising professional is invited
    add = page.get_by_role("form", name="Ajouter un membre inscrit")
    add.get_by_label("Adresse e-mail d'une personne inscrite").fill(
        "formateur@demo.coelab.invalid")
    add.get_by_label("Rôle").select_option(label="Président·e")
    add.get_by_role("button", name="Ajouter").click()
    flashed(page, "Membre ajouté·e au jury.")
    invite = page.get_by_role("form", name="Inviter un·e professionnel·le")
    invite.get_by_label("Adresse e-mail").fill(PRO)
    invite.get_by_label("Prénom").fill("Ophélie")
    invite.get_by_label("Nom", exact=True).fill("Garnier")
    invite.get_by_label("Fonction actuelle").fill("Directrice de pôle")
    invite.get_by_label("Structure où la personne exerce").fill("Association Le Lien (fictive)")
    invite.get_by_role("button", name="Inviter").click()
    flashed(page, "Invitation envoyée")
    members = page.locator("section[aria-labelledby=members-title] tbody")
    assert "Marc Olivieri" in members.inner_text() and "Ophélie Garnier" in members.inner_text()

    # the work goes to the panel; its soutenance tomorrow at 10 h 00
    choose(page, "select[name=assign-deliverable]", TITLE)
    page.get_by_role("button", name="Confier au jury").click()
    flashed(page, "Livrable confié au jury.")
    day = datetime.now(PARIS).date() + timedelta(days=1)
    item = page.locator("li[data-deliverable]", has_text=TITLE)
    item.get_by_label("Date et heure (heure de Paris)").fill(f"{day.isoformat()}T10:00")
    item.get_by_label("Site et salle").fill("Martigues, salle des Salins")
    item.get_by_role("button", name="Programmer la soutenance").click()
    flashed(page, "Soutenance programmée")
    item = page.locator("li[data-deliverable]", has_text=TITLE)
    when = f"{french_day(day)} à 10 h 00"
    assert f"Soutenance le {when}" in item.inner_text()
    # moving it starts from what is set
    item.get_by_text("Déplacer la soutenance").first.click()
    assert item.get_by_label("Date et heure (heure de Paris)").input_value() == (
        f"{day.isoformat()}T10:00")
    assert item.get_by_label("Site et salle").input_value() == "Martigues, salle des Salins"
    assert item.get_by_label("Durée (minutes)").input_value() == "45"

    # the professional activates their account from the invitation, then declares
    pro_page = pro.page
    pro_page.goto(url + mailed_link(instance, PRO))
    pro_page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    pro_page.get_by_label("Confirmez", exact=False).fill(PASSWORD)
    pro_page.get_by_role("button", name="Activer mon compte").click()
    flashed(pro_page, "Votre compte est activé")
    if "/login" in pro_page.url:
        log_in(pro_page, url, PRO)
    declare(pro_page, url, panel_name)
    log_in(president.page, url, "formateur@demo.coelab.invalid")
    declare(president.page, url, panel_name)
    assert pro_page.get_by_text(f"Soutenance le {when}").count() == 1

    # each member scores the work
    score(pro_page, url, work_id)
    score(president.page, url, work_id)

    # before the soutenance's day the deliberation is not offered, and says why
    chair = president.page
    work_page(chair, url, work_id, "Jury")
    refusal = chair.locator("[data-refusal=deliberation]")
    assert refusal.inner_text() == (
        f"La délibération s'ouvre le jour de la soutenance, le {french_day(day)}.")
    assert chair.get_by_role("button", name="Ouvrir la délibération").count() == 0
    # the day has come: the soutenance took place an hour ago
    run(env, """
with transaction():
    s = db.session.scalar(select(Soutenance).where(Soutenance.deliverable_id == work.id))
    s.starts_at = utcnow() - timedelta(hours=1)
print("moved")
""")
    work_page(chair, url, work_id, "Jury")
    chair.get_by_role("button", name="Ouvrir la délibération").click()
    confirm(chair)
    flashed(chair, "La délibération est ouverte.")

    # the decision, then the minutes signed by both members
    chair.get_by_label("Validé", exact=True).check()
    chair.get_by_label("Motifs de la décision").fill(
        "Recommandations précises, étayées par les terrains : recueil validé.")
    chair.get_by_role("button", name="Enregistrer la décision").click()
    confirm(chair)
    flashed(chair, "Décision enregistrée")
    for page in (chair, pro_page):
        work_page(page, url, work_id, "Jury")
        page.get_by_role("button", name="Signer le procès-verbal").click()
        confirm(page)
        flashed(page, "Procès-verbal signé.")

    # the coordination releases the result
    page = coordination.page
    work_page(page, url, work_id, "Jury")
    page.get_by_role("button", name="Publier le résultat aux auteurs").click()
    confirm(page)
    flashed(page, "Résultat publié")

    # a trainee of the team reads the decision
    log_in(trainee.page, url, "julie.perrin@demo.coelab.invalid")
    work_page(trainee.page, url, work_id, "Jury")
    decision = trainee.page.locator(".decision[data-outcome=validated]")
    decision.wait_for(timeout=10000)
    assert "Recommandations précises" in decision.inner_text()
    assert panel_url.startswith(url + "/juries/")
