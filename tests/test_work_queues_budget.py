"""One query budget per dashboard (issue 17, "Work queues"): the queries a dashboard asks
do not grow with the number of trainees or deliverables. A cohort of 10 then 30 trainees
with 10 deliverables each, spread over every workflow state (reviews, juries, scores,
decisions, signatures, comment threads), is shown to a trainee, their trainer, the
coordination and a juror; SQLAlchemy's ``before_cursor_execute`` counts the queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from coelab.assessments.models import Assessment, AssessmentKind, AssessmentStatus
from coelab.comments.models import Comment, CommentThread
from coelab.db import db
from coelab.deliverables.models import (
    AuthorshipMode,
    Deliverable,
    DeliverableState,
    Submission,
)
from coelab.documents.models import Document, DocumentVersion
from coelab.jury import operations as jops
from coelab.jury.models import (
    JuryDecision,
    MinutesSignature,
    Outcome,
    PanelDeliverable,
    PanelRole,
    Soutenance,
)
from sqlalchemy import event

from .conftest import login, page, practising_professional, programme_trainer
from .test_deliverables import relog

S = DeliverableState
STATES = list(S)
PER_TRAINEE = 10
#: the most queries any of these dashboards may ask, whatever the numbers
BUDGET = 25


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


class World:
    """A cohort, its trainer, the coordination, a panel (an internal president, a
    practising professional) and trainees with works in every state."""

    def __init__(self, make, *, coordinator=None, trainer=None, internal=None, pro=None,
                 name: str = "Budget"):
        """``coordinator``, ``trainer``, ``internal`` (the president) and ``pro`` (an
        active practising professional) may be people who exist already (the demo's);
        the others are made."""
        self.make = make
        self.cohort = make.cohort(name)
        self.coordinator = coordinator or make.user("Coord", coordinator=True)
        self.trainer = trainer or make.user("Formatrice")
        make.member(self.cohort, self.trainer, "trainer")
        self.panel = jops.create_panel(self.coordinator, self.cohort, "Jury")
        internal = internal or make.user("Interne")
        programme_trainer(internal)
        self.president = jops.add_member(self.coordinator, self.panel, internal,
                                         PanelRole.PRESIDENT)
        if pro is None:
            self.pro = practising_professional(self.coordinator, self.panel)
        else:
            self.pro = jops.add_member(self.coordinator, self.panel, pro, PanelRole.MEMBER,
                                       external=True)
        jops.declare(self.president, impartial=True)
        jops.declare(self.pro, impartial=True)
        self.trainees = []
        self.n = 0

    def grow(self, trainees: int) -> None:
        """Add trainees, each with PER_TRAINEE works in states taken in turn."""
        now = datetime.now(UTC)
        for _ in range(trainees):
            trainee = self.make.user("Stagiaire")
            self.make.member(self.cohort, trainee)
            self.trainees.append(trainee)
            for j in range(PER_TRAINEE):
                self.n += 1
                state = STATES[self.n % len(STATES)]
                kind = "collective_case_study" if j % 2 else "mini_diagnostic"
                doc = Document(cohort_id=self.cohort.id, title=f"Travail {self.n}",
                               owner_id=trainee.id, kind=kind)
                d = Deliverable(cohort_id=self.cohort.id, kind=kind, title=f"Travail {self.n}",
                                authorship=AuthorshipMode.INDIVIDUAL, owner_id=trainee.id,
                                author_key=f"user:{trainee.id}:{j}", document=doc,
                                state=state, round=1 if state != S.DRAFT else 0)
                db.session.add_all([doc, d])
                db.session.flush()
                thread = CommentThread(deliverable_id=d.id, quote="passage", anchor_start="a",
                                       anchor_end="b", created_by_id=self.trainer.id)
                db.session.add(thread)
                db.session.flush()
                db.session.add(Comment(thread_id=thread.id, author_id=self.trainer.id,
                                       body="Une question ?"))
                if j % 3 == 0:
                    db.session.add(Comment(thread_id=thread.id, author_id=trainee.id,
                                           body="Une réponse."))
                if state == S.DRAFT:
                    continue
                version = DocumentVersion(document_id=doc.id, number=1, label="Remise 1",
                                          state=b"", markdown="", html="")
                db.session.add(version)
                db.session.flush()
                submission = Submission(deliverable_id=d.id, round=1, version_id=version.id,
                                        submitted_by_id=trainee.id, co_authors=[],
                                        statement="ok")
                db.session.add(submission)
                db.session.flush()
                if state == S.IN_REVIEW and j % 2:
                    db.session.add(Assessment(deliverable_id=d.id, submission_id=submission.id,
                                              assessor_id=self.trainer.id, rubric=[], levels={},
                                              comments={}, kind=AssessmentKind.REVIEW))
                if state not in (S.READY_FOR_JURY, S.SOUTENANCE_SCHEDULED, S.DELIBERATION,
                                 S.DECIDED, S.RELEASED):
                    continue
                db.session.add(PanelDeliverable(panel_id=self.panel.id, deliverable_id=d.id))
                if state != S.READY_FOR_JURY:
                    db.session.add(Soutenance(
                        deliverable_id=d.id, panel_id=self.panel.id, duration_minutes=45,
                        starts_at=now + timedelta(days=j - 5), place="Martigues"))
                if state == S.DELIBERATION:
                    db.session.add(Assessment(
                        deliverable_id=d.id, submission_id=submission.id,
                        assessor_id=self.pro.user_id, rubric=[], levels={}, comments={},
                        kind=AssessmentKind.JURY, panel_id=self.panel.id, round=1,
                        status=AssessmentStatus.SUBMITTED, submitted_at=now))
                if state in (S.DECIDED, S.RELEASED):
                    decision = JuryDecision(
                        deliverable_id=d.id, round=1, panel_id=self.panel.id,
                        outcome=Outcome.VALIDATED, reasons="Motifs.",
                        released_at=now if state == S.RELEASED else None)
                    db.session.add(decision)
                    db.session.flush()
                    if j % 2:
                        db.session.add(MinutesSignature(decision_id=decision.id,
                                                        user_id=self.president.user_id))
        db.session.commit()


def _dashboard_queries(client) -> tuple[int, str]:
    client.get("/dashboard")  # anything read once per process is read now
    with counted() as statements:
        response = client.get("/dashboard")
    assert response.status_code == 200
    return len(statements), page(response)


@pytest.mark.parametrize("role", ["trainee", "trainer", "coordinator", "juror"])
def test_a_dashboard_asks_as_many_queries_for_30_trainees_as_for_10(app, make, client,
                                                                   role):
    with app.app_context():
        world = World(make)
        world.grow(10)
        who = {"trainer": world.trainer, "coordinator": world.coordinator,
               "juror": world.pro.user, "trainee": world.trainees[0]}[role]
        login(client, who.email)
        small, html = _dashboard_queries(client)
        before = _count(html)
        assert before > 0  # each of them has work waiting
        world.grow(20)
        relog(client, who)
        large, html = _dashboard_queries(client)
        assert (role, small) == (role, large)
        assert large <= BUDGET, (role, large)
        # the count stands for every line waiting, listed or counted ("… et 12 autres")
        if role == "trainee":
            assert _count(html) == before
        else:
            assert _count(html) > before


def _count(html: str) -> int:
    match = re.search(r'class="queue-link"[^>]*>À traiter \((\d+)\)<', html)
    return int(match.group(1)) if match else 0
