"""The core registers its own pages through the same contract as every feature package."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from .db import db
from .models import Cohort, CohortRole, Membership, Team, TeamMember, User
from .plugins import AttentionItem, NavLink, Plugin
from .policy import is_staff


class CorePlugin(Plugin):
    name = "coelab"

    def blueprints(self):
        from .assessments.views import bp as assessments_bp
        from .comments.views import bp as comments_bp
        from .deliverables.views import bp as deliverables_bp
        from .documents.views import bp as documents_bp
        from .jury.views import bp as jury_bp
        from .notifications.views import bp as notifications_bp
        from .views.auth import bp as auth_bp
        from .views.core import bp as core_bp

        return (auth_bp, core_bp, documents_bp, deliverables_bp, comments_bp,
                assessments_bp, jury_bp, notifications_bp)

    def import_models(self) -> None:
        from .assessments import models  # noqa: F401

    def connect_signals(self, app) -> None:
        from . import signals
        from .assessments.demo import load_demo

        signals.demo_loaded.connect(load_demo, sender=app)

    def init_app(self, app) -> None:
        from .cli import COMMANDS

        for command in COMMANDS:
            app.cli.add_command(command)

    def navigation(self, user: User) -> Iterable[NavLink]:
        yield NavLink(_l("Tableau de bord"), "core.dashboard", order=0)
        from .jury.operations import panels_of

        if panels_of(user):
            yield NavLink(_l("Mes jurys"), "jury.mine", order=25)
        if is_staff(user):
            yield NavLink(_l("Personnes"), "core.users", order=80)
            yield NavLink(_l("Compétences"), "assessments.framework", order=85)

    def attention_items(self, user: User) -> Iterable[AttentionItem]:
        from flask_babel import format_date

        from .deliverables.operations import obligations_for

        for o in obligations_for(user):
            if o.overdue:
                text = _("%(kind)s : l'échéance du %(date)s est passée.",
                         kind=o.kind.label, date=format_date(o.due_date, "d MMMM"))
            elif o.blocked:
                text = _("%(kind)s : vous n'êtes pas encore dans une équipe de « %(cohort)s ».",
                         kind=o.kind.label, cohort=o.cohort.name)
            elif o.deliverable is None:
                text = _("%(kind)s : à commencer (cohorte « %(cohort)s »).",
                         kind=o.kind.label, cohort=o.cohort.name)
            else:
                continue
            url = (url_for("deliverables.page", deliverable_id=o.deliverable.id)
                   if o.deliverable else url_for("core.workspace", cohort_id=o.cohort.id))
            yield AttentionItem(text, url, order=5)
        if is_staff(user):
            pending = db.session.scalar(
                select(func.count()).select_from(User).where(User.active.is_(False))
            )
            if pending:
                yield AttentionItem(
                    ngettext(
                        "%(num)d invitation n'a pas encore été acceptée.",
                        "%(num)d invitations n'ont pas encore été acceptées.",
                        pending,
                    ),
                    url_for("core.users"),
                    order=50,
                )
            # trainees who belong to no team of their cohort
            in_team = (
                select(TeamMember.id)
                .join(Team)
                .where(TeamMember.user_id == Membership.user_id,
                       Team.cohort_id == Membership.cohort_id)
            )
            rows = db.session.execute(
                select(Cohort.id, Cohort.name, func.count(Membership.id))
                .join(Membership)
                .where(Membership.role == CohortRole.TRAINEE, ~in_team.exists())
                .group_by(Cohort.id, Cohort.name)
                .order_by(Cohort.name)
            ).all()
            for cohort_id, cohort_name, count in rows:
                yield AttentionItem(
                    ngettext(
                        "%(cohort)s : %(num)d stagiaire n'a pas encore d'équipe.",
                        "%(cohort)s : %(num)d stagiaires n'ont pas encore d'équipe.",
                        count,
                        cohort=cohort_name,
                    ),
                    url_for("core.teams", cohort_id=cohort_id),
                    order=60,
                )
