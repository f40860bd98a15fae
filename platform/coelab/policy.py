"""The one place that answers "may this user do this action on this object".

Views call :func:`require` (or :func:`can`), templates call ``can(action, obj)`` to decide
which buttons to show; nothing else checks roles. A person's role is per cohort
(trainee, trainer) or programme-wide (coordinator, admin). Jurors arrive with the jury
workflow as rules of their own: plugins add rules through
:meth:`coelab.plugins.Plugin.policy_rules`, keyed by action name.

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
from sqlalchemy import bindparam, select

from .assessments.models import Assessment, AssessmentKind, AssessmentStatus
from .db import db
from .deliverables.models import Deliverable, DeliverableState
from .documents.models import Document
from .jury.models import (
    Impartiality,
    JuryDecision,
    JuryPanel,
    PanelDeliverable,
    PanelMember,
    PanelRole,
)
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


def _role_in(user: Any, cohort_id: int) -> CohortRole | None:
    if not user.is_authenticated:
        return None
    answers = _answers.get()
    if answers is not None and ("role", cohort_id, user.id) in answers:
        return answers["role", cohort_id, user.id]
    return db.session.execute(
        _ROLE_IN, {"cohort_id": cohort_id, "user_id": user.id}).scalar_one_or_none()


def _in_team(user: Any, team_id: int) -> bool:
    answers = _answers.get()
    if answers is not None and ("team", team_id, user.id) in answers:
        return answers["team", team_id, user.id]
    return db.session.execute(
        _IN_TEAM, {"team_id": team_id, "user_id": user.id}).first() is not None


def _member_or_staff(user: Any, cohort: Cohort) -> bool:
    return is_staff(user) or cohort_role(user, cohort) is not None


def _team_cohort_visible(user: Any, team: Team) -> bool:
    return _member_or_staff(user, team.cohort)


def _staff(user: Any, obj: Any = None) -> bool:
    return is_staff(user)


def _admin(user: Any, obj: Any = None) -> bool:
    return is_admin(user)


def _authenticated(user: Any, obj: Any = None) -> bool:
    return bool(user.is_authenticated)


def _self_or_staff(user: Any, target: User) -> bool:
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


def is_juror(user: Any, deliverable_id: int | None) -> bool:
    """A member of the panel judging this deliverable who declared their impartiality
    (before that declaration, the work stays out of their sight)."""
    if not user.is_authenticated or deliverable_id is None:
        return False
    return db.session.execute(_JUROR, {"user_id": user.id,
                                       "deliverable_id": deliverable_id}).first() is not None


def _document_juror(user: Any, document: Any) -> bool:
    if not user.is_authenticated or not hasattr(document, "id"):
        return False
    if isinstance(document, Deliverable):
        return is_juror(user, document.id)
    deliverable_id = db.session.execute(_DELIVERABLE_OF, {"doc_id": document.id}).scalar()
    return is_juror(user, deliverable_id)


def _document_read(user: Any, document: Document) -> bool:
    if is_staff(user) or is_document_author(user, document):
        return True
    return (_role_in(user, document.cohort_id) == CohortRole.TRAINER
            or _document_juror(user, document))


def _document_write(user: Any, document: Document) -> bool:
    return not document.frozen and is_document_author(user, document)


def _document_create(user: Any, cohort: Cohort) -> bool:
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINEE


def _trainer_of(user: Any, cohort_id: int) -> bool:
    return _role_in(user, cohort_id) == CohortRole.TRAINER


def _deliverable_read(user: Any, deliverable: Deliverable) -> bool:
    """Its authors, the trainers of its cohort, coordinators (jurors come with the jury
    workflow). A mini-diagnostic is thus private to its author among trainees."""
    return _document_read(user, deliverable)


def _deliverable_edit(user: Any, deliverable: Deliverable) -> bool:
    """Change the details of a deliverable: its authors while it is a draft; staff."""
    if is_staff(user):
        return True
    return deliverable.state in _WRITING and is_document_author(user, deliverable)


_WRITING = frozenset({DeliverableState.DRAFT, DeliverableState.CHANGES_REQUESTED})


def _deliverable_submit(user: Any, deliverable: Deliverable) -> bool:
    """Hand the work in: its authors, while they are writing it."""
    return deliverable.state in _WRITING and is_document_author(user, deliverable)


def _in_state(rule: Rule, *states: DeliverableState) -> Rule:
    """A workflow step's rule: ``rule``'s people, while the deliverable is in one of
    ``states`` (the step's conditional update checks it again when it runs)."""
    allowed = frozenset(states)

    def check(user: Any, deliverable: Deliverable) -> bool:
        return deliverable.state in allowed and rule(user, deliverable)

    check.__doc__ = rule.__doc__
    return check


def _deliverable_review(user: Any, deliverable: Deliverable) -> bool:
    """Review steps: the trainers of its cohort, and the coordination."""
    return is_staff(user) or _trainer_of(user, deliverable.cohort_id)


# soutenance materials can still be added after submission, until the jury decides
_ATTACHABLE = frozenset(DeliverableState) - {DeliverableState.DECIDED, DeliverableState.RELEASED}


def _deliverable_attach(user: Any, deliverable: Deliverable) -> bool:
    if is_staff(user):
        return True
    return deliverable.state in _ATTACHABLE and is_document_author(user, deliverable)


def _cohort_trainer_or_staff(user: Any, cohort: Cohort) -> bool:
    return is_staff(user) or _trainer_of(user, cohort.id)


def _deliverable_start(user: Any, cohort: Cohort) -> bool:
    """Start a deliverable in this cohort (the operation checks it is theirs to write)."""
    return is_staff(user) or _role_in(user, cohort.id) == CohortRole.TRAINEE


def _comment_read(user: Any, thread: Any) -> bool:
    """A thread for the authors: whoever reads the deliverable (its authors, the trainers
    of its cohort, the coordination). A juror's note ("panel"): the panel and the
    coordination, and every reader of the deliverable once its result is released."""
    deliverable = thread.deliverable
    if str(thread.visibility) == "panel":
        if is_staff(user) or is_juror(user, deliverable.id):
            return True
        return (deliverable.state == DeliverableState.RELEASED
                and _deliverable_read(user, deliverable))
    return _deliverable_read(user, deliverable)


def _comment_act(user: Any, thread: Any) -> bool:
    """Reply to or resolve a thread: its readers; a juror's note, the panel only."""
    if str(thread.visibility) == "panel":
        return is_staff(user) or is_juror(user, thread.deliverable_id)
    return _comment_read(user, thread)


def _assessment_create(user: Any, deliverable: Deliverable) -> bool:
    """Assess the current round: the trainers of its cohort, or staff, during review;
    the jurors of its panel, each on their own, around the soutenance."""
    if deliverable.state == DeliverableState.IN_REVIEW:
        return _deliverable_review(user, deliverable)
    return deliverable.state in _JURY_SCORING and is_juror(user, deliverable.id)


_JURY_SCORING = frozenset({DeliverableState.SOUTENANCE_SCHEDULED,
                           DeliverableState.DELIBERATION})
# a sitting member of this panel, which judges this deliverable
_SITS_ON = _JUROR.where(PanelMember.panel_id == bindparam("panel_id"))
_RELEASED = select(JuryDecision.id).where(
    JuryDecision.deliverable_id == bindparam("deliverable_id"),
    JuryDecision.round == bindparam("round"), JuryDecision.panel_id == bindparam("panel_id"),
    JuryDecision.released_at.is_not(None))


def _score_released(assessment: Assessment) -> bool:
    """Whether the decision its panel took on its round has been released."""
    return db.session.execute(_RELEASED, {
        "deliverable_id": assessment.deliverable_id, "round": assessment.round,
        "panel_id": assessment.panel_id}).first() is not None


def _jury_score_read(user: Any, assessment: Assessment) -> bool:
    """A juror's score, as written when it was given (whoever sits on the panel today).

    Jurors score independently: the panel that gave it reads it once every sitting
    member has scored the round or the deliberation is open; the coordination at once;
    the deliverable's readers (its authors, their trainers) once that panel's decision
    on that round is released. A score withdrawn when its juror left the panel stays
    with the panel and the coordination."""
    if is_staff(user):
        return True
    deliverable = assessment.deliverable
    if not assessment.withdrawn and _score_released(assessment):
        return _deliverable_read(user, deliverable)
    if assessment.panel_id is None or db.session.execute(_SITS_ON, {
            "user_id": user.id, "deliverable_id": deliverable.id,
            "panel_id": assessment.panel_id}).first() is None:
        return False
    if (assessment.round == deliverable.round
            and deliverable.state == DeliverableState.SOUTENANCE_SCHEDULED):
        # before the deliberation, once every juror has scored
        from .jury.operations import all_scored

        return all_scored(deliverable)
    return True


def _assessment_read(user: Any, assessment: Assessment) -> bool:
    """A draft: its assessor only. Once submitted: its assessor; a trainer's review,
    whoever reads the deliverable; a juror's score, the jury's rules above. What it is
    was written with it (coelab.assessments.models.AssessmentKind)."""
    if not user.is_authenticated:
        return False
    if user.id == assessment.assessor_id:
        return True
    if assessment.status != AssessmentStatus.SUBMITTED:
        return False
    if assessment.kind == AssessmentKind.JURY:
        return _jury_score_read(user, assessment)
    return _deliverable_read(user, assessment.deliverable)


def _assessment_edit(user: Any, assessment: Assessment) -> bool:
    return (user.is_authenticated and user.id == assessment.assessor_id
            and assessment.status == AssessmentStatus.DRAFT
            and _assessment_create(user, assessment.deliverable))


def _panel_member(user: Any, panel: JuryPanel) -> PanelMember | None:
    if not user.is_authenticated:
        return None
    return next((m for m in panel.members if m.user_id == user.id), None)


_PRESIDENT = _JUROR.where(PanelMember.role == PanelRole.PRESIDENT)


def is_president(user: Any, deliverable_id: int) -> bool:
    """The president of the panel judging this deliverable (impartiality declared)."""
    if not user.is_authenticated:
        return False
    return db.session.execute(_PRESIDENT, {"user_id": user.id,
                                           "deliverable_id": deliverable_id}).first() is not None


def _open_deliberation(user: Any, deliverable: Deliverable) -> bool:
    return is_staff(user) or is_president(user, deliverable.id)


def _decide(user: Any, deliverable: Deliverable) -> bool:
    """Only the president records the panel's decision (the coordination does not)."""
    return is_president(user, deliverable.id)


def _sign_minutes(user: Any, deliverable: Deliverable) -> bool:
    return is_juror(user, deliverable.id)


def _reopen_for_resubmission(user: Any, deliverable: Deliverable) -> bool:
    return is_staff(user) or is_document_author(user, deliverable)


def _jury_view(user: Any, panel: JuryPanel) -> bool:
    return is_staff(user) or _panel_member(user, panel) is not None


def _jury_declare(user: Any, panel: JuryPanel) -> bool:
    member = _panel_member(user, panel)
    return member is not None and member.impartiality == Impartiality.PENDING


CORE_RULES: dict[str, Rule] = {
    "dashboard.view": _authenticated,
    "profile.edit": _self_or_staff,
    "cohort.create": _staff,
    "cohort.view": _member_or_staff,
    "cohort.manage": lambda user, cohort: is_staff(user),
    "cohort.view_audit": lambda user, cohort: is_staff(user),
    "team.view": _team_cohort_visible,
    "team.manage": lambda user, team: is_staff(user),
    "audit.view": _staff,
    "users.list": _staff,
    "users.admin": _admin,
    "document.create": _document_create,
    "document.read": _document_read,
    "document.write": _document_write,
    "document.save_version": _document_write,
    "deliverable.start": _deliverable_start,
    "deliverable.read": _deliverable_read,
    "deliverable.edit": _deliverable_edit,
    "deliverable.attach": _deliverable_attach,
    "jury.manage": lambda user, obj=None: is_staff(user),
    # the jury's steps on a deliverable (coelab.jury.operations)
    "deliverable.schedule_soutenance": _in_state(
        _staff, DeliverableState.READY_FOR_JURY, DeliverableState.SOUTENANCE_SCHEDULED),
    "deliverable.open_deliberation": _in_state(_open_deliberation,
                                               DeliverableState.SOUTENANCE_SCHEDULED),
    "deliverable.decide": _in_state(_decide, DeliverableState.DELIBERATION),
    "deliverable.sign_minutes": _in_state(_sign_minutes, DeliverableState.DECIDED),
    "deliverable.release": _in_state(_staff, DeliverableState.DECIDED),
    "deliverable.reopen_for_resubmission": _in_state(_reopen_for_resubmission,
                                                     DeliverableState.RELEASED),
    "jury.view": _jury_view,
    "jury.declare": _jury_declare,
    # the jury steps' people, whatever the state (each step above adds its state): who
    # is refused here gets a 403, who is only early or late is told so on the page
    "jury.deliberate": _open_deliberation,
    "jury.decide": _decide,
    "jury.sign": _sign_minutes,
    # the soutenance's calendar file names the work, its room and its panel: whoever
    # reads the deliverable, so a juror only once impartial (never after a decline)
    "jury.calendar": _deliverable_read,
    "deliverable.submit": _deliverable_submit,
    # the review's people, whatever the state (each step below adds its state)
    "deliverable.review": _deliverable_review,
    "deliverable.start_review": _in_state(_deliverable_review, DeliverableState.SUBMITTED),
    "deliverable.request_changes": _in_state(_deliverable_review,
                                             DeliverableState.IN_REVIEW),
    "deliverable.ready_for_jury": _in_state(_deliverable_review, DeliverableState.IN_REVIEW),
    # due dates and individual extensions: the coordination
    "deliverable.schedule": lambda user, obj: is_staff(user),
    # who writes a kind in a cohort (team or individual...): its trainers, or staff
    "deliverable.set_authorship": _cohort_trainer_or_staff,
    # every deliverable of a cohort, in one table
    "deliverable.list_cohort": _cohort_trainer_or_staff,
    # rubrics and assessments (coelab.assessments)
    "competency.manage": _staff,
    "rubric.view": _member_or_staff,
    "rubric.edit": lambda user, cohort: is_staff(user),
    "assessment.create": _assessment_create,
    "assessment.read": _assessment_read,
    "assessment.edit": _assessment_edit,
    # inline comments (coelab.comments): a discussion of the authors with their trainers
    "comment.create": _deliverable_read,
    "comment.read": _comment_read,
    "comment.reply": _comment_act,
    "comment.resolve": _comment_act,
    # the jury's private notes arrive with the jury work: refused until then
    # a juror's private note, on the work their panel judges
    "comment.create_panel": lambda user, deliverable: is_juror(user, deliverable.id),
}

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


def init_policy(app, plugin_rules: dict[str, Rule]) -> None:
    clash = set(CORE_RULES) & set(plugin_rules)
    if clash:
        raise RuntimeError(f"plugins redefine core policy actions: {sorted(clash)}")
    app.extensions["coelab_policy"] = {**CORE_RULES, **plugin_rules}


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` on ``obj``. Unknown actions are refused."""
    rule = _rules().get(action)
    if rule is None:
        raise KeyError(f"no policy rule for action {action!r}")
    return bool(rule(user, obj))


def visible(user: Any, obj: Any) -> bool:
    action = VISIBILITY.get(type(obj))
    return True if action is None else can(user, action, obj)


def require(action: str, obj: Any = None, user: Any = None) -> None:
    """Abort the request unless the user may do ``action`` on ``obj``.

    404 when the object is not visible to the user at all, 403 otherwise.
    """
    user = current_user if user is None else user
    if obj is not None and not visible(user, obj):
        abort(404)
    if not can(user, action, obj):
        abort(403)


def can_current(action: str, obj: Any = None) -> bool:
    """Template helper: ``{% if can('cohort.manage', cohort) %}``."""
    return can(current_user, action, obj)
