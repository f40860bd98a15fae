"""Pages of the recommendations plugin: a collection and its entries, an entry with its
discussion, the collection as one document, the shared corpus."""

from __future__ import annotations

from typing import Any

from coelab.deliverables.models import Deliverable
from coelab.forms import ConfirmForm
from coelab.models import User
from coelab.operations import OperationError
from coelab.policy import can, require
from coelab.views.helpers import get_or_404
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from . import operations as ops
from .forms import CorpusSearchForm, MessageForm, ProposeForm, SetAsideForm
from .models import CorpusEntry, EntryStatus, RecommendationEntry

bp = Blueprint("recommendations", __name__)

PAGE_SIZE = 20


def _collection(collection_id: int) -> Deliverable:
    collection = get_or_404(Deliverable, collection_id)
    if not ops.is_collection(collection):
        abort(404)
    require("deliverable.read", collection)
    return collection


def _entry(entry_id: int) -> RecommendationEntry:
    entry = get_or_404(RecommendationEntry, entry_id)
    require("deliverable.read", entry.collection)  # 404 to anyone outside
    return entry


def _propose_form(collection: Deliverable) -> ProposeForm:
    form = ProposeForm()
    form.theme.choices = [(t.code, f"{t.code} — {t.label}")
                          for t in ops.allowed_themes(collection)]
    return form


def collection_context(collection: Deliverable, user: User,
                       form: ProposeForm | None = None) -> dict[str, Any]:
    """What the collection's page and its panel on the deliverable page show."""
    entries = ops.entries_of(collection)
    return {
        "collection": collection,
        "entries": entries,
        "themes": ops.themes_by_code(),
        "may_propose": can(user, "recommendation.propose", collection),
        "may_decide": can(user, "recommendation.decide", entries[0]) if entries else False,
        "form": form,
        "adopted": sum(1 for e in entries if e.status == EntryStatus.ADOPTED),
        "entries_by_id": {e.id: e for e in entries},
    }


@bp.route("/recueils/<int:collection_id>", methods=["GET", "POST"])
@login_required
def collection(collection_id: int):
    collection = _collection(collection_id)
    form = None
    if can(current_user, "recommendation.propose", collection):
        form = _propose_form(collection)
    if request.method == "POST":
        require("recommendation.propose", collection)
        if form.validate_on_submit():
            try:
                entry = ops.propose_entry(current_user, collection, title=form.title.data,
                                          theme=form.theme.data)
            except OperationError as exc:
                form.form_errors.append(str(exc))
            else:
                flash(_("Recommandation « %(title)s » proposée.", title=entry.title),
                      "success")
                return redirect(url_for(".entry", entry_id=entry.id))
    return render_template("recommendations/collection.html",
                           activity=ops.activity(collection),
                           **collection_context(collection, current_user, form))


@bp.route("/recueils/<int:collection_id>/document")
@login_required
def rendered(collection_id: int):
    collection = _collection(collection_id)
    return render_template("recommendations/rendered.html", collection=collection,
                           html=ops.combined_html(collection))


@bp.route("/recommandations/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry(entry_id: int):
    entry = _entry(entry_id)
    may_discuss = can(current_user, "recommendation.discuss", entry)
    message_form = MessageForm() if may_discuss else None
    if request.method == "POST":
        require("recommendation.discuss", entry)
        if message_form.validate_on_submit():
            try:
                ops.post_message(current_user, entry, message_form.body.data)
            except OperationError as exc:
                message_form.form_errors.append(str(exc))
            else:
                flash(_("Message publié."), "success")
                return redirect(url_for(".entry", entry_id=entry.id, _anchor="discussion"))
    return _entry_page(entry, message_form=message_form)


def _entry_page(entry: RecommendationEntry, *, message_form: MessageForm | None = None,
                set_aside_form: SetAsideForm | None = None, status: int = 200):
    may_discuss = can(current_user, "recommendation.discuss", entry)
    may_decide = can(current_user, "recommendation.decide", entry)
    if message_form is None and may_discuss:
        message_form = MessageForm(formdata=None)
    if set_aside_form is None and may_decide:
        set_aside_form = SetAsideForm(formdata=None)
    endorsed = any(e.user_id == current_user.id for e in entry.endorsements)
    return render_template(
        "recommendations/entry.html", entry=entry, collection=entry.collection,
        theme=ops.theme_label(entry.theme_code), message_form=message_form,
        set_aside_form=set_aside_form, may_decide=may_decide,
        may_endorse=can(current_user, "recommendation.endorse", entry), endorsed=endorsed,
        may_discuss=may_discuss, may_edit=can(current_user, "document.write", entry.document),
    ), status


def _entry_action(entry_id: int, action: str, operation, done: str):
    """A button on an entry (endorse, adopt...): CSRF, policy, operation, back."""
    entry = _entry(entry_id)
    require(action, entry)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operation(entry)
    except OperationError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    back = request.form.get("next")
    if back == "collection":
        return redirect(url_for(".collection", collection_id=entry.collection_id))
    return redirect(url_for(".entry", entry_id=entry.id))


@bp.route("/recommandations/<int:entry_id>/soutenir", methods=["POST"])
@login_required
def endorse(entry_id: int):
    return _entry_action(entry_id, "recommendation.endorse",
                         lambda e: ops.endorse(current_user, e),
                         _("Vous soutenez cette recommandation."))


@bp.route("/recommandations/<int:entry_id>/retirer-soutien", methods=["POST"])
@login_required
def withdraw(entry_id: int):
    return _entry_action(entry_id, "recommendation.endorse",
                         lambda e: ops.withdraw_endorsement(current_user, e),
                         _("Votre soutien est retiré."))


@bp.route("/recommandations/<int:entry_id>/adopter", methods=["POST"])
@login_required
def adopt(entry_id: int):
    return _entry_action(entry_id, "recommendation.decide",
                         lambda e: ops.adopt(current_user, e),
                         _("Recommandation adoptée : elle figure dans le recueil."))


@bp.route("/recommandations/<int:entry_id>/rouvrir", methods=["POST"])
@login_required
def reopen(entry_id: int):
    return _entry_action(entry_id, "recommendation.decide",
                         lambda e: ops.reopen(current_user, e),
                         _("Recommandation rouverte : elle est de nouveau proposée."))


@bp.route("/recommandations/<int:entry_id>/monter", methods=["POST"])
@login_required
def move_up(entry_id: int):
    return _entry_action(entry_id, "recommendation.decide",
                         lambda e: ops.move_entry(current_user, e, "up"),
                         _("Recommandation déplacée."))


@bp.route("/recommandations/<int:entry_id>/descendre", methods=["POST"])
@login_required
def move_down(entry_id: int):
    return _entry_action(entry_id, "recommendation.decide",
                         lambda e: ops.move_entry(current_user, e, "down"),
                         _("Recommandation déplacée."))


@bp.route("/recommandations/<int:entry_id>/ecarter", methods=["POST"])
@login_required
def set_aside(entry_id: int):
    entry = _entry(entry_id)
    require("recommendation.decide", entry)
    form = SetAsideForm()
    if form.validate_on_submit():
        try:
            ops.set_aside(current_user, entry, form.reason.data)
        except OperationError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Recommandation écartée."), "success")
            return redirect(url_for(".entry", entry_id=entry.id))
    return _entry_page(entry, set_aside_form=form, status=400)


# --- the shared corpus -----------------------------------------------------------------


@bp.route("/bonnes-pratiques")
@login_required
def corpus():
    require("corpus.view")
    form = CorpusSearchForm(request.args)
    themes = ops.corpus_themes()
    form.theme.choices = [("", _("Toutes les thématiques"))] + [
        (code, f"{code} — {label}") for code, label in themes]
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 10_000)
    if form.validate():
        query, theme = form.q.data or "", form.theme.data or None
    else:
        query, theme = "", None
    rows, total = ops.search_corpus(query, theme, limit=PAGE_SIZE,
                                    offset=(page - 1) * PAGE_SIZE)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render_template("recommendations/corpus.html", form=form, rows=rows, total=total,
                           page=page, pages=pages, searched=bool(query.strip() or theme),
                           args={"q": query, "theme": theme or ""}
                           ), 400 if form.errors else 200


@bp.route("/bonnes-pratiques/<int:corpus_id>")
@login_required
def corpus_entry(corpus_id: int):
    require("corpus.view")
    item = get_or_404(CorpusEntry, corpus_id)
    return render_template("recommendations/corpus_entry.html", item=item)
