"""Pages of the recommendations plugin: a collection and its entries, an entry with its
discussion, the collection as one document, the shared corpus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from coelab.api import (
    WRITING,
    ConfirmForm,
    Deliverable,
    User,
    can,
    db,
    require,
    run_action,
    submit_form,
    workflow,
)
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from . import operations as ops
from .forms import CorpusSearchForm, MessageForm, ProposeForm, SetAsideForm
from .models import CorpusEntry, EntryStatus, RecommendationEntry

bp = Blueprint("recommendations", __name__)

PAGE_SIZE = 20


def _collection(collection_id: int) -> Deliverable:
    collection = db.get_or_404(Deliverable, collection_id)
    if not ops.is_collection(collection):
        abort(404)
    require("deliverable.read", collection)
    return collection


def _entry(entry_id: int) -> RecommendationEntry:
    entry = db.get_or_404(RecommendationEntry, entry_id)
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
        done = submit_form(
            form, lambda: ops.propose_entry(current_user, collection, title=form.title.data,
                                            theme=form.theme.data),
            done=lambda entry: _("Recommandation « %(title)s » proposée.", title=entry.title),
            next_url=lambda entry: url_for(".entry", entry_id=entry.id))
        if done:
            return done
    return render_template("recommendations/collection.html",
                           activity=ops.activity(collection),
                           **collection_context(collection, current_user, form))


@bp.route("/recueils/<int:collection_id>/document")
@login_required
def rendered(collection_id: int):
    collection = _collection(collection_id)
    # once handed in, what the trainers and the jury read is the version frozen then
    submitted = workflow.submissions(collection) if collection.state not in WRITING else []
    return render_template("recommendations/rendered.html", collection=collection,
                           html=ops.combined_html(collection),
                           submission=submitted[-1] if submitted else None)


@bp.route("/recommandations/<int:entry_id>", methods=["GET", "POST"])
@login_required
def entry(entry_id: int):
    entry = _entry(entry_id)
    may_discuss = can(current_user, "recommendation.discuss", entry)
    message_form = MessageForm() if may_discuss else None
    if request.method == "POST":
        require("recommendation.discuss", entry)
        done = submit_form(
            message_form, lambda: ops.post_message(current_user, entry, message_form.body.data),
            done=_("Message publié."),
            next_url=url_for(".entry", entry_id=entry.id, _anchor="discussion"))
        if done:
            return done
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
        handed_in=entry.collection.state not in WRITING,
    ), status


class EntryAction(NamedTuple):
    """A button on an entry, posted to a route of its own."""

    segment: str  # the last part of the route's URL
    endpoint: str
    permission: str
    operation: Callable[[RecommendationEntry], object]
    done: str  # a lazy translation


ENTRY_ACTIONS = [
    EntryAction("soutenir", "endorse", "recommendation.endorse",
                lambda entry: ops.endorse(current_user, entry),
                _l("Vous soutenez cette recommandation.")),
    EntryAction("retirer-soutien", "withdraw", "recommendation.endorse",
                lambda entry: ops.withdraw_endorsement(current_user, entry),
                _l("Votre soutien est retiré.")),
    EntryAction("adopter", "adopt", "recommendation.decide",
                lambda entry: ops.adopt(current_user, entry),
                _l("Recommandation adoptée : elle figure dans le recueil.")),
    EntryAction("rouvrir", "reopen", "recommendation.decide",
                lambda entry: ops.reopen(current_user, entry),
                _l("Recommandation rouverte : elle est de nouveau proposée.")),
    EntryAction("monter", "move_up", "recommendation.decide",
                lambda entry: ops.move_entry(current_user, entry, "up"),
                _l("Recommandation déplacée.")),
    EntryAction("descendre", "move_down", "recommendation.decide",
                lambda entry: ops.move_entry(current_user, entry, "down"),
                _l("Recommandation déplacée.")),
]


def _entry_action(entry_id: int, action: EntryAction):
    """Policy, CSRF, the operation, then back to the entry or, when the button says so,
    to its collection."""
    entry = _entry(entry_id)
    require(action.permission, entry)
    if request.form.get("next") == "collection":
        back = url_for(".collection", collection_id=entry.collection_id)
    else:
        back = url_for(".entry", entry_id=entry.id)
    return run_action(ConfirmForm(), lambda: action.operation(entry), done=action.done,
                      next_url=back, invalid=lambda _form: abort(400))


def _entry_button(action: EntryAction) -> Callable:
    def view(entry_id: int):
        return _entry_action(entry_id, action)

    view.__name__ = action.endpoint
    return login_required(view)


for _action in ENTRY_ACTIONS:
    bp.add_url_rule(f"/recommandations/<int:entry_id>/{_action.segment}", _action.endpoint,
                    _entry_button(_action), methods=["POST"])


@bp.route("/recommandations/<int:entry_id>/ecarter", methods=["POST"])
@login_required
def set_aside(entry_id: int):
    entry = _entry(entry_id)
    require("recommendation.decide", entry)
    form = SetAsideForm()
    done = submit_form(form, lambda: ops.set_aside(current_user, entry, form.reason.data),
                       done=_("Recommandation écartée."),
                       next_url=url_for(".entry", entry_id=entry.id))
    return done or _entry_page(entry, set_aside_form=form, status=400)


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
    item = db.get_or_404(CorpusEntry, corpus_id)
    return render_template("recommendations/corpus_entry.html", item=item)
