"""Jury composition (issue 15, point 5): the programme wants "un jury constitué de
formateurs et de professionnels en exercice". Before a soutenance is scheduled (or the
examination of a written work opened) and before a decision, the panel must have its
president, a trainer of the programme and a practising professional; at scheduling the
members who have not declined count, at the decision those who sit (docs/domain.md,
"Review, soutenance and jury")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coelab.db import db
from coelab.deliverables.models import DeliverableState
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole, Soutenance
from coelab.jury.queries import DECISION, SCHEDULING, composition
from coelab.models import User
from coelab.operations import OperationError
from sqlalchemy import select

from .conftest import (
    csrf_token,
    login,
    page,
    post,
    practising_professional,
    programme_trainer,
)
from .test_deliverables import relog
from .test_jury import agreed, ready  # noqa: F401 - a fixture

PRESIDENT = "président·e"
TRAINER = "formateur·rice du programme"
PROFESSIONAL = "professionnel·le en exercice"


def _schedule(prog, deliverable):
    return jops.schedule(prog.coordinator, deliverable,
                         starts_at=datetime.now(UTC) + timedelta(days=7),
                         duration_minutes=45, place="Martigues, salle 2")


def _held(deliverable) -> None:
    """The soutenance took place (scheduling wants the future)."""
    db.session.scalar(select(Soutenance).where(
        Soutenance.deliverable_id == deliverable.id)).starts_at = (
        datetime.now(UTC) - timedelta(hours=1))
    db.session.commit()


@pytest.fixture
def panel(prog, ready):  # noqa: F811
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury de février")
    jops.assign(prog.coordinator, panel, ready)
    return panel


def _refused(prog, deliverable, *missing: str) -> str:
    with pytest.raises(OperationError) as refused:
        _schedule(prog, deliverable)
    message = str(refused.value)
    for what in missing:
        assert what in message, (what, message)
    for what in {PRESIDENT, TRAINER, PROFESSIONAL} - set(missing):
        assert what not in message, (what, message)
    assert db.session.scalar(select(Soutenance.id)) is None
    return message


def test_each_missing_member_blocks_scheduling_with_its_message(prog, ready, panel, make):  # noqa: F811
    message = _refused(prog, ready, PRESIDENT, TRAINER, PROFESSIONAL)
    assert message.startswith("Le jury n'est pas au complet : il manque")
    # a member who is a trainer of no cohort (nor a professional) fills only the chair
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    _refused(prog, ready, TRAINER, PROFESSIONAL)
    # a coordinator is not a trainer of the programme without a trainer's membership
    jops.add_member(prog.coordinator, panel, make.user("Céline", "Coord", coordinator=True),
                    PanelRole.MEMBER)
    _refused(prog, ready, TRAINER, PROFESSIONAL)
    programme_trainer(prog.other_trainer)  # the president trains another cohort
    _refused(prog, ready, PROFESSIONAL)
    # a practising professional, not yet declared: counts at scheduling
    practising_professional(prog.coordinator, panel, active=False)
    _schedule(prog, ready)
    assert ready.state == DeliverableState.SOUTENANCE_SCHEDULED


def test_a_panel_without_its_president_or_trainer_cannot_schedule(prog, ready, panel, make):  # noqa: F811
    trainer = make.user("Bruno", "Formateur")
    programme_trainer(trainer)
    jops.add_member(prog.coordinator, panel, trainer, PanelRole.MEMBER)
    practising_professional(prog.coordinator, panel)
    _refused(prog, ready, PRESIDENT)
    # an external professional presiding fills the chair, not the trainer's seat
    other = jops.create_panel(prog.coordinator, prog.transversal, "Autre jury")
    external = jops.invite_external(prog.coordinator, other, email="pres@asso.example",
                                    first_name="Paule", last_name="Présidente",
                                    organisation="CHRS (fictif)", job_title="Directrice")
    external.role = PanelRole.PRESIDENT
    db.session.commit()
    found = composition(other)
    assert (found.president, found.trainer, found.professional) == (True, False, True)


def test_a_declined_member_no_longer_counts(prog, ready, panel):  # noqa: F811
    programme_trainer(prog.other_trainer)
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    pro = practising_professional(prog.coordinator, panel)
    jops.declare(pro, impartial=False, reason="Je connais la structure partenaire.")
    _refused(prog, ready, PROFESSIONAL)
    # the coordination invites another one
    practising_professional(prog.coordinator, panel, email="pro2@asso.example",
                            first_name="Nathalie", last_name="Roche")
    _schedule(prog, ready)


def test_an_external_member_without_a_current_role_does_not_count(
        prog, ready, panel, make, client):  # noqa: F811
    programme_trainer(prog.other_trainer)
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    # an account without a job title put on the panel as an external member
    pro = make.user("Rachid", "Amrani")
    pro.organisation = "ITEP (fictif)"
    db.session.commit()
    member = jops.add_member(prog.coordinator, panel, pro, PanelRole.MEMBER, external=True)
    _refused(prog, ready, PROFESSIONAL)
    # nor does one with a job title but no organisation
    pro.job_title, pro.organisation = "Directeur adjoint", None
    db.session.commit()
    _refused(prog, ready, PROFESSIONAL)
    # they record both on their profile: they count
    login(client, pro.email)
    response = post(client, "/profile", {
        "profile-csrf_token": csrf_token(client, "/profile"), "profile-submit": "1",
        "profile-first_name": "Rachid", "profile-last_name": "Amrani",
        "profile-organisation": "ITEP Les Pins (fictif)",
        "profile-job_title": "Directeur adjoint", "profile-locale": ""},
        token_from="/profile", follow_redirects=True)
    assert "Votre profil est enregistré" in page(response)
    db.session.expire_all()
    assert (pro.job_title, pro.organisation) == ("Directeur adjoint", "ITEP Les Pins (fictif)")
    assert composition(panel).professional
    # accepting to sit, a professional confirms what they do and where
    with pytest.raises(OperationError, match="fonction actuelle"):
        jops.declare(member, impartial=True, job_title=" ", organisation="ITEP")
    url = f"/juries/{panel.id}"
    assert 'value="Directeur adjoint"' in page(client.get(url))  # pre-filled
    response = post(client, url + "/declaration", {
        "declare-csrf_token": csrf_token(client, url), "declare-decision": "accept",
        "declare-job_title": "Directeur", "declare-organisation": "ITEP Les Pins (fictif)"},
        token_from=url, follow_redirects=True)
    assert "Votre déclaration est enregistrée" in page(response)
    db.session.expire_all()
    assert pro.job_title == "Directeur"
    _schedule(prog, ready)


def test_the_invitation_asks_for_the_current_role(prog, panel, client):
    with pytest.raises(OperationError, match="fonction actuelle"):
        jops.invite_external(prog.coordinator, panel, email="pro@asso.example",
                             first_name="Rachid", last_name="Amrani",
                             organisation="ITEP (fictif)", job_title="  ")
    login(client, prog.coordinator.email)
    url = f"/juries/{panel.id}"
    assert "Fonction actuelle" in page(client.get(url))
    response = post(client, url + "/externals", {
        "external-csrf_token": csrf_token(client, url), "external-email": "pro@asso.example",
        "external-first_name": "Rachid", "external-last_name": "Amrani",
        "external-organisation": "ITEP (fictif)"}, token_from=url, follow_redirects=True)
    assert response.status_code == 200 and "Invitation envoyée" not in page(response)
    assert db.session.scalar(select(User.id).where(User.email == "pro@asso.example")) is None
    # an account that exists keeps the role its holder recorded
    known = jops.invite_external(prog.coordinator, panel, email="known@asso.example",
                                 first_name="Nathalie", last_name="Roche",
                                 organisation="Foyer (fictif)", job_title="Cheffe de service")
    other = jops.create_panel(prog.coordinator, prog.transversal, "Autre jury")
    jops.invite_external(prog.coordinator, other, email="known@asso.example",
                         first_name="Nathalie", last_name="Roche",
                         organisation="Autre (fictif)", job_title="Autre fonction")
    db.session.expire_all()
    assert (known.user.job_title, known.user.organisation) == ("Cheffe de service",
                                                               "Foyer (fictif)")


def test_each_missing_sitting_member_blocks_the_decision(prog, ready, panel, client):  # noqa: F811
    programme_trainer(prog.other_trainer)
    president = jops.add_member(prog.coordinator, panel, prog.other_trainer,
                                PanelRole.PRESIDENT)
    pro = practising_professional(prog.coordinator, panel)
    jops.declare(president, impartial=True)
    _schedule(prog, ready)  # the professional has not declared yet: enough to schedule
    _held(ready)
    jops.open_deliberation(president.user, ready)
    assert not composition(panel, DECISION).complete
    assert composition(panel, SCHEDULING).complete
    with pytest.raises(OperationError) as refused:
        jops.decide(president.user, ready, validated=True, reasons="Validé.",
                    agreed_levels=agreed(ready))
    message = str(refused.value)
    assert "parmi les membres qui siègent" in message and PROFESSIONAL in message
    assert TRAINER not in message and PRESIDENT not in message
    assert ready.state == DeliverableState.DELIBERATION
    # the page says so instead of offering the form
    login(client, president.user.email)
    text = page(client.get(f"/deliverables/{ready.id}"))
    assert "parmi les membres qui siègent" in text and "Enregistrer la décision" not in text
    jops.declare(pro, impartial=True)
    decision = jops.decide(president.user, ready, validated=True, reasons="Validé.",
                           agreed_levels=agreed(ready))
    assert decision is not None


def test_a_trainer_who_declines_leaves_the_decision_without_one(prog, ready, panel, make):  # noqa: F811
    chair = practising_professional(prog.coordinator, panel, email="chair@asso.example",
                                    first_name="Paule", last_name="Présidente")
    chair.role = PanelRole.PRESIDENT
    db.session.commit()
    trainer = make.user("Bruno", "Formateur")
    programme_trainer(trainer)
    member = jops.add_member(prog.coordinator, panel, trainer, PanelRole.MEMBER)
    jops.declare(chair, impartial=True)
    _schedule(prog, ready)  # the trainer has not declared: counts at scheduling
    jops.declare(member, impartial=False, reason="J'ai encadré un des auteurs ailleurs.")
    # moving the soutenance is refused until the panel is recomposed
    assert composition(panel, SCHEDULING).trainer is False
    with pytest.raises(OperationError, match=TRAINER):
        _schedule(prog, ready)
    _held(ready)
    jops.open_deliberation(chair.user, ready)
    with pytest.raises(OperationError, match=TRAINER):
        jops.decide(chair.user, ready, validated=True, reasons="Validé.",
                    agreed_levels=agreed(ready))


def test_the_panel_page_shows_the_composition(prog, ready, panel, client):  # noqa: F811
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    login(client, prog.coordinator.email)
    url = f"/juries/{panel.id}"
    text = page(client.get(url))
    assert 'data-composition="incomplete"' in text
    assert "il manque un·e formateur·rice du programme, un·e professionnel·le en exercice" in text
    assert "professionnel·le extérieur·e" not in text
    assert "Inviter un·e professionnel·le en exercice" in text
    programme_trainer(prog.other_trainer)
    pro = practising_professional(prog.coordinator, panel)
    text = page(client.get(url))
    assert "Directeur adjoint" in text and "ITEP (fictif)" in text
    # enough to schedule; the decision waits for both to sit
    scheduling = text[text.index('data-moment="scheduling"'):]
    decision = text[text.index('data-moment="decision"'):]
    assert "complète" in scheduling.split("</li>")[0]
    assert "il manque un·e président·e" in decision.split("</li>")[0]
    jops.declare(jops.member_of(prog.other_trainer, panel), impartial=True)
    jops.declare(pro, impartial=True)
    assert 'data-composition="complete"' in page(client.get(url))
    relog(client, prog.other_trainer)  # members read it too
    assert 'data-composition="complete"' in page(client.get(url))


def test_the_written_examination_needs_the_composition_too(prog, make):
    from coelab.deliverables import workflow
    from coelab.deliverables.operations import start_deliverable

    from .test_written_route import MINI_DETAILS

    mini = start_deliverable(prog.p2, prog.thematic, "mini_diagnostic", title="Diag",
                             owner=prog.p2, details=MINI_DETAILS)
    workflow.submit(prog.p2, mini, confirmed_authors=[prog.p2.id], statement_accepted=True)
    workflow.start_review(prog.trainer, mini)
    workflow.ready_for_jury(prog.trainer, mini)
    panel = jops.create_panel(prog.coordinator, prog.thematic, "Jury sur l'écrit")
    jops.assign(prog.coordinator, panel, mini)
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    with pytest.raises(OperationError, match=TRAINER):
        jops.open_examination(prog.coordinator, mini)
    programme_trainer(prog.other_trainer)
    with pytest.raises(OperationError, match=PROFESSIONAL):
        jops.open_examination(prog.coordinator, mini)
    practising_professional(prog.coordinator, panel)
    jops.open_examination(prog.coordinator, mini)
    assert mini.state == DeliverableState.DELIBERATION
