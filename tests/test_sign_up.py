"""Opening an account oneself (a candidate to the programme): the core's
``request_sign_up`` (platform/coelab/operations.py), on the invitation's machinery."""

from __future__ import annotations

from coelab import operations as ops
from coelab.db import db, utcnow
from coelab.models import AccountToken, TokenPurpose, User
from sqlalchemy import func, select

from .conftest import PASSWORD, page, post
from .test_auth import link_in

REASON = "pour déposer votre candidature"


def _sign_up(app, email="lea.martin@example.org", first="Léa", last="Martin"):
    with app.test_request_context():
        ops.request_sign_up(email, first, last, reason=REASON, next_path="/admissions/mine")


def test_a_new_address_gets_an_inactive_account_and_a_link_that_activates_it(
        client, app, outbox):
    _sign_up(app, email="  Lea.Martin@Example.org ")
    [mail] = outbox
    assert mail.to == "lea.martin@example.org"
    assert REASON in mail.body
    user = db.session.scalar(select(User).where(User.email == "lea.martin@example.org"))
    assert user is not None and not user.active
    assert (user.first_name, user.last_name) == ("Léa", "Martin")
    path = link_in(mail)
    response = post(client, path, {"password": PASSWORD, "confirm": PASSWORD},
                    token_from=path)
    assert response.status_code == 302
    # on to what they signed up for
    assert response.headers["Location"].endswith("/admissions/mine")
    db.session.refresh(user)
    assert user.active
    assert "Léa" in page(client.get("/dashboard"))


def test_a_link_leads_only_to_a_page_of_the_site(client, app, outbox):
    with app.test_request_context():
        ops.request_sign_up("lea.martin@example.org", "Léa", "Martin", reason=REASON,
                            next_path="//evil.example/steal")
    path = link_in(outbox[0])
    response = post(client, path, {"password": PASSWORD, "confirm": PASSWORD},
                    token_from=path)
    assert response.headers["Location"].endswith("/dashboard")


def test_signing_up_again_replaces_the_link(app, outbox):
    _sign_up(app)
    _sign_up(app)
    assert len(outbox) == 2
    old, new = link_in(outbox[0]), link_in(outbox[1])
    assert old != new
    live = db.session.scalar(select(func.count(AccountToken.id)).where(
        AccountToken.purpose == TokenPurpose.INVITATION,
        AccountToken.expires_at > utcnow(), AccountToken.used_at.is_(None)))
    assert live == 1
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_an_active_account_is_told_to_log_in_and_nothing_is_created(app, make, outbox):
    person = make.user("Léa", "Martin", email="lea.martin@example.org")
    _sign_up(app, first="Quelqu'un", last="D'autre")
    [mail] = outbox
    assert "déjà un compte" in mail.body
    assert "/login?next=" in mail.body
    assert db.session.scalar(select(func.count(AccountToken.id))) == 0
    db.session.refresh(person)
    assert (person.first_name, person.last_name) == ("Léa", "Martin")


def test_a_deactivated_account_gets_nothing(app, make, outbox):
    person = make.user("Léa", "Martin", email="lea.martin@example.org")
    admin = make.user("Ada", "Admin", admin=True)
    ops.set_account_active(admin, person, False)
    _sign_up(app)
    assert outbox == []
    db.session.refresh(person)
    assert not person.active


def test_an_impossible_address_is_ignored(app, outbox):
    _sign_up(app, email="a\x00b@example.org")
    _sign_up(app, email="x" * 300 + "@example.org")
    assert outbox == []
    assert db.session.scalar(select(func.count(User.id))) == 0
