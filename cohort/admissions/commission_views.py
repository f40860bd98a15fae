"""Pages of the admission commission: the partner organisations, the sittings, one
sitting's page (members, applications before it, the chair's decisions, the closing of
the list, the enrolment of the people admitted) and its minutes and lists
(cohort/admissions/commission.py, cohort/admissions/enrolment.py).

Who sees what: the coordination everything; a member of a sitting that sitting (its page,
its minutes, its lists); anyone else gets a 404 (cohort/admissions/rules.py
``admission.view_commission``). Only the chair records decisions; the coordination
composes the sitting, presents applications and enrols.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from coelab.api import (
    Cohort,
    ConfirmForm,
    ModuleScope,
    OperationError,
    Parcours,
    User,
    can,
    db,
    is_staff,
    require,
    run_action,
    slugify,
    submit_form,
)
from flask import Response, abort, current_app, flash, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..models import CohortSetup, Module
from .blueprint import bp
from .commission import (
    FUNDING_LABELS,
    OPINION_LABELS,
    add_member,
    admitted_list_csv,
    admitted_list_pdf,
    close,
    composition,
    create_commission,
    decide,
    invite_member,
    members_of,
    minutes_pdf,
    place,
    remove_member,
    revise,
    role_label,
    sitting_label,
    sitting_rows,
)
from .enrolment import enrol, enrol_all, proposals
from .forms_commission import (
    CloseForm,
    CommissionForm,
    DecisionForm,
    EnrolAllForm,
    EnrolForm,
    InviteMemberForm,
    MemberForm,
    PartnerForm,
    PlaceForm,
    ReviseForm,
)
from .models import (
    ADMITTING,
    DECISIONS,
    Application,
    ApplicationState,
    Campaign,
    Commission,
    CommissionMember,
    PartnerOrganisation,
)
from .partners import create_partner, partners, set_partner_active, update_partner
from .steps import state_label

A = ApplicationState


# --- partner organisations ------------------------------------------------------------------


@bp.route("/partenaires", methods=["GET", "POST"], endpoint="partners")
@login_required
def partners_page():
    """The coordination's list of partner organisations, and the form to add one."""
    require("admission.manage")
    form = PartnerForm()
    done = submit_form(
        form, lambda: create_partner(current_user, name=form.name.data,
                                     contact=form.contact.data),
        done=lambda p: _("Organisation partenaire « %(name)s » ajoutée.", name=p.name),
        next_url=url_for("admissions.partners"))
    return done or render_template("cohort/admissions/commission/partners.html",
                                   partners=partners(), form=form)


def _partner(partner_id: int) -> PartnerOrganisation:
    require("admission.manage")
    return db.get_or_404(PartnerOrganisation, partner_id)


@bp.route("/partenaires/<int:partner_id>", methods=["GET", "POST"])
@login_required
def edit_partner(partner_id: int):
    partner = _partner(partner_id)
    form = PartnerForm(obj=partner)
    done = submit_form(
        form, lambda: update_partner(current_user, partner, name=form.name.data,
                                     contact=form.contact.data),
        done=_("Organisation partenaire enregistrée."), next_url=url_for("admissions.partners"))
    return done or render_template("cohort/admissions/commission/partner_form.html",
                                   form=form, partner=partner)


@bp.route("/partenaires/<int:partner_id>/<any(desactiver, reactiver):what>",
          methods=["POST"])
@login_required
def partner_state(partner_id: int, what: str):
    partner = _partner(partner_id)
    active = what == "reactiver"
    return run_action(
        ConfirmForm(), lambda: set_partner_active(current_user, partner, active),
        done=(_("« %(name)s » est de nouveau partenaire.", name=partner.name) if active else
              _("« %(name)s » n'est plus partenaire : sa représentation n'est plus demandée à "
                "la commission.", name=partner.name)),
        next_url=url_for("admissions.partners"))


# --- sittings -------------------------------------------------------------------------------


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Paris")


def _people(*where) -> list[User]:
    """The accounts that may sit: active ones, the coordination first (and what
    ``where`` asks besides)."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.deactivated_at.is_(None), *where)
        .order_by((User.is_coordinator | User.is_admin).desc(), func.lower(User.last_name),
                  func.lower(User.first_name), User.id)))


def _person_label(user: User) -> str:
    extra = user.organisation or user.email
    return f"{user.full_name} ({extra})"


def _commission_form(form: CommissionForm) -> None:
    form.campaign.choices = [(c.id, c.title) for c in db.session.scalars(
        select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id.desc()))]
    form.chair.choices = [(u.id, _person_label(u)) for u in _people()]


@bp.route("/commissions", methods=["GET", "POST"])
@login_required
def commissions():
    """The sittings: all of them for the coordination (with the form to plan one), the
    ones a member sits on for them; a 404 for anyone else."""
    staff = is_staff(current_user)
    query = select(Commission).options(selectinload(Commission.campaign),
                                       selectinload(Commission.chair))
    if not staff:
        query = query.where(Commission.id.in_(
            select(CommissionMember.commission_id).where(
                CommissionMember.user_id == current_user.id)) | (
            Commission.chair_id == current_user.id))
    sittings = list(db.session.scalars(query.order_by(Commission.sits_at.desc(),
                                                      Commission.id.desc())))
    if not staff and not sittings:
        abort(404)
    form = None
    if staff:
        form = CommissionForm()
        _commission_form(form)

        def create() -> Commission:
            campaign = db.session.get(Campaign, form.campaign.data)
            chair = db.session.get(User, form.chair.data)
            if campaign is None or chair is None:
                raise OperationError(_("Choisissez la campagne et la présidence."))
            try:
                sits_at = form.sits_at.data.replace(tzinfo=_timezone()).astimezone(UTC)
            except (OverflowError, ValueError):
                raise OperationError(_("Indiquez une date valide.")) from None
            return create_commission(current_user, campaign=campaign, sits_at=sits_at,
                                     place=form.place.data, chair=chair,
                                     chair_role=form.chair_role.data)

        done = submit_form(
            form, create, done=_("Commission créée : composez-la et présentez-lui les "
                                 "candidatures."),
            next_url=lambda c: url_for("admissions.commission", commission_id=c.id))
        if done:
            return done
    elif request.method == "POST":
        abort(403)
    counts = dict(db.session.execute(
        select(Application.commission_id, func.count(Application.id))
        .where(Application.commission_id.in_([c.id for c in sittings]),
               Application.state.in_((A.BEFORE_COMMISSION, *DECISIONS)))
        .group_by(Application.commission_id)).all()) if sittings else {}
    return render_template("cohort/admissions/commission/commissions.html",
                           sittings=sittings, counts=counts, form=form, staff=staff,
                           sitting_label=sitting_label)


def _commission(commission_id: int) -> Commission:
    """The sitting, for whoever may see it; a 404 for anyone else. Its campaign and its
    chair, which its pages and files show, come with it."""
    commission = db.session.get(Commission, commission_id, options=[
        joinedload(Commission.campaign), joinedload(Commission.chair)])
    if commission is None or not can(current_user, "admission.view_commission", commission):
        abort(404)
    return commission


def _application_of(commission: Commission, application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    if application.commission_id != commission.id:
        abort(404)
    return application


def _back(commission: Commission, anchor: str = "") -> str:
    return url_for("admissions.commission", commission_id=commission.id) + (
        f"#{anchor}" if anchor else "")


def _cohort_choices() -> dict[ModuleScope, list[tuple[int, str]]]:
    """Every cohort, by kind of module, labelled with its module, site and dates."""
    out: dict[ModuleScope, list[tuple[int, str]]] = {s: [] for s in ModuleScope}
    rows = db.session.execute(
        select(Cohort, CohortSetup, Module).outerjoin(CohortSetup,
                                                      CohortSetup.cohort_id == Cohort.id)
        .outerjoin(Module, Module.id == CohortSetup.module_id)
        .options(joinedload(CohortSetup.site))
        .order_by(Cohort.start_date.desc(), Cohort.name)).all()
    for cohort, setup, module in rows:
        parts = [f"{module.code} — " if module else "", cohort.name]
        if setup is not None and setup.site is not None:
            parts.append(f", {setup.site.name}")
        parts.append(_(" (du %(start)s au %(end)s)",
                       start=format_date(cohort.start_date, "short"),
                       end=format_date(cohort.end_date, "short")))
        out[ModuleScope(cohort.module_scope)].append((cohort.id, "".join(parts)))
    return out


def _sitters(commission: Commission) -> list[User]:
    """Who may be seated: the active accounts, but the candidates of the campaign."""
    return _people(~exists().where(Application.campaign_id == commission.campaign_id,
                                   Application.candidate_id == User.id))


def _member_forms(commission: Commission,
                  active: list[PartnerOrganisation] | None = None) -> dict:
    member_form = MemberForm(prefix="member", formdata=None)
    member_form.user.choices = [(u.id, _person_label(u)) for u in _sitters(commission)]
    if active is None:
        active = partners(active_only=True)
    member_form.partner.choices = [(0, _("— aucune —"))] + [(p.id, p.name) for p in active]
    invite_form = InviteMemberForm(prefix="invite", formdata=None)
    invite_form.partner.choices = [(p.id, p.name) for p in active]
    return {"member_form": member_form, "invite_form": invite_form}


@bp.route("/commissions/<int:commission_id>")
@login_required
def commission(commission_id: int):
    commission = _commission(commission_id)
    staff = is_staff(current_user)
    chair = commission.chair_id == current_user.id
    is_open = commission.closed_at is None
    rows = sitting_rows(commission)
    # the members with their accounts and organisations, and the active partners, read
    # once for the table, the composition and the forms
    members = members_of(commission)
    active = partners(active_only=True)
    context: dict = {
        "commission": commission, "staff": staff, "chair": chair, "is_open": is_open,
        "members": members,
        "composition": composition(commission, members=members, active=active),
        "rows": rows, "state_label": state_label, "role_label": role_label,
        "opinion_labels": OPINION_LABELS, "funding_labels": FUNDING_LABELS,
        "sitting_label": sitting_label,
        "decision_forms": {}, "revise_forms": {}, "enrol_forms": {}, "slots": {},
    }
    if staff and is_open:
        context.update(_member_forms(commission, active))
        placeable = list(db.session.scalars(
            select(Application).where(Application.campaign_id == commission.campaign_id,
                                      Application.state.in_((A.INTERVIEWED, A.WAITING_LIST)))
            .options(joinedload(Application.candidate))))
        placeable.sort(key=lambda a: (a.candidate.last_name.lower(),
                                      a.candidate.first_name.lower(), a.id))
        place_form = PlaceForm(prefix="place", formdata=None)
        place_form.application.choices = [
            (a.id, f"{a.candidate.full_name} — {state_label(a.state)}"
                   f"{' — ' + _('parcours %(p)s', p=a.parcours.value) if a.parcours else ''}")
            for a in placeable]
        context.update(placeable=placeable, place_form=place_form)
    for row in rows:
        a = row.application
        if chair and is_open and a.state == A.BEFORE_COMMISSION:
            context["decision_forms"][a.id] = DecisionForm(prefix=f"decide-{a.id}",
                                                           formdata=None)
        if (a.state in DECISIONS and a.enrolled_at is None
                and ((is_open and chair) or (not is_open and (chair or staff)))):
            form = ReviseForm(prefix=f"revise-{a.id}", formdata=None)
            form.seen.data = a.state.value
            context["revise_forms"][a.id] = form
    if is_open and (chair or staff):
        context["close_form"] = CloseForm(prefix="close", formdata=None)
    if staff and not is_open:
        pending = [r.application for r in rows
                   if r.application.state in ADMITTING and r.application.enrolled_at is None]
        found = proposals(pending)
        choices = _cohort_choices() if pending else {}
        for a in pending:
            form = EnrolForm(prefix=f"enrol-{a.id}", formdata=None)
            _enrol_choices(form, choices)
            for slot in found[a.id]:
                target = (form.transversal if slot.scope == ModuleScope.TRANSVERSAL
                          else form.thematic)
                target.data = slot.cohort.id if slot.cohort else 0
            context["enrol_forms"][a.id] = form
            context["slots"][a.id] = found[a.id]
        if pending:
            context["enrol_all_form"] = EnrolAllForm(prefix="enrol-all", formdata=None)
    return render_template("cohort/admissions/commission/commission.html", **context)


def _enrol_choices(form: EnrolForm, choices: dict) -> None:
    none = [(0, _("— à choisir —"))]
    form.transversal.choices = none + choices.get(ModuleScope.TRANSVERSAL, [])
    form.thematic.choices = none + choices.get(ModuleScope.THEMATIC, [])


def _manage(commission: Commission) -> None:
    """A step of the coordination on a sitting its members see (403 for them)."""
    if not is_staff(current_user):
        abort(403)


@bp.route("/commissions/<int:commission_id>/membres", methods=["POST"])
@login_required
def commission_add_member(commission_id: int):
    commission = _commission(commission_id)
    _manage(commission)
    form = MemberForm(prefix="member")
    form.user.choices = [(u.id, "") for u in _sitters(commission)]
    form.partner.choices = [(0, "")] + [(p.id, "") for p in partners(active_only=True)]

    def add():
        user = db.session.get(User, form.user.data)
        partner = (db.session.get(PartnerOrganisation, form.partner.data)
                   if form.partner.data else None)
        return add_member(current_user, commission, user=user, role=form.role.data,
                          partner=partner)

    return run_action(form, add,
                      done=lambda m: _("%(name)s siège à la commission.",
                                       name=m.user.full_name),
                      next_url=_back(commission, "members-title"))


@bp.route("/commissions/<int:commission_id>/membres/inviter", methods=["POST"])
@login_required
def commission_invite_member(commission_id: int):
    """Invite a partner's representative who has no account yet, and seat them."""
    commission = _commission(commission_id)
    _manage(commission)
    form = InviteMemberForm(prefix="invite")
    form.partner.choices = [(p.id, "") for p in partners(active_only=True)]

    def invite():
        partner = db.session.get(PartnerOrganisation, form.partner.data)
        return invite_member(current_user, commission, email=form.email.data,
                             first_name=form.first_name.data,
                             last_name=form.last_name.data, partner=partner)

    return run_action(form, invite,
                      done=lambda m: _("%(name)s est invité·e et siège à la commission pour "
                                       "« %(partner)s ».", name=m.user.full_name,
                                       partner=m.partner.name),
                      next_url=_back(commission, "members-title"))


@bp.route("/commissions/<int:commission_id>/membres/<int:member_id>/retirer",
          methods=["POST"])
@login_required
def commission_remove_member(commission_id: int, member_id: int):
    commission = _commission(commission_id)
    _manage(commission)
    member = db.get_or_404(CommissionMember, member_id)
    if member.commission_id != commission.id:
        abort(404)
    name = member.user.full_name
    return run_action(ConfirmForm(), lambda: remove_member(current_user, member),
                      done=_("%(name)s ne siège plus à la commission.", name=name),
                      next_url=_back(commission, "members-title"))


@bp.route("/commissions/<int:commission_id>/presenter", methods=["POST"])
@login_required
def commission_place(commission_id: int):
    commission = _commission(commission_id)
    _manage(commission)
    form = PlaceForm(prefix="place")
    form.application.choices = [(a, "") for a in db.session.scalars(
        select(Application.id).where(Application.campaign_id == commission.campaign_id))]

    def run():
        application = db.session.get(Application, form.application.data)
        place(current_user, application, commission)
        return application

    return run_action(form, run,
                      done=lambda a: _("La candidature de %(name)s est présentée à la "
                                       "commission.", name=a.candidate.full_name),
                      next_url=_back(commission, "applications-title"))


@bp.route("/commissions/<int:commission_id>/candidatures/<int:application_id>/decision",
          methods=["POST"])
@login_required
def commission_decide(commission_id: int, application_id: int):
    """The chair records the commission's decision on one application."""
    commission = _commission(commission_id)
    application = _application_of(commission, application_id)
    if commission.chair_id != current_user.id:
        abort(403)
    form = DecisionForm(prefix=f"decide-{application.id}")
    return run_action(
        form, lambda: decide(current_user, application, form.outcome.data, form.reason.data),
        done=lambda d: _("Décision enregistrée pour %(name)s : %(outcome)s.",
                         name=application.candidate.full_name,
                         outcome=state_label(d.outcome)),
        next_url=_back(commission, f"application-{application.id}"))


@bp.route("/commissions/<int:commission_id>/candidatures/<int:application_id>/modifier",
          methods=["POST"])
@login_required
def commission_revise(commission_id: int, application_id: int):
    """A change of decision: the chair's correction while the sitting is open, a new
    decision of the commission (chair or coordination) once its list is closed."""
    commission = _commission(commission_id)
    application = _application_of(commission, application_id)
    if not (commission.chair_id == current_user.id or is_staff(current_user)):
        abort(403)
    form = ReviseForm(prefix=f"revise-{application.id}")
    return run_action(
        form, lambda: revise(current_user, application, form.outcome.data, form.reason.data,
                             seen=form.seen.data or None),
        done=lambda d: _("Nouvelle décision enregistrée pour %(name)s : %(outcome)s.",
                         name=application.candidate.full_name,
                         outcome=state_label(d.outcome)),
        next_url=_back(commission, f"application-{application.id}"))


@bp.route("/commissions/<int:commission_id>/arreter", methods=["POST"])
@login_required
def commission_close(commission_id: int):
    commission = _commission(commission_id)
    if not (commission.chair_id == current_user.id or is_staff(current_user)):
        abort(403)
    return run_action(
        CloseForm(prefix="close"), lambda: close(current_user, commission),
        done=_("La liste est arrêtée : chaque candidat·e reçoit sa décision par e-mail."),
        next_url=_back(commission))


@bp.route("/commissions/<int:commission_id>/candidatures/<int:application_id>/inscrire",
          methods=["POST"])
@login_required
def commission_enrol(commission_id: int, application_id: int):
    """Enrol one admitted person in the cohort(s) chosen (the proposal by default)."""
    commission = _commission(commission_id)
    application = _application_of(commission, application_id)
    _manage(commission)
    form = EnrolForm(prefix=f"enrol-{application.id}")
    _enrol_choices(form, _cohort_choices())

    def run():
        wanted = []
        parcours = application.parcours
        if parcours in (Parcours.I, Parcours.III) and form.transversal.data:
            wanted.append(form.transversal.data)
        if parcours in (Parcours.II, Parcours.III) and form.thematic.data:
            wanted.append(form.thematic.data)
        cohorts = [c for c in (db.session.get(Cohort, i) for i in wanted) if c is not None]
        return enrol(current_user, application, cohorts)

    return run_action(
        form, run,
        done=lambda ms: _("%(name)s est inscrit·e en formation (%(cohorts)s) ; son passeport "
                          "compétences est ouvert.", name=application.candidate.full_name,
                          cohorts=", ".join(m.cohort.name for m in ms)),
        next_url=_back(commission, "enrolment-title"))


@bp.route("/commissions/<int:commission_id>/inscrire-tout", methods=["POST"])
@login_required
def commission_enrol_all(commission_id: int):
    commission = _commission(commission_id)
    _manage(commission)

    def run():
        enrolled, skipped = enrol_all(current_user, commission)
        for application, why in skipped:
            flash(_("%(name)s n'est pas inscrit·e : %(why)s", name=application.candidate.full_name,
                    why=why), "error")
        return enrolled

    return run_action(
        EnrolAllForm(prefix="enrol-all"), run,
        done=lambda enrolled: ngettext("%(num)d personne inscrite en formation.",
                                       "%(num)d personnes inscrites en formation.",
                                       len(enrolled)),
        next_url=_back(commission, "enrolment-title"))


# --- minutes and lists ---------------------------------------------------------------------


def _file(content: bytes, content_type: str, name: str) -> Response:
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _stem(commission: Commission) -> str:
    return slugify(format_date(commission.sits_at, "yyyy-MM-dd")) or str(commission.id)


@bp.route("/commissions/<int:commission_id>/proces-verbal.pdf")
@login_required
def commission_minutes(commission_id: int):
    commission = _commission(commission_id)
    return _file(minutes_pdf(commission), "application/pdf",
                 f"proces-verbal-commission-{_stem(commission)}.pdf")


def _closed(commission_id: int) -> Commission:
    commission = _commission(commission_id)
    if commission.closed_at is None:
        abort(404)  # the list exists once it is closed
    return commission


@bp.route("/commissions/<int:commission_id>/liste-admis.pdf")
@login_required
def commission_list_pdf(commission_id: int):
    commission = _closed(commission_id)
    return _file(admitted_list_pdf(commission), "application/pdf",
                 f"liste-admis-{_stem(commission)}.pdf")


@bp.route("/commissions/<int:commission_id>/liste-admis.csv")
@login_required
def commission_list_csv(commission_id: int):
    commission = _closed(commission_id)
    return _file(admitted_list_csv(commission).encode("utf-8"), "text/csv; charset=utf-8",
                 f"liste-admis-{_stem(commission)}.csv")
