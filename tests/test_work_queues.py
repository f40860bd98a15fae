"""Work queues (issue 17, points 2 and 3): each role's "À traiter" lists what waits for
that person, computed from the workflow, jury, assessment and comment states, each line
a link to the exact place to act with its due date; the header counts them.
(The query budget of each dashboard: tests/test_work_queues_budget.py.)"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from coelab.assessments import operations as aops
from coelab.comments import operations as cops
from coelab.db import db, local_today
from coelab.deliverables import workflow
from coelab.deliverables.operations import grant_extension, start_deliverable
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole
from coelab.plugins import AttentionItem, registry
from coelab.views import queues

from .conftest import declared_panel, login, page, practising_professional, programme_trainer
from .test_comments import ANCHOR
from .test_deliverables import _partner, relog


def _queue(client) -> str:
    """The "À traiter" section of the dashboard, as read."""
    html = page(client.get("/dashboard"))
    # French typography puts no-break spaces in "10 h 00" (coelab/dates.py)
    html = html.replace("\xa0", " ").replace("\u202f", " ")
    return html.split('id="attention-title"')[1].split("</section>")[0]


def _header_count(client, path: str = "/profile") -> int | None:
    html = page(client.get(path))
    match = re.search(r'class="queue-link"[^>]*>À traiter \((\d+)\)<', html)
    # on a phone the links fold behind the Menu button, which carries the count too
    menu = re.search(r'class="menu-count">\((\d+) à traiter\)<', html)
    assert (match and match.group(1)) == (menu and menu.group(1)), "header and menu differ"
    return int(match.group(1)) if match else None


@pytest.fixture
def case(prog):
    return start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())


def _submit(prog, case):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)


def _criteria(deliverable) -> list[dict]:
    return aops.rubric_criteria(deliverable.cohort, registry().kind(deliverable.kind))


# --- the contract ------------------------------------------------------------------------

def test_an_item_sorts_by_urgency_and_refuses_an_unknown_kind(app):
    with app.test_request_context():
        today = local_today()
        late = AttentionItem("late", "/a", order=90, due=today - timedelta(days=3))
        soon = AttentionItem("soon", "/b", order=90, due=today + timedelta(days=2))
        later = AttentionItem("later", "/c", order=1,
                              due=datetime.now(UTC) + timedelta(days=9))
        undated = AttentionItem("undated", "/d", order=0)
        news = AttentionItem("news", "/e", order=0, kind="info", due=today, count=0)
        ordered = sorted([news, undated, later, soon, late], key=lambda i: i.urgency)
        assert [i.text for i in ordered] == ["late", "soon", "later", "undated", "news"]
        assert late.overdue and not soon.overdue and later.moment and not later.overdue
        with pytest.raises(ValueError, match="unknown kind"):
            AttentionItem("x", "/x", kind="whatever")


def test_only_what_the_policy_grants_is_listed_and_the_rest_is_counted(app, make):
    with app.test_request_context():
        user = make.user("Ada")
        candidates = [queues.Candidate(AttentionItem(f"n{i}", f"/{i}", kind="review"),
                                       "deliverable.start_review", i, "g", "/all")
                      for i in range(queues.LISTED + 3)]
        asked = []

        def ask(who, action, obj):
            asked.append(obj)
            return obj != 1  # the policy refuses the second

        items = queues.listed(user, candidates, ask=ask)
        # the LISTED first are asked, the refused one left out, the 3 others counted
        assert asked == list(range(queues.LISTED))
        assert [i.text for i in items[:-1]] == [f"n{i}" for i in range(queues.LISTED)
                                               if i != 1]
        assert items[-1].count == 3 and items[-1].url == "/all"
        assert "et 3 autres" in items[-1].text


# --- trainees ---------------------------------------------------------------------------

def test_trainee_changes_requested_comment_and_due_date(prog, case, client):
    grant_extension(prog.coordinator, case, due_date=date(2031, 1, 28),
                    reason="Stage décalé")
    login(client, prog.p1.email)
    queue = _queue(client)
    assert "« Fusion » : à remettre." in queue
    assert "avant le 28 janvier 2031" in queue
    assert f'href="/deliverables/{case.id}#texte"' in queue
    _submit(prog, case)
    workflow.start_review(prog.trainer, case)
    cops.create_thread(prog.trainer, case, anchor=cops.Anchor(**ANCHOR), quote="Le passage",
                       body="Pouvez-vous préciser ?")
    workflow.request_changes(prog.trainer, case, "Reprenez la partie 2.")
    queue = _queue(client)
    assert "« Fusion » : des modifications sont demandées" in queue
    assert "« Fusion » : 1 commentaire attend votre réponse." in queue
    assert f'href="/deliverables/{case.id}#commentaires"' in queue
    assert "De : Formatrice" in queue
    assert _header_count(client) == 2
    # their teammate answers: the thread waits for the trainer now, not for them
    thread = db.session.scalar(db.select(cops.CommentThread))
    cops.reply(prog.p3, thread, "Voici la précision.")
    assert "commentaire attend votre réponse" not in _queue(client)
    relog(client, prog.trainer)
    queue = _queue(client)
    assert "« Fusion » : 1 commentaire attend une réponse." in queue
    assert "De : Pia Trois" in queue


def test_trainee_soutenance_and_released_result(prog, case, client):
    from .test_released_result import REASONS

    _submit(prog, case)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    panel, president, pro = declared_panel(prog, case)
    when = datetime(2031, 1, 28, 9, 0, tzinfo=UTC)  # 10 h 00 in Paris
    jops.schedule(prog.coordinator, case, starts_at=when, duration_minutes=45,
                  place="Martigues")
    login(client, prog.p1.email)
    queue = _queue(client)
    assert "Soutenance de « Fusion » — Martigues." in queue
    assert "le 28 janvier 2031 à 10 h 00" in queue
    assert f'href="/deliverables/{case.id}#jury"' in queue
    # it took place, was scored, decided, signed and released
    from coelab.jury.models import Soutenance

    db.session.scalar(db.select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    for juror in (president, pro):
        aops.save_assessment(juror.user, case, levels={c["key"]: 2 for c in _criteria(case)},
                             comments={}, overall_comment=None, submit=True)
    jops.open_deliberation(president.user, case)
    decision = jops.decide(president.user, case, validated=True, reasons=REASONS,
                           agreed_levels={c["key"]: 2 for c in _criteria(case)})
    jops.sign(president.user, decision)
    jops.sign(pro.user, decision)
    assert "Le résultat du jury" not in _queue(client)  # not released yet
    jops.release(prog.coordinator, case)
    queue = _queue(client)
    assert "Le résultat du jury sur « Fusion » est publié." in queue
    assert "Soutenance de" not in queue


# --- trainers ----------------------------------------------------------------------------

def test_trainer_reviews_assessments_and_nothing_elsewhere(prog, case, client):
    login(client, prog.trainer.email)
    assert "Fusion" not in _queue(client)  # a draft: nothing for the trainer
    _submit(prog, case)
    queue = _queue(client)
    assert "« Fusion » est remis : commencez la relecture." in queue
    assert "Auteurs : Calanques" in queue
    assert _header_count(client) == 1
    workflow.start_review(prog.trainer, case)
    queue = _queue(client)
    assert "« Fusion » : rédigez votre évaluation." in queue
    assert f'href="/deliverables/{case.id}#evaluations"' in queue
    criteria = _criteria(case)
    aops.save_assessment(prog.trainer, case, levels={criteria[0]["key"]: 1}, comments={},
                         overall_comment=None)
    assert "« Fusion » : terminez et soumettez votre évaluation." in _queue(client)
    aops.save_assessment(prog.trainer, case, levels={c["key"]: 2 for c in criteria},
                         comments={}, overall_comment=None, submit=True)
    assert "« Fusion » : concluez la relecture" in _queue(client)
    workflow.ready_for_jury(prog.trainer, case)
    assert "Fusion" not in _queue(client)
    assert _header_count(client) is None  # hidden at 0
    # a trainer of another cohort never saw any of it
    relog(client, prog.other_trainer)
    assert "Fusion" not in _queue(client)


# --- the coordination --------------------------------------------------------------------

def test_coordination_follows_the_jury_from_panel_to_release(prog, case, client):
    from .test_released_result import REASONS

    _submit(prog, case)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    login(client, prog.coordinator.email)
    queue = _queue(client)
    assert "Transversal : 1 travail prêt pour le jury n'a pas encore de jury." in queue
    assert f'href="/cohorts/{prog.transversal.id}/juries"' in queue
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury de février")
    jops.assign(prog.coordinator, panel, case)
    queue = _queue(client)
    assert "Jury « Jury de février » (Transversal) : pas encore de président·e." in queue
    assert "« Fusion » : programmez la soutenance." in queue
    assert f'href="/juries/{panel.id}#work-title"' in queue
    programme_trainer(prog.other_trainer)
    president = jops.add_member(prog.coordinator, panel, prog.other_trainer,
                                PanelRole.PRESIDENT)
    pro = practising_professional(prog.coordinator, panel)
    jops.declare(president, impartial=True)
    jops.declare(pro, impartial=True)
    assert "pas encore de président·e" not in _queue(client)
    jops.schedule(prog.coordinator, case, starts_at=datetime.now(UTC) + timedelta(days=1),
                  duration_minutes=45, place="Martigues")
    assert "ouvrez la délibération" not in _queue(client)  # not before its day
    from coelab.jury.models import Soutenance

    db.session.scalar(db.select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    assert "« Fusion » : la soutenance a eu lieu ; ouvrez la délibération." in _queue(client)
    jops.open_deliberation(prog.coordinator, case)
    queue = _queue(client)
    assert "« Fusion » : 2 notes du jury manquent." in queue
    assert "Attendu de : Autre Formateur, Rachid Amrani" in queue
    criteria = _criteria(case)
    for juror in (president, pro):
        aops.save_assessment(juror.user, case, levels={c["key"]: 2 for c in criteria},
                             comments={}, overall_comment=None, submit=True)
    assert "notes du jury" not in _queue(client)
    decision = jops.decide(president.user, case, validated=True, reasons=REASONS,
                           agreed_levels={c["key"]: 2 for c in criteria})
    jops.sign(president.user, decision)
    queue = _queue(client)
    assert "« Fusion » : 1 signature du procès-verbal manque." in queue
    assert "Attendu de : Rachid Amrani" in queue
    jops.sign(pro.user, decision)
    assert "« Fusion » : procès-verbal signé ; publiez le résultat aux auteurs." in _queue(
        client)
    jops.release(prog.coordinator, case)
    assert "Fusion" not in _queue(client)


# --- jurors ------------------------------------------------------------------------------

def test_external_juror_declares_scores_and_signs(prog, case, client):
    """Point 3: a pending declaration is on the dashboard, with the juror's panels instead
    of "you belong to no cohort"."""
    from .test_released_result import REASONS

    _submit(prog, case)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury de février")
    jops.assign(prog.coordinator, panel, case)
    programme_trainer(prog.other_trainer)
    president = jops.add_member(prog.coordinator, panel, prog.other_trainer,
                                PanelRole.PRESIDENT)
    pro = practising_professional(prog.coordinator, panel)
    login(client, pro.user.email)
    html = page(client.get("/dashboard"))
    assert "Rien ne demande votre attention" not in html
    assert "aucune cohorte" not in html
    assert "Mes jurys" in html and "1 travail à juger" in html
    assert "Fusion" not in html  # before the declaration the work stays out of sight
    queue = _queue(client)
    assert "Jury « Jury de février » (Transversal) : déclarez votre impartialité" in queue
    assert f'href="/juries/{panel.id}#declare-title"' in queue
    assert _header_count(client) == 1
    jops.declare(pro, impartial=True)
    jops.declare(president, impartial=True)
    start = datetime.now(UTC) + timedelta(days=3)
    jops.schedule(prog.coordinator, case, starts_at=start, duration_minutes=45,
                  place="Martigues")
    html = page(client.get("/dashboard"))
    assert "Fusion" in html.split('id="juries-title"')[1]  # now on their jury's list
    queue = _queue(client)
    assert "Soutenance de « Fusion » (jury « Jury de février ») — Martigues." in queue
    assert "« Fusion » : donnez votre note." in queue
    assert "déclarez votre impartialité" not in queue
    criteria = _criteria(case)
    for juror in (president, pro):
        aops.save_assessment(juror.user, case, levels={c["key"]: 2 for c in criteria},
                             comments={}, overall_comment=None, submit=True)
    assert "donnez votre note" not in _queue(client)
    from coelab.jury.models import Soutenance

    db.session.scalar(db.select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    # the president opens the deliberation, then decides
    relog(client, prog.other_trainer)
    assert "« Fusion » : la soutenance a eu lieu ; ouvrez la délibération." in _queue(client)
    jops.open_deliberation(president.user, case)
    assert "« Fusion » : enregistrez la décision du jury." in _queue(client)
    decision = jops.decide(president.user, case, validated=True, reasons=REASONS,
                           agreed_levels={c["key"]: 2 for c in criteria})
    assert "« Fusion » : signez le procès-verbal." in _queue(client)
    relog(client, pro.user)
    assert "« Fusion » : signez le procès-verbal." in _queue(client)
    jops.sign(pro.user, decision)
    assert "signez le procès-verbal" not in _queue(client)


def test_no_count_for_visitors(client):
    html = page(client.get("/login"))
    assert "queue-link" not in html


def test_the_header_count_is_kept_until_a_write_or_a_minute(prog, case, client, monkeypatch):
    """The header's "À traiter (n)" and unread count cost more queries than most pages
    (coelab/frame.py): kept between requests, computed again after any write of this
    process, and after KEEP_SECONDS whatever happened elsewhere."""
    from coelab import frame

    from .test_work_queues_budget import counted

    login(client, prog.p1.email)
    assert _header_count(client) == 1  # the case study to hand in
    with counted() as first:
        assert _header_count(client) == 1
    assert not any("deliverable_schedules" in s for s in first)  # the queue was not read
    # a write anywhere in this process: the next page counts again
    _submit(prog, case)
    workflow.start_review(prog.trainer, case)
    workflow.request_changes(prog.trainer, case, "Reprenez la partie 2.")
    assert "modifications sont demandées" in _queue(client)
    assert _header_count(client) == 1
    cops.create_thread(prog.trainer, case, anchor=cops.Anchor(**ANCHOR), quote="Le passage",
                       body="Pouvez-vous préciser ?")
    assert _header_count(client) == 2
    # another process's write is not seen here: the figure kept is at most a minute old
    kept = client.application.extensions["coelab_frame"]
    stamp, until, _ = kept[("attention", prog.p1.id)]
    kept[("attention", prog.p1.id)] = (stamp, until, 7)
    assert _header_count(client) == 7
    kept[("attention", prog.p1.id)] = (stamp, 0.0, 7)  # past its minute
    assert _header_count(client) == 2
    # the dashboard computes its lines anyway: the header shows (and keeps) the same
    kept[("attention", prog.p1.id)] = (stamp, until, 7)
    assert _header_count(client, "/dashboard") == 2
    assert kept[("attention", prog.p1.id)][2] == 2
    assert frame.KEEP_SECONDS <= 60
