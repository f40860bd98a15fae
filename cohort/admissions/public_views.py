"""The public side of the admissions: the campaign's page, open to everyone, and the
sign-up of a candidate (an account opened after the address is confirmed, on the core's
invitation machinery: ``request_sign_up``, platform/coelab/operations.py)."""

from __future__ import annotations

from coelab.api import ModuleScope, db, limiter, request_sign_up
from flask import redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..models import Module, ParcoursDefinition, ProgrammeSession, Site
from .blueprint import bp
from .campaigns import current_campaign, next_campaign
from .forms_candidate import ApplyForm
from .models import Campaign
from .profiles import PROFILES

#: the address just typed, shown on the next page so that a typo can be seen
SENT_TO = "admission_apply_email"


def _sessions(campaign: Campaign | None) -> dict[str, list[ProgrammeSession]]:
    """The year's sessions of the campaign, by kind of module."""
    if campaign is None:
        return {}
    rows = db.session.scalars(select(ProgrammeSession).where(
        ProgrammeSession.year_label == campaign.year_label)
        .order_by(ProgrammeSession.scope, ProgrammeSession.number))
    by_scope: dict[str, list[ProgrammeSession]] = {
        ModuleScope.TRANSVERSAL.value: [], ModuleScope.THEMATIC.value: []}
    for row in rows:
        by_scope[ModuleScope(row.scope).value].append(row)
    return by_scope


def public_context() -> dict:
    """What the campaign's page shows: the campaign open today (or the next one), its
    year's sessions, the sites, the parcours with their days, hours and costs, the
    thematic modules and the access conditions."""
    campaign = current_campaign()
    upcoming = None if campaign is not None else next_campaign()
    return {
        "campaign": campaign,
        "upcoming": upcoming,
        "sessions": _sessions(campaign or upcoming),
        "sites": list(db.session.scalars(select(Site).order_by(Site.is_main.desc(),
                                                                Site.name))),
        "parcours": list(db.session.scalars(select(ParcoursDefinition).order_by(
            ParcoursDefinition.code))),
        "modules": list(db.session.scalars(select(Module).where(
            Module.scope == ModuleScope.THEMATIC).order_by(Module.position, Module.code))),
        "profiles": PROFILES,
    }


@bp.route("/")
def campaign_page():
    """The current recruitment campaign, for everyone (no login needed)."""
    return render_template("cohort/admissions/public/campaign.html", **public_context())


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="admission-apply")
def apply():
    """Open an account to apply: the address is confirmed by a link sent to it. The
    answer is the same whether an account exists or not."""
    if current_user.is_authenticated:
        return redirect(url_for("admissions.my_application"))
    campaign = current_campaign()
    if campaign is None:
        return render_template("cohort/admissions/public/apply_closed.html",
                               upcoming=next_campaign())
    form = ApplyForm()
    if form.validate_on_submit():
        request_sign_up(form.email.data, form.first_name.data, form.last_name.data,
                        reason=_("pour déposer votre candidature à la formation"),
                        next_path=url_for("admissions.my_application"))
        session[SENT_TO] = form.email.data.strip()
        return redirect(url_for("admissions.apply_sent"))
    return render_template("cohort/admissions/public/apply.html", form=form,
                           campaign=campaign)


@bp.route("/apply/sent")
def apply_sent():
    """"Consultez votre messagerie", whatever the address was."""
    return render_template("cohort/admissions/public/apply_sent.html",
                           email=session.get(SENT_TO))
