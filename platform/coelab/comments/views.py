"""JSON endpoints of the comments of a deliverable, used by the editor's script.

Every answer is JSON, errors included (``{"error": "<message en français>"}``): a
deliverable one may not read answers 404 as if it did not exist, and an operation's
refusal (OperationError) answers 400 with its message.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..db import db
from ..deliverables.models import Deliverable
from ..operations import OperationError
from ..policy import can, require
from . import operations as ops
from .models import CommentThread

bp = Blueprint("comments", __name__)


@bp.errorhandler(CSRFError)  # by its code too: the app's CSRFError page is found by code
@bp.errorhandler(HTTPException)
def json_error(exc: HTTPException):
    if isinstance(exc, CSRFError):
        message = _("Le jeton de sécurité a expiré : rechargez la page et recommencez.")
    else:
        message = {
            400: _("Requête invalide."),
            401: _("Connectez-vous pour continuer."),
            403: _("Vous n'avez pas les droits nécessaires pour cette action."),
            404: _("Ce livrable ou cette discussion n'existe pas, ou vous n'y avez pas accès."),
            413: _("Le contenu envoyé dépasse la taille permise."),
        }.get(exc.code or 400, _("Requête invalide."))
    return jsonify(error=message), exc.code or 400


@bp.errorhandler(OperationError)
def refused(exc: OperationError):
    """An operation (or a malformed request) refused: its message, as a 400."""
    return jsonify(error=str(exc)), 400


def _deliverable(deliverable_id: int) -> Deliverable:
    deliverable = db.get_or_404(Deliverable, deliverable_id)
    require("deliverable.read", deliverable)
    return deliverable


def _thread(deliverable: Deliverable, thread_id: int) -> CommentThread:
    thread = db.session.get(CommentThread, thread_id)
    if (thread is None or thread.deliverable_id != deliverable.id
            or not can(current_user, "comment.read", thread)):
        abort(404)
    return thread


def _payload() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise OperationError(_("Requête invalide : un objet JSON est attendu."))
    return data


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def thread_json(thread: CommentThread) -> dict:
    live = thread.version_number is None
    return {
        "id": thread.id,
        "version": thread.version_number,
        "anchor": ({"start": thread.anchor_start, "end": thread.anchor_end} if live
                   else {"start": thread.offset_start, "end": thread.offset_end}),
        "quote": thread.quote,
        "visibility": thread.visibility.value,
        "resolved": thread.resolved,
        "resolved_at": _date(thread.resolved_at),
        "resolved_by": thread.resolved_by.full_name if thread.resolved_by else None,
        "created_at": _date(thread.created_at),
        "can_reply": can(current_user, "comment.reply", thread),
        "can_resolve": can(current_user, "comment.resolve", thread),
        "comments": [{
            "id": c.id,
            "author": c.author.full_name if c.author else _("Compte supprimé"),
            "mine": c.author_id == current_user.id,
            "body": c.body,
            "created_at": _date(c.created_at),
        } for c in thread.comments],
    }


def _done(thread: CommentThread, status: int = 200):
    return jsonify(thread=thread_json(thread)), status


@bp.route("/deliverables/<int:deliverable_id>/comments")
@login_required
def index(deliverable_id: int):
    """The threads one may read; ``?version=live`` or ``?version=<n>`` to keep those of
    the live text or of one version."""
    deliverable = _deliverable(deliverable_id)
    threads = ops.threads_for(current_user, deliverable)
    version = request.args.get("version")
    if version == "live":
        threads = [t for t in threads if t.version_number is None]
    elif version is not None:
        if not version.isdigit():
            return jsonify(error=_("Numéro de version invalide.")), 400
        threads = [t for t in threads if t.version_number == int(version)]
    return jsonify(threads=[thread_json(t) for t in threads],
                   can_comment=can(current_user, "comment.create", deliverable))


@bp.route("/deliverables/<int:deliverable_id>/comments", methods=["POST"])
@login_required
def create(deliverable_id: int):
    deliverable = _deliverable(deliverable_id)
    require("comment.create", deliverable)
    data = _payload()
    anchor = data.get("anchor")
    if not isinstance(anchor, dict):
        raise OperationError(_("Sélectionnez d'abord le passage à commenter."))
    version = data.get("version")
    if version is not None and type(version) is not int:
        raise OperationError(_("Numéro de version invalide."))
    thread = ops.create_thread(
        current_user, deliverable,
        anchor=ops.Anchor(anchor.get("start"), anchor.get("end"), version),
        quote=data.get("quote"), body=data.get("body"),
        visibility=data.get("visibility") or "authors")
    return _done(thread, 201)


@bp.route("/deliverables/<int:deliverable_id>/comments/<int:thread_id>/replies",
          methods=["POST"])
@login_required
def reply(deliverable_id: int, thread_id: int):
    thread = _thread(_deliverable(deliverable_id), thread_id)
    require("comment.reply", thread)
    ops.reply(current_user, thread, _payload().get("body"))
    return _done(thread, 201)


@bp.route("/deliverables/<int:deliverable_id>/comments/<int:thread_id>/<action>",
          methods=["POST"])
@login_required
def resolve(deliverable_id: int, thread_id: int, action: str):
    if action not in ("resolve", "reopen"):
        abort(404)
    thread = _thread(_deliverable(deliverable_id), thread_id)
    require("comment.resolve", thread)
    ops.set_resolved(current_user, thread, action == "resolve")
    return _done(thread)
