"""In-app notifications (and their e-mails): who hears of each step, the header's count,
the list, marking read."""

from __future__ import annotations

import re

import pytest
from coelab.db import db
from coelab.deliverables import workflow
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole
from coelab.notifications import operations as nops
from coelab.notifications.models import Notification
from sqlalchemy import event, select

from .conftest import csrf_token, login, page, post
from .test_jury import _scheduled


@pytest.fixture
def ready(prog, case):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    return case


def inbox(user) -> list[str]:
    return list(db.session.scalars(select(Notification.subject).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def mailed(outbox, user, fragment: str) -> bool:
    return any(m.to == user.email and fragment in m.subject for m in outbox)


def test_workflow_steps_notify_trainers_and_authors(prog, case, outbox):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    assert [s for s in inbox(prog.trainer) if "a été remis" in s]
    assert inbox(prog.p1) == [] and inbox(prog.other_trainer) == []
    assert mailed(outbox, prog.trainer, "a été remis")
    workflow.start_review(prog.trainer, case)
    workflow.request_changes(prog.trainer, case, "Étoffez l'analyse.")
    for author in (prog.p1, prog.p3):
        assert any("modifications sont demandées" in s for s in inbox(author))
        assert mailed(outbox, author, "modifications sont demandées")
    note = db.session.scalar(select(Notification).where(Notification.user_id == prog.p1.id))
    assert "Étoffez" in note.body and note.url == f"/deliverables/{case.id}"
    assert note.read_at is None
    assert not any("modifications" in s for s in inbox(prog.trainer))


def test_invited_people_find_it_later_without_a_mail(prog, make, outbox):
    invited = make.user("Ines")
    invited.active = False
    db.session.commit()
    nops.notify([invited, prog.p1, prog.p1], "Sujet", "Texte", "/dashboard")
    # kept for their first visit, but no mail to an account not yet activated
    assert inbox(invited) == ["Sujet"] and inbox(prog.p1) == ["Sujet"]  # once each
    assert [m.to for m in outbox if m.subject == "Sujet"] == [prog.p1.email]
    with pytest.raises(ValueError):
        nops.notify([prog.p1], "Ailleurs", "", "https://evil.example/")


def test_jury_steps_notify_the_right_people(prog, ready, outbox):
    from coelab.assessments import operations as aops

    from .test_assessments import CASE_LEVELS

    panel, president, pro = _scheduled(prog, ready, past=True)
    # the invitation (the external, not yet active then, had their account's invitation)
    assert "Vous êtes membre d'un jury sur Coélab" in inbox(prog.other_trainer)
    assert mailed(outbox, prog.other_trainer, "membre d'un jury")
    # the soutenance: authors and panel
    for person in (prog.p1, prog.p3, prog.other_trainer, pro.user):
        assert any("Soutenance de « Fusion » programmée" in s for s in inbox(person)), person
        assert mailed(outbox, person, "Soutenance de « Fusion »")
    assert not any("Soutenance" in s for s in inbox(prog.trainer) + inbox(prog.p3b))
    # scoring complete: the president hears once the last sitting juror has scored
    aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                         overall_comment=None, submit=True)
    assert not any("Notation terminée" in s for s in inbox(prog.other_trainer))
    aops.save_assessment(prog.other_trainer, ready, levels=CASE_LEVELS, comments={},
                         overall_comment=None, submit=False)
    assert not any("Notation terminée" in s for s in inbox(prog.other_trainer))
    aops.save_assessment(prog.other_trainer, ready, levels=CASE_LEVELS, comments={},
                         overall_comment=None, submit=True)
    assert [s for s in inbox(prog.other_trainer) if "Notation terminée" in s] == [
        "Notation terminée : Fusion"]
    assert not any("Notation" in s for s in inbox(pro.user) + inbox(prog.p1))
    assert mailed(outbox, prog.other_trainer, "Notation terminée")
    # minutes to sign: the sitting members
    jops.open_deliberation(prog.other_trainer, ready)
    decision = jops.decide(prog.other_trainer, ready, validated=True, reasons="Validé.",
                           agreed_levels=CASE_LEVELS)
    for person in (prog.other_trainer, pro.user):
        assert "Procès-verbal à signer : Fusion" in inbox(person)
        assert mailed(outbox, person, "Procès-verbal à signer")
    assert not any("Procès-verbal" in s for s in inbox(prog.p1))
    # results released: the authors
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, ready)
    for author in (prog.p1, prog.p3):
        assert "Résultat de « Fusion »" in inbox(author)
        assert mailed(outbox, author, "Résultat")
    assert not any("Résultat" in s for s in inbox(pro.user))


def test_a_decline_notifies_the_coordination(prog, ready, outbox):
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    member = jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.MEMBER)
    jops.declare(member, impartial=False, reason="Conflit d'intérêts.")
    assert "Un·e juré·e se récuse : Jury" in inbox(prog.coordinator)
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == prog.coordinator.id))
    assert "Conflit d'intérêts." in note.body and note.url == f"/juries/{panel.id}"
    assert mailed(outbox, prog.coordinator, "récuse")
    assert not any("récuse" in s for s in inbox(prog.other_trainer) + inbox(prog.trainer))


def test_comments_notify_authors_and_participants_but_never_the_writer(prog, ready,
                                                                        outbox):
    from coelab.comments import operations as cops

    anchor = cops.Anchor("AAAA", "AAAA", None)
    thread = cops.create_thread(prog.trainer, ready, anchor=anchor, quote="Contexte",
                                body="Précisez la source.")
    for author in (prog.p1, prog.p3):
        assert inbox(author) and "Nouveau commentaire" in inbox(author)[-1]
        assert mailed(outbox, author, "Nouveau commentaire")
    assert not any("commentaire" in s for s in inbox(prog.trainer))
    # an author's reply: the trainer who wrote the thread; not the writer, nor the
    # co-author who has not taken part
    before_p3 = len(inbox(prog.p3))
    cops.reply(prog.p1, thread, "C'est fait.")
    assert "Réponse à un commentaire" in inbox(prog.trainer)[-1]
    assert not any("Réponse" in s for s in inbox(prog.p1))
    assert len(inbox(prog.p3)) == before_p3
    # a thread an author starts tells nobody (the other authors read it in the work)
    cops.create_thread(prog.p3, ready, anchor=anchor, quote="Intro", body="À revoir ?")
    assert not any("Nouveau" in s for s in inbox(prog.trainer))
    assert [s for s in inbox(prog.p3) if "Nouveau" in s] == [inbox(prog.p3)[0]]


def test_a_jurors_private_note_never_reaches_the_authors(prog, ready, outbox):
    from coelab.comments import operations as cops

    panel, president, pro = _scheduled(prog, ready, past=True)
    before = {u.id: len(inbox(u)) for u in (prog.p1, prog.p3, prog.trainer)}
    sent = len(outbox)
    note = cops.create_thread(pro.user, ready, anchor=cops.Anchor("AAAA", "AAAA", None),
                              quote="Contexte", body="Vérifier les sources.",
                              visibility="panel")
    cops.reply(prog.other_trainer, note, "D'accord.")
    assert "Réponse à un commentaire sur « Fusion »" in inbox(pro.user)
    assert not any("Réponse" in s for s in inbox(prog.other_trainer))
    assert {u.id: len(inbox(u)) for u in (prog.p1, prog.p3, prog.trainer)} == before
    assert [m.to for m in outbox[sent:]] == [pro.user.email]


UNREAD_RE = re.compile(r"Notifications \((\d+) non lues?\)")


def _count(html: str) -> int:
    match = UNREAD_RE.search(html)
    return int(match.group(1)) if match else 0


def test_header_list_and_marking_read(prog, client):
    nops.notify([prog.p1], "Premier", "Un", "/dashboard", mail=False)
    nops.notify([prog.p1], "Second", "Deux", "/profile", mail=False)
    nops.notify([prog.p3], "Pour Pia", "", "/dashboard", mail=False)
    mine = list(db.session.scalars(select(Notification).where(
        Notification.user_id == prog.p1.id).order_by(Notification.id)))
    other = db.session.scalar(select(Notification).where(Notification.user_id == prog.p3.id))
    login(client, prog.p1.email)
    html = page(client.get("/dashboard"))
    assert "Notifications (2 non lues)" in html
    listing = page(client.get("/notifications"))
    assert listing.index("Second") < listing.index("Premier")  # newest first
    assert listing.count('class="notification unread"') == 2 and "Pour Pia" not in listing
    # reading one leads to its page
    response = post(client, f"/notifications/{mine[1].id}/read", token_from="/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    assert _count(page(client.get("/dashboard"))) == 1
    assert "Notifications (1 non lue)" in page(client.get("/dashboard"))
    # someone else's: not found, and left unread
    response = post(client, f"/notifications/{other.id}/read", token_from="/notifications")
    assert response.status_code == 404
    assert post(client, "/notifications/999999/read",
                token_from="/notifications").status_code == 404
    db.session.expire_all()
    assert other.read_at is None
    # without the CSRF token: refused
    assert client.post(f"/notifications/{mine[0].id}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    db.session.expire_all()
    assert mine[0].read_at is None
    response = post(client, "/notifications/read-all", token_from="/notifications")
    assert response.status_code == 302
    html = page(client.get("/notifications"))
    assert _count(html) == 0 and 'class="notification unread"' not in html
    assert ">Notifications</a>" in html
    db.session.expire_all()
    assert other.read_at is None and all(n.read_at is not None for n in mine)


def test_header_costs_one_query(prog, client, app):
    nops.notify([prog.p1], "Premier", "", "/dashboard", mail=False)
    login(client, prog.p1.email)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "notifications" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        html = page(client.get("/dashboard"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert "Notifications (1 non lue)" in html
    assert len(statements) == 1


def test_the_list_needs_a_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert csrf_token(client)  # the login page still renders without a count
