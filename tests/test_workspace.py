"""Cohort workspaces: members, teams, the deliverables area, the dashboard, the audit."""

from __future__ import annotations

from coelab.db import db
from coelab.models import AuditEvent, Team
from sqlalchemy import select

from .conftest import login, page, post


def test_workspace_shows_members_teams_and_deliverable_kinds(client, make):
    cohort = make.cohort("Transversal Martigues")
    trainer = make.user("Claire", "Vidal")
    amandine = make.user("Amandine", "Roux")
    louis = make.user("Louis", "Ferrand")
    make.member(cohort, trainer, "trainer")
    make.member(cohort, amandine, parcours="I")
    make.member(cohort, louis, parcours="III")
    make.team(cohort, "Équipe Calanques", [amandine, louis])
    login(client, amandine.email)
    html = page(client.get(f"/cohorts/{cohort.id}"))
    assert "Claire Vidal" in html
    assert "Amandine Roux" in html and "Louis Ferrand" in html
    assert "Équipe Calanques" in html and "mon équipe" in html
    # the transversal cohort shows the collective case study, not the thematic kinds
    assert "Étude de cas collective" in html
    assert "Exigé des stagiaires des parcours : I, III." in html
    assert "Mini-diagnostic stratégique" not in html
    # Amandine owes it (parcours I) and has not started it yet
    assert "Ce que mon parcours demande ici" in html
    assert "pas encore commencé" in html and "Commencer" in html


def test_thematic_cohort_shows_its_three_kinds(client, make):
    cohort = make.cohort("Module 2.4", scope="thematic")
    trainee = make.user()
    make.member(cohort, trainee, parcours="II")
    login(client, trainee.email)
    html = page(client.get(f"/cohorts/{cohort.id}"))
    for label in ("Étude de cas thématique", "Mini-diagnostic stratégique",
                  "Recueil de recommandations"):
        assert label in html
    assert "Étude de cas collective" not in html


def test_coordinator_invites_forms_teams_and_reads_the_audit(client, make, outbox):
    coordinator = make.user("Hélène", "Marchetti", coordinator=True)
    cohort = make.cohort()
    existing = make.user("Marc", "Olivieri")
    login(client, coordinator.email)
    members_url = f"/cohorts/{cohort.id}/members"
    # a trainee needs a parcours
    response = post(client, members_url, {"email": "a@example.org", "first_name": "A",
                                          "last_name": "B", "role": "trainee", "parcours": ""},
                    token_from=members_url)
    assert "Choisissez le parcours" in page(response)
    # a parcours II trainee cannot join a transversal cohort
    response = post(client, members_url, {"email": "a@example.org", "first_name": "A",
                                          "last_name": "B", "role": "trainee", "parcours": "II"},
                    token_from=members_url)
    assert "parcours I et III" in page(response)
    for email, first, role, parcours in (("sophie@example.org", "Sophie", "trainee", "III"),
                                         ("yann@example.org", "Yann", "trainee", "I"),
                                         (existing.email, "Marc", "trainer", "")):
        response = post(client, members_url, {"email": email, "first_name": first,
                                              "last_name": "X", "role": role,
                                              "parcours": parcours}, token_from=members_url)
        assert response.status_code == 302
    # the existing account is added without an invitation link, and told by mail
    assert [m.to for m in outbox] == ["sophie@example.org", "yann@example.org", existing.email]
    assert "/invitation/" not in outbox[2].body
    # inviting someone twice into the same cohort is refused clearly
    response = post(client, members_url, {"email": "sophie@example.org", "first_name": "S",
                                          "last_name": "X", "role": "trainee",
                                          "parcours": "I"}, token_from=members_url)
    assert "fait déjà partie de cette cohorte" in page(response)

    teams_url = f"/cohorts/{cohort.id}/teams"
    assert post(client, teams_url, {"name": "Équipe Sainte-Victoire"},
                token_from=teams_url).status_code == 302
    response = post(client, teams_url, {"name": "équipe sainte-victoire"}, token_from=teams_url)
    assert "Une équipe porte déjà ce nom" in page(response)
    team = db.session.scalar(select(Team))
    html = page(client.get(teams_url))
    assert "Sans équipe : Sophie X, Yann X" in html
    ids = [m.user_id for m in cohort.memberships if m.role == "trainee"]
    response = post(client, f"/cohorts/{cohort.id}/teams/{team.id}/members",
                    {f"team{team.id}-members": [str(i) for i in ids]}, token_from=teams_url)
    assert response.status_code == 302
    db.session.expire_all()
    assert sorted(u.first_name for u in team.users) == ["Sophie", "Yann"]
    # a trainer cannot be put in a team
    trainer_id = existing.id
    post(client, f"/cohorts/{cohort.id}/teams/{team.id}/members",
         {f"team{team.id}-members": [str(trainer_id)]}, token_from=teams_url)
    db.session.expire_all()
    assert sorted(u.first_name for u in team.users) == ["Sophie", "Yann"]

    audit = page(client.get(f"/cohorts/{cohort.id}/audit"))
    for action in ("cohort.created", "membership.added", "team.created",
                   "team.members_changed", "user.invited"):
        assert action in audit
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "team.members_changed"))
    assert event.actor_id == coordinator.id
    assert event.before == {"members": []}
    assert sorted(event.after["members"]) == ["sophie@example.org", "yann@example.org"]
    assert client.get(f"/audit/teams/{team.id}").status_code == 200


def test_a_trainee_is_in_one_team_per_cohort(make, app):
    from coelab import operations as ops

    cohort = make.cohort()
    trainee = make.user()
    make.member(cohort, trainee)
    t1 = make.team(cohort, "Un", [trainee])
    t2 = ops.create_team(None, cohort, "Deux")
    ops.set_team_members(None, t2, [trainee])
    db.session.expire_all()
    assert t1.users == [] and t2.users == [trainee]


def test_removing_a_member_takes_them_out_of_their_team(client, make):
    coordinator = make.user(coordinator=True)
    cohort = make.cohort()
    trainee = make.user("Inès", "Bouvier")
    membership = make.member(cohort, trainee)
    team = make.team(cohort, "Équipe", [trainee])
    login(client, coordinator.email)
    url = f"/cohorts/{cohort.id}/members"
    response = post(client, f"/cohorts/{cohort.id}/members/{membership.id}/remove",
                    token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert team.users == [] and cohort.memberships == []


def test_dashboard_lists_cohorts_and_attention(client, make):
    coordinator = make.user(coordinator=True)
    cohort = make.cohort("Cohorte sans équipes")
    make.member(cohort, make.user())
    login(client, coordinator.email)
    html = page(client.get("/dashboard"))
    assert "Cohorte sans équipes" in html
    assert "Cohorte sans équipes : 1 stagiaire n'a pas encore d'équipe." in html


def test_dashboard_empty_state(client, make):
    user = make.user()
    login(client, user.email)
    assert "aucune cohorte" in page(client.get("/dashboard"))


def test_coordinator_renames_and_deletes_a_team(client, make):
    coordinator = make.user(coordinator=True)
    cohort = make.cohort()
    trainee = make.user()
    make.member(cohort, trainee)
    team = make.team(cohort, "Équipe 1", [trainee])
    other = make.team(cohort, "Équipe 2", [])
    login(client, coordinator.email)
    url = f"/cohorts/{cohort.id}/teams"
    post(client, f"{url}/{team.id}/rename", {f"rename{team.id}-name": "Équipe 2"}, token_from=url)
    db.session.expire_all()
    assert team.name == "Équipe 1"  # the name is taken
    response = post(client, f"{url}/{team.id}/rename", {f"rename{team.id}-name": "Les Calanques"},
                    token_from=url, follow_redirects=True)
    assert "Équipe renommée « Les Calanques »." in page(response)
    response = post(client, f"{url}/{other.id}/delete", token_from=url, follow_redirects=True)
    assert "Équipe « Équipe 2 » supprimée." in page(response)
    db.session.expire_all()
    assert [t.name for t in cohort.teams] == ["Les Calanques"]
    events = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "teams"))]
    assert "team.renamed" in events and "team.deleted" in events


def test_admin_grants_roles_and_the_last_admin_stays(client, make):
    admin = make.user("Samir", "Benali", admin=True)
    coordinator = make.user("Hélène", "Marchetti", coordinator=True)
    trainer = make.user("Claire", "Vidal")
    login(client, coordinator.email)
    response = post(client, f"/users/{trainer.id}/roles", {"coordinator": "y"},
                    token_from="/users")
    assert response.status_code == 403  # a coordinator does not hand out roles
    post(client, "/logout", token_from="/dashboard")
    login(client, admin.email)
    post(client, f"/users/{trainer.id}/roles", {"coordinator": "y"}, token_from="/users")
    response = post(client, f"/users/{admin.id}/roles", {"coordinator": "y"},
                    token_from="/users", follow_redirects=True)
    assert "Il doit rester au moins un administrateur." in page(response)
    db.session.expire_all()
    assert trainer.is_coordinator and not trainer.is_admin
    assert admin.is_admin


def test_admin_invites_a_coordinator(client, make, outbox):
    admin = make.user(admin=True)
    login(client, admin.email)
    response = post(client, "/users", {"email": "coord@example.org", "first_name": "Lina",
                                       "last_name": "Rossi"}, token_from="/users")
    assert response.status_code == 302
    [mail] = outbox
    assert mail.to == "coord@example.org" and "/invitation/" in mail.body
    from coelab.models import User

    invited = db.session.scalar(select(User).where(User.email == "coord@example.org"))
    assert invited.is_coordinator and not invited.active


def test_create_admin_command(app, outbox):
    from coelab.models import User

    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "boss@example.org", "--first-name", "Ada",
                                 "--last-name", "Martin"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert admin.is_admin and admin.is_coordinator and not admin.active
    assert "/invitation/" in outbox[0].body
