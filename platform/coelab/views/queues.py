"""Work queues: what waits for each person, for their dashboard's "À traiter" and the
header's count (docs/architecture.md, "Work queues").

The core's lines come from the states of the workflow (:mod:`coelab.deliverables.steps`),
the juries, the assessments and the comment threads; each is a
:class:`coelab.plugins.AttentionItem` whose link leads to the exact place to act (a
section of the deliverable's page: ``#texte``, ``#commentaires``, ``#evaluations``,
``#jury``; a jury's page).

Two rules hold:

- **A fixed number of queries**, whatever the number of works, people or comments:
  the candidates are read by role in grouped queries (:func:`_snapshot`), never one
  query per deliverable.
- **Only what the person may do now**: each candidate names the policy's action that
  doing it asks (``deliverable.start_review``, ``assessment.create``,
  ``deliverable.sign_minutes``...), and is listed only if :func:`coelab.policy.can`
  grants it. As the policy's rules read the database, at most :data:`LISTED` lines of
  a kind are asked and listed; the others of that kind are counted on one line ("… et
  12 autres") that leads to where they are all listed.

This module is at the views' layer: it reads models, asks the policy and builds links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, g, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from .. import frame
from ..assessments.models import Assessment, AssessmentKind, AssessmentStatus
from ..comments.models import Comment, CommentThread, CommentVisibility
from ..db import db, local_today, utcnow
from ..deliverables.models import Deliverable, DeliverableState, Submission
from ..deliverables.operations import Obligation, authors_label, obligations_for
from ..deliverables.steps import JURY_SCORING, SOUTENANCE, route_of
from ..jury.models import (
    Impartiality,
    JuryDecision,
    JuryPanel,
    MinutesSignature,
    PanelDeliverable,
    PanelMember,
    PanelRole,
    Soutenance,
)
from ..jury.operations import seats_of
from ..models import Cohort, CohortRole, Membership, Team, TeamMember, User
from ..plugins import AttentionItem, registry
from ..policy import can, is_staff, roles_of

S = DeliverableState

#: how many lines of one kind are asked of the policy and listed; the rest are counted
LISTED = 5
#: how long a released result stays in its authors' queue
RESULT_SHOWN = timedelta(days=30)
#: the jury's states, from a work ready for its jury to the release of its result
JURY_STATES = (S.READY_FOR_JURY, S.SOUTENANCE_SCHEDULED, S.DELIBERATION, S.DECIDED)


@dataclass
class Candidate:
    """A line that may be listed: its item, the policy's ``action`` on ``obj`` it asks
    (None: nothing to ask, the query said it all), the ``group`` it is counted in and
    where all the lines of that group are (``more_url``)."""

    item: AttentionItem
    action: str | None
    obj: Any
    group: str
    more_url: str


def _page(deliverable: Deliverable, section: str = "") -> str:
    url = url_for("deliverables.page", deliverable_id=deliverable.id)
    return f"{url}#{section}" if section else url


def _names(users: Iterable[str]) -> str:
    return ", ".join(sorted(set(users)))


# --- what is read, in a fixed number of queries ------------------------------------------

@dataclass
class Snapshot:
    """What the queues of one person are computed from."""

    user: User
    staff: bool
    roles: dict[int, CohortRole] = field(default_factory=dict)
    authored: list[Deliverable] = field(default_factory=list)
    reviewing: list[Deliverable] = field(default_factory=list)
    judged: list[Deliverable] = field(default_factory=list)  # jury states: staff, panels
    seats: list[PanelMember] = field(default_factory=list)  # the person's, on any panel
    panel_of: dict[int, int] = field(default_factory=dict)  # deliverable -> panel
    members: dict[int, list[PanelMember]] = field(default_factory=dict)  # panel -> members
    soutenances: dict[int, Soutenance] = field(default_factory=dict)  # deliverable ->
    decisions: dict[int, JuryDecision] = field(default_factory=dict)  # current round
    scores: dict[int, dict[int, AssessmentStatus]] = field(default_factory=dict)
    my_reviews: dict[int, AssessmentStatus] = field(default_factory=dict)
    signed: dict[int, set[int]] = field(default_factory=dict)  # decision -> signers
    threads: list[tuple] = field(default_factory=list)

    def cohorts(self, role: CohortRole) -> set[int]:
        return {c for c, r in self.roles.items() if r == role}


def _with_people(query):
    return query.options(joinedload(Deliverable.team), joinedload(Deliverable.owner),
                         joinedload(Deliverable.cohort))


def _snapshot(user: User) -> Snapshot:
    snap = Snapshot(user=user, staff=is_staff(user))
    snap.roles = roles_of(user)  # read once per request with the policy's facts
    trainee = snap.cohorts(CohortRole.TRAINEE)
    trainer = snap.cohorts(CohortRole.TRAINER)
    # the soutenance, decision and signatures of the works they write that are before
    # the jury (scheduled or released), read with those works: (id, soutenance,
    # decision, signer) rows, kept below for the works no panel of theirs judges
    authored_jury_rows: list[tuple] = []
    if trainee:
        # the works they write (coelab.policy.is_document_author: its owner; else its
        # team; else every trainee of its cohort), in one query with what the jury did
        # of them (a row per signature)
        teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
        at_jury = Deliverable.state.in_((S.SOUTENANCE_SCHEDULED, S.RELEASED))
        for d, soutenance, decision, signer in db.session.execute(_with_people(
                select(Deliverable, Soutenance, JuryDecision, MinutesSignature.user_id)
                .where(or_(Deliverable.owner_id == user.id,
                           and_(Deliverable.owner_id.is_(None),
                                Deliverable.team_id.in_(teams)),
                           and_(Deliverable.owner_id.is_(None), Deliverable.team_id.is_(None),
                                Deliverable.cohort_id.in_(trainee))))
                .outerjoin(Soutenance, and_(Soutenance.deliverable_id == Deliverable.id,
                                            at_jury))
                .outerjoin(JuryDecision, and_(JuryDecision.deliverable_id == Deliverable.id,
                                              JuryDecision.round == Deliverable.round,
                                              at_jury))
                .outerjoin(MinutesSignature, MinutesSignature.decision_id == JuryDecision.id)
                .order_by(Deliverable.id))).unique():
            if not snap.authored or snap.authored[-1].id != d.id:
                snap.authored.append(d)
            authored_jury_rows.append((d.id, soutenance, decision, signer))
    if trainer:
        snap.reviewing = list(db.session.scalars(_with_people(select(Deliverable).where(
            Deliverable.cohort_id.in_(trainer),
            Deliverable.state.in_((S.SUBMITTED, S.IN_REVIEW))).order_by(Deliverable.id)))
            .unique())
    snap.seats = seats_of(user)  # read once per request (the header's links ask too)
    sitting = [m.panel_id for m in snap.seats if m.impartiality == Impartiality.ACCEPTED]
    judged = Deliverable.state.in_(JURY_STATES)
    if snap.staff or sitting:
        # the works in the jury's hands with their panel, soutenance, decision on the
        # current round and its signatures, in one query (a row per signature)
        query = (select(Deliverable, PanelDeliverable.panel_id, Soutenance, JuryDecision,
                        MinutesSignature.user_id)
                 .where(judged)
                 .outerjoin(PanelDeliverable, PanelDeliverable.deliverable_id == Deliverable.id)
                 .outerjoin(Soutenance, Soutenance.deliverable_id == Deliverable.id)
                 .outerjoin(JuryDecision, and_(JuryDecision.deliverable_id == Deliverable.id,
                                               JuryDecision.round == Deliverable.round))
                 .outerjoin(MinutesSignature, MinutesSignature.decision_id == JuryDecision.id))
        if not snap.staff:
            query = query.where(Deliverable.id.in_(select(PanelDeliverable.deliverable_id)
                                                  .where(PanelDeliverable.panel_id.in_(sitting))))
        for d, panel_id, soutenance, decision, signer in db.session.execute(
                _with_people(query).order_by(Deliverable.id)).unique():
            if not snap.judged or snap.judged[-1].id != d.id:
                snap.judged.append(d)
            if panel_id is not None:
                snap.panel_of[d.id] = panel_id
            if soutenance is not None:
                snap.soutenances[d.id] = soutenance
            if decision is not None:
                snap.decisions[d.id] = decision
                signers = snap.signed.setdefault(decision.id, set())
                if signer is not None:
                    signers.add(signer)
    jury_ids = [d.id for d in snap.judged]
    authored_jury = [d.id for d in snap.authored
                     if d.state in (S.SOUTENANCE_SCHEDULED, S.RELEASED)
                     and d.id not in set(jury_ids)]
    if jury_ids:
        panels = set(snap.panel_of.values())
        seated = {m.panel_id: m.panel for m in snap.seats}
        if panels <= set(seated):
            # the panels they sit on: read with their seats, members and people
            for panel_id in panels:
                snap.members[panel_id] = list(seated[panel_id].members)
        else:
            for member in db.session.scalars(
                    select(PanelMember).where(PanelMember.panel_id.in_(panels))
                    .options(joinedload(PanelMember.user)).order_by(PanelMember.id)):
                snap.members.setdefault(member.panel_id, []).append(member)
        # the submitted or drafted scores of each work's current round, in its panel
        for did, assessor, status in db.session.execute(
                select(Assessment.deliverable_id, Assessment.assessor_id, Assessment.status)
                .join(Deliverable, Deliverable.id == Assessment.deliverable_id)
                .join(PanelDeliverable, and_(
                    PanelDeliverable.deliverable_id == Assessment.deliverable_id,
                    PanelDeliverable.panel_id == Assessment.panel_id))
                .where(Assessment.deliverable_id.in_(jury_ids),
                       Assessment.kind == AssessmentKind.JURY,
                       Assessment.round == Deliverable.round,
                       Assessment.withdrawn_at.is_(None))):
            snap.scores.setdefault(did, {})[assessor] = status
    if authored_jury:
        # their works before the jury: their soutenance, the decision on the current
        # round and its signatures, read with the works they write
        wanted = set(authored_jury)
        for did, soutenance, decision, signer in authored_jury_rows:
            if did not in wanted:
                continue
            if soutenance is not None:
                snap.soutenances[did] = soutenance
            if decision is not None:
                snap.decisions[did] = decision
                if signer is not None:
                    snap.signed.setdefault(decision.id, set()).add(signer)
    in_review = [d.id for d in snap.reviewing if d.state == S.IN_REVIEW]
    if in_review:
        snap.my_reviews = dict(db.session.execute(
            select(Assessment.deliverable_id, Assessment.status)
            .join(Submission, Submission.id == Assessment.submission_id)
            .join(Deliverable, Deliverable.id == Assessment.deliverable_id)
            .where(Assessment.deliverable_id.in_(in_review),
                   Assessment.assessor_id == user.id,
                   Assessment.kind == AssessmentKind.REVIEW,
                   Submission.round == Deliverable.round)).all())
    snap.threads = _open_threads(snap, trainer)
    return snap


def _open_threads(snap: Snapshot, trainer: set[int]) -> list[tuple]:
    """The open discussions (threads for the authors, not resolved) on the works the
    person writes or trains: (deliverable, number of messages... ) as rows of the
    deliverable's id, the last message's author's name, their role in its cohort."""
    where = []
    if snap.authored:
        where.append(CommentThread.deliverable_id.in_([d.id for d in snap.authored]))
    if trainer:
        where.append(Deliverable.cohort_id.in_(trainer))
    if not where:
        return []
    last = (select(Comment.thread_id, func.max(Comment.id).label("last_id"))
            .group_by(Comment.thread_id).subquery())
    return db.session.execute(
        select(CommentThread.deliverable_id, Deliverable.cohort_id, Comment.author_id,
               User.first_name, User.last_name, Membership.role)
        .join(Deliverable, Deliverable.id == CommentThread.deliverable_id)
        .join(last, last.c.thread_id == CommentThread.id)
        .join(Comment, Comment.id == last.c.last_id)
        .outerjoin(User, User.id == Comment.author_id)
        .outerjoin(Membership, and_(Membership.user_id == Comment.author_id,
                                    Membership.cohort_id == Deliverable.cohort_id))
        .where(or_(*where), CommentThread.resolved.is_(False),
               CommentThread.visibility == CommentVisibility.AUTHORS)
        .order_by(CommentThread.id)).all()


# --- the lines, by role ------------------------------------------------------------------

def _writing(snap: Snapshot, obligations: list[Obligation]) -> Iterable[Candidate]:
    """A trainee's work to start, write and hand in (their obligations)."""
    workspace = "core.workspace"
    for o in obligations:
        d = o.deliverable
        cohort_url = url_for(workspace, cohort_id=o.cohort.id)
        if o.blocked:
            text = _("%(kind)s : vous n'êtes pas encore dans une équipe de « %(cohort)s ».",
                     kind=o.kind.label, cohort=o.cohort.name)
            yield Candidate(AttentionItem(text, cohort_url, order=5, due=o.due_date,
                                          kind="write"), None, None, "write", cohort_url)
        elif d is None:
            text = _("%(kind)s : à commencer (cohorte « %(cohort)s »).",
                     kind=o.kind.label, cohort=o.cohort.name)
            yield Candidate(AttentionItem(text, cohort_url, order=5, due=o.due_date,
                                          kind="write"),
                            "deliverable.start", o.cohort, "write", cohort_url)
        elif d.state == S.CHANGES_REQUESTED:
            text = _("« %(title)s » : des modifications sont demandées ; reprenez le texte "
                     "puis remettez-le.", title=d.title)
            yield Candidate(AttentionItem(text, _page(d, "texte"), order=4, due=o.due_date,
                                          kind="write"),
                            "deliverable.submit", d, "write", cohort_url)
        elif d.state == S.DRAFT and o.due_date is not None:
            text = _("« %(title)s » : à remettre.", title=d.title)
            yield Candidate(AttentionItem(text, _page(d, "texte"), order=5, due=o.due_date,
                                          kind="write"),
                            "deliverable.submit", d, "write", cohort_url)


def _authored(snap: Snapshot) -> Iterable[Candidate]:
    """A trainee's soutenances to come, results released lately, a new hand-in the jury
    allowed."""
    today = local_today()
    mine = url_for("core.dashboard")
    for d in snap.authored:
        soutenance = snap.soutenances.get(d.id)
        if d.state == S.SOUTENANCE_SCHEDULED and soutenance is not None:
            if _day(soutenance.starts_at) >= today:
                text = _("Soutenance de « %(title)s »%(place)s.", title=d.title,
                         place=_(" — %(place)s", place=soutenance.place)
                         if soutenance.place else "")
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=6,
                                              due=soutenance.starts_at, kind="soutenance"),
                                "jury.calendar", d, "soutenance", mine)
        decision = snap.decisions.get(d.id)
        if d.state == S.RELEASED and decision is not None and decision.released_at:
            if decision.resubmission_allowed:
                text = _("« %(title)s » : le jury permet une nouvelle remise ; commencez-la.",
                         title=d.title)
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=4, kind="write"),
                                "deliverable.reopen_for_resubmission", d, "write", mine)
            elif decision.released_at >= utcnow() - RESULT_SHOWN:
                text = _("Le résultat du jury sur « %(title)s » est publié.", title=d.title)
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=7,
                                              kind="result"),
                                "jury.read_decision", d, "result", mine)


def _comments(snap: Snapshot) -> Iterable[Candidate]:
    """Discussions waiting for an answer: from the authors when the last message is not
    a trainee's (a trainer asked), from the trainers when it is (a trainee answered or
    asked)."""
    authored = {d.id: d for d in snap.authored}
    trained = snap.cohorts(CohortRole.TRAINER)
    for_authors: dict[int, list[str]] = defaultdict(list)
    for_trainers: dict[int, list[str]] = defaultdict(list)
    for did, cohort_id, author_id, first, last, role in snap.threads:
        if author_id == snap.user.id:
            continue  # they spoke last: waiting for the others
        name = f"{first or ''} {last or ''}".strip() or _("un compte supprimé")
        if did in authored and role != CohortRole.TRAINEE:
            for_authors[did].append(name)
        elif cohort_id in trained and role == CohortRole.TRAINEE:
            for_trainers[did].append(name)
    others = {d.id: d for d in snap.reviewing} | {d.id: d for d in snap.judged}
    missing = [i for i in for_trainers if i not in others and i not in authored]
    if missing:
        others |= {d.id: d for d in db.session.scalars(
            _with_people(select(Deliverable).where(Deliverable.id.in_(missing)))).unique()}
    for did, names in for_authors.items():
        d = authored[did]
        text = ngettext("« %(title)s » : %(num)d commentaire attend votre réponse.",
                        "« %(title)s » : %(num)d commentaires attendent votre réponse.",
                        len(names), title=d.title)
        yield Candidate(AttentionItem(text, _page(d, "commentaires"), order=8,
                                      kind="comment", waiting=_names(names)),
                        "comment.create", d, "comment:authors", url_for("core.dashboard"))
    for did, names in for_trainers.items():
        d = others.get(did) or authored[did]
        text = ngettext("« %(title)s » : %(num)d commentaire attend une réponse.",
                        "« %(title)s » : %(num)d commentaires attendent une réponse.",
                        len(names), title=d.title)
        yield Candidate(AttentionItem(text, _page(d, "commentaires"), order=18,
                                      kind="comment", waiting=_names(names)),
                        "comment.create", d, "comment:trainers",
                        url_for("deliverables.cohort_table", cohort_id=d.cohort_id))


def _reviews(snap: Snapshot) -> Iterable[Candidate]:
    """A trainer's reviews: work handed in to start reviewing, assessments to write or
    submit, reviews to conclude."""
    for d in snap.reviewing:
        table = url_for("deliverables.cohort_table", cohort_id=d.cohort_id)
        who = authors_label(d)
        if d.state == S.SUBMITTED:
            text = _("« %(title)s » est remis : commencez la relecture.", title=d.title)
            yield Candidate(AttentionItem(text, _page(d), order=15, kind="review",
                                          waiting=who),
                            "deliverable.start_review", d, "review:start", table)
            continue
        status = snap.my_reviews.get(d.id)
        if status is None:
            text = _("« %(title)s » : rédigez votre évaluation.", title=d.title)
        elif status == AssessmentStatus.DRAFT:
            text = _("« %(title)s » : terminez et soumettez votre évaluation.", title=d.title)
        else:
            text = _("« %(title)s » : concluez la relecture (modifications demandées ou "
                     "prêt pour le jury).", title=d.title)
            yield Candidate(AttentionItem(text, _page(d), order=17, kind="review",
                                          waiting=who),
                            "deliverable.ready_for_jury", d, "review:conclude", table)
            continue
        yield Candidate(AttentionItem(text, _page(d, "evaluations"), order=16,
                                      kind="assess", waiting=who),
                        "assessment.create", d, "review:assess", table)


def _sitting(snap: Snapshot, panel_id: int | None) -> list[PanelMember]:
    return [m for m in snap.members.get(panel_id, [])
            if m.impartiality == Impartiality.ACCEPTED]


def _day(moment: datetime) -> date:
    """The programme's day of a moment (its timezone: ``BABEL_DEFAULT_TIMEZONE``), as
    coelab.jury.operations.deliberation_refusal reads a soutenance's day."""
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _jury_staff(snap: Snapshot) -> Iterable[Candidate]:
    """The coordination's part of the jury's work: panels to compose, soutenances to
    schedule, deliberations to open, scores and signatures missing, results to
    release."""
    today = local_today()
    without: dict[int, list[Deliverable]] = defaultdict(list)
    for d in snap.judged:
        panel_id = snap.panel_of.get(d.id)
        panels = url_for("jury.cohort_panels", cohort_id=d.cohort_id)
        if panel_id is None:
            if d.state == S.READY_FOR_JURY:
                without[d.cohort_id].append(d)
            continue
        panel_url = url_for("jury.panel", panel_id=panel_id)
        soutenance = snap.soutenances.get(d.id)
        written = route_of(d) != SOUTENANCE
        if d.state == S.READY_FOR_JURY and not written:
            text = _("« %(title)s » : programmez la soutenance.", title=d.title)
            yield Candidate(AttentionItem(text, f"{panel_url}#work-title", order=42,
                                          kind="jury", waiting=authors_label(d)),
                            "deliverable.schedule_soutenance", d, "staff:schedule", panels)
        elif d.state in (S.READY_FOR_JURY, S.SOUTENANCE_SCHEDULED) and written:
            text = _("« %(title)s » : ouvrez l'examen du travail écrit.", title=d.title)
            yield Candidate(AttentionItem(text, _page(d, "jury"), order=43, kind="jury"),
                            "deliverable.open_examination", d, "staff:open", panels)
        elif (d.state == S.SOUTENANCE_SCHEDULED and soutenance is not None
              and _day(soutenance.starts_at) <= today):
            text = _("« %(title)s » : la soutenance a eu lieu ; ouvrez la délibération.",
                     title=d.title)
            yield Candidate(AttentionItem(text, _page(d, "jury"), order=43,
                                          due=soutenance.starts_at, kind="jury"),
                            "deliverable.open_deliberation", d, "staff:open", panels)
        elif d.state == S.DELIBERATION:
            scores = snap.scores.get(d.id, {})
            late = [m.user.full_name for m in _sitting(snap, panel_id)
                    if scores.get(m.user_id) != AssessmentStatus.SUBMITTED]
            if late:
                text = ngettext("« %(title)s » : %(num)d note du jury manque.",
                                "« %(title)s » : %(num)d notes du jury manquent.",
                                len(late), title=d.title)
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=44,
                                              kind="jury", waiting=_names(late)),
                                "jury.read_scores", d, "staff:scores", panels)
        elif d.state == S.DECIDED:
            decision = snap.decisions.get(d.id)
            if decision is None:
                continue
            signed = snap.signed.get(decision.id, set())
            late = [m.user.full_name for m in _sitting(snap, decision.panel_id)
                    if m.user_id not in signed]
            if late:
                text = ngettext("« %(title)s » : %(num)d signature du procès-verbal manque.",
                                "« %(title)s » : %(num)d signatures du procès-verbal "
                                "manquent.", len(late), title=d.title)
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=45,
                                              kind="sign", waiting=_names(late)),
                                "jury.read_decision", d, "staff:minutes", panels)
            else:
                text = _("« %(title)s » : procès-verbal signé ; publiez le résultat aux "
                         "auteurs.", title=d.title)
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=41,
                                              kind="release", waiting=authors_label(d)),
                                "deliverable.release", d, "staff:release", panels)
    cohorts = {d.cohort_id: d.cohort for ds in without.values() for d in ds}
    for cohort_id, works in without.items():
        url = url_for("jury.cohort_panels", cohort_id=cohort_id)
        text = ngettext(
            "%(cohort)s : %(num)d travail prêt pour le jury n'a pas encore de jury.",
            "%(cohort)s : %(num)d travaux prêts pour le jury n'ont pas encore de jury.",
            len(works), cohort=cohorts[cohort_id].name)
        yield Candidate(AttentionItem(text, url, order=40, kind="jury", count=len(works)),
                        "jury.manage", cohorts[cohort_id], "staff:panel", url)


def _panels_without_president() -> Iterable[Candidate]:
    """Panels that still judge something (or nothing yet) and have no president who has
    not declined."""
    president = exists().where(PanelMember.panel_id == JuryPanel.id,
                               PanelMember.role == PanelRole.PRESIDENT,
                               PanelMember.impartiality != Impartiality.DECLINED)
    assigned = exists().where(PanelDeliverable.panel_id == JuryPanel.id)
    pending = exists().where(PanelDeliverable.panel_id == JuryPanel.id,
                             PanelDeliverable.deliverable_id == Deliverable.id,
                             Deliverable.state != S.RELEASED)
    for panel in db.session.scalars(
            select(JuryPanel).options(joinedload(JuryPanel.cohort))
            .where(~president, or_(~assigned, pending)).order_by(JuryPanel.created_at)):
        url = url_for("jury.panel", panel_id=panel.id)
        text = _("Jury « %(title)s » (%(cohort)s) : pas encore de président·e.",
                 title=panel.title, cohort=panel.cohort.name)
        yield Candidate(AttentionItem(text, f"{url}#members-title", order=41, kind="jury"),
                        "jury.manage", None, "staff:president",
                        url_for("jury.cohort_panels", cohort_id=panel.cohort_id))


def _jury_member(snap: Snapshot) -> Iterable[Candidate]:
    """A juror's part: the declaration, the soutenances, their scores, the president's
    steps, their signature."""
    today = local_today()
    mine = url_for("jury.mine")
    by_panel: dict[int, list[Deliverable]] = defaultdict(list)
    for d in snap.judged:
        if d.id in snap.panel_of:
            by_panel[snap.panel_of[d.id]].append(d)
    for seat in snap.seats:
        panel = seat.panel
        if seat.impartiality == Impartiality.PENDING:
            url = url_for("jury.panel", panel_id=panel.id)
            text = _("Jury « %(title)s » (%(cohort)s) : déclarez votre impartialité avant "
                     "de voir les travaux.", title=panel.title, cohort=panel.cohort.name)
            yield Candidate(AttentionItem(text, f"{url}#declare-title", order=20,
                                          kind="jury"),
                            "jury.declare", panel, "juror:declare", mine)
            continue
        if seat.impartiality != Impartiality.ACCEPTED:
            continue
        president = seat.role == PanelRole.PRESIDENT
        for d in by_panel.get(panel.id, []):
            soutenance = snap.soutenances.get(d.id)
            scores = snap.scores.get(d.id, {})
            written = route_of(d) != SOUTENANCE
            if (d.state == S.SOUTENANCE_SCHEDULED and soutenance is not None
                    and _day(soutenance.starts_at) >= today):
                text = _("Soutenance de « %(title)s » (jury « %(panel)s »)%(place)s.",
                         title=d.title, panel=panel.title,
                         place=_(" — %(place)s", place=soutenance.place)
                         if soutenance.place else "")
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=21,
                                              due=soutenance.starts_at, kind="soutenance"),
                                "jury.calendar", d, "juror:soutenance", mine)
            if d.state in JURY_SCORING and scores.get(seat.user_id) != AssessmentStatus.SUBMITTED:
                text = (_("« %(title)s » : terminez et soumettez votre note.", title=d.title)
                        if scores.get(seat.user_id) == AssessmentStatus.DRAFT else
                        _("« %(title)s » : donnez votre note.", title=d.title))
                yield Candidate(AttentionItem(text, _page(d, "evaluations"), order=22,
                                              kind="assess"),
                                "assessment.create", d, "juror:score", mine)
            if president:
                yield from _president(snap, d, panel.id, soutenance, written, today, mine)
            decision = snap.decisions.get(d.id)
            if (d.state == S.DECIDED and decision is not None
                    and seat.user_id not in snap.signed.get(decision.id, set())):
                text = _("« %(title)s » : signez le procès-verbal.", title=d.title)
                yield Candidate(AttentionItem(text, _page(d, "jury"), order=23, kind="sign"),
                                "deliverable.sign_minutes", d, "juror:sign", mine)


def _president(snap: Snapshot, d: Deliverable, panel_id: int, soutenance, written: bool,
               today: date, mine: str) -> Iterable[Candidate]:
    if snap.staff:
        return  # the coordination's lines say it already
    if d.state == S.SOUTENANCE_SCHEDULED and not written and soutenance is not None \
            and _day(soutenance.starts_at) <= today:
        text = _("« %(title)s » : la soutenance a eu lieu ; ouvrez la délibération.",
                 title=d.title)
        yield Candidate(AttentionItem(text, _page(d, "jury"), order=24, kind="decide",
                                      due=soutenance.starts_at),
                        "deliverable.open_deliberation", d, "juror:president", mine)
    elif d.state == S.READY_FOR_JURY and written:
        text = _("« %(title)s » : ouvrez l'examen du travail écrit.", title=d.title)
        yield Candidate(AttentionItem(text, _page(d, "jury"), order=24, kind="decide"),
                        "deliverable.open_examination", d, "juror:president", mine)
    elif d.state == S.DELIBERATION:
        scores = snap.scores.get(d.id, {})
        complete = all(scores.get(m.user_id) == AssessmentStatus.SUBMITTED
                       for m in _sitting(snap, panel_id))
        if complete or not written:
            text = _("« %(title)s » : enregistrez la décision du jury.", title=d.title)
            yield Candidate(AttentionItem(text, _page(d, "jury"), order=24, kind="decide"),
                            "deliverable.decide", d, "juror:president", mine)


def _people() -> Iterable[Candidate]:
    """The coordination's: invitations not accepted, trainees without a team."""
    users = url_for("core.users")
    invited = select(func.count()).select_from(User).where(User.active.is_(False))
    in_team = (select(TeamMember.id).join(Team)
               .where(TeamMember.user_id == Membership.user_id,
                      Team.cohort_id == Membership.cohort_id))
    # the invitations pending ride along with the cohorts' rows (one query, not two)
    rows = db.session.execute(
        select(Cohort.id, Cohort.name, func.count(Membership.id),
               invited.correlate(None).scalar_subquery())
        .join(Membership)
        .where(Membership.role == CohortRole.TRAINEE, ~in_team.exists())
        .group_by(Cohort.id, Cohort.name)
        .order_by(Cohort.name)
    ).all()
    pending = rows[0][3] if rows else db.session.scalar(invited)
    if pending:
        yield Candidate(AttentionItem(
            ngettext("%(num)d invitation n'a pas encore été acceptée.",
                     "%(num)d invitations n'ont pas encore été acceptées.", pending),
            users, order=50, kind="people"), None, None, "people:invited", users)
    for cohort_id, cohort_name, count, _pending in rows:
        url = url_for("core.teams", cohort_id=cohort_id)
        yield Candidate(AttentionItem(
            ngettext("%(cohort)s : %(num)d stagiaire n'a pas encore d'équipe.",
                     "%(cohort)s : %(num)d stagiaires n'ont pas encore d'équipe.",
                     count, cohort=cohort_name),
            url, order=60, kind="people", count=count),
            None, None, f"people:teams:{cohort_id}", url)


# --- choosing what is listed -------------------------------------------------------------

def _more(group: list[Candidate], hidden: int) -> AttentionItem:
    first = group[0].item
    return AttentionItem(
        ngettext("… et %(num)d autre de même nature.", "… et %(num)d autres de même nature.",
                 hidden),
        group[0].more_url, order=first.order, kind=first.kind, count=hidden)


def listed(user: User, candidates: Iterable[Candidate],
           ask: Callable[[Any, str, Any], bool] = can) -> list[AttentionItem]:
    """The lines to list: in each group, the :data:`LISTED` most urgent candidates the
    policy grants (``ask``: :func:`coelab.policy.can`), then one line counting the
    others of the group."""
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        groups[candidate.group].append(candidate)
    out: list[AttentionItem] = []
    for group in groups.values():
        group.sort(key=lambda c: c.item.urgency)
        asked = group[:LISTED]
        for c in asked:
            if c.action is None or ask(user, c.action, c.obj):
                out.append(c.item)
        hidden = sum(c.item.count for c in group[LISTED:])
        if hidden:
            out.append(_more(group[LISTED:], hidden))
    return out


def core_items(user: User) -> list[AttentionItem]:
    """The core's lines of "À traiter" for ``user``."""
    if not user.is_authenticated:
        return []
    snap = _snapshot(user)
    candidates: list[Candidate] = []
    candidates += _writing(snap, obligations_cached(user))
    candidates += _authored(snap)
    candidates += _comments(snap)
    candidates += _reviews(snap)
    candidates += _jury_member(snap)
    if snap.staff:
        candidates += _jury_staff(snap)
        candidates += _panels_without_president()
        candidates += _people()
    return listed(user, candidates)


def obligations_cached(user: User) -> list[Obligation]:
    """:func:`coelab.deliverables.operations.obligations_for`, read once per request
    (the queue and the dashboard's "Mes livrables" both show them)."""
    cache = g.setdefault("coelab_obligations", {})
    if user.id not in cache:
        cache[user.id] = obligations_for(user)
    return cache[user.id]


def attention(user: User) -> list[AttentionItem]:
    """Every plugin's lines for ``user`` (the core's among them), most urgent first; read
    once per request (the dashboard and the header's count share them)."""
    if not user.is_authenticated:
        return []
    cache = g.setdefault("coelab_attention", {})
    if user.id not in cache:
        items = registry().collect("attention_items", user)
        cache[user.id] = sorted(items, key=lambda item: item.urgency)
    return cache[user.id]


def attention_count(user: User) -> int:
    """The header's "À traiter (n)": what the lines stand for, summed."""
    return sum(item.count for item in attention(user))


def header_count(user: User) -> int:
    """:func:`attention_count` for the header of every page: kept between requests until
    the next write (coelab.frame), unless this page computed the lines anyway."""
    if not user.is_authenticated:
        return 0
    if user.id in g.get("coelab_attention", {}):
        count = attention_count(user)
        frame.remember("attention", user.id, count)
        return count
    return frame.kept("attention", user.id, lambda: attention_count(user))


def jury_overview(user: User) -> list[dict]:
    """The panels a person sits on, with their soutenances, for the dashboard of someone
    who may belong to no cohort (an external juror). The works' titles and dates are
    shown once they declared their impartiality (before, the work stays out of their
    sight: coelab.policy.is_juror)."""
    seats = seats_of(user)  # read once per request (the header's links ask too)
    sitting = {s.panel_id for s in seats if s.impartiality == Impartiality.ACCEPTED}
    works: dict[int, list[dict]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    today = local_today()
    if seats:
        # the works of every panel of theirs in one query: counted for each, listed for
        # the panels they sit on only
        for d, soutenance, panel_id in db.session.execute(
                select(Deliverable, Soutenance, PanelDeliverable.panel_id)
                .join(PanelDeliverable, PanelDeliverable.deliverable_id == Deliverable.id)
                .outerjoin(Soutenance, Soutenance.deliverable_id == Deliverable.id)
                .where(PanelDeliverable.panel_id.in_(sorted({s.panel_id for s in seats})))
                .order_by(Soutenance.starts_at, Deliverable.title)):
            counts[panel_id] += 1
            if panel_id in sitting:
                works[panel_id].append({
                    "deliverable": d, "soutenance": soutenance,
                    "upcoming": (soutenance is not None
                                 and _day(soutenance.starts_at) >= today)})
    out = []
    for s in seats:
        mine = works.get(s.panel_id, [])
        # a panel whose every work has its result released is history ("Mes jurys")
        done = bool(mine) and all(w["deliverable"].state == S.RELEASED for w in mine)
        out.append({"panel": s.panel, "member": s, "works": mine, "done": done,
                    "count": counts[s.panel_id]})
    return out
