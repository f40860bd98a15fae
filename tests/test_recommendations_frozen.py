"""What is judged is what was handed in: a collection's version frozen at a submission
holds its adopted entries as they were then, and the corpus copies the entries of the
decided round's frozen version, never the live ones (issue 15, point 6)."""

from __future__ import annotations

import inspect
import io
from datetime import UTC, datetime, timedelta

import pycrdt
import pytest
from coelab.db import db, transaction
from coelab.deliverables import workflow
from coelab.deliverables.operations import start_deliverable
from coelab.documents.models import DocumentVersion
from coelab.documents.rooms import TEXT, append, catch_up, hold, rooms
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole, Soutenance
from coelab.passwords import hash_password
from pypdf import PdfReader
from sqlalchemy import func, select

from recommendations import operations as rops
from recommendations.models import CorpusEntry, EntryStatus, RecommendationEntry

from .conftest import PASSWORD, login, page
from .test_jury import agreed

KIND = "recommendation_collection"


# --- helpers ---------------------------------------------------------------------------


def set_text(document, user, text: str) -> None:
    """Replace a document's whole text, as an author's editor would (one Yjs update)."""
    room = rooms().get(document.id)
    with hold(room):
        catch_up(room)
        state = room.doc.get_update()
    doc = pycrdt.Doc()
    shared = doc.get(TEXT, type=pycrdt.Text)
    doc.apply_update(state)
    before = doc.get_state()
    with doc.transaction():
        shared.clear()
        shared.insert(0, text)
    append(room, user, doc.get_update(before), lambda _user, _doc: True)


def entry_text(title: str, body: str) -> str:
    return f"## {title}\n\n{body}\n"


@pytest.fixture
def collection(prog):
    """The thematic cohort's team "Étang" (p2, p3) writes a collection."""
    return start_deliverable(prog.p2, prog.thematic, KIND, title="Recueil Étang",
                             team=prog.team_h)


def propose(prog, collection, title: str, body: str):
    return rops.propose_entry(prog.p2, collection, title=title, theme="2.4",
                              text_=entry_text(title, body))


def submit(prog, collection):
    return workflow.submit(prog.p2, collection, confirmed_authors=[prog.p2.id, prog.p3.id],
                           statement_accepted=True)


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def external(prog, panel):
    """A practising professional from outside, active as if they had followed their
    invitation (with a job title when the panel's rules ask for one)."""
    extra = {}
    if "job_title" in inspect.signature(jops.invite_external).parameters:
        extra["job_title"] = "Directrice de service"
    pro = jops.invite_external(prog.coordinator, panel, email="pro@asso.example",
                               first_name="Rachid", last_name="Amrani",
                               organisation="ITEP (fictif)", **extra)
    pro.user.active = True
    pro.user.password_hash = hash_password(PASSWORD)
    db.session.commit()
    return pro


def to_jury(prog, make, collection):
    """Review, then the panel: a trainer of the cohort who did not review it presides,
    with a practising professional; both impartial."""
    workflow.start_review(prog.trainer, collection)
    workflow.ready_for_jury(prog.trainer, collection)
    panel = jops.create_panel(prog.coordinator, prog.thematic, "Jury 2.4")
    jops.assign(prog.coordinator, panel, collection)
    chair = make.user("Juliette", "Présidente")
    make.member(prog.thematic, chair, "trainer")
    president = jops.add_member(prog.coordinator, panel, chair, PanelRole.PRESIDENT)
    pro = external(prog, panel)
    jops.declare(president, impartial=True)
    jops.declare(pro, impartial=True)
    return president, pro


def judge(prog, collection, president, *, validated: bool,
          resubmission_allowed: bool = False):
    """Soutenance (held), deliberation, decision, minutes signed, result released."""
    jops.schedule(prog.coordinator, collection,
                  starts_at=datetime.now(UTC) + timedelta(days=1), duration_minutes=30,
                  video_link="https://visio.example/jury")
    db.session.scalar(select(Soutenance).where(
        Soutenance.deliverable_id == collection.id)).starts_at = (
        datetime.now(UTC) - timedelta(hours=1))
    db.session.commit()
    jops.open_deliberation(president.user, collection)
    decision = jops.decide(president.user, collection, validated=validated,
                           reasons="Délibéré.", resubmission_allowed=resubmission_allowed,
                           agreed_levels=agreed(collection))
    for member in jops.unsigned(decision):
        jops.sign(member.user, decision)
    jops.release(prog.coordinator, collection)
    return decision


def corpus() -> list[tuple[str, str]]:
    return [(c.title, c.markdown) for c in db.session.scalars(
        select(CorpusEntry).order_by(CorpusEntry.id))]


# --- the frozen version ----------------------------------------------------------------


def test_the_frozen_version_holds_the_adopted_entries_as_submitted(prog, collection, client):
    first = propose(prog, collection, "Cahier de relève", "Relève tracée chaque soir.")
    second = propose(prog, collection, "Dossier unique", "Un dossier par personne.")
    pending = propose(prog, collection, "Idée en attente", "Pas encore décidée.")
    left = propose(prog, collection, "Idée écartée", "Hors de la thématique.")
    rops.adopt(prog.p2, first)
    rops.adopt(prog.p3, second)
    rops.set_aside(prog.p2, left, "Hors sujet")
    rops.move_entry(prog.p2, second, "up")  # the collection's order: second, first

    submission = submit(prog, collection)
    version = submission.version
    one_markdown, one_html = version.markdown, version.html
    assert one_markdown.startswith("# Recueil de recommandations")
    assert one_markdown.index("Introduction") < one_markdown.index("Un dossier par personne.") \
        < one_markdown.index("Relève tracée chaque soir.")
    for text in (one_markdown, one_html):
        assert "Un dossier par personne." in text and "Relève tracée chaque soir." in text
        assert "Pas encore décidée." not in text and "Hors de la thématique." not in text
    assert "<h2>Dossier unique</h2>" in one_html

    def as_read(number: int) -> tuple[str, str, str]:
        """The version's page, and its Markdown and PDF exports."""
        html = page(client.get(f"/documents/{collection.document_id}/versions/{number}"))
        url = f"/deliverables/{collection.id}/export"
        markdown = client.get(f"{url}.md?version={number}").get_data(as_text=True)
        pdf = pdf_text(client.get(f"{url}.pdf?version={number}").data)
        return html, markdown, pdf

    login(client, prog.p3.email)
    # the collection read as it is today leads to what was handed in
    rendered = page(client.get(f"/recueils/{collection.id}/document"))
    assert "Ce recueil a été remis (remise n° 1)" in rendered
    assert f'href="/documents/{collection.document_id}/versions/{version.number}"' in rendered
    for text in as_read(version.number):
        assert "Un dossier par personne." in text and "Relève tracée chaque soir." in text
        assert "Pas encore décidée." not in text and "Hors de la thématique." not in text

    # changes requested: the authors rewrite an entry, reopen one, adopt another
    workflow.start_review(prog.trainer, collection)
    workflow.request_changes(prog.trainer, collection, "Précisez la relève.")
    assert "Ce recueil a été remis" not in page(client.get(f"/recueils/{collection.id}/document"))
    set_text(first.document, prog.p2, entry_text("Cahier de relève", "Relève réécrite."))
    rops.reopen(prog.p2, second)
    rops.adopt(prog.p2, pending)
    later = submit(prog, collection).version
    assert "Relève réécrite." in later.markdown and "Pas encore décidée." in later.markdown
    assert "Un dossier par personne." not in later.markdown
    html, markdown, pdf = as_read(later.number)
    assert "Relève réécrite." in html and "Relève réécrite." in markdown \
        and "Relève réécrite." in pdf

    # the first round's version is as it was handed in
    db.session.expire_all()
    first_version = db.session.get(DocumentVersion, version.id)
    assert (first_version.markdown, first_version.html) == (one_markdown, one_html)
    for text in as_read(version.number):
        assert "Relève tracée chaque soir." in text and "Un dossier par personne." in text
        assert "Relève réécrite." not in text and "Pas encore décidée." not in text


def test_entry_texts_edited_after_submission_stay_out_of_the_version(prog, collection,
                                                                     client):
    """An entry's document stays writable while the collection is under review: what
    its authors type then is not what they handed in, and its page tells them so."""
    kept = propose(prog, collection, "Cahier de relève", "Relève tracée chaque soir.")
    rops.adopt(prog.p2, kept)
    login(client, prog.p2.email)
    notice = "le jury lit cette recommandation telle qu'elle était à la remise"
    assert notice not in page(client.get(f"/recommandations/{kept.id}"))
    version = submit(prog, collection).version
    assert notice in page(client.get(f"/recommandations/{kept.id}"))
    set_text(kept.document, prog.p2, entry_text("Cahier de relève", "Ajout tardif."))
    db.session.expire_all()
    version = db.session.get(DocumentVersion, version.id)
    assert "Relève tracée chaque soir." in version.markdown
    assert "Ajout tardif." not in version.markdown + version.html


# --- the corpus ------------------------------------------------------------------------


def test_the_corpus_takes_the_entries_as_submitted_not_as_they_are(prog, make, collection):
    kept = propose(prog, collection, "Cahier de relève", "Relève tracée chaque soir.")
    pending = propose(prog, collection, "Idée en attente", "Pas encore décidée.")
    rops.adopt(prog.p2, kept)
    submit(prog, collection)
    president, _pro = to_jury(prog, make, collection)
    # meanwhile the live entries change: a text typed later, and rows changed directly
    set_text(kept.document, prog.p2, entry_text("Cahier de relève", "Ajout tardif."))
    with transaction():
        db.session.get(RecommendationEntry, kept.id).title = "Titre changé après la remise"
        db.session.get(RecommendationEntry, pending.id).status = EntryStatus.ADOPTED

    judge(prog, collection, president, validated=True)
    ((title, markdown),) = corpus()
    assert title == "Cahier de relève"
    assert "Relève tracée chaque soir." in markdown and "Ajout tardif." not in markdown
    item = db.session.scalar(select(CorpusEntry))
    assert item.source_entry_id == kept.id
    assert "Relève tracée chaque soir." in item.html
    assert rops.search_corpus("tracée")[1] == 1 and rops.search_corpus("tardif")[1] == 0


def test_the_corpus_takes_the_decided_rounds_entries_once(prog, make, collection, client):
    one = propose(prog, collection, "Cahier de relève", "Relève, premier jet.")
    two = propose(prog, collection, "Dossier unique", "Un dossier par personne.")
    three = propose(prog, collection, "Réunion de synthèse", "Une synthèse par mois.")
    rops.adopt(prog.p2, one)
    rops.adopt(prog.p2, two)
    submit(prog, collection)
    president, _pro = to_jury(prog, make, collection)
    judge(prog, collection, president, validated=False, resubmission_allowed=True)
    assert corpus() == []  # not validated: nothing published

    # a new round: one rewritten, two set aside, three adopted
    jops.reopen_for_resubmission(prog.coordinator, collection)
    set_text(one.document, prog.p2, entry_text("Cahier de relève", "Relève, version remise."))
    rops.reopen(prog.p2, two)
    rops.set_aside(prog.p2, two, "Fusionnée avec la relève")
    rops.adopt(prog.p3, three)
    submit(prog, collection)
    # typed after the second submission: not judged
    set_text(one.document, prog.p2, entry_text("Cahier de relève", "Relève, après coup."))
    workflow.start_review(prog.trainer, collection)
    workflow.ready_for_jury(prog.trainer, collection)
    judge(prog, collection, president, validated=True)

    assert corpus() == [
        ("Cahier de relève", entry_text("Cahier de relève", "Relève, version remise.")),
        ("Réunion de synthèse", entry_text("Réunion de synthèse", "Une synthèse par mois.")),
    ]
    # published again (the signal twice, or by hand): nothing is added
    rops.publish_collection(None, collection)
    rops.on_deliverable_decided(None, deliverable=collection, validated=True)
    assert db.session.scalar(select(func.count()).select_from(CorpusEntry)) == 2
    # what everyone reads in the corpus
    login(client, prog.outsider.email)
    html = page(client.get("/bonnes-pratiques"))
    assert "Réunion de synthèse" in html and "Dossier unique" not in html


# --- all or nothing --------------------------------------------------------------------


def test_a_collections_submission_is_all_or_nothing(prog, collection):
    """The entries the freeze read are written with the version, or neither is."""
    from coelab.deliverables.models import Submission

    from recommendations.models import FrozenRound

    from .test_failures import sweep

    for title in ("Cahier de relève", "Dossier unique"):
        rops.adopt(prog.p2, propose(prog, collection, title, f"Texte de {title}."))
    propose(prog, collection, "Idée en attente", "Pas encore décidée.")

    def submit_collection():
        submit(prog, collection)

    sweep(submit_collection, {
        "document_versions": 1, "deliverable_submissions": 1, "deliverable_transitions": 1,
        "audit_events": 4, "recommendation_frozen_rounds": 1,
        "recommendation_frozen_entries": 2})
    frozen = db.session.scalar(select(FrozenRound))
    assert frozen.round == db.session.scalar(select(Submission.round)) == 1
    assert [(e.position, e.title, e.markdown) for e in frozen.entries] == [
        (1, "Cahier de relève", entry_text("Cahier de relève", "Texte de Cahier de relève.")),
        (2, "Dossier unique", entry_text("Dossier unique", "Texte de Dossier unique."))]


def test_publishing_is_all_or_nothing(prog, collection):
    from .test_failures import sweep

    for title in ("Cahier de relève", "Dossier unique"):
        rops.adopt(prog.p2, propose(prog, collection, title, f"Texte de {title}."))
    submit(prog, collection)

    def publish_collection():
        rops.publish_collection(prog.coordinator, collection)

    sweep(publish_collection, {"recommendation_corpus": 2, "audit_events": 2})
    assert [title for title, _markdown in corpus()] == ["Cahier de relève", "Dossier unique"]
