"""Operations on documents: creation from a template, versions, contribution summary."""

from __future__ import annotations

import base64
import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass

import pycrdt
from flask_babel import gettext as _
from sqlalchemy import func, inspect, select, union_all, update
from sqlalchemy.orm.util import identity_key

from .. import signals
from ..audit import record
from ..db import db, transaction
from ..models import Cohort, CohortRole, Team, User
from ..operations import OperationError
from ..policy import can, cohort_role, is_staff
from .authorship import Authorship
from .models import Document, DocumentContribution, DocumentUpdate, DocumentVersion
from .render import render_markdown
from .rooms import (
    TEXT,
    UpdateRejected,
    UpdateRejectedWithBatch,
    append,
    catch_up,
    hold,
    rooms,
)


def create_document(
    actor: User | None,
    cohort: Cohort,
    *,
    title: str,
    template: str = "",
    team: Team | None = None,
    owner: User | None = None,
    kind: str | None = None,
) -> Document:
    """A new document, seeded once from ``template`` in this one transaction.

    The template becomes the document's first snapshot. Nothing ever rebuilds a document
    from its Markdown again: its content is only ever its Yjs state.
    """
    title = title.strip()
    if not title:
        raise OperationError(_("Le titre du document est obligatoire."))
    if team is not None and team.cohort_id != cohort.id:
        raise OperationError(_("Cette équipe n'appartient pas à la cohorte."))
    if team is not None and owner is not None:
        raise OperationError(_("Un document appartient à une équipe ou à une personne."))
    seed = pycrdt.Doc()
    text = seed.get(TEXT, type=pycrdt.Text)
    if template:
        text += template
    state = seed.get_update()
    with transaction():
        document = Document(
            cohort_id=cohort.id, title=title, team=team, owner=owner, kind=kind,
            created_by_id=getattr(actor, "id", None), snapshot=state,
            snapshot_seq=0, snapshot_authorship=Authorship.of_seed(state).dumps(),
        )
        db.session.add(document)
        db.session.flush()
        record("document.created", document, actor=actor, cohort_id=cohort.id,
               after={"title": title, "team": team.name if team else None,
                      "owner": owner.email if owner else None, "kind": kind})
        signals.send(signals.document_created, document=document, actor=actor)
    return document


def current_markdown(document: Document) -> str:
    room = rooms().get(document.id)
    with hold(room):
        catch_up(room)
        return room.markdown()


#: the largest document state a page carries for its editor (coelab/_editor.html); a
#: larger text comes through the socket only
PAGE_STATE_BYTES = 256 * 1024


def page_state(document: Document) -> str:
    """The document's state (a Yjs update, base64) for the page that shows its editor:
    the editor shows the text at once, and it is writable at once (typing before the
    socket's first answer would otherwise be concurrent with the whole text, see
    frontend/src/main.js); empty for a text over :data:`PAGE_STATE_BYTES`.

    The room is not brought up to date here (the pages showing an editor did it, and it
    costs the log's query): a state a little behind is a sound start all the same, since
    the socket's first exchange brings the editor whatever it lacks."""
    room = rooms().get(document.id)
    with hold(room):
        state = room.doc.get_update()
    return base64.b64encode(state).decode() if len(state) <= PAGE_STATE_BYTES else ""


def write_text(actor: User, document: Document, markdown: str) -> None:
    """Make the document's text ``markdown``, as ``actor``'s edit.

    The smallest change is made (the text the two share at their start and end is kept),
    and stored as a co-editor's update is (``rooms.append``): under the document's row
    lock, asked of the policy (``document.write``), counted in the actor's
    contributions. Editors connected at that moment receive it at their next resync
    (the editor asks every ten seconds), not at once: this is for text written outside
    the editor (the demo's), not for typing.
    """
    room = rooms().get(document.id)
    with hold(room):
        catch_up(room)
        old = room.markdown()
        state = room.doc.get_update()
    if old == markdown:
        return
    start = 0
    while start < min(len(old), len(markdown)) and old[start] == markdown[start]:
        start += 1
    end = 0
    while (end < min(len(old), len(markdown)) - start
           and old[len(old) - 1 - end] == markdown[len(markdown) - 1 - end]):
        end += 1
    doc = pycrdt.Doc()
    text = doc.get(TEXT, type=pycrdt.Text)
    doc.apply_update(state)
    before = doc.get_state()
    # pycrdt counts a text's positions in UTF-8 bytes
    at = len(old[:start].encode())
    cut = len(old[start:len(old) - end].encode())
    if cut:
        del text[at:at + cut]
    if markdown[start:len(markdown) - end]:
        text.insert(at, markdown[start:len(markdown) - end])
    try:
        append(room, actor, doc.get_update(before),
               lambda user, d: can(user, "document.write", d))
    except (UpdateRejected, UpdateRejectedWithBatch):
        # refused under the row lock (frozen, or no longer theirs): nothing was stored
        raise OperationError(_("Ce texte ne peut plus être modifié par cette personne.")) from None


def save_version(actor: User | None, document: Document, label: str,
                 automatic: bool = False) -> DocumentVersion:
    """Freeze the document's exact current state as the next numbered version."""
    room = rooms().get(document.id)
    with hold(room):
        catch_up(room)
        state = room.doc.get_update()
        markdown = room.markdown()
    with transaction():
        return _store_version(actor, document, label, state, markdown, automatic)


def freeze(actor: User | None, document: Document, label: str,
           compose: Callable[[str], str] | None = None) -> DocumentVersion:
    """Make the document read-only and keep its exact state as a version, atomically:
    no update is stored between the state taken and the freeze (a submission).

    Under the room's lock the room catches up with the log and the document row is
    marked frozen; an update waiting for the lock then finds it frozen and is refused.
    Called inside an operation's transaction, the room must already be open: opening it
    there would keep a share lock on the row while waiting for the room (a deadlock
    with a concurrent freeze).

    The version's state is the document's; its Markdown (and its rendering) is the
    document's text, or what ``compose`` makes of it, inside the same transaction (a
    submission passes its kind's ``DeliverableKind.freeze``: a recommendation collection
    adds its adopted entries).
    """
    room = rooms().get(document.id)
    with transaction():
        with hold(room):
            db.session.execute(update(Document).where(Document.id == document.id)
                               .values(frozen=True))
            catch_up(room)
            state = room.doc.get_update()
            markdown = room.markdown()
        if compose is not None:
            markdown = compose(markdown)
        version = _store_version(actor, document, label, state, markdown, True)
        record("document.frozen", document, actor=actor, cohort_id=document.cohort_id,
               after={"version": version.number})
    db.session.refresh(document)
    return version


def unfreeze(actor: User | None, document: Document) -> None:
    """Open a frozen document to its authors again (a new round of writing)."""
    with transaction():
        db.session.execute(update(Document).where(Document.id == document.id)
                           .values(frozen=False))
        record("document.unfrozen", document, actor=actor, cohort_id=document.cohort_id)
    db.session.refresh(document)


def _store_version(actor: User | None, document: Document, label: str, state: bytes,
                   markdown: str, automatic: bool) -> DocumentVersion:
    label = (label or "").strip() or _("Version sans titre")
    locked = db.session.execute(
        select(Document).where(Document.id == document.id).with_for_update()
    ).scalar_one()
    number = (db.session.scalar(select(func.max(DocumentVersion.number)).where(
        DocumentVersion.document_id == locked.id)) or 0) + 1
    version = DocumentVersion(
        document_id=locked.id, number=number, label=label[:200], state=state,
        markdown=markdown, html=render_markdown(markdown), automatic=automatic,
        created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    record("document.version_saved", locked, actor=actor, cohort_id=locked.cohort_id,
           after={"number": number, "label": version.label, "automatic": automatic,
                  "characters": len(markdown)})
    return version


def versions_of(document: Document) -> list[DocumentVersion]:
    return list(db.session.scalars(select(DocumentVersion).where(
        DocumentVersion.document_id == document.id).order_by(DocumentVersion.number.desc())))


def version_text(version: DocumentVersion) -> str:
    """The text of a version, decoded from its stored Yjs state (the stored Markdown is
    a convenience copy; this checks they agree, except where a submitted version holds
    more than its document's text, see :func:`freeze`)."""
    doc = pycrdt.Doc()
    text = doc.get(TEXT, type=pycrdt.Text)
    doc.apply_update(version.state)
    return str(text)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    html: str


def diff_versions(old: str, new: str) -> list[DiffLine]:
    """A readable diff: paragraphs added or removed, and inside a changed paragraph the
    words added or removed, for people who have never read a patch."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            out += [DiffLine("same", html.escape(line)) for line in old_lines[a0:a1]]
        elif tag == "replace" and a1 - a0 == b1 - b0:
            for before, after in zip(old_lines[a0:a1], new_lines[b0:b1], strict=True):
                out.append(DiffLine("changed", _word_diff(before, after)))
        else:
            out += [DiffLine("removed", html.escape(line)) for line in old_lines[a0:a1]]
            out += [DiffLine("added", html.escape(line)) for line in new_lines[b0:b1]]
    return out


def _word_diff(before: str, after: str) -> str:
    a, b = before.split(" "), after.split(" ")
    parts = []
    for tag, a0, a1, b0, b1 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(html.escape(" ".join(a[a0:a1])))
        if tag in ("delete", "replace"):
            parts.append(f"<del>{html.escape(' '.join(a[a0:a1]))}</del>")
        if tag in ("insert", "replace"):
            parts.append(f"<ins>{html.escape(' '.join(b[b0:b1]))}</ins>")
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Contribution:
    user: User | None
    inserted: int
    deleted: int
    present: int
    share: float  # of the current text, 0..1


def contributions(document: Document) -> list[Contribution]:
    """Per author: characters inserted, deleted, and still present in the current text."""
    room = rooms().get(document.id)
    with hold(room):
        catch_up(room)
        present = room.authorship.present()
    # compacted history is summed in the contribution rows, the live log in its updates
    totals: dict[int, list[int]] = {}
    compacted = select(DocumentContribution.user_id, DocumentContribution.inserted,
                       DocumentContribution.deleted).where(
        DocumentContribution.document_id == document.id)
    live = select(DocumentUpdate.user_id, func.sum(DocumentUpdate.inserted),
                  func.sum(DocumentUpdate.deleted)).where(
        DocumentUpdate.document_id == document.id, DocumentUpdate.user_id.is_not(None)
    ).group_by(DocumentUpdate.user_id)
    for user_id, inserted, deleted in db.session.execute(union_all(compacted, live)):
        total = totals.setdefault(user_id, [0, 0])
        total[0] += int(inserted or 0)
        total[1] += int(deleted or 0)
    user_ids = {uid for uid in set(totals) | set(present) if uid is not None}
    return _contribution_rows(totals, present, _users(user_ids))


def _users(user_ids: set[int]) -> dict[int, User]:
    """These people, reading only those the session has not loaded yet (a deliverable's
    page has its authors, who are most of its contributors); an expired copy would be
    read again one by one, so it is read with the others."""
    users: dict[int, User] = {}
    for uid in user_ids:
        loaded = db.session.identity_map.get(identity_key(User, uid))
        if loaded is not None and not inspect(loaded).expired_attributes:
            users[uid] = loaded
    missing = user_ids - set(users)
    if missing:
        users.update((u.id, u) for u in db.session.scalars(
            select(User).where(User.id.in_(missing))))
    return users


def _contribution_rows(totals: dict, present: dict,
                       users: dict[int, User]) -> list[Contribution]:
    user_ids = {uid for uid in set(totals) | set(present) if uid is not None}
    whole = sum(present.values()) or 1
    rows = [
        Contribution(users.get(uid), *totals.get(uid, [0, 0]), present.get(uid, 0),
                     present.get(uid, 0) / whole)
        for uid in user_ids
    ]
    if present.get(None):
        rows.append(Contribution(None, 0, 0, present[None], present[None] / whole))
    return sorted(rows, key=lambda c: -c.present)


def documents_for(user, cohort: Cohort) -> list[Document]:
    """The documents of a cohort this user may read."""

    docs = db.session.scalars(select(Document).where(Document.cohort_id == cohort.id)
                              .order_by(Document.title))
    return [d for d in docs if can(user, "document.read", d)]


def writable_teams(user, cohort: Cohort) -> list[Team]:
    """Teams for which this user may start a document."""

    if is_staff(user):
        return list(cohort.teams)
    if cohort_role(user, cohort) != CohortRole.TRAINEE:
        return []
    return [t for t in cohort.teams if any(m.user_id == user.id for m in t.members)]
