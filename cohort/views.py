"""Pages of the cohort plugin: the programme catalogue, cohort set-up, gatherings,
enrolments."""

from __future__ import annotations

from decimal import Decimal

from coelab.api import (
    Cohort,
    CohortRole,
    ConfirmForm,
    Membership,
    ModuleScope,
    Parcours,
    User,
    can,
    db,
    export_pdf_from_template,
    require,
    run_action,
    slugify,
    submit_form,
)
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from . import operations as ops
from .forms import (
    CohortForm,
    EnrolmentForm,
    GatheringForm,
    ModuleForm,
    ParcoursForm,
    SessionForm,
    SiteForm,
)
from .models import Enrolment, Gathering, Module, ParcoursDefinition, ProgrammeSession, Site
from .passport import entries_of

bp = Blueprint("cohort", __name__)


def _modules(scope: ModuleScope | None = None) -> list[Module]:
    query = select(Module).order_by(Module.position, Module.code)
    if scope is not None:
        query = query.where(Module.scope == scope)
    return list(db.session.scalars(query))


def _sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.is_main.desc(), Site.name)))


def _sessions() -> list[ProgrammeSession]:
    return list(db.session.scalars(select(ProgrammeSession).order_by(
        ProgrammeSession.start_date.desc())))


def _session_label(s: ProgrammeSession) -> str:
    kind = _("transversal") if s.scope == ModuleScope.TRANSVERSAL else _("thématique")
    return _("%(year)s, session %(n)d (%(kind)s)", year=s.year_label, n=s.number, kind=kind)


# --- catalogue ------------------------------------------------------------------------


@bp.route("/programme")
@login_required
def catalogue():
    require("programme.view")
    return render_template(
        "cohort/catalogue.html",
        modules=_modules(),
        parcours=list(db.session.scalars(select(ParcoursDefinition).order_by(
            ParcoursDefinition.hours))),
        sites=_sites(),
        sessions=_sessions(),
        session_label=_session_label,
    )


@bp.route("/programme/modules/<int:module_id>", methods=["GET", "POST"])
@login_required
def edit_module(module_id: int):
    require("programme.edit")
    module = db.get_or_404(Module, module_id)
    form = ModuleForm(obj=module)
    done = submit_form(
        form, lambda: ops.update_module(current_user, module, title=form.title.data),
        done=_("Module %(code)s enregistré.", code=module.code),
        next_url=url_for("cohort.catalogue"))
    return done or render_template("cohort/edit_form.html", form=form,
                           title=_("Module %(code)s", code=module.code))


@bp.route("/programme/parcours/<int:parcours_id>", methods=["GET", "POST"])
@login_required
def edit_parcours(parcours_id: int):
    require("programme.edit")
    parcours = db.get_or_404(ParcoursDefinition, parcours_id)
    form = ParcoursForm(obj=parcours)
    if request.method == "GET":
        form.remaining_cost.data = Decimal(parcours.remaining_cost_cents) / 100
    done = submit_form(
        form, lambda: ops.update_parcours(
            current_user, parcours, title=form.title.data,
            welcome_days=form.welcome_days.data, training_days=form.training_days.data,
            hours=form.hours.data,
            remaining_cost_cents=int((form.remaining_cost.data * 100).to_integral_value())),
        done=_("Parcours %(code)s enregistré.", code=parcours.code),
        next_url=url_for("cohort.catalogue"))
    return done or render_template("cohort/edit_form.html", form=form,
                           title=_("Parcours %(code)s", code=parcours.code))


@bp.route("/programme/sites/new", methods=["GET", "POST"], defaults={"site_id": None})
@bp.route("/programme/sites/<int:site_id>", methods=["GET", "POST"])
@login_required
def edit_site(site_id: int | None):
    require("programme.edit")
    site = db.get_or_404(Site, site_id) if site_id is not None else None
    form = SiteForm(obj=site)
    done = submit_form(
        form, lambda: ops.save_site(current_user, site, name=form.name.data,
                                    is_main=form.is_main.data),
        done=_("Site enregistré."), next_url=url_for("cohort.catalogue"))
    return done or render_template("cohort/edit_form.html", form=form,
                           title=site.name if site else _("Nouveau site"))


@bp.route("/programme/sessions/new", methods=["GET", "POST"], defaults={"session_id": None})
@bp.route("/programme/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int | None):
    require("programme.edit")
    session = db.get_or_404(ProgrammeSession, session_id) if session_id is not None else None
    form = SessionForm(obj=session)
    if request.method == "GET" and session is not None:
        form.scope.data = session.scope.value
    done = submit_form(
        form, lambda: ops.save_session(
            current_user, session, scope=ModuleScope(form.scope.data),
            year_label=form.year_label.data, number=form.number.data,
            start_date=form.start_date.data, end_date=form.end_date.data,
            end_label=form.end_label.data),
        done=_("Session enregistrée."), next_url=url_for("cohort.catalogue"))
    return done or render_template("cohort/edit_form.html", form=form,
                           title=_session_label(session) if session else _("Nouvelle session"))


# --- cohorts ----------------------------------------------------------------------------


def _cohort_form(form: CohortForm) -> None:
    form.module.choices = [(m.id, m.label) for m in _modules()]
    form.session.choices = [(0, _("— aucune —"))] + [(s.id, _session_label(s))
                                                    for s in _sessions()]
    form.site.choices = [(s.id, s.name) for s in _sites()]


def _cohort_values(form: CohortForm) -> dict:
    module = db.session.get(Module, form.module.data)
    site = db.session.get(Site, form.site.data)
    session = db.session.get(ProgrammeSession, form.session.data) if form.session.data else None
    if module is None or site is None:
        abort(400)
    return {"name": form.name.data, "module": module, "session": session, "site": site,
            "start_date": form.start_date.data, "end_date": form.end_date.data}


def new_cohort_form() -> CohortForm:
    """The form of the core's "new cohort" page with this plugin (see
    :meth:`CohortPlugin.cohort_creation`): a module, a site and a session as well."""
    form = CohortForm()
    _cohort_form(form)
    return form


def create_from_form(actor, form: CohortForm) -> Cohort:
    return ops.create_cohort(actor, **_cohort_values(form))


@bp.route("/cohorts/<int:cohort_id>/settings", methods=["GET", "POST"])
@login_required
def edit_cohort(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.manage", cohort)
    setup = ops.setup_of(cohort)
    if setup is None:
        abort(404)
    form = CohortForm(obj=cohort)
    _cohort_form(form)
    if request.method == "GET":
        form.module.data = setup.module_id
        form.session.data = setup.session_id or 0
        form.site.data = setup.site_id
    done = submit_form(
        form, lambda: ops.update_cohort(current_user, setup, **_cohort_values(form)),
        done=_("Cohorte enregistrée."),
        next_url=url_for("core.workspace", cohort_id=cohort.id))
    return done or render_template("cohort/cohort_form.html", form=form, cohort=cohort)


@bp.route("/cohorts/<int:cohort_id>/gatherings", methods=["GET", "POST"])
@login_required
def gatherings(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.manage", cohort)
    form = GatheringForm()
    form.site.choices = [(0, _("— site de la cohorte —"))] + [(s.id, s.name) for s in _sites()]
    done = submit_form(
        form, lambda: ops.add_gathering(
            current_user, cohort, start_date=form.start_date.data, end_date=form.end_date.data,
            site=db.session.get(Site, form.site.data) if form.site.data else None,
            notes=form.notes.data),
        done=_("Regroupement ajouté."),
        next_url=url_for("cohort.gatherings", cohort_id=cohort.id))
    return done or render_template("cohort/gatherings.html", cohort=cohort, form=form,
                           gatherings=ops.gatherings_of(cohort), setup=ops.setup_of(cohort))


@bp.route("/cohorts/<int:cohort_id>/gatherings/<int:gathering_id>/delete", methods=["POST"])
@login_required
def delete_gathering(cohort_id: int, gathering_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.manage", cohort)
    gathering = db.get_or_404(Gathering, gathering_id)
    if gathering.cohort_id != cohort.id:
        abort(404)
    return run_action(ConfirmForm(), lambda: ops.delete_gathering(current_user, gathering),
                      done=_("Regroupement supprimé."),
                      next_url=url_for("cohort.gatherings", cohort_id=cohort.id), invalid=None)


@bp.route("/cohorts/<int:cohort_id>/enrolments")
@login_required
def enrolments(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.view_enrolments", cohort)
    rows = enrolment_rows(cohort)
    return render_template("cohort/enrolments.html", cohort=cohort, rows=rows)


def enrolment_rows(cohort: Cohort) -> list[dict]:
    trainees = [m for m in cohort.memberships if m.role == CohortRole.TRAINEE]
    found = {e.membership_id: e for e in db.session.scalars(
        select(Enrolment).where(Enrolment.membership_id.in_([m.id for m in trainees])))}
    rows = []
    for m in sorted(trainees, key=lambda m: (m.user.last_name.lower(), m.user.first_name)):
        enrolment = found.get(m.id)
        rows.append({"membership": m, "enrolment": enrolment,
                     "cost": ops.remaining_cost_cents(m, enrolment)})
    return rows


@bp.route("/cohorts/<int:cohort_id>/enrolments/<int:membership_id>", methods=["GET", "POST"])
@login_required
def edit_enrolment(cohort_id: int, membership_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.manage", cohort)
    membership = db.get_or_404(Membership, membership_id)
    if membership.cohort_id != cohort.id or membership.role != CohortRole.TRAINEE:
        abort(404)
    enrolment = db.session.get(Enrolment, membership.id)
    form = EnrolmentForm()
    form.thematic_module.choices = [(0, _("— aucun (parcours I) —"))] + [
        (m.id, m.label) for m in _modules(ModuleScope.THEMATIC)]
    if request.method == "GET":
        form.parcours.data = membership.parcours.value if membership.parcours else "I"
        if enrolment is not None:
            form.thematic_module.data = enrolment.thematic_module_id or 0
            form.funding.data = enrolment.funding.value
            form.notes.data = enrolment.notes
    done = submit_form(
        form, lambda: ops.update_enrolment(
            current_user, membership, parcours=Parcours(form.parcours.data),
            thematic_module=db.session.get(Module, form.thematic_module.data)
            if form.thematic_module.data else None,
            funding=form.funding.data, notes=form.notes.data),
        done=_("Inscription de %(name)s enregistrée.", name=membership.user.full_name),
        next_url=url_for("cohort.enrolments", cohort_id=cohort.id))
    return done or render_template("cohort/edit_form.html", form=form,
                           title=_("Inscription de %(name)s", name=membership.user.full_name),
                           back=url_for("cohort.enrolments", cohort_id=cohort.id))


@bp.route("/passeport", defaults={"user_id": None, "fmt": "html"})
@bp.route("/passeport/<int:user_id>", defaults={"fmt": "html"})
@bp.route("/passeport.pdf", defaults={"user_id": None, "fmt": "pdf"})
@bp.route("/passeport/<int:user_id>.pdf", defaults={"fmt": "pdf"})
@login_required
def passport(user_id: int | None, fmt: str):
    """A trainee's passeport compétences: their parcours as personalised at enrolment,
    and the competencies their juries validated."""


    person = (current_user._get_current_object() if user_id is None
              else db.get_or_404(User, user_id))
    if not can(current_user, "passport.view", person):
        abort(404)
    memberships = [m for m in person.memberships if m.role == CohortRole.TRAINEE]
    enrolments = {e.membership_id: e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.membership_id.in_([m.id for m in memberships])))}
    context = {"person": person, "memberships": memberships, "enrolments": enrolments,
               "entries": entries_of(person)}
    if fmt == "pdf":

        response = Response(export_pdf_from_template("cohort/passport_print.html", **context),
                            mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="passeport-{slugify(person.full_name)}.pdf"')
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return render_template("cohort/passport.html", **context)
