"""Moving an application along the admission workflow table (cohort/admissions/steps.py).

The same engine as the deliverables' (platform/coelab/deliverables/workflow.py): a step
moves the state by a conditional UPDATE (``… WHERE state IN (its sources)``), so that of
two coordinators acting at once exactly one succeeds on SQLite and PostgreSQL alike; the
step is recorded as a transition row and an audit event in the same transaction. The
audit event keeps states only: an application's personal data stays in the application,
which is deleted after its retention period (cohort/admissions/retention.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from coelab.api import OperationError, User, app_path, db, notify, record, utcnow
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from .models import Application, ApplicationState, ApplicationTransition
from .steps import STEPS, impossible

__all__ = ["history", "move", "tell"]


def move(actor: User | None, application: Application, name: str, *,
         target: ApplicationState | None = None, comment: str | None = None,
         sources: Iterable[ApplicationState] | None = None,
         **values) -> ApplicationTransition:
    """Take the step ``name`` inside the caller's transaction, if the application is
    still in one of its sources (or of ``sources``, narrower: the state the person saw).

    ``target`` chooses among the step's targets (a decision); a step with one target
    takes it. Extra ``values`` are written by the same UPDATE.
    """
    step = STEPS[name]
    if target is None:
        if len(step.targets) != 1:
            raise ValueError(f"step {name!r} needs a target")
        (target,) = step.targets
    target = ApplicationState(target)
    if target not in step.targets:
        raise OperationError(impossible(application.state))
    allowed = step.sources if sources is None else step.sources & frozenset(sources)
    before = db.session.scalar(select(Application.state).where(
        Application.id == application.id))
    result = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.state.in_(allowed))
        .values(state=target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise OperationError(impossible(before if before is not None else application.state))
    db.session.refresh(application)
    transition = ApplicationTransition(
        application_id=application.id, action=step.name, from_state=before,
        to_state=target, comment=comment, actor_id=getattr(actor, "id", None))
    db.session.add(transition)
    db.session.flush()
    record(step.audit, application, actor=actor,
           before={"state": before}, after={"state": target})
    return transition


def history(application: Application) -> list[ApplicationTransition]:
    """The application's steps in order, each with the person who took it (one query)."""
    return list(db.session.scalars(select(ApplicationTransition).where(
        ApplicationTransition.application_id == application.id)
        .options(joinedload(ApplicationTransition.actor))
        .order_by(ApplicationTransition.id)))


def tell(people: Iterable[User], application: Application, subject: str,
         body: str = "") -> None:
    """Tell people about a step once it is committed, in the app and by e-mail, with a
    link to the application (a failure is logged, never undoes the step)."""
    notify(people, subject, body,
           app_path("admissions.application", application_id=application.id))
