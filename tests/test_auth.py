"""Logging in and out, invitations, password reset, CSRF, rate limiting, cookies."""

from __future__ import annotations

import re
from datetime import timedelta

from coelab.db import db
from coelab.models import AccountToken, AuditEvent, User
from sqlalchemy import select

from .conftest import PASSWORD, csrf_token, login, page, post

LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/\S+)")


def link_in(mail) -> str:
    match = LINK_RE.search(mail.body)
    assert match, mail.body
    return match.group(1)


def test_login_then_dashboard_then_logout(client, make):
    user = make.user("Claire", "Vidal")
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, user.email)
    html = page(client.get("/dashboard"))
    assert "Bonjour Claire" in html
    response = post(client, "/logout", token_from="/dashboard")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_and_unknown_address_give_the_same_message(client, make):
    user = make.user()
    for email, password in ((user.email, "not the password"), ("nobody@example.org", PASSWORD)):
        response = post(client, "/login", {"email": email, "password": password})
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in page(response)
    assert client.get("/dashboard").status_code == 302


def test_login_email_is_case_insensitive(client, make):
    user = make.user(email="Mixed.Case@Example.org")
    assert user.email == "mixed.case@example.org"
    login(client, "MIXED.case@example.ORG")


def test_login_never_redirects_off_site(client, make):
    user = make.user()
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example.net/x",
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/dashboard"
    post(client, "/logout", token_from="/dashboard")
    token = csrf_token(client)
    response = client.post("/login?next=/profile",
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/profile"


def test_post_without_csrf_token_is_refused(client, make):
    user = make.user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "jeton de sécurité" in page(response)
    assert client.get("/dashboard").status_code == 302
    login(client, user.email)
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_session_cookie_flags(client, make):
    user = make.user()
    response = login(client, user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def invite_as_coordinator(client, make, app, **form):
    coordinator = make.user("Hélène", "Marchetti", coordinator=True)
    cohort = make.cohort()
    login(client, coordinator.email)
    data = {"email": "new.person@example.org", "first_name": "Nadia", "last_name": "Chérif",
            "role": "trainee", "parcours": "I", **form}
    response = post(client, f"/cohorts/{cohort.id}/members", data,
                    token_from=f"/cohorts/{cohort.id}/members")
    assert response.status_code == 302, page(response)
    post(client, "/logout", token_from="/dashboard")
    return cohort


def test_invitation_activates_the_account_once(client, make, app, outbox):
    cohort = invite_as_coordinator(client, make, app)
    invited = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert invited is not None and not invited.active
    # the invited person cannot log in before activating
    response = post(client, "/login", {"email": invited.email, "password": PASSWORD})
    assert response.status_code == 200
    [mail] = outbox
    assert mail.to == "new.person@example.org"
    assert cohort.name in mail.body
    path = link_in(mail)
    html = page(client.get(path))
    assert "Bienvenue, Nadia" in html
    response = post(client, path, {"password": "short", "confirm": "short"}, token_from=path)
    assert "au moins 10 caractères" in page(response)
    response = post(client, path, {"password": PASSWORD, "confirm": PASSWORD}, token_from=path)
    assert response.status_code == 302
    assert "Bonjour Nadia" in page(client.get("/dashboard"))
    assert cohort.name in page(client.get("/dashboard"))
    post(client, "/logout", token_from="/dashboard")
    # the link works once
    response = client.get(path)
    assert response.status_code == 410
    assert "déjà été utilisé" in page(response)
    response = client.post(path, data={"password": "another password!", "confirm":
                                       "another password!", "csrf_token": csrf_token(client)})
    assert response.status_code == 410
    login(client, "new.person@example.org", PASSWORD)
    db.session.expire_all()
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "users", AuditEvent.object_id == invited.id)))
    assert {"user.created", "user.invited", "user.activated"} <= actions


def test_expired_invitation_is_refused(client, make, app, outbox):
    invite_as_coordinator(client, make, app)
    path = link_in(outbox[0])
    token = db.session.scalar(select(AccountToken))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "expiré" in page(response)
    response = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 410
    db.session.expire_all()
    assert not db.session.scalar(select(User).where(User.email == "new.person@example.org")).active


def test_unknown_link_is_404(client, app):
    response = client.get("/invitation/not-a-real-token")
    assert response.status_code == 404
    assert "n'est pas valide" in page(response)


def test_reinviting_replaces_the_old_link(client, make, app, outbox):
    cohort = invite_as_coordinator(client, make, app)
    other = make.cohort("Deuxième cohorte")
    coordinator = db.session.scalar(select(User).where(User.is_coordinator.is_(True)))
    login(client, coordinator.email)
    post(client, f"/cohorts/{other.id}/members",
         {"email": "new.person@example.org", "first_name": "Nadia", "last_name": "Chérif",
          "role": "trainee", "parcours": "I"}, token_from=f"/cohorts/{other.id}/members")
    post(client, "/logout", token_from="/dashboard")
    assert len(outbox) == 2
    old, new = link_in(outbox[0]), link_in(outbox[1])
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    assert cohort.id != other.id


def test_password_reset_flow(client, make, app, outbox):
    user = make.user("Marc", "Olivieri")
    response = post(client, "/password/forgot", {"email": user.email})
    assert response.status_code == 302
    [mail] = outbox
    path = link_in(mail)
    response = post(client, path, {"password": "a brand new secret", "confirm":
                                   "a brand new secret"}, token_from=path)
    assert response.status_code == 302
    post(client, "/logout", token_from="/dashboard")
    response = post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert "incorrect" in page(response)
    login(client, user.email, "a brand new secret")
    post(client, "/logout", token_from="/dashboard")
    response = client.get(path)
    assert response.status_code == 410 and "déjà été utilisé" in page(response)


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client, app, outbox):
    response = post(client, "/password/forgot", {"email": "ghost@example.org"},
                    follow_redirects=True)
    assert "Si un compte actif correspond" in page(response)
    assert outbox == []


def test_expired_reset_link_is_refused(client, make, app, outbox):
    user = make.user()
    post(client, "/password/forgot", {"email": user.email})
    path = link_in(outbox[0])
    token = db.session.scalar(select(AccountToken))
    token.expires_at = token.created_at
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410 and "expiré" in page(response)


def test_login_rate_limit_per_account(client, make):
    user = make.user()
    for _ in range(5):
        response = post(client, "/login", {"email": user.email, "password": "wrong password"})
        assert response.status_code == 200
    response = post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in page(response)
    # another person behind the same address (a classroom) still logs in
    other = make.user("Inès", "Bouvier")
    login(client, other.email)


def test_successful_logins_from_one_address_are_not_throttled(client, make):
    users = [make.user("Stagiaire", f"N{i}") for i in range(12)]
    for user in users:
        login(client, user.email)
        post(client, "/logout", token_from="/dashboard")


def test_profile_language_and_password(client, make):
    user = make.user("Julie", "Perrin")
    login(client, user.email)
    response = post(client, "/profile", {"profile-submit": "1", "profile-first_name": "Julie",
                                         "profile-last_name": "Perrin", "profile-locale": "en",
                                         "profile-organisation": "MECS L'Escale"},
                    token_from="/profile")
    assert response.status_code == 302
    assert "Hello Julie" in page(client.get("/dashboard"))
    response = post(client, "/profile", {"password-submit": "1", "password-current": "wrong",
                                         "password-password": "x" * 12,
                                         "password-confirm": "x" * 12}, token_from="/profile")
    assert "incorrect" in page(response)
