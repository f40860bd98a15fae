"""Rubrics: the assessment grids deliverable kinds declare (their default grid, see
:attr:`coelab.plugins.DeliverableKind.rubric`), which a cohort may then adapt.

Plugins import these types from :mod:`coelab.plugins`, the contract's public API, which
re-exports them.

A criterion names the competencies it assesses by their codes in the framework. A kind
is written for every module it applies to, so its criteria name the module's
competencies with the placeholder :data:`MODULE_PLACEHOLDER`: ``"{module}-3"`` is
competency 3 of the module the deliverable's cohort follows (``"2.4-3"`` in a cohort of
module 2.4); the diploma domains' codes are written as they are (``"DEIS-DC3-1"``). The
core resolves the placeholder when it builds a cohort's criteria
(:func:`resolve_codes`, docs/domain.md, "Competencies and the passeport compétences").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Level:
    """One level of a rubric's criterion, from the lowest to the highest."""

    label: Any
    description: Any = ""


#: in a criterion's competency code, the code of the module the cohort follows
MODULE_PLACEHOLDER = "{module}"


def resolve_codes(codes: Iterable[str], module: str | None) -> list[str]:
    """The codes with :data:`MODULE_PLACEHOLDER` replaced by ``module``, once each and in
    order; without a module, the codes that need one are left out."""
    out: list[str] = []
    for code in codes:
        if MODULE_PLACEHOLDER in code:
            if not module:
                continue
            code = code.replace(MODULE_PLACEHOLDER, module)
        if code not in out:
            out.append(code)
    return out


def resolve_criteria(criteria: list[dict[str, Any]], module: str | None) -> list[dict[str, Any]]:
    """A copy of the criteria (as :meth:`Rubric.as_data` gives them) whose competency
    codes are resolved for ``module`` (:func:`resolve_codes`)."""
    return [{**c, "competencies": resolve_codes(c.get("competencies", []), module)}
            for c in criteria]


#: the four levels every default rubric uses, lowest first
LEVEL_LABELS = (_l("Non atteint"), _l("Partiellement atteint"), _l("Atteint"), _l("Dépassé"))


def levels(*descriptions: Any) -> tuple[Level, ...]:
    """The four standard levels (:data:`LEVEL_LABELS`), with one description each."""
    if len(descriptions) != len(LEVEL_LABELS):
        raise ValueError(f"give {len(LEVEL_LABELS)} level descriptions")
    return tuple(Level(label, text) for label, text in zip(LEVEL_LABELS, descriptions,
                                                           strict=True))


@dataclass(frozen=True)
class Criterion:
    """One criterion of a rubric: ordered ``levels`` (lowest first), a ``weight`` in the
    score, and the codes of the competencies it assesses (see the competency framework,
    :mod:`coelab.assessments`), relative to the cohort's module with
    :data:`MODULE_PLACEHOLDER` (``"{module}-1"``)."""

    key: str
    title: Any
    levels: tuple[Level, ...]
    description: Any = ""
    weight: int = 1
    competencies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 40:
            raise ValueError(f"criterion {self.key!r}: a key of 1 to 40 characters")
        if len(self.levels) < 2:
            raise ValueError(f"criterion {self.key!r}: at least two levels")
        if not isinstance(self.weight, int) or self.weight < 1:
            raise ValueError(f"criterion {self.key!r}: the weight is a positive integer")
        for code in self.competencies:
            bare = code.replace(MODULE_PLACEHOLDER, "")
            if not bare or "{" in bare or "}" in bare or any(c.isspace() or c == ","
                                                            for c in code):
                raise ValueError(f"criterion {self.key!r}: bad competency code {code!r} "
                                 f"(the only placeholder is {MODULE_PLACEHOLDER})")


@dataclass(frozen=True)
class Rubric:
    """A deliverable kind's default assessment grid (:attr:`coelab.plugins.DeliverableKind.rubric`).

    A coordinator may adapt it for one cohort until an assessment uses it."""

    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        keys = [c.key for c in self.criteria]
        if not keys or len(keys) != len(set(keys)):
            raise ValueError("a rubric has criteria with distinct keys")

    def as_data(self) -> list[dict[str, Any]]:
        """The criteria as plain JSON data (texts in the current language)."""
        return [{"key": c.key, "title": str(c.title), "description": str(c.description),
                 "weight": c.weight, "competencies": list(c.competencies),
                 "levels": [{"label": str(lv.label), "description": str(lv.description)}
                            for lv in c.levels]}
                for c in self.criteria]
