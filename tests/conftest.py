"""Fixtures: an app per test on a clean database, on SQLite and (when configured) PostgreSQL.

Set ``COELAB_TEST_DATABASE_URL`` to a PostgreSQL URL to run every database test on
both backends; tests are then parametrised ``[sqlite]`` and ``[postgresql]``.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from coelab import create_app
from coelab.db import db
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("COELAB_TEST_DATABASE_URL", "")
if PG_URL.startswith("postgresql://"):
    PG_URL = "postgresql+psycopg://" + PG_URL.removeprefix("postgresql://")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_collection_modifyitems(config, items):
    """Tests marked ``one_backend`` check what does not depend on the database (the pages'
    layout and accessibility, the Markdown rendering, the whole XSS corpus through the
    templates): they run on the first backend only; crawling every page again on
    PostgreSQL would check the same output twice and cost minutes of CI."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("one_backend") and any(
                isinstance(value, str) and value in BACKENDS[1:] for value in params.values()):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# Each test run works in a PostgreSQL schema of its own, so that two runs on one machine
# (two developers, a developer and CI) never drop each other's tables.
PG_SCHEMA = f"coelab_test_{os.getpid()}"


def with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

PASSWORD = "correct horse battery"


def reset_pg_schema(url: str, schema: str = "public") -> None:
    """Drop everything in the schema, so that no earlier run leaves anything behind."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def drop_pg_schema(url: str, schema: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@contextmanager
def separate_database(backend: str, tmp_path, name: str) -> Iterator[str]:
    """A database of its own for a test that migrates or starts servers: a SQLite file,
    or a PostgreSQL schema (dropped afterwards) selected through ``search_path``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    reset_pg_schema(PG_URL, name)
    try:
        yield with_search_path(PG_URL, name)
    finally:
        drop_pg_schema(PG_URL, name)


@pytest.fixture(scope="session")
def _pg_schema_ready() -> Iterator[dict[str, bool]]:
    state = {"created": False}
    yield state
    if state["created"]:
        drop_pg_schema(PG_URL, PG_SCHEMA)


def base_config(tmp_path, database_url: str, **extra) -> dict:
    return {
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_BACKEND": "memory",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        "SERVER_NAME": None,
        **extra,
    }


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return with_search_path(PG_URL, PG_SCHEMA)


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """Overridable: a test module can add settings (extra plugins, limits...)."""
    return base_config(tmp_path, database_url)


@pytest.fixture
def app(app_config, backend, _pg_schema_ready) -> Iterator:
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if backend == "postgresql":
            if not _pg_schema_ready["created"]:
                db.session.remove()
                db.engine.dispose()
                reset_pg_schema(PG_URL, PG_SCHEMA)
                db.create_all()
                _pg_schema_ready["created"] = True
            else:
                db.create_all()  # a test may have added tables of its own plugin
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                db.session.commit()
        else:
            db.create_all()
        yield app
        # mail queued in the background (a password reset) runs before the tables go
        from coelab.mail import flush

        flush(app)
        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    The test itself holds an app context (for factories and queries); without this,
    Flask would reuse it for the requests, sharing ``g``, the locale cache and the
    database session between requests as never happens in production.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class Isolated:
    """Runs every method of the wrapped object in a fresh context (see IsolatedClient):
    for Flask-SocketIO's test client, whose events run synchronously in the test."""

    def __init__(self, factory, *args, **kwargs):
        self._target = contextvars.Context().run(factory, *args, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        return lambda *a, **kw: contextvars.Context().run(attr, *a, **kw)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    from coelab.mail import outbox

    return outbox()


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, path: str, data: dict | None = None, token_from: str | None = None, **kw):
    """POST a form the way a browser does: with the CSRF token of the session."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, token_from or "/login")
    return client.post(path, data=data, **kw)


def login(client, email: str, password: str = PASSWORD):
    response = post(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def socket_token(user_id: int, document_id: int) -> str:
    """A co-editing token as ``POST /documents/<id>/token`` gives, in a new server-side
    session of its own (the app context must be pushed)."""
    from coelab import sessions
    from coelab.documents.tokens import make_token
    from coelab.models import User

    row = sessions.start(db.session.get(User, user_id), remember=False,
                         user_agent="tests", ip_address="127.0.0.1")
    return make_token(user_id, document_id, row.id)


# --- factories ------------------------------------------------------------------------


class Factory:
    """Builds people and cohorts through the real operations."""

    def __init__(self) -> None:
        self._n = 0

    def user(self, first: str = "Alex", last: str | None = None, *, email: str | None = None,
             password: str = PASSWORD, coordinator: bool = False, admin: bool = False):
        from coelab import operations as ops

        self._n += 1
        last = last or f"Test{self._n}"
        email = email or f"{first.lower()}.{last.lower()}{self._n}@example.org"
        return ops.create_user(None, email=email, first_name=first, last_name=last,
                               password=password, is_coordinator=coordinator, is_admin=admin)

    def cohort(self, name: str = "Cohorte test", scope: str = "transversal"):
        from datetime import date

        from coelab import operations as ops
        from coelab.models import ModuleScope

        return ops.create_cohort(None, name=name, module_scope=ModuleScope(scope),
                                 start_date=date(2026, 11, 2), end_date=date(2027, 2, 26))

    def member(self, cohort, user, role: str = "trainee", parcours: str | None = None):
        from coelab import operations as ops
        from coelab.models import CohortRole, Parcours

        role = CohortRole(role)
        if role == CohortRole.TRAINEE and parcours is None:
            parcours = "I" if cohort.module_scope == "transversal" else "II"
        return ops.add_member(None, cohort, user, role, Parcours(parcours) if parcours else None)

    def team(self, cohort, name: str, users):
        from coelab import operations as ops

        team = ops.create_team(None, cohort, name)
        ops.set_team_members(None, team, list(users))
        return team


@pytest.fixture
def make(app) -> Factory:
    return Factory()


def page(response) -> str:
    """The response body as a person reads it (HTML entities decoded)."""
    import html

    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def prog(app, make):
    """The programme of tests/test_deliverables.py: cohorts of each module, trainees of
    each parcours, teams, trainers and the coordination."""
    from .test_deliverables import Programme

    with app.app_context():
        yield Programme(make)


@pytest.fixture
def case(prog):
    """A collective case study of the transversal cohort, started by its team."""
    from coelab.deliverables.operations import start_deliverable

    from .test_deliverables import _partner

    return start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())


# --- juries -----------------------------------------------------------------------------
# A panel is constituted as the programme asks before it schedules a soutenance, opens
# the examination of a written work or decides: its president, a trainer of the
# programme and a practising professional (docs/domain.md, "Review, soutenance and jury").


def programme_trainer(user) -> None:
    """Make ``user`` a trainer of the programme: a trainer of a cohort of their own, so
    that they gain no role in the cohort whose work they judge. Nothing when they train
    a cohort already."""
    from datetime import date

    from coelab import operations as ops
    from coelab.models import CohortRole, Membership, ModuleScope
    from sqlalchemy import select

    if db.session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.role == CohortRole.TRAINER)):
        return
    cohort = ops.create_cohort(None, name=f"Cohorte de {user.full_name}",
                               module_scope=ModuleScope.THEMATIC,
                               start_date=date(2026, 11, 2), end_date=date(2027, 1, 29))
    ops.add_member(None, cohort, user, CohortRole.TRAINER)


def practising_professional(coordinator, panel, *, email: str = "pro@asso.example",
                            first_name: str = "Rachid", last_name: str = "Amrani",
                            organisation: str = "ITEP (fictif)",
                            job_title: str = "Directeur adjoint", active: bool = True):
    """A practising professional invited onto the panel as the coordination does (their
    current role and organisation), active as if they had followed their invitation."""
    from coelab.jury import operations as jops
    from coelab.passwords import hash_password

    member = jops.invite_external(coordinator, panel, email=email, first_name=first_name,
                                  last_name=last_name, organisation=organisation,
                                  job_title=job_title)
    if active:
        member.user.active = True
        member.user.password_hash = hash_password(PASSWORD)
        db.session.commit()
    return member


def declared_panel(prog, deliverable, cohort=None, title: str = "Jury"):
    """The deliverable's panel as the programme composes it: ``prog.other_trainer`` (a
    trainer of the programme) presides, with a practising professional; both have
    declared themselves impartial. Returns (panel, president, professional)."""
    from coelab.jury import operations as jops
    from coelab.jury.models import PanelRole

    panel = jops.create_panel(prog.coordinator, cohort or prog.transversal, title)
    jops.assign(prog.coordinator, panel, deliverable)
    programme_trainer(prog.other_trainer)
    president = jops.add_member(prog.coordinator, panel, prog.other_trainer,
                                PanelRole.PRESIDENT)
    pro = practising_professional(prog.coordinator, panel)
    jops.declare(president, impartial=True)
    jops.declare(pro, impartial=True)
    return panel, president, pro
