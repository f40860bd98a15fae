"""A new user's first visit: log in as the demo trainer and trainee, see the cohort in French."""

from __future__ import annotations

from cohort.demo import DEMO_PASSWORD, email


def log_in(page, base_url: str, address: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Adresse e-mail").fill(address)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(base_url + "/dashboard")


def test_demo_trainer_sees_both_cohort_workspaces(page, live_server):
    log_in(page, live_server, email("formatrice"))
    assert page.get_by_role("heading", name="Bonjour Claire").is_visible()
    page.get_by_role("link", name="Module transversal — Martigues 2026-2027", exact=True).click()
    assert page.get_by_role("heading", name="Module transversal — Martigues 2026-2027").is_visible()
    assert page.locator(".teams").get_by_text("Équipe Calanques", exact=True).is_visible()
    # the started case studies of both teams, and the table of every deliverable
    assert page.get_by_role("link", name="Conduire le changement dans une association en "
                            "fusion — Équipe Calanques").is_visible()
    assert page.get_by_role("link", name="Tableau des livrables et calendrier").is_visible()
    assert page.get_by_role("heading", name="Inscriptions").is_visible()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_demo_trainee_sees_their_cohort_and_not_the_other(page, live_server):
    log_in(page, live_server, email("stagiaire"))
    assert page.get_by_role("heading", name="Bonjour Amandine").is_visible()
    assert page.get_by_role("link", name="Module 2.4 Information et traçabilité — Martigues "
                            "2026-2027").count() == 0
    # "Mon parcours" names the trainee's cohort and what they owe; the cohort's card too
    parcours = page.get_by_role("region", name="Mon parcours")
    assert parcours.get_by_text("Parcours en cours").is_visible()
    parcours.get_by_role("link", name="Module transversal — Martigues 2026-2027",
                         exact=True).click()
    assert page.get_by_role("heading", name="Mon inscription").is_visible()
    assert page.get_by_text("mon équipe").is_visible()
    assert page.get_by_role("link", name="Membres et invitations").count() == 0
    # the keyboard reaches the logout button, and logging out works
    page.get_by_role("button", name="Se déconnecter").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/login")
    assert page.get_by_text("Vous êtes déconnecté·e.").is_visible()


def test_wrong_password_is_explained(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill(email("formateur"))
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").filter(
        has_text="Adresse e-mail ou mot de passe incorrect.").is_visible()
