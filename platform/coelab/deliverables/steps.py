"""The workflow table: every step of a deliverable, from writing to the jury's result.

One entry per step says everything the rest of the code derives from it:

- ``name``: the step; its policy action is ``deliverable.<name>`` and, for a step that
  moves the state, its audit action (``audit``) is ``deliverable.<name>``;
- ``sources`` and ``target``: the states it leaves from and the state it moves to
  (``None``: it acts within the state, as signing the minutes does);
- ``who``: the people who may take it, a key of :data:`coelab.policy.PEOPLE`; the
  policy's rule for the step is "those people, while the deliverable is in one of the
  sources, on the step's route" (:func:`coelab.policy.step_rules`);
- ``route``: the assessment route the step belongs to, :data:`SOUTENANCE` or
  :data:`WRITTEN` (None: both). A kind declares its route
  (:attr:`coelab.plugins.DeliverableKind.soutenance`, read by :func:`route_of`): defended
  before the panel (a soutenance is scheduled, then the deliberation opens from its day),
  or judged on the written work alone (the panel's examination of the frozen version
  opens at once, with no soutenance, calendar or soutenance notice). Both routes then
  share the decision, the minutes, the release and the resubmission;
- ``section``: the part of the deliverable's page that offers it (``"review"`` or
  ``"jury"``);
- ``notify``: whom the step tells once it is committed, and ``subject``: what
  (:func:`coelab.deliverables.workflow.announce`);
- ``label``: the button that offers it; ``done``: what the person is told after;
- ``operation``: the function that takes it (``module:function``), which moves the
  state by a conditional UPDATE (:func:`coelab.deliverables.workflow.move`).

Adding a step is one entry here, plus its operation and, if its people are new, one
entry in ``coelab.policy.PEOPLE``. ``docs/architecture.md`` shows the table as a diagram
(:func:`diagram`), checked against it by tests/test_workflow_table.py.

This module holds data only (it imports models, never operations), so that the policy,
which depends on models only, derives its rules from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import DeliverableState

S = DeliverableState

#: states in which the authors write
WRITING = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
#: the assessment routes (docs/domain.md, "Review, soutenance and jury"): defended before
#: the panel, or judged on the written work alone
SOUTENANCE = "soutenance"
WRITTEN = "written"
ROUTES = (SOUTENANCE, WRITTEN)

#: states in which the jurors score the frozen version: around the soutenance (once it
#: is scheduled, and during the deliberation) on the soutenance route; during the
#: examination of the written work (the deliberation state) on the written route, which
#: never reaches soutenance_scheduled
JURY_SCORING = frozenset({S.SOUTENANCE_SCHEDULED, S.DELIBERATION})
#: per route, the states in which each juror scores on their own: a sitting juror reads
#: the other jurors' scores of the round once every sitting juror has scored
#: (coelab.assessments.rules). On the soutenance route the opening of the deliberation
#: also shows them; on the written route the examination is that deliberation, so the
#: decision waits for every sitting juror's score (coelab.jury.operations.decide)
BLIND_SCORING = {
    SOUTENANCE: frozenset({S.SOUTENANCE_SCHEDULED}),
    WRITTEN: frozenset({S.DELIBERATION}),
}
#: soutenance materials can still be added after submission, until the jury decides
ATTACHABLE = frozenset(S) - {S.DECIDED, S.RELEASED}


@dataclass(frozen=True)
class Step:
    name: str
    label: Any
    sources: frozenset[DeliverableState]
    target: DeliverableState | None
    who: str
    section: str  # "review" or "jury"
    operation: str
    route: str | None = None  # SOUTENANCE, WRITTEN, or None: both
    done: Any = None
    notify: tuple[str, ...] = ()
    subject: Any = None
    audit: str = ""

    def __post_init__(self) -> None:
        if not self.audit:
            object.__setattr__(self, "audit", f"deliverable.{self.name}")
        if self.route is not None and self.route not in ROUTES:
            raise ValueError(f"step {self.name!r}: unknown route {self.route!r}")

    @property
    def action(self) -> str:
        """Its policy action."""
        return f"deliverable.{self.name}"


STEPS: dict[str, Step] = {step.name: step for step in (
    Step("submit", _l("Remettre"), WRITING, S.SUBMITTED, who="authors", section="review",
         operation="coelab.deliverables.workflow:submit",
         notify=("trainers",),
         subject=_l("« %(title)s » a été remis (remise n° %(n)s).")),
    Step("start_review", _l("Commencer la relecture"), frozenset({S.SUBMITTED}), S.IN_REVIEW,
         who="reviewers", section="review",
         operation="coelab.deliverables.workflow:start_review"),
    Step("request_changes", _l("Demander des modifications"), frozenset({S.IN_REVIEW}),
         S.CHANGES_REQUESTED, who="reviewers", section="review",
         operation="coelab.deliverables.workflow:request_changes",
         notify=("authors",),
         subject=_l("Des modifications sont demandées sur « %(title)s ».")),
    Step("ready_for_jury", _l("Prêt pour le jury"), frozenset({S.IN_REVIEW}),
         S.READY_FOR_JURY, who="reviewers", section="review",
         operation="coelab.deliverables.workflow:ready_for_jury"),
    Step("schedule_soutenance", _l("Programmer la soutenance"),
         frozenset({S.READY_FOR_JURY, S.SOUTENANCE_SCHEDULED}), S.SOUTENANCE_SCHEDULED,
         who="staff", section="jury", route=SOUTENANCE,
         operation="coelab.jury.operations:schedule",
         done=_l("Soutenance programmée : les auteurs et le jury sont prévenus."),
         # the members who declared their impartiality; one who declares later is told
         # then (coelab.jury.operations.declare), one who declined never is
         notify=("authors", "panel"),
         subject=_l("Soutenance de « %(title)s » programmée")),
    Step("open_deliberation", _l("Ouvrir la délibération"),
         frozenset({S.SOUTENANCE_SCHEDULED}), S.DELIBERATION, who="president_or_staff",
         section="jury", route=SOUTENANCE,
         operation="coelab.jury.operations:open_deliberation",
         done=_l("La délibération est ouverte.")),
    # the written route: no soutenance, the panel examines the frozen version at once
    # (also from soutenance_scheduled: a written work given a soutenance before its kind
    # took the written route, migration c0re0014, is not left without a way out)
    Step("open_examination", _l("Ouvrir l'examen du travail écrit"),
         frozenset({S.READY_FOR_JURY, S.SOUTENANCE_SCHEDULED}), S.DELIBERATION,
         who="president_or_staff",
         section="jury", route=WRITTEN,
         operation="coelab.jury.operations:open_examination",
         done=_l("L'examen du travail écrit est ouvert : chaque membre du jury le note."),
         # the members who sit; one who declares later is told then (like a soutenance)
         notify=("panel",), subject=_l("Travail écrit à examiner : %(title)s")),
    Step("decide", _l("Enregistrer la décision"), frozenset({S.DELIBERATION}), S.DECIDED,
         who="president", section="jury", operation="coelab.jury.operations:decide",
         done=_l("Décision enregistrée : chaque membre signe maintenant le procès-verbal."),
         notify=("panel",), subject=_l("Procès-verbal à signer : %(title)s")),
    Step("sign_minutes", _l("Signer le procès-verbal"), frozenset({S.DECIDED}), None,
         who="jurors", section="jury", operation="coelab.jury.operations:sign",
         done=_l("Procès-verbal signé."), audit="jury.minutes_signed"),
    Step("release", _l("Publier le résultat aux auteurs"), frozenset({S.DECIDED}),
         S.RELEASED, who="staff", section="jury", operation="coelab.jury.operations:release",
         done=_l("Résultat publié : les auteurs le voient maintenant."),
         notify=("authors",), subject=_l("Résultat de « %(title)s »")),
    Step("reopen_for_resubmission", _l("Commencer la nouvelle remise"),
         frozenset({S.RELEASED}), S.CHANGES_REQUESTED, who="authors_or_staff",
         section="jury", operation="coelab.jury.operations:reopen_for_resubmission",
         done=_l("Le texte est rouvert pour une nouvelle remise.")),
)}


def step(name: str) -> Step:
    return STEPS[name]


def state_label(state: str) -> str:
    return {
        "not_started": _("pas encore commencé"),
        S.DRAFT: _("en cours de rédaction"),
        S.SUBMITTED: _("remis"),
        S.IN_REVIEW: _("en relecture"),
        S.CHANGES_REQUESTED: _("modifications demandées"),
        S.READY_FOR_JURY: _("prêt pour le jury"),
        S.SOUTENANCE_SCHEDULED: _("soutenance programmée"),
        S.DELIBERATION: _("en délibération"),
        S.DECIDED: _("décision prise"),
        S.RELEASED: _("résultats publiés"),
    }.get(state, str(state))


def route_of(deliverable: Any) -> str:
    """The assessment route of a deliverable: its kind's
    (:attr:`coelab.plugins.DeliverableKind.soutenance`). A kind no plugin declares any
    more keeps the soutenance route, the one every kind took before kinds declared
    theirs. The registry is read from the app (this module imports models only)."""
    kind = current_app.extensions["coelab_plugins"].kind(deliverable.kind)
    return SOUTENANCE if kind is None or kind.soutenance else WRITTEN


def on_route(step: Step, deliverable: Any) -> bool:
    """Whether the step belongs to the deliverable's route."""
    return step.route is None or step.route == route_of(deliverable)


def off_route(step: Step, deliverable: Any) -> str:
    """What someone is told when a step is not on the deliverable's route."""
    if step.route == SOUTENANCE:
        return _("« %(title)s » est jugé sur le travail écrit seul : il n'a pas de "
                 "soutenance. Le jury examine la version remise.", title=deliverable.title)
    return _("« %(title)s » est soutenu devant le jury : programmez sa soutenance, puis "
             "ouvrez la délibération.", title=deliverable.title)


def impossible(state) -> str:
    """What someone is told when a step no longer applies."""
    return _("Impossible : ce livrable est maintenant « %(state)s ». La page a peut-être "
             "changé entre-temps ; rechargez-la.", state=state_label(state))


def diagram() -> str:
    """The table as a Mermaid state diagram (docs/architecture.md shows it)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for s in STEPS.values():
        route = f", {s.route} route" if s.route else ""
        for source in sorted(s.sources, key=list(S).index):
            target = (s.target or source).value
            lines.append(f"    {source.value} --> {target}: {s.name} ({s.who}{route})")
    return "\n".join(lines)
