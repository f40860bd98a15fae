"""The mini-diagnostic's theme is the thematic module its author follows: in a cohort
whose module is known, a "theme" detail field takes that module only, through the
operations and the pages alike (issue 15, point 4b; docs/domain.md, "What each parcours
produces")."""

from __future__ import annotations

import re

import pytest
from coelab.db import db, transaction
from coelab.deliverables import operations as dops
from coelab.deliverables.models import Deliverable
from coelab.operations import OperationError
from sqlalchemy import func, select

from .conftest import login, page, post

ORGANISATION = {"organisation_name": "IME fictif", "organisation_sector": "medico_social",
                "organisation_size": "10_49", "issue": "Traçabilité"}
ONLY_MODULE = "module thématique que suit la cohorte"


def start_mini(prog, theme: str | None, cohort=None, user=None):
    user = user or prog.p3
    details = {**ORGANISATION, **({"theme": theme} if theme is not None else {})}
    return dops.start_deliverable(user, cohort or prog.thematic, "mini_diagnostic",
                                  owner=user, title="Mon organisation", details=details)


def form_fields(prog, theme: str) -> dict[str, str]:
    return {"title": "Mon organisation", "detail_theme": theme,
            **{f"detail_{k}": v for k, v in ORGANISATION.items()}}


def options(html: str, name: str) -> list[str]:
    select_ = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_, name
    return re.findall(r'<option[^>]*value="([^"]*)"', select_.group(1))


def test_only_the_cohorts_module_is_accepted(prog):
    with pytest.raises(OperationError, match=ONLY_MODULE):
        start_mini(prog, "2.1")  # a theme of the programme, not this cohort's module
    with pytest.raises(OperationError, match="Thématique inconnue"):
        start_mini(prog, "9.9")
    assert db.session.scalar(select(func.count()).select_from(Deliverable)) == 0
    mini = start_mini(prog, None)  # the cohort's module by default
    assert mini.details["theme"] == "2.4"
    with pytest.raises(OperationError, match=ONLY_MODULE):
        dops.update_details(prog.p3, mini, title="Mon organisation",
                            details={**ORGANISATION, "theme": "2.6"})
    db.session.refresh(mini)
    assert mini.details["theme"] == "2.4"
    dops.update_details(prog.p3, mini, title="Mon IME", details={**ORGANISATION,
                                                                 "theme": "2.4"})
    assert mini.title == "Mon IME" and mini.details["theme"] == "2.4"


def test_a_cohort_whose_module_is_unknown_takes_any_theme(prog, make):
    cohort = make.cohort("Thématique sans module", scope="thematic")
    make.member(cohort, prog.p2, parcours="II")
    assert dops.cohort_theme(cohort) is None
    mini = start_mini(prog, "2.1", cohort=cohort, user=prog.p2)
    assert mini.details["theme"] == "2.1"


def test_a_collections_themes_are_not_restricted(prog):
    """A collection's recommendations may take any theme of the programme (its
    ``themes`` field), whatever the cohort's module."""
    collection = dops.start_deliverable(prog.p2, prog.thematic, "recommendation_collection",
                                        title="Recueil", team=prog.team_h,
                                        details={"themes": ["2.1", "2.4"]})
    assert collection.details["themes"] == ["2.1", "2.4"]


def test_the_start_form_offers_the_cohorts_module_only(prog, client):
    login(client, prog.p3.email)
    url = f"/cohorts/{prog.thematic.id}/deliverables/start/mini_diagnostic"
    response = client.get(url)
    html = page(response)
    assert options(html, "detail_theme") == ["2.4"]
    assert re.search(r'<option[^>]*selected[^>]*value="2.4"|<option[^>]*value="2.4"[^>]*'
                     r'selected', response.get_data(as_text=True))
    assert "2.4 — Développer une organisation du travail" in html
    assert "Le module thématique que suit la cohorte" in html
    # a forged post with another theme of the programme: told so on the form
    response = post(client, url, form_fields(prog, "2.1"), token_from=url)
    assert response.status_code == 200
    assert ONLY_MODULE in page(response) and "2.4" in page(response)
    assert db.session.scalar(select(func.count()).select_from(Deliverable)) == 0
    response = post(client, url, form_fields(prog, "2.4"), token_from=url)
    assert response.status_code == 302
    assert db.session.scalar(select(Deliverable)).details["theme"] == "2.4"


def test_the_details_form_offers_the_cohorts_module_only(prog, client):
    mini = start_mini(prog, "2.4")
    login(client, prog.p3.email)
    url = f"/deliverables/{mini.id}/edit"
    html = page(client.get(url))
    assert options(html, "detail_theme") == ["2.4"]
    response = post(client, url, form_fields(prog, "2.6"), token_from=url)
    assert response.status_code == 200 and ONLY_MODULE in page(response)
    db.session.refresh(mini)
    assert mini.details["theme"] == "2.4"
    response = post(client, url, {**form_fields(prog, "2.4"), "title": "Mon IME"},
                    token_from=url)
    assert response.status_code == 302
    db.session.refresh(mini)
    assert mini.title == "Mon IME"


def test_an_earlier_theme_is_brought_back_to_the_cohorts_module(prog, client):
    """A mini-diagnostic started with another theme before the rule: its details form
    offers, and saves, the cohort's module."""
    mini = start_mini(prog, "2.4")
    with transaction():
        mini.details = {**mini.details, "theme": "2.1"}
    login(client, prog.p3.email)
    url = f"/deliverables/{mini.id}/edit"
    assert options(page(client.get(url)), "detail_theme") == ["2.4"]
    response = post(client, url, form_fields(prog, "2.4"), token_from=url)
    assert response.status_code == 302
    db.session.refresh(mini)
    assert mini.details["theme"] == "2.4"
