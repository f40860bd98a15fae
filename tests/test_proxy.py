"""Behind nginx (deploy/nginx.conf) every request reaches the app from 127.0.0.1: with
``COELAB_PROXY_HOPS=1`` the app reads the client's address from X-Forwarded-For, so the
per-address log-in limit counts each person's address, not the whole site's; with the
default 0 a forged header changes nothing."""

from __future__ import annotations

import pytest
from coelab import create_app
from coelab.db import db

from .conftest import base_config, post


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    return base_config(tmp_path, database_url, PROXY_HOPS=1,
                       LOGIN_ADDRESS_RATE_LIMIT="3 per hour")


def attempt(client, address: str, n: int):
    return post(client, "/login", {"email": f"nobody{n}@example.org", "password": "wrong"},
                headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https",
                         # a browser's, which the CSRF check asks for over HTTPS
                         "Referer": "https://localhost/login"})


def test_behind_one_proxy_each_forwarded_address_has_its_own_limit(client):
    for n in range(3):
        assert attempt(client, "203.0.113.7", n).status_code == 200
    assert attempt(client, "203.0.113.7", 3).status_code == 429
    # another person, another address, through the same nginx
    assert attempt(client, "198.51.100.20", 4).status_code == 200


def test_without_a_proxy_a_forged_address_changes_nothing(app, tmp_path, database_url):
    # the same database (its tables made by the ``app`` fixture), the default setting
    plain = create_app(base_config(tmp_path, database_url,
                                   LOGIN_ADDRESS_RATE_LIMIT="3 per hour"))
    with plain.app_context():
        client = plain.test_client()
        statuses = [attempt(client, f"203.0.113.{n}", n).status_code for n in range(4)]
        db.session.remove()
    assert statuses == [200, 200, 200, 429]
