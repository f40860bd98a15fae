"""Sessions that really end (README, "Security: sessions and accounts").

A session is a row on the server (``UserSession``); the session cookie and the
"remember me" cookie only carry its key. Logging out ends it; a password change or reset
ends every session of the person; an administrator's deactivation ends them all; the
person sees their open sessions on their profile and can end any of them.
"""

from __future__ import annotations

from coelab.db import db
from coelab.models import AuditEvent, User
from sqlalchemy import select

from .conftest import PASSWORD, csrf_token, login, page, post
from .test_realtime import team_doc  # noqa: F401 - fixture

NEW_PASSWORD = "another long secret"


def logged_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def copy_of(app, client, *names: str):
    """A second browser holding copies of some cookies of ``client`` (what a thief has)."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        other.set_cookie(name, cookie.value)
    return other


def remembered_login(client, email: str, password: str = PASSWORD):
    response = post(client, "/login", {"email": email, "password": password, "remember": "y"})
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is not None
    return response


def test_a_session_cookie_copied_before_logout_is_dead_after_it(app, client, make):
    user = make.user()
    login(client, user.email)
    stolen = copy_of(app, client, "session")
    assert logged_in(stolen)
    post(client, "/logout", token_from="/dashboard")
    assert not logged_in(client)
    assert not logged_in(stolen)


def test_a_remember_cookie_is_dead_after_logout(app, client, make):
    user = make.user()
    remembered_login(client, user.email)
    stolen = copy_of(app, client, "remember_token")
    assert logged_in(stolen)  # the cookie alone opens a session...
    post(client, "/logout", token_from="/dashboard")
    assert not logged_in(copy_of(app, stolen, "remember_token"))  # ...no longer
    assert not logged_in(stolen)


def test_a_password_change_ends_every_other_session_and_remember_cookie(app, make):
    user = make.user()
    laptop, phone = app.test_client(), app.test_client()
    remembered_login(laptop, user.email)
    remember = copy_of(app, laptop, "remember_token")
    login(phone, user.email)
    response = post(phone, "/profile", {"password-submit": "1", "password-current": PASSWORD,
                                        "password-password": NEW_PASSWORD,
                                        "password-confirm": NEW_PASSWORD},
                    token_from="/profile")
    assert response.status_code == 302
    assert logged_in(phone)  # the browser that changed it stays in
    assert not logged_in(laptop)
    assert not logged_in(remember)
    login(laptop, user.email, NEW_PASSWORD)
    assert logged_in(laptop)


def test_the_browser_that_changed_the_password_gets_a_new_session(app, client, make):
    """Its own old cookies (copied before the change) die too."""
    user = make.user()
    remembered_login(client, user.email)
    before = copy_of(app, client, "session", "remember_token")
    post(client, "/profile", {"password-submit": "1", "password-current": PASSWORD,
                              "password-password": NEW_PASSWORD,
                              "password-confirm": NEW_PASSWORD}, token_from="/profile")
    assert logged_in(client)
    assert not logged_in(before)


def test_a_password_reset_ends_every_session(app, client, make, outbox):
    from .test_auth import link_in

    user = make.user()
    victim = app.test_client()
    remembered_login(victim, user.email)
    remember = copy_of(app, victim, "remember_token")
    post(client, "/password/forgot", {"email": user.email}, token_from="/password/forgot")
    link = link_in(outbox[-1])
    response = post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                    token_from=link)
    assert response.status_code == 302
    assert logged_in(client)
    assert not logged_in(victim)
    assert not logged_in(remember)


def test_deactivation_ends_every_session_and_reactivation_lets_the_person_back(app, client,
                                                                                make):
    admin = make.user("Ada", "Admin", admin=True)
    user = make.user("Paul", "Martin")
    theirs = app.test_client()
    remembered_login(theirs, user.email)
    remember = copy_of(app, theirs, "remember_token")
    login(client, admin.email)
    response = post(client, f"/users/{user.id}/deactivate", token_from="/users")
    assert response.status_code == 302
    assert not logged_in(theirs)
    assert not logged_in(remember)
    response = post(theirs, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200 and "incorrect" in page(response)
    assert "désactivé" in page(client.get("/users"))
    response = post(client, f"/users/{user.id}/reactivate", token_from="/users")
    assert response.status_code == 302
    login(theirs, user.email)
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "users", AuditEvent.object_id == user.id)))
    assert {"user.deactivated", "user.reactivated"} <= actions


def test_an_administrator_cannot_deactivate_themselves_and_others_cannot_at_all(client,
                                                                                  make):
    admin = make.user("Ada", "Admin", admin=True)
    coordinator = make.user("Cora", "Coord", coordinator=True)
    login(client, admin.email)
    response = post(client, f"/users/{admin.id}/deactivate", token_from="/users",
                    follow_redirects=True)
    assert "votre propre compte" in page(response)
    assert db.session.get(User, admin.id).active
    post(client, "/logout", token_from="/dashboard")
    login(client, coordinator.email)
    response = post(client, f"/users/{admin.id}/deactivate", token_from="/users")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_a_deactivated_account_cannot_come_back_through_an_old_link(app, client, make,
                                                                     outbox):
    """Pending invitation and reset links stop working when the account is deactivated."""
    from .test_auth import link_in

    admin = make.user("Ada", "Admin", admin=True)
    user = make.user("Paul", "Martin")
    post(app.test_client(), "/password/forgot", {"email": user.email},
         token_from="/password/forgot")
    link = link_in(outbox[-1])
    login(client, admin.email)
    post(client, f"/users/{user.id}/deactivate", token_from="/users")
    stranger = app.test_client()
    assert stranger.get(link).status_code == 410
    db.session.expire_all()
    assert not db.session.get(User, user.id).active


def test_the_profile_lists_open_sessions_and_ends_one_or_all(app, make):
    user = make.user()
    laptop = app.test_client()
    phone = app.test_client()
    login(laptop, user.email)
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36")
    login(phone, user.email)
    html = page(laptop.get("/profile"))
    assert "Sessions ouvertes" in html
    assert "Cette session" in html
    assert "Chrome sur Android" in html
    # end the phone's session from the laptop
    from coelab.models import UserSession

    sessions = list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))))
    assert len(sessions) == 2
    phone_session = next(s for s in sessions if "Android" in (s.user_agent or ""))
    response = post(laptop, f"/profile/sessions/{phone_session.id}/end", token_from="/profile")
    assert response.status_code == 302
    assert not logged_in(phone)
    assert logged_in(laptop)
    # someone else's session is not theirs to end
    other = make.user()
    intruder = app.test_client()
    login(intruder, other.email)
    mine = db.session.scalar(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)))
    assert post(intruder, f"/profile/sessions/{mine.id}/end",
                token_from="/profile").status_code == 404
    assert logged_in(laptop)
    # everywhere
    login(phone, user.email)
    response = post(laptop, "/profile/sessions/end-all", token_from="/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not logged_in(laptop)
    assert not logged_in(phone)


def test_the_csrf_secret_changes_at_login_and_logout(app, client, make):
    user = make.user()
    login(client, user.email)
    before_logout = csrf_token(client, "/dashboard")
    post(client, "/logout", token_from="/dashboard")
    login(client, user.email)
    response = client.post("/logout", data={"csrf_token": before_logout})
    assert response.status_code == 400
    assert logged_in(client)
    anonymous = csrf_token(client, "/login") if not logged_in(client) else None
    assert anonymous is None
    # a token read on the login page (before logging in) is no use afterwards either
    fresh = app.test_client()
    pre_login = csrf_token(fresh, "/login")
    login(fresh, user.email)
    assert fresh.post("/logout", data={"csrf_token": pre_login}).status_code == 400
    assert logged_in(fresh)


def test_an_old_style_or_forged_session_id_is_refused(app, client, make):
    """A cookie naming a user id (what sessions held before) opens nothing."""
    user = make.user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not logged_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = "not-a-key"
    assert not logged_in(client)


# --- co-editing sockets follow the session they were opened in ------------------------


def _ended_in_time(client) -> bool:
    from .test_access_revocation import errors_seen, wait_until

    errors: list[str] = []

    def done() -> bool:
        errors.extend(errors_seen(client))
        return not client.connected

    return wait_until(done) and errors + errors_seen(client) == ["unauthenticated"]


def test_logging_out_disconnects_the_editor_of_that_session_only(app, team_doc):  # noqa: F811
    from .test_realtime import YClient

    amandine = team_doc["amandine"]
    browser, other_browser = app.test_client(), app.test_client()
    login(browser, amandine.email)
    login(other_browser, amandine.email)
    editor = YClient(app, browser, team_doc["document"].id)
    other_editor = YClient(app, other_browser, team_doc["document"].id)
    assert editor.connected and other_editor.connected
    editor.sync()
    other_editor.sync()
    post(browser, "/logout", token_from="/dashboard")
    assert _ended_in_time(editor)
    assert other_editor.connected
    assert other_editor.write(0, "Encore là. ")["ok"] is True


def test_logging_out_everywhere_disconnects_every_editor(app, team_doc):  # noqa: F811
    from .test_realtime import YClient

    amandine = team_doc["amandine"]
    browser, phone = app.test_client(), app.test_client()
    login(browser, amandine.email)
    login(phone, amandine.email)
    editor = YClient(app, phone, team_doc["document"].id)
    assert editor.connected
    post(browser, "/profile/sessions/end-all", token_from="/profile")
    assert _ended_in_time(editor)


def test_a_socket_token_dies_with_the_session_it_was_issued_in(app, client, team_doc):  # noqa: F811
    from .test_realtime import YClient

    amandine = team_doc["amandine"]
    document = team_doc["document"]
    login(client, amandine.email)
    token = post(client, f"/documents/{document.id}/token",
                 token_from=f"/documents/{document.id}").get_json()["token"]
    scripted = YClient(app, app.test_client(), document.id, auth={"token": token})
    assert scripted.connected
    post(client, "/logout", token_from="/dashboard")
    assert _ended_in_time(scripted)
    again = YClient(app, app.test_client(), document.id, auth={"token": token})
    assert not again.connected


def test_a_missed_announcement_still_stops_writes_within_seconds(app, team_doc,  # noqa: F811
                                                                  monkeypatch):
    """The re-check is announced; if that announcement is lost, the socket's next
    update after the 5-second principal cache is refused all the same."""
    from coelab.documents import access, sockets

    from .test_realtime import YClient

    amandine = team_doc["amandine"]
    browser = app.test_client()
    login(browser, amandine.email)
    editor = YClient(app, browser, team_doc["document"].id)
    editor.sync()
    assert editor.write(0, "Avant. ")["ok"] is True
    monkeypatch.setattr(access, "announce", lambda *_a, **_k: None)
    post(browser, "/logout", token_from="/dashboard")
    monkeypatch.setattr(sockets, "PRINCIPAL_SECONDS", 0.0)
    answer = editor.write(0, "Après. ")
    assert answer["ok"] is False


def test_logging_in_again_and_again_keeps_a_bounded_number_of_sessions(app, make):
    """A script that logs in in a loop ends its oldest sessions rather than piling up
    rows and a profile page nobody can read."""
    from coelab import sessions
    from coelab.models import UserSession
    from sqlalchemy import func

    user = make.user()
    first = app.test_client()
    login(first, user.email)
    for _ in range(sessions.MAX_OPEN + 5):
        sessions.start(user, remember=False, user_agent="script", ip_address="127.0.0.1")
    open_count = db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)))
    assert open_count == sessions.MAX_OPEN
    assert not logged_in(first)  # the least recently used went first


def test_a_login_with_a_nul_byte_in_the_address_is_a_plain_refusal(client, make):
    make.user()
    response = post(client, "/login", {"email": "a\x00b@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "incorrect" in page(response) or "valide" in page(response)
