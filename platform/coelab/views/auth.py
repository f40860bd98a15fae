"""Log in and out, invitation links, password reset."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import operations as ops
from .. import sessions
from ..db import db
from ..extensions import limiter
from ..forms import ConfirmForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from ..models import SessionEnd, TokenPurpose, UserSession
from ..operations import TokenError
from ..policy import require
from .helpers import submit_form

bp = Blueprint("auth", __name__)


def _login_account_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


def sign_in(user, remember: bool = False) -> None:
    """Start a server-side session for ``user`` in this browser (coelab.sessions).

    The cookie session is emptied first: nothing from before (a CSRF secret in
    particular) survives into the signed-in session, so a token read before logging in
    is useless afterwards and a session cookie planted by someone else is not adopted.
    """
    session.clear()
    sessions.start(user, remember=remember, user_agent=request.user_agent.string,
                   ip_address=request.remote_addr)
    login_user(user, remember=remember)


def sign_out(reason: SessionEnd = SessionEnd.LOGOUT) -> None:
    """End this browser's session on the server, then forget its cookies (the CSRF
    secret with them)."""
    row = sessions.current()
    if row is not None:
        sessions.end(row, reason, actor=current_user._get_current_object())
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion


def _safe_next(target: str | None) -> str:
    """Only a path on this site; never an absolute URL to elsewhere."""
    if target:
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc
        if local and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("core.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
    scope="login-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = ops.authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
        error = _("Adresse e-mail ou mot de passe incorrect.")
    return render_template("coelab/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        sign_out()
        flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))


def _invalid_link(exc: TokenError, purpose: TokenPurpose):
    status = 404 if exc.reason == "unknown" else 410
    return render_template("coelab/link_invalid.html", message=str(exc), reason=exc.reason,
                           purpose=purpose.value), status


def _token_page(purpose: TokenPurpose, token: str, action, template: str, done_message: str):
    """The "choose your password" page behind an invitation or reset link."""
    try:
        user = ops.check_token(token, purpose)
        next_path = ops.token_next_path(token, purpose)
    except TokenError as exc:
        return _invalid_link(exc, purpose)
    form = NewPasswordForm()

    def choose_password() -> None:
        try:
            chosen_by = action(token, form.password.data)
        except TokenError as exc:  # the link expired or was used meanwhile
            abort(make_response(_invalid_link(exc, purpose)))
        if current_user.is_authenticated:
            sign_out()
        sign_in(chosen_by)

    done = submit_form(form, choose_password, done=done_message,
                       next_url=_safe_next(next_path))
    return done or render_template(template, form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _token_page(TokenPurpose.INVITATION, token, ops.accept_invitation,
                       "coelab/accept_invitation.html",
                       _("Votre compte est activé. Bienvenue sur Coélab !"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ops.request_password_reset(form.email.data)
        flash(_("Si un compte actif correspond à cette adresse, un e-mail vient de lui être "
                "envoyé avec un lien pour choisir un nouveau mot de passe."), "info")
        return redirect(url_for("auth.login"))
    return render_template("coelab/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _token_page(TokenPurpose.PASSWORD_RESET, token, ops.reset_password,
                       "coelab/reset_password.html",
                       _("Votre mot de passe a été changé."))



@bp.route("/profile/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    """End one of one's own sessions (another browser, a lost phone)."""
    require("profile.edit", current_user)
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        current = sessions.current()
        if current is not None and current.id == row.id:
            sign_out()
            flash(_("Vous êtes déconnecté·e."), "info")
            return redirect(url_for("auth.login"))
        sessions.end(row, SessionEnd.ENDED_BY_USER, actor=current_user._get_current_object())
        flash(_("Cette session est fermée : l'appareil devra se reconnecter."), "success")
    return redirect(url_for("core.profile") + "#sessions")


@bp.route("/profile/sessions/end-all", methods=["POST"])
@login_required
def end_all_sessions():
    """"Se déconnecter partout": every session of the person ends, this one too."""
    require("profile.edit", current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("core.profile") + "#sessions")
    sessions.end_all(current_user._get_current_object(), SessionEnd.LOGOUT_EVERYWHERE,
                     actor=current_user._get_current_object())
    session.clear()
    logout_user()
    flash(_("Vous êtes déconnecté·e de tous vos appareils."), "info")
    return redirect(url_for("auth.login"))
