"""The diplomas the programme's parcours are capitalisable toward (docs/domain.md,
"Diploma blocks").

Parcours I is capitalisable in a course preparing the CAFERUIS and may, under the
diploma's eligibility conditions, lead to validating its domains DC3 and DC5;
parcours III is capitalisable toward the DEIS and may lead to validating its DC3. A
trainee's results count toward a diploma's blocks only on the parcours that names it,
and the passeport shows them as *capitalisable*, with whether the trainee meets the
diploma's access conditions (recorded by the coordination).
"""

from __future__ import annotations

from dataclasses import dataclass

from coelab.api import Parcours


@dataclass(frozen=True)
class Diploma:
    """A diploma a parcours is capitalisable toward: ``code`` (``"CAFERUIS"``), its
    name as people say it, the parcours that counts toward it and the codes of its
    blocks (competency blocks of scope ``diploma`` in the framework)."""

    code: str
    label: str
    parcours: Parcours
    blocks: tuple[str, ...]


DIPLOMAS: tuple[Diploma, ...] = (
    Diploma("CAFERUIS", "CAFERUIS", Parcours.I, ("CAFERUIS-DC3", "CAFERUIS-DC5")),
    Diploma("DEIS", "DEIS", Parcours.III, ("DEIS-DC3",)),
)


def diplomas_for(parcours: Parcours | str | None) -> tuple[Diploma, ...]:
    """The diplomas a trainee on this parcours capitalises toward (parcours II: none)."""
    if parcours is None:
        return ()
    return tuple(d for d in DIPLOMAS if d.parcours == Parcours(parcours))


def diploma_of_block(block_code: str) -> Diploma | None:
    """The diploma a block belongs to, if it is a diploma's."""
    return next((d for d in DIPLOMAS if block_code in d.blocks), None)
