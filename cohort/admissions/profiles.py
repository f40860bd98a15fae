"""The five access profiles of the programme, as data (docs/domain.md, "Admission").

Each profile is one row of :data:`PROFILES`: its code, its French wording (shown to the
candidate and to the commission) and its rule over the facts a candidate declares
(:class:`Facts`). Durations are counted in months, so that "at least five years" is 60
months and 4 years 11 months (59) is not enough; diploma levels are the French scale
(level 6: licence, bachelor; level 5: BTS, DUT).

A candidate who meets no profile may still apply: their application needs a
**derogation**, which the commission grants case by case in view of their professional or
volunteering project. :func:`derogation_for` says what it would bear on: the level of
qualification, the years of experience, or both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

#: the diploma level most profiles require
LEVEL = 6
YEAR = 12  # months


@dataclass(frozen=True)
class Facts:
    """What a candidate declares for the access profiles."""

    in_sector: bool = False  # works, or worked, in social, medico-social or sociocultural work
    management_months: int = 0  # in a management or direction role, in that field
    diploma_level: int | None = None
    job_seeker: bool = False
    mobility: bool = False  # in professional mobility (career change)
    volunteering_months: int = 0  # volunteering in an organisation of that field

    @classmethod
    def of(cls, application: Any) -> Facts:
        """The facts an application records (missing answers count as no)."""
        return cls(in_sector=bool(application.in_sector),
                   management_months=application.management_months or 0,
                   diploma_level=application.diploma_level,
                   job_seeker=bool(application.job_seeker),
                   mobility=bool(application.mobility),
                   volunteering_months=application.volunteering_months or 0)

    @property
    def level(self) -> int:
        return self.diploma_level or 0


@dataclass(frozen=True)
class Profile:
    """One access profile: ``rule`` answers whether facts meet it. ``months`` and
    ``level`` are what it asks (of management experience, or of volunteering for the
    volunteer profile; None: no diploma asked), so that a near miss can be told apart:
    a derogation on the years or on the qualification. ``on_experience``: a person
    admitted under this profile alone enters on their professional experience, and is
    always offered a VAE accompaniment at the interview."""

    code: str
    wording: Any
    rule: Callable[[Facts], bool]
    months: int
    level: int | None
    on_experience: bool = False

    def met_by(self, facts: Facts) -> bool:
        return self.rule(facts)


def _experience(facts: Facts) -> int:
    return facts.management_months


PROFILES: tuple[Profile, ...] = (
    Profile(
        "employed-5y",
        _l("Salarié·e du champ de l'intervention sociale, médicosociale ou socioculturelle "
           "exerçant une fonction de direction ou d'encadrement depuis au moins cinq ans"),
        lambda f: f.in_sector and not f.job_seeker and f.management_months >= 5 * YEAR,
        months=5 * YEAR, level=None, on_experience=True),
    Profile(
        "employed-2y-level6",
        _l("Salarié·e du champ exerçant une fonction de direction ou d'encadrement depuis "
           "au moins deux ans et titulaire d'un diplôme ou d'un titre reconnu au moins de "
           "niveau 6"),
        lambda f: (f.in_sector and not f.job_seeker and f.management_months >= 2 * YEAR
                   and f.level >= LEVEL),
        months=2 * YEAR, level=LEVEL),
    Profile(
        "job-seeker-3y-level6",
        _l("Demandeur·se d'emploi titulaire d'un diplôme ou d'un titre reconnu au moins de "
           "niveau 6, avec au moins trois ans d'expérience d'encadrement ou de direction "
           "dans le champ"),
        lambda f: f.job_seeker and f.level >= LEVEL and f.management_months >= 3 * YEAR,
        months=3 * YEAR, level=LEVEL),
    Profile(
        "mobility-5y-level6",
        _l("Personne en mobilité professionnelle disposant d'au moins cinq ans d'expérience "
           "de direction ou d'encadrement et d'un diplôme ou d'un titre reconnu au moins de "
           "niveau 6"),
        lambda f: f.mobility and f.management_months >= 5 * YEAR and f.level >= LEVEL,
        months=5 * YEAR, level=LEVEL),
    Profile(
        "volunteer-5y-level6",
        _l("Bénévole depuis au moins cinq ans dans une organisation du champ de "
           "l'intervention sociale, médicosociale ou socioculturelle, titulaire d'un diplôme "
           "ou d'un titre reconnu au moins de niveau 6"),
        lambda f: f.volunteering_months >= 5 * YEAR and f.level >= LEVEL,
        months=5 * YEAR, level=LEVEL),
)

BY_CODE = {p.code: p for p in PROFILES}

QUALIFICATION = "qualification"
EXPERIENCE = "experience"
DEROGATION_LABELS = {
    QUALIFICATION: _l("le niveau de qualification"),
    EXPERIENCE: _l("le nombre d'années d'expérience professionnelle ou bénévole"),
}


def profiles_met(facts: Facts) -> list[Profile]:
    return [p for p in PROFILES if p.met_by(facts)]


def _with(facts: Facts, **changes: Any) -> Facts:
    return Facts(**{**facts.__dict__, **changes})


def derogation_for(facts: Facts) -> list[str]:
    """What a derogation would bear on for a candidate who meets no profile: the level
    of qualification (some profile would be met with a level 6 diploma), the years of
    experience (some profile would be met with its years), or both (neither alone is
    enough). Empty when a profile is met."""
    if profiles_met(facts):
        return []
    if profiles_met(_with(facts, diploma_level=max(facts.level, LEVEL))):
        return [QUALIFICATION]
    longest = max(p.months for p in PROFILES)
    if profiles_met(_with(facts, management_months=max(facts.management_months, longest),
                          volunteering_months=max(facts.volunteering_months, longest))):
        return [EXPERIENCE]
    return [QUALIFICATION, EXPERIENCE]


def on_experience(profile_codes: list[str], derogation: list[str],
                  diploma_level: int | None) -> bool:
    """Whether a person enters on their professional experience rather than on a
    diploma: every profile they meet asks no diploma; or, admitted by derogation, the
    derogation bears on the qualification, or it bears on the years alone while their
    diploma is below the level the other profiles ask (the years lead to the profile
    without a diploma). The VAE proposal is then required at the interview."""
    met = [BY_CODE[c] for c in profile_codes if c in BY_CODE]
    if met:
        return all(p.on_experience for p in met)
    if QUALIFICATION in derogation:
        return True
    return EXPERIENCE in derogation and (diploma_level or 0) < LEVEL
