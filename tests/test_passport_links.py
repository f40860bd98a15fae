"""The links to a passeport open its page; the PDF has its own address (cohort/views.py).
With one endpoint and the format as a route default, url_for("cohort.passport") built
/passeport.pdf: the header's "Mon passeport", the dashboard's "Voir mon passeport
compétences" and the cohort table's "Passeport" all downloaded the PDF."""

from __future__ import annotations

import pytest
from flask import url_for

pytestmark = pytest.mark.one_backend


def test_the_page_and_the_pdf_have_their_own_addresses(app):
    with app.test_request_context():
        assert url_for("cohort.passport") == "/passeport"
        assert url_for("cohort.passport", user_id=7) == "/passeport/7"
        assert url_for("cohort.passport_pdf") == "/passeport.pdf"
        assert url_for("cohort.passport_pdf", user_id=7) == "/passeport/7.pdf"


def test_the_header_link_opens_the_page(app, client, make):
    from .conftest import login

    trainee = make.user("Lou")
    login(client, trainee.email)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/passeport.pdf"' not in html
    answer = client.get("/passeport")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    pdf = client.get("/passeport.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
