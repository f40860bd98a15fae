"""The programme's partner organisations (docs/domain.md, "Admission"): one representative
of each active partner sits on every admission commission (cohort/admissions/commission.py
``composition``). The coordination keeps the list: adds, renames, deactivates (a partner
that no longer takes part stops being required, and its past sittings keep it).

The audit records the organisation's name and whether it is active, never the contact
(often a person's name and address).
"""

from __future__ import annotations

from coelab.api import OperationError, User, db, record, transaction
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .models import PartnerOrganisation

__all__ = ["create_partner", "partners", "set_partner_active", "update_partner"]

NAME_MAX = 200
CONTACT_MAX = 300


def partners(*, active_only: bool = False) -> list[PartnerOrganisation]:
    """The partner organisations, the active ones first, by name."""
    query = select(PartnerOrganisation).order_by(PartnerOrganisation.active.desc(),
                                                 func.lower(PartnerOrganisation.name))
    if active_only:
        query = query.where(PartnerOrganisation.active.is_(True))
    return list(db.session.scalars(query))


def _clean(value: str | None) -> str:
    return " ".join((value or "").replace("\x00", "").split())


def _checked(name: str | None, contact: str | None) -> tuple[str, str | None]:
    name, contact = _clean(name), _clean(contact) or None
    if not name:
        raise OperationError(_("Indiquez le nom de l'organisation partenaire."))
    if len(name) > NAME_MAX:
        raise OperationError(_("Le nom ne dépasse pas %(n)d caractères.", n=NAME_MAX))
    if contact is not None and len(contact) > CONTACT_MAX:
        raise OperationError(_("Le contact ne dépasse pas %(n)d caractères.", n=CONTACT_MAX))
    return name, contact


def _taken(name: str) -> str:
    return _("Une organisation partenaire s'appelle déjà « %(name)s ».", name=name)


def _check_unique(name: str, partner: PartnerOrganisation | None) -> None:
    query = select(PartnerOrganisation.id).where(
        func.lower(PartnerOrganisation.name) == name.lower())
    if partner is not None:
        query = query.where(PartnerOrganisation.id != partner.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise OperationError(_taken(name))


def create_partner(actor: User, *, name: str, contact: str | None = None
                   ) -> PartnerOrganisation:
    name, contact = _checked(name, contact)
    _check_unique(name, None)
    refusal = _taken(name)
    try:
        with transaction():
            partner = PartnerOrganisation(name=name, contact=contact, active=True)
            db.session.add(partner)
            db.session.flush()
            record("admission.partner_created", partner, actor=actor,
                   after={"name": name, "active": True})
    except IntegrityError:
        # the same name added by someone else at the same moment
        raise OperationError(refusal) from None
    return partner


def update_partner(actor: User, partner: PartnerOrganisation, *, name: str,
                   contact: str | None) -> PartnerOrganisation:
    name, contact = _checked(name, contact)
    _check_unique(name, partner)
    before = {"name": partner.name}
    refusal = _taken(name)
    try:
        with transaction():
            partner.name, partner.contact = name, contact
            db.session.flush()
            record("admission.partner_updated", partner, actor=actor, before=before,
                   after={"name": name})
    except IntegrityError:
        raise OperationError(refusal) from None
    return partner


def set_partner_active(actor: User, partner: PartnerOrganisation, active: bool) -> None:
    """Deactivate a partner that no longer takes part in the programme (its
    representative is no longer required on the commission), or reactivate it."""
    if partner.active == active:
        return
    with transaction():
        partner.active = active
        record("admission.partner_activated" if active else "admission.partner_deactivated",
               partner, actor=actor, before={"active": not active}, after={"active": active})
