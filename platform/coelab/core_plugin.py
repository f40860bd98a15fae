"""The core registers its own pages through the same contract as every feature package."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import models  # noqa: F401 - the core's tables join the metadata
from .assessments import models as assessment_models  # noqa: F401
from .assessments.rules import RULES as assessment_rules
from .assessments.views import bp as assessments_bp
from .assessments.views import section_context
from .cli import COMMANDS
from .comments import models as comment_models  # noqa: F401
from .comments.rules import RULES as comment_rules
from .comments.views import bp as comments_bp
from .deliverables import models as deliverable_models  # noqa: F401
from .deliverables.rules import RULES as deliverable_rules
from .deliverables.views import bp as deliverables_bp
from .documents import models as document_models  # noqa: F401
from .documents.operations import page_state
from .documents.rules import RULES as document_rules
from .documents.views import bp as documents_bp
from .jury import models as jury_models  # noqa: F401
from .jury.operations import panels_of
from .jury.rules import RULES as jury_rules
from .jury.views import bp as jury_bp
from .jury.views import jury_context
from .models import User
from .notifications import models as notification_models  # noqa: F401
from .notifications.views import bp as notifications_bp
from .plugins import AttentionItem, NavLink, Plugin, WorkspacePanel
from .policy import can, is_staff
from .rules import RULES as core_rules
from .views import queues
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
        # the header's "À traiter (n)", kept between requests until the next write
        # (coelab.views.queues.header_count, coelab.frame)
        app.add_template_global(
            lambda: queues.header_count(current_user), "attention_count")
        # the text a page's editor starts from (coelab/_editor.html)
        app.add_template_global(page_state, "editor_state")

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
        """The core's work queues: writing, reviewing, the jury, the comments, the
        people to invite and put in teams (:mod:`coelab.views.queues`)."""
        return queues.core_items(user)
