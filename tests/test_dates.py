"""Dates and times as people read them (coelab/dates.py and the ``datetime`` filter of
coelab/app.py): "28 janvier 2027 à 10 h 00" in French, never "10:00:00 +0100"; English
stays possible; always in the programme's timezone. Then one page per place that shows
a time: a soutenance on the panel's page and on the deliverable's page, a jury's
notification, an admission interview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coelab.dates import clock, when
from coelab.db import db
from coelab.jury import operations as jops
from flask import render_template_string
from flask_babel import force_locale

from .conftest import declared_panel, login, page
from .test_jury import ready  # noqa: F401 - the fixture

# 10:00 in Paris in winter (UTC+1)
WINTER = datetime(2027, 1, 28, 9, 0, tzinfo=UTC)
# 14:30 in Paris in summer (UTC+2)
SUMMER = datetime(2027, 6, 3, 12, 30, tzinfo=UTC)
RAW = ("10:00:00", "+0100", "UTC", ":00:00")
H = " h "  # French writes "10 h 00"


def test_when_in_french_and_in_english(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert when(WINTER) == f"28 janvier 2027 à 10{H}00"
            assert when(SUMMER) == f"3 juin 2027 à 14{H}30"
            assert when(WINTER, short=True) == f"28 janv. 2027 à 10{H}00"
            assert clock(WINTER) == f"10{H}00"
            assert when(None) == ""
        with force_locale("en"):
            english = when(WINTER)
            assert "January 28, 2027" in english and "10:00" in english
            assert "AM" in english and " h " not in english
            assert clock(SUMMER) == "2:30\u202fPM" or clock(SUMMER) == "2:30 PM"


def test_the_filters(app):
    with app.test_request_context(), force_locale("fr"):
        out = render_template_string(
            "{{ a|datetime }}|{{ a|datetime('long') }}|{{ a|datetime('short') }}|"
            "{{ a|time }}|{{ d|date }}|{{ none|datetime }}",
            a=WINTER, d=WINTER.date(), none=None)
        assert out == (f"28 janvier 2027 à 10{H}00|28 janvier 2027 à 10{H}00|"
                       f"28 janv. 2027 à 10{H}00|10{H}00|28 janvier 2027|")
        # a Babel pattern still passes through
        assert render_template_string("{{ a|datetime('d/MM/y') }}", a=WINTER) == "28/01/2027"


def _panel(prog, ready):  # noqa: F811 - the fixture's value
    return declared_panel(prog, ready)[0]


def test_a_soutenance_reads_in_french(prog, ready, client, outbox):  # noqa: F811
    panel = _panel(prog, ready)
    jops.schedule(prog.coordinator, ready, starts_at=datetime(2030, 1, 28, 9, 0, tzinfo=UTC),
                  duration_minutes=45, place="Martigues")
    expected = f"Soutenance le 28 janvier 2030 à 10{H}00"
    login(client, prog.coordinator.email)
    panel_page = page(client.get(f"/juries/{panel.id}"))
    assert expected in panel_page
    deliverable_page = page(client.get(f"/deliverables/{ready.id}"))
    assert expected in deliverable_page
    # the notification sent to the authors
    told = [m for m in outbox if m.to == prog.p1.email and "Soutenance" in m.subject]
    assert told and f"28 janvier 2030 à 10{H}00" in told[-1].body
    for text in (panel_page, deliverable_page, told[-1].body):
        assert not any(raw in text for raw in RAW)


def test_moving_the_soutenance_starts_from_what_is_set(prog, ready, client):  # noqa: F811
    panel = _panel(prog, ready)
    login(client, prog.coordinator.email)
    first = page(client.get(f"/juries/{panel.id}"))
    assert "Programmer la soutenance" in first and "Déplacer la soutenance" not in first
    jops.schedule(prog.coordinator, ready, starts_at=datetime(2030, 6, 3, 12, 30, tzinfo=UTC),
                  duration_minutes=60, place="Martigues, salle 2",
                  video_link="https://visio.example/abc")
    body = page(client.get(f"/juries/{panel.id}"))
    assert "Déplacer la soutenance" in body
    assert 'value="2030-06-03T14:30"' in body  # Paris time, in summer
    assert 'value="60"' in body and 'value="Martigues, salle 2"' in body
    assert 'value="https://visio.example/abc"' in body
    assert f'id="schedule-{ready.id}-starts_at"' in body
    assert f'for="schedule-{ready.id}-starts_at"' in body


def test_the_deliberation_is_offered_from_the_soutenance_day(prog, ready, client):  # noqa: F811
    from coelab.jury.models import Soutenance
    from sqlalchemy import select

    _panel(prog, ready)
    jops.schedule(prog.coordinator, ready, starts_at=datetime(2030, 1, 28, 9, 0, tzinfo=UTC),
                  duration_minutes=45, place="Martigues")
    login(client, prog.other_trainer.email)
    body = page(client.get(f"/deliverables/{ready.id}"))
    assert "La délibération s'ouvre le jour de la soutenance, le 28 janvier 2030." in body
    assert "Ouvrir la délibération" not in body
    with pytest.raises(jops.OperationError, match="28 janvier 2030"):
        jops.open_deliberation(prog.other_trainer, ready)
    db.session.scalar(select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    body = page(client.get(f"/deliverables/{ready.id}"))
    assert "Ouvrir la délibération" in body and "data-refusal" not in body
    # the irreversible steps ask for a confirmation first (static/confirm.js)
    assert 'data-confirm="Ouvrir la délibération ?' in body


def test_an_admission_interview_reads_in_french(app):
    from cohort.admissions.interviews import when_label

    with app.test_request_context(), force_locale("fr"):
        assert when_label(WINTER) == "28 janvier 2027 à 10 h 00"
