"""Every URL rule and every co-editing socket event, checked for every kind of person.

The expectations are declared in one table (``RULES`` for HTTP, ``SOCKET_EVENTS`` for the
socket handlers). A rule or a handler the app registers but the table does not declare
fails the test, and so does a table entry for a rule that no longer exists: a new page
cannot ship without someone deciding who may open it.

Outcomes, following the policy's conventions (coelab.policy):

- ``anonymous`` is sent to the login page (or gets 401 from a JSON endpoint);
- someone who may not even see the object gets 404, exactly like a missing object;
- someone who sees the object but may not do the action gets 403;
- someone allowed gets anything but 401, 403 or 404 (an empty POST may well answer a
  400 or the form again with its errors);
- nobody ever gets a 5xx.

The table describes one state of the world (``World``: a case study before its panel,
drafts...). The states it does not cover are declared as data too (``STATES``): each
moves the world there through the application's operations (changes requested, the
jury deliberating, deciding, releasing; jurors before their declaration of
impartiality, a juror taken off the panel, an author taken out of their team) and
declares the rows checked there, for the people whose answers the state changes.

Allowed POSTs change the database; it is restored to the world's state before the next
request, so that each person meets the same world.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from coelab import sessions
from coelab.db import db
from coelab.extensions import socketio
from sqlalchemy import select

from .conftest import PASSWORD, base_config
from .test_comments import ANCHOR

# --- the people -----------------------------------------------------------------------

ROLES = (
    "anonymous",
    "author",  # trainee of the cohort, member of the team (author of the objects)
    "peer",  # trainee of the same cohort, in another team
    "other_trainee",  # trainee of another cohort
    "trainer",  # trainer of the cohort (who reviewed the work)
    "other_trainer",  # trainer of another cohort
    "juror",  # member of the panel judging the case study (impartiality declared)
    "other_juror",  # member of another panel (impartiality declared)
    "external",  # practising professional invited onto another panel
    "coordinator",
    "admin",
    "candidate",  # a candidate to the programme, whose application is before a sitting
)
AUTHENTICATED = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"coordinator", "admin"})
ADMIN = frozenset({"admin"})
COHORT = frozenset({"author", "peer", "trainer"}) | STAFF  # cohort.view
TRAINER = frozenset({"trainer"}) | STAFF  # trainers of the cohort and the coordination
TRAINEES = frozenset({"author", "peer"}) | STAFF  # deliverable.start, document.create
OWN = frozenset({"author"}) | TRAINER  # readers of the author's (team's) draft work
JURY_WORK = OWN | {"juror"}  # readers of the work the panel judges
PANEL = frozenset({"juror"}) | STAFF  # jury.view of the panel
AUTHOR = frozenset({"author"})
NOBODY = frozenset()
# the candidate's application: the trainer interviewed them, the other trainer sits on
# the commission the application is before (cohort/admissions/rules.py)
APPLICATION = frozenset({"candidate", "trainer", "other_trainer"}) | STAFF
COMMISSION = frozenset({"other_trainer"}) | STAFF


@dataclass(frozen=True)
class Access:
    """Who sees the object a rule works on (others: 404) and who may do the action
    (others who see it: 403). ``post`` overrides ``allowed`` for the POST of a rule that
    also answers GET. ``args`` names the world object for a URL argument when it is not
    the default one (see ``World.args``)."""

    seen: frozenset
    allowed: frozenset
    post: frozenset | None = None
    args: dict = field(default_factory=dict)
    anonymous: str = "login"  # what anonymous gets when not allowed
    misplaced: bool = False  # an inner object from elsewhere: 404 to those allowed


def A(seen, allowed, post=None, **args) -> Access:  # noqa: N802 - a table's shorthand
    return Access(frozenset(seen), frozenset(allowed),
                  None if post is None else frozenset(post), args)


PUBLIC = A(EVERYONE, EVERYONE)
# a link with a token that is not (or no longer) valid leads nowhere, for everyone
BAD_TOKEN = Access(NOBODY, NOBODY, anonymous="404")
LOGGED_IN = A(AUTHENTICATED, AUTHENTICATED)
STAFF_ONLY = A(AUTHENTICATED, STAFF)  # programme-wide pages: no object to hide
ADMIN_ONLY = A(AUTHENTICATED, ADMIN)

# the rules that end the client's own session: each is checked with a fresh session
SIGN_OUT = frozenset({"auth.logout", "auth.end_all_sessions"})

# Every URL rule of the app (``static`` aside), keyed by its rule string.
RULES: dict[str, Access] = {
    # --- public and personal pages
    "/": LOGGED_IN,  # the landing page: the dashboard, or the login page
    "/login": PUBLIC,
    "/password/forgot": PUBLIC,
    # the organisation's logo, shown on the log-in page too (coelab/branding.py)
    "/organisation/logo": PUBLIC,
    "/password/reset/<token>": BAD_TOKEN,
    "/invitation/<token>": BAD_TOKEN,
    "/logout": LOGGED_IN,
    "/dashboard": LOGGED_IN,
    "/profile": LOGGED_IN,
    # one's own sessions (someone else's does not exist for you); ending them all is
    # checked like logging out, with a session of its own
    "/profile/sessions/<int:session_id>/end": A(AUTHOR, AUTHOR, session_id="author_session"),
    "/profile/sessions/end-all": LOGGED_IN,
    "/notifications": LOGGED_IN,
    "/notifications/read-all": LOGGED_IN,
    # someone else's notification does not exist for you
    "/notifications/<int:notification_id>/read": A(AUTHOR, AUTHOR),
    "/juries": LOGGED_IN,
    "/programme": LOGGED_IN,
    "/bonnes-pratiques": LOGGED_IN,
    "/bonnes-pratiques/<int:corpus_id>": LOGGED_IN,
    # a passport: its holder, the trainers of their cohorts, the coordination
    "/passeport": LOGGED_IN,
    "/passeport.pdf": LOGGED_IN,
    "/passeport/<int:user_id>": A(OWN, OWN),
    "/passeport/<int:user_id>.pdf": A(OWN, OWN),
    # their eligibility to a diploma: recorded by the coordination only
    "/passeport/<int:user_id>/eligibilite": A(OWN, STAFF),
    # the attestation de fin de formation: the coordination issues it (refused here: the
    # author's parcours is not validated); none is issued in this world, so its PDF is
    # missing for everyone (tests/test_attestation.py checks who reads an issued one)
    "/passeport/<int:user_id>/attestation": A(OWN, STAFF),
    "/passeport/<int:user_id>/attestation.pdf": A(NOBODY, NOBODY),
    # --- programme-wide administration
    "/users": A(AUTHENTICATED, STAFF, post=ADMIN),
    "/users/<int:user_id>/roles": ADMIN_ONLY,
    "/users/<int:user_id>/deactivate": ADMIN_ONLY,
    "/users/<int:user_id>/reactivate": ADMIN_ONLY,
    "/audit/<string:object_type>/<int:object_id>": STAFF_ONLY,
    "/cohorts/new": STAFF_ONLY,
    "/competencies": STAFF_ONLY,
    "/competencies/<int:competency_id>": STAFF_ONLY,
    "/competencies/<int:competency_id>/delete": STAFF_ONLY,
    "/competencies/blocks/<int:block_id>": STAFF_ONLY,
    "/competencies/blocks/<int:block_id>/competencies": STAFF_ONLY,
    "/competencies/blocks/<int:block_id>/delete": STAFF_ONLY,
    "/programme/modules/<int:module_id>": STAFF_ONLY,
    "/programme/parcours/<int:parcours_id>": STAFF_ONLY,
    "/programme/sessions/<int:session_id>": STAFF_ONLY,
    "/programme/sessions/new": STAFF_ONLY,
    "/programme/sites/<int:site_id>": STAFF_ONLY,
    "/programme/sites/new": STAFF_ONLY,
    # --- a cohort: seen by its members and the coordination
    "/cohorts/<int:cohort_id>": A(COHORT, COHORT),
    "/cohorts/<int:cohort_id>/audit": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/members": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/members/<int:membership_id>/remove": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/teams": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/teams/<int:team_id>/delete": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/teams/<int:team_id>/members": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/teams/<int:team_id>/rename": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/settings": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/enrolments": A(COHORT, TRAINER),
    "/cohorts/<int:cohort_id>/enrolments/<int:membership_id>": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/gatherings": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/gatherings/<int:gathering_id>/delete": A(COHORT, STAFF),
    # the attendance sheet: the cohort's trainers read it, the coordination records it
    "/cohorts/<int:cohort_id>/gatherings/<int:gathering_id>/attendance":
        A(COHORT, TRAINER, post=STAFF),
    "/cohorts/<int:cohort_id>/juries": A(COHORT, STAFF),
    # trainees get their own checklist there, trainers and staff every deliverable
    "/cohorts/<int:cohort_id>/deliverables": A(COHORT, COHORT),
    # trainers choose who writes a kind, the coordination moves due dates
    "/cohorts/<int:cohort_id>/deliverables/schedule/<kind_name>": A(COHORT, TRAINER),
    "/cohorts/<int:cohort_id>/deliverables/start/<kind_name>": A(COHORT, TRAINEES),
    "/cohorts/<int:cohort_id>/documents": A(COHORT, TRAINEES),
    "/cohorts/<int:cohort_id>/documents/new": A(COHORT, TRAINEES),
    "/cohorts/<int:cohort_id>/rubrics": A(COHORT, COHORT),
    "/cohorts/<int:cohort_id>/rubrics/<kind_name>": A(COHORT, COHORT),
    "/cohorts/<int:cohort_id>/rubrics/<kind_name>/<key>": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/rubrics/<kind_name>/<key>/delete": A(COHORT, STAFF),
    "/cohorts/<int:cohort_id>/rubrics/<kind_name>/criteria": A(COHORT, STAFF),
    # --- the author's draft work (a mini-diagnostic: private to its author among trainees)
    "/deliverables/<int:deliverable_id>": A(OWN, OWN),
    "/deliverables/<int:deliverable_id>/edit": A(OWN, AUTHOR | STAFF),
    "/deliverables/<int:deliverable_id>/submit": A(OWN, AUTHOR),
    "/deliverables/<int:deliverable_id>/export.<fmt>": A(OWN, OWN),
    "/deliverables/<int:deliverable_id>/extensions": A(OWN, STAFF),
    "/deliverables/<int:deliverable_id>/review/<action>": A(OWN, TRAINER),
    "/deliverables/<int:deliverable_id>/attachments": A(OWN, AUTHOR | STAFF),
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>": A(OWN, OWN),
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>/delete":
        A(OWN, AUTHOR | STAFF),
    "/deliverables/<int:deliverable_id>/comments": A(OWN, OWN),
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/<action>": A(OWN, OWN),
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/replies": A(OWN, OWN),
    "/documents/<int:document_id>": A(OWN, OWN),
    "/documents/<int:document_id>/diff": A(OWN, OWN),
    "/documents/<int:document_id>/preview": A(OWN, OWN),
    "/documents/<int:document_id>/token": A(OWN, OWN),
    "/documents/<int:document_id>/versions": A(OWN, OWN, post=AUTHOR),
    "/documents/<int:document_id>/versions/<int:number>": A(OWN, OWN),
    # --- the team's case study, before its panel (soutenance scheduled)
    "/deliverables/<int:deliverable_id>/assessment": A(JURY_WORK, {"juror"},
                                                       deliverable_id="case"),
    "/assessments/<int:assessment_id>": A(JURY_WORK, JURY_WORK),
    "/deliverables/<int:deliverable_id>/soutenance.ics": A(JURY_WORK, JURY_WORK,
                                                           deliverable_id="case"),
    # the president (not among these people) opens the deliberation, or the coordination
    "/deliverables/<int:deliverable_id>/jury/deliberation": A(JURY_WORK, STAFF,
                                                              deliverable_id="case"),
    # the written route's examination: the same people (the operation then says the case
    # study is defended, not judged on its written work alone)
    "/deliverables/<int:deliverable_id>/jury/examination": A(JURY_WORK, STAFF,
                                                             deliverable_id="case"),
    # only the president decides
    "/deliverables/<int:deliverable_id>/jury/decision": A(JURY_WORK, NOBODY,
                                                          deliverable_id="case"),
    # releasing is the coordination's, reopening the authors' (the step itself then
    # waits for its state, as review steps do)
    "/deliverables/<int:deliverable_id>/jury/release": A(JURY_WORK, STAFF,
                                                         deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/jury/resubmission": A(JURY_WORK, AUTHOR | STAFF,
                                                              deliverable_id="case"),
    # no decision yet: no minutes to sign or read
    "/deliverables/<int:deliverable_id>/jury/signature": A(NOBODY, NOBODY,
                                                           deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/jury/minutes.pdf": A(NOBODY, NOBODY,
                                                             deliverable_id="case"),
    # --- the panel
    "/juries/<int:panel_id>": A(PANEL, PANEL),
    "/juries/<int:panel_id>/assign": A(PANEL, STAFF),
    "/juries/<int:panel_id>/declaration": A(PANEL, NOBODY),  # already declared
    "/juries/<int:panel_id>/deliverables/<int:deliverable_id>/soutenance":
        A(PANEL, STAFF, deliverable_id="case"),
    "/juries/<int:panel_id>/externals": A(PANEL, STAFF),
    "/juries/<int:panel_id>/members": A(PANEL, STAFF),
    "/juries/<int:panel_id>/members/<int:member_id>/remove": A(PANEL, STAFF),
    # --- the team's collection of recommendations (a draft) and its entries
    "/recueils/<int:collection_id>": A(OWN, OWN, post=AUTHOR),
    "/recueils/<int:collection_id>/document": A(OWN, OWN),
    # its discussion: the authors and the trainers of the cohort
    "/recommandations/<int:entry_id>": A(OWN, OWN, post={"author", "trainer"}),
    "/recommandations/<int:entry_id>/soutenir": A(OWN, AUTHOR),
    "/recommandations/<int:entry_id>/retirer-soutien": A(OWN, AUTHOR),
    "/recommandations/<int:entry_id>/adopter": A(OWN, AUTHOR),
    "/recommandations/<int:entry_id>/rouvrir": A(OWN, AUTHOR),
    "/recommandations/<int:entry_id>/monter": A(OWN, AUTHOR),
    "/recommandations/<int:entry_id>/descendre": A(OWN, AUTHOR),
    "/recommandations/<int:entry_id>/ecarter": A(OWN, AUTHOR),
    # --- admissions: the public campaign page and applying, for everyone
    "/admissions/": PUBLIC,
    "/admissions/apply": PUBLIC,
    "/admissions/apply/sent": PUBLIC,
    "/admissions/mine": LOGGED_IN,
    # the coordination's pages: campaigns, partner organisations, the pipeline
    "/admissions/pipeline": STAFF_ONLY,
    "/admissions/campaigns": STAFF_ONLY,
    "/admissions/campaigns/new": STAFF_ONLY,
    "/admissions/campaigns/<int:campaign_id>": STAFF_ONLY,
    "/admissions/partenaires": STAFF_ONLY,
    "/admissions/partenaires/<int:partner_id>": STAFF_ONLY,
    "/admissions/partenaires/<int:partner_id>/<any(desactiver, reactiver):what>": STAFF_ONLY,
    # the application (before the commission): its candidate, its interviewer, the
    # sitting's members and the coordination read it; nobody else knows it exists
    "/admissions/applications/<int:application_id>": A(APPLICATION, APPLICATION),
    "/admissions/applications/<int:application_id>/ask-more": A(APPLICATION, STAFF),
    "/admissions/applications/<int:application_id>/complete": A(APPLICATION, STAFF),
    "/admissions/applications/<int:application_id>/interview": A(APPLICATION, STAFF),
    "/admissions/applications/<int:application_id>/interview/record":
        A(APPLICATION, STAFF | {"trainer"}),
    # the interview's calendar file is its people's: the commission's members do not
    # even learn it exists
    "/admissions/applications/<int:application_id>/interview.ics":
        A(APPLICATION - {"other_trainer"}, STAFF | {"trainer", "candidate"}),
    "/admissions/applications/<int:application_id>/attachments/<int:attachment_id>":
        A(APPLICATION, APPLICATION, attachment_id="admission_attachment"),
    # the dossier is written in draft only: submitted, nobody edits it
    "/admissions/applications/<int:application_id>/dossier": A(APPLICATION, {"candidate"}),
    "/admissions/applications/<int:application_id>/submit": A(APPLICATION, {"candidate"}),
    "/admissions/applications/<int:application_id>/attachments":
        A(APPLICATION, {"candidate"}),
    "/admissions/applications/<int:application_id>/attachments/<int:attachment_id>/delete":
        A(APPLICATION, {"candidate"}, attachment_id="admission_attachment"),
    "/admissions/applications/<int:application_id>/withdraw":
        A(APPLICATION, STAFF | {"candidate"}),
    "/admissions/applications/<int:application_id>/delete":
        A(APPLICATION, STAFF | {"candidate"}),
    # the commission's sittings: their members (the chair is the coordinator) and the
    # coordination; the list of sittings does not exist for anyone else
    "/admissions/commissions": A(COMMISSION, COMMISSION, post=STAFF),
    "/admissions/commissions/<int:commission_id>": A(COMMISSION, COMMISSION),
    "/admissions/commissions/<int:commission_id>/proces-verbal.pdf":
        A(COMMISSION, COMMISSION),
    # the list of admitted people exists once the sitting has closed it (the sitting is
    # open here; tests/test_admission_commission.py reads a closed one's)
    "/admissions/commissions/<int:commission_id>/liste-admis.pdf": A(NOBODY, NOBODY),
    "/admissions/commissions/<int:commission_id>/liste-admis.csv": A(NOBODY, NOBODY),
    "/admissions/commissions/<int:commission_id>/membres": A(COMMISSION, STAFF),
    "/admissions/commissions/<int:commission_id>/membres/inviter": A(COMMISSION, STAFF),
    "/admissions/commissions/<int:commission_id>/membres/<int:member_id>/retirer":
        A(COMMISSION, STAFF, member_id="commission_member"),
    "/admissions/commissions/<int:commission_id>/presenter": A(COMMISSION, STAFF),
    "/admissions/commissions/<int:commission_id>/arreter": A(COMMISSION, STAFF),
    # only the chair decides
    "/admissions/commissions/<int:commission_id>/candidatures/<int:application_id>/decision":
        A(COMMISSION, {"coordinator"}),
    "/admissions/commissions/<int:commission_id>/candidatures/<int:application_id>/modifier":
        A(COMMISSION, STAFF),
    "/admissions/commissions/<int:commission_id>/candidatures/<int:application_id>/inscrire":
        A(COMMISSION, STAFF),
    "/admissions/commissions/<int:commission_id>/inscrire-tout": A(COMMISSION, STAFF),
}


# --- the world ------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
            b"trailer <</Root 1 0 R>>\n%%EOF\n")


CASE_LEVELS = {"analyse": 3, "preconisations": 2, "ancrage": 2, "cooperation": 1, "ecrit": 0}
MINI_LEVELS = {"enjeu": 2, "diagnostic": 1, "preconisations": 1, "ecrit": 2}


def admission_world(coordinator, u: dict, make) -> dict:
    """The candidate's application, interviewed by the trainer and before an open
    sitting of the commission (chaired by the coordinator, the other trainer its
    director), with its CV; another candidate's draft with its own CV. Returns the URL
    arguments."""
    import io

    from coelab.db import local_today

    from cohort.admissions import campaigns, candidacy, commission, interviews, partners
    from cohort.admissions import pipeline as admission_pipeline
    from cohort.admissions.models import CommissionRole
    from cohort.models import Site

    today = local_today()
    campaign = campaigns.create_campaign(
        coordinator, title="Recrutement", year_label="2026-2027",
        opens_on=today - timedelta(days=30), closes_on=today + timedelta(days=200))
    site = db.session.scalar(select(Site).order_by(Site.id))
    dossier = {"situation": "Cheffe de service", "employer": "Association fictive",
               "career": "Éducatrice puis cheffe de service.", "education": "DEES.",
               "highest_diploma": "DEES", "diploma_level": 6, "motivation": "M" * 250,
               "parcours": "I", "site_id": site.id, "funding": "employed",
               "in_sector": True, "management_months": 72, "job_seeker": False,
               "mobility": False, "volunteering_months": 0}
    candidate = u["candidate"]
    application = candidacy.open_application(candidate, campaign)
    candidacy.save_dossier(candidate, application, **dossier)
    cv = candidacy.add_attachment(candidate, application, "cv", io.BytesIO(pdf_bytes()),
                                  "cv.pdf")
    candidacy.submit(candidate, application)
    admission_pipeline.mark_complete(coordinator, application)
    interviews.schedule(coordinator, application, interviewer=u["trainer"],
                        starts_at=datetime.now(UTC) + timedelta(days=2),
                        duration_minutes=60, place="Martigues")
    interviews.record(u["trainer"], application, prerequisites="Vérifiés.",
                      objectives="Diriger.", personalisation="Cas de sa structure.",
                      vae_proposal=["CAFERUIS"], opinion="favourable",
                      opinion_text="Favorable.")
    partner = partners.create_partner(coordinator, name="Partenaire fictif")
    sitting = commission.create_commission(
        coordinator, campaign=campaign, sits_at=datetime.now(UTC) + timedelta(days=5),
        place="Martigues", chair=coordinator)
    member = commission.add_member(coordinator, sitting, user=u["other_trainer"],
                                   role=CommissionRole.DIRECTOR)
    commission.place(coordinator, application, sitting)
    other = make.user("Autrecandidate")
    draft = candidacy.open_application(other, campaign)
    other_cv = candidacy.add_attachment(other, draft, "cv", io.BytesIO(pdf_bytes()),
                                        "cv.pdf")
    return {"application_id": application.id, "admission_attachment": cv.id,
            "other_admission_attachment": other_cv.id, "campaign_id": campaign.id,
            "partner_id": partner.id, "commission_id": sitting.id,
            "commission_member": member.id, "what": "desactiver"}


class World:
    """A thematic cohort (2.4) with two teams; another cohort; a case study of the
    author's team before its panel; the author's mini-diagnostic and the team's
    collection of recommendations, both drafts; and around them a comment, an
    assessment, an attachment, an entry, a corpus entry, a notification...

    The states of ``STATES`` move it on (``make`` brings in the people they need)."""

    def __init__(self, make) -> None:
        import io

        from coelab.assessments import operations as aops
        from coelab.assessments.models import Assessment
        from coelab.comments import operations as cops
        from coelab.deliverables import operations as dops
        from coelab.deliverables import workflow
        from coelab.documents import operations as docs
        from coelab.jury import operations as jops
        from coelab.jury.models import PanelRole
        from coelab.models import Membership
        from coelab.notifications.operations import notify
        from coelab.passwords import hash_password
        from coelab.plugins import registry

        from cohort import operations as cohort_ops
        from cohort.models import Module, ParcoursDefinition, ProgrammeSession, Site
        from recommendations import operations as rops

        self.make = make
        cohort_ops.load_catalogue()
        site = db.session.scalar(select(Site).order_by(Site.id))
        module = db.session.scalar(select(Module).where(Module.code == "2.4"))
        self.cohort = cohort_ops.create_cohort(
            None, name="Thématique 2.4", module=module, session=None, site=site,
            start_date=date(2026, 11, 2), end_date=date(2027, 1, 29))
        other_cohort = cohort_ops.create_cohort(
            None, name="Autre 2.4", module=module, session=None, site=site,
            start_date=date(2026, 11, 2), end_date=date(2027, 1, 29))
        u = self.users = {role: make.user(role.replace("_", "").capitalize())
                          for role in ROLES if role != "anonymous"}
        u["coordinator"].is_coordinator = True
        u["admin"].is_admin = True
        db.session.commit()
        coauthor = make.user("Coauteur")
        president = make.user("Presidente")
        make.member(self.cohort, u["author"], parcours="II")
        make.member(self.cohort, coauthor, parcours="II")
        make.member(self.cohort, u["peer"], parcours="II")
        make.member(self.cohort, u["trainer"], "trainer")
        make.member(other_cohort, u["other_trainee"], parcours="II")
        make.member(other_cohort, u["other_trainer"], "trainer")
        # the president is a trainer of the programme (of another cohort), the juror a
        # practising professional: the panel is composed as the programme asks
        make.member(other_cohort, president, "trainer")
        u["juror"].job_title, u["juror"].organisation = "Directrice", "IME fictif"
        self.team = make.team(self.cohort, "Étang", [u["author"], coauthor])
        make.team(self.cohort, "Côte", [u["peer"]])
        make.team(other_cohort, "Ailleurs", [u["other_trainee"]])
        author, trainer, coordinator = u["author"], u["trainer"], u["coordinator"]

        # the team's case study, reviewed, assessed, before its panel
        case = dops.start_deliverable(author, self.cohort, "thematic_case_study",
                                      title="Cas", team=self.team, details={
                                          "partner_name": "Association fictive",
                                          "partner_sector": "social",
                                          "partner_contact_role": "directrice"})
        workflow.submit(author, case, confirmed_authors=[author.id, coauthor.id],
                        statement_accepted=True)
        workflow.start_review(trainer, case)
        aops.save_assessment(trainer, case, levels=CASE_LEVELS, comments={},
                             overall_comment="Bien", submit=True)
        workflow.ready_for_jury(trainer, case)
        panel = jops.create_panel(coordinator, self.cohort, "Jury de février")
        jops.assign(coordinator, panel, case)
        jops.declare(jops.add_member(coordinator, panel, president, PanelRole.PRESIDENT),
                     impartial=True)
        juror = jops.add_member(coordinator, panel, u["juror"], PanelRole.MEMBER,
                                external=True)
        jops.declare(juror, impartial=True)
        jops.schedule(coordinator, case, starts_at=datetime.now(UTC) + timedelta(days=7),
                      duration_minutes=45, place="Martigues, salle 2")
        other_panel = jops.create_panel(coordinator, other_cohort, "Autre jury")
        jops.declare(jops.add_member(coordinator, other_panel, u["other_juror"],
                                     PanelRole.MEMBER), impartial=True)
        invited = jops.invite_external(coordinator, other_panel, email="pro@asso.example",
                                       first_name="Rachid", last_name="Amrani",
                                       organisation="ITEP fictif", job_title="Directeur")
        external = invited.user
        external.active = True
        external.password_hash = hash_password(PASSWORD)
        db.session.commit()
        jops.declare(invited, impartial=True)
        u["external"] = external

        # the author's mini-diagnostic, a draft with a version, a file and a comment
        mini = dops.start_deliverable(author, self.cohort, "mini_diagnostic", owner=author,
                                      title="Mon organisation", details={
                                          "organisation_name": "IME fictif",
                                          "organisation_sector": "medico_social",
                                          "organisation_size": "10_49",
                                          "issue": "Traçabilité"})
        docs.save_version(author, mini.document, "v1")
        attachment = dops.add_attachment(author, mini, io.BytesIO(pdf_bytes()), "slides.pdf")
        thread = cops.create_thread(trainer, mini, anchor=cops.Anchor(**ANCHOR), quote="passage",
                                    body="Remarque")

        # the team's collection of recommendations, with an entry
        collection = dops.start_deliverable(author, self.cohort, "recommendation_collection",
                                            title="Recueil", details={"themes": ["2.4"]},
                                            team=self.team)
        entry = rops.propose_entry(author, collection, title="Tracer", theme="2.4")
        corpus = rops.add_to_corpus(None, title="Une pratique", theme_code="2.4",
                                    markdown="Texte.", cohort_name="Ancienne",
                                    cohort_start=date(2025, 9, 1))

        gathering = cohort_ops.add_gathering(coordinator, self.cohort,
                                             start_date=date(2026, 12, 1),
                                             end_date=date(2026, 12, 2), site=site, notes=None)
        block = aops.create_block(coordinator, code="B9", title="Bloc")
        competency = aops.create_competency(coordinator, block, code="B9.1", title="Compétence")
        notification, = notify([author], "Sujet", "Corps", "/dashboard", mail=False)
        admission = admission_world(coordinator, u, make)
        # objects that exist, but inside another parent than the default ones
        other_attachment = dops.add_attachment(author, case, io.BytesIO(pdf_bytes()),
                                               "support.pdf")
        other_thread = cops.create_thread(trainer, case, anchor=cops.Anchor(**ANCHOR),
                                          quote="passage", body="Sur le cas")
        other_gathering = cohort_ops.add_gathering(coordinator, other_cohort,
                                                   start_date=date(2026, 12, 3),
                                                   end_date=date(2026, 12, 4), site=site,
                                                   notes=None)
        other_team = make.team(other_cohort, "Là-bas", [])
        kind = registry().kind("mini_diagnostic")
        self.mini, self.case, self.collection = mini, case, collection
        self.panel, self.president, self.coauthor = panel, president, coauthor
        self.emails = {role: user.email for role, user in u.items()}
        self.args = {
            "cohort_id": self.cohort.id,
            "deliverable_id": mini.id,
            "case": case.id,
            "document_id": mini.document_id,
            "number": 1,
            "attachment_id": attachment.id,
            "thread_id": thread.id,
            "assessment_id": db.session.scalar(select(Assessment.id).where(
                Assessment.deliverable_id == case.id)),
            "panel_id": panel.id,
            "member_id": juror.id,
            "collection_id": collection.id,
            "entry_id": entry.id,
            "corpus_id": corpus.id,
            "membership_id": db.session.scalar(select(Membership.id).where(
                Membership.user_id == author.id, Membership.cohort_id == self.cohort.id)),
            "team_id": self.team.id,
            "gathering_id": gathering.id,
            "kind_name": kind.name,
            "key": kind.rubric.criteria[0].key,
            "block_id": block.id,
            "competency_id": competency.id,
            "notification_id": notification.id,
            "user_id": author.id,
            # a session of the author's on another device (coelab.sessions)
            "author_session": sessions.start(author, remember=False, user_agent="phone",
                                             ip_address="127.0.0.1").id,
            "module_id": module.id,
            "parcours_id": db.session.scalar(select(ParcoursDefinition.id)),
            "session_id": db.session.scalar(select(ProgrammeSession.id)),
            "site_id": site.id,
            "object_type": "deliverables",
            "object_id": mini.id,
            "token": "not-a-real-token",
            "fmt": "md",
            "other_attachment": other_attachment.id,
            "other_thread": other_thread.id,
            "other_gathering": other_gathering.id,
            "other_team": other_team.id,
            "other_membership": db.session.scalar(select(Membership.id).where(
                Membership.user_id == u["other_trainee"].id)),
            "other_member": jops.member_of(u["other_juror"], other_panel).id,
            "missing_version": 99,
            # the case study's own objects (see CASE)
            "case_document": case.document_id,
            "case_attachment": other_attachment.id,
            "case_thread": other_thread.id,
            "collection_document": collection.document_id,
            # made by the states that need them (see STATES)
            "panel_thread": None,
            "juror_assessment": None,
            "removed_assessment": None,
            "mini_review": None,
            "action": None,  # per rule, below
            **admission,
        }
        db.session.commit()

    def bring_in(self, role: str, user) -> None:
        """Someone a state adds to the world, checked under ``role`` in that state."""
        self.users[role] = user
        self.emails[role] = user.email

    def url(self, rule, access: Access) -> str:
        actions = {"comments.resolve": "resolve", "deliverables.review": "start_review"}

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name == "action":
                return actions[rule.endpoint]
            return str(self.args[access.args.get(name, name)])

        return re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", value, rule.rule)


# --- the states of the world the base table does not cover ------------------------------
#
# Each state moves the world on through the application's operations, from the base
# world, and declares the rows to check there. A row the state leaves as it is keeps the
# base table's declaration; only the people whose answer may depend on the state are
# checked (a trainee of another cohort gets 404 in every state: the base table says so).


def _jurors_score(world: World, *people) -> dict[str, int]:
    """Each of these panel members submits a score of the case study: their ids."""
    from coelab.assessments import operations as aops

    return {user.email: aops.save_assessment(user, world.case, levels=CASE_LEVELS,
                                             comments={}, overall_comment=None,
                                             submit=True).id
            for user in people}


def changes_requested(world: World) -> None:
    """The trainer reviewed the mini-diagnostic (and assessed it) and the collection of
    recommendations, and asked for changes on both: their authors write again."""
    from coelab.assessments import operations as aops
    from coelab.deliverables import workflow

    author, trainer = world.users["author"], world.users["trainer"]
    for deliverable, authors in ((world.mini, [author]),
                                 (world.collection, [author, world.coauthor])):
        workflow.submit(author, deliverable, confirmed_authors=[u.id for u in authors],
                        statement_accepted=True)
        workflow.start_review(trainer, deliverable)
    world.args["mini_review"] = aops.save_assessment(
        trainer, world.mini, levels=MINI_LEVELS, comments={}, overall_comment="À reprendre",
        submit=True).id
    for deliverable in (world.mini, world.collection):
        workflow.request_changes(trainer, deliverable, "Étayez le diagnostic.")


def deliberation(world: World) -> None:
    """The soutenance took place, both jurors scored, the president opened the
    deliberation and the juror wrote a note for the panel."""
    from coelab.comments import operations as cops
    from coelab.jury import operations as jops
    from coelab.jury.models import Soutenance

    # the hour passing is the one step no operation takes (scheduling wants the future)
    db.session.scalar(select(Soutenance).where(
        Soutenance.deliverable_id == world.case.id)).starts_at = (datetime.now(UTC)
                                                                 - timedelta(minutes=5))
    db.session.commit()
    juror = world.users["juror"]
    world.args["juror_assessment"] = _jurors_score(world, world.president, juror)[juror.email]
    jops.open_deliberation(world.president, world.case)
    world.args["panel_thread"] = cops.create_thread(
        juror, world.case, anchor=cops.Anchor(**ANCHOR), quote="passage",
        body="Note du jury", visibility="panel").id


def decided(world: World) -> None:
    """The president recorded the decision (not yet signed nor released)."""
    from coelab.jury import operations as jops

    deliberation(world)
    jops.decide(world.president, world.case, validated=True, reasons="Validé.",
                agreed_levels=CASE_LEVELS)


def released(world: World) -> None:
    """The panel signed the minutes and the coordination released the decision."""
    from coelab.jury import operations as jops

    decided(world)
    decision = jops.decision_of(world.case)
    for member in (world.president, world.users["juror"]):
        jops.sign(member, decision)
    jops.release(world.users["coordinator"], world.case)


def jurors_before_impartiality(world: World) -> None:
    """Two more members of the case study's panel: one has not declared their
    impartiality yet, the other recused themself."""
    from coelab.jury import operations as jops
    from coelab.jury.models import PanelRole

    coordinator = world.users["coordinator"]
    pending, recused = world.make.user("Attente"), world.make.user("Recuse")
    jops.add_member(coordinator, world.panel, pending, PanelRole.MEMBER)
    jops.declare(jops.add_member(coordinator, world.panel, recused, PanelRole.MEMBER),
                 impartial=False, reason="Je connais la structure partenaire.")
    world.bring_in("pending_juror", pending)
    world.bring_in("recused_juror", recused)


def juror_removed_after_scoring(world: World) -> None:
    """A third juror declared their impartiality and scored, as did the others; then
    the coordination took them off the panel."""
    from coelab.jury import operations as jops
    from coelab.jury.models import PanelRole

    coordinator = world.users["coordinator"]
    leaving = world.make.user("Partant")
    member = jops.add_member(coordinator, world.panel, leaving, PanelRole.MEMBER)
    jops.declare(member, impartial=True)
    scores = _jurors_score(world, world.president, world.users["juror"], leaving)
    jops.remove_member(coordinator, member)
    world.args["removed_assessment"] = scores[leaving.email]
    world.bring_in("removed_juror", leaving)


def author_removed_from_team(world: World) -> None:
    """The coordination took the author out of their team, after they wrote with it
    (the case study was submitted, the collection's text has a version of theirs): the
    co-author remains."""
    from coelab import operations as ops
    from coelab.documents import operations as docs

    docs.save_version(world.users["author"], world.collection.document, "v1")
    ops.set_team_members(world.users["coordinator"], world.team, [world.coauthor])
    world.bring_in("coauthor", world.coauthor)


def C(seen, allowed, post=None, **args) -> Access:  # noqa: N802 - a table's shorthand
    """A row on the team's case study and its own objects, not the mini-diagnostic."""
    return A(seen, allowed, post, **{**CASE_ARGS, **args})


def seen_also(access: Access, roles: frozenset) -> Access:
    return replace(access, seen=access.seen | roles)


def in_place_of(access: Access, old: str, new: str) -> Access:
    """The row, with ``new`` answered what ``old`` was (and ``old`` a stranger)."""

    def swap(roles: frozenset | None) -> frozenset | None:
        return roles if roles is None or old not in roles else roles - {old} | {new}

    return replace(access, seen=swap(access.seen), allowed=swap(access.allowed),
                   post=swap(access.post))


CASE_ARGS = {"deliverable_id": "case", "document_id": "case_document",
             "attachment_id": "case_attachment", "thread_id": "case_thread"}
# the base table's rows on the mini-diagnostic and its document...
ON_MINI = {rule: access for rule, access in RULES.items()
           if rule.startswith(("/deliverables/", "/documents/"))
           and "deliverable_id" not in access.args}
# ... on the case study's jury, on its panel, on the collection of recommendations
ON_JURY = {rule: access for rule, access in RULES.items()
           if access.args.get("deliverable_id") == "case"
           or rule == "/assessments/<int:assessment_id>"}
ON_PANEL = {rule: access for rule, access in RULES.items()
            if rule.startswith("/juries/<int:panel_id>")}
ON_COLLECTION = {rule: access for rule, access in RULES.items()
                 if rule.startswith(("/recueils/", "/recommandations/"))}
THREAD_RULES = ("/deliverables/<int:deliverable_id>/comments/<int:thread_id>/<action>",
                "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/replies")
ENTRY_STEPS = tuple(rule for rule, access in ON_COLLECTION.items()
                    if rule.startswith("/recommandations/<int:entry_id>/"))

# The rows of ON_MINI, on the case study before its panel (the base world's state):
# read by its authors, their trainer, its panel (impartiality declared) and the
# coordination; its text frozen since it was handed in.
CASE: dict[str, Access] = {
    "/deliverables/<int:deliverable_id>": C(JURY_WORK, JURY_WORK),
    "/deliverables/<int:deliverable_id>/edit": C(JURY_WORK, STAFF),
    "/deliverables/<int:deliverable_id>/submit": C(JURY_WORK, NOBODY),
    "/deliverables/<int:deliverable_id>/export.<fmt>": C(JURY_WORK, JURY_WORK),
    "/deliverables/<int:deliverable_id>/extensions": C(JURY_WORK, STAFF),
    # a reviewer may try a review step (and is told the state forbids it)
    "/deliverables/<int:deliverable_id>/review/<action>": C(JURY_WORK, TRAINER),
    # soutenance materials: the authors add them until the jury decides
    "/deliverables/<int:deliverable_id>/attachments": C(JURY_WORK, AUTHOR | STAFF),
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>":
        C(JURY_WORK, JURY_WORK),
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>/delete":
        C(JURY_WORK, AUTHOR | STAFF),
    "/deliverables/<int:deliverable_id>/comments": C(JURY_WORK, JURY_WORK),
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/<action>":
        C(JURY_WORK, JURY_WORK),
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/replies":
        C(JURY_WORK, JURY_WORK),
    "/documents/<int:document_id>": C(JURY_WORK, JURY_WORK),
    "/documents/<int:document_id>/diff": C(JURY_WORK, JURY_WORK),
    "/documents/<int:document_id>/preview": C(JURY_WORK, JURY_WORK),
    "/documents/<int:document_id>/token": C(JURY_WORK, JURY_WORK),
    "/documents/<int:document_id>/versions": C(JURY_WORK, JURY_WORK, post=NOBODY),
    "/documents/<int:document_id>/versions/<int:number>": C(JURY_WORK, JURY_WORK),
}
# the rows a deliverable's state changes: its page, its steps, what may still be added
# to it or to its text (who reads it and its objects, a state of the work does not)
STEP_RULES = ("/deliverables/<int:deliverable_id>",
              "/deliverables/<int:deliverable_id>/edit",
              "/deliverables/<int:deliverable_id>/submit",
              "/deliverables/<int:deliverable_id>/review/<action>",
              "/deliverables/<int:deliverable_id>/attachments",
              "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>/delete",
              "/documents/<int:document_id>/versions")
CASE_STEPS = {rule: CASE[rule] for rule in STEP_RULES} | ON_JURY

# Once the deliberation is open: a juror's score and note stay the panel's.
DELIBERATION = {
    **CASE_STEPS,
    "/assessments/<int:assessment_id>": A(PANEL, PANEL, assessment_id="juror_assessment"),
    **{rule: C(PANEL, PANEL, thread_id="panel_thread") for rule in THREAD_RULES},
}

# Once the president recorded the decision (not yet signed nor released): the panel's
# own pages and notes stay the panel's and the coordination's. Checked for everyone.
DECIDED: dict[str, Access] = {
    "/deliverables/<int:deliverable_id>": A(JURY_WORK, JURY_WORK, deliverable_id="case"),
    # the decision and its minutes are out of the authors' (and trainers') sight until
    # the release: for them there are no minutes yet
    "/deliverables/<int:deliverable_id>/jury/minutes.pdf": A(PANEL, PANEL,
                                                             deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/jury/signature": A(JURY_WORK, {"juror"},
                                                           deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/jury/release": A(JURY_WORK, STAFF,
                                                         deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/jury/decision": A(JURY_WORK, NOBODY,
                                                          deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/jury/deliberation": A(JURY_WORK, STAFF,
                                                              deliverable_id="case"),
    "/deliverables/<int:deliverable_id>/assessment": A(JURY_WORK, NOBODY,
                                                       deliverable_id="case"),
    # a juror's score: the panel and the coordination, before the release
    "/assessments/<int:assessment_id>": A(PANEL, PANEL, assessment_id="juror_assessment"),
    "/deliverables/<int:deliverable_id>/comments": A(JURY_WORK, JURY_WORK,
                                                     deliverable_id="case"),
    # a juror's note: the panel and the coordination
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/replies":
        A(PANEL, PANEL, deliverable_id="case", thread_id="panel_thread"),
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/<action>":
        A(PANEL, PANEL, deliverable_id="case", thread_id="panel_thread"),
}

# Once the decision is released: the authors and their trainer read it and its
# minutes; a juror's score and a juror's note stay the panel's and the coordination's
# (COELAB_PUBLISH_JUROR_SCORES aside: tests/test_released_result.py,
# tests/test_jury.py); nothing more is added to the work.
RELEASED = {
    **DELIBERATION,
    "/deliverables/<int:deliverable_id>/attachments": C(JURY_WORK, STAFF),
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>/delete":
        C(JURY_WORK, STAFF),
    "/deliverables/<int:deliverable_id>/assessment": C(JURY_WORK, NOBODY),
    "/assessments/<int:assessment_id>": A(PANEL, PANEL, assessment_id="juror_assessment"),
    # a juror who signed is told so again
    "/deliverables/<int:deliverable_id>/jury/signature": C(JURY_WORK, {"juror"}),
    "/deliverables/<int:deliverable_id>/jury/minutes.pdf": C(JURY_WORK, JURY_WORK),
}

# Changes requested: the author writes their mini-diagnostic again, as a draft; the
# review is over (nobody assesses), the trainer's assessment is read as before. The
# collection's entries no longer change once it was handed in (recommendations
# operations: only a draft's entries do), even after changes are requested; their
# discussion goes on.
CHANGES_REQUESTED = {
    **{rule: RULES[rule] for rule in STEP_RULES},
    "/deliverables/<int:deliverable_id>/assessment": A(OWN, NOBODY),
    "/assessments/<int:assessment_id>": A(OWN, OWN, assessment_id="mini_review"),
    **ON_COLLECTION,
    # its entries change again with its text, as in a draft
    **{rule: RULES[rule] for rule in ("/recueils/<int:collection_id>", *ENTRY_STEPS)},
}

# Panel members who have not declared their impartiality, or recused themselves: they
# see their panel (and the pending one may declare), nothing of the work it judges,
# its soutenance's calendar file included.
BEFORE_IMPARTIALITY = frozenset({"pending_juror", "recused_juror"})
JURORS_BEFORE_IMPARTIALITY = {
    **CASE, **ON_JURY,
    **{rule: seen_also(access, BEFORE_IMPARTIALITY) for rule, access in ON_PANEL.items()},
    "/juries/<int:panel_id>": A(PANEL | BEFORE_IMPARTIALITY, PANEL | BEFORE_IMPARTIALITY),
    "/juries/<int:panel_id>/declaration": A(PANEL | BEFORE_IMPARTIALITY, {"pending_juror"}),
}

# A juror taken off the panel after scoring: nothing of the panel nor of the work is
# theirs any more; their score stays the panel's and the coordination's.
JUROR_REMOVED = {
    **CASE, **ON_JURY, **ON_PANEL,
    "/assessments/<int:assessment_id>": A(PANEL, PANEL, assessment_id="removed_assessment"),
}

# A trainee taken out of their team: nothing of the team's work is theirs any more,
# the co-author left in the team keeps what both had.
AUTHOR_REMOVED = {
    rule: in_place_of(access, "author", "coauthor") for rule, access in {
        **{rule: access for rule, access in CASE.items() if rule.startswith("/deliverables/")},
        **ON_JURY, **ON_COLLECTION,
        # the team's draft (the collection's text), which the author wrote in
        **{rule: replace(access, args={"document_id": "collection_document"})
           for rule, access in ON_MINI.items() if rule.startswith("/documents/")},
    }.items()
}


@dataclass(frozen=True)
class State:
    """A state of the world: ``setup`` moves the base world there; ``table`` the rows
    checked there, for ``roles`` (and for everybody on the rows of ``everyone``);
    ``documents`` the co-editing documents checked there (as SOCKET_DOCUMENTS), for
    ``roles`` and ``socket_roles``."""

    name: str
    setup: Callable[[World], None]
    table: dict[str, Access]
    roles: tuple[str, ...]
    everyone: frozenset = frozenset()
    documents: dict = field(default_factory=dict)
    socket_roles: tuple[str, ...] = ()


# Whose answers a state changes. The coordination reads everything and may try every
# step but the president's, whatever the state (the base table and the decided state
# check it); a trainee of the cohort outside the team stands for the people to whom
# nothing of the team's work opens, whatever the state.
REVIEW_ROLES = ("author", "peer", "trainer")
JURY_ROLES = ("author", "peer", "trainer", "juror")
STATES = (
    State("changes_requested", changes_requested, CHANGES_REQUESTED, REVIEW_ROLES,
          documents={"mini": ("document_id", OWN, AUTHOR),
                     "collection": ("collection_document", OWN, AUTHOR)}),
    State("deliberation", deliberation, DELIBERATION, JURY_ROLES),
    State("decided", decided, DECIDED, ROLES),
    State("released", released, RELEASED, JURY_ROLES),
    State("jurors_before_impartiality", jurors_before_impartiality,
          JURORS_BEFORE_IMPARTIALITY, ("pending_juror", "recused_juror"),
          documents={"case": ("case_document", JURY_WORK, NOBODY)}),
    State("juror_removed_after_scoring", juror_removed_after_scoring, JUROR_REMOVED,
          ("removed_juror",), everyone=frozenset({"/assessments/<int:assessment_id>"}),
          documents={"case": ("case_document", JURY_WORK, NOBODY)}),
    # the co-author left in the team (checked on the documents) still writes
    State("author_removed_from_team", author_removed_from_team, AUTHOR_REMOVED,
          ("author",), socket_roles=("coauthor",),
          documents={"case": ("case_document", JURY_WORK - {"author"} | {"coauthor"},
                              NOBODY),
                     "collection": ("collection_document", OWN - {"author"} | {"coauthor"},
                                    {"coauthor"})}),
)


# --- restoring the world between requests -------------------------------------------


class Snapshot:
    """Every row of every table (and the uploaded files), put back on demand."""

    def __init__(self, app) -> None:
        db.session.commit()
        self.tables = db.metadata.sorted_tables
        self.rows = {t.name: [dict(r._mapping) for r in db.session.execute(t.select())]
                     for t in self.tables}
        self.uploads = Path(app.config["UPLOAD_FOLDER"])
        self.saved_uploads = self.uploads.parent / "uploads-snapshot"
        shutil.rmtree(self.saved_uploads, ignore_errors=True)
        shutil.copytree(self.uploads, self.saved_uploads)

    def restore(self) -> None:
        db.session.rollback()
        db.session.close()
        sqlite = db.engine.dialect.name == "sqlite"
        with db.engine.connect() as sql:
            if sqlite:
                sql.exec_driver_sql("PRAGMA foreign_keys=OFF")
                sql.commit()
            with sql.begin():
                # DELETE, children first, rather than TRUNCATE on PostgreSQL too: on
                # these few rows it takes a fraction of the time (TRUNCATE makes new
                # files for every table), and the matrix restores hundreds of times
                for table in reversed(self.tables):
                    sql.execute(table.delete())
                for table in self.tables:
                    if self.rows[table.name]:
                        sql.execute(table.insert(), self.rows[table.name])
            if sqlite:
                sql.exec_driver_sql("PRAGMA foreign_keys=ON")
                sql.commit()
        shutil.rmtree(self.uploads)
        shutil.copytree(self.saved_uploads, self.uploads)


# --- fixtures and checks --------------------------------------------------------------


@pytest.fixture
def app_config(tmp_path, database_url):
    # the authorisation outcome is what is checked here: CSRF has its own tests
    return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)


@pytest.fixture(autouse=True)
def _no_typesetting(monkeypatch):
    """The PDFs (minutes, passports) are rendered from their templates, as always, but
    not typeset: who gets them is checked here, WeasyPrint's output in test_export, and
    typesetting would take a quarter of the matrix's time."""
    from coelab.deliverables import export

    def typeset(page: str) -> bytes:
        assert page.strip(), "an empty page to print"
        return pdf_bytes()

    monkeypatch.setattr(export, "_print", typeset)


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def log_in(app, email: str | None):
    client = app.test_client()
    if email is not None:
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, f"{email} could not log in"
    return client


def app_rules(app) -> dict:
    return {r.rule: r for r in app.url_map.iter_rules() if r.endpoint != "static"}


def test_every_rule_is_declared_and_every_declaration_is_a_rule(app):
    rules = app_rules(app)
    undeclared = sorted(set(rules) - set(RULES))
    stale = sorted(set(RULES) - set(rules))
    assert not undeclared, (
        "URL rules with no declared access in tests/test_authorization_matrix.py RULES: "
        + ", ".join(f"{r} ({rules[r].endpoint})" for r in undeclared))
    assert not stale, f"RULES declares rules the app no longer has: {', '.join(stale)}"
    # the other tables name rules of RULES only, and the case study answers every rule
    # the base table checks on the mini-diagnostic
    tables = [("MISMATCHED", set(MISMATCHED)), ("CASE", set(CASE))] + [
        (state.name, set(state.table) | state.everyone) for state in STATES]
    for name, table in tables:
        assert table <= set(RULES), f"{name} declares rules RULES does not: " + ", ".join(
            sorted(table - set(RULES)))
    assert set(CASE) == set(ON_MINI), ("CASE and the base table's rows on the "
                                       f"mini-diagnostic differ: {set(CASE) ^ set(ON_MINI)}")
    assert len({state.name for state in STATES}) == len(STATES)


def expected(role: str, access: Access, method: str) -> set[str]:
    """The outcomes the declaration accepts for this person."""
    allowed = access.post if method == "POST" and access.post is not None else access.allowed
    if role in allowed:
        return {"404"} if access.misplaced else {"allowed"}
    if role == "anonymous":
        return {access.anonymous}
    if role in access.seen:
        # a misplaced inner object may be looked up before or after the right on its
        # parent is refused: either way nothing is told about it
        return {"403", "404"} if access.misplaced else {"403"}
    return {"404"}


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return str(status)
    location = response.headers.get("Location", "")
    if status == 401 or (status in (301, 302, 303) and "/login" in location
                         and "/dashboard" not in location):
        return "login"
    if status in (403, 404):
        return str(status)
    return "allowed"


def run_matrix(app, world, table: dict[str, Access],
               who: Callable[[str], Iterable[str]] = lambda rule: ROLES,
               state: str = "") -> tuple[list[str], int]:
    """Every declared rule, by GET and POST as it accepts them, as every person (``who``
    names them per rule): the outcomes that differ from the declaration, and how many
    requests were checked."""
    rules = app_rules(app)
    people = {role for rule in table for role in who(rule)}
    clients = {role: log_in(app, world.emails.get(role)) for role in sorted(people)}
    snapshot = Snapshot(app)
    wrong, checked, dirty = [], 0, False
    for rule_text, access in sorted(table.items()):
        rule = rules.get(rule_text)
        if rule is None:
            continue  # reported by the declaration test
        url = world.url(rule, access)
        methods = [m for m in ("GET", "POST") if m in rule.methods]
        for method in methods:
            for role in who(rule_text):
                if dirty:
                    snapshot.restore()
                    dirty = False
                client = clients[role]
                if rule.endpoint in SIGN_OUT and role != "anonymous":
                    # a session of its own, which logging out ends: the person's other
                    # client stays logged in for the rules after this one
                    client, dirty = log_in(app, world.emails[role]), True
                response = client.open(url, method=method, data={} if method == "POST" else None)
                got, want = outcome(response), expected(role, access, method)
                if rule.endpoint in SIGN_OUT and role != "anonymous":
                    # logging out leads to the login page: check the session is gone
                    gone = outcome(client.get("/dashboard")) == "login"
                    got = "allowed" if got == "login" and gone else got
                checked += 1
                if got not in want:
                    wrong.append(f"{state and f'[{state}] '}{method} {url} [{rule.endpoint}] "
                                 f"as {role}: expected {' or '.join(sorted(want))}, "
                                 f"got {response.status_code}")
                if method == "POST" and got == "allowed":
                    dirty = True
    return wrong, checked


@pytest.mark.slow  # every URL rule as each of the roles
def test_http_matrix(app, world):
    from .test_branding import PNG

    # the organisation's logo is there, so that its route answers rather than 404
    (Path(app.instance_path) / "logo.png").write_bytes(PNG)
    wrong, checked = run_matrix(app, world, RULES)
    print(f"\nauthorization matrix: {len(app_rules(app))} routes × {len(ROLES)} roles, "
          f"{checked} requests checked (GET and POST)")
    assert not wrong, f"{len(wrong)} of {checked} checks wrong:\n" + "\n".join(wrong)


# A rule that names an object inside another (a thread of a deliverable, a member of a
# panel...) must find it there: given an object that exists but belongs elsewhere, those
# who may act answer 404 (the others get what they get for the right object: a 403
# that tells nothing about the inner object, or a 404 for the parent).
MISMATCHED: dict[str, dict[str, str]] = {
    "/cohorts/<int:cohort_id>/members/<int:membership_id>/remove":
        {"membership_id": "other_membership"},
    "/cohorts/<int:cohort_id>/enrolments/<int:membership_id>":
        {"membership_id": "other_membership"},
    "/cohorts/<int:cohort_id>/teams/<int:team_id>/delete": {"team_id": "other_team"},
    "/cohorts/<int:cohort_id>/teams/<int:team_id>/members": {"team_id": "other_team"},
    "/cohorts/<int:cohort_id>/teams/<int:team_id>/rename": {"team_id": "other_team"},
    "/cohorts/<int:cohort_id>/gatherings/<int:gathering_id>/delete":
        {"gathering_id": "other_gathering"},
    "/cohorts/<int:cohort_id>/gatherings/<int:gathering_id>/attendance":
        {"gathering_id": "other_gathering"},
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>":
        {"attachment_id": "other_attachment"},
    "/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>/delete":
        {"attachment_id": "other_attachment"},
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/<action>":
        {"thread_id": "other_thread"},
    "/deliverables/<int:deliverable_id>/comments/<int:thread_id>/replies":
        {"thread_id": "other_thread"},
    "/juries/<int:panel_id>/members/<int:member_id>/remove": {"member_id": "other_member"},
    # a deliverable this panel does not judge
    "/juries/<int:panel_id>/deliverables/<int:deliverable_id>/soutenance":
        {"deliverable_id": "deliverable_id"},
    "/documents/<int:document_id>/versions/<int:number>": {"number": "missing_version"},
    # another candidate's file
    "/admissions/applications/<int:application_id>/attachments/<int:attachment_id>":
        {"attachment_id": "other_admission_attachment"},
}


def test_objects_are_found_only_inside_their_parent(app, world):
    assert set(MISMATCHED) <= set(app_rules(app)), set(MISMATCHED) - set(app_rules(app))
    table = {rule: replace(RULES[rule], args=args, misplaced=True)
             for rule, args in MISMATCHED.items()}
    wrong, checked = run_matrix(app, world, table)
    print(f"\nmismatched parents: {len(MISMATCHED)} routes × {len(ROLES)} roles, "
          f"{checked} requests checked")
    assert not wrong, f"{len(wrong)} of {checked} checks wrong:\n" + "\n".join(wrong)


@pytest.mark.parametrize("state", STATES, ids=lambda state: state.name)
def test_matrix_in_state(app, world, state):
    """The state's rows by HTTP, then its documents by socket."""
    state.setup(world)
    unknown = set(state.roles + state.socket_roles) - set(world.emails) - {"anonymous"}
    assert not unknown, f"{state.name} checks people nobody brought in: {unknown}"
    everybody = ROLES + tuple(role for role in world.emails if role not in ROLES)
    wrong, checked = run_matrix(
        app, world, state.table,
        lambda rule: everybody if rule in state.everyone else state.roles, state.name)
    socket_wrong, socket_checked = socket_matrix(app, world, state.documents,
                                                 state.roles + state.socket_roles)
    print(f"\n{state.name}: {len(state.table)} routes, {checked} requests and "
          f"{socket_checked} socket checks")
    wrong += socket_wrong
    checked += socket_checked
    assert not wrong, (f"{len(wrong)} of {checked} checks wrong in the state "
                       f"{state.name}:\n" + "\n".join(wrong))


# --- the co-editing socket events -------------------------------------------------------


def registered_events() -> set[str]:
    """Every event with a handler: the python-socketio server's registry (which holds
    Flask-SocketIO's handlers too) and Flask-SocketIO's own list, every namespace."""
    events = {event for handlers in socketio.server.handlers.values() for event in handlers}
    return events | {event for event, _handler, _namespace in socketio.handlers}


# what each event is checked for, once a person is connected (connect: for everyone)
SOCKET_EVENTS = {
    "connect": "joins the documents they may read, refused (as missing) elsewhere",
    "sync-step-1": "a reader gets the missing update",
    "sync-update": "a writer's update is stored and relayed; a reader's refused, not stored",
    "awareness-update": "a reader's presence is relayed to the others",
    "*": "an unknown event is answered with a yjs-error",
    "disconnect": "leaving clears the person's presence for the others",
}

# the documents of the base world: name -> (world object, readers, writers)
SOCKET_DOCUMENTS = {
    # the author's draft: its author writes, their trainer and the coordination read
    "draft": ("document_id", OWN, AUTHOR),
    # the submitted case study: frozen, read by its authors, trainer, panel, staff
    "frozen": ("case_document", JURY_WORK, NOBODY),
}


def test_every_socket_event_is_declared(app):
    events = registered_events()
    undeclared = sorted(events - set(SOCKET_EVENTS))
    stale = sorted(set(SOCKET_EVENTS) - events)
    assert not undeclared, ("socket events with a handler but no declared check in "
                            f"tests/test_authorization_matrix.py SOCKET_EVENTS: {undeclared}")
    assert not stale, f"SOCKET_EVENTS declares events with no handler any more: {stale}"


def socket_matrix(app, world, documents: dict, roles: Iterable[str]) -> tuple[list[str], int]:
    """Every socket event on each document, as each person: what differs from the
    declaration (``documents``: name -> (world object, readers, writers)), and how many
    checks were made."""
    from coelab.documents import awareness
    from coelab.documents.models import Document

    from .test_realtime import YClient, stored_updates

    assert registered_events() == set(SOCKET_EVENTS)  # (the test above says which)
    wrong, checked = [], 0

    def check(ok: bool, what: str) -> None:
        nonlocal checked
        checked += 1
        if not ok:
            wrong.append(what)

    for name, (arg, readers, writers) in documents.items():
        document = db.session.get(Document, world.args[arg])
        observer = YClient(app, log_in(app, world.emails["coordinator"]), document.id)
        assert observer.connected
        observer.sync()
        for number, role in enumerate(roles):
            where = f"{name} document as {role}"
            y = YClient(app, log_in(app, world.emails.get(role)), document.id)
            check(y.connected == (role in readers),
                  f"connect to the {where}: connected={y.connected}")
            if not y.connected:
                continue
            observer.receive()  # forget what came before
            # sync-step-1: the missing update brings the document's text
            y.sync()
            events = y.receive()
            check(str(y.text) == str(observer.text) and not y.errors(events),
                  f"sync-step-1 on the {where}: {y.errors(events)}")
            # awareness-update: a reader's presence reaches the others
            client_id = 5000 + number
            y.io.emit("awareness-update", awareness.encode(
                [awareness.Entry(client_id, 1, '{"user":{"name":"x"}}')]), namespace=y.ns)
            seen = [entry.client for e in observer.receive()
                    if e["name"] == "awareness-update" for entry in awareness.decode(e["args"][0])]
            check(client_id in seen and not y.errors(y.receive()),
                  f"awareness-update on the {where}: observer saw {seen}")
            # sync-update: stored and relayed for a writer only
            before = stored_updates(document)
            ack = y.write(0, f"[{role}] ")
            stored = stored_updates(document) - before
            relayed = [e for e in observer.receive() if e["name"] == "sync-update"]
            errors = y.errors(y.receive())
            if role in writers:
                ok = ack.get("ok") is True and stored == 1 and relayed and not errors
            else:
                ok = (ack == {"ok": False, "code": "read-only"} and errors == ["read-only"]
                      and stored == 0 and not relayed)
            check(ok, f"sync-update on the {where}: ack={ack}, stored={stored}, "
                      f"relayed={len(relayed)}, errors={errors}")
            observer.sync()
            # an event with no handler of its own reaches the catch-all one
            y.io.emit("no-such-event", b"x", namespace=y.ns)
            errors = y.errors(y.receive())
            check(errors == ["unknown-event"], f"unknown event on the {where}: {errors}")
            # disconnect: the others are told the person left
            y.io.disconnect(namespace=y.ns)
            left = [(entry.client, entry.state) for e in observer.receive()
                    if e["name"] == "awareness-update"
                    for entry in awareness.decode(e["args"][0])]
            check(not y.connected and (client_id, "null") in left,
                  f"disconnect from the {where}: still connected={y.connected}, left={left}")
        # the text holds the writers' edits and nobody else's
        text = str(observer.text)
        for role in roles:
            check((f"[{role}] " in text) == (role in writers),
                  f"the {name} document's text as to {role}'s edit: {text[:200]!r}")
    return wrong, checked


def test_socket_matrix(app, world):
    wrong, checked = socket_matrix(app, world, SOCKET_DOCUMENTS, ROLES)
    print(f"\nsocket matrix: {len(SOCKET_EVENTS)} socket events × {len(ROLES)} roles "
          f"× {len(SOCKET_DOCUMENTS)} documents, {checked} checks")
    assert not wrong, f"{len(wrong)} of {checked} socket checks wrong:\n" + "\n".join(wrong)
