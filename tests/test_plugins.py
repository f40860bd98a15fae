"""The plugin contract: discovery, deliverable kinds, panels, policy rules, the dependency rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from coelab import create_app
from coelab.plugins import DeliverableKind, Plugin, WorkspacePanel
from flask import Blueprint

from .conftest import base_config, login, page

ROOT = Path(__file__).resolve().parents[1]


class PortfolioPlugin(Plugin):
    """A plugin that exists only in the test suite."""

    name = "portfolio_test"

    def blueprints(self):
        bp = Blueprint(self.name, __name__, template_folder="plugin_templates",
                       url_prefix=f"/{self.name}")

        @bp.route("/boom")
        def boom():
            raise RuntimeError("secret internal detail")

        return (bp,)

    def deliverable_kinds(self):
        yield DeliverableKind(
            name="reflective_portfolio",
            label="Portfolio réflexif",
            label_plural="Portfolios réflexifs",
            description="Journal de bord individuel des apprentissages.",
            authorship="individual",
            parcours=frozenset({"I", "III"}),
            module_scopes=frozenset({"transversal"}),
            template="# Portfolio\n",
        )

    def workspace_panels(self, cohort, user):
        yield WorkspacePanel("Portfolios de la cohorte", "portfolio_test/panel.html",
                             {"message": f"{len(cohort.memberships)} membres"}, order=5)

    def policy_rules(self):
        return {"portfolio.read": lambda user, obj: user.is_authenticated}


@pytest.fixture
def app_config(request, tmp_path, database_url):
    """The test plugin; a test may add settings (``indirect`` parametrisation)."""
    return base_config(tmp_path, database_url, PLUGINS_EXTRA=[PortfolioPlugin()],
                       **getattr(request, "param", {}))


def test_installed_plugins_are_found_by_entry_point(app):
    names = [p.name for p in app.extensions["coelab_plugins"].plugins]
    assert names[0] == "coelab"
    assert {"cohort", "casestudies", "recommendations", "portfolio_test"} <= set(names)
    kinds = app.extensions["coelab_plugins"].kinds
    assert kinds["collective_case_study"].plugin == "casestudies"
    assert kinds["recommendation_collection"].plugin == "recommendations"
    assert kinds["reflective_portfolio"].plugin == "portfolio_test"


def test_a_test_plugin_kind_appears_in_the_workspace(client, make):
    cohort = make.cohort()
    trainee = make.user()
    make.member(cohort, trainee, parcours="I")
    login(client, trainee.email)
    html = page(client.get(f"/cohorts/{cohort.id}"))
    assert 'data-kind="reflective_portfolio"' in html
    assert "Portfolio réflexif" in html
    assert "Journal de bord individuel des apprentissages." in html
    assert "Travail individuel." in html
    # its panel, with its own template, sits in the workspace too
    assert "Portfolios de la cohorte" in html
    assert '<p class="portfolio-panel">1 membres</p>' in html


def test_plugin_policy_rules_join_the_policy(app, make):
    from coelab.policy import can

    assert can(make.user(), "portfolio.read") is True


def test_unexpected_error_shows_the_site_error_page_without_details(client):
    response = client.get("/portfolio_test/boom")
    assert response.status_code == 500
    html = page(response)
    assert "Erreur inattendue" in html
    assert "secret internal detail" not in html and "Traceback" not in html


def test_plugins_can_be_disabled(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}",
                                 PLUGINS_DISABLED=("recommendations",)))
    names = [p.name for p in app.extensions["coelab_plugins"].plugins]
    assert "recommendations" not in names
    assert "recommendation_collection" not in app.extensions["coelab_plugins"].kinds


@pytest.mark.parametrize("app_config", [{"PLUGINS_DISABLED": ("cohort",)}], indirect=True)
def test_the_core_creates_a_cohort_without_the_cohort_plugin(client, make):
    """The core owns cohorts: without the cohort package (its catalogue of modules and
    sites), the coordination still creates one, with the core's fields."""
    from coelab.db import db
    from coelab.models import AuditEvent, Cohort
    from sqlalchemy import select

    from .conftest import post

    assert "cohort" not in {p.name for p in client.application.extensions[
        "coelab_plugins"].plugins}
    trainee = make.user()
    login(client, trainee.email)
    assert client.get("/cohorts/new").status_code == 403
    post(client, "/logout", token_from="/dashboard")
    login(client, make.user(coordinator=True).email)
    assert 'href="/cohorts/new"' in page(client.get("/dashboard"))
    html = page(client.get("/cohorts/new"))
    assert "Nom de la cohorte" in html and "Un module thématique" in html
    assert 'name="site"' not in html
    form = {"name": "Cohorte du cœur", "module_scope": "thematic",
            "start_date": "2027-03-01", "end_date": "2027-05-28"}
    response = post(client, "/cohorts/new", {**form, "end_date": "2027-01-01"},
                    token_from="/cohorts/new")
    assert "La date de fin précède la date de début." in page(response)
    response = post(client, "/cohorts/new", form, token_from="/cohorts/new")
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Cohorte du cœur"))
    assert cohort.module_scope == "thematic"
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "cohort.created", AuditEvent.object_id == cohort.id))
    assert "Cohorte du cœur" in page(client.get(f"/cohorts/{cohort.id}"))


def test_two_plugins_declaring_one_kind_is_refused(tmp_path):
    class Clash(PortfolioPlugin):
        name = "clash"

    with pytest.raises(RuntimeError, match="declared twice"):
        create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}",
                               PLUGINS_EXTRA=[PortfolioPlugin(), Clash()]))


def test_a_kind_with_an_unknown_parcours_is_refused():
    with pytest.raises(ValueError, match="unknown parcours"):
        DeliverableKind(name="x", label="x", label_plural="x", description="x",
                        authorship="team", parcours=frozenset({"IV"}),
                        module_scopes=frozenset({"thematic"}), template="")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_never_imports_a_feature_package():
    features = {"cohort", "casestudies", "recommendations"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & features)
        for path in (ROOT / "platform" / "coelab").rglob("*.py")
        if _imports(path) & features
    }
    assert offenders == {}
