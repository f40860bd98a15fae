"""What the cohort plugin's pages read once per request (docs/architecture.md, "Queries
per page"): a cohort's set-up (module, site, session), a trainee's enrolment and what a
parcours costs.

Several sections of one page ask for the same set-up or enrolment (the programme panel,
the enrolments table, the parcours of each trainee, the passeport). Each is kept, for
the rest of the request, in a table of its own (``coelab.api.read_once``: dropped on
any write, nothing kept outside a request), which a query reading many of them at once
fills (``cohort/results.py``: a trainee's memberships with their cohorts' set-ups, their
enrolments and their parcours' costs), so that a later question about one row asks
nothing. What is kept records absence too: a cohort without a set-up is not asked
again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from coelab.api import Cohort, Membership, db, read_once
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .models import CohortSetup, Enrolment, ParcoursDefinition

#: what a set-up's readers walk: loaded with it, in the same query
SETUP_LOADS = (joinedload(CohortSetup.module), joinedload(CohortSetup.site),
               joinedload(CohortSetup.session))
ENROLMENT_LOADS = (joinedload(Enrolment.thematic_module),)


def _table(name: str) -> dict:
    # one dict per request (a fresh, forgotten one outside a request or while the
    # session holds changes not yet written: then every question reads the database)
    return read_once(("cohort.reads", name), dict)


def keep_setups(found: Mapping[int, CohortSetup | None]) -> None:
    """Keep set-ups read with something else: ``{cohort id: set-up or None}``."""
    table = _table("setups")
    for cohort_id, setup in found.items():
        table.setdefault(cohort_id, setup)


def keep_enrolments(found: Mapping[int, Enrolment | None]) -> None:
    """Keep enrolments read with something else: ``{membership id: enrolment or None}``."""
    table = _table("enrolments")
    for membership_id, enrolment in found.items():
        table.setdefault(membership_id, enrolment)


def keep_costs(found: Mapping[str, int | None]) -> None:
    """Keep parcours' costs read with something else: ``{parcours code: what an
    employed trainee pays, or None without such a parcours}``."""
    table = _table("costs")
    for code, cents in found.items():
        table.setdefault(code, cents)


def _read(name: str, keys: Iterable, load: Callable[[list], dict]) -> tuple[list, dict]:
    """The keys asked (once each, in order) and the request's table ``name`` holding
    each of them: ``load(missing)`` reads, in one query, those not read yet ({key: row},
    a key without a row left out, then kept as None)."""
    wanted = list(dict.fromkeys(keys))
    table = _table(name)
    missing = [k for k in wanted if k not in table]
    if missing:
        found = load(missing)
        for key in missing:
            table[key] = found.get(key)
    return wanted, table


def costs_of(codes: Iterable[str]) -> dict[str, int]:
    """What an employed trainee pays on each of these parcours (euro cents), by code (a
    code the catalogue lacks is left out); what this request has not read yet in one
    query."""
    wanted, table = _read("costs", codes, lambda missing: dict(db.session.execute(
        select(ParcoursDefinition.code, ParcoursDefinition.remaining_cost_cents)
        .where(ParcoursDefinition.code.in_(missing))).all()))
    return {c: table[c] for c in wanted if table[c] is not None}


def setups_of(cohort_ids: Iterable[int]) -> dict[int, CohortSetup | None]:
    """The set-up of each cohort (None: set up without the catalogue), with its module,
    site and session; what this request has not read yet in one query."""
    wanted, table = _read("setups", cohort_ids, lambda missing: {
        s.cohort_id: s for s in db.session.scalars(
            select(CohortSetup).where(CohortSetup.cohort_id.in_(missing))
            .options(*SETUP_LOADS))})
    return {i: table[i] for i in wanted}


def setup_of(cohort: Cohort) -> CohortSetup | None:
    return setups_of([cohort.id])[cohort.id]


def enrolments_of(membership_ids: Iterable[int]) -> dict[int, Enrolment | None]:
    """The enrolment of each membership (None: none recorded), with its thematic module;
    what this request has not read yet in one query."""
    wanted, table = _read("enrolments", membership_ids, lambda missing: {
        e.membership_id: e for e in db.session.scalars(
            select(Enrolment).where(Enrolment.membership_id.in_(missing))
            .options(*ENROLMENT_LOADS))})
    return {i: table[i] for i in wanted}


def enrolment_of(membership: Membership) -> Enrolment | None:
    return enrolments_of([membership.id])[membership.id]
