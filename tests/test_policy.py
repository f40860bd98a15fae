"""Who may see and do what: the policy table and what users meet on the pages."""

from __future__ import annotations

import pytest
from coelab.policy import can

from .conftest import login, page, post


@pytest.fixture
def world(make):
    """Two cohorts, each with a trainer and trainees; a coordinator and an admin."""
    a = make.cohort("Cohorte A")
    b = make.cohort("Cohorte B")
    people = {
        "trainee_a": make.user("Amandine", "Roux"),
        "trainee_a2": make.user("Louis", "Ferrand"),
        "trainee_b": make.user("Karim", "Haddad"),
        "trainer_a": make.user("Claire", "Vidal"),
        "coordinator": make.user("Hélène", "Marchetti", coordinator=True),
        "admin": make.user("Samir", "Benali", admin=True),
        "outsider": make.user("Paul", "Garnier"),
    }
    make.member(a, people["trainee_a"])
    make.member(a, people["trainee_a2"])
    make.member(b, people["trainee_b"])
    make.member(a, people["trainer_a"], "trainer")
    team = make.team(a, "Équipe 1", [people["trainee_a"]])
    return {"a": a, "b": b, "team": team, **people}


class Anonymous:
    is_authenticated = False


# action, object key, who may
TABLE = [
    ("cohort.view", "a", {"trainee_a", "trainee_a2", "trainer_a", "coordinator", "admin"}),
    ("cohort.view", "b", {"trainee_b", "coordinator", "admin"}),
    ("cohort.manage", "a", {"coordinator", "admin"}),
    ("cohort.create", None, {"coordinator", "admin"}),
    ("team.view", "team", {"trainee_a", "trainee_a2", "trainer_a", "coordinator", "admin"}),
    ("team.manage", "team", {"coordinator", "admin"}),
    ("audit.view", None, {"coordinator", "admin"}),
    ("users.list", None, {"coordinator", "admin"}),
    ("users.admin", None, {"admin"}),
    ("cohort.view_enrolments", "a", {"trainer_a", "coordinator", "admin"}),
    ("programme.edit", None, {"coordinator", "admin"}),
    ("dashboard.view", None, {"trainee_a", "trainee_a2", "trainee_b", "trainer_a",
                              "coordinator", "admin", "outsider"}),
]
PEOPLE = ["trainee_a", "trainee_a2", "trainee_b", "trainer_a", "coordinator", "admin",
          "outsider"]


@pytest.mark.parametrize(("action", "obj", "allowed"), TABLE)
def test_policy_table(world, action, obj, allowed):
    target = world[obj] if obj else None
    for who in PEOPLE:
        assert can(world[who], action, target) == (who in allowed), (who, action, obj)
    assert can(Anonymous(), action, target) is False


def test_unknown_action_is_an_error_not_a_yes(world):
    with pytest.raises(KeyError):
        can(world["admin"], "cohort.destroy_everything", world["a"])


def test_trainee_of_cohort_a_gets_404_on_cohort_b(client, world):
    login(client, world["trainee_a"].email)
    assert client.get(f"/cohorts/{world['a'].id}").status_code == 200
    for path in (f"/cohorts/{world['b'].id}", f"/cohorts/{world['b'].id}/members",
                 f"/cohorts/{world['b'].id}/teams", f"/cohorts/{world['b'].id}/enrolments",
                 f"/cohorts/{world['b'].id}/gatherings"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page introuvable" in page(response)
    # a cohort that does not exist looks the same
    assert client.get("/cohorts/999999").status_code == 404
    dashboard = page(client.get("/dashboard"))
    assert "Cohorte A" in dashboard and "Cohorte B" not in dashboard


def test_trainer_cannot_administer(client, world):
    login(client, world["trainer_a"].email)
    a = world["a"].id
    assert client.get(f"/cohorts/{a}").status_code == 200
    assert client.get(f"/cohorts/{a}/members").status_code == 403
    assert client.get(f"/cohorts/{a}/teams").status_code == 403
    assert client.get("/cohorts/new").status_code == 403
    assert client.get("/users").status_code == 403
    response = post(client, f"/cohorts/{a}/teams", {"name": "Équipe pirate"},
                    token_from="/dashboard")
    assert response.status_code == 403
    assert "Accès refusé" in page(response)
    workspace = page(client.get(f"/cohorts/{a}"))
    assert "Membres et invitations" not in workspace
    # the trainer sees the enrolments of the cohort, not their edit links
    assert client.get(f"/cohorts/{a}/enrolments").status_code == 200


def test_trainee_sees_no_management_buttons(client, world):
    login(client, world["trainee_a"].email)
    html = page(client.get(f"/cohorts/{world['a'].id}"))
    assert "Membres et invitations" not in html
    assert "Gérer les regroupements" not in html
    assert client.get(f"/cohorts/{world['a'].id}/enrolments").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    for path in ("/dashboard", f"/cohorts/{world['a'].id}", "/users", "/programme",
                 f"/cohorts/{world['a'].id}/members", "/profile"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_coordinator_manages_any_cohort(client, world):
    login(client, world["coordinator"].email)
    for path in (f"/cohorts/{world['b'].id}", f"/cohorts/{world['b'].id}/members",
                 f"/cohorts/{world['b'].id}/teams", "/users"):
        assert client.get(path).status_code == 200, path


def test_write_rules_asked_together_answer_as_one_by_one(app, world):
    """The co-editing write path asks about a batch's authors in one query."""
    from coelab.db import db
    from coelab.documents.operations import create_document
    from coelab.policy import asked_together
    from sqlalchemy import event

    cohort_doc = create_document(None, world["a"], title="Cohorte")
    team_doc = create_document(None, world["a"], title="Équipe", team=world["team"])
    people = [world[k] for k in ("trainee_a", "trainee_a2", "trainee_b", "trainer_a",
                                 "outsider")]
    statements = []

    def listener(*args):
        statements.append(args[2])

    for document in (cohort_doc, team_doc):
        alone = {p.id: can(p, "document.write", document) for p in people}
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with asked_together(document, [p.id for p in people]):
                together = {p.id: can(p, "document.write", document) for p in people}
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert together == alone
        assert len(statements) == 1
    assert [alone[p.id] for p in people] == [True, False, False, False, False]
