"""The training programme's structure, as the core knows it: its kinds of module and
its parcours.

The programme has one **transversal** module and several **thematic** modules; a cohort
follows one module, so its trainees attend either the transversal module or one
thematic module together. A trainee follows one of three **parcours** (docs/domain.md,
"Parcours"):

- parcours **I**: the transversal module only;
- parcours **II**: one thematic module only;
- parcours **III**: the transversal module and a thematic module.

What a trainee owes (which deliverable kinds, see
:attr:`coelab.plugins.DeliverableKind.parcours`) depends on their parcours and on the
kind of module of the cohort. The programme's catalogue (which thematic modules exist,
their sessions and sites) belongs to the ``cohort`` feature package, not to the core.
"""

from __future__ import annotations

import enum


class ModuleScope(enum.StrEnum):
    """Which kind of module a cohort follows: the transversal one or a thematic one."""

    TRANSVERSAL = "transversal"
    THEMATIC = "thematic"


class Parcours(enum.StrEnum):
    """The three parcours of the programme (see the module's documentation)."""

    I = "I"  # noqa: E741 - the programme's own name
    II = "II"
    III = "III"

    def follows(self, scope: ModuleScope) -> bool:
        """Whether a trainee on this parcours attends cohorts of this kind of module:
        I is the transversal module, II one thematic module, III both."""
        return scope in _PARCOURS_SCOPES[self]


_PARCOURS_SCOPES = {
    Parcours.I: {ModuleScope.TRANSVERSAL},
    Parcours.II: {ModuleScope.THEMATIC},
    Parcours.III: {ModuleScope.TRANSVERSAL, ModuleScope.THEMATIC},
}

#: the parcours' names, in order: ``("I", "II", "III")``
PARCOURS: tuple[str, ...] = tuple(p.value for p in Parcours)
#: the kinds of module: ``("transversal", "thematic")``
MODULE_SCOPES: tuple[str, ...] = tuple(s.value for s in ModuleScope)
