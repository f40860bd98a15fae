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

Allowed POSTs change the database; it is restored to the world's state before the next
request, so that each person meets the same world.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from coelab.db import db
from coelab.extensions import socketio
from sqlalchemy import select, text

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

# Every URL rule of the app (``static`` aside), keyed by its rule string.
RULES: dict[str, Access] = {
    # --- public and personal pages
    "/": LOGGED_IN,  # the landing page: the dashboard, or the login page
    "/login": PUBLIC,
    "/password/forgot": PUBLIC,
    "/password/reset/<token>": BAD_TOKEN,
    "/invitation/<token>": BAD_TOKEN,
    "/logout": LOGGED_IN,
    "/dashboard": LOGGED_IN,
    "/profile": LOGGED_IN,
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
    # --- programme-wide administration
    "/users": A(AUTHENTICATED, STAFF, post=ADMIN),
    "/users/<int:user_id>/roles": ADMIN_ONLY,
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
}


# --- the world ------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
            b"trailer <</Root 1 0 R>>\n%%EOF\n")


CASE_LEVELS = {"analyse": 3, "preconisations": 2, "ancrage": 2, "cooperation": 1, "ecrit": 0}


class World:
    """A thematic cohort (2.4) with two teams; another cohort; a case study of the
    author's team before its panel; the author's mini-diagnostic and the team's
    collection of recommendations, both drafts; and around them a comment, an
    assessment, an attachment, an entry, a corpus entry, a notification..."""

    def __init__(self, make, decided: bool = False) -> None:
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
        juror = jops.add_member(coordinator, panel, u["juror"], PanelRole.MEMBER)
        jops.declare(juror, impartial=True)
        jops.schedule(coordinator, case, starts_at=datetime.now(UTC) + timedelta(days=7),
                      duration_minutes=45, place="Martigues, salle 2")
        if decided:  # the soutenance took place; both jurors scored; the president decided
            from coelab.jury.models import Soutenance

            db.session.scalar(select(Soutenance)).starts_at = (datetime.now(UTC)
                                                                - timedelta(minutes=5))
            db.session.commit()
            for member in (president, u["juror"]):
                aops.save_assessment(member, case, levels=CASE_LEVELS, comments={},
                                     overall_comment=None, submit=True)
            jops.open_deliberation(president, case)
            jops.decide(president, case, validated=True, reasons="Validé.",
                        agreed_levels=CASE_LEVELS)
            panel_thread = cops.create_thread(u["juror"], case, anchor=cops.Anchor(**ANCHOR),
                                              quote="passage", body="Note du jury",
                                              visibility="panel")
        other_panel = jops.create_panel(coordinator, other_cohort, "Autre jury")
        jops.declare(jops.add_member(coordinator, other_panel, u["other_juror"],
                                     PanelRole.MEMBER), impartial=True)
        invited = jops.invite_external(coordinator, other_panel, email="pro@asso.example",
                                       first_name="Rachid", last_name="Amrani",
                                       organisation="ITEP fictif")
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
        self.mini, self.case = mini, case
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
            "panel_thread": panel_thread.id if decided else None,
            "juror_assessment": db.session.scalar(select(Assessment.id).where(
                Assessment.assessor_id == u["juror"].id)),
            "action": None,  # per rule, below
        }
        db.session.commit()

    def url(self, rule, access: Access) -> str:
        actions = {"comments.resolve": "resolve", "deliverables.review": "start_review"}

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name == "action":
                return actions[rule.endpoint]
            return str(self.args[access.args.get(name, name)])

        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", value, rule.rule)


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
        shutil.copytree(self.uploads, self.saved_uploads)

    def restore(self) -> None:
        db.session.rollback()
        db.session.close()
        postgresql = db.engine.dialect.name == "postgresql"
        with db.engine.connect() as sql:
            if not postgresql:
                sql.exec_driver_sql("PRAGMA foreign_keys=OFF")
                sql.commit()
            with sql.begin():
                if postgresql:
                    names = ", ".join(f'"{t.name}"' for t in self.tables)
                    sql.execute(text(f"TRUNCATE {names} CASCADE"))
                else:
                    for table in reversed(self.tables):
                        sql.execute(table.delete())
                for table in self.tables:
                    if self.rows[table.name]:
                        sql.execute(table.insert(), self.rows[table.name])
            if not postgresql:
                sql.exec_driver_sql("PRAGMA foreign_keys=ON")
                sql.commit()
        shutil.rmtree(self.uploads)
        shutil.copytree(self.saved_uploads, self.uploads)


# --- fixtures and checks --------------------------------------------------------------


@pytest.fixture
def app_config(tmp_path, database_url):
    # the authorisation outcome is what is checked here: CSRF has its own tests
    return base_config(tmp_path, database_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)


@pytest.fixture
def world(app, make) -> World:
    return World(make)


@pytest.fixture
def decided_world(app, make) -> World:
    return World(make, decided=True)


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


def run_matrix(app, world, table: dict[str, Access]) -> tuple[list[str], int]:
    """Every declared rule, by GET and POST as it accepts them, as every person: the
    outcomes that differ from the declaration, and how many requests were checked."""
    rules = app_rules(app)
    clients = {role: log_in(app, world.emails.get(role)) for role in ROLES}
    snapshot = Snapshot(app)
    wrong, checked, dirty = [], 0, False
    for rule_text, access in sorted(table.items()):
        rule = rules.get(rule_text)
        if rule is None:
            continue  # reported by the declaration test
        url = world.url(rule, access)
        methods = [m for m in ("GET", "POST") if m in rule.methods]
        for method in methods:
            for role in ROLES:
                if dirty:
                    snapshot.restore()
                    dirty = False
                client = clients[role]
                response = client.open(url, method=method, data={} if method == "POST" else None)
                got, want = outcome(response), expected(role, access, method)
                if rule.endpoint == "auth.logout" and role != "anonymous":
                    # logging out leads to the login page: check the session is gone
                    gone = outcome(client.get("/dashboard")) == "login"
                    got = "allowed" if got == "login" and gone else got
                    clients[role] = log_in(app, world.emails[role])
                checked += 1
                if got not in want:
                    wrong.append(f"{method} {url} [{rule.endpoint}] as {role}: expected "
                                 f"{' or '.join(sorted(want))}, got {response.status_code}")
                if method == "POST" and got == "allowed":
                    dirty = True
    return wrong, checked


def test_http_matrix(app, world):
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
}


def test_objects_are_found_only_inside_their_parent(app, world):
    assert set(MISMATCHED) <= set(app_rules(app)), set(MISMATCHED) - set(app_rules(app))
    table = {rule: replace(RULES[rule], args=args, misplaced=True)
             for rule, args in MISMATCHED.items()}
    wrong, checked = run_matrix(app, world, table)
    print(f"\nmismatched parents: {len(MISMATCHED)} routes × {len(ROLES)} roles, "
          f"{checked} requests checked")
    assert not wrong, f"{len(wrong)} of {checked} checks wrong:\n" + "\n".join(wrong)


# The jury's rules once the president recorded the decision (not yet signed nor
# released): the panel's own pages and notes stay the panel's and the coordination's.
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


def test_http_matrix_once_the_jury_decided(app, decided_world):
    from coelab.deliverables.models import Deliverable, DeliverableState

    assert db.session.get(Deliverable, decided_world.args["case"]).state == \
        DeliverableState.DECIDED
    assert set(DECIDED) <= set(app_rules(app)), set(DECIDED) - set(app_rules(app))
    wrong, checked = run_matrix(app, decided_world, DECIDED)
    print(f"\nonce decided: {len(DECIDED)} routes × {len(ROLES)} roles, "
          f"{checked} requests checked")
    assert not wrong, f"{len(wrong)} of {checked} checks wrong:\n" + "\n".join(wrong)


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


def test_every_socket_event_is_declared(app):
    events = registered_events()
    undeclared = sorted(events - set(SOCKET_EVENTS))
    stale = sorted(set(SOCKET_EVENTS) - events)
    assert not undeclared, ("socket events with a handler but no declared check in "
                            f"tests/test_authorization_matrix.py SOCKET_EVENTS: {undeclared}")
    assert not stale, f"SOCKET_EVENTS declares events with no handler any more: {stale}"


def test_socket_matrix(app, world):
    from coelab.documents import awareness

    from .test_realtime import YClient, stored_updates

    documents = {
        # the author's draft: its author writes, their trainer and the coordination read
        "draft": (world.mini.document, OWN, AUTHOR),
        # the submitted case study: frozen, read by its authors, trainer, panel, staff
        "frozen": (world.case.document, JURY_WORK, NOBODY),
    }
    assert registered_events() == set(SOCKET_EVENTS)  # (the test above says which)
    wrong, checked = [], 0

    def check(ok: bool, what: str) -> None:
        nonlocal checked
        checked += 1
        if not ok:
            wrong.append(what)

    for name, (document, readers, writers) in documents.items():
        observer = YClient(app, log_in(app, world.emails["coordinator"]), document.id)
        assert observer.connected
        observer.sync()
        for number, role in enumerate(ROLES):
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
        for role in ROLES:
            check((f"[{role}] " in text) == (role in writers),
                  f"the {name} document's text as to {role}'s edit: {text[:200]!r}")
    print(f"\nsocket matrix: {len(SOCKET_EVENTS)} socket events × {len(ROLES)} roles "
          f"× {len(documents)} documents, {checked} checks")
    assert not wrong, f"{len(wrong)} of {checked} socket checks wrong:\n" + "\n".join(wrong)
