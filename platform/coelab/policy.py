"""The policy engine: the one place that answers "may this user do this action on this
object".

Views call :func:`require` (or :func:`can`), templates call ``can(action, obj)`` to decide
which buttons to show; nothing else checks roles. A person's role is per cohort
(trainee, trainer) or programme-wide (coordinator, admin); a juror's comes from the
panel judging a deliverable.

This module holds the engine and the vocabulary rules are written with (who is staff,
who writes a document, who sits on a deliverable's panel...); it depends on models
only. The rules themselves belong to each feature (``coelab/rules.py`` for people and
cohorts, ``documents/rules.py``, ``deliverables/rules.py``, ``assessments/rules.py``,
``comments/rules.py``, ``jury/rules.py``) and reach the engine through the plugin
contract, like any plugin's (:meth:`coelab.plugins.Plugin.policy_rules`), keyed by
action name. The workflow steps' rules are derived from the workflow table
(:func:`step_rules`, :mod:`coelab.deliverables.steps`).

Each rule is ``rule(user, obj) -> bool``; ``user`` may be anonymous. An object the user
may not even see answers 404, as if it did not exist; one they may see but not act on
answers 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import bindparam, literal, null, select, union_all

from . import memo
from .assessments.models import Assessment
from .db import db
from .deliverables.models import Deliverable
from .deliverables.steps import STEPS, Step, on_route
from .documents.models import Document
from .jury.models import Impartiality, JuryPanel, PanelDeliverable, PanelMember, PanelRole
from .memo import forget as forget_facts  # noqa: F401 - the policy's name for it
from .memo import keeping, read_once, writes_seen  # noqa: F401 - re-exported
from .memo import remember as remember_facts  # noqa: F401 - the policy's name for it
from .models import Cohort, CohortRole, Membership, Team, TeamMember, User

Rule = Callable[[Any, Any], bool]


def is_staff(user: Any) -> bool:
    """Programme-wide staff: coordinators and admins."""
    return bool(user.is_authenticated and (user.is_coordinator or user.is_admin))


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def cohort_role(user: Any, cohort: Cohort) -> CohortRole | None:
    """The user's role in the cohort, or None when they are not a member."""
    return _role_in(user, cohort.id)


# built once (these run for every co-editing update): SQLAlchemy reuses their cache keys
_ROLE_IN = select(Membership.role).where(Membership.cohort_id == bindparam("cohort_id"),
                                         Membership.user_id == bindparam("user_id"))
_IN_TEAM = select(TeamMember.id).where(TeamMember.team_id == bindparam("team_id"),
                                       TeamMember.user_id == bindparam("user_id"))


_ROLES_IN = select(Membership.user_id, Membership.role).where(
    Membership.cohort_id == bindparam("cohort_id"),
    Membership.user_id.in_(bindparam("user_ids", expanding=True)))
_TEAM_MEMBERS_IN = select(TeamMember.user_id).where(
    TeamMember.team_id == bindparam("team_id"),
    TeamMember.user_id.in_(bindparam("user_ids", expanding=True)))

# answers read together for a block (see asked_together): ("role", cohort id, user id)
# -> role or None, ("team", team id, user id) -> member or not
_answers: ContextVar[dict[tuple, Any] | None] = ContextVar("coelab_policy_answers",
                                                           default=None)


@contextmanager
def asked_together(document: Any, user_ids: Iterable[int]) -> Iterator[None]:
    """Within the block, what the document rules ask the database about these people
    (their role in its cohort, their membership of its team) is read in one query.

    The co-editing write path asks whether each author of a batch may write, under the
    document's row lock and in the transaction that stores the batch: one query per
    batch rather than one per author, read at the same moment.
    """
    ids = sorted(set(user_ids))
    answers: dict[tuple, Any] = {}
    if ids and document.owner_id is None:
        sql = db.session.connection()
        if document.team_id is not None:
            members = set(sql.execute(_TEAM_MEMBERS_IN, {
                "team_id": document.team_id, "user_ids": ids}).scalars())
            answers = {("team", document.team_id, i): i in members for i in ids}
        else:
            roles = {user_id: role for user_id, role in sql.execute(_ROLES_IN, {
                "cohort_id": document.cohort_id, "user_ids": ids})}
            answers = {("role", document.cohort_id, i): roles.get(i) for i in ids}
    token = _answers.set(answers)
    try:
        yield
    finally:
        _answers.reset(token)


# --- what a page asks about one person, read once per request ------------------------
# A page asks the rules about many objects (every deliverable of a cohort, every
# document, every score); each rule asks the same few facts about the person (their role
# in a cohort, their teams, their seats on panels). Within an HTTP request those facts
# are read once per person, each in one query, and the rules answer from the sets:
# the same answers, one query per fact instead of one per object. The sets are dropped
# whenever the session writes (a flush, an ORM insert, update or delete, the commit of a
# transaction that wrote, a rollback) and ignored while it holds changes not yet
# flushed, so a request that changes a role and asks again sees the change. Only
# requests that called :func:`remember_facts` keep them (the web pages: ``views/core.py``);
# the co-editing events, background work and code run outside a request ask the
# database each time as before.

_FACTS_KEY = "policy.facts"

_MEMBERSHIPS_OF = select(Membership.cohort_id, Membership.role).where(
    Membership.user_id == bindparam("user_id"))
_SEATS_OF = (select(PanelDeliverable.deliverable_id, Deliverable.document_id, PanelMember.role,
                    PanelMember.panel_id)
             .join(PanelDeliverable, PanelDeliverable.panel_id == PanelMember.panel_id)
             .join(Deliverable, Deliverable.id == PanelDeliverable.deliverable_id)
             .where(PanelMember.user_id == bindparam("user_id"),
                    PanelMember.impartiality == Impartiality.ACCEPTED))
# what a row of _SEATS_AND_TEAMS_OF is (its last column)
_SEAT, _TEAM, _PANEL = 0, 1, 2
# the seats, the teams and whether the person sits on any panel at all, in one query,
# whichever is asked first (a trainee's page asks them all): the impartial seats' rows,
# then one row per team and one per seat of any kind (an id first, the other columns
# empty)
_SEATS_AND_TEAMS_OF = union_all(
    _SEATS_OF.add_columns(literal(_SEAT).label("fact")),
    select(TeamMember.team_id, null(), null(), null(), literal(_TEAM))
    .where(TeamMember.user_id == bindparam("user_id")),
    select(PanelMember.panel_id, null(), null(), null(), literal(_PANEL))
    .where(PanelMember.user_id == bindparam("user_id")))


class Facts:
    """One person's roles, teams and panel seats, each read on first use."""

    def __init__(self, user: Any):
        self.user = user
        self.user_id = user.id
        self._roles: dict[int, CohortRole] | None = None
        self._teams: set[int] | None = None
        self._seats: tuple[set[int], set[int], set[int]] | None = None
        self._panels: set[tuple[int, int]] = set()
        # the panels they have a seat on, impartial or not (None: not read yet)
        self._seated: set[int] | None = None

    @property
    def roles(self) -> dict[int, CohortRole]:
        if self._roles is None:
            if isinstance(self.user, User):
                # the person's memberships, loaded once for the request (the header's
                # links read them too)
                self._roles = {m.cohort_id: CohortRole(m.role) for m in self.user.memberships}
            else:
                self._roles = {cohort_id: CohortRole(role) for cohort_id, role in
                               db.session.execute(_MEMBERSHIPS_OF, {"user_id": self.user_id})}
        return self._roles

    @property
    def teams(self) -> set[int]:
        if self._teams is None:
            self._read_seats_and_teams()
        return self._teams

    @property
    def seats(self) -> tuple[set[int], set[int], set[int]]:
        """(deliverables judged, their documents, deliverables presided), impartial
        seats only."""
        if self._seats is None:
            self._read_seats_and_teams()
        return self._seats

    def _read_seats_and_teams(self) -> None:
        """The person's seats and teams, in one query (``_SEATS_AND_TEAMS_OF``)."""
        judged, documents, presided, teams, seated = set(), set(), set(), set(), set()
        for deliverable_id, document_id, role, panel_id, fact in db.session.execute(
                _SEATS_AND_TEAMS_OF, {"user_id": self.user_id}):
            if fact == _TEAM:
                teams.add(deliverable_id)  # the team's id, in the first column
                continue
            if fact == _PANEL:
                seated.add(deliverable_id)  # the panel's id, in the first column
                continue
            self._panels.add((deliverable_id, panel_id))
            judged.add(deliverable_id)
            documents.add(document_id)
            if role == PanelRole.PRESIDENT:
                presided.add(deliverable_id)
        if self._seats is None:
            self._seats = judged, documents, presided
        if self._teams is None:
            self._teams = teams
        if self._seated is None:
            self._seated = seated

    def sits_on(self, deliverable_id: int, panel_id: int) -> bool:
        """An impartial member of this panel, which judges this deliverable."""
        self.seats  # noqa: B018 - read them
        return (deliverable_id, panel_id) in self._panels


def facts_of(user: Any) -> Facts | None:
    """The person's facts kept for this request, or None when none are kept."""
    kept = memo.kept()
    if kept is None:
        return None
    key = (_FACTS_KEY, user.id)
    found = kept.get(key)
    if found is None:
        found = kept[key] = Facts(user)
    return found


def sits_on(user: Any, deliverable_id: int, panel_id: int) -> bool | None:
    """From the facts kept for the request: whether the person sits, impartial, on this
    panel judging this deliverable; None when no facts are kept (ask the database)."""
    facts = facts_of(user) if user.is_authenticated else None
    return None if facts is None else facts.sits_on(deliverable_id, panel_id)


def roles_of(user: Any) -> dict[int, CohortRole]:
    """The person's role in each cohort they belong to (cohort id -> role)."""
    if not user.is_authenticated:
        return {}
    facts = facts_of(user)
    if facts is not None:
        return dict(facts.roles)
    return {cohort_id: CohortRole(role) for cohort_id, role in
            db.session.execute(_MEMBERSHIPS_OF, {"user_id": user.id})}


def _role_in(user: Any, cohort_id: int) -> CohortRole | None:
    if not user.is_authenticated:
        return None
    answers = _answers.get()
    if answers is not None and ("role", cohort_id, user.id) in answers:
        return answers["role", cohort_id, user.id]
    facts = facts_of(user)
    if facts is not None:
        return facts.roles.get(cohort_id)
    return db.session.execute(
        _ROLE_IN, {"cohort_id": cohort_id, "user_id": user.id}).scalar_one_or_none()


def _in_team(user: Any, team_id: int) -> bool:
    answers = _answers.get()
    if answers is not None and ("team", team_id, user.id) in answers:
        return answers["team", team_id, user.id]
    facts = facts_of(user)
    if facts is not None:
        return team_id in facts.teams
    return db.session.execute(
        _IN_TEAM, {"team_id": team_id, "user_id": user.id}).first() is not None


def member_or_staff(user: Any, cohort: Cohort) -> bool:
    return is_staff(user) or cohort_role(user, cohort) is not None


def team_cohort_visible(user: Any, team: Team) -> bool:
    return member_or_staff(user, team.cohort)


def staff(user: Any, obj: Any = None) -> bool:
    return is_staff(user)


def admin(user: Any, obj: Any = None) -> bool:
    return is_admin(user)


def authenticated(user: Any, obj: Any = None) -> bool:
    return bool(user.is_authenticated)


def self_or_staff(user: Any, target: User) -> bool:
    return bool(user.is_authenticated and (user.id == target.id or is_staff(user)))


def is_document_author(user: Any, document: Document) -> bool:
    """Its owner; else the members of its team; else every trainee of its cohort.

    ``document`` may be the model or any object with its ``cohort_id``, ``team_id``,
    ``owner_id`` and ``frozen`` (the co-editing write path passes what it read under the
    row lock)."""
    if not user.is_authenticated:
        return False
    if document.owner_id is not None:
        return user.id == document.owner_id
    if document.team_id is not None:
        return _in_team(user, document.team_id)
    return _role_in(user, document.cohort_id) == CohortRole.TRAINEE


_JUROR = (select(PanelMember.id).join(PanelDeliverable,
                                     PanelDeliverable.panel_id == PanelMember.panel_id)
          .where(PanelMember.user_id == bindparam("user_id"),
                 PanelMember.impartiality == Impartiality.ACCEPTED,
                 PanelDeliverable.deliverable_id == bindparam("deliverable_id")))
_DELIVERABLE_OF = select(Deliverable.id).where(Deliverable.document_id == bindparam("doc_id"))


def known_without_seat(user: Any) -> bool:
    """Whether the facts this request read already (a rule asked them) say the person
    has no seat on any panel: then their seats need no query of their own
    (``jury.operations.seats_of``). False when unknown."""
    if not user.is_authenticated:
        return False
    facts = facts_of(user)
    return facts is not None and facts._seated is not None and not facts._seated


def is_juror(user: Any, deliverable_id: int | None) -> bool:
    """A member of the panel judging this deliverable who declared their impartiality
    (before that declaration, the work stays out of their sight)."""
    if not user.is_authenticated or deliverable_id is None:
        return False
    facts = facts_of(user)
    if facts is not None:
        return deliverable_id in facts.seats[0]
    return db.session.execute(_JUROR, {"user_id": user.id,
                                       "deliverable_id": deliverable_id}).first() is not None


def _document_juror(user: Any, document: Any) -> bool:
    if not user.is_authenticated or not hasattr(document, "id"):
        return False
    if isinstance(document, Deliverable):
        return is_juror(user, document.id)
    facts = facts_of(user)
    if facts is not None:
        return document.id in facts.seats[1]
    deliverable_id = db.session.execute(_DELIVERABLE_OF, {"doc_id": document.id}).scalar()
    return is_juror(user, deliverable_id)


def reads_document(user: Any, document: Document) -> bool:
    if is_staff(user) or is_document_author(user, document):
        return True
    return (_role_in(user, document.cohort_id) == CohortRole.TRAINER
            or _document_juror(user, document))


def writes_document(user: Any, document: Document) -> bool:
    return not document.frozen and is_document_author(user, document)


def trainer_of(user: Any, cohort_id: int) -> bool:
    return _role_in(user, cohort_id) == CohortRole.TRAINER


def trainee_or_staff(user: Any, cohort: Cohort) -> bool:
    """A trainee of this cohort, or the coordination (who start work in it)."""
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINEE


def trainer_or_staff(user: Any, cohort: Cohort) -> bool:
    """A trainer of this cohort, or the coordination."""
    return is_staff(user) or trainer_of(user, cohort.id)


def reads_deliverable(user: Any, deliverable: Deliverable) -> bool:
    """Its authors, the trainers of its cohort, coordinators, and the jurors of its
    panel once impartial. A mini-diagnostic is thus private to its author among
    trainees."""
    return reads_document(user, deliverable)


def reviews(user: Any, deliverable: Any) -> bool:
    """The review's people: the trainers of its cohort, and the coordination."""
    return is_staff(user) or trainer_of(user, deliverable.cohort_id)


_PRESIDENT = _JUROR.where(PanelMember.role == PanelRole.PRESIDENT)


def is_president(user: Any, deliverable_id: int) -> bool:
    """The president of the panel judging this deliverable (impartiality declared)."""
    if not user.is_authenticated:
        return False
    facts = facts_of(user)
    if facts is not None:
        return deliverable_id in facts.seats[2]
    return db.session.execute(_PRESIDENT, {"user_id": user.id,
                                           "deliverable_id": deliverable_id}).first() is not None


def panel_member(user: Any, panel: JuryPanel) -> PanelMember | None:
    if not user.is_authenticated:
        return None
    return next((m for m in panel.members if m.user_id == user.id), None)


#: the people of the workflow table's steps (:attr:`coelab.deliverables.steps.Step.who`)
PEOPLE: dict[str, Rule] = {
    "authors": lambda user, d: is_document_author(user, d),
    "reviewers": reviews,
    "staff": lambda user, d: is_staff(user),
    "president": lambda user, d: is_president(user, d.id),
    "president_or_staff": lambda user, d: is_staff(user) or is_president(user, d.id),
    "jurors": lambda user, d: is_juror(user, d.id),
    "authors_or_staff": lambda user, d: is_staff(user) or is_document_author(user, d),
}


class StepRule:
    """The rule of a workflow step: its people, while the deliverable is in one of its
    source states and the step is on the deliverable's assessment route (its kind's:
    :func:`coelab.deliverables.steps.route_of`); the step's conditional update checks
    the state again when it runs, and :func:`coelab.deliverables.workflow.move` the
    route. ``people`` alone is what a view asks with ``require(..., any_state=True)``:
    who is refused there gets a 403, who is only early or late, or on the other route,
    is told so by the operation."""

    def __init__(self, step: Step):
        self.step = step
        self.people = PEOPLE[step.who]

    def __call__(self, user: Any, deliverable: Deliverable) -> bool:
        return (deliverable.state in self.step.sources and on_route(self.step, deliverable)
                and self.people(user, deliverable))


def step_rules() -> dict[str, Rule]:
    """One rule per step of the workflow table, under its action ``deliverable.<name>``."""
    return {step.action: StepRule(step) for step in STEPS.values()}


# Which action decides whether an object exists at all for a user (else 404).
VISIBILITY: dict[type, str] = {
    Cohort: "cohort.view",
    Team: "team.view",
    Document: "document.read",
    Deliverable: "deliverable.read",
    Assessment: "assessment.read",
    JuryPanel: "jury.view",
}


def _rules() -> dict[str, Rule]:
    return current_app.extensions["coelab_policy"]


def init_policy(app, rules: dict[str, Rule]) -> None:
    """The rules every plugin (the core's own included) gave, by action."""
    app.extensions["coelab_policy"] = dict(rules)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` on ``obj``. Unknown actions are refused."""
    rule = _rules().get(action)
    if rule is None:
        raise KeyError(f"no policy rule for action {action!r}")
    return bool(rule(user, obj))


def visible(user: Any, obj: Any) -> bool:
    action = VISIBILITY.get(type(obj))
    return True if action is None else can(user, action, obj)


def require(action: str, obj: Any = None, user: Any = None, *,
            any_state: bool = False) -> None:
    """Abort the request unless the user may do ``action`` on ``obj``.

    404 when the object is not visible to the user at all, 403 otherwise. With
    ``any_state``, a workflow step's rule is asked for its people only (see
    :class:`StepRule`): the operation then explains a step that is too early or late.
    """
    user = current_user if user is None else user
    if obj is not None and not visible(user, obj):
        abort(404)
    rule = _rules().get(action)
    if any_state and isinstance(rule, StepRule):
        allowed = rule.people(user, obj)
    else:
        allowed = can(user, action, obj)
    if not allowed:
        abort(403)


def can_current(action: str, obj: Any = None) -> bool:
    """Template helper: ``{% if can('cohort.manage', cohort) %}``."""
    return can(current_user, action, obj)
