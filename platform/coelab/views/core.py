"""Dashboard, profile, cohort workspaces with their members and teams, audit, users."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import operations as ops
from .. import sessions
from ..audit import events_for
from ..db import db
from ..deliverables import operations as deliverable_ops
from ..deliverables.views import table_rows
from ..documents.operations import documents_for
from ..forms import (
    ChangePasswordForm,
    CohortForm,
    ConfirmForm,
    InviteCoordinatorForm,
    InviteMemberForm,
    ProfileForm,
    RolesForm,
    TeamForm,
    TeamMembersForm,
)
from ..models import (
    AuditEvent,
    Cohort,
    CohortRole,
    Membership,
    ModuleScope,
    Parcours,
    Team,
    User,
)
from ..plugins import registry
from ..policy import can, cohort_role, remember_facts, require
from ..rules import visible_cohorts
from . import queues
from .auth import sign_in
from .helpers import cohort_or_404, run_action, submit_form

bp = Blueprint("core", __name__)


@bp.before_app_request
def _one_read_of_each_persons_roles() -> None:
    """The policy's rules read each person's roles, teams and panel seats once per
    page rather than once per object they are asked about (``policy.remember_facts``)."""
    remember_facts()


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    require("dashboard.view")
    cohorts = visible_cohorts(current_user)
    roles = {c.id: cohort_role(current_user, c) for c in cohorts}
    # the work queue, most urgent first (coelab.views.queues; the header's count too)
    attention = queues.attention(current_user)
    return render_template("coelab/dashboard.html", cohorts=cohorts, roles=roles,
                           attention=attention,
                           obligations=queues.obligations_cached(current_user),
                           juries=queues.jury_overview(current_user),
                           panels=registry().collect("dashboard_panels", current_user))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    require("profile.edit", current_user)
    form = ProfileForm(obj=current_user, prefix="profile")
    pw_form = ChangePasswordForm(prefix="password")
    if request.method == "GET":
        form.locale.data = current_user.locale or ""

    def change_password() -> None:
        remember = bool(sessions.current() and sessions.current().remember)
        ops.change_password(current_user, pw_form.current.data, pw_form.password.data)
        # every session ended with the change; this browser starts a new one
        sign_in(current_user._get_current_object(), remember=remember)

    done = None
    if "profile-submit" in request.form:
        done = submit_form(
            form, lambda: ops.update_profile(
                current_user, current_user, first_name=form.first_name.data,
                last_name=form.last_name.data, organisation=form.organisation.data,
                job_title=form.job_title.data, locale=form.locale.data),
            done=_("Votre profil est enregistré."), next_url=url_for("core.profile"))
    elif "password-submit" in request.form:
        done = submit_form(
            pw_form, change_password,
            done=_("Votre mot de passe a été changé. Vos autres sessions sont fermées."),
            next_url=url_for("core.profile"))
    if done:
        return done
    current = sessions.current()
    return render_template(
        "coelab/profile.html", form=form, pw_form=pw_form,
        open_sessions=sessions.open_sessions(current_user),
        current_session_id=current.id if current else None,
        describe_agent=sessions.describe, confirm_form=ConfirmForm())


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort():
    """A new cohort: the core's fields (a name, the kind of module, dates), or the form
    of the plugin that sets cohorts up further (:meth:`Plugin.cohort_creation`)."""
    require("cohort.create")
    creation = registry().cohort_creation()
    if creation is None:
        form, template = CohortForm(), "coelab/new_cohort.html"

        def create() -> Cohort:
            return ops.create_cohort(current_user, name=form.name.data,
                                     module_scope=ModuleScope(form.module_scope.data),
                                     start_date=form.start_date.data,
                                     end_date=form.end_date.data)
    else:
        form, template = creation.form(), creation.template

        def create() -> Cohort:
            return creation.create(current_user, form)

    done = submit_form(
        form, create, done=lambda cohort: _("Cohorte « %(name)s » créée.", name=cohort.name),
        next_url=lambda cohort: url_for("core.workspace", cohort_id=cohort.id))
    return done or render_template(template, form=form, cohort=None)


@bp.route("/cohorts/<int:cohort_id>")
@login_required
def workspace(cohort_id: int):
    cohort = cohort_or_404(cohort_id, teams=True)
    require("cohort.view", cohort)
    deliverable_ops.teams_loaded(cohort)  # what each trainee owes asks their team
    reg = registry()
    panels = reg.collect("workspace_panels", cohort, current_user)
    kinds = reg.kinds_for(cohort)
    parcours_counts = {
        p: sum(1 for m in cohort.memberships if m.parcours == p) for p in Parcours
    }
    required = {
        kind.name: [p for p in Parcours if kind.required_of(cohort, p) and parcours_counts[p]]
        for kind in kinds
    }
    deliverables = deliverable_ops.readable_deliverables(current_user, cohort)
    return render_template(
        "coelab/workspace.html",
        # free working documents; those of a deliverable (or of a feature: a recommendation
        # entry) are reached from their own pages
        documents=[d for d in documents_for(current_user, cohort) if d.kind is None],
        obligations=deliverable_ops.obligations_in(current_user, cohort),
        deliverable_rows=table_rows(cohort, deliverables),
        schedules={s.kind.name: s for s in deliverable_ops.schedules_for(cohort)},
        cohort=cohort,
        role=cohort_role(current_user, cohort),
        trainees=cohort.members(CohortRole.TRAINEE),
        trainers=cohort.members(CohortRole.TRAINER),
        memberships={m.user_id: m for m in cohort.memberships},
        panels=panels,
        kinds=kinds,
        required=required,
        confirm=ConfirmForm(),
    )


@bp.route("/cohorts/<int:cohort_id>/members", methods=["GET", "POST"])
@login_required
def members(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    require("cohort.manage", cohort)
    form = InviteMemberForm()
    done = submit_form(
        form, lambda: ops.invite(
            current_user,
            email=form.email.data,
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            cohort=cohort,
            role=CohortRole(form.role.data),
            parcours=Parcours(form.parcours.data) if form.parcours.data else None,
            organisation=form.organisation.data,
        ),
        done=lambda user: _("%(name)s a été ajouté·e à la cohorte.", name=user.full_name)
        if user.active else _("Invitation envoyée à %(email)s.", email=user.email),
        next_url=url_for("core.members", cohort_id=cohort.id))
    if done:
        return done
    memberships = sorted(cohort.memberships,
                         key=lambda m: (m.role.value, m.user.last_name.lower()))
    return render_template("coelab/members.html", cohort=cohort, form=form,
                           memberships=memberships, confirm=ConfirmForm())


@bp.route("/cohorts/<int:cohort_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(cohort_id: int, membership_id: int):
    cohort = cohort_or_404(cohort_id)
    require("cohort.manage", cohort)
    membership = db.get_or_404(Membership, membership_id)
    if membership.cohort_id != cohort.id:
        abort(404)
    return run_action(
        ConfirmForm(), lambda: ops.remove_member(current_user, membership),
        done=_("%(name)s ne fait plus partie de la cohorte.", name=membership.user.full_name),
        next_url=url_for("core.members", cohort_id=cohort.id), invalid=None)


@bp.route("/cohorts/<int:cohort_id>/teams", methods=["GET", "POST"])
@login_required
def teams(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    require("cohort.manage", cohort)
    form = TeamForm()
    done = submit_form(
        form, lambda: ops.create_team(current_user, cohort, form.name.data),
        done=lambda team: _("Équipe « %(name)s » créée.", name=team.name),
        next_url=url_for("core.teams", cohort_id=cohort.id))
    if done:
        return done
    trainees = cohort.members(CohortRole.TRAINEE)
    team_of = {tm.user_id: team for team in cohort.teams for tm in team.members}
    member_forms = {}
    rename_forms = {team.id: TeamForm(prefix=f"rename{team.id}", name=team.name)
                    for team in cohort.teams}
    for team in cohort.teams:
        mf = TeamMembersForm(prefix=f"team{team.id}")
        mf.members.choices = [(u.id, u.full_name) for u in trainees]
        mf.members.data = [u.id for u in team.users]
        member_forms[team.id] = mf
    return render_template("coelab/teams.html", cohort=cohort, form=form, trainees=trainees,
                           team_of=team_of, member_forms=member_forms,
                           rename_forms=rename_forms, confirm=ConfirmForm())


def _team_in_cohort(cohort_id: int, team_id: int) -> Team:
    cohort = cohort_or_404(cohort_id)
    team = db.get_or_404(Team, team_id)
    if team.cohort_id != cohort.id:
        abort(404)
    require("team.manage", team)
    return team


@bp.route("/cohorts/<int:cohort_id>/teams/<int:team_id>/members", methods=["POST"])
@login_required
def team_members(cohort_id: int, team_id: int):
    team = _team_in_cohort(cohort_id, team_id)
    form = TeamMembersForm(prefix=f"team{team.id}")
    trainees = team.cohort.members(CohortRole.TRAINEE)
    form.members.choices = [(u.id, u.full_name) for u in trainees]
    # no box ticked: the browser sends no field at all, and the team is emptied
    return run_action(
        form, lambda: ops.set_team_members(
            current_user, team, [u for u in trainees if u.id in set(form.members.data or ())]),
        done=_("Membres de l'équipe « %(name)s » enregistrés.", name=team.name),
        next_url=url_for("core.teams", cohort_id=cohort_id),
        invalid=_("Sélection invalide : choisissez des stagiaires de la cohorte."))


@bp.route("/cohorts/<int:cohort_id>/teams/<int:team_id>/rename", methods=["POST"])
@login_required
def rename_team(cohort_id: int, team_id: int):
    team = _team_in_cohort(cohort_id, team_id)
    form = TeamForm(prefix=f"rename{team.id}")
    return run_action(
        form, lambda: ops.rename_team(current_user, team, form.name.data),
        done=lambda _result: _("Équipe renommée « %(name)s ».", name=team.name),
        next_url=url_for("core.teams", cohort_id=cohort_id),
        invalid=_("Le nom de l'équipe est obligatoire."))


@bp.route("/cohorts/<int:cohort_id>/teams/<int:team_id>/delete", methods=["POST"])
@login_required
def delete_team(cohort_id: int, team_id: int):
    team = _team_in_cohort(cohort_id, team_id)
    return run_action(
        ConfirmForm(), lambda: ops.delete_team(current_user, team),
        done=_("Équipe « %(name)s » supprimée.", name=team.name),
        next_url=url_for("core.teams", cohort_id=cohort_id), invalid=None)


@bp.route("/audit/<string:object_type>/<int:object_id>")
@login_required
def audit(object_type: str, object_id: int):
    require("audit.view")
    events = events_for(object_type, object_id)
    if not events:
        abort(404)
    return render_template("coelab/audit.html", events=events, object_type=object_type,
                           object_id=object_id)


@bp.route("/cohorts/<int:cohort_id>/audit")
@login_required
def cohort_audit(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    require("cohort.view_audit", cohort)
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.cohort_id == cohort.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    ))
    return render_template("coelab/audit.html", events=events, cohort=cohort,
                           object_type="cohorts", object_id=cohort.id)


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    require("users.list")
    form = InviteCoordinatorForm()
    if request.method == "POST":
        require("users.admin")
    done = submit_form(
        form, lambda: ops.invite(current_user, email=form.email.data,
                                 first_name=form.first_name.data,
                                 last_name=form.last_name.data, is_coordinator=True),
        done=lambda user: _("Invitation envoyée à %(email)s.", email=user.email),
        next_url=url_for("core.users"))
    if done:
        return done
    people = list(db.session.scalars(select(User).order_by(User.last_name, User.first_name)))
    return render_template("coelab/users.html", people=people, form=form,
                           roles_form=RolesForm(), can_admin=can(current_user, "users.admin"))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@login_required
def user_roles(user_id: int):
    require("users.admin")
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    return run_action(
        form, lambda: ops.set_programme_roles(current_user, user,
                                              coordinator=form.coordinator.data,
                                              admin=form.admin.data),
        done=_("Rôles de %(name)s enregistrés.", name=user.full_name),
        next_url=url_for("core.users"), invalid=None)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
def reactivate_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    require("users.admin")
    user = db.get_or_404(User, user_id)
    return run_action(
        ConfirmForm(), lambda: ops.set_account_active(current_user, user, active),
        done=(_("Le compte de %(name)s est réactivé.", name=user.full_name) if active
              else _("Le compte de %(name)s est désactivé et ses sessions sont fermées.",
                     name=user.full_name)),
        next_url=url_for("core.users"), invalid=None)
