"""The workflow of every deliverable: submission, review rounds, and on to the jury.

``draft → submitted → in_review → (changes_requested → submitted …) → ready_for_jury →
soutenance_scheduled → deliberation → decided → released`` (README, "How it is built").

Each transition is one operation: the policy says who may take it, the deliverable's
state moves by a conditional UPDATE (``… WHERE state IN (allowed states)``), so that
of two people acting at once exactly one succeeds on SQLite and PostgreSQL alike, and
the step is recorded (a :class:`Transition` row and an audit event) in the same
transaction. An impossible step raises :class:`OperationError` with a plain message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit import record
from ..db import db, transaction, utcnow
from ..documents.operations import freeze, unfreeze
from ..documents.rooms import rooms
from ..models import CohortRole, User
from ..operations import OperationError
from .models import Deliverable, DeliverableState, Submission, Transition
from .operations import authors_of, kind_of

S = DeliverableState

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

# states in which the authors write
WRITING = (S.DRAFT, S.CHANGES_REQUESTED)


@dataclass(frozen=True)
class Step:
    action: str
    label: object
    sources: tuple[DeliverableState, ...]
    target: DeliverableState


STEPS = {
    "submit": Step("submit", _l("Remettre"), WRITING, S.SUBMITTED),
    "start_review": Step("start_review", _l("Commencer la relecture"), (S.SUBMITTED,),
                         S.IN_REVIEW),
    "request_changes": Step("request_changes", _l("Demander des modifications"),
                            (S.IN_REVIEW,), S.CHANGES_REQUESTED),
    "ready_for_jury": Step("ready_for_jury", _l("Prêt pour le jury"), (S.IN_REVIEW,),
                           S.READY_FOR_JURY),
}


def statement_for(deliverable: Deliverable) -> str:
    return str(STATEMENT_INDIVIDUAL if deliverable.owner_id is not None else STATEMENT)


def _move(actor: User | None, deliverable: Deliverable, step: Step,
          comment: str | None = None, **values) -> Transition:
    """Move the deliverable along ``step`` if it is still in one of its source states.

    The conditional UPDATE is the arbiter: a concurrent transition that committed first
    changed the state, so this one matches no row and is refused.
    """
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
        deliverable_id=deliverable.id, action=step.action, from_state=before,
        to_state=step.target, round=deliverable.round, comment=comment,
        actor_id=getattr(actor, "id", None))
    db.session.add(transition)
    db.session.flush()
    record(f"deliverable.{step.action}", deliverable, actor=actor,
           cohort_id=deliverable.cohort_id,
           before={"state": before}, after={"state": step.target, "round": deliverable.round,
                                            "comment": comment})
    return transition


def state_label(state: str) -> str:
    return {
        "not_started": _("pas encore commencé"),
        DeliverableState.DRAFT: _("en cours de rédaction"),
        DeliverableState.SUBMITTED: _("remis"),
        DeliverableState.IN_REVIEW: _("en relecture"),
        DeliverableState.CHANGES_REQUESTED: _("modifications demandées"),
        DeliverableState.READY_FOR_JURY: _("prêt pour le jury"),
        DeliverableState.SOUTENANCE_SCHEDULED: _("soutenance programmée"),
        DeliverableState.DELIBERATION: _("en délibération"),
        DeliverableState.DECIDED: _("décision prise"),
        DeliverableState.RELEASED: _("résultats publiés"),
    }.get(state, str(state))


def impossible(state) -> str:
    """What someone is told when a step no longer applies."""
    return _("Impossible : ce livrable est maintenant « %(state)s ». La page a peut-être "
             "changé entre-temps ; rechargez-la.", state=state_label(state))


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
        version = freeze(actor, deliverable.document, _("Remise n° %(n)s", n=round_))
        _move(actor, deliverable, STEPS["submit"], round=round_)
        submission = Submission(
            deliverable_id=deliverable.id, round=round_, version_id=version.id,
            submitted_by_id=actor.id, co_authors=[u.full_name for u in authors],
            statement=statement_for(deliverable))
        db.session.add(submission)
        db.session.flush()
    _notify_trainers(deliverable, _("« %(title)s » a été remis (remise n° %(n)s).",
                                    title=deliverable.title, n=round_))
    return submission


def start_review(actor: User, deliverable: Deliverable) -> Transition:
    with transaction():
        return _move(actor, deliverable, STEPS["start_review"])


def request_changes(actor: User, deliverable: Deliverable, summary: str) -> Transition:
    """Back to the authors for a new round, with what to change."""
    summary = (summary or "").strip()
    if not summary:
        raise OperationError(_("Résumez les modifications attendues."))
    with transaction():
        transition = _move(actor, deliverable, STEPS["request_changes"], comment=summary[:5000])
        unfreeze(actor, deliverable.document)
    _notify(authors_of(deliverable), deliverable,
            _("Des modifications sont demandées sur « %(title)s ».", title=deliverable.title),
            summary)
    return transition


def ready_for_jury(actor: User, deliverable: Deliverable, comment: str = "") -> Transition:
    with transaction():
        return _move(actor, deliverable, STEPS["ready_for_jury"],
                     comment=(comment or "").strip()[:5000] or None)


def history(deliverable: Deliverable) -> list[Transition]:
    return list(db.session.scalars(select(Transition).where(
        Transition.deliverable_id == deliverable.id).order_by(Transition.id)))


def submissions(deliverable: Deliverable) -> list[Submission]:
    return list(db.session.scalars(select(Submission).where(
        Submission.deliverable_id == deliverable.id).order_by(Submission.round)))


def available_steps(user, deliverable: Deliverable) -> list[Step]:
    """The steps this user may take now, for the page's buttons."""
    from ..policy import can

    return [step for action, step in STEPS.items()
            if deliverable.state in step.sources and can(user, f"deliverable.{action}",
                                                         deliverable)]


def _notify_trainers(deliverable: Deliverable, subject: str) -> None:
    _notify(deliverable.cohort.members(CohortRole.TRAINER), deliverable, subject, "")


def _notify(people: Iterable[User], deliverable: Deliverable, subject: str, text: str) -> None:
    """Notify (in the app and by mail) after the change is committed; a failing
    notification never undoes it."""
    from ..notifications.operations import app_path, notify

    body = "\n\n".join(p for p in (text, str(kind_of(deliverable).label)) if p)
    notify(people, subject, body, app_path("deliverables.page", deliverable_id=deliverable.id))
