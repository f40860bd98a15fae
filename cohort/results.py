"""A trainee's parcours result: where each required deliverable stands, and whether the
parcours is validated (docs/domain.md, "Parcours result and eligibility").

What a trainee owes comes from their trainee memberships, as for
``obligations_of`` (platform/coelab/deliverables/operations.py): in each cohort, every
kind of deliverable their parcours requires there (a parcours III trainee owes the
transversal cohort's case study and the thematic cohort's three pieces of work). A
kind not started yet is pending. What the jury decided counts only once the
coordination has released it: a decision still within the panel is pending for the
trainee.

``parcours_results`` answers for every trainee of a cohort at once, with a number of
queries that does not grow with the number of trainees (the enrolments table).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from coelab.api import (
    AuthorshipMode,
    Cohort,
    CohortRole,
    Deliverable,
    DeliverableKind,
    JuryDecision,
    Membership,
    ModuleScope,
    Parcours,
    Team,
    User,
    db,
    outcome_for,
    registry,
)
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager

from .models import CohortSetup, Enrolment, ParcoursDefinition
from .reads import (
    ENROLMENT_LOADS,
    SETUP_LOADS,
    keep_costs,
    keep_enrolments,
    keep_setups,
)

PENDING = "pending"
VALIDATED = "validated"
NOT_VALIDATED = "not_validated"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class DeliverableResult:
    """One deliverable a trainee owes, and what became of it for them."""

    cohort: Cohort
    kind: DeliverableKind
    deliverable: Deliverable | None
    state: str  # "not_started" or the deliverable's state
    decision: JuryDecision | None  # the latest *released* decision, None before
    outcome: str  # "pending" | "validated" | "not_validated", for this author
    resubmission_allowed: bool  # the released decision does not validate them, and
    # allows a new submission


@dataclass(frozen=True)
class ParcoursResult:
    """A trainee's whole parcours: their trainee memberships (two for parcours III),
    each deliverable they owe, and the parcours' status."""

    user: User
    parcours: Parcours | None
    memberships: list[Membership]
    items: list[DeliverableResult]
    status: str  # "in_progress" | "validated" | "not_validated"
    resubmission_possible: bool  # not validated, and every failed item allows it
    problems: list[str]  # what is wrong with the enrolment, in plain French

    @property
    def complete(self) -> bool:
        """Whether the enrolment is as the parcours needs it (no problem)."""
        return not self.problems


def parcours_result(user: User) -> ParcoursResult:
    """The parcours result of one trainee (a person who is no trainee: in progress,
    nothing owed)."""
    return _results([user])[user.id]


def parcours_results(cohort: Cohort, users: Iterable[User] | None = None
                     ) -> dict[int, ParcoursResult]:
    """The parcours result of every trainee of ``cohort``, by user id; their other
    cohorts (parcours III) count too. ``users``: the cohort's trainees, when the page
    has read them already."""
    if users is None:
        users = db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id).where(
                Membership.cohort_id == cohort.id, Membership.role == CohortRole.TRAINEE))
    return _results(users)


def parcours_of(user: User) -> Parcours | None:
    """The parcours a trainee follows: the one on their trainee memberships (None when
    they are no trainee, or when their memberships disagree)."""
    found = set(db.session.scalars(select(Membership.parcours).where(
        Membership.user_id == user.id, Membership.role == CohortRole.TRAINEE,
        Membership.parcours.is_not(None))))
    return Parcours(next(iter(found))) if len(found) == 1 else None


def scope_label(scope: ModuleScope | str) -> str:
    """The kind of a module in words: "transversal" or "thématique"."""
    return _("transversal") if scope == ModuleScope.TRANSVERSAL else _("thématique")


# --- the computation ---------------------------------------------------------------------


def _results(users: Iterable[User]) -> dict[int, ParcoursResult]:
    users = list(users)
    ids = [u.id for u in users]
    memberships, team_of = _memberships(ids)
    cohort_ids = sorted({m.cohort_id for m in memberships})
    # each deliverable of their cohorts with its released decisions, the latest round
    # last (one row per decision, or one without)
    deliverables: list[Deliverable] = []
    released: dict[int, JuryDecision] = {}
    if cohort_ids:
        for deliverable, decision in db.session.execute(
                select(Deliverable, JuryDecision)
                .outerjoin(JuryDecision, and_(JuryDecision.deliverable_id == Deliverable.id,
                                              JuryDecision.released_at.is_not(None)))
                .where(Deliverable.cohort_id.in_(cohort_ids))
                .order_by(Deliverable.id, JuryDecision.round, JuryDecision.id)):
            if not deliverables or deliverables[-1] is not deliverable:
                deliverables.append(deliverable)
            if decision is not None:
                released[deliverable.id] = decision  # the latest round wins
    by_place: dict[tuple[int, str], list[Deliverable]] = {}
    for d in deliverables:
        by_place.setdefault((d.cohort_id, d.kind), []).append(d)
    mine: dict[int, list[Membership]] = {}
    for m in memberships:
        mine.setdefault(m.user_id, []).append(m)
    kinds = registry()
    out = {}
    for user in users:
        own = mine.get(user.id, [])
        items = []
        for m in own:
            if m.parcours is None:
                continue
            for kind in kinds.kinds_for(m.cohort):
                if not kind.required_of(m.cohort, m.parcours.value):
                    continue
                deliverable = _theirs(by_place.get((m.cohort_id, kind.name), []), user,
                                      team_of.get((user.id, m.cohort_id)))
                items.append(_item(m.cohort, kind, deliverable, user,
                                   released.get(deliverable.id) if deliverable else None))
        parcours, problems = _enrolment(own)
        out[user.id] = _result(user, parcours, own, items, problems)
    return out


def _memberships(ids: list[int]) -> tuple[list[Membership], dict[tuple[int, int], int]]:
    """The trainee memberships of these people with their cohorts, in one query: with
    each the person's team in that cohort (a trainee is in one team per cohort,
    platform/coelab/operations.py set_team_members), and the cohort's set-up, the
    membership's enrolment and its parcours' cost, which the pages showing a result
    show too (kept for the request, cohort/reads.py)."""
    if not ids:
        return [], {}
    team = (select(Team.id).where(Team.cohort_id == Membership.cohort_id,
                                  Team.members.any(user_id=Membership.user_id))
            .order_by(Team.id).limit(1).correlate(Membership).scalar_subquery())
    rows = db.session.execute(
        select(Membership, team, CohortSetup, Enrolment, ParcoursDefinition.remaining_cost_cents)
        .join(Membership.cohort)
        .outerjoin(CohortSetup, CohortSetup.cohort_id == Membership.cohort_id)
        .outerjoin(Enrolment, Enrolment.membership_id == Membership.id)
        .outerjoin(ParcoursDefinition, ParcoursDefinition.code == Membership.parcours)
        .options(contains_eager(Membership.cohort), *SETUP_LOADS, *ENROLMENT_LOADS)
        .where(Membership.user_id.in_(ids), Membership.role == CohortRole.TRAINEE)
        .order_by(Cohort.start_date, Cohort.name, Cohort.id)).all()
    keep_setups({row[0].cohort_id: row[2] for row in rows})
    keep_enrolments({row[0].id: row[3] for row in rows})
    keep_costs({row[0].parcours.value: row[4] for row in rows if row[0].parcours is not None})
    team_of = {(row[0].user_id, row[0].cohort_id): row[1] for row in rows
               if row[1] is not None}
    return [row[0] for row in rows], team_of


def _theirs(candidates: list[Deliverable], user: User, team_id: int | None
            ) -> Deliverable | None:
    """The trainee's deliverable among those of one kind in one cohort: theirs, their
    team's or the cohort's (a kind's authorship cannot change once one is started,
    ``set_schedule``, so its deliverables are all written the same way)."""
    for d in candidates:
        if d.authorship == AuthorshipMode.COHORT:
            return d
        if d.authorship == AuthorshipMode.INDIVIDUAL and d.owner_id == user.id:
            return d
        if (d.authorship == AuthorshipMode.TEAM and team_id is not None
                and d.team_id == team_id):
            return d
    return None


def _item(cohort: Cohort, kind: DeliverableKind, deliverable: Deliverable | None,
          user: User, decision: JuryDecision | None) -> DeliverableResult:
    state = deliverable.state.value if deliverable is not None else NOT_STARTED
    outcome = PENDING
    # a released decision stands while the work stays released; once reopened for a
    # new submission (or decided anew, not yet released) it is pending again
    if decision is not None and state == "released":
        outcome = VALIDATED if outcome_for(decision, user.id) else NOT_VALIDATED
    resubmission = bool(decision is not None and decision.resubmission_allowed
                        and not outcome_for(decision, user.id))
    return DeliverableResult(cohort, kind, deliverable, state, decision, outcome,
                             resubmission)


def _enrolment(memberships: list[Membership]) -> tuple[Parcours | None, list[str]]:
    """The trainee's parcours and what is wrong with their enrolment."""
    problems: list[str] = []
    found = {m.parcours for m in memberships if m.parcours is not None}
    parcours = next(iter(found)) if len(found) == 1 else None
    if len(found) > 1:
        # each cohort's part built first: Babel does not extract a call nested in
        # another's arguments
        detail = "; ".join(_("%(cohort)s : parcours %(p)s", cohort=m.cohort.name,
                             p=m.parcours.value)
                           for m in memberships if m.parcours is not None)
        problems.append(_(
            "Inscription à vérifier : le parcours n'est pas le même dans chaque cohorte "
            "(%(detail)s).", detail=detail))
    scopes = Counter(m.cohort.module_scope for m in memberships)
    if parcours == Parcours.III:
        for scope in (ModuleScope.TRANSVERSAL, ModuleScope.THEMATIC):
            if not scopes[scope]:
                problems.append(_(
                    "Inscription incomplète : le parcours III se suit dans une cohorte du "
                    "module transversal et dans une cohorte d'un module thématique ; il "
                    "manque la cohorte du module %(kind)s.", kind=scope_label(scope)))
    for scope, count in sorted(scopes.items()):
        if count > 1:
            problems.append(_(
                "Inscription à vérifier : inscrit·e dans plusieurs cohortes du module "
                "%(kind)s (%(cohorts)s).", kind=scope_label(scope),
                cohorts=", ".join(m.cohort.name for m in memberships
                                  if m.cohort.module_scope == scope)))
    return parcours, problems


def _result(user: User, parcours: Parcours | None, memberships: list[Membership],
            items: list[DeliverableResult], problems: list[str]) -> ParcoursResult:
    failed = [i for i in items if i.outcome == NOT_VALIDATED]
    if failed:
        status = NOT_VALIDATED
    elif items and not problems and all(i.outcome == VALIDATED for i in items):
        status = VALIDATED
    else:
        status = IN_PROGRESS
    possible = bool(failed) and all(i.resubmission_allowed for i in failed)
    return ParcoursResult(user, parcours, memberships, items, status, possible, problems)
