"""The deliverable's page: its header (state, next step and who takes it, only the steps
the server accepts now, the reason when not yet), its sections as tabs, the back link
each person can follow, and a history whose every line is translated and said once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from coelab.audit import record
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.views import history_label
from coelab.jury import operations as jops
from coelab.jury.models import Soutenance
from sqlalchemy import select

from .conftest import login, page
from .test_deliverables import PDF_BYTES, relog
from .test_jury import _scheduled, agreed, ready  # noqa: F401 - the fixture


def header(html: str) -> str:
    """The page's header (title, state, next step, actions), before its sections."""
    start = html.index('class="deliverable-head"')
    return html[start:html.index('class="section-tabs"')]


def next_step(html: str) -> str:
    section = re.search(r'<section class="next-step[^"]*".*?</section>', html, re.S)
    assert section, "no next step on the page"
    return re.sub(r"\s+", " ", section.group(0))


def tabs(html: str) -> list[str]:
    nav = html[html.index('class="section-tabs"'):]
    nav = nav[:nav.index("</nav>")]
    return re.findall(r'<a href="#([a-z]+)" id="tab-\1">', nav)


def history(html: str) -> list[str]:
    block = html[html.index('id="history-title"'):]
    block = block[:block.index("</ol>")]
    return [re.sub(r"<[^>]+>|\s+", " ", item).strip()
            for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_the_next_step_and_who_takes_it_through_the_review(prog, case, client):
    url = f"/deliverables/{case.id}"
    # the authors write: theirs is the submission, with the link to it
    login(client, prog.p1.email)
    html = page(client.get(url))
    step = next_step(html)
    assert "À vous : remettre ce travail" in step and 'data-mine="true"' in step
    assert f'href="/deliverables/{case.id}/submit"' in step
    assert 'data-state="draft"' in header(html)
    # the trainer, who reviews it, may not start yet: the reason, no button
    relog(client, prog.trainer)
    html = page(client.get(url))
    step = next_step(html)
    assert "Prochaine étape : remise du travail par ses auteurs" in step
    assert "La relecture commencera quand le travail aura été remis." in step
    assert "/review/" not in html and "Remettre ce travail" not in html

    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    html = page(client.get(url))
    step = next_step(html)
    assert "À vous : relire la remise n° 1." in step
    assert f'action="/deliverables/{case.id}/review/start_review"' in step
    assert "request_changes" not in html and "ready_for_jury" not in html
    # the authors see who reviews it, and why their text is read-only
    relog(client, prog.p3)
    step = next_step(page(client.get(url)))
    assert "Prochaine étape : relecture par l'équipe pédagogique" in step
    assert prog.trainer.full_name in step and "Le texte est figé" in step
    assert "/review/" not in step and "/submit" not in step

    workflow.start_review(prog.trainer, case)
    step = next_step(page(client.get(url)))
    assert f"fin de la relecture par {prog.trainer.full_name}" in step
    relog(client, prog.trainer)
    step = next_step(page(client.get(url)))
    assert "À vous : terminer la relecture" in step
    assert "/review/request_changes" in step and "/review/ready_for_jury" in step
    assert "/review/start_review" not in step
    # ending the review for the jury cannot be taken back: it asks first (static/confirm.js)
    to_jury = step.split('/review/ready_for_jury"', 1)[1].split(">", 1)[0]
    assert 'data-confirm="Déclarer ce travail prêt pour le jury ?' in to_jury


def test_sections_are_tabs_with_the_editor_once(prog, ready, client):  # noqa: F811 - the fixture
    url = f"/deliverables/{ready.id}"
    login(client, prog.trainer.email)
    html = page(client.get(url))
    # no panel yet: no Jury tab; every other section has one, in order
    assert tabs(html) == ["texte", "evaluations", "fichiers", "historique"]
    for name in tabs(html):
        assert f'id="{name}" class="tab-panel"' in html
    assert html.count('id="editor-app"') == 1
    assert html.count('id="commentaires"') == 1  # the comments, beside the text
    # the tabs' script is a static file (the CSP forbids inline scripts)
    assert re.search(r'<script src="/static/tabs.js(\?v=\w+)?" defer></script>', html)
    # old anchors keep landing inside their section
    for section, anchor in (("fichiers", "files-title"), ("historique", "history-title"),
                            ("historique", "due")):
        start = html.index(f'id="{section}" class="tab-panel"')
        assert start < html.index(f'id="{anchor}"')
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury du 12 février")
    jops.assign(prog.coordinator, panel, ready)
    relog(client, prog.coordinator)
    html = page(client.get(url))
    assert tabs(html) == ["texte", "evaluations", "jury", "fichiers", "historique"]
    jury = html[html.index('id="jury" class="tab-panel"'):html.index('id="fichiers"')]
    assert 'id="jury-title"' in jury


def test_the_files_tab_counts_the_attachments(prog, case, client):
    import io

    from coelab.deliverables import operations as dops

    dops.add_attachment(prog.p1, case, io.BytesIO(PDF_BYTES), "diapos.pdf")
    login(client, prog.p1.email)
    html = page(client.get(f"/deliverables/{case.id}"))
    assert re.search(r'id="tab-fichiers">Fichiers <span class="count">\(1\)</span>', html)


def test_back_link_leads_where_each_person_may_go(prog, ready, client):  # noqa: F811 - the fixture
    url = f"/deliverables/{ready.id}"
    login(client, prog.p1.email)
    back = re.search(r'<p class="back"><a href="([^"]+)">← ([^<]+)</a>', page(client.get(url)))
    assert back.groups() == (f"/cohorts/{prog.transversal.id}", prog.transversal.name)
    # an external juror does not see the cohort: their jury's page, which they do see
    panel, _president, pro = _scheduled(prog, ready, past=False)
    relog(client, pro.user)
    back = re.search(r'<p class="back"><a href="([^"]+)">← ([^<]+)</a>', page(client.get(url)))
    assert back.groups() == (f"/juries/{panel.id}", panel.title)
    assert client.get(back.group(1)).status_code == 200
    assert client.get(f"/cohorts/{prog.transversal.id}").status_code == 404


def test_deliberation_offered_only_from_the_soutenance_day(prog, ready, client):  # noqa: F811 - the fixture
    url = f"/deliverables/{ready.id}"
    _scheduled(prog, ready, past=False)
    login(client, prog.coordinator.email)
    step = next_step(page(client.get(url)))
    assert "En attente du jury : soutenance le" in step
    assert "La délibération s'ouvre le jour de la soutenance" in step
    assert "À vous" not in step and 'data-mine="false"' in step
    # the authors wait for their soutenance
    relog(client, prog.p1)
    step = next_step(page(client.get(url)))
    assert "En attente du jury : soutenance le" in step and "délibération" not in step
    db.session.scalar(select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    relog(client, prog.coordinator)
    step = next_step(page(client.get(url)))
    assert "À vous : ouvrir la délibération" in step and "#jury" in step


def test_release_waits_for_the_signatures_with_the_reason(prog, ready, client):  # noqa: F811 - the fixture
    url = f"/deliverables/{ready.id}"
    _panel, president, pro = _scheduled(prog, ready)
    jops.open_deliberation(prog.other_trainer, ready)
    decision = jops.decide(prog.other_trainer, ready, validated=True,
                           reasons="Travail solide.", agreed_levels=agreed(ready, 3))
    jops.sign(prog.other_trainer, decision)
    login(client, prog.coordinator.email)
    step = next_step(page(client.get(url)))
    assert "signature du procès-verbal" in step
    assert "quand chaque membre aura signé" in step and "Rachid Amrani" in step
    assert "À vous" not in step
    relog(client, pro.user)
    step = next_step(page(client.get(url)))
    assert "À vous : relire et signer le procès-verbal." in step
    relog(client, president.user)
    assert "À vous" not in next_step(page(client.get(url)))
    jops.sign(pro.user, decision)
    relog(client, prog.coordinator)
    assert "À vous : publier le résultat aux auteurs." in next_step(page(client.get(url)))
    jops.release(prog.coordinator, ready)
    relog(client, prog.p1)
    step = next_step(page(client.get(url)))
    assert "Résultat publié : travail validé par le jury." in step and "À vous" not in step


def test_history_lines_are_translated_and_said_once(prog, ready, client):  # noqa: F811 - the fixture
    url = f"/deliverables/{ready.id}"
    _scheduled(prog, ready, past=False)
    # a plugin's action on the deliverable (the passeport's), and one nobody labelled
    record("passport.competencies_validated", ready, actor=prog.coordinator,
           cohort_id=ready.cohort_id)
    record("someplugin.did_something", ready, actor=prog.coordinator,
           cohort_id=ready.cohort_id)
    db.session.commit()
    login(client, prog.coordinator.email)
    html = page(client.get(url))
    lines = history(html)
    text = " ".join(lines)
    assert "passport.competencies_validated" not in html
    assert "someplugin" not in html
    assert any("Compétences inscrites au passeport des auteurs" in line for line in lines)
    assert any("Autre action enregistrée" in line for line in lines)
    # the soutenance was recorded by the step and by the jury: one line
    assert text.count("Soutenance programmée") == 1
    # the submission froze the text and saved its version: the line "Travail remis" says it
    assert text.count("Travail remis") == 1
    assert "Texte figé" not in text and "Version enregistrée" not in text
    # no line appears twice
    assert len(lines) == len(set(lines))


def test_history_shows_the_changes_asked_with_their_line(prog, case, client):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.request_changes(prog.trainer, case, "Ajoutez les sources de la partie 2.")
    login(client, prog.p1.email)
    lines = history(page(client.get(f"/deliverables/{case.id}")))
    asked = [line for line in lines if "Modifications demandées" in line]
    assert len(asked) == 1 and "Ajoutez les sources de la partie 2." in asked[0]
    # reopening the text is part of the request: no line of its own
    assert not any("Texte rouvert" in line for line in lines)


def test_history_label_never_returns_the_key(app):
    assert history_label("deliverable.submit") == "Travail remis"
    assert history_label("passport.competencies_validated") == (
        "Compétences inscrites au passeport des auteurs")
    assert history_label("x.y") == "Autre action enregistrée"
