"""The core's rules on people and cohorts, given to the policy engine through the
plugin contract (:meth:`coelab.core_plugin.CorePlugin.policy_rules`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from .db import db
from .models import Cohort, Membership, User
from .policy import (
    Rule,
    admin,
    authenticated,
    is_staff,
    member_or_staff,
    self_or_staff,
    staff,
    team_cohort_visible,
)

RULES: dict[str, Rule] = {
    "dashboard.view": authenticated,
    "profile.edit": self_or_staff,
    "cohort.create": staff,
    "cohort.view": member_or_staff,
    "cohort.manage": lambda user, cohort: is_staff(user),
    "cohort.view_audit": lambda user, cohort: is_staff(user),
    "team.view": team_cohort_visible,
    "team.manage": lambda user, team: is_staff(user),
    "audit.view": staff,
    "users.list": staff,
    "users.admin": admin,
}


def visible_cohorts(user: Any) -> list[Cohort]:
    """The cohorts ``cohort.view`` shows this user (staff: every cohort; anyone else:
    those they belong to), most recent first, in one query rather than one rule call
    per cohort."""
    query = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.name)
    if is_staff(user):
        return list(db.session.scalars(query))
    rows = db.session.execute(query.add_columns(Membership).join(Membership).where(
        Membership.user_id == user.id)).all()
    # the person's memberships come with their cohorts: the policy's facts and the
    # header's links read them next (User.memberships), without a query of their own
    person = user._get_current_object() if hasattr(user, "_get_current_object") else user
    if isinstance(person, User) and "memberships" in inspect(person).unloaded:
        set_committed_value(person, "memberships",
                            sorted((m for _c, m in rows), key=lambda m: m.id))
    return [c for c, _m in rows]
