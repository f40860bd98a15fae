"""The core's rules on people and cohorts, given to the policy engine through the
plugin contract (:meth:`coelab.core_plugin.CorePlugin.policy_rules`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .db import db
from .models import Cohort, Membership
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
    if not is_staff(user):
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(db.session.scalars(query))
