"""The core registers its own pages through the same contract as every feature package."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import models  # noqa: F401 - the core's tables join the metadata
from .assessments import models as assessment_models  # noqa: F401
from .assessments.rules import RULES as assessment_rules
from .assessments.views import bp as assessments_bp
from .assessments.views import section_context
from .cli import COMMANDS
from .comments import models as comment_models  # noqa: F401
from .comments.rules import RULES as comment_rules
from .comments.views import bp as comments_bp
from .db import db
from .deliverables import models as deliverable_models  # noqa: F401
from .deliverables.operations import obligations_for
from .deliverables.rules import RULES as deliverable_rules
from .deliverables.views import bp as deliverables_bp
from .documents import models as document_models  # noqa: F401
from .documents.rules import RULES as document_rules
from .documents.views import bp as documents_bp
from .jury import models as jury_models  # noqa: F401
from .jury.operations import panels_of
from .jury.rules import RULES as jury_rules
from .jury.views import bp as jury_bp
from .jury.views import jury_context
from .models import Cohort, CohortRole, Membership, Team, TeamMember, User
from .notifications import models as notification_models  # noqa: F401
from .notifications.views import bp as notifications_bp
from .plugins import AttentionItem, NavLink, Plugin, WorkspacePanel
from .policy import can, is_staff
from .rules import RULES as core_rules
from .views.auth import bp as auth_bp
from .views.core import bp as core_bp

if TYPE_CHECKING:
    from .deliverables.models import Deliverable


class CorePlugin(Plugin):
    name = "coelab"

    def blueprints(self):
        return (auth_bp, core_bp, documents_bp, deliverables_bp, comments_bp,
                assessments_bp, jury_bp, notifications_bp)

    def import_models(self) -> None:
        """The core's models are imported with this module (above), so that they join
        the metadata before anything queries them."""

    def policy_rules(self) -> dict:
        """Each feature of the core gives its own rules, as a plugin does."""

        rules: dict = {}
        for part in (core_rules, document_rules, deliverable_rules, assessment_rules,
                     comment_rules, jury_rules):
            clash = set(rules) & set(part)
            if clash:
                raise RuntimeError(f"policy actions defined twice: {sorted(clash)}")
            rules.update(part)
        return rules

    def init_app(self, app) -> None:
        for command in COMMANDS:
            app.cli.add_command(command)

    def navigation(self, user: User) -> Iterable[NavLink]:
        yield NavLink(_l("Tableau de bord"), "core.dashboard", order=0)

        if panels_of(user):
            yield NavLink(_l("Mes jurys"), "jury.mine", order=25)
        if can(user, "cohort.create"):
            yield NavLink(_l("Nouvelle cohorte"), "core.new_cohort", order=30)
        if is_staff(user):
            yield NavLink(_l("Personnes"), "core.users", order=80)
            yield NavLink(_l("Compétences"), "assessments.framework", order=85)

    def deliverable_panels(self, deliverable: Deliverable,
                           user: User) -> Iterable[WorkspacePanel]:
        """The deliverable's rubric and assessments, then its jury: sections of its page
        drawn by their own templates (their anchors, such as ``#jury-title``, stay)."""

        assessment = section_context(deliverable, user)
        if assessment["criteria"]:
            yield WorkspacePanel(_l("Grille d'évaluation et évaluations"),
                                 "coelab/assessments/_section.html", assessment, order=2,
                                 framed=False)
        jury = jury_context(deliverable, user)
        if jury is not None:
            yield WorkspacePanel(_l("Jury"), "coelab/jury/_deliverable.html", jury, order=4,
                                 framed=False)

    def attention_items(self, user: User) -> Iterable[AttentionItem]:
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
