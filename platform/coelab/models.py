"""The core's tables: people, cohorts with their members and teams, account tokens, audit.

A cohort lives in the core, not in the ``cohort`` feature package, because the policy,
the deliverables, the co-editing rooms and the jury workflow of the core all need to
know who belongs to which group in which role. The ``cohort`` package adds what is
specific to the programme around it (modules, sessions, sites, gatherings, enrolments).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import UTCDateTime, db, str_enum, utcnow
from .programme import ModuleScope, Parcours


class CohortRole(enum.StrEnum):
    """A person's role inside one cohort."""

    TRAINEE = "trainee"
    TRAINER = "trainer"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # An invited person exists (so they can be put in a team) before they activate.
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Organisation the person comes from; external jurors are identified by it.
    organisation: Mapped[str | None] = mapped_column(String(200))
    # what they do today (a practising professional on a jury: "directrice d'EHPAD"…)
    job_title: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # set when an administrator deactivates the account (an invited account that never
    # activated has neither): it tells "désactivé" from "invitation en attente"
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: an invited account cannot log in
        return self.active

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the key of the
        server-side session this request runs in (coelab.sessions), never the bare user
        id, so that ending that session ends every cookie that carries it."""
        key = getattr(self, "session_key", None)
        if not key:
            raise RuntimeError("log people in through coelab.sessions.sign_in")
        return key

    # Flask-Login's mixin compares people through get_id, which is now a session key:
    # two objects are the same person when they have the same id
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Cohort(db.Model):
    """A group of trainees and trainers following one session of a module together."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    module_scope: Mapped[ModuleScope] = mapped_column(str_enum(ModuleScope, 20))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    teams: Mapped[list[Team]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="Team.name"
    )

    def members(self, role: CohortRole) -> list[User]:
        users = [m.user for m in self.memberships if m.role == role]
        return sorted(users, key=lambda u: (u.last_name.lower(), u.first_name.lower()))

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name}>"


class Membership(db.Model):
    """One person's role in one cohort; a trainee's membership carries their parcours."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[CohortRole] = mapped_column(str_enum(CohortRole, 20))
    parcours: Mapped[Parcours | None] = mapped_column(str_enum(Parcours, 5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Team(db.Model):
    """A team of trainees inside a cohort, the authors of collective deliverables."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("cohort_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="teams")
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    @property
    def users(self) -> list[User]:
        return sorted((m.user for m in self.members), key=lambda u: u.last_name.lower())


class TeamMember(db.Model):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


class AccountToken(db.Model):
    """A single-use, expiring link sent by email: an invitation or a password reset.

    Only a hash of the secret is stored, so a leaked database gives no usable link.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, 20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # where the person goes once their password is chosen (a path of the site; None:
    # their dashboard): a candidate who signed up goes on to their application
    next_path: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SessionEnd(enum.StrEnum):
    """Why a session ended (shown to nobody but kept for the audit and the tests)."""

    LOGOUT = "logout"
    ENDED_BY_USER = "ended_by_user"
    LOGOUT_EVERYWHERE = "logout_everywhere"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    PASSWORD_RESET = "password_reset"  # noqa: S105
    DEACTIVATED = "deactivated"
    EXPIRED = "expired"


class UserSession(db.Model):
    """One signed-in browser: what the session and "remember me" cookies stand for.

    The cookies carry a random key; only its hash is stored, so a leaked database opens
    no session. A session ends (``ended_at``) at logout, when its owner ends it from the
    profile, when the password changes or is reset, when the account is deactivated, or
    when it has been idle or alive too long (see coelab.sessions).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[SessionEnd | None] = mapped_column(str_enum(SessionEnd, 20))

    user: Mapped[User] = relationship()

    @property
    def open(self) -> bool:
        return self.ended_at is None


class AuditEvent(db.Model):
    """Who changed what, when, with the state before and after (programme traceability)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int] = mapped_column()
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()
