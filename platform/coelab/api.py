"""The core's public API: what a feature package (a plugin) may import from the core.

A plugin imports from this module and from nothing else of ``coelab`` (import-linter
checks it, see ``pyproject.toml``; its Alembic revisions may also name ``coelab.db``'s
column types). What is here is the contract the core keeps: the plugin hooks and their
data types (:mod:`coelab.plugins`), the database session and transactions, the core's
models, the policy's questions, the operations a package builds on, what a page reads
once (``read_once``, coelab/memo.py), and the view
helpers that keep every package's forms and buttons alike. Anything else of the core
may change without notice.
"""

from __future__ import annotations

from . import operations as core_operations
from . import signals
from .assessments.models import BlockScope, Competency, CompetencyBlock
from .assessments.operations import (
    competencies_by_code,
    create_block,
    create_competency,
    rubric_criteria,
    save_assessment,
)
from .audit import record, snapshot
from .dates import when
from .db import UTCDateTime, db, local_today, str_enum, transaction, utcnow
from .deliverables import files as attachment_files
from .deliverables import workflow
from .deliverables.export import PROGRAMME_TITLE, export_pdf_from_template, slugify
from .deliverables.models import AuthorshipMode, Deliverable
from .deliverables.operations import (
    authors_of,
    find_deliverable,
    kind_of,
    obligations_of,
    schedule_for,
    set_schedule,
    start_deliverable,
)
from .deliverables.steps import WRITING
from .documents.models import Document
from .documents.operations import create_document, current_markdown, write_text
from .documents.render import render_markdown
from .documents.rooms import load_room
from .extensions import limiter
from .forms import ConfirmForm, email_address
from .jury import operations as jury_operations
from .jury.models import JuryDecision, PanelRole, Soutenance, outcome_for
from .jury.queries import counted_scores, decision_of
from .memo import read_once
from .models import AuditEvent, Cohort, CohortRole, Membership, ModuleScope, Parcours, Team, User
from .notifications.operations import app_path, notify
from .operations import OperationError, external_url, request_sign_up
from .plugins import (
    AttentionItem,
    CohortCreation,
    Criterion,
    DeliverableKind,
    DetailField,
    Level,
    NavLink,
    Plugin,
    Rubric,
    Theme,
    WorkspacePanel,
    levels,
    registry,
)
from .policy import can, cohort_role, is_document_author, is_staff, require
from .views.helpers import run_action, submit_form

__all__ = [
    "PROGRAMME_TITLE", "WRITING", "AttentionItem", "AuditEvent", "AuthorshipMode", "BlockScope",
    "Cohort", "CohortCreation", "CohortRole", "Competency", "CompetencyBlock", "ConfirmForm",
    "Criterion", "Deliverable", "DeliverableKind", "DetailField", "Document", "JuryDecision",
    "Level", "Membership", "ModuleScope", "NavLink", "OperationError", "PanelRole", "Parcours",
    "Plugin", "Rubric", "Soutenance", "Team", "Theme", "UTCDateTime", "User", "WorkspacePanel",
    "app_path", "attachment_files", "authors_of", "can", "cohort_role", "competencies_by_code",
    "core_operations", "counted_scores", "create_block", "create_competency", "create_document",
    "current_markdown", "db", "decision_of", "email_address", "export_pdf_from_template",
    "external_url", "find_deliverable", "is_document_author", "is_staff", "jury_operations",
    "kind_of", "levels", "limiter", "load_room", "local_today", "notify", "obligations_of",
    "outcome_for", "read_once", "record", "registry", "render_markdown", "request_sign_up",
    "require",
    "rubric_criteria", "run_action", "save_assessment", "schedule_for", "set_schedule", "signals",
    "slugify", "snapshot", "start_deliverable", "str_enum", "submit_form", "transaction", "utcnow",
    "when", "workflow", "write_text",
]
