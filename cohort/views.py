"""Pages of the cohort plugin: the programme catalogue, cohort set-up, gatherings,
enrolments."""

from __future__ import annotations

from dataclasses import dataclass
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
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from . import operations as ops
from .admissions.models import PassportOpening
from .forms import (
    CohortForm,
    EligibilityForm,
    EnrolmentForm,
    GatheringForm,
    ModuleForm,
    ParcoursForm,
    SessionForm,
    SiteForm,
)
from .framework import DIPLOMAS, Diploma, diploma_of_competency, diplomas_for
from .models import (
    DiplomaEligibility,
    EligibilityStatus,
    Gathering,
    Module,
    ParcoursDefinition,
    PassportEntry,
    ProgrammeSession,
    Site,
)
from .passport import entries_of
from .reads import costs_of, enrolment_of, enrolments_of, setups_of
from .results import parcours_of, parcours_result, parcours_results

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


def enrolment_rows(cohort: Cohort, only: User | None = None) -> list[dict]:
    """A row per trainee of the cohort (or only ``only``'s): membership, enrolment, what
    is left to pay and their parcours result, in a number of queries that does not grow
    with the number of trainees."""
    trainees = _trainees(cohort, only)
    if not trainees:
        return []
    # the results read the trainees' memberships with their enrolments and their
    # parcours' costs (cohort/reads.py)
    results = (parcours_results(cohort, [m.user for m in trainees]) if only is None
               else {only.id: parcours_result(only)})
    found = enrolments_of(m.id for m in trainees)
    costs = costs_of(m.parcours.value for m in trainees if m.parcours is not None)
    rows = []
    for m in sorted(trainees, key=lambda m: (m.user.last_name.lower(),
                                            m.user.first_name.lower(), m.id)):
        enrolment = found.get(m.id)
        result = results.get(m.user_id)
        rows.append({"membership": m, "enrolment": enrolment,
                     "cost": ops.remaining_cost_cents(m, enrolment, costs),
                     "result": result,
                     "diplomas": diplomas_for(result.parcours) if result else ()})
    return rows


def _trainees(cohort: Cohort, only: User | None) -> list[Membership]:
    """The cohort's trainee memberships (or only ``only``'s) with their people: those
    the page read with the cohort (``cohort_or_404``), else in one query."""
    if "memberships" not in sa_inspect(cohort).unloaded:
        found = [m for m in cohort.memberships if m.role == CohortRole.TRAINEE
                 and (only is None or m.user_id == only.id)]
        if all("user" not in sa_inspect(m).unloaded for m in found):
            return found
    query = (select(Membership).join(Membership.user).options(contains_eager(Membership.user))
             .where(Membership.cohort_id == cohort.id, Membership.role == CohortRole.TRAINEE))
    if only is not None:
        query = query.where(Membership.user_id == only.id)
    return list(db.session.scalars(query))


def _cohort_label(c: Cohort) -> str:
    setup = ops.setup_of(c)
    module = f"{setup.module.code} — " if setup else ""
    return _("%(module)s%(name)s (du %(start)s au %(end)s)", module=module, name=c.name,
             start=format_date(c.start_date, "short"), end=format_date(c.end_date, "short"))


@bp.route("/cohorts/<int:cohort_id>/enrolments/<int:membership_id>", methods=["GET", "POST"])
@login_required
def edit_enrolment(cohort_id: int, membership_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.manage", cohort)
    membership = db.session.scalar(select(Membership).where(Membership.id == membership_id)
                                   .options(joinedload(Membership.user)))
    if (membership is None or membership.cohort_id != cohort.id
            or membership.role != CohortRole.TRAINEE):
        abort(404)
    person = membership.user
    # the person's trainee memberships with their cohorts, set-ups and enrolments, read
    # once for the form and the page (cohort/results.py, cohort/reads.py)
    result = parcours_result(person)
    enrolment = enrolment_of(membership)
    other_scope = (ModuleScope.THEMATIC if cohort.module_scope == ModuleScope.TRANSVERSAL
                   else ModuleScope.TRANSVERSAL)
    current_other = next((m.cohort for m in sorted(result.memberships, key=lambda m: m.id)
                          if m.cohort_id != cohort.id
                          and m.cohort.module_scope == other_scope), None)
    form = EnrolmentForm()
    form.other_cohort.label.text = (
        _("Cohorte du module thématique (parcours III)")
        if other_scope == ModuleScope.THEMATIC
        else _("Cohorte du module transversal (parcours III)"))
    others = list(db.session.scalars(select(Cohort).where(Cohort.module_scope == other_scope)
                                     .order_by(Cohort.start_date.desc(), Cohort.name)))
    setups_of(c.id for c in others)  # each one's module, in one query
    form.other_cohort.choices = [(0, _("— à choisir pour le parcours III —"))] + [
        (c.id, _cohort_label(c)) for c in others]
    if request.method == "GET":
        form.parcours.data = membership.parcours.value if membership.parcours else "I"
        form.other_cohort.data = current_other.id if current_other else 0
        if enrolment is not None:
            form.funding.data = enrolment.funding.value
            form.notes.data = enrolment.notes

    def save():
        parcours = Parcours(form.parcours.data)
        other = (db.session.get(Cohort, form.other_cohort.data)
                 if parcours == Parcours.III and form.other_cohort.data else None)
        return ops.update_enrolment(current_user, membership, parcours=parcours,
                                    other_cohort=other, funding=form.funding.data,
                                    notes=form.notes.data)

    done = submit_form(
        form, save,
        done=_("Inscription de %(name)s enregistrée.", name=person.full_name),
        next_url=url_for("cohort.enrolments", cohort_id=cohort.id))
    if done:
        return done
    if request.method == "POST":
        result = parcours_result(person)  # as it stands after the refused form
    setup = ops.setup_of(cohort)
    return render_template(
        "cohort/enrolment_form.html", form=form, cohort=cohort, membership=membership,
        person=person, setup=setup, current_other=current_other,
        other_setup=ops.setup_of(current_other) if current_other else None,
        result=result)


# The page and its PDF are two endpoints: with one endpoint and the format as a route
# default, url_for("cohort.passport") built /passeport.pdf, and every link to the page
# (header, dashboard, cohort table) downloaded the PDF instead
@bp.route("/passeport", defaults={"user_id": None})
@bp.route("/passeport/<int:user_id>")
@login_required
def passport(user_id: int | None):
    """A trainee's passeport compétences: their parcours as personalised at enrolment,
    its result, the competencies their juries validated, and the diploma blocks they
    are capitalisable toward."""
    return _passport(user_id, "html")


@bp.route("/passeport.pdf", defaults={"user_id": None})
@bp.route("/passeport/<int:user_id>.pdf")
@login_required
def passport_pdf(user_id: int | None):
    """The passeport compétences as a PDF to keep or send."""
    return _passport(user_id, "pdf")


def _passport(user_id: int | None, fmt: str):
    person = (current_user._get_current_object() if user_id is None
              else db.get_or_404(User, user_id))
    if not can(current_user, "passport.view", person):
        abort(404)
    context = passport_context(person)
    if fmt == "pdf":
        response = Response(export_pdf_from_template("cohort/passport_print.html", **context),
                            mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="passeport-{slugify(person.full_name)}.pdf"')
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return render_template("cohort/passport.html", **context)


@dataclass(frozen=True)
class DiplomaSection:
    """A diploma in the passeport: whether the trainee's parcours is capitalisable
    toward it, their eligibility as recorded, and the attested competencies of each of
    its blocks ``[(block code as people say it: "DC3", entries)]``."""

    diploma: Diploma
    of_parcours: bool
    eligibility: DiplomaEligibility | None
    blocks: list[tuple[str, list[PassportEntry]]]

    @property
    def status(self) -> str:
        return (self.eligibility.status.value if self.eligibility is not None
                else EligibilityStatus.TO_CHECK.value)


def opening_items(opening: PassportOpening | None) -> list[tuple[str, str]]:
    """What the passeport shows of its opening at the admission
    (cohort/admissions/enrolment.py): the personalisation the interview recorded."""
    if opening is None:
        return []
    data = opening.personalisation or {}
    items = []
    for name, label in (("objectives", _("Objectifs individuels")),
                        ("personalisation", _("Personnalisation du parcours")),
                        ("immersion", _("Immersion en milieu professionnel")),
                        ("complementary_training", _("Formation complémentaire proposée"))):
        value = str(data.get(name) or "").strip()
        if value:
            items.append((label, value))
    vae = [str(d) for d in data.get("vae_proposal") or []]
    note = str(data.get("vae_note") or "").strip()
    if vae or note:
        items.append((_("Accompagnement VAE proposé"),
                      " — ".join(p for p in (", ".join(vae), note) if p)))
    return items


def passport_context(person: User) -> dict:
    """What the passeport's page and its PDF show of ``person``."""
    result = parcours_result(person)
    memberships = result.memberships
    # read with the result (cohort/reads.py)
    enrolments = {i: e for i, e in enrolments_of(m.id for m in memberships).items()
                  if e is not None}
    setups = setups_of(m.cohort_id for m in memberships)
    eligibility = ops.eligibility_of(person)
    own = diplomas_for(result.parcours)
    modules: dict[str, list[PassportEntry]] = {}
    by_diploma: dict[str, dict[str, list[PassportEntry]]] = {}
    for entry in entries_of(person):
        diploma = diploma_of_competency(entry.competency_code)
        if diploma is None:
            modules.setdefault(entry.block_title or _("Autres compétences"), []).append(entry)
        else:
            block = next(b for b in diploma.blocks
                         if entry.competency_code.startswith(f"{b}-"))
            by_diploma.setdefault(diploma.code, {}).setdefault(block, []).append(entry)
    diplomas = [d for d in DIPLOMAS if d in own or d.code in by_diploma]
    sections = [DiplomaSection(
        d, d in own, eligibility.get(d.code),
        [(b.removeprefix(f"{d.code}-"), by_diploma.get(d.code, {}).get(b, []))
         for b in d.blocks]) for d in diplomas]
    opening = db.session.scalar(select(PassportOpening).where(
        PassportOpening.user_id == person.id))
    return {"person": person, "result": result, "memberships": memberships,
            "enrolments": enrolments, "setups": setups,
            "opening": opening, "opening_items": opening_items(opening),
            "entries": [e for group in modules.values() for e in group],
            "module_groups": list(modules.items()), "diploma_sections": sections}


@bp.route("/passeport/<int:user_id>/eligibilite", methods=["GET", "POST"])
@login_required
def eligibility(user_id: int):
    """The coordination records whether a trainee meets the access conditions of each
    diploma their parcours is capitalisable toward."""
    person = db.get_or_404(User, user_id)
    if not can(current_user, "passport.view", person):
        abort(404)
    require("passport.record_eligibility", person)
    parcours = parcours_of(person)
    diplomas = diplomas_for(parcours)
    recorded = ops.eligibility_of(person)
    forms = {}
    for d in diplomas:
        row = recorded.get(d.code)
        forms[d.code] = EligibilityForm(formdata=None, data={
            "diploma": d.code,
            "status": row.status.value if row else EligibilityStatus.TO_CHECK.value,
            "note": row.note if row else None})
    posted = None
    if request.method == "POST":
        posted = EligibilityForm()
        if posted.diploma.data in forms:
            forms[posted.diploma.data] = posted
        done = submit_form(
            posted, lambda: ops.record_eligibility(
                current_user, person, diploma=posted.diploma.data,
                status=posted.status.data, note=posted.note.data),
            done=_("Éligibilité de %(name)s enregistrée.", name=person.full_name),
            next_url=url_for("cohort.passport", user_id=person.id) + "#diplomas-title")
        if done:
            return done
    stray = posted if posted is not None and posted.diploma.data not in forms else None
    return render_template("cohort/eligibility.html", person=person, parcours=parcours,
                           sections=[(d, recorded.get(d.code), forms[d.code])
                                     for d in diplomas], stray=stray)
