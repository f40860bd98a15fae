"""Operations on deliverables: what each trainee owes, starting a deliverable, its
details, due dates and extensions, its attachments.

Like every operation module, this is the only place that changes deliverables: each
function validates, writes in one transaction, records an audit event and sends its
signal. Views parse requests and call these; these never touch ``request``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import signals
from ..audit import record
from ..db import db, local_today, transaction, utcnow
from ..documents.models import Document, DocumentUpdate, DocumentVersion
from ..documents.operations import create_document
from ..memo import kept
from ..models import Cohort, CohortRole, Membership, Team, TeamMember, User
from ..operations import OperationError
from ..plugins import DeliverableKind, DetailField, Theme, registry
from ..policy import can, keeping, read_once, roles_of
from . import files
from .models import (
    Attachment,
    AuthorshipMode,
    Deliverable,
    DeliverableExtension,
    DeliverableSchedule,
    DeliverableState,
    author_key,
)


def kind_of(deliverable_or_name: Deliverable | str) -> DeliverableKind:
    name = getattr(deliverable_or_name, "kind", deliverable_or_name)
    kind = registry().kind(name)
    if kind is None:  # a plugin that declared it was removed
        raise OperationError(_("Ce type de livrable n'est plus disponible."))
    return kind


# --- schedules: by when, and who writes it, per cohort and kind ------------------------

@dataclass(frozen=True)
class Schedule:
    kind: DeliverableKind
    due_date: date | None
    authorship: AuthorshipMode
    stored: bool  # False while the cohort uses the kind's defaults


def _schedules_of(cohort_ids: list[int]) -> dict[int, dict[str, DeliverableSchedule]]:
    out: dict[int, dict[str, DeliverableSchedule]] = {i: {} for i in cohort_ids}
    for row in db.session.scalars(select(DeliverableSchedule).where(
            DeliverableSchedule.cohort_id.in_(cohort_ids))):
        out[row.cohort_id][row.kind] = row
    return out


def _stored_schedules(cohort_id: int) -> dict[str, DeliverableSchedule]:
    """The cohort's stored schedules by kind, read once per page (``policy.read_once``):
    a table asks each row's due date."""
    return read_once(("schedules", cohort_id), lambda: _schedules_of([cohort_id])[cohort_id])


def schedule_for(cohort: Cohort, kind: DeliverableKind) -> Schedule:
    row = _stored_schedules(cohort.id).get(kind.name)
    if row is None:
        # by default the work is due on the cohort's last day
        return Schedule(kind, cohort.end_date, AuthorshipMode(kind.authorship), False)
    return Schedule(kind, row.due_date, row.authorship, True)


def schedules_for(cohort: Cohort) -> list[Schedule]:
    return [schedule_for(cohort, kind) for kind in registry().kinds_for(cohort)]


def set_schedule(actor: User, cohort: Cohort, kind: DeliverableKind, *,
                 due_date: date | None = None, authorship: str | None = None,
                 change_due_date: bool = False, reason: str = "") -> Schedule:
    """Change the due date of a kind in a cohort, or who writes it (team, individual...).

    Who writes it can only change before anyone has started one: existing documents
    keep the authors they were started with.
    """
    if not kind.applies_to(cohort):
        raise OperationError(_("Ce type de livrable ne concerne pas cette cohorte."))
    current = schedule_for(cohort, kind)
    mode = current.authorship
    if authorship is not None and authorship != current.authorship:
        if authorship not in kind.authorship_options:
            raise OperationError(_("Ce mode de rédaction n'est pas prévu pour ce livrable."))
        started = db.session.scalar(select(func.count()).select_from(Deliverable).where(
            Deliverable.cohort_id == cohort.id, Deliverable.kind == kind.name))
        if started:
            raise OperationError(_(
                "Des livrables de ce type ont déjà été commencés : le mode de rédaction "
                "ne peut plus changer."))
        mode = AuthorshipMode(authorship)
    due = due_date if change_due_date else current.due_date
    if change_due_date and due is not None and due < cohort.start_date:
        raise OperationError(_("L'échéance ne peut pas précéder le début de la cohorte."))
    if due != current.due_date and not reason.strip():
        raise OperationError(_("Indiquez le motif du changement d'échéance."))
    with transaction():
        row = db.session.scalar(select(DeliverableSchedule).where(
            DeliverableSchedule.cohort_id == cohort.id,
            DeliverableSchedule.kind == kind.name).with_for_update())
        if row is None:
            row = DeliverableSchedule(cohort_id=cohort.id, kind=kind.name)
            db.session.add(row)
        before = {"due_date": current.due_date, "authorship": current.authorship}
        row.due_date, row.authorship, row.updated_at = due, mode, utcnow()
        db.session.flush()
        record("deliverable.schedule_changed", row, actor=actor, cohort_id=cohort.id,
               before=before, after={"kind": kind.name, "due_date": due, "authorship": mode,
                                     "reason": reason.strip() or None})
    return schedule_for(cohort, kind)


# --- what each trainee owes ---------------------------------------------------------

@dataclass(frozen=True)
class Obligation:
    """One deliverable a trainee owes in one cohort, started or not."""

    cohort: Cohort
    kind: DeliverableKind
    authorship: AuthorshipMode
    team: Team | None  # for team work: the trainee's team (None: not in a team yet)
    deliverable: Deliverable | None
    due_date: date | None

    @property
    def state(self) -> str:
        return self.deliverable.state.value if self.deliverable else "not_started"

    @property
    def blocked(self) -> bool:
        """Team work cannot start before the trainee is in a team."""
        return self.authorship == AuthorshipMode.TEAM and self.team is None

    @property
    def overdue(self) -> bool:
        return (self.due_date is not None and self.due_date < local_today()
                and self.state in ("not_started", DeliverableState.DRAFT.value,
                                   DeliverableState.CHANGES_REQUESTED.value))


def effective_due_date(deliverable: Deliverable, schedule: Schedule | None = None) -> date | None:
    """The latest extension granted to it, else its kind's due date in its cohort."""
    if deliverable.extensions:
        return deliverable.extensions[-1].due_date
    if schedule is None:
        schedule = schedule_for(deliverable.cohort, kind_of(deliverable))
    return schedule.due_date


def _teams_by_member(cohort_ids: list[int]) -> dict[int, dict[int, Team]]:
    out: dict[int, dict[int, Team]] = {i: {} for i in cohort_ids}
    for team, user_id in db.session.execute(
            select(Team, TeamMember.user_id).join(TeamMember)
            .where(Team.cohort_id.in_(cohort_ids)).order_by(Team.id)):
        out[team.cohort_id][user_id] = team
    return out


def _deliverables_by_author(cohort_ids: list[int]) -> dict[int, dict[tuple, Deliverable]]:
    out: dict[int, dict[tuple, Deliverable]] = {i: {} for i in cohort_ids}
    # their extensions (a few, if any) with them, in the same query
    for d in db.session.scalars(select(Deliverable).where(Deliverable.cohort_id.in_(cohort_ids))
                                .options(joinedload(Deliverable.extensions))).unique():
        out[d.cohort_id][d.kind, d.author_key] = d
    return out


def _read_cohorts(cohort_ids: list[int]) -> None:
    """What :func:`obligations_of` reads per cohort (teams, schedules, works by author),
    for several cohorts at once: a trainee of two cohorts pays the queries once."""
    if len(cohort_ids) < 2 or not keeping():
        return
    for name, load in (("teams_by_member", _teams_by_member), ("schedules", _schedules_of),
                       ("deliverables_by_author", _deliverables_by_author)):
        # what the page read already (a cohort's table: its works) is not read again
        known = kept() or {}
        missing = [c for c in cohort_ids if (name, c) not in known and not (
            name == "deliverables_by_author" and ("cohort_works", c) in known)]
        if not missing:
            continue
        found = load(missing)
        for cohort_id in missing:
            read_once((name, cohort_id), lambda c=cohort_id, f=found: f[c])


def teams_loaded(cohort: Cohort) -> None:
    """The cohort's teams, loaded with their members by the page
    (``views.helpers.cohort_or_404(teams=True)``), are its teams by member for the rest
    of the request (what :func:`_team_of` reads)."""
    read_once(("teams_by_member", cohort.id), lambda: {
        m.user_id: team for team in sorted(cohort.teams, key=lambda t: t.id)
        for m in team.members})


def _team_of(user: User, cohort: Cohort) -> Team | None:
    # a page lists what each trainee of the cohort owes: the cohort's teams, read once
    teams = read_once(("teams_by_member", cohort.id),
                      lambda: _teams_by_member([cohort.id])[cohort.id])
    return teams.get(user.id)


def find_deliverable(cohort: Cohort, kind: DeliverableKind, mode: AuthorshipMode,
                     *, team: Team | None, owner: User | None) -> Deliverable | None:
    key = author_key(mode, getattr(team, "id", None), getattr(owner, "id", None))
    # likewise the cohort's deliverables by author, read once per page
    found = read_once(("deliverables_by_author", cohort.id), lambda: {
        (d.kind, d.author_key): d for d in _cohort_works(cohort.id)})
    return found.get((kind.name, key))


def obligations_of(membership: Membership) -> list[Obligation]:
    """The deliverables a trainee owes in one cohort, from their parcours."""
    if membership.role != CohortRole.TRAINEE or membership.parcours is None:
        return []
    cohort, user = membership.cohort, membership.user
    out = []
    team = _team_of(user, cohort)
    for kind in registry().kinds_for(cohort):
        if not kind.required_of(cohort, membership.parcours.value):
            continue
        schedule = schedule_for(cohort, kind)
        mode = schedule.authorship
        owner = user if mode == AuthorshipMode.INDIVIDUAL else None
        the_team = team if mode == AuthorshipMode.TEAM else None
        deliverable = None
        if mode != AuthorshipMode.TEAM or team is not None:
            deliverable = find_deliverable(cohort, kind, mode, team=the_team, owner=owner)
        due = effective_due_date(deliverable, schedule) if deliverable else schedule.due_date
        out.append(Obligation(cohort, kind, mode, the_team, deliverable, due))
    return out


def obligations_for(user: User) -> list[Obligation]:
    """Everything a trainee owes, across their cohorts, soonest due first (read once per
    request: the header's "À traiter", the dashboard and the workspace all show them)."""
    return list(read_once(("obligations", user.id), lambda: _obligations_for(user)))


def obligations_in(user: User, cohort: Cohort) -> list[Obligation]:
    """What a trainee owes in one cohort, soonest due first: :func:`obligations_for`'s
    lines of that cohort, without reading their other cohorts (the cohort's pages)."""
    membership = next((m for m in cohort.memberships
                       if m.user_id == user.id and m.role == CohortRole.TRAINEE), None)
    if membership is None:
        return []
    return sorted(obligations_of(membership), key=lambda o: o.due_date or date.max)


def _obligations_for(user: User) -> list[Obligation]:
    if CohortRole.TRAINEE not in roles_of(user).values():
        return []  # no cohort where they are a trainee (read with the policy's facts)
    # their memberships as the policy's facts read them (User.memberships), in the
    # order of their cohorts
    memberships = sorted((m for m in user.memberships if m.role == CohortRole.TRAINEE),
                         key=lambda m: (m.cohort.start_date, m.cohort.name))
    _read_cohorts([m.cohort_id for m in memberships])
    out = [o for m in memberships for o in obligations_of(m)]
    return sorted(out, key=lambda o: (o.due_date or date.max, o.cohort.name))


# --- starting a deliverable -----------------------------------------------------------

def cohort_theme(cohort: Cohort | None) -> Theme | None:
    """The thematic module ``cohort`` follows, as one of the programme's themes: the
    only theme a ``"theme"`` detail field takes there (a mini-diagnostic is on the
    thematic module its author follows, docs/domain.md, "What each parcours
    produces"; a trainee's chosen thematic module is their thematic cohort's,
    ``update_enrolment``, cohort/operations.py). None in a transversal cohort, or
    while the cohort's module is unknown: any theme of the programme then."""
    module = registry().cohort_module(cohort) if cohort is not None else None
    if module is None:
        return None
    return next((t for t in registry().themes() if t.code == module.code), None)


def clean_details(kind: DeliverableKind, values: dict[str, Any],
                  cohort: Cohort | None = None) -> dict[str, Any]:
    """The kind's detail fields from ``values``, checked; unknown names are dropped.
    In ``cohort``, a ``"theme"`` field takes the cohort's module only
    (:func:`cohort_theme`); a ``"themes"`` field any theme of the programme."""
    themes = {t.code for t in registry().themes()}
    module = cohort_theme(cohort)
    out: dict[str, Any] = {}
    for field in kind.fields:
        raw = values.get(field.name)
        if field.type == "themes":
            chosen = [str(v) for v in (raw or []) if str(v).strip()]
            unknown = [v for v in chosen if v not in themes]
            if unknown:
                raise OperationError(_("Thématique inconnue : %(code)s.", code=unknown[0]))
            if field.required and not chosen:
                raise OperationError(_("« %(field)s » est obligatoire.", field=field.label))
            out[field.name] = sorted(set(chosen))
            continue
        value = "" if raw is None else str(raw).strip()
        if field.required and not value:
            raise OperationError(_("« %(field)s » est obligatoire.", field=field.label))
        if len(value) > field.max_length:
            raise OperationError(_("« %(field)s » ne peut dépasser %(n)s caractères.",
                                   field=field.label, n=field.max_length))
        if value and field.type == "choice" and value not in {c for c, _l in field.choices}:
            raise OperationError(_("Choix invalide pour « %(field)s ».", field=field.label))
        if value and field.type == "theme" and value not in themes:
            raise OperationError(_("Thématique inconnue : %(code)s.", code=value))
        if value and field.type == "theme" and module is not None and value != module.code:
            raise OperationError(_(
                "« %(field)s » : seul le module thématique que suit la cohorte est "
                "possible (%(code)s — %(title)s).", field=field.label, code=module.code,
                title=module.label))
        out[field.name] = value
    return out


def default_details(kind: DeliverableKind, cohort: Cohort) -> dict[str, Any]:
    """Initial values: the cohort's module for a theme field of a thematic cohort."""
    module = cohort_theme(cohort)
    out: dict[str, Any] = {}
    for field in kind.fields:
        if field.type in ("theme", "themes") and module is not None:
            out[field.name] = module.code if field.type == "theme" else [module.code]
    return out


def start_deliverable(
    actor: User | None,
    cohort: Cohort,
    kind: str | DeliverableKind,
    *,
    title: str,
    details: dict[str, Any] | None = None,
    team: Team | None = None,
    owner: User | None = None,
) -> Deliverable:
    """Start a deliverable: its document from the kind's template and its record, in one
    transaction. The cohort's schedule says who writes it; ``team`` or ``owner`` says
    which team or trainee (none for a cohort-wide deliverable).

    Two teammates starting the same deliverable at once get one: the second is told it
    exists (the unique author key decides, on SQLite and PostgreSQL alike).
    """
    kind = kind if isinstance(kind, DeliverableKind) else kind_of(kind)
    if not kind.applies_to(cohort):
        raise OperationError(_("Ce type de livrable ne concerne pas cette cohorte."))
    mode = schedule_for(cohort, kind).authorship
    if mode == AuthorshipMode.TEAM:
        if team is None or team.cohort_id != cohort.id:
            raise OperationError(_("Ce livrable s'écrit en équipe : choisissez une équipe "
                                   "de la cohorte."))
        owner = None
    elif mode == AuthorshipMode.INDIVIDUAL:
        if owner is None:
            raise OperationError(_("Ce livrable est individuel : il faut son auteur."))
        role = db.session.scalar(select(Membership.role).where(
            Membership.cohort_id == cohort.id, Membership.user_id == owner.id))
        if role != CohortRole.TRAINEE:
            raise OperationError(_("L'auteur d'un livrable individuel est un·e stagiaire "
                                   "de la cohorte."))
        team = None
    else:
        team = owner = None
    title = (title or "").strip()
    if not title:
        raise OperationError(_("Le titre est obligatoire."))
    if len(title) > 300:
        raise OperationError(_("Le titre ne peut dépasser %(n)s caractères.", n=300))
    values = clean_details(kind, {**default_details(kind, cohort), **(details or {})}, cohort)
    key = author_key(mode, getattr(team, "id", None), getattr(owner, "id", None))
    try:
        with transaction():
            document = create_document(actor, cohort, title=title, template=kind.template,
                                       team=team, owner=owner, kind=kind.name)
            deliverable = Deliverable(
                cohort_id=cohort.id, kind=kind.name, title=title, authorship=mode,
                team_id=getattr(team, "id", None), owner_id=getattr(owner, "id", None),
                author_key=key, document_id=document.id, details=values,
                created_by_id=getattr(actor, "id", None))
            db.session.add(deliverable)
            db.session.flush()
            record("deliverable.started", deliverable, actor=actor, cohort_id=cohort.id,
                   after={"kind": kind.name, "title": title, "authorship": mode,
                          "team": team.name if team else None,
                          "owner": owner.email if owner else None, "details": values})
            signals.send(signals.deliverable_started, deliverable=deliverable, actor=actor)
    except IntegrityError:
        raise OperationError(_("Ce livrable a déjà été commencé.")) from None
    return deliverable


def update_details(actor: User, deliverable: Deliverable, *, title: str,
                   details: dict[str, Any]) -> Deliverable:
    kind = kind_of(deliverable)
    title = (title or "").strip()
    if not title:
        raise OperationError(_("Le titre est obligatoire."))
    if len(title) > 300:
        raise OperationError(_("Le titre ne peut dépasser %(n)s caractères.", n=300))
    values = clean_details(kind, details, deliverable.cohort)
    with transaction():
        before = {"title": deliverable.title, "details": dict(deliverable.details or {})}
        deliverable.title = title
        deliverable.details = values
        deliverable.document.title = title
        deliverable.updated_at = utcnow()
        record("deliverable.details_changed", deliverable, actor=actor,
               cohort_id=deliverable.cohort_id, before=before,
               after={"title": title, "details": values})
    return deliverable


def grant_extension(actor: User, deliverable: Deliverable, *, due_date: date,
                    reason: str) -> DeliverableExtension:
    """A later due date for this deliverable only, with the reason recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise OperationError(_("Indiquez le motif du report."))
    current = effective_due_date(deliverable)
    if current is not None and due_date <= current:
        raise OperationError(_("La nouvelle échéance doit être postérieure à l'échéance "
                               "actuelle."))
    with transaction():
        extension = DeliverableExtension(deliverable_id=deliverable.id, due_date=due_date,
                                         reason=reason[:2000],
                                         granted_by_id=getattr(actor, "id", None))
        db.session.add(extension)
        db.session.flush()
        db.session.refresh(deliverable, ["extensions"])
        record("deliverable.extension_granted", deliverable, actor=actor,
               cohort_id=deliverable.cohort_id, before={"due_date": current},
               after={"due_date": due_date, "reason": extension.reason})
    return extension


# --- who wrote it, what happened -----------------------------------------------------------

#: what the pages of one deliverable (its page, its export, its minutes) show of it, read
#: with it in one query: its text, its cohort and its authors (the owner, or the team's
#: members with their people)
WITH_AUTHORS = (
    joinedload(Deliverable.document), joinedload(Deliverable.cohort),
    joinedload(Deliverable.owner),
    joinedload(Deliverable.team).joinedload(Team.members).joinedload(TeamMember.user),
)


def authors_of(deliverable: Deliverable) -> list[User]:
    if deliverable.owner is not None:
        return [deliverable.owner]
    if deliverable.team is not None:
        return deliverable.team.users
    return deliverable.cohort.members(CohortRole.TRAINEE)


def authors_label(deliverable: Deliverable) -> str:
    if deliverable.team is not None:
        return deliverable.team.name
    if deliverable.owner is not None:
        return deliverable.owner.full_name
    return _("Toute la cohorte")


def last_activity(deliverables: Iterable[Deliverable]) -> dict[int, datetime]:
    """When each deliverable last changed: its text, its details, versions, files."""
    items = list(deliverables)
    if not items:
        return {}
    by_doc = {d.document_id: d.id for d in items}
    out = {d.id: d.updated_at for d in items}

    def bump(deliverable_id: int, moment: datetime | None) -> None:
        if moment is not None and moment > out[deliverable_id]:
            out[deliverable_id] = moment

    # one query: the text's log, its versions, the snapshot (compaction folds the log
    # into it, remembering its last edit), by document; the files, by deliverable
    parts = [
        select(literal("document").label("of"), model.document_id.label("id"),
               func.max(model.created_at).label("moment"))
        .where(model.document_id.in_(by_doc)).group_by(model.document_id)
        for model in (DocumentUpdate, DocumentVersion)]
    parts.append(select(literal("document"), Document.id, Document.snapshot_edited_at)
                 .where(Document.id.in_(by_doc)))
    parts.append(select(literal("deliverable"), Attachment.deliverable_id,
                        func.max(Attachment.created_at))
                 .where(Attachment.deliverable_id.in_(out))
                 .group_by(Attachment.deliverable_id))
    for of, key, moment in db.session.execute(union_all(*parts)):
        bump(by_doc[key] if of == "document" else key, moment)
    return out


def _cohort_works(cohort_id: int) -> list[Deliverable]:
    """The cohort's deliverables with their extensions, owner and team, in one query
    read once per request (coelab.memo): a cohort's table lists them, and what each
    trainee owes finds theirs among them (:func:`find_deliverable`)."""
    return read_once(("cohort_works", cohort_id), lambda: list(db.session.scalars(
        select(Deliverable).where(Deliverable.cohort_id == cohort_id).options(
            joinedload(Deliverable.extensions), joinedload(Deliverable.owner),
            joinedload(Deliverable.team))
        .order_by(Deliverable.kind, Deliverable.title)).unique()))


def cohort_deliverables(cohort: Cohort) -> list[Deliverable]:
    # the tables show each one's due date: its extensions come with it, not one by one
    return list(_cohort_works(cohort.id))


def readable_deliverables(user: User, cohort: Cohort) -> list[Deliverable]:
    """The deliverables of a cohort this user may read (a trainee: their own)."""

    return [d for d in cohort_deliverables(cohort) if can(user, "deliverable.read", d)]


def deliverable_of_document(document: Document) -> Deliverable | None:
    return db.session.scalar(select(Deliverable).where(Deliverable.document_id == document.id))


def involving(user: User) -> list[Deliverable]:
    """Deliverables a trainee writes: their own, their teams', their cohorts' shared."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    cohorts = select(Membership.cohort_id).where(Membership.user_id == user.id,
                                                 Membership.role == CohortRole.TRAINEE)
    return list(db.session.scalars(select(Deliverable).where(or_(
        Deliverable.owner_id == user.id, Deliverable.team_id.in_(teams),
        (Deliverable.authorship == AuthorshipMode.COHORT) & Deliverable.cohort_id.in_(cohorts),
    ))))


def _themes_named(deliverable: Deliverable, kind: DeliverableKind) -> dict[str, Theme]:
    """The themes the deliverable's details name, by code, for their labels: none for a
    kind without theme fields; the cohort's own module when it is the only one named
    (a mini-diagnostic's, :func:`cohort_theme`: the page reads that module anyway);
    else the programme's themes."""
    codes: set[str] = set()
    named = False
    for field in kind.fields:
        value = (deliverable.details or {}).get(field.name)
        if field.type == "themes":
            named = True
            codes.update(str(c) for c in value or [])
        elif field.type == "theme":
            named = True
            codes.update([str(value)] if value else [])
    if not named:
        return {}
    module = registry().cohort_module(deliverable.cohort)
    if module is not None and codes <= {module.code}:
        return {module.code: module}
    return {t.code: t for t in registry().themes()}


def detail_rows(deliverable: Deliverable) -> list[tuple[DetailField, str]]:
    """(field, shown value) pairs of the deliverable's details, in the kind's order."""
    kind = kind_of(deliverable)
    themes = _themes_named(deliverable, kind)
    rows = []
    for field in kind.fields:
        value = (deliverable.details or {}).get(field.name)
        if field.type == "themes":
            shown = ", ".join(f"{c} — {themes[c].label}" if c in themes else c
                              for c in value or [])
        elif field.type == "theme":
            shown = f"{value} — {themes[value].label}" if value in themes else (value or "")
        elif field.type == "choice":
            shown = str(dict(field.choices).get(value, value or ""))
        else:
            shown = value or ""
        rows.append((field, shown))
    return rows


# --- attachments ---------------------------------------------------------------------------

def add_attachment(actor: User, deliverable: Deliverable, stream: BinaryIO,
                   filename: str | None) -> Attachment:
    """Check an uploaded file by its content and size, store it under a generated name
    and record it. A refused file leaves nothing behind, on disk or in the database."""
    file_type, stored = files.accept_upload(stream, filename)
    try:
        with transaction():
            attachment = Attachment(
                deliverable_id=deliverable.id, filename=files.display_name(filename),
                stored_name=stored.stored_name, content_type=file_type.content_type,
                size=stored.size, sha256=stored.sha256,
                uploaded_by_id=getattr(actor, "id", None))
            db.session.add(attachment)
            db.session.flush()
            record("deliverable.attachment_added", deliverable, actor=actor,
                   cohort_id=deliverable.cohort_id,
                   after={"attachment": attachment.id, "filename": attachment.filename,
                          "type": file_type.label, "size": stored.size,
                          "sha256": stored.sha256})
    except BaseException:
        files.delete(stored.stored_name)
        raise
    return attachment


def remove_attachment(actor: User, attachment: Attachment) -> None:
    deliverable = attachment.deliverable
    stored_name = attachment.stored_name
    with transaction():
        record("deliverable.attachment_removed", deliverable, actor=actor,
               cohort_id=deliverable.cohort_id,
               before={"attachment": attachment.id, "filename": attachment.filename,
                       "sha256": attachment.sha256})
        db.session.delete(attachment)
    files.delete(stored_name)  # after the commit: a failed commit keeps the file
