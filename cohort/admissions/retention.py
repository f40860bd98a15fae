"""Deleting applications: at the candidate's request, and every application not admitted
once its campaign's retention period has run out (docs/domain.md, "Admissions").

What is left of a deleted application is a count without anyone's data
(:class:`~cohort.admissions.models.PurgedApplications`: campaign, state, parcours, why)
and an audit event naming the application's id and state only. Its files are deleted
once the deletion is committed. The candidate's account goes too when it has no other
use (:func:`account_has_other_use`): an account opened only to apply is personal data
like the application.

``coelab admissions purge`` runs :func:`purge`, meant for a daily cron job.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from datetime import date

import click
from coelab.api import (
    AuditEvent,
    OperationError,
    User,
    db,
    is_staff,
    local_today,
    record,
    transaction,
)
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from sqlalchemy import inspect as sa_inspect

from .candidacy import delete_files
from .models import (
    ADMITTING,
    Application,
    ApplicationState,
    Campaign,
    PurgedApplications,
)
from .rules import DELETABLE, is_candidate
from .steps import impossible

__all__ = ["REQUEST", "RETENTION", "account_has_other_use", "admissions_cli",
           "deletable", "delete_application", "erase", "expires_on", "purge", "register_cli"]

REQUEST = "request"
RETENTION = "retention"
REASONS = (REQUEST, RETENTION)

#: what belongs to the account itself and goes with it: its links, its sessions, its
#: notifications, and the audit's "who did it" (which then reads "someone")
OWN_ROWS = frozenset({("account_tokens", "user_id"), ("account_tokens", "created_by_id"),
                      ("user_sessions", "user_id"), ("notifications", "user_id"),
                      ("audit_events", "actor_id")})


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(campaign: Campaign) -> date:
    """The last day the applications of ``campaign`` not admitted are kept."""
    return add_months(campaign.closes_on, campaign.retention_months or 12)


# --- the account ------------------------------------------------------------------------


def _references() -> Iterable[tuple[object, object]]:
    """Every (table, column) that refers to a person, but the account's own rows."""
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users" and (table.name, key.parent.name) not in OWN_ROWS:
                yield table, key.parent


def account_has_other_use(user: User, besides: Application | None = None) -> bool:
    """Whether the account serves for anything but applying: the coordination or the
    administration, a cohort, a jury, an interview, a commission, a document, another
    application... whatever any table of the platform or of a plugin records of it.
    ``besides``: an application about to be deleted, and the rows that go with it, do
    not count."""
    if user.is_coordinator or user.is_admin:
        return True
    applications = Application.__table__
    uses = []
    for table, column in _references():
        query = select(column).select_from(table).where(column == user.id)
        if besides is not None:
            if table is applications:
                query = query.where(applications.c.id != besides.id)
            else:
                for key in table.foreign_keys:
                    if key.column.table is applications:
                        query = query.where(key.parent != besides.id)
        uses.append(query.exists())
    # every table asked in one query (the page that offers the deletion asks it too)
    return bool(uses) and bool(db.session.scalar(select(or_(*uses))))


def _delete_account(user_id: int) -> bool:
    """Delete an account without other use, inside the caller's transaction (its
    links, sessions and notifications go with it; the audit keeps no name)."""
    user = db.session.get(User, user_id)
    if user is None or account_has_other_use(user):
        return False
    # the account's own audit events (its creation, its activation...) held its name
    # and address: the events stay, without them
    db.session.execute(update(AuditEvent).where(
        AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == user_id)
        .values(before=None, after=None, summary=None)
        .execution_options(synchronize_session=False))
    record("admission.account_deleted", user, actor=None, after={"reason": "candidate"})
    _forget(user)
    db.session.execute(delete(User).where(User.id == user_id)
                       .execution_options(synchronize_session=False))
    return True


def _forget(user: User) -> None:
    """Detach the account and what this session holds that the database deletes with
    it (its server-side sessions, links, notifications), with what they held: the rest
    of the request (the person being logged out) never reloads a row that is gone."""
    for obj in [user, *db.session.identity_map.values()]:
        state = sa_inspect(obj)
        if obj is not user and not any(
                key.column.table.name == "users" and key.ondelete == "CASCADE"
                and state.dict.get(state.mapper.get_property_by_column(column).key)
                == user.id
                for column in state.mapper.columns for key in column.foreign_keys):
            continue
        if state.expired_attributes:
            db.session.refresh(obj)
        if obj in db.session:
            db.session.expunge(obj)


# --- one application --------------------------------------------------------------------


def erase(actor: User | None, application: Application, reason: str, *,
          states: Iterable[ApplicationState] | None = None) -> bool:
    """Delete ``application`` with its dossier, files, interview and decisions, leaving
    a count; and its candidate's account when it has no other use. ``states``: only
    while the application is in one of them. Returns whether the account was
    deleted."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    with transaction():
        # the state as it stands now (the page may be older), the row held meanwhile
        state = db.session.scalar(select(Application.state).where(
            Application.id == application.id).with_for_update())
        if state is None:
            raise OperationError(_("Cette candidature a déjà été supprimée."))
        if states is not None and state not in frozenset(states):
            raise OperationError(impossible(state))
        db.session.refresh(application)
        stored, candidates = _erase_rows(actor, [application], reason)
        account_deleted = _delete_account(candidates[0])
    delete_files(stored)  # after the commit: a failed commit keeps them
    return account_deleted


def _erase_rows(actor: User | None, applications: list[Application],
                reason: str) -> tuple[list[str], list[int]]:
    """Delete the applications inside the caller's transaction, with one count per
    campaign, state and parcours. Returns the files to delete after the commit and
    the candidates whose accounts may go with them."""
    stored = [f.stored_name for a in applications for f in a.attachments]
    counts = Counter((a.campaign_id, a.state, a.parcours.value if a.parcours else None)
                     for a in applications)
    for (campaign_id, state, parcours), count in sorted(counts.items(), key=str):
        db.session.add(PurgedApplications(campaign_id=campaign_id, state=state,
                                          parcours=parcours, reason=reason, count=count))
    candidates: list[int] = []
    for application in applications:
        record("admission.erased", application, actor=actor,
               before={"state": application.state}, after={"reason": reason})
        candidates.append(application.candidate_id)
        db.session.delete(application)
    db.session.flush()
    return stored, list(dict.fromkeys(candidates))


def _deletable_states(actor: User, application: Application) -> frozenset[ApplicationState]:
    """DELETABLE (cohort/admissions/rules.py), but a refusal the candidate may not read
    yet (its sitting's list is not closed) is not theirs to delete: its deletion would
    tell them the decision."""
    final = application.commission is not None and application.commission.closed_at
    if is_candidate(actor, application) and not final:
        return DELETABLE - {ApplicationState.REFUSED}
    return DELETABLE


def deletable(actor: User, application: Application) -> bool:
    """Whether ``actor`` may ask for the deletion of ``application`` now."""
    return ((is_candidate(actor, application) or is_staff(actor))
            and application.state in _deletable_states(actor, application))


def delete_application(actor: User, application: Application) -> bool:
    """The candidate asks for their application to be deleted (rule
    ``admission.delete``: a draft, or once withdrawn or refused). Returns whether their
    account was deleted with it (it had no other use)."""
    if not (is_candidate(actor, application) or is_staff(actor)):
        raise OperationError(_("Seul le candidat ou la candidate peut demander la "
                               "suppression de sa candidature."))
    states = _deletable_states(actor, application)
    if application.state not in states:
        raise OperationError(_(
            "Une candidature en cours d'examen ne peut pas être supprimée : retirez-la "
            "d'abord. Une candidature admise est conservée avec l'inscription."))
    return erase(actor, application, REQUEST, states=states)


# --- the retention period ---------------------------------------------------------------


def purge(today: date | None = None) -> int:
    """Delete every application not admitted whose campaign closed more than its
    retention period ago, leaving one count per campaign, state and parcours, and the
    accounts that served only for them. Returns how many were deleted."""
    today = today or local_today()
    total = 0
    for campaign in db.session.scalars(select(Campaign).where(Campaign.closes_on < today)
                                       .order_by(Campaign.id)).all():
        if today <= expires_on(campaign):
            continue
        total += _purge_campaign(campaign)
    return total


def _purge_campaign(campaign: Campaign) -> int:
    with transaction():
        applications = list(db.session.scalars(
            select(Application).where(Application.campaign_id == campaign.id,
                                      Application.state.not_in(ADMITTING))
            .order_by(Application.id).with_for_update()))
        if not applications:
            return 0
        stored, candidates = _erase_rows(None, applications, RETENTION)
        for candidate_id in candidates:
            _delete_account(candidate_id)
    delete_files(stored)
    return len(applications)


# --- the command ------------------------------------------------------------------------


admissions_cli = AppGroup("admissions", help="The admission procedure.")


@admissions_cli.command("purge")
def purge_command() -> None:
    """Delete the applications not admitted whose retention period has run out (run it
    daily, from cron)."""
    count = purge()
    click.echo(f"Applications deleted after their retention period: {count}.")


def register_cli(app: Flask) -> None:
    """Add ``coelab admissions …`` to the app's commands (the plugin's init_app)."""
    app.cli.add_command(admissions_cli)
