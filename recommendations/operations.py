"""Operations of the recommendations plugin: the only code that writes its tables.

Each public function that changes state validates, writes inside one
:func:`coelab.db.transaction` and records an audit event on the entry (or corpus entry)
it changes. Those audit events are also the collection's activity list: the trace of
who proposed, discussed, endorsed and decided what: the co-élaboration the collection is
assessed on (docs/domain.md, "Purpose").
Views check the policy; these functions check that the change makes sense.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import NamedTuple

from coelab.api import (
    WRITING,
    AuditEvent,
    Deliverable,
    OperationError,
    Theme,
    User,
    create_document,
    current_markdown,
    db,
    load_room,
    record,
    registry,
    render_markdown,
    transaction,
    utcnow,
)
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, and_, func, select, text
from sqlalchemy.exc import IntegrityError

from .models import (
    FTS_TABLE,
    PG_TSVECTOR,
    CorpusEntry,
    DiscussionMessage,
    Endorsement,
    EntryStatus,
    FrozenEntry,
    FrozenRound,
    RecommendationEntry,
)

#: the deliverable kind of a collection, and the document kind of one of its entries
KIND = "recommendation_collection"
ENTRY_KIND = "recommendation_entry"
TITLE_MAX = 300
MESSAGE_MAX = 5000
REASON_MAX = 2000

ENTRY_TEMPLATE = """## {title}

*Thématique : {theme}*

### Constat

Décrivez la situation observée sur le terrain et ce qui pose question.

### Recommandation

Formulez la bonne pratique recommandée, en une ou deux phrases d'abord, puis détaillez.

### Conditions de mise en œuvre

Moyens, acteurs à associer, étapes, points de vigilance.

### Indicateurs de suivi

Comment saura-t-on que la recommandation est appliquée et qu'elle produit ses effets ?

### Sources et terrains

Établissements, services, textes et références qui fondent la recommandation.
"""


# --- reading --------------------------------------------------------------------------


def is_collection(deliverable: object) -> bool:
    return getattr(deliverable, "kind", None) == KIND


def themes_by_code() -> dict[str, Theme]:
    return {t.code: t for t in registry().themes()}


def theme_label(code: str) -> str:
    theme = themes_by_code().get(code)
    return f"{code} — {theme.label}" if theme else code


def allowed_themes(collection: Deliverable) -> list[Theme]:
    """The themes an entry of this collection may take: the collection's own, when it
    chose some, else every theme of the programme."""
    every = registry().themes()
    chosen = set((collection.details or {}).get("themes") or [])
    return [t for t in every if t.code in chosen] if chosen else every


def entries_of(collection: Deliverable) -> list[RecommendationEntry]:
    return list(db.session.scalars(select(RecommendationEntry).where(
        RecommendationEntry.collection_id == collection.id).order_by(
        RecommendationEntry.position, RecommendationEntry.id)))


def adopted_entries(collection: Deliverable) -> list[RecommendationEntry]:
    return [e for e in entries_of(collection) if e.status == EntryStatus.ADOPTED]


def combined_markdown(collection: Deliverable, text: str | None = None) -> str:
    """The collection as one document: its own text (the introduction; ``text`` when
    given, else its document's live text), then the live text of each adopted entry in
    the collection's order. The kind's export (``DeliverableKind.export``) is this."""
    own = current_markdown(collection.document) if text is None else text
    return _joined(own, [current_markdown(e.document) for e in adopted_entries(collection)])


def frozen_markdown(collection: Deliverable, text: str) -> str:
    """What the collection's version frozen at submission holds
    (``DeliverableKind.freeze``): ``text``, its own text just frozen, then its adopted
    entries, as :func:`combined_markdown` composes them. What it read is kept as the
    round's :class:`FrozenRound`, which the corpus copies if the jury validates that
    round (:func:`publish_collection`): the entries' documents stay writable, the
    version and the corpus do not follow them.

    It runs inside the submission's transaction. The collection's row is locked first:
    an entry adopted or set aside meanwhile waits, then finds the collection submitted.
    Each entry's text is read as stored, without waiting for its co-editing room: a
    writer holding that room may be waiting for the row lock this read takes."""
    current = db.session.scalar(select(Deliverable.round).where(
        Deliverable.id == collection.id).with_for_update())
    adopted = adopted_entries(collection)
    texts = [load_room(e.document_id).markdown() for e in adopted]
    # the round this submission opens: the deliverable's round plus one (``submit``,
    # platform/coelab/deliverables/workflow.py), whose transaction writes this row too
    frozen = FrozenRound(collection_id=collection.id, round=current + 1, entries=[
        FrozenEntry(entry_id=entry.id, position=position, title=entry.title,
                    theme_code=entry.theme_code, markdown=markdown)
        for position, (entry, markdown) in enumerate(zip(adopted, texts, strict=True),
                                                     start=1)])
    db.session.add(frozen)
    db.session.flush()
    record("recommendation.frozen", frozen, actor=None, cohort_id=collection.cohort_id,
           after={"collection": collection.id, "round": frozen.round,
                  "entries": [e.id for e in adopted]})
    return _joined(text, texts)


class HandedIn(NamedTuple):
    """An adopted entry as a submission handed it in."""

    entry_id: int | None
    title: str
    theme_code: str
    markdown: str


def handed_in(collection: Deliverable, round_: int) -> list[HandedIn]:
    """The adopted entries of the version frozen at the submission of ``round_``, in the
    collection's order then, as :func:`frozen_markdown` read them.

    A round handed in before these were kept (migration r3c0mm02), or never handed in,
    has none: its entries are then the live adopted ones, as the corpus took them
    before. Adopting, setting aside and moving entries stop at a submission, so only
    their texts may differ."""
    frozen = db.session.scalar(select(FrozenRound).where(
        FrozenRound.collection_id == collection.id, FrozenRound.round == round_))
    if frozen is not None:
        return [HandedIn(e.entry_id, e.title, e.theme_code, e.markdown)
                for e in frozen.entries]
    return [HandedIn(e.id, e.title, e.theme_code, current_markdown(e.document))
            for e in adopted_entries(collection)]


def _joined(own: str, entries: list[str]) -> str:
    parts = [own.rstrip()] + [entry.strip() for entry in entries]
    return "\n\n".join(p for p in parts if p) + "\n"


def combined_html(collection: Deliverable) -> str:
    """:func:`combined_markdown`, rendered and sanitised."""
    return render_markdown(combined_markdown(collection))


def activity(collection: Deliverable) -> list[AuditEvent]:
    """What happened to the collection's entries, oldest first (from the audit log)."""
    ids = select(RecommendationEntry.id).where(
        RecommendationEntry.collection_id == collection.id)
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == RecommendationEntry.__tablename__,
        AuditEvent.object_id.in_(ids)).order_by(AuditEvent.created_at, AuditEvent.id)))


# --- changing a collection's entries ------------------------------------------------------


def _check_open(collection: Deliverable) -> None:
    if not is_collection(collection):
        raise OperationError(_("Ce livrable n'est pas un recueil de recommandations."))
    if collection.state not in WRITING:
        # a draft, or sent back with changes requested: the authors write again, its
        # entries included
        raise OperationError(_("Ce recueil a été remis : ses recommandations ne peuvent "
                               "plus changer."))


def _lock(collection: Deliverable, check_open: bool = True) -> Deliverable:
    """The collection's row, read afresh and locked until the end of the transaction
    (entry positions and decisions are read then written; the jury may have moved it
    on meanwhile)."""
    locked = db.session.execute(
        select(Deliverable).where(Deliverable.id == collection.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if check_open:
        _check_open(locked)
    return locked


def _locked_entry(entry: RecommendationEntry) -> RecommendationEntry:
    db.session.refresh(entry, with_for_update=True)
    return entry


def propose_entry(actor: User | None, collection: Deliverable, *, title: str, theme: str,
                  text_: str | None = None) -> RecommendationEntry:
    """A new entry at the end of the collection, with its co-written document seeded
    from the entry template (or from ``text_``, for demo data)."""
    _check_open(collection)
    title = (title or "").strip()
    if not title:
        raise OperationError(_("Le titre de la recommandation est obligatoire."))
    if len(title) > TITLE_MAX:
        raise OperationError(_("Le titre ne peut dépasser %(n)s caractères.", n=TITLE_MAX))
    allowed = {t.code: t for t in allowed_themes(collection)}
    if theme not in allowed:
        raise OperationError(_("Choisissez une des thématiques du recueil."))
    with transaction():
        _lock(collection)
        last = db.session.scalar(select(func.max(RecommendationEntry.position)).where(
            RecommendationEntry.collection_id == collection.id))
        template = text_ if text_ is not None else ENTRY_TEMPLATE.format(
            title=title, theme=f"{theme} — {allowed[theme].label}")
        document = create_document(actor, collection.cohort, title=title, template=template,
                                   team=collection.team, owner=collection.owner,
                                   kind=ENTRY_KIND)
        entry = RecommendationEntry(
            collection_id=collection.id, document_id=document.id, title=title,
            theme_code=theme, status=EntryStatus.PROPOSED, position=(last or 0) + 1,
            proposed_by_id=getattr(actor, "id", None))
        db.session.add(entry)
        db.session.flush()
        record("recommendation.proposed", entry, actor=actor,
               cohort_id=collection.cohort_id,
               after={"collection": collection.id, "title": title, "theme": theme})
    return entry


def endorse(actor: User, entry: RecommendationEntry) -> Endorsement:
    """``actor`` supports the entry (once)."""
    _check_open(entry.collection)
    if entry.status == EntryStatus.SET_ASIDE:
        raise OperationError(_("Cette recommandation a été écartée : rouvrez-la avant de "
                               "la soutenir."))
    if _endorsement(actor, entry) is not None:
        raise OperationError(_("Vous soutenez déjà cette recommandation."))
    try:
        with transaction():
            endorsement = Endorsement(entry_id=entry.id, user_id=actor.id)
            db.session.add(endorsement)
            db.session.flush()
            record("recommendation.endorsed", entry, actor=actor,
                   cohort_id=entry.collection.cohort_id, after={"user": actor.full_name})
    except IntegrityError:  # the same person, twice at once: the unique key decides
        raise OperationError(_("Vous soutenez déjà cette recommandation.")) from None
    db.session.expire(entry, ["endorsements"])
    return endorsement


def withdraw_endorsement(actor: User, entry: RecommendationEntry) -> None:
    _check_open(entry.collection)
    with transaction():
        endorsement = _endorsement(actor, entry)
        if endorsement is None:
            raise OperationError(_("Vous ne soutenez pas cette recommandation."))
        db.session.delete(endorsement)
        record("recommendation.endorsement_withdrawn", entry, actor=actor,
               cohort_id=entry.collection.cohort_id, before={"user": actor.full_name})
    db.session.expire(entry, ["endorsements"])


def _endorsement(user: User, entry: RecommendationEntry) -> Endorsement | None:
    return db.session.scalar(select(Endorsement).where(
        Endorsement.entry_id == entry.id, Endorsement.user_id == user.id))


def post_message(actor: User, entry: RecommendationEntry, body: str) -> DiscussionMessage:
    """A plain-text message in the entry's discussion (shown escaped, never as HTML)."""
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise OperationError(_("Le message est vide."))
    if len(body) > MESSAGE_MAX:
        raise OperationError(_("Un message ne peut dépasser %(n)s caractères.", n=MESSAGE_MAX))
    with transaction():
        message = DiscussionMessage(entry_id=entry.id, author_id=actor.id, body=body)
        db.session.add(message)
        db.session.flush()
        record("recommendation.discussed", entry, actor=actor,
               cohort_id=entry.collection.cohort_id,
               after={"message": message.id, "characters": len(body)})
    db.session.expire(entry, ["messages"])
    return message


def _decide(actor: User, entry: RecommendationEntry, status: EntryStatus,
            allowed_from: set[EntryStatus], reason: str | None, action: str) -> None:
    _check_open(entry.collection)
    with transaction():
        _lock(entry.collection)
        entry = _locked_entry(entry)
        if entry.status not in allowed_from:
            raise OperationError(_("Cette recommandation a changé entre-temps : "
                                   "rechargez la page."))
        before = {"status": entry.status, "reason": entry.status_reason}
        entry.status = status
        entry.status_reason = reason
        entry.decided_by_id = getattr(actor, "id", None)
        entry.decided_at = utcnow()
        record(action, entry, actor=actor, cohort_id=entry.collection.cohort_id,
               before=before, after={"status": status, "reason": reason})


def adopt(actor: User, entry: RecommendationEntry) -> None:
    """The collection's authors keep the entry: it joins the collection's text."""
    _decide(actor, entry, EntryStatus.ADOPTED, {EntryStatus.PROPOSED}, None,
            "recommendation.adopted")


def set_aside(actor: User, entry: RecommendationEntry, reason: str) -> None:
    """The authors leave the entry out, saying why."""
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise OperationError(_("Indiquez pourquoi cette recommandation est écartée."))
    if len(reason) > REASON_MAX:
        raise OperationError(_("Le motif ne peut dépasser %(n)s caractères.", n=REASON_MAX))
    _decide(actor, entry, EntryStatus.SET_ASIDE, {EntryStatus.PROPOSED}, reason,
            "recommendation.set_aside")


def reopen(actor: User, entry: RecommendationEntry) -> None:
    """Back to proposed, from adopted or set aside, to decide again."""
    _decide(actor, entry, EntryStatus.PROPOSED, {EntryStatus.ADOPTED, EntryStatus.SET_ASIDE},
            None, "recommendation.reopened")


def move_entry(actor: User, entry: RecommendationEntry, direction: str) -> None:
    """Swap the entry with its neighbour above (``"up"``) or below (``"down"``)."""
    if direction not in ("up", "down"):
        raise OperationError(_("Déplacement inconnu."))
    _check_open(entry.collection)
    with transaction():
        collection = _lock(entry.collection)
        entries = entries_of(collection)
        index = next(i for i, e in enumerate(entries) if e.id == entry.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(entries):
            raise OperationError(_("Cette recommandation est déjà à cette extrémité du "
                                   "recueil."))
        entries[index], entries[other] = entries[other], entries[index]
        for position, item in enumerate(entries, start=1):
            item.position = position
        record("recommendation.moved", entry, actor=actor, cohort_id=collection.cohort_id,
               before={"position": index + 1}, after={"position": other + 1})


# --- the shared corpus -----------------------------------------------------------------


def training_year(start: date) -> tuple[int, str]:
    """The year a cohort started, and its training year (from September: 2025-2026)."""
    first = start.year if start.month >= 7 else start.year - 1
    return start.year, f"{first}-{first + 1}"


def normalise(value: str) -> str:
    """Lower case, without accents or ligatures: what PostgreSQL's index is built on."""
    value = value.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _index_fts(entry: CorpusEntry) -> None:
    """Keep SQLite's FTS5 table in step with a corpus entry (PostgreSQL indexes the
    table itself)."""
    if _dialect() != "sqlite":
        return
    # FTS_TABLE is a constant; every value is a bound parameter
    db.session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"),  # noqa: S608
                       {"id": entry.id})
    db.session.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) "  # noqa: S608
             "VALUES (:id, :title, :body)"),
        {"id": entry.id, "title": entry.title, "body": entry.markdown})


def add_to_corpus(actor: User | None, *, title: str, theme_code: str, markdown: str,
                  cohort_name: str, cohort_start: date, cohort_id: int | None = None,
                  source_entry_id: int | None = None) -> CorpusEntry:
    """One recommendation into the corpus (its text rendered and sanitised once)."""
    year, year_label = training_year(cohort_start)
    with transaction():
        entry = CorpusEntry(
            source_entry_id=source_entry_id, title=title, theme_code=theme_code,
            theme_label=(themes_by_code().get(theme_code) or Theme(theme_code, "")).label,
            markdown=markdown, html=render_markdown(markdown),
            search_text=normalise(f"{title}\n{markdown}"), cohort_name=cohort_name,
            year=year, year_label=year_label)
        db.session.add(entry)
        db.session.flush()
        _index_fts(entry)
        record("corpus.published", entry, actor=actor, cohort_id=cohort_id,
               after={"title": title, "theme": theme_code, "cohort": cohort_name,
                      "year": year_label, "source_entry": source_entry_id})
    return entry


def publish_collection(actor: User | None, collection: Deliverable) -> list[CorpusEntry]:
    """Copy into the corpus the adopted entries of a validated collection as the jury
    judged them: those of the version frozen at the submission of the decided round
    (:func:`handed_in`), not the live ones. Entries already there are left as they
    are, so publishing twice adds nothing."""
    if not is_collection(collection):
        raise OperationError(_("Ce livrable n'est pas un recueil de recommandations."))
    added = []
    with transaction():
        locked = _lock(collection, check_open=False)
        # a released decision is on the collection's current round (``decision_of``,
        # platform/coelab/jury/queries.py)
        items = handed_in(locked, locked.round)
        done = set(db.session.scalars(select(CorpusEntry.source_entry_id).where(
            CorpusEntry.source_entry_id.in_([i.entry_id for i in items
                                             if i.entry_id is not None]))))
        cohort = locked.cohort
        for item in items:
            if item.entry_id in done:
                continue
            added.append(add_to_corpus(
                actor, title=item.title, theme_code=item.theme_code, markdown=item.markdown,
                cohort_name=cohort.name, cohort_start=cohort.start_date, cohort_id=cohort.id,
                source_entry_id=item.entry_id))
    return added


def on_deliverable_decided(sender, *, deliverable, validated: bool, actor=None, **_kw) -> None:
    """Receiver of :data:`coelab.signals.deliverable_decided`."""
    if validated and is_collection(deliverable):
        publish_collection(actor, deliverable)


SEARCH_MAX_WORDS = 12
_WORD = re.compile(r"\w+")


def search_words(query: str | None) -> list[str]:
    """The words of what a person typed: punctuation, quotes and operators dropped."""
    return _WORD.findall((query or "")[:300])[:SEARCH_MAX_WORDS]


def _matches(words: list[str]) -> ColumnElement[bool]:
    """Corpus entries containing every word, accents aside: the one place that knows
    each database's full-text search."""
    dialect = _dialect()
    if dialect == "sqlite":
        # each word quoted (never an FTS operator) and matched as a prefix
        fts_query = " ".join(f'"{w}"*' for w in words)
        ids = text(f"SELECT rowid FROM {FTS_TABLE} "  # noqa: S608 - a constant
                   f"WHERE {FTS_TABLE} MATCH :fts_query")
        ids = ids.bindparams(fts_query=fts_query).columns(rowid=Integer)
        return CorpusEntry.id.in_(ids)
    if dialect == "postgresql":
        return text(f"{PG_TSVECTOR} @@ plainto_tsquery('french', :pg_query)").bindparams(
            pg_query=normalise(" ".join(words)))
    return and_(*(CorpusEntry.search_text.contains(normalise(w)) for w in words))


def search_corpus(query: str | None = None, theme: str | None = None, *, limit: int = 30,
                  offset: int = 0) -> tuple[list[CorpusEntry], int]:
    """Corpus entries matching the words of ``query`` and the theme, newest first, and
    how many match in all. Any input is safe: only its words are searched."""
    conditions = []
    words = search_words(query)
    if words:
        conditions.append(_matches(words))
    if theme:
        conditions.append(CorpusEntry.theme_code == theme)
    total = db.session.scalar(select(func.count()).select_from(CorpusEntry).where(*conditions))
    rows = db.session.scalars(select(CorpusEntry).where(*conditions).order_by(
        CorpusEntry.published_at.desc(), CorpusEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


def corpus_themes() -> list[tuple[str, str]]:
    """The themes present in the corpus or in the programme, for the filter."""
    seen = {t.code: t.label for t in registry().themes()}
    for code, label in db.session.execute(select(
            CorpusEntry.theme_code, CorpusEntry.theme_label).distinct()):
        seen.setdefault(code, label)
    return sorted(seen.items())
