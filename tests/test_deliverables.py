"""Deliverables: what each parcours owes, starting them, who reads and writes them, due
dates and extensions, attachments, exports, the cohort's table."""

from __future__ import annotations

import io
import threading
from datetime import date

import pytest
from coelab.db import db
from coelab.deliverables import files
from coelab.deliverables import operations as dops
from coelab.deliverables.models import Attachment, Deliverable, DeliverableState
from coelab.documents.models import Document
from coelab.operations import OperationError
from coelab.policy import can
from sqlalchemy import func, select

from .conftest import CSRF_RE, csrf_token, login, page, post

PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


class Programme:
    """A transversal and a thematic cohort of the catalogue, with trainers and trainees
    on each parcours, and teams."""

    def __init__(self, make):
        from cohort import operations as cops
        from cohort.models import Module, Site

        cops.load_catalogue()
        site = db.session.scalar(select(Site).where(Site.name == "Martigues"))
        transversal = db.session.scalar(select(Module).where(Module.code == "1.0"))
        thematic = db.session.scalar(select(Module).where(Module.code == "2.4"))
        self.transversal = cops.create_cohort(
            None, name="Transversal", module=transversal, session=None, site=site,
            start_date=date(2026, 11, 2), end_date=date(2027, 2, 26))
        self.thematic = cops.create_cohort(
            None, name="Thématique 2.4", module=thematic, session=None, site=site,
            start_date=date(2026, 11, 2), end_date=date(2027, 1, 29))
        self.coordinator = make.user("Coord", coordinator=True)
        self.trainer = make.user("Formatrice")
        self.other_trainer = make.user("Autre", "Formateur")
        self.p1 = make.user("Paula", "Un")
        self.p2 = make.user("Pierre", "Deux")
        self.p3 = make.user("Pia", "Trois")
        self.p3b = make.user("Paco", "Troisbis")
        self.outsider = make.user("Olga", "Dehors")
        make.member(self.transversal, self.trainer, "trainer")
        make.member(self.thematic, self.trainer, "trainer")
        make.member(self.transversal, self.p1, parcours="I")
        make.member(self.transversal, self.p3, parcours="III")
        make.member(self.transversal, self.p3b, parcours="III")
        make.member(self.thematic, self.p2, parcours="II")
        make.member(self.thematic, self.p3, parcours="III")
        make.member(self.thematic, self.p3b, parcours="III")
        make.member(self.transversal, self.outsider, parcours="I")
        self.team_t = make.team(self.transversal, "Calanques", [self.p1, self.p3])
        self.team_o = make.team(self.transversal, "Dehors", [self.outsider, self.p3b])
        self.team_h = make.team(self.thematic, "Étang", [self.p2, self.p3])
        self.team_h2 = make.team(self.thematic, "Côte", [self.p3b])


def relog(client, user) -> None:
    """Log out whoever is logged in on ``client``, and log ``user`` in."""
    html = client.get("/dashboard", follow_redirects=True).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": CSRF_RE.search(html).group(1)})
    login(client, user.email)


def kinds_owed(user) -> list[tuple[str, str]]:
    return sorted((o.cohort.name, o.kind.name) for o in dops.obligations_for(user))


def test_each_parcours_owes_its_deliverables(prog):
    assert kinds_owed(prog.p1) == [("Transversal", "collective_case_study")]
    assert kinds_owed(prog.p2) == [("Thématique 2.4", "mini_diagnostic"),
                                   ("Thématique 2.4", "recommendation_collection"),
                                   ("Thématique 2.4", "thematic_case_study")]
    assert kinds_owed(prog.p3) == [("Thématique 2.4", "mini_diagnostic"),
                                   ("Thématique 2.4", "recommendation_collection"),
                                   ("Thématique 2.4", "thematic_case_study"),
                                   ("Transversal", "collective_case_study")]
    assert kinds_owed(prog.trainer) == []
    owed = {o.kind.name: o for o in dops.obligations_for(prog.p3)}
    assert owed["collective_case_study"].team.name == "Calanques"
    assert owed["thematic_case_study"].team.name == "Étang"
    assert owed["mini_diagnostic"].team is None
    # by default a kind is due on the cohort's last day
    assert owed["collective_case_study"].due_date == date(2027, 2, 26)
    assert {o.state for o in owed.values()} == {"not_started"}


def test_dashboard_and_workspace_show_the_checklist(prog, client):
    dops.start_deliverable(prog.p3, prog.transversal, "collective_case_study",
                           title="Fusion d'associations", team=prog.team_t,
                           details=_partner())
    login(client, prog.p3.email)
    text = page(client.get("/dashboard"))
    for label in ("Étude de cas collective — Fusion d'associations", "Étude de cas thématique",
                  "Mini-diagnostic stratégique", "Recueil de recommandations"):
        assert label in text
    assert "en cours de rédaction" in text and "pas encore commencé" in text
    assert "à remettre le 26 février 2027" in text
    text = page(client.get(f"/cohorts/{prog.thematic.id}"))
    assert "Ce que mon parcours demande ici" in text
    assert text.count('class="obligation"') == 3


def _partner() -> dict:
    return {"partner_name": "Association fictive", "partner_sector": "social",
            "partner_contact_role": "directrice"}


def _mini(prog, user=None):
    user = user or prog.p3
    return dops.start_deliverable(user, prog.thematic, "mini_diagnostic", owner=user,
                                  title="Mon organisation", details={
                                      "organisation_name": "IME fictif",
                                      "organisation_sector": "medico_social",
                                      "organisation_size": "10_49", "issue": "Traçabilité"})


def test_start_uses_the_template_and_the_cohort_theme(prog):
    mini = _mini(prog)
    assert mini.details["theme"] == "2.4"  # the thematic cohort's module by default
    assert mini.authorship.value == "individual" and mini.owner_id == prog.p3.id
    from coelab.documents.operations import current_markdown

    text = current_markdown(mini.document)
    assert "## Enjeu retenu" in text and "## Diagnostic externe" in text
    assert mini.document.owner_id == prog.p3.id and mini.document.kind == "mini_diagnostic"


def test_bad_details_are_refused_and_nothing_is_written(prog):
    before = db.session.scalar(select(func.count()).select_from(Document))
    with pytest.raises(OperationError, match="obligatoire"):
        dops.start_deliverable(prog.p3, prog.transversal, "collective_case_study",
                               title="Sans partenaire", team=prog.team_t, details={})
    with pytest.raises(OperationError, match="Choix invalide"):
        dops.start_deliverable(prog.p3, prog.transversal, "collective_case_study",
                               title="x", team=prog.team_t,
                               details={**_partner(), "partner_sector": "nope"})
    with pytest.raises(OperationError, match="Thématique inconnue"):
        dops.start_deliverable(prog.p3, prog.thematic, "mini_diagnostic", owner=prog.p3,
                               title="x", details={"theme": "9.9", "issue": "x",
                                                   "organisation_name": "x",
                                                   "organisation_sector": "social",
                                                   "organisation_size": "lt10"})
    with pytest.raises(OperationError, match="équipe"):
        dops.start_deliverable(prog.p3, prog.transversal, "collective_case_study",
                               title="x", details=_partner())
    assert db.session.scalar(select(func.count()).select_from(Document)) == before
    assert db.session.scalar(select(func.count()).select_from(Deliverable)) == 0


def test_a_deliverable_is_started_once(prog):
    dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                           title="Une", team=prog.team_t, details=_partner())
    with pytest.raises(OperationError, match="déjà été commencé"):
        dops.start_deliverable(prog.p3, prog.transversal, "collective_case_study",
                               title="Deux", team=prog.team_t, details=_partner())
    assert db.session.scalar(select(func.count()).select_from(Deliverable)) == 1
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1


def test_starting_through_the_page(prog, client):
    login(client, prog.p3.email)
    url = f"/cohorts/{prog.transversal.id}/deliverables/start/collective_case_study"
    text = page(client.get(url))
    assert "Terrain professionnel partenaire" in text and "Auteurs : Calanques" in text
    response = post(client, url, {"title": "Fusion", "detail_partner_name": ""},
                    token_from=url)
    assert response.status_code == 200
    assert "Ce champ est requis" in page(response)
    assert db.session.scalar(select(func.count()).select_from(Deliverable)) == 0
    response = post(client, url, {"title": "Fusion", "detail_partner_name": "Asso",
                                  "detail_partner_sector": "social",
                                  "detail_partner_contact_role": "directrice"},
                    token_from=url)
    assert response.status_code == 302
    deliverable = db.session.scalar(select(Deliverable))
    assert response.headers["Location"].endswith(f"/deliverables/{deliverable.id}")
    assert deliverable.team_id == prog.team_t.id and deliverable.details["partner_name"] == "Asso"
    text = page(client.get(f"/deliverables/{deliverable.id}"))
    assert "Fusion" in text and "Asso" in text and 'data-can-write="true"' in text
    assert "Module 1.0 — Comprendre l'organisation" in text
    # the document's own page leads to the deliverable
    response = client.get(f"/documents/{deliverable.document_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/deliverables/{deliverable.id}")


def test_a_trainee_without_a_team_cannot_start_team_work(prog, client, make):
    loner = make.user("Seule")
    make.member(prog.transversal, loner, parcours="I")
    owed = dops.obligations_for(loner)
    assert owed[0].blocked
    login(client, loner.email)
    response = client.get(f"/cohorts/{prog.transversal.id}/deliverables/start/"
                          "collective_case_study")
    assert response.status_code == 302
    assert "pas encore dans une équipe" in page(client.get("/dashboard"))


def test_mini_diagnostic_is_private_to_its_author_and_trainers(prog, client):
    mini = _mini(prog)
    url = f"/deliverables/{mini.id}"
    for user, status in ((prog.p3, 200), (prog.trainer, 200), (prog.coordinator, 200),
                         (prog.p2, 404), (prog.p3b, 404), (prog.outsider, 404),
                         (prog.other_trainer, 404)):
        relog(client, user)
        assert client.get(url).status_code == status, user.first_name
        assert client.get(url + "/export.md").status_code == status
        assert client.get(f"/documents/{mini.document_id}/preview").status_code == status
    assert mini.id not in {d.id for d in dops.readable_deliverables(prog.p2, prog.thematic)}


def test_team_authorship(prog, client):
    case = dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                  title="Cas", team=prog.team_t, details=_partner())
    assert can(prog.p1, "document.write", case.document)
    assert can(prog.p3, "document.write", case.document)
    assert not can(prog.outsider, "document.write", case.document)
    assert not can(prog.outsider, "deliverable.read", case)
    assert can(prog.trainer, "deliverable.read", case)
    assert not can(prog.trainer, "document.write", case.document)
    login(client, prog.outsider.email)
    assert client.get(f"/deliverables/{case.id}").status_code == 404
    relog(client, prog.trainer)
    assert 'data-can-write="false"' in page(client.get(f"/deliverables/{case.id}"))
    # an outsider cannot start the work of a team they are not in
    relog(client, prog.outsider)
    url = f"/cohorts/{prog.transversal.id}/deliverables/start/collective_case_study"
    assert "Auteurs : Dehors" in page(client.get(url))


def test_the_team_cannot_be_deleted_once_it_has_written(prog, client):
    dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                           title="Cas", team=prog.team_t, details=_partner())
    login(client, prog.coordinator.email)
    teams = f"/cohorts/{prog.transversal.id}/teams"
    response = post(client, f"{teams}/{prog.team_t.id}/delete", token_from=teams,
                    follow_redirects=True)
    assert "ne peut plus être supprimée" in page(response)
    assert db.session.get(type(prog.team_t), prog.team_t.id) is not None


def test_schedule_due_dates_and_authorship(prog, client):
    from coelab.plugins import registry

    table = f"/cohorts/{prog.thematic.id}/deliverables"
    login(client, prog.trainer.email)
    # a trainer sets the thematic case study to individual work
    response = post(client, f"{table}/schedule/thematic_case_study",
                    {"s-thematic_case_study-csrf_token": csrf_token(client, table),
                     "s-thematic_case_study-authorship": "individual",
                     "s-thematic_case_study-due_date": "2026-12-01"}, token_from=table)
    assert response.status_code == 302
    owed = {o.kind.name: o for o in dops.obligations_for(prog.p2)}
    assert owed["thematic_case_study"].authorship.value == "individual"
    # ...but only the coordination moves due dates
    assert owed["thematic_case_study"].due_date == date(2027, 1, 29)
    relog(client, prog.coordinator)
    post(client, f"{table}/schedule/mini_diagnostic",
         {"s-mini_diagnostic-csrf_token": csrf_token(client, table),
          "s-mini_diagnostic-due_date": "2027-01-15",
          "s-mini_diagnostic-reason": "calendrier des regroupements"}, token_from=table)
    owed = {o.kind.name: o for o in dops.obligations_for(prog.p2)}
    assert owed["mini_diagnostic"].due_date == date(2027, 1, 15)
    # a due date does not move without a reason, which the history keeps
    response = post(client, f"{table}/schedule/mini_diagnostic",
                    {"s-mini_diagnostic-csrf_token": csrf_token(client, table),
                     "s-mini_diagnostic-due_date": "2027-01-20"}, token_from=table,
                    follow_redirects=True)
    assert "Indiquez le motif" in page(response)
    owed = {o.kind.name: o for o in dops.obligations_for(prog.p2)}
    assert owed["mini_diagnostic"].due_date == date(2027, 1, 15)
    from coelab.audit import events_for
    from coelab.deliverables.models import DeliverableSchedule

    row = db.session.scalar(select(DeliverableSchedule).where(
        DeliverableSchedule.kind == "mini_diagnostic"))
    assert events_for("deliverable_schedules", row.id)[0].after["reason"] == (
        "calendrier des regroupements")
    # once started, who writes it no longer changes
    kind = registry().kind("thematic_case_study")
    dops.start_deliverable(prog.p2, prog.thematic, kind, owner=prog.p2, title="Cas",
                           details=_partner())
    with pytest.raises(OperationError, match="déjà été commencés"):
        dops.set_schedule(prog.coordinator, prog.thematic, kind, authorship="team")
    with pytest.raises(OperationError, match="pas prévu"):
        dops.set_schedule(prog.coordinator, prog.thematic, registry().kind("mini_diagnostic"),
                          authorship="team")
    # trainees cannot change the schedule
    relog(client, prog.p2)
    response = post(client, f"{table}/schedule/mini_diagnostic",
                    {"s-mini_diagnostic-due_date": "2027-03-01"}, token_from="/dashboard")
    assert response.status_code == 403


def test_individual_extension_with_its_reason(prog, client):
    mini = _mini(prog)
    other = _mini(prog, prog.p2)
    url = f"/deliverables/{mini.id}"
    login(client, prog.p3.email)
    response = post(client, url + "/extensions", {"ext-due_date": "2027-03-01",
                                                  "ext-reason": "x"}, token_from=url)
    assert response.status_code == 403
    relog(client, prog.coordinator)
    token = csrf_token(client, url)
    response = post(client, url + "/extensions",
                    {"ext-csrf_token": token, "ext-due_date": "2027-02-20", "ext-reason": ""},
                    token_from=url, follow_redirects=True)
    assert "Report accordé" not in page(response)
    assert not mini.extensions
    response = post(client, url + "/extensions",
                    {"ext-csrf_token": token, "ext-due_date": "2027-02-20",
                     "ext-reason": "Hospitalisation"}, token_from=url, follow_redirects=True)
    text = page(response)
    assert "Report accordé" in text and "Hospitalisation" in text
    db.session.expire_all()
    owed = {o.kind.name: o for o in dops.obligations_for(prog.p3)}
    assert owed["mini_diagnostic"].due_date == date(2027, 2, 20)
    assert {o.kind.name: o for o in dops.obligations_for(prog.p2)}[
        "mini_diagnostic"].due_date == date(2027, 1, 29)
    assert other.extensions == []
    with pytest.raises(OperationError, match="postérieure"):
        dops.grant_extension(prog.coordinator, mini, due_date=date(2027, 2, 1), reason="x")
    from coelab.audit import events_for

    events = [e for e in events_for("deliverables", mini.id)
              if e.action == "deliverable.extension_granted"]
    assert events[0].after["reason"] == "Hospitalisation"
    assert events[0].before["due_date"] == "2027-01-29"


def _upload(client, deliverable, name, data, ctype="application/octet-stream"):
    url = f"/deliverables/{deliverable.id}"
    return client.post(url + "/attachments", data={
        "att-csrf_token": csrf_token(client, url),
        "att-file": (io.BytesIO(data), name, ctype)},
        content_type="multipart/form-data", follow_redirects=True)


def test_attachments_are_checked_stored_and_served_to_readers(prog, client, app):
    case = dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                  title="Cas", team=prog.team_t, details=_partner())
    login(client, prog.p3.email)
    text = page(_upload(client, case, "Diapos soutenance.pdf", PDF_BYTES))
    assert "Diapos soutenance.pdf" in text
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF_BYTES)
    with app.app_context():
        folder = files.root()
    stored = list(folder.rglob("*"))
    assert any(p.is_file() and p.name == attachment.stored_name for p in stored)
    # an HTML page named .pdf, an empty file: refused, nothing stored
    text = page(_upload(client, case, "evil.pdf", b"<html><script>alert(1)</script></html>",
                        "application/pdf"))
    assert "Ce type de fichier n'est pas accepté" in text
    text = page(_upload(client, case, "vide.pdf", b""))
    assert "vide" in text
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    text = page(_upload(client, case, "gros.pdf", PDF_BYTES))
    assert "taille maximale" in text
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert len([p for p in folder.rglob("*") if p.is_file()]) == 1
    download = f"/deliverables/{case.id}/attachments/{attachment.id}"
    response = client.get(download)
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for user, status in ((prog.trainer, 200), (prog.outsider, 404), (prog.p2, 404)):
        relog(client, user)
        assert client.get(download).status_code == status
    # another deliverable's id in the URL finds nothing
    other = _mini(prog)
    relog(client, prog.p3)
    assert client.get(f"/deliverables/{other.id}/attachments/{attachment.id}").status_code == 404
    # the trainer reads but does not attach
    relog(client, prog.trainer)
    url = f"/deliverables/{case.id}"
    response = client.post(url + "/attachments", data={
        "att-csrf_token": csrf_token(client, url),
        "att-file": (io.BytesIO(PDF_BYTES), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 403
    # an author removes it: row and file go
    relog(client, prog.p1)
    response = post(client, download + "/delete", token_from=url)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not [p for p in folder.rglob("*") if p.is_file()]


def test_export_pdf_and_markdown(prog, client):
    from coelab.documents.operations import save_version
    from pypdf import PdfReader

    case = dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                  title="Fusion d'associations", team=prog.team_t,
                                  details=_partner())
    save_version(prog.p1, case.document, "Remise intermédiaire")
    login(client, prog.trainer.email)
    response = client.get(f"/deliverables/{case.id}/export.pdf?version=1")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for expected in ("Fusion d'associations", prog.p1.full_name, prog.p3.full_name,
                     "Transversal", "Version 1", "Contexte", "1.0"):
        assert expected in text, expected
    response = client.get(f"/deliverables/{case.id}/export.md")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    assert "Fusion d'associations" in text and "## Situation-problème" in text
    assert prog.p3.full_name in text
    assert client.get(f"/deliverables/{case.id}/export.pdf?version=7").status_code == 404
    assert client.get(f"/deliverables/{case.id}/export.pdf?version=x").status_code == 400
    assert client.get(f"/deliverables/{case.id}/export.html").status_code == 404


def test_cohort_table_for_trainers_and_own_list_for_trainees(prog, client):
    case = dops.start_deliverable(prog.p2, prog.thematic, "thematic_case_study",
                                  title="B cas", team=prog.team_h, details=_partner())
    _mini(prog)
    _mini(prog, prog.p2)
    table = f"/cohorts/{prog.thematic.id}/deliverables"
    login(client, prog.trainer.email)
    text = page(client.get(table + "?sort=title"))
    assert text.count("data-deliverable=") == 3
    assert text.index("B cas") < text.index("Mon organisation")
    text = page(client.get(table + "?sort=title&dir=desc"))
    assert text.index("B cas") > text.index("Mon organisation")
    assert "Pas encore commencés" in text and "Recueil de recommandations" in text
    page(client.get(table + "?sort=nonsense"))  # an unknown sort falls back, no error
    # the workspace lists them too, linking to each
    text = page(client.get(f"/cohorts/{prog.thematic.id}"))
    assert text.count("data-deliverable=") == 3 and f"/deliverables/{case.id}" in text
    relog(client, prog.p2)
    text = page(client.get(table))
    assert "Mes livrables" in text and "B cas" in text
    assert text.count("data-deliverable=") == 2  # the team's case study and their own
    assert case.state == DeliverableState.DRAFT


def test_concurrent_starts_give_one_deliverable(prog, app, backend):
    """Two teammates press "Commencer" at the same moment: one deliverable, one error."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    cohort_id, team_id = prog.transversal.id, prog.team_t.id
    users = [prog.p1.id, prog.p3.id]
    db.session.commit()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def start(user_id: int) -> None:
        from coelab.models import Cohort, Team, User

        with app.app_context():
            barrier.wait()
            try:
                dops.start_deliverable(db.session.get(User, user_id),
                                       db.session.get(Cohort, cohort_id),
                                       "collective_case_study", title="Cas",
                                       team=db.session.get(Team, team_id), details=_partner())
                results.append("ok")
            except OperationError:
                results.append("refused")

    threads = [threading.Thread(target=start, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert db.session.scalar(select(func.count()).select_from(Deliverable)) == 1


def test_last_activity_survives_compaction(prog):
    """The trainers' table says when the text last changed, even once its log was
    folded into a snapshot."""
    from datetime import UTC, datetime, timedelta

    import pycrdt
    from coelab.documents.rooms import TEXT, append, compact, rooms
    from coelab.documents.sockets import may_write

    case = dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                  title="Cas", team=prog.team_t, details=_partner())
    long_ago = datetime(2026, 11, 3, tzinfo=UTC)
    case.updated_at = long_ago
    db.session.commit()
    room = rooms().get(case.document_id)
    doc = pycrdt.Doc()
    text = doc.get(TEXT, type=pycrdt.Text)
    doc.apply_update(room.doc.get_update())
    before = doc.get_state()
    text += " Une phrase de plus."
    append(room, prog.p1, doc.get_update(before), may_write)
    edited = dops.last_activity([case])[case.id]
    assert edited - long_ago > timedelta(days=1)
    assert compact(room) == 1
    db.session.expire_all()
    assert dops.last_activity([case])[case.id] == edited
