"""The workflow of every deliverable: submission, review rounds, and on to the jury.

``draft → submitted → in_review → (changes_requested → submitted …) → ready_for_jury →
soutenance_scheduled → deliberation → decided → released`` for a kind defended before
its panel; ``ready_for_jury → deliberation`` directly (the examination of the written
work) for a kind judged on the written work alone (docs/architecture.md, "The workflow
table"; docs/domain.md, "Review, soutenance and jury").

Each step is declared once, in the workflow table (:mod:`.steps`), and taken by one
operation: the policy says who may take it (its rule derives from the table), the deliverable's
state moves by a conditional UPDATE (``… WHERE state IN (allowed states)``), so that
of two people acting at once exactly one succeeds on SQLite and PostgreSQL alike, and
the step is recorded (a :class:`Transition` row and an audit event) in the same
transaction. An impossible step raises :class:`OperationError` with a plain message.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit import record
from ..db import db, transaction, utcnow
from ..documents.operations import freeze, unfreeze
from ..documents.rooms import rooms
from ..jury.queries import panel_of, sitting, submissions_on
from ..models import CohortRole, User
from ..notifications.operations import app_path, notify
from ..operations import OperationError
from ..policy import can, read_once
from .models import Deliverable, Submission, Transition
from .operations import authors_of, kind_of
from .steps import STEPS, WRITING, Step, impossible, off_route, on_route, state_label

__all__ = ["STEPS", "WRITING", "Step", "announce", "available_steps", "history",
           "impossible", "move", "ready_for_jury", "request_changes", "start_review",
           "state_label", "statement_for", "submissions", "submit"]

#: the statement every submitter accepts, kept with each submission
STATEMENT = _l(
    "Nous certifions que ce travail est le nôtre : les passages empruntés à d'autres "
    "auteurs sont cités comme tels, avec leur source, et chaque co-auteur·rice nommé·e "
    "ci-dessus y a pris part."
)
STATEMENT_INDIVIDUAL = _l(
    "Je certifie que ce travail est le mien : les passages empruntés à d'autres auteurs "
    "sont cités comme tels, avec leur source."
)


def statement_for(deliverable: Deliverable) -> str:
    return str(STATEMENT_INDIVIDUAL if deliverable.owner_id is not None else STATEMENT)


def move(actor: User | None, deliverable: Deliverable, name: str,
         comment: str | None = None, **values) -> Transition:
    """Take the step ``name`` of the workflow table (:mod:`.steps`) if the deliverable
    is still in one of its source states, inside the caller's transaction.

    The conditional UPDATE is the arbiter: a concurrent transition that committed first
    changed the state, so this one matches no row and is refused. A step of the other
    assessment route is refused whatever the state (a kind's route never changes). The
    step is recorded as a :class:`Transition` row and an audit event.
    """
    step = STEPS[name]
    if step.target is None:
        raise ValueError(f"step {name!r} does not move the state")
    if not on_route(step, deliverable):
        raise OperationError(off_route(step, deliverable))
    before = db.session.scalar(select(Deliverable.state).where(Deliverable.id == deliverable.id))
    result = db.session.execute(
        update(Deliverable)
        .where(Deliverable.id == deliverable.id, Deliverable.state.in_(step.sources))
        .values(state=step.target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise OperationError(impossible(before))
    db.session.refresh(deliverable)
    transition = Transition(
        deliverable_id=deliverable.id, action=step.name, from_state=before,
        to_state=step.target, round=deliverable.round, comment=comment,
        actor_id=getattr(actor, "id", None))
    db.session.add(transition)
    db.session.flush()
    record(step.audit, deliverable, actor=actor, cohort_id=deliverable.cohort_id,
           before={"state": before}, after={"state": step.target, "round": deliverable.round,
                                            "comment": comment})
    return transition


def audience(name: str, deliverable: Deliverable) -> list[User]:
    """The people a step's ``notify`` names: the deliverable's ``authors``, the
    ``trainers`` of its cohort, or the ``panel`` members who sit (declared impartial)."""
    if name == "authors":
        return authors_of(deliverable)
    if name == "trainers":
        return list(deliverable.cohort.members(CohortRole.TRAINER))
    if name == "panel":
        panel = panel_of(deliverable)
        return [m.user for m in sitting(panel)] if panel is not None else []
    raise KeyError(f"unknown audience {name!r}")


def announce(name: str, deliverable: Deliverable, text: str = "", *,
             people: Iterable[User] | None = None, **params) -> None:
    """Tell the step's audience (or ``people``) that it was taken, in the app and by
    mail, after the change is committed: a failing notification never undoes it."""
    step = STEPS[name]
    if people is None:
        people = [u for who in step.notify for u in audience(who, deliverable)]
    subject = str(step.subject) % {"title": deliverable.title, **params}
    _notify(people, deliverable, subject, text)


def submit(actor: User, deliverable: Deliverable, *, confirmed_authors: Iterable[int],
           statement_accepted: bool) -> Submission:
    """The authors hand their work in: its exact state becomes this round's version and
    the text is read-only for them until changes are requested.

    The submitter confirms the co-authors named on the confirmation page (the list must
    still be the deliverable's authors: a team that changed meanwhile is shown again)
    and accepts the statement, which is stored with the submission.
    """
    if not statement_accepted:
        raise OperationError(_("Cochez la déclaration sur l'honneur pour remettre le travail."))
    authors = authors_of(deliverable)
    if sorted(confirmed_authors) != sorted(u.id for u in authors):
        raise OperationError(_("La liste des auteurs a changé : vérifiez-la et confirmez "
                               "de nouveau."))
    if deliverable.state not in WRITING:
        raise OperationError(_("Ce livrable a déjà été remis."))
    round_ = deliverable.round + 1
    # open the document's room before the transaction: opening reads the log under a
    # share lock on the document's row, which must not outlive the read while this
    # transaction then waits for the room (see documents.operations.freeze)
    rooms().get(deliverable.document_id)
    with transaction():
        # the document first: its lock is taken before any write of this transaction
        kind = kind_of(deliverable)
        compose = (None if kind.freeze is None
                   else lambda markdown: kind.freeze(deliverable, markdown))
        version = freeze(actor, deliverable.document, _("Remise n° %(n)s", n=round_),
                         compose)
        move(actor, deliverable, "submit", round=round_)
        submission = Submission(
            deliverable_id=deliverable.id, round=round_, version_id=version.id,
            submitted_by_id=actor.id, co_authors=[u.full_name for u in authors],
            statement=statement_for(deliverable))
        db.session.add(submission)
        db.session.flush()
    announce("submit", deliverable, n=round_)
    return submission


def start_review(actor: User, deliverable: Deliverable) -> Transition:
    with transaction():
        return move(actor, deliverable, "start_review")


def request_changes(actor: User, deliverable: Deliverable, summary: str) -> Transition:
    """Back to the authors for a new round, with what to change."""
    summary = (summary or "").strip()
    if not summary:
        raise OperationError(_("Résumez les modifications attendues."))
    with transaction():
        transition = move(actor, deliverable, "request_changes", comment=summary[:5000])
        unfreeze(actor, deliverable.document)
    announce("request_changes", deliverable, summary)
    return transition


def ready_for_jury(actor: User, deliverable: Deliverable, comment: str = "") -> Transition:
    with transaction():
        return move(actor, deliverable, "ready_for_jury",
                    comment=(comment or "").strip()[:5000] or None)


def history(deliverable: Deliverable) -> list[Transition]:
    """The deliverable's workflow steps, first first; read once per request (coelab.memo:
    the page's history and its next step both ask)."""
    return list(read_once(("transitions", deliverable.id), lambda: list(db.session.scalars(
        select(Transition).where(Transition.deliverable_id == deliverable.id)
        .order_by(Transition.id)))))


def submissions(deliverable: Deliverable) -> list[Submission]:
    """The deliverable's submissions, first round first; read once per request, with
    their assessments (jury.queries.submissions_on: the page's list and its assessments'
    section both ask)."""
    return submissions_on(deliverable.id)


def available_steps(user, deliverable: Deliverable, section: str = "review") -> list[Step]:
    """The steps of the page's ``section`` this user may take now, for its buttons: the
    policy's rule of each step, which holds only on the deliverable's route."""
    return [step for step in STEPS.values()
            if step.section == section and can(user, step.action, deliverable)]


def _notify(people: Iterable[User], deliverable: Deliverable, subject: str, text: str) -> None:
    body = "\n\n".join(p for p in (text, str(kind_of(deliverable).label)) if p)
    notify(people, subject, body, app_path("deliverables.page", deliverable_id=deliverable.id))
