"""Random form data to the forms of someone not logged in: login, forgotten password,
password reset and invitation links (with a random token, and with a real one).

The other forms are fuzzed in test_fuzz.py by people who are logged in. Here: never a
5xx, nothing logged as an error, nobody logged in by a refused form, and a refused
password form changes neither the account nor its link."""

from __future__ import annotations

import re

import pytest
from coelab import operations as ops
from coelab.db import db
from coelab.models import AccountToken, CohortRole, Parcours, User
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from .conftest import base_config
from .test_fuzz import FUZZ, error_log, field_values, report  # noqa: F401 - a fixture

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|name="csrf-token" content="([^"]+)"')


@pytest.fixture
def app_config(tmp_path, database_url):
    # what a hostile form does is checked here, not the login attempts' rate limit
    return base_config(tmp_path, database_url, RATELIMIT_ENABLED=False)


def csrf(client, path: str) -> str:
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    return next(group for group in match.groups() if group)


def logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def state(user_id: int) -> tuple:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    tokens = db.session.scalar(select(func.count()).select_from(AccountToken))
    return user.password_hash, user.active, tokens


def test_random_data_to_the_forms_of_someone_not_logged_in(app, make, outbox,
                                                           error_log):  # noqa: F811
    cohort = make.cohort()
    active = make.user("Awa", "Diallo")
    coordinator = make.user("Claire", "Coord", coordinator=True)
    invitee = ops.invite(coordinator, email="invitee@example.org", first_name="Inès",
                         last_name="Martin", cohort=cohort, role=CohortRole.TRAINEE,
                         parcours=Parcours.I)
    db.session.commit()
    real_invitation = re.search(r"/invitation/([\w-]+)", outbox[-1].body).group(1)
    forms = {
        "/login": ["email", "password", "remember", "next"],
        "/password/forgot": ["email"],
        "/password/reset/{token}": ["password", "confirm"],
        "/invitation/{token}": ["password", "confirm"],
    }
    examples = {"n": 0, "statuses": {}}

    @settings(FUZZ, max_examples=150)
    @given(data=st.data())
    def run(data):
        path = data.draw(st.sampled_from(sorted(forms)), label="form")
        token = data.draw(st.one_of(st.text(min_size=1, max_size=60).filter(
            lambda t: "/" not in t and t not in (".", "..")),
            st.sampled_from([real_invitation, "x" * 500])), label="token")
        url = path.format(token=token)
        client = app.test_client()
        fields = data.draw(st.dictionaries(
            st.sampled_from(forms[path]) | st.text(max_size=10), field_values,
            max_size=6), label="fields")
        page = "/login" if "{token}" in path else path
        genuine = csrf(client, page)
        fields["csrf_token"] = data.draw(st.sampled_from([genuine] * 4 + ["", "forged"]),
                                         label="csrf")
        before = state(invitee.id), state(active.id)
        response = client.post(url, data=fields)
        examples["n"] += 1
        status = response.status_code
        examples["statuses"][status] = examples["statuses"].get(status, 0) + 1
        assert status < 500, (url, fields)
        assert not error_log.records, [r.getMessage() for r in error_log.records]
        succeeded = status == 302 and response.location.endswith("/dashboard")
        if not succeeded:
            assert not logged_in(client), (url, fields)
            assert (state(invitee.id), state(active.id)) == before, (url, fields)

    run()
    report("anonymous form posts", examples["n"])
    print(f"  statuses: {sorted(examples['statuses'].items())}")
    assert examples["n"] >= 50
