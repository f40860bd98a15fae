"""E-mail addresses typed into forms that create or find accounts: one check for the
core's and the packages' forms (platform/coelab/forms.py, ``email_address``). The demo's
people have addresses at ``demo.coelab.invalid`` (cohort/demo.py): a newcomer trying the
demo must be able to put them on a jury or a commission, so the reserved ``.invalid``
domain is accepted outside production, where no demo runs and such an address would
only stand for someone who never gets their mail."""

from __future__ import annotations

import pytest
from coelab.forms import InviteCoordinatorForm, InviteMemberForm
from coelab.jury.forms import ExternalForm, MemberForm

from cohort.admissions.forms_candidate import ApplyForm
from cohort.admissions.forms_commission import InviteMemberForm as CommissionInviteForm

DEMO = "rachid.amrani@demo.coelab.invalid"
PERSON = {"first_name": "Rachid", "last_name": "Amrani"}

FORMS = [
    (MemberForm, {"role": "member"}),
    (ExternalForm, {**PERSON, "job_title": "Directeur", "organisation": "ITEP"}),
    (InviteMemberForm, {**PERSON, "role": "trainer"}),
    (InviteCoordinatorForm, PERSON),
    (ApplyForm, PERSON),
    (CommissionInviteForm, PERSON),
]


def errors_for(form_class, values: dict, email: str) -> list:
    form = form_class(data={**values, "email": email}, meta={"csrf": False})
    for field in form:  # the views give these their choices (a partner organisation)
        if getattr(field, "choices", ()) is None:
            field.choices = [(1, "Partenaire")]
            field.data = 1
    form.validate()
    return list(form.email.errors)


@pytest.mark.parametrize("form_class,values", FORMS, ids=lambda f: getattr(f, "__module__",
                                                                           "")[-20:])
def test_the_demo_addresses_are_accepted_locally(app, form_class, values):
    with app.test_request_context():
        assert errors_for(form_class, values, DEMO) == []
        assert errors_for(form_class, values, "  Lea.Martin@Example.org ") == []


@pytest.mark.parametrize("form_class,values", FORMS, ids=lambda f: getattr(f, "__module__",
                                                                           "")[-20:])
@pytest.mark.parametrize("bad", ["not-an-address", "a@b", "a b@example.org",
                                 "@example.org", "x@", "x@.invalid"])
def test_impossible_addresses_are_refused(app, form_class, values, bad):
    with app.test_request_context():
        assert errors_for(form_class, values, bad)


def test_a_nul_character_is_refused_where_no_filter_takes_it_out(app):
    with app.test_request_context():
        assert errors_for(MemberForm, {"role": "member"}, "x@exa\x00mple.org")


def test_in_production_a_reserved_domain_is_refused(app):
    app.config["ENV_MODE"] = "production"
    with app.test_request_context():
        assert errors_for(MemberForm, {"role": "member"}, DEMO)
        assert errors_for(MemberForm, {"role": "member"}, "lea@example.org") == []
