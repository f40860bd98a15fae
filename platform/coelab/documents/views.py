"""Pages of co-edited documents: editor, preview, versions, diff, contributions, tokens."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import sessions
from ..db import db
from ..deliverables.models import Deliverable
from ..deliverables.operations import deliverable_of_document
from ..models import Cohort, Team
from ..policy import can, require
from ..views.helpers import submit_form
from . import operations as ops
from .awareness import user_colour
from .forms import NewDocumentForm, VersionForm
from .models import Document, DocumentVersion
from .render import render_markdown
from .tokens import make_token

bp = Blueprint("documents", __name__)


def _document(document_id: int, action: str = "document.read") -> Document:
    document = db.get_or_404(Document, document_id)
    require(action, document)
    return document


@bp.route("/documents/<int:document_id>")
@login_required
def editor(document_id: int):
    document = _document(document_id)
    deliverable = deliverable_of_document(document)
    if deliverable is not None:  # a deliverable's text is edited on its own page
        return redirect(url_for("deliverables.page", deliverable_id=deliverable.id))
    return render_template(
        "coelab/document.html",
        document=document,
        can_write=can(current_user, "document.write", document),
        colour=user_colour(current_user.id),
        server_url=request.host_url.rstrip("/"),
        contributions=ops.contributions(document),
        versions=ops.versions_of(document)[:5],
    )


@bp.route("/documents/<int:document_id>/preview")
@login_required
def preview(document_id: int):
    document = _document(document_id)
    response = jsonify({"html": render_markdown(ops.current_markdown(document))})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/documents/<int:document_id>/token", methods=["POST"])
@login_required
def token(document_id: int):
    """A short-lived token for a non-browser Yjs client (see the README)."""
    document = _document(document_id)
    return jsonify({
        "token": make_token(current_user.id, document.id, sessions.current().id),
        "namespace": f"/yjs|{document.id}",
        "expires_in": current_app.config["SOCKET_TOKEN_SECONDS"],
        "can_write": can(current_user, "document.write", document),
    })


@bp.route("/documents/<int:document_id>/versions", methods=["GET", "POST"])
@login_required
def versions(document_id: int):
    document = _document(document_id)
    form = VersionForm()
    if request.method == "POST":
        require("document.save_version", document)
    done = submit_form(
        form, lambda: ops.save_version(current_user, document, form.label.data),
        done=lambda v: _("Version %(n)s enregistrée.", n=v.number),
        next_url=url_for("documents.versions", document_id=document.id))
    if done:
        return done
    return render_template("coelab/versions.html", document=document, form=form,
                           versions=ops.versions_of(document),
                           can_save=can(current_user, "document.save_version", document))


def _version(document: Document, number: int) -> DocumentVersion:
    version = db.session.scalar(select(DocumentVersion).where(
        DocumentVersion.document_id == document.id, DocumentVersion.number == number))
    if version is None:
        abort(404)
    return version


@bp.route("/documents/<int:document_id>/versions/<int:number>")
@login_required
def version(document_id: int, number: int):
    document = _document(document_id)
    # a deliverable's versions are commented inline (coelab.comments)
    deliverable = db.session.scalar(select(Deliverable).where(
        Deliverable.document_id == document.id))
    return render_template("coelab/version.html", document=document,
                           version=_version(document, number), deliverable=deliverable)


@bp.route("/documents/<int:document_id>/diff")
@login_required
def diff(document_id: int):
    document = _document(document_id)
    try:
        old_n, new_n = int(request.args["from"]), int(request.args["to"])
    except (KeyError, ValueError):
        abort(400)
    old, new = _version(document, old_n), _version(document, new_n)
    return render_template("coelab/diff.html", document=document, old=old, new=new,
                           lines=ops.diff_versions(old.markdown, new.markdown))


def _new_document_form(cohort: Cohort) -> tuple[NewDocumentForm, list[Team]]:
    form = NewDocumentForm()
    teams = ops.writable_teams(current_user, cohort)
    form.team.choices = [(0, _("Moi seul·e"))] + [(t.id, t.name) for t in teams]
    return form, teams


@bp.route("/cohorts/<int:cohort_id>/documents", methods=["POST"])
@login_required
def create(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("document.create", cohort)
    form, teams = _new_document_form(cohort)

    def create_it():
        team = db.session.get(Team, form.team.data) if form.team.data else None
        if team is not None and team not in teams:
            abort(403)
        owner = None if team is not None else current_user._get_current_object()
        return ops.create_document(current_user, cohort, title=form.title.data, team=team,
                                   owner=owner)

    done = submit_form(
        form, create_it, done=_("Document créé."),
        next_url=lambda d: url_for("documents.editor", document_id=d.id))
    return done or render_template("coelab/new_document.html", cohort=cohort, form=form)


@bp.route("/cohorts/<int:cohort_id>/documents/new")
@login_required
def new(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("document.create", cohort)
    form, _teams = _new_document_form(cohort)
    return render_template("coelab/new_document.html", cohort=cohort, form=form)
