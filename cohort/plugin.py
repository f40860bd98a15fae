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
from .attendance import POLICY_RULES as ATTENDANCE_RULES
from .attestation import POLICY_RULES as ATTESTATION_RULES
from .cli import catalogue_cli, demo_command
from .models import Module
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
    cohorts = {m.cohort_id for m in person.memberships if m.role == CohortRole.TRAINEE}
    return any(cohort_role(user, m.cohort) == CohortRole.TRAINER
               for m in person.memberships if m.cohort_id in cohorts)


def _may_see_enrolments(user, cohort: Cohort) -> bool:
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINER


class CohortPlugin(Plugin):
    name = "cohort"
    migrations_dir = Path(__file__).parent / "migrations" / "versions"

    def import_models(self) -> None:
        """The plugin's models are imported with this module (above)."""

    def blueprints(self):
        return (bp,)

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
        }

    def connect_signals(self, app: Flask) -> None:
        signals.membership_added.connect(_open_enrolment, sender=app)

        signals.deliverable_decided.connect(on_deliverable_decided, sender=app)

    def init_app(self, app: Flask) -> None:
        app.cli.add_command(catalogue_cli)
        app.cli.add_command(demo_command)
        app.add_template_filter(_euros, "euros")

    def navigation(self, user: User) -> Iterable[NavLink]:
        yield NavLink(_l("Programme"), "cohort.catalogue", order=20)
        if any(m.role == CohortRole.TRAINEE for m in user.memberships):
            yield NavLink(_l("Mon passeport"), "cohort.passport", order=22)

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
        setup = ops.setup_of(cohort)
        gatherings = ops.gatherings_of(cohort)
        manage = is_staff(user)
        yield WorkspacePanel(_l("Programme et calendrier"), "cohort/panel_programme.html",
                             {"setup": setup, "gatherings": gatherings, "manage": manage,
                              "cohort": cohort, "today": local_today()}, order=10)
        if _may_see_enrolments(user, cohort):
            yield WorkspacePanel(_l("Inscriptions"), "cohort/panel_enrolments.html",
                                 {"rows": enrolment_rows(cohort), "cohort": cohort,
                                  "manage": manage}, order=20)
        elif cohort_role(user, cohort) == CohortRole.TRAINEE:
            mine = enrolment_rows(cohort, only=user)
            yield WorkspacePanel(_l("Mon inscription"), "cohort/panel_my_enrolment.html",
                                 {"row": mine[0] if mine else None}, order=20)

    def dashboard_panels(self, user: User) -> Iterable[WorkspacePanel]:
        """A trainee's parcours: their cohorts (two for parcours III), each deliverable
        they owe with its result, and the parcours' status (cohort/results.py)."""
        memberships = [m for m in user.memberships if m.role == CohortRole.TRAINEE]
        if memberships:
            result = parcours_result(user)
            yield WorkspacePanel(
                _l("Mon parcours"), "cohort/panel_parcours.html",
                {"result": result,
                 "setups": {m.cohort_id: ops.setup_of(m.cohort) for m in result.memberships}},
                order=10)

    def attention_items(self, user: User) -> Iterable[AttentionItem]:
        today = local_today()
        for membership in user.memberships:
            upcoming = [g for g in ops.gatherings_of(membership.cohort) if g.end_date >= today]
            if upcoming:
                nxt = upcoming[0]
                yield AttentionItem(
                    _("%(cohort)s : prochain regroupement du %(start)s au %(end)s.",
                      cohort=membership.cohort.name, start=_fmt(nxt.start_date),
                      end=_fmt(nxt.end_date)),
                    url_for("core.workspace", cohort_id=membership.cohort_id),
                    order=10,
                )


def _fmt(value: date) -> str:
    return format_date(value, "d MMMM")


def _euros(cents: int | None) -> str:
    return "—" if cents is None else format_currency(cents / 100, "EUR")


def _open_enrolment(app, membership, actor, **_kw) -> None:
    """A trainee who joins a cohort gets an enrolment record, to be completed."""

    if membership.role == CohortRole.TRAINEE:
        ensure_enrolment(membership)


plugin = CohortPlugin()
