"""The core's operations: the only code that changes the core's tables.

Each public function validates, writes inside one :func:`coelab.db.transaction`,
records an audit event and sends its signals. Operations never read ``request``:
the view passes the acting user and the values it parsed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from . import sessions, signals
from .audit import record, snapshot
from .db import db, transaction, utcnow
from .documents.models import Document
from .mail import send_later, send_mail
from .models import (
    AccountToken,
    Cohort,
    CohortRole,
    Membership,
    ModuleScope,
    Parcours,
    SessionEnd,
    Team,
    TeamMember,
    TokenPurpose,
    User,
)
from .passwords import burn_time, hash_password, verify_password


class OperationError(Exception):
    """A change that cannot be made; the message is for the user (already translated)."""


class TokenError(OperationError):
    """An invitation or reset link that cannot be used."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason  # "unknown", "expired" or "used"


USER_FIELDS = ("email", "first_name", "last_name", "organisation", "locale", "active")


# --- people -----------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    address = normalise_email(email)
    if "\x00" in address or len(address) > 254:
        return None  # no account has such an address (and PostgreSQL refuses NUL bytes)
    return db.session.scalar(select(User).where(User.email == address))


def check_password_strength(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise OperationError(
            _("Le mot de passe doit contenir au moins %(n)d caractères.", n=minimum)
        )
    if password.strip() == "" or len(set(password)) < 4:
        raise OperationError(_("Ce mot de passe est trop simple ; choisissez-en un autre."))


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta, actor: Any,
                 next_path: str | None = None) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            token_hash=_hash_token(raw),
            purpose=purpose,
            user=user,
            created_by_id=getattr(actor, "id", None),
            expires_at=utcnow() + lifetime,
            next_path=next_path,
        )
    )
    return raw


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail; works inside a request or from the command line."""
    path = current_app.url_map.bind("coelab.invalid").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def create_user(
    actor: Any,
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None = None,
    organisation: str | None = None,
    is_coordinator: bool = False,
    is_admin: bool = False,
) -> User:
    """An account; active at once when a password is given (seeding), else invited."""
    email = normalise_email(email)
    if not first_name.strip() or not last_name.strip():
        raise OperationError(_("Le prénom et le nom sont obligatoires."))
    with transaction():
        if find_user_by_email(email) is not None:
            raise OperationError(_("Un compte existe déjà pour l'adresse %(email)s.", email=email))
        user = User(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            organisation=(organisation or "").strip() or None,
            is_coordinator=is_coordinator,
            is_admin=is_admin,
            active=password is not None,
        )
        if password is not None:
            check_password_strength(password)
            user.password_hash = hash_password(password)
            user.activated_at = utcnow()
        db.session.add(user)
        db.session.flush()
        record(
            "user.created",
            user,
            actor=actor,
            after=snapshot(user, *USER_FIELDS, "is_coordinator", "is_admin"),
        )
    return user


def invite(
    actor: User,
    *,
    email: str,
    first_name: str,
    last_name: str,
    cohort: Cohort | None = None,
    role: CohortRole | None = None,
    parcours: Parcours | None = None,
    organisation: str | None = None,
    is_coordinator: bool = False,
) -> User:
    """Invite a person: create (or find) their account, add them to the cohort, mail a link.

    A person who already has an active account is simply added to the cohort. One who
    was invited before and never activated gets a fresh link; the old ones stop working.
    """
    if (cohort is None) != (role is None):
        raise OperationError(_("Une invitation dans une cohorte précise le rôle."))
    with transaction():
        user = find_user_by_email(email)
        if user is None:
            user = create_user(
                actor,
                email=email,
                first_name=first_name,
                last_name=last_name,
                organisation=organisation,
                is_coordinator=is_coordinator,
            )
        elif user.deactivated_at is not None:
            # an invitation would let the person reactivate the account themselves
            raise OperationError(_(
                "Le compte de %(name)s est désactivé : un·e administrateur·rice doit le "
                "réactiver depuis la page Personnes.", name=user.full_name))
        elif is_coordinator and not user.is_coordinator:
            set_programme_roles(actor, user, coordinator=True, admin=user.is_admin)
        if cohort is not None and role is not None:
            existing = db.session.scalar(
                select(Membership).where(
                    Membership.cohort_id == cohort.id, Membership.user_id == user.id
                )
            )
            if existing is not None:
                raise OperationError(
                    _("%(name)s fait déjà partie de cette cohorte.", name=user.full_name)
                )
            add_member(actor, cohort, user, role, parcours)
        raw = None
        if not user.active:
            now = utcnow()
            for token in db.session.scalars(
                select(AccountToken).where(
                    AccountToken.user_id == user.id,
                    AccountToken.purpose == TokenPurpose.INVITATION,
                    AccountToken.used_at.is_(None),
                )
            ):
                token.expires_at = min(token.expires_at, now)
            days = current_app.config["INVITATION_DAYS"]
            raw = _issue_token(user, TokenPurpose.INVITATION, timedelta(days=days), actor)
            record("user.invited", user, actor=actor, after={"expires_in_days": days},
                   cohort_id=cohort.id if cohort else None)
    with force_locale(user.locale or "fr"):
        if raw is not None:
            link = external_url("auth.accept_invitation", token=raw)
            where = _(" dans la cohorte « %(c)s »", c=cohort.name) if cohort else ""
            send_mail(
                user.email,
                _("Votre invitation sur Coélab"),
                _(
                    "Bonjour %(name)s,\n\n%(actor)s vous invite à rejoindre Coélab%(where)s.\n"
                    "Pour activer votre compte, choisissez votre mot de passe ici :\n%(link)s\n\n"
                    "Ce lien ne fonctionne qu'une fois et expire dans %(days)d jours.\n",
                    name=user.full_name,
                    actor=actor.full_name,
                    where=where,
                    link=link,
                    days=current_app.config["INVITATION_DAYS"],
                ),
            )
        elif cohort is not None:
            send_mail(
                user.email,
                _("Vous avez rejoint une cohorte sur Coélab"),
                _(
                    "Bonjour %(name)s,\n\n%(actor)s vous a ajouté·e à la cohorte « %(c)s ».\n"
                    "Retrouvez-la sur votre tableau de bord : %(link)s\n",
                    name=user.full_name,
                    actor=actor.full_name,
                    c=cohort.name,
                    link=external_url("core.dashboard"),
                ),
            )
    return user


def _usable_token(raw: str, purpose: TokenPurpose) -> AccountToken:
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash_token(raw), AccountToken.purpose == purpose
        )
    )
    if token is None:
        raise TokenError(_("Ce lien n'est pas valide."), "unknown")
    if token.used_at is not None:
        raise TokenError(_("Ce lien a déjà été utilisé."), "used")
    if token.expires_at <= utcnow():
        raise TokenError(_("Ce lien a expiré. Demandez-en un nouveau."), "expired")
    return token


def check_token(raw: str, purpose: TokenPurpose) -> User:
    """The person a link is for, or :class:`TokenError` (for showing the form)."""
    return _usable_token(raw, purpose).user


def token_next_path(raw: str, purpose: TokenPurpose) -> str | None:
    """Where the link's person goes once their password is chosen (None: anywhere)."""
    return _usable_token(raw, purpose).next_path


def _spend_token(raw: str, purpose: TokenPurpose) -> AccountToken:
    """Mark the token used, atomically: of two concurrent uses only one succeeds."""
    token = _usable_token(raw, purpose)
    now = utcnow()
    result = db.session.execute(
        AccountToken.__table__.update()
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        raise TokenError(_("Ce lien a déjà été utilisé."), "used")
    db.session.refresh(token)
    return token


def accept_invitation(raw: str, password: str) -> User:
    """Activate an invited account by setting its password; the link then stops working."""
    with transaction():
        token = _spend_token(raw, TokenPurpose.INVITATION)
        check_password_strength(password)
        user = token.user
        user.password_hash = hash_password(password)
        user.active = True
        user.activated_at = utcnow()
        record("user.activated", user, actor=user, before={"active": False},
               after={"active": True})
        signals.send(signals.user_activated, user=user)
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; say nothing otherwise.

    The caller's time must not tell whether the address has an account: it only queues
    the same job for every address (:func:`coelab.mail.send_later`); after the request,
    the job looks the account up, issues the link and mails it."""

    address = normalise_email(email)

    def issue_and_mail() -> None:
        if "\x00" in address:  # no account has it (and PostgreSQL refuses to compare it)
            return
        user = find_user_by_email(address)
        if user is None or not user.active:
            return
        hours = current_app.config["PASSWORD_RESET_HOURS"]
        with transaction():
            raw = _issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(hours=hours),
                               None)
            record("user.password_reset_requested", user, actor=None)
        with force_locale(user.locale or "fr"):
            send_mail(
                user.email,
                _("Réinitialisation de votre mot de passe Coélab"),
                _(
                    "Bonjour %(name)s,\n\nPour choisir un nouveau mot de passe, ouvrez ce "
                    "lien :\n%(link)s\n\nIl ne fonctionne qu'une fois et expire dans "
                    "%(hours)d heures.\nSi vous n'avez rien demandé, ignorez ce message : "
                    "votre mot de passe reste inchangé.\n",
                    name=user.full_name,
                    link=external_url("auth.reset_password", token=raw),
                    hours=hours,
                ),
            )

    send_later(issue_and_mail, about=f"the password reset mail to {address!r}")


def request_sign_up(email: str, first_name: str, last_name: str, *, reason: str,
                    next_path: str) -> None:
    """Someone opens an account themselves (a candidate to the programme): mail them a
    link to confirm their address and choose a password, the invitation's machinery.

    As for a password reset, the request's answer and duration say nothing of whether
    the address has an account (:func:`coelab.mail.send_later`). After the request, the
    job creates the inactive account and mails the link; an account invited before and
    never activated gets a fresh link (the old ones stop working); the owner of an
    active account is told to log in (``next_path``: where to go then); a deactivated
    account gets nothing. ``reason`` (translated) says in the mail why they sign up.
    """
    address = normalise_email(email)
    first_name, last_name = first_name.strip(), last_name.strip()

    def create_and_mail() -> None:
        if "\x00" in address or len(address) > 254:
            return
        user = find_user_by_email(address)
        if user is not None and user.deactivated_at is not None:
            return
        if user is not None and user.active:
            with force_locale(user.locale or "fr"):
                login = external_url("auth.login", next=next_path)
                send_mail(user.email, _("Votre compte Coélab"), _(
                    "Bonjour %(name)s,\n\nQuelqu'un, sans doute vous, a demandé à créer un "
                    "compte Coélab avec cette adresse %(reason)s. Vous avez déjà un compte : "
                    "connectez-vous ici pour continuer :\n%(link)s\n\nMot de passe oublié ? "
                    "La page de connexion permet d'en choisir un nouveau. Si vous n'avez "
                    "rien demandé, ignorez ce message.\n",
                    name=user.full_name, reason=reason, link=login))
            return
        with transaction():
            if user is None:
                try:
                    user = create_user(None, email=address, first_name=first_name,
                                       last_name=last_name)
                except (OperationError, IntegrityError):
                    return  # created meanwhile by a twin request, which mails the link
            now = utcnow()
            for token in db.session.scalars(select(AccountToken).where(
                    AccountToken.user_id == user.id,
                    AccountToken.purpose == TokenPurpose.INVITATION,
                    AccountToken.used_at.is_(None))):
                token.expires_at = min(token.expires_at, now)
            days = current_app.config["INVITATION_DAYS"]
            raw = _issue_token(user, TokenPurpose.INVITATION, timedelta(days=days), None,
                               next_path=next_path[:300])
            record("user.signed_up", user, actor=None, after={"expires_in_days": days})
        with force_locale(user.locale or "fr"):
            send_mail(user.email, _("Confirmez votre adresse sur Coélab"), _(
                "Bonjour %(name)s,\n\nVous avez demandé à créer un compte Coélab "
                "%(reason)s. Pour confirmer votre adresse et choisir votre mot de passe, "
                "ouvrez ce lien :\n%(link)s\n\nCe lien ne fonctionne qu'une fois et expire "
                "dans %(days)d jours. Si vous n'avez rien demandé, ignorez ce message : "
                "aucun compte ne sera activé.\n",
                name=user.full_name, reason=reason,
                link=external_url("auth.accept_invitation", token=raw), days=days))

    send_later(create_and_mail, about=f"the sign-up mail to {address!r}")


def reset_password(raw: str, password: str) -> User:
    with transaction():
        token = _spend_token(raw, TokenPurpose.PASSWORD_RESET)
        check_password_strength(password)
        user = token.user
        user.password_hash = hash_password(password)
        # every other pending reset link for this account stops working too
        for other in db.session.scalars(
            select(AccountToken).where(
                AccountToken.user_id == user.id,
                AccountToken.purpose == TokenPurpose.PASSWORD_RESET,
                AccountToken.used_at.is_(None),
            )
        ):
            other.used_at = utcnow()
        # whoever had the account's sessions (perhaps the reason for the reset) is out
        sessions.end_all(user, SessionEnd.PASSWORD_RESET)
        record("user.password_reset", user, actor=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or None."""

    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise OperationError(_("Le mot de passe actuel est incorrect."))
    with transaction():
        check_password_strength(new)
        user.password_hash = hash_password(new)
        # every session ends, this browser's too: the view signs it in again afresh
        sessions.end_all(user, SessionEnd.PASSWORD_CHANGED)
        record("user.password_changed", user, actor=user)


def set_account_active(actor: User, user: User, active: bool) -> None:
    """Deactivate an account (it can no longer sign in, every session ends, pending
    invitation and reset links stop working) or reactivate a deactivated one."""
    with transaction():
        if user.id == actor.id:
            raise OperationError(_("Vous ne pouvez pas désactiver votre propre compte."))
        if active:
            if user.deactivated_at is None:
                raise OperationError(_("Ce compte n'est pas désactivé."))
            user.active = True
            user.deactivated_at = None
            record("user.reactivated", user, actor=actor, before={"active": False},
                   after={"active": True})
            return
        if user.deactivated_at is not None:
            return  # already done (a second click, two administrators)
        if user.is_admin:
            admins = db.session.scalar(select(func.count()).where(
                User.is_admin.is_(True), User.active.is_(True)))
            if admins <= 1:
                raise OperationError(_("Il doit rester au moins un administrateur."))
        before = {"active": user.active}
        user.active = False
        user.deactivated_at = utcnow()
        for token in db.session.scalars(select(AccountToken).where(
                AccountToken.user_id == user.id, AccountToken.used_at.is_(None))):
            token.used_at = utcnow()
        sessions.end_all(user, SessionEnd.DEACTIVATED)
        record("user.deactivated", user, actor=actor, before=before,
               after={"active": False})


def update_profile(
    actor: User,
    user: User,
    *,
    first_name: str,
    last_name: str,
    organisation: str | None,
    locale: str | None,
    job_title: str | None = None,
) -> None:
    """The person's own details; ``job_title`` (their current role: what makes a
    practising professional on a jury count as such) is left as it is when None."""
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise OperationError(_("Langue inconnue."))
    if not first_name.strip() or not last_name.strip():
        raise OperationError(_("Le prénom et le nom sont obligatoires."))
    with transaction():
        before = snapshot(user, *USER_FIELDS)
        user.first_name = first_name.strip()
        user.last_name = last_name.strip()
        user.organisation = (organisation or "").strip() or None
        user.locale = locale or None
        if job_title is not None:
            before["job_title"] = user.job_title
            user.job_title = job_title.strip()[:200] or None
        record("user.profile_updated", user, actor=actor, before=before,
               after={**snapshot(user, *USER_FIELDS), "job_title": user.job_title})


def set_programme_roles(actor: User, user: User, *, coordinator: bool, admin: bool) -> None:
    """Grant or withdraw the programme-wide roles; the last admin cannot be removed."""
    with transaction():
        if user.is_admin and not admin:
            admins = db.session.scalar(select(func.count()).where(User.is_admin.is_(True)))
            if admins <= 1:
                raise OperationError(_("Il doit rester au moins un administrateur."))
        before = snapshot(user, "is_coordinator", "is_admin")
        user.is_coordinator = coordinator
        user.is_admin = admin
        record("user.roles_changed", user, actor=actor, before=before,
               after=snapshot(user, "is_coordinator", "is_admin"))


# --- cohorts, members, teams ----------------------------------------------------------

COHORT_FIELDS = ("name", "module_scope", "start_date", "end_date")


def _check_dates(start: date, end: date) -> None:
    if end < start:
        raise OperationError(_("La date de fin précède la date de début."))


def create_cohort(
    actor: User, *, name: str, module_scope: ModuleScope, start_date: date, end_date: date
) -> Cohort:
    if not name.strip():
        raise OperationError(_("Le nom de la cohorte est obligatoire."))
    _check_dates(start_date, end_date)
    with transaction():
        cohort = Cohort(
            name=name.strip(),
            module_scope=ModuleScope(module_scope),
            start_date=start_date,
            end_date=end_date,
        )
        db.session.add(cohort)
        db.session.flush()
        record("cohort.created", cohort, actor=actor, cohort_id=cohort.id,
               after=snapshot(cohort, *COHORT_FIELDS))
        signals.send(signals.cohort_created, cohort=cohort, actor=actor)
    return cohort


def update_cohort(
    actor: User, cohort: Cohort, *, name: str, start_date: date, end_date: date
) -> None:
    if not name.strip():
        raise OperationError(_("Le nom de la cohorte est obligatoire."))
    _check_dates(start_date, end_date)
    with transaction():
        before = snapshot(cohort, *COHORT_FIELDS)
        cohort.name = name.strip()
        cohort.start_date = start_date
        cohort.end_date = end_date
        record("cohort.updated", cohort, actor=actor, cohort_id=cohort.id, before=before,
               after=snapshot(cohort, *COHORT_FIELDS))


def add_member(
    actor: Any,
    cohort: Cohort,
    user: User,
    role: CohortRole,
    parcours: Parcours | None = None,
) -> Membership:
    role = CohortRole(role)
    if role == CohortRole.TRAINEE and parcours is None:
        raise OperationError(_("Le parcours d'un·e stagiaire est obligatoire."))
    if role != CohortRole.TRAINEE:
        parcours = None
    else:
        _check_parcours(cohort, Parcours(parcours))
    # written now: after a failed flush the session can load nothing more
    refusal = _("%(name)s fait déjà partie de la cohorte « %(cohort)s ».",
                name=user.full_name, cohort=cohort.name)
    with transaction():
        membership = Membership(cohort=cohort, user=user, role=role,
                                parcours=Parcours(parcours) if parcours else None)
        db.session.add(membership)
        try:
            db.session.flush()
        except IntegrityError:
            # added by someone else at the same moment: the whole operation is undone
            raise OperationError(refusal) from None
        record("membership.added", membership, actor=actor, cohort_id=cohort.id,
               after={"user": user.email, "role": role, "parcours": parcours})
        signals.send(signals.membership_added, membership=membership, actor=actor)
    return membership


def _check_parcours(cohort: Cohort, parcours: Parcours) -> None:
    if not parcours.follows(cohort.module_scope):
        if cohort.module_scope == ModuleScope.TRANSVERSAL:
            msg = _("Une cohorte du module transversal accueille les parcours I et III.")
        else:
            msg = _("Une cohorte de module thématique accueille les parcours II et III.")
        raise OperationError(msg)


def set_parcours(actor: User, membership: Membership, parcours: Parcours) -> None:
    if membership.role != CohortRole.TRAINEE:
        raise OperationError(_("Seul·e un·e stagiaire suit un parcours."))
    _check_parcours(membership.cohort, Parcours(parcours))
    if membership.parcours == parcours:
        return
    with transaction():
        before = {"parcours": membership.parcours}
        membership.parcours = Parcours(parcours)
        record("membership.parcours_changed", membership, actor=actor,
               cohort_id=membership.cohort_id, before=before,
               after={"parcours": membership.parcours})


def remove_member(actor: User, membership: Membership) -> None:
    with transaction():
        signals.send(signals.membership_removed, membership=membership, actor=actor)
        cohort_id = membership.cohort_id
        for tm in db.session.scalars(
            select(TeamMember)
            .join(Team)
            .where(Team.cohort_id == cohort_id, TeamMember.user_id == membership.user_id)
        ):
            db.session.delete(tm)
        record("membership.removed", membership, actor=actor, cohort_id=cohort_id,
               before={"user": membership.user.email, "role": membership.role,
                       "parcours": membership.parcours})
        db.session.delete(membership)


def create_team(actor: User, cohort: Cohort, name: str) -> Team:
    name = name.strip()
    if not name:
        raise OperationError(_("Le nom de l'équipe est obligatoire."))
    with transaction():
        if any(t.name.lower() == name.lower() for t in cohort.teams):
            raise OperationError(_("Une équipe porte déjà ce nom dans la cohorte."))
        team = Team(cohort=cohort, name=name)
        db.session.add(team)
        db.session.flush()
        record("team.created", team, actor=actor, cohort_id=cohort.id, after={"name": name})
    return team


def rename_team(actor: User, team: Team, name: str) -> None:
    name = name.strip()
    if not name:
        raise OperationError(_("Le nom de l'équipe est obligatoire."))
    with transaction():
        if any(t.id != team.id and t.name.lower() == name.lower() for t in team.cohort.teams):
            raise OperationError(_("Une équipe porte déjà ce nom dans la cohorte."))
        before = {"name": team.name}
        team.name = name
        record("team.renamed", team, actor=actor, cohort_id=team.cohort_id, before=before,
               after={"name": name})


def delete_team(actor: User, team: Team) -> None:
    """Delete a team that has written nothing yet. A team with documents keeps them:
    deleting it would leave its work without authors (or open it to the whole cohort)."""

    written = db.session.scalar(select(func.count()).select_from(Document).where(
        Document.team_id == team.id))
    if written:
        raise OperationError(_("L'équipe « %(team)s » a déjà des documents : elle ne peut "
                               "plus être supprimée. Modifiez plutôt ses membres.",
                               team=team.name))
    with transaction():
        record("team.deleted", team, actor=actor, cohort_id=team.cohort_id,
               before={"name": team.name, "members": [u.email for u in team.users]})
        db.session.delete(team)


def set_team_members(actor: User, team: Team, users: list[User]) -> None:
    """Make ``users`` the team's members. A trainee is in one team per cohort at most:
    putting them here takes them out of any other team of the cohort."""
    cohort = team.cohort
    trainees = {m.user_id for m in cohort.memberships if m.role == CohortRole.TRAINEE}
    outsiders = [u for u in users if u.id not in trainees]
    if outsiders:
        raise OperationError(
            _("Seul·es les stagiaires de la cohorte peuvent former une équipe : %(names)s.",
              names=", ".join(u.full_name for u in outsiders))
        )
    wanted = {u.id for u in users}
    with transaction():
        before = sorted(u.email for u in team.users)
        for tm in list(team.members):
            if tm.user_id not in wanted:
                team.members.remove(tm)
        present = {tm.user_id for tm in team.members}
        for other in cohort.teams:
            if other.id != team.id:
                for tm in list(other.members):
                    if tm.user_id in wanted:
                        other.members.remove(tm)
        for user in users:
            if user.id not in present:
                team.members.append(TeamMember(user=user))
        db.session.flush()
        record("team.members_changed", team, actor=actor, cohort_id=cohort.id,
               before={"members": before}, after={"members": sorted(u.email for u in users)})
