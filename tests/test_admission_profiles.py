"""The five access profiles, one by one, at their boundaries; what a derogation bears on;
who enters on their professional experience (cohort/admissions/profiles.py;
docs/domain.md, "Admissions")."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cohort.admissions.profiles import (
    BY_CODE,
    DEROGATION_LABELS,
    EXPERIENCE,
    PROFILES,
    QUALIFICATION,
    Facts,
    derogation_for,
    on_experience,
    profiles_met,
)

YEARS_5, YEARS_5_MINUS_1_MONTH = 60, 59


def codes(facts: Facts) -> list[str]:
    return [p.code for p in profiles_met(facts)]


def employed(months: int, level: int | None = None, **kw) -> Facts:
    return Facts(in_sector=True, management_months=months, diploma_level=level, **kw)


# --- the table -----------------------------------------------------------------------


def test_five_profiles_each_with_its_wording(app):
    assert [p.code for p in PROFILES] == [
        "employed-5y", "employed-2y-level6", "job-seeker-3y-level6", "mobility-5y-level6",
        "volunteer-5y-level6"]
    assert set(BY_CODE) == {p.code for p in PROFILES}
    with app.test_request_context():
        wordings = [str(p.wording) for p in PROFILES]
        assert "cinq ans" in wordings[0] and "niveau 6" not in wordings[0]
        assert "deux ans" in wordings[1] and "niveau 6" in wordings[1]
        assert "Demandeur" in wordings[2] and "trois ans" in wordings[2]
        assert "mobilité professionnelle" in wordings[3]
        assert "Bénévole" in wordings[4]
        assert "qualification" in str(DEROGATION_LABELS[QUALIFICATION])
        assert "expérience" in str(DEROGATION_LABELS[EXPERIENCE])


def test_nothing_declared_meets_nothing():
    assert codes(Facts()) == []
    assert derogation_for(Facts()) == [QUALIFICATION, EXPERIENCE]


# --- profile 1: employed in the field, five years of management, no diploma asked ----


def test_profile_1_exactly_five_years_meets_it():
    assert codes(employed(YEARS_5)) == ["employed-5y"]
    assert codes(employed(YEARS_5, level=3)) == ["employed-5y"]


def test_profile_1_four_years_eleven_months_does_not():
    assert codes(employed(YEARS_5_MINUS_1_MONTH)) == []
    assert codes(employed(YEARS_5_MINUS_1_MONTH, level=5)) == []


def test_profile_1_asks_the_field_and_an_employed_person():
    assert codes(Facts(in_sector=False, management_months=120)) == []
    # a job seeker is not an employee: their own profile asks a level 6 diploma
    assert "employed-5y" not in codes(employed(120, job_seeker=True))


# --- profile 2: employed, two years, level 6 -----------------------------------------


def test_profile_2_two_years_and_level_6():
    assert codes(employed(24, level=6)) == ["employed-2y-level6"]
    assert codes(employed(24, level=8)) == ["employed-2y-level6"]


def test_profile_2_twenty_three_months_does_not():
    assert codes(employed(23, level=6)) == []


def test_profile_2_level_5_does_not():
    assert codes(employed(24, level=5)) == []
    assert codes(employed(59, level=5)) == []


def test_profiles_1_and_2_together():
    assert codes(employed(YEARS_5, level=6)) == ["employed-5y", "employed-2y-level6"]


def test_profile_2_asks_the_field():
    assert codes(Facts(in_sector=False, management_months=24, diploma_level=6)) == []


# --- profile 3: job seeker, level 6, three years -------------------------------------


def seeker(months: int, level: int | None) -> Facts:
    return Facts(job_seeker=True, management_months=months, diploma_level=level)


def test_profile_3_three_years_and_level_6():
    assert codes(seeker(36, 6)) == ["job-seeker-3y-level6"]
    # in the field or not: the years of management are in the field by definition
    assert codes(Facts(in_sector=True, job_seeker=True, management_months=36,
                       diploma_level=7)) == ["job-seeker-3y-level6"]


def test_profile_3_thirty_five_months_does_not():
    assert codes(seeker(35, 6)) == []


def test_profile_3_level_5_does_not():
    assert codes(seeker(36, 5)) == []
    assert codes(seeker(120, None)) == []


def test_profile_3_asks_a_job_seeker():
    assert "job-seeker-3y-level6" not in codes(Facts(management_months=36, diploma_level=6))


# --- profile 4: professional mobility, five years, level 6 ---------------------------


def mobile(months: int, level: int | None) -> Facts:
    return Facts(mobility=True, management_months=months, diploma_level=level)


def test_profile_4_five_years_and_level_6():
    assert codes(mobile(YEARS_5, 6)) == ["mobility-5y-level6"]


def test_profile_4_four_years_eleven_months_does_not():
    assert codes(mobile(YEARS_5_MINUS_1_MONTH, 6)) == []


def test_profile_4_level_5_does_not():
    assert codes(mobile(YEARS_5, 5)) == []


# --- profile 5: volunteer, five years, level 6 ---------------------------------------


def volunteer(months: int, level: int | None) -> Facts:
    return Facts(volunteering_months=months, diploma_level=level)


def test_profile_5_five_years_of_volunteering_and_level_6():
    assert codes(volunteer(YEARS_5, 6)) == ["volunteer-5y-level6"]


def test_profile_5_four_years_eleven_months_does_not():
    assert codes(volunteer(YEARS_5_MINUS_1_MONTH, 6)) == []


def test_profile_5_level_5_does_not():
    assert codes(volunteer(YEARS_5, 5)) == []


def test_profile_5_counts_volunteering_not_management():
    # five years of management outside any profile's situation is not volunteering
    assert codes(Facts(management_months=YEARS_5, diploma_level=6)) == []


# --- the facts an application records -------------------------------------------------


def test_facts_of_an_application_count_missing_answers_as_no():
    blank = SimpleNamespace(in_sector=None, management_months=None, diploma_level=None,
                            job_seeker=None, mobility=None, volunteering_months=None)
    assert Facts.of(blank) == Facts()
    filled = SimpleNamespace(in_sector=True, management_months=24, diploma_level=6,
                             job_seeker=False, mobility=False, volunteering_months=0)
    assert codes(Facts.of(filled)) == ["employed-2y-level6"]


# --- derogations ---------------------------------------------------------------------


def test_no_derogation_when_a_profile_is_met():
    assert derogation_for(employed(YEARS_5)) == []
    assert derogation_for(volunteer(YEARS_5, 6)) == []


@pytest.mark.parametrize("facts", [
    employed(24, level=5),  # profile 2 but for the diploma
    employed(30, level=None),
    seeker(36, 5),  # profile 3 but for the diploma
    mobile(YEARS_5, 4),  # profile 4 but for the diploma
    volunteer(YEARS_5, 5),  # profile 5 but for the diploma
], ids=["employed-2y-level5", "employed-no-diploma", "seeker-level5", "mobility-level4",
        "volunteer-level5"])
def test_derogation_on_the_qualification_only(facts):
    assert codes(facts) == []
    assert derogation_for(facts) == [QUALIFICATION]


@pytest.mark.parametrize("facts", [
    employed(23, level=6),  # profile 2 but for one month
    employed(12, level=None),  # profile 1 but for the years (profile 2 is further)
    seeker(35, 6),
    mobile(YEARS_5_MINUS_1_MONTH, 6),
    volunteer(YEARS_5_MINUS_1_MONTH, 6),
], ids=["employed-23m-level6", "employed-12m", "seeker-35m", "mobility-59m",
        "volunteer-59m"])
def test_derogation_on_the_experience_only(facts):
    assert codes(facts) == []
    assert derogation_for(facts) == [EXPERIENCE]


def test_when_either_would_do_the_qualification_is_named():
    # 4 years 11 months without a diploma: one month more (profile 1) or a level 6
    # diploma (profile 2) would do; the derogation named is the qualification, and the
    # person then enters on their experience
    facts = employed(YEARS_5_MINUS_1_MONTH, level=3)
    assert derogation_for(facts) == [QUALIFICATION]
    assert on_experience(codes(facts), derogation_for(facts), facts.diploma_level)


@pytest.mark.parametrize("facts", [
    seeker(12, 5),  # neither the diploma nor the years of a job seeker
    mobile(12, 5),
    volunteer(12, 4),
    Facts(),
], ids=["seeker", "mobility", "volunteer", "nothing"])
def test_derogation_on_both(facts):
    assert derogation_for(facts) == [QUALIFICATION, EXPERIENCE]


# --- entry on professional experience (the VAE proposal is then required) -------------


def test_on_experience_for_the_profile_without_diploma_only():
    assert on_experience(["employed-5y"], [], None)
    assert not on_experience(["employed-2y-level6"], [], None)
    # meeting a diploma profile too: the person does not enter on experience alone
    assert not on_experience(["employed-5y", "employed-2y-level6"], [], None)
    for code in ("job-seeker-3y-level6", "mobility-5y-level6", "volunteer-5y-level6"):
        assert not on_experience([code], [], None)


def test_on_experience_when_the_derogation_bears_on_the_qualification():
    assert on_experience([], [QUALIFICATION], None)
    assert on_experience([], [QUALIFICATION, EXPERIENCE], None)


def test_not_on_experience_for_a_derogation_on_the_years_of_a_graduate():
    # level 6, 23 months: the derogation on the years makes profile 2, a diploma profile
    facts = employed(23, level=6)
    assert not on_experience(codes(facts), derogation_for(facts), facts.diploma_level)


def test_unknown_codes_are_ignored():
    assert not on_experience(["no-such-profile"], [], None)
    assert not on_experience([], [], None)


def test_a_derogation_on_the_years_without_diploma_enters_on_experience():
    facts = employed(12, level=5)
    assert derogation_for(facts) == [EXPERIENCE]
    assert on_experience(codes(facts), derogation_for(facts), facts.diploma_level)
