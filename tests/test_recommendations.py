"""Collections of recommendations: entries proposed, discussed, endorsed and decided by
the collection's authors; the collection read as one document; the shared corpus."""

from __future__ import annotations

import pytest
from coelab import signals
from coelab.db import db, transaction
from coelab.deliverables.models import DeliverableState
from coelab.deliverables.operations import kind_of, set_schedule, start_deliverable
from coelab.models import AuditEvent
from coelab.operations import OperationError
from coelab.plugins import Plugin, Theme
from sqlalchemy import func, select, text

from recommendations import demo
from recommendations import operations as ops
from recommendations.models import CorpusEntry, EntryStatus, RecommendationEntry

from .conftest import base_config, login, page, post

KIND = "recommendation_collection"


class ThemesPlugin(Plugin):
    """The programme's themes, as the cohort plugin declares them (here whatever the
    state of that plugin)."""

    name = "recommendations_test_themes"

    def themes(self):
        yield Theme("2.1", "Ambition participative")
        yield Theme("2.4", "Partage de l'information et traçabilité")
        yield Theme("2.6", "Développement durable")


@pytest.fixture
def app_config(tmp_path, database_url):
    return base_config(tmp_path, database_url, PLUGINS_EXTRA=[ThemesPlugin()])


@pytest.fixture
def world(make):
    """A thematic cohort: a team of two writing a collection, a trainee of another team,
    a trainer, and someone from another cohort."""
    cohort = make.cohort("Module 2.4 — Avignon", scope="thematic")
    nadia, paul, zoe = make.user("Nadia", "Berthier"), make.user("Paul", "Garnier"), \
        make.user("Zoé", "Lambert")
    trainer = make.user("Claire", "Vidal")
    for u in (nadia, paul, zoe):
        make.member(cohort, u, parcours="II")
    make.member(cohort, trainer, "trainer")
    team = make.team(cohort, "Équipe Durance", [nadia, paul])
    make.team(cohort, "Équipe Luberon", [zoe])
    other = make.cohort("Autre cohorte", scope="thematic")
    stranger = make.user("Jean", "Ailleurs")
    make.member(other, stranger, parcours="II")
    collection = start_deliverable(nadia, cohort, KIND, title="Recueil Durance",
                                   details={"themes": ["2.4", "2.1"]}, team=team)
    return {"cohort": cohort, "nadia": nadia, "paul": paul, "zoe": zoe, "trainer": trainer,
            "team": team, "stranger": stranger, "collection": collection}


def as_(client, user):
    """Log ``user`` in, logging out whoever was."""
    if client.get("/login").status_code == 302:
        post(client, "/logout", token_from="/bonnes-pratiques")
    login(client, user.email)


def _propose(world, title="Tracer les transmissions", theme="2.4", text_=None):
    return ops.propose_entry(world["nadia"], world["collection"], title=title, theme=theme,
                             text_=text_)


def _decide(collection, validated=True, actor=None):
    """What the jury workflow does when it records its decision."""
    with transaction():
        collection.state = DeliverableState.DECIDED
        signals.send(signals.deliverable_decided, deliverable=collection,
                     validated=validated, actor=actor)


# --- the kind ------------------------------------------------------------------------------


def test_the_kind_declares_its_authorship_soutenance_and_themes(app):
    kind = kind_of(KIND)
    assert kind.authorship == "team"
    assert kind.authorship_options == {"team", "cohort"}
    assert kind.soutenance is True
    (field,) = kind.fields
    assert (field.name, field.type, str(field.label)) == ("themes", "themes", "Thématiques")


# --- proposing, endorsing, deciding ------------------------------------------------------


def test_propose_endorse_withdraw_adopt_set_aside_reopen(client, world):
    collection = world["collection"]
    as_(client, world["nadia"])
    url = f"/recueils/{collection.id}"
    response = post(client, url, {"title": "Tracer les transmissions", "theme": "2.4"},
                    token_from=url)
    assert response.status_code == 302
    entry = db.session.scalar(select(RecommendationEntry))
    assert entry.status == EntryStatus.PROPOSED and entry.proposed_by == world["nadia"]
    # its own co-written document, written by the same team, from the French template
    assert entry.document.team_id == world["team"].id
    assert entry.document.cohort_id == world["cohort"].id
    text = ops.current_markdown(entry.document)
    for section in ("Constat", "Recommandation", "Conditions de mise en œuvre",
                    "Indicateurs de suivi", "Sources et terrains"):
        assert f"### {section}" in text
    entry_url = f"/recommandations/{entry.id}"

    assert post(client, f"{entry_url}/soutenir", token_from=entry_url).status_code == 302
    html = page(client.get(entry_url))
    assert "Vous soutenez cette recommandation." in html and "Nadia Berthier" in html
    # once per person
    post(client, f"{entry_url}/soutenir", token_from=entry_url)
    assert "Vous soutenez déjà cette recommandation." in page(client.get(entry_url))
    assert len(entry.endorsements) == 1

    as_(client, world["paul"])
    post(client, f"{entry_url}/soutenir", token_from=entry_url)
    db.session.expire_all()
    assert {e.user.full_name for e in entry.endorsements} == {"Nadia Berthier", "Paul Garnier"}
    post(client, f"{entry_url}/retirer-soutien", token_from=entry_url)
    db.session.expire_all()
    assert [e.user.full_name for e in entry.endorsements] == ["Nadia Berthier"]

    # set aside needs a reason
    response = post(client, f"{entry_url}/ecarter", {"reason": "  "}, token_from=entry_url)
    assert response.status_code == 400
    db.session.expire_all()
    assert entry.status == EntryStatus.PROPOSED
    post(client, f"{entry_url}/ecarter", {"reason": "Trop proche de la n°2"},
         token_from=entry_url)
    db.session.expire_all()
    assert entry.status == EntryStatus.SET_ASIDE and entry.status_reason == "Trop proche de la n°2"
    assert "Écartée : Trop proche de la n°2" in page(client.get(entry_url))
    # a set-aside entry cannot be adopted before it is reopened
    post(client, f"{entry_url}/adopter", token_from=entry_url)
    db.session.expire_all()
    assert entry.status == EntryStatus.SET_ASIDE
    post(client, f"{entry_url}/rouvrir", token_from=entry_url)
    db.session.expire_all()
    assert entry.status == EntryStatus.PROPOSED
    post(client, f"{entry_url}/adopter", token_from=entry_url)
    db.session.expire_all()
    assert entry.status == EntryStatus.ADOPTED and entry.decided_by == world["paul"]

    # the participative process, visible on the collection's page
    html = page(client.get(url))
    assert "Tracer les transmissions" in html and "adoptée" in html
    assert "1 : Nadia Berthier" in html
    for line in ("Nadia Berthier a proposé « Tracer les transmissions ».",
                 "Paul Garnier a retiré son soutien à « Tracer les transmissions ».",
                 "Paul Garnier a écarté « Tracer les transmissions » : Trop proche de la n°2",
                 "Paul Garnier a rouvert « Tracer les transmissions ».",
                 "Paul Garnier a adopté « Tracer les transmissions »."):
        assert line in html
    assert html.index("a proposé") < html.index("a écarté") < html.index("a adopté")
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "recommendation_entries").order_by(AuditEvent.id)).all()
    assert actions[0] == "recommendation.proposed" and actions[-1] == "recommendation.adopted"


def test_entry_theme_is_one_of_the_collection_themes(client, world):
    as_(client, world["nadia"])
    url = f"/recueils/{world['collection'].id}"
    html = page(client.get(url))
    assert "2.4 — Partage de l'information et traçabilité" in html
    assert "2.6 — Développement durable" not in html  # not a theme of this collection
    response = post(client, url, {"title": "Un titre", "theme": "2.6"}, token_from=url)
    assert response.status_code == 200
    response = post(client, url, {"title": "", "theme": "2.4"}, token_from=url)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(RecommendationEntry)) == 0
    with pytest.raises(OperationError):
        _propose(world, theme="2.6")
    with pytest.raises(OperationError):
        _propose(world, theme="9.9")
    with pytest.raises(OperationError):
        _propose(world, title="x" * 301)


def test_outsiders_cannot_propose_endorse_or_decide(client, world):
    entry = _propose(world)
    coll_url = f"/recueils/{world['collection'].id}"
    entry_url = f"/recommandations/{entry.id}"
    # a trainee of another team of the same cohort, someone from another cohort: 404
    for person in (world["zoe"], world["stranger"]):
        as_(client, person)
        assert client.get(coll_url).status_code == 404
        assert client.get(entry_url).status_code == 404
        assert client.get(f"{coll_url}/document").status_code == 404
        token = "/bonnes-pratiques"
        assert post(client, coll_url, {"title": "Intrus", "theme": "2.4"},
                    token_from=token).status_code == 404
        for action in ("soutenir", "adopter", "rouvrir", "monter"):
            assert post(client, f"{entry_url}/{action}", token_from=token).status_code == 404
        assert post(client, f"{entry_url}/ecarter", {"reason": "non"},
                    token_from=token).status_code == 404
        assert post(client, entry_url, {"body": "coucou"}, token_from=token).status_code == 404
    # the cohort's trainer reads and discusses, but neither proposes, endorses nor decides
    as_(client, world["trainer"])
    assert client.get(coll_url).status_code == 200
    assert post(client, coll_url, {"title": "Idée", "theme": "2.4"},
                token_from=coll_url).status_code == 403
    for action in ("soutenir", "adopter"):
        assert post(client, f"{entry_url}/{action}", token_from=entry_url).status_code == 403
    db.session.expire_all()
    assert entry.status == EntryStatus.PROPOSED and entry.endorsements == []
    assert db.session.scalar(select(func.count()).select_from(RecommendationEntry)) == 1
    # an entry's document is the team's: the other team cannot write it
    as_(client, world["zoe"])
    assert client.get(f"/documents/{entry.document_id}").status_code == 404


def test_no_change_once_the_collection_is_submitted(client, world):
    entry = _propose(world)
    with transaction():
        world["collection"].state = DeliverableState.SUBMITTED
    as_(client, world["nadia"])
    entry_url = f"/recommandations/{entry.id}"
    assert post(client, f"{entry_url}/adopter", token_from=entry_url).status_code == 403
    with pytest.raises(OperationError):
        ops.adopt(world["nadia"], entry)
    with pytest.raises(OperationError):
        _propose(world, title="Trop tard")


def test_entries_change_again_when_changes_are_requested(client, world):
    """Sent back for changes, the collection is written again, its entries with it (a
    reviewer's request often concerns them)."""
    from coelab.deliverables import workflow

    entry = _propose(world)
    collection = world["collection"]
    workflow.submit(world["nadia"], collection,
                    confirmed_authors=[world["nadia"].id, world["paul"].id],
                    statement_accepted=True)
    with pytest.raises(OperationError):
        _propose(world, title="Pendant la relecture")
    workflow.start_review(world["trainer"], collection)
    workflow.request_changes(world["trainer"], collection, "Précisez les recommandations.")
    assert collection.state == DeliverableState.CHANGES_REQUESTED
    as_(client, world["nadia"])
    entry_url = f"/recommandations/{entry.id}"
    assert post(client, f"{entry_url}/adopter", token_from=entry_url).status_code == 302
    db.session.expire_all()
    assert ops.entries_of(collection)[0].status.value == "adopted"
    assert _propose(world, title="Ajoutée après la relecture").id


def test_discussion_by_authors_and_trainers_in_plain_text(client, world):
    entry = _propose(world)
    url = f"/recommandations/{entry.id}"
    as_(client, world["paul"])
    response = post(client, url, {"body": "Et le <b>service</b> de nuit ?\nÀ voir."},
                    token_from=url)
    assert response.status_code == 302
    as_(client, world["trainer"])
    post(client, url, {"body": "Pensez aux indicateurs."}, token_from=url)
    response = post(client, url, {"body": "   "}, token_from=url)
    assert response.status_code == 200
    response = post(client, url, {"body": "x" * 5001}, token_from=url)
    assert response.status_code == 200
    html = client.get(url).get_data(as_text=True)
    assert "&lt;b&gt;service&lt;/b&gt;" in html and "<b>service</b>" not in html
    assert "Pensez aux indicateurs." in html
    db.session.expire_all()
    assert [m.author.full_name for m in entry.messages] == ["Paul Garnier", "Claire Vidal"]
    coll = page(client.get(f"/recueils/{world['collection'].id}"))
    assert "2 messages" in coll
    assert "Claire Vidal a écrit dans la discussion" in coll


# --- order and the collection as one document --------------------------------------------


def test_order_and_combined_rendering(client, world):
    collection = world["collection"]
    first = _propose(world, "Première", text_="## Première\n\nTexte un.\n")
    second = _propose(world, "Deuxième",
                      text_="## Deuxième\n\nTexte deux.<script>alert('x')</script>\n")
    third = _propose(world, "Troisième", text_="## Troisième\n\nTexte trois.\n")
    rejected = _propose(world, "Écartée", text_="## Écartée\n\nTexte refusé.\n")
    nadia = world["nadia"]
    for entry in (first, second, third):
        ops.adopt(nadia, entry)
    ops.set_aside(nadia, rejected, "Hors sujet")
    as_(client, nadia)
    url = f"/recommandations/{third.id}"
    post(client, f"{url}/monter", token_from=url)
    post(client, f"{url}/monter", token_from=url)
    response = post(client, f"{url}/monter", token_from=url)  # already first: told so
    assert response.status_code == 302
    db.session.expire_all()
    assert [e.title for e in ops.entries_of(collection)] == [
        "Troisième", "Première", "Deuxième", "Écartée"]
    ops.move_entry(nadia, second, "down")
    assert [e.title for e in ops.entries_of(collection)] == [
        "Troisième", "Première", "Écartée", "Deuxième"]

    markdown = ops.combined_markdown(collection)
    assert markdown.startswith("# Recueil de recommandations")
    assert markdown.index("Texte trois.") < markdown.index("Texte un.") \
        < markdown.index("Texte deux.")
    assert "Texte refusé." not in markdown
    response = client.get(f"/recueils/{collection.id}/document")
    html = page(response)
    assert html.index("Introduction") < html.index("Texte trois.") < html.index("Texte un.")
    assert "Texte refusé." not in html
    # HTML typed in an entry reads as typed (documents/render.py), never runs
    main = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in main


def test_the_version_frozen_at_submission_holds_the_adopted_entries(client, world):
    """What the authors hand in is the collection as one document: the version frozen at
    submission, and its exports, hold the adopted entries (not the others)."""
    import io

    from coelab.deliverables import workflow
    from pypdf import PdfReader

    collection = world["collection"]
    kept = _propose(world, "Gardée", text_="## Gardée\n\nTexte adopté.\n")
    left = _propose(world, "Écartée", text_="## Écartée\n\nTexte refusé.\n")
    ops.adopt(world["nadia"], kept)
    ops.set_aside(world["nadia"], left, "Hors sujet")
    submission = workflow.submit(world["nadia"], collection,
                                 confirmed_authors=[world["nadia"].id, world["paul"].id],
                                 statement_accepted=True)
    version = submission.version
    assert version.markdown.startswith("# Recueil de recommandations")
    assert "Texte adopté." in version.markdown and "Texte refusé." not in version.markdown
    assert "Texte adopté." in version.html
    as_(client, world["paul"])
    url = f"/deliverables/{collection.id}/export"
    markdown = client.get(f"{url}.md?version={version.number}").get_data(as_text=True)
    assert "Texte adopté." in markdown and "Texte refusé." not in markdown
    data = client.get(f"{url}.pdf?version={version.number}").data
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Texte adopté." in pdf and "Texte refusé." not in pdf
    # the live export says the same
    live = client.get(f"{url}.md").get_data(as_text=True)
    assert "Texte adopté." in live and "Texte refusé." not in live


def test_cohort_wide_collection_makes_every_trainee_an_author(client, make):
    cohort = make.cohort("Module 2.1", scope="thematic")
    a, b = make.user("Inès", "Roche"), make.user("Tom", "Lenoir")
    make.member(cohort, a, parcours="II")
    make.member(cohort, b, parcours="III")
    set_schedule(None, cohort, kind_of(KIND), authorship="cohort")
    collection = start_deliverable(a, cohort, KIND, title="Recueil de la cohorte")
    assert collection.team_id is None and collection.owner_id is None
    entry = ops.propose_entry(a, collection, title="Tous ensemble", theme="2.6")
    assert entry.document.team_id is None and entry.document.owner_id is None
    as_(client, b)
    url = f"/recommandations/{entry.id}"
    assert post(client, f"{url}/soutenir", token_from=url).status_code == 302
    db.session.expire_all()
    assert [e.user for e in entry.endorsements] == [b]


# --- the shared corpus ---------------------------------------------------------------------


def _corpus_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CorpusEntry))


def test_corpus_publication_on_validation_only_adopted_and_idempotent(client, world):
    collection = world["collection"]
    kept = _propose(world, "Évaluation partagée des transmissions",
                    text_="## Évaluation\n\nUne **évaluation** régulière.<script>x()</script>\n")
    left = _propose(world, "Écartée", text_="## Écartée\n\nNon.\n")
    pending = _propose(world, "En attente", theme="2.1", text_="## Attente\n\nPeut-être.\n")
    ops.adopt(world["nadia"], kept)
    ops.set_aside(world["nadia"], left, "Doublon")
    assert pending.status == EntryStatus.PROPOSED

    _decide(collection, validated=False)
    assert _corpus_count() == 0
    _decide(collection, validated=True, actor=world["trainer"])
    (item,) = db.session.scalars(select(CorpusEntry)).all()
    assert item.title == "Évaluation partagée des transmissions"
    assert (item.theme_code, item.theme_label) == ("2.4", "Partage de l'information et traçabilité")
    assert item.cohort_name == "Module 2.4 — Avignon"
    assert (item.year, item.year_label) == (2026, "2026-2027")
    assert item.source_entry_id == kept.id
    assert "<strong>évaluation</strong>" in item.html and "<script>" not in item.html
    _decide(collection, validated=True)
    assert _corpus_count() == 1
    ops.publish_collection(None, collection)
    assert _corpus_count() == 1

    # readable by every logged-in member of the platform, whatever their cohort
    as_(client, world["stranger"])
    html = page(client.get("/bonnes-pratiques"))
    assert "Évaluation partagée des transmissions" in html
    assert "Module 2.4 — Avignon, 2026-2027" in html
    detail = client.get(f"/bonnes-pratiques/{item.id}").get_data(as_text=True)
    assert "<strong>évaluation</strong>" in detail and "<script>x()" not in detail
    assert client.get("/bonnes-pratiques/999999").status_code == 404


def test_corpus_needs_a_login(client):
    assert client.get("/bonnes-pratiques").status_code in (302, 401)


def test_other_kinds_are_not_published(app, make):
    cohort = make.cohort("Module 2.2", scope="thematic")
    kinds = [k for k in app.extensions["coelab_plugins"].kinds.values()
             if k.name != KIND and k.applies_to(cohort) and k.authorship == "team"]
    if not kinds:
        pytest.skip("no other team kind installed")
    user = make.user()
    make.member(cohort, user, parcours="II")
    team = make.team(cohort, "Équipe", [user])
    kind = kinds[0]
    sample = {"choice": lambda f: f.choices[0][0], "theme": lambda f: "2.4",
              "themes": lambda f: ["2.4"]}
    details = {f.name: sample.get(f.type, lambda f: "x")(f) for f in kind.fields}
    other = start_deliverable(user, cohort, kind, title="Autre", team=team, details=details)
    _decide(other, validated=True)
    assert _corpus_count() == 0


@pytest.fixture
def corpus(app):
    def add(title, theme, text, cohort="Cohorte 2.4", start=(2025, 10, 6)):
        from datetime import date

        return ops.add_to_corpus(None, title=title, theme_code=theme, markdown=text,
                                 cohort_name=cohort, cohort_start=date(*start))

    items = [
        add("Évaluation interne participative", "2.1",
            "Associer les personnes accompagnées à l'évaluation du projet."),
        add("Cahier de transmissions", "2.4",
            "Tracer les relèves entre équipes ; contrôler la qualité des écrits."),
        add("Plan énergie", "2.6", "Réduire la consommation des bâtiments.",
            cohort="Cohorte 2.6", start=(2024, 11, 4)),
    ]
    return items


def _titles(rows):
    return {r.title for r in rows}


def test_corpus_search_by_words_with_and_without_accents_and_by_theme(corpus):
    rows, total = ops.search_corpus("évaluation")
    assert _titles(rows) == {"Évaluation interne participative"} and total == 1
    assert _titles(ops.search_corpus("evaluation")[0]) == {"Évaluation interne participative"}
    assert _titles(ops.search_corpus("EVALUATION")[0]) == {"Évaluation interne participative"}
    assert _titles(ops.search_corpus("relèves équipes")[0]) == {"Cahier de transmissions"}
    assert _titles(ops.search_corpus("releves equipes")[0]) == {"Cahier de transmissions"}
    assert _titles(ops.search_corpus("energie")[0]) == {"Plan énergie"}
    assert ops.search_corpus("relèves énergie")[1] == 0  # every word must match
    assert _titles(ops.search_corpus("", "2.4")[0]) == {"Cahier de transmissions"}
    assert _titles(ops.search_corpus("évaluation", "2.1")[0]) == {
        "Évaluation interne participative"}
    assert ops.search_corpus("évaluation", "2.6")[1] == 0
    rows, total = ops.search_corpus("")
    assert total == 3 and [r.title for r in rows][0] == "Plan énergie"  # newest first
    assert corpus[2].year_label == "2024-2025"
    # the search runs on the database's own full-text index
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_recommendation_corpus_search'"
        )).endswith("USING gin (to_tsvector('french'::regconfig, search_text))")
    else:
        assert db.session.scalar(text(
            "SELECT count(*) FROM recommendation_corpus_fts WHERE recommendation_corpus_fts "
            "MATCH 'evaluation'")) == 1


HOSTILE = ['"', "'", '"évaluation', "évaluation OR", "AND", "NOT relèves", "NEAR(a b)",
           "title:plan", "*", "^plan", "a -b", "(((", "'; DROP TABLE users; --", "\\", "%",
           "_", "é" * 500, "plan\x00énergie", "&|!:*", "<script>", "   ", "{}[]"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_strings_never_fail(client, make, corpus, query):
    rows, total = ops.search_corpus(query)
    assert total == len(rows)
    user = make.user()
    as_(client, user)
    response = client.get("/bonnes-pratiques", query_string={"q": query})
    assert response.status_code in (200, 400)


def test_corpus_page_searches_and_filters(client, make, corpus):
    user = make.user()
    as_(client, user)
    html = page(client.get("/bonnes-pratiques", query_string={"q": "evaluation"}))
    assert "Évaluation interne participative" in html and "Plan énergie" not in html
    assert "1 recommandation trouvée." in html
    html = page(client.get("/bonnes-pratiques", query_string={"theme": "2.6"}))
    assert "Plan énergie" in html and "Cahier de transmissions" not in html
    assert "Cohorte 2.6, 2024-2025" in html
    response = client.get("/bonnes-pratiques", query_string={"theme": "nope"})
    assert response.status_code == 400
    assert client.get("/bonnes-pratiques", query_string={"page": "-3"}).status_code == 200
    assert client.get("/bonnes-pratiques", query_string={"page": "x"}).status_code == 200
    html = page(client.get("/"))
    assert "Bonnes pratiques" in page(client.get("/bonnes-pratiques"))
    assert html  # the header link is on every page
    assert 'href="/bonnes-pratiques"' in client.get("/bonnes-pratiques").get_data(as_text=True)


# --- the deliverable page and the demo data ----------------------------------------------


def test_deliverable_page_shows_the_entries_panel(client, world):
    entry = _propose(world, "Panneau visible")
    ops.endorse(world["paul"], entry)
    as_(client, world["nadia"])
    html = page(client.get(f"/deliverables/{world['collection'].id}"))
    assert "Recommandations du recueil" in html
    assert "Panneau visible" in html and "1 : Paul Garnier" in html


def test_demo_corpus_and_seed_entries(app, world):
    added = demo.load_demo_corpus(None)
    assert len(added) == 3
    assert {c.year_label for c in added} == {"2025-2026"}
    assert demo.load_demo_corpus(None) == []
    assert _titles(ops.search_corpus("energetique")[0]) == {
        "Réduire l'empreinte énergétique des bâtiments par un plan partagé"}
    entries = demo.seed_entries(world["nadia"], world["collection"])
    assert 2 <= len(entries) <= 3
    assert sum(len(e.endorsements) for e in entries) >= 1
    assert demo.seed_entries(world["nadia"], world["collection"]) == []
