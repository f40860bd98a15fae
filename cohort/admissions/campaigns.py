"""Recruitment campaigns (docs/domain.md, "Admission"): their windows and the operations
that create and change them.

Applications are received continuously between a campaign's opening and closing dates.
Only one campaign is open at a time (overlapping windows are refused), so that "the
current campaign" is never ambiguous: the public page, the candidate's entry point and
the pipeline all read :func:`current_campaign`.
"""

from __future__ import annotations

import re
from datetime import date

from coelab.api import OperationError, User, db, local_today, record, snapshot, transaction
from flask_babel import gettext as _
from sqlalchemy import select

from .models import Campaign

__all__ = ["CAMPAIGN_FIELDS", "all_campaigns", "create_campaign", "current_campaign",
           "next_campaign", "update_campaign"]

CAMPAIGN_FIELDS = ("title", "year_label", "opens_on", "closes_on", "retention_months")
TITLE_MAX = 200
NOTES_MAX = 5000
RETENTION_MIN, RETENTION_MAX = 1, 120
YEAR_LABEL = re.compile(r"^(\d{4})-(\d{4})$")


def current_campaign(today: date | None = None) -> Campaign | None:
    """The campaign whose window contains ``today`` (the local day), if any."""
    today = today or local_today()
    return db.session.scalar(select(Campaign).where(
        Campaign.opens_on <= today, Campaign.closes_on >= today)
        .order_by(Campaign.opens_on.desc()).limit(1))


def next_campaign(today: date | None = None) -> Campaign | None:
    """The next campaign to open after ``today``, if one is planned."""
    today = today or local_today()
    return db.session.scalar(select(Campaign).where(Campaign.opens_on > today)
                             .order_by(Campaign.opens_on).limit(1))


def all_campaigns() -> list[Campaign]:
    """Every campaign, the latest first."""
    return list(db.session.scalars(select(Campaign).order_by(Campaign.opens_on.desc(),
                                                             Campaign.id.desc())))


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def _checked(campaign: Campaign | None, *, title: str, year_label: str, opens_on: date,
             closes_on: date, retention_months: int, notes: str | None) -> dict:
    title = _clean(title)
    year_label = _clean(year_label)
    notes = _clean(notes) or None
    if not title:
        raise OperationError(_("L'intitulé de la campagne est obligatoire."))
    if len(title) > TITLE_MAX:
        raise OperationError(_("L'intitulé ne doit pas dépasser %(n)d caractères.", n=TITLE_MAX))
    match = YEAR_LABEL.match(year_label)
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        raise OperationError(_("L'année de formation s'écrit comme « 2026-2027 » "
                               "(deux années qui se suivent)."))
    if not isinstance(opens_on, date) or not isinstance(closes_on, date):
        raise OperationError(_("Les dates d'ouverture et de clôture sont obligatoires."))
    if opens_on >= closes_on:
        raise OperationError(_("La date de clôture doit suivre la date d'ouverture."))
    try:
        retention_months = int(retention_months)
    except (TypeError, ValueError):
        raise OperationError(_("La durée de conservation est un nombre de mois.")) from None
    if not RETENTION_MIN <= retention_months <= RETENTION_MAX:
        raise OperationError(_("La durée de conservation va de %(low)d à %(high)d mois.",
                               low=RETENTION_MIN, high=RETENTION_MAX))
    if notes is not None and len(notes) > NOTES_MAX:
        raise OperationError(_("Les informations ne doivent pas dépasser %(n)d caractères.",
                               n=NOTES_MAX))
    overlap = db.session.scalar(select(Campaign).where(
        Campaign.opens_on <= closes_on, Campaign.closes_on >= opens_on,
        Campaign.id != (campaign.id if campaign is not None else -1)).limit(1))
    if overlap is not None:
        raise OperationError(_(
            "Ces dates chevauchent la campagne « %(title)s » (du %(start)s au %(end)s) : "
            "une seule campagne peut être ouverte à la fois. Choisissez d'autres dates.",
            title=overlap.title, start=overlap.opens_on.strftime("%d/%m/%Y"),
            end=overlap.closes_on.strftime("%d/%m/%Y")))
    return {"title": title, "year_label": year_label, "opens_on": opens_on,
            "closes_on": closes_on, "retention_months": retention_months, "notes": notes}


def create_campaign(actor: User, *, title: str, year_label: str, opens_on: date,
                    closes_on: date, retention_months: int = 12,
                    notes: str | None = None) -> Campaign:
    with transaction():
        values = _checked(None, title=title, year_label=year_label, opens_on=opens_on,
                          closes_on=closes_on, retention_months=retention_months, notes=notes)
        campaign = Campaign(**values)
        db.session.add(campaign)
        db.session.flush()
        record("admission.campaign_created", campaign, actor=actor,
               after=snapshot(campaign, *CAMPAIGN_FIELDS))
    return campaign


def update_campaign(actor: User, campaign: Campaign, *, title: str, year_label: str,
                    opens_on: date, closes_on: date, retention_months: int = 12,
                    notes: str | None = None) -> Campaign:
    with transaction():
        values = _checked(campaign, title=title, year_label=year_label, opens_on=opens_on,
                          closes_on=closes_on, retention_months=retention_months, notes=notes)
        before = snapshot(campaign, *CAMPAIGN_FIELDS)
        for name, value in values.items():
            setattr(campaign, name, value)
        db.session.flush()
        record("admission.campaign_updated", campaign, actor=actor, before=before,
               after=snapshot(campaign, *CAMPAIGN_FIELDS))
    return campaign
