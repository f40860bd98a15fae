"""What the authors read after the release (issue 15, point 7): the jury's result, the
decision, the level the panel agreed per criterion, its reasons, the minutes (who
signed, when) and any individual treatment concerning them; never a juror's own score
or comments, which stay within the panel and the coordination, unless the organisation
publishes them (``COELAB_PUBLISH_JUROR_SCORES``). Every path is tried: the deliverable's
page, every assessment URL, the minutes, the exports, the notifications."""

from __future__ import annotations

from io import BytesIO

import pytest
from coelab.assessments import operations as aops
from coelab.assessments.models import Assessment
from coelab.config import from_environment
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.operations import start_deliverable
from coelab.jury import operations as jops
from coelab.notifications.models import Notification
from coelab.plugins import registry
from coelab.policy import can
from pypdf import PdfReader
from sqlalchemy import select

from .conftest import login, page
from .test_deliverables import _partner, relog
from .test_jury import _scheduled

# what each juror wrote: it must reach no author
JUROR_WORDS = ("commentaire-du-jure-pro", "appreciation-du-jure-pro",
               "commentaire-de-la-presidente", "appreciation-de-la-presidente")
REASONS = "Analyse solide, préconisations réalistes : motif-du-jury-77."
P3_TREATMENT = "Absent·e de la soutenance sans excuse : traitement-p3."


def _criteria(deliverable) -> list[dict]:
    return aops.rubric_criteria(deliverable.cohort, registry().kind(deliverable.kind))


@pytest.fixture
def released(prog):
    """The collective case study of p1 and p3, scored by both jurors with comments of
    their own, decided (p3 treated differently), signed and released."""
    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    panel, president, pro = _scheduled(prog, case, past=True)
    criteria = _criteria(case)
    first = criteria[0]["key"]
    scores = [
        aops.save_assessment(pro.user, case, levels={c["key"]: 1 for c in criteria},
                             comments={first: JUROR_WORDS[0]},
                             overall_comment=JUROR_WORDS[1], submit=True),
        aops.save_assessment(president.user, case, levels={c["key"]: 3 for c in criteria},
                             comments={first: JUROR_WORDS[2]},
                             overall_comment=JUROR_WORDS[3], submit=True)]
    jops.open_deliberation(president.user, case)
    decision = jops.decide(president.user, case, validated=True, reasons=REASONS,
                           agreed_levels={c["key"]: 2 for c in criteria},
                           individual={str(prog.p3.id): {"validated": False,
                                                         "reason": P3_TREATMENT}})
    jops.sign(president.user, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, case)
    return {"case": case, "scores": scores, "decision": decision, "president": president,
            "pro": pro, "criteria": criteria}


def _pdf_text(data: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)
                    .split())


def _leaks(text: str) -> list[str]:
    return [w for w in JUROR_WORDS if w in text]


def test_the_authors_read_the_jurys_result(prog, released, client):
    case, criteria = released["case"], released["criteria"]
    login(client, prog.p1.email)
    text = page(client.get(f"/deliverables/{case.id}"))
    assert "Décision : validé" in text and "motif-du-jury-77" in text
    # the level agreed per criterion, with its title and its label
    agreed = text[text.index('class="agreed"'):]
    for c in criteria:
        assert (f'<li data-agreed="{c["key"]}">{c["title"]} : '
                f'<strong>{c["levels"][2]["label"]}</strong>') in agreed, c["key"]
    # the minutes: who signed, when
    for person in (prog.other_trainer, released["pro"].user):
        assert f"Signé par {person.full_name} le" in text
    assert f"/deliverables/{case.id}/jury/minutes.pdf" in text
    # never a juror's score nor comments, nor the panel's table, nor another's treatment
    assert _leaks(text) == []
    assert "jury-scores" not in text and "Notes du jury" not in text
    assert "traitement-p3" not in text
    for score in released["scores"]:
        assert f'data-assessment="{score.id}"' not in text
    # the author treated differently reads their own treatment
    relog(client, prog.p3)
    text = page(client.get(f"/deliverables/{case.id}"))
    assert "traitement-p3" in text and _leaks(text) == []


def test_an_author_tries_every_juror_assessment_url(prog, released, app):
    ids = list(db.session.scalars(select(Assessment.id)))
    assert {s.id for s in released["scores"]} <= set(ids)
    for person in (prog.p1, prog.p3, prog.trainer):  # the authors, their trainer
        client = app.test_client()
        login(client, person.email)
        for assessment_id in [*ids, max(ids) + 1]:
            response = client.get(f"/assessments/{assessment_id}")
            assert response.status_code in (403, 404), (person.full_name, assessment_id)
            assert _leaks(page(response)) == []
        for score in released["scores"]:
            assert not can(person, "assessment.read", score)
    # the panel and the coordination still read them
    for person in (prog.other_trainer, released["pro"].user, prog.coordinator):
        for score in released["scores"]:
            assert can(person, "assessment.read", score), person.full_name


def test_the_minutes_exports_and_notifications_hold_no_jurors_score(prog, released,
                                                                    client, outbox):
    case = released["case"]
    login(client, prog.p1.email)
    response = client.get(f"/deliverables/{case.id}/jury/minutes.pdf")
    assert response.status_code == 200
    minutes = _pdf_text(response.data)
    assert "motif-du-jury-77" in minutes and "Niveaux retenus" in minutes
    assert released["criteria"][0]["title"] in minutes
    assert prog.other_trainer.full_name in minutes and "signé le" in minutes
    assert _leaks(minutes) == [] and "/ 20" not in minutes
    assert "traitement-p3" not in minutes  # p1's copy: their own treatment only
    relog(client, prog.p3)
    assert "traitement-p3" in _pdf_text(
        client.get(f"/deliverables/{case.id}/jury/minutes.pdf").data)
    # the exports of the work, current and frozen
    version = workflow.submissions(case)[-1].version.number
    for query in ("", f"?version={version}"):
        for fmt in ("md", "pdf"):
            response = client.get(f"/deliverables/{case.id}/export.{fmt}{query}")
            assert response.status_code == 200, (fmt, query)
            body = (response.get_data(as_text=True) if fmt == "md"
                    else _pdf_text(response.data))
            assert _leaks(body) == [], (fmt, query)
    # the notifications and mails the authors received
    for author in (prog.p1, prog.p3):
        notes = db.session.scalars(select(Notification).where(
            Notification.user_id == author.id)).all()
        assert notes and not [n for n in notes if _leaks(f"{n.subject} {n.body}")]
        mails = [m for m in outbox if m.to == author.email]
        assert mails and not [m for m in mails if _leaks(f"{m.subject} {m.body}")]


def test_an_organisation_may_publish_the_jurors_scores(prog, released, client, app):
    app.config["PUBLISH_JUROR_SCORES"] = True
    login(client, prog.p1.email)
    for score in released["scores"]:
        response = client.get(f"/assessments/{score.id}")
        assert response.status_code == 200
        assert score.overall_comment in page(response)
        assert can(prog.p1, "assessment.read", score)
    text = page(client.get(f"/deliverables/{released['case'].id}"))
    assert all(f'data-assessment="{s.id}"' in text for s in released["scores"])


def test_published_scores_wait_for_the_release(prog, client, app):
    """With the setting on, a juror's score still reaches the authors only once the
    panel's decision on that round is released."""
    app.config["PUBLISH_JUROR_SCORES"] = True
    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    panel, president, pro = _scheduled(prog, case, past=True)
    score = aops.save_assessment(pro.user, case,
                                 levels={c["key"]: 1 for c in _criteria(case)}, comments={},
                                 overall_comment=JUROR_WORDS[1], submit=True)
    jops.open_deliberation(president.user, case)
    login(client, prog.p1.email)
    assert client.get(f"/assessments/{score.id}").status_code == 404
    decision = jops.decide(president.user, case, validated=True, reasons=REASONS,
                           agreed_levels={c["key"]: 2 for c in _criteria(case)})
    assert client.get(f"/assessments/{score.id}").status_code == 404
    jops.sign(president.user, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, case)
    assert client.get(f"/assessments/{score.id}").status_code == 200


def test_the_setting_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("COELAB_PUBLISH_JUROR_SCORES", raising=False)
    assert from_environment(tmp_path, {})["PUBLISH_JUROR_SCORES"] is False
    monkeypatch.setenv("COELAB_PUBLISH_JUROR_SCORES", "true")
    assert from_environment(tmp_path, {})["PUBLISH_JUROR_SCORES"] is True
