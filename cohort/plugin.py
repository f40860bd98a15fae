"""The cohort plugin object, registered under the ``coelab.plugins`` entry point."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from coelab.api import (
    AttentionItem,
    Cohort,
    CohortCreation,
    CohortRole,
    Membership,
    ModuleScope,
    NavLink,
    Plugin,
    Theme,
    User,
    WorkspacePanel,
    cohort_role,
    db,
    is_staff,
    local_today,
    signals,
)
from flask import Flask, url_for
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import (
    attendance_views,  # noqa: F401 - its pages join the blueprint
    attestation_views,  # noqa: F401 - its pages join the blueprint
    models,  # noqa: F401
)
from . import operations as ops
from .admissions import hooks as admission_hooks
from .admissions import models as admission_models  # noqa: F401 - its tables
from .admissions.retention import register_cli as register_admission_cli
from .admissions.rules import RULES as ADMISSION_RULES
from .admissions.views import bp as admissions_bp
from .attendance import POLICY_RULES as ATTENDANCE_RULES
from .attestation import POLICY_RULES as ATTESTATION_RULES
from .cli import catalogue_cli, demo_command
from .models import Gathering, Module
from .operations import ensure_enrolment
from .passport import on_deliverable_decided
from .results import parcours_result
from .views import bp, create_from_form, enrolment_rows, new_cohort_form


def _may_see_passport(user, person: User) -> bool:
    """The trainee, the coordination, and the trainers of the trainee's cohorts."""
    if not user.is_authenticated:
        return False
    if user.id == person.id or is_staff(user):
        return True
    # the cohorts the person follows as a trainee, in one query (not their memberships,
    # then each one's cohort)
    followed = db.session.scalars(select(Cohort).join(
        Membership, Membership.cohort_id == Cohort.id).where(
        Membership.user_id == person.id, Membership.role == CohortRole.TRAINEE)).all()
    return any(cohort_role(user, cohort) == CohortRole.TRAINER for cohort in followed)


def _may_see_enrolments(user, cohort: Cohort) -> bool:
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINER


class CohortPlugin(Plugin):
    name = "cohort"
    migrations_dir = Path(__file__).parent / "migrations" / "versions"

    def import_models(self) -> None:
        """The plugin's models are imported with this module (above)."""

    def blueprints(self):
        return (bp, admissions_bp)

    def policy_rules(self):
        return {
            "programme.view": lambda user, obj=None: bool(user.is_authenticated),
            "programme.edit": lambda user, obj=None: is_staff(user),
            "cohort.view_enrolments": _may_see_enrolments,
            "passport.view": _may_see_passport,
            # the coordination records a trainee's eligibility to a diploma
            "passport.record_eligibility": lambda user, person=None: is_staff(user),
            **ATTENDANCE_RULES,
            **ATTESTATION_RULES,
            **ADMISSION_RULES,
        }

    def connect_signals(self, app: Flask) -> None:
        signals.membership_added.connect(_open_enrolment, sender=app)

        signals.deliverable_decided.connect(on_deliverable_decided, sender=app)

    def init_app(self, app: Flask) -> None:
        app.cli.add_command(catalogue_cli)
        app.cli.add_command(demo_command)
        register_admission_cli(app)
        app.add_template_filter(_euros, "euros")

    def navigation(self, user: User) -> Iterable[NavLink]:
        yield NavLink(_l("Programme"), "cohort.catalogue", order=20)
        if any(m.role == CohortRole.TRAINEE for m in user.memberships):
            yield NavLink(_l("Mon passeport"), "cohort.passport", order=22)
        yield from admission_hooks.navigation(user)

    def public_navigation(self) -> Iterable[NavLink]:
        yield from admission_hooks.public_navigation()

    def audit_labels(self):
        """The history of a deliverable names what this package recorded on it."""
        return {"passport.competencies_validated":
                _l("Compétences inscrites au passeport des auteurs")}

    def cohort_creation(self) -> CohortCreation:
        """A cohort follows a module of the catalogue, at a site, maybe in a session."""

        return CohortCreation(form=new_cohort_form, create=create_from_form,
                              template="cohort/cohort_form.html")

    def themes(self) -> Iterable[Theme]:
        for module in db.session.scalars(select(Module).where(
                Module.scope == ModuleScope.THEMATIC).order_by(Module.position, Module.code)):
            yield Theme(module.code, module.title)

    def cohort_module(self, cohort: Cohort) -> Theme | None:
        setup = ops.setup_of(cohort)
        return Theme(setup.module.code, setup.module.title) if setup else None

    def workspace_panels(self, cohort: Cohort, user: User) -> Iterable[WorkspacePanel]:
        manage = is_staff(user)
        # the enrolments first: the trainees' results read the cohort's set-up with
        # their memberships (cohort/reads.py), which the programme's panel shows
        enrolments = None
        if _may_see_enrolments(user, cohort):
            enrolments = WorkspacePanel(
                _l("Inscriptions"), "cohort/panel_enrolments.html",
                {"rows": enrolment_rows(cohort), "cohort": cohort, "manage": manage},
                order=20)
        elif cohort_role(user, cohort) == CohortRole.TRAINEE:
            mine = enrolment_rows(cohort, only=user)
            enrolments = WorkspacePanel(
                _l("Mon inscription"), "cohort/panel_my_enrolment.html",
                {"row": mine[0] if mine else None}, order=20)
        setup = ops.setup_of(cohort)
        gatherings = ops.gatherings_of(cohort)
        yield WorkspacePanel(_l("Programme et calendrier"), "cohort/panel_programme.html",
                             {"setup": setup, "gatherings": gatherings, "manage": manage,
                              "cohort": cohort, "today": local_today()}, order=10)
        if enrolments is not None:
            yield enrolments

    def dashboard_panels(self, user: User) -> Iterable[WorkspacePanel]:
        """A trainee's parcours: their cohorts (two for parcours III), each deliverable
        they owe with its result, and the parcours' status (cohort/results.py)."""
        yield from admission_hooks.dashboard_panels(user)
        memberships = [m for m in user.memberships if m.role == CohortRole.TRAINEE]
        if memberships:
            result = parcours_result(user)
            yield WorkspacePanel(
                _l("Mon parcours"), "cohort/panel_parcours.html",
                {"result": result,
                 "setups": {m.cohort_id: ops.setup_of(m.cohort) for m in result.memberships}},
                order=10)

    def attention_items(self, user: User) -> Iterable[AttentionItem]:
        yield from admission_hooks.attention_items(user)
        # the next gathering of each of their cohorts, in one query: news, not work to
        # do (it counts for nothing in the header's "À traiter (n)")
        if not user.memberships:
            return  # in no cohort (the memberships the header's links loaded already)
        today = local_today()
        seen: set[int] = set()
        for gathering, cohort in db.session.execute(
                select(Gathering, Cohort).join(Cohort, Cohort.id == Gathering.cohort_id)
                .join(Membership, Membership.cohort_id == Gathering.cohort_id)
                .where(Membership.user_id == user.id, Gathering.end_date >= today)
                .order_by(Gathering.start_date, Gathering.id)):
            if cohort.id in seen:
                continue
            seen.add(cohort.id)
            yield AttentionItem(
                _("%(cohort)s : prochain regroupement du %(start)s au %(end)s.",
                  cohort=cohort.name, start=_fmt(gathering.start_date),
                  end=_fmt(gathering.end_date)),
                url_for("core.workspace", cohort_id=cohort.id), order=10, kind="info",
                count=0)


def _fmt(value: date) -> str:
    return format_date(value, "d MMMM")


def _euros(cents: int | None) -> str:
    return "—" if cents is None else format_currency(cents / 100, "EUR")


def _open_enrolment(app, membership, actor, **_kw) -> None:
    """A trainee who joins a cohort gets an enrolment record, to be completed."""

    if membership.role == CohortRole.TRAINEE:
        ensure_enrolment(membership)


plugin = CohortPlugin()
