"""The admission workflow table: every step of an application, from the draft to the
commission's decision (docs/architecture.md, "Admissions"; docs/domain.md, "Admission").

The same shape as the deliverables' table (platform/coelab/deliverables/steps.py): one
entry per step names its sources and targets, who may take it (a key of
``cohort/admissions/rules.py`` ``PEOPLE``), the operation that takes it and the audit
action. Its policy action is ``admission.<name>``; its rule is "those people, while the
application is in one of the sources" (``cohort/admissions/rules.py``), and the move is a
conditional UPDATE (``cohort/admissions/workflow.py``), so that of two people acting at
once exactly one succeeds.

::

    draft → submitted → complete → interview_scheduled → interviewed → before_commission
      ↑        │                                                           │
      └────────┘ (more asked)            admitted / admitted_derogation / waiting_list / refused
    withdrawn: from any state before the decision (and from the waiting list)

Enrolment is not a state: an admitted application gets ``enrolled_at`` when it becomes
an enrolment (``cohort/admissions/enrolment.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import DECISIONS, ApplicationState

A = ApplicationState

#: states in which the candidate writes their dossier
EDITABLE = frozenset({A.DRAFT})
#: states from which the candidate may withdraw
WITHDRAWABLE = frozenset({A.DRAFT, A.SUBMITTED, A.COMPLETE, A.INTERVIEW_SCHEDULED,
                          A.INTERVIEWED, A.BEFORE_COMMISSION, A.WAITING_LIST})
#: states of an application no longer in progress
FINISHED = frozenset({A.ADMITTED, A.ADMITTED_DEROGATION, A.REFUSED, A.WITHDRAWN})


@dataclass(frozen=True)
class Step:
    name: str
    label: Any
    sources: frozenset[ApplicationState]
    targets: frozenset[ApplicationState]
    who: str
    operation: str
    done: Any = None

    @property
    def action(self) -> str:
        return f"admission.{self.name}"

    @property
    def audit(self) -> str:
        return f"admission.{self.name}"


def _one(state: ApplicationState) -> frozenset[ApplicationState]:
    return frozenset({state})


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("submit", _l("Déposer ma candidature"), EDITABLE, _one(A.SUBMITTED),
         who="candidate", operation="cohort.admissions.candidacy:submit",
         done=_l("Votre candidature est déposée : vous recevez un message de confirmation.")),
    Step("ask_more", _l("Demander des compléments"), _one(A.SUBMITTED), _one(A.DRAFT),
         who="staff", operation="cohort.admissions.pipeline:ask_more",
         done=_l("Le dossier est rendu au candidat ou à la candidate avec votre demande.")),
    Step("mark_complete", _l("Dossier complet"), _one(A.SUBMITTED), _one(A.COMPLETE),
         who="staff", operation="cohort.admissions.pipeline:mark_complete",
         done=_l("Le dossier est complet : programmez l'entretien.")),
    Step("schedule_interview", _l("Programmer l'entretien"),
         frozenset({A.COMPLETE, A.INTERVIEW_SCHEDULED}), _one(A.INTERVIEW_SCHEDULED),
         who="staff", operation="cohort.admissions.interviews:schedule",
         done=_l("Entretien programmé : le candidat ou la candidate et la personne qui "
                 "le mène sont prévenus.")),
    Step("record_interview", _l("Compte rendu d'entretien"),
         _one(A.INTERVIEW_SCHEDULED), _one(A.INTERVIEWED),
         who="interviewer_or_staff", operation="cohort.admissions.interviews:record",
         done=_l("Compte rendu enregistré.")),
    Step("place_before_commission", _l("Présenter à la commission"),
         frozenset({A.INTERVIEWED, A.WAITING_LIST}), _one(A.BEFORE_COMMISSION),
         who="staff", operation="cohort.admissions.commission:place",
         done=_l("La candidature est inscrite à l'ordre du jour de la commission.")),
    Step("decide", _l("Enregistrer la décision"), _one(A.BEFORE_COMMISSION),
         frozenset(DECISIONS), who="chair", operation="cohort.admissions.commission:decide",
         done=_l("Décision enregistrée.")),
    # a change of decision: before the list is closed, the chair corrects it; after,
    # it is a new decision of the commission, recorded with its reason
    Step("revise_decision", _l("Modifier la décision"), frozenset(DECISIONS),
         frozenset(DECISIONS), who="chair_or_staff",
         operation="cohort.admissions.commission:revise",
         done=_l("Nouvelle décision enregistrée.")),
    Step("withdraw", _l("Retirer ma candidature"), WITHDRAWABLE, _one(A.WITHDRAWN),
         who="candidate_or_staff", operation="cohort.admissions.candidacy:withdraw",
         done=_l("La candidature est retirée.")),
)}


def state_label(state: ApplicationState | str) -> str:
    return {
        A.DRAFT: _("brouillon"),
        A.SUBMITTED: _("déposée"),
        A.COMPLETE: _("dossier complet"),
        A.INTERVIEW_SCHEDULED: _("entretien programmé"),
        A.INTERVIEWED: _("entretien réalisé"),
        A.BEFORE_COMMISSION: _("devant la commission"),
        A.ADMITTED: _("admis·e"),
        A.ADMITTED_DEROGATION: _("admis·e par dérogation"),
        A.WAITING_LIST: _("liste d'attente"),
        A.REFUSED: _("refusée"),
        A.WITHDRAWN: _("retirée"),
    }.get(state, str(state))


def impossible(state: ApplicationState | str) -> str:
    """What someone is told when a step no longer applies."""
    return _("Impossible : cette candidature est maintenant « %(state)s ». La page a "
             "peut-être changé entre-temps ; rechargez-la.", state=state_label(state))
