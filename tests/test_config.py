"""The app factory and configuration from the environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from coelab import create_app
from coelab.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("COELAB_ENV", "COELAB_SECRET_KEY", "COELAB_DATABASE_URL",
                 "COELAB_INSTANCE_PATH", "COELAB_SECURE_COOKIES", "COELAB_MAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COELAB_INSTANCE_PATH", str(tmp_path / "inst"))
    return monkeypatch


def test_local_defaults_use_sqlite_in_the_instance_folder(clean_env, tmp_path):
    app = create_app()
    instance = tmp_path / "inst"
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'coelab.db'}"
    assert Path(app.config["UPLOAD_FOLDER"]) == instance / "uploads"
    assert (instance / "uploads").is_dir()
    assert app.config["MAIL_BACKEND"] == "console"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    # the generated local secret is kept, so sessions survive a restart
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 32


def test_environment_variables_are_honoured(clean_env, tmp_path):
    clean_env.setenv("COELAB_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    clean_env.setenv("COELAB_SECRET_KEY", "from-the-environment")
    clean_env.setenv("COELAB_LOGIN_RATE_LIMIT", "3 per minute")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("other.db")
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute"


def test_explicit_config_wins_over_the_environment(clean_env):
    clean_env.setenv("COELAB_SECRET_KEY", "env")
    app = create_app({"SECRET_KEY": "explicit", "TESTING": True})
    assert app.config["SECRET_KEY"] == "explicit" and app.testing


def test_production_without_secret_refuses_to_start(clean_env):
    clean_env.setenv("COELAB_ENV", "production")
    with pytest.raises(ConfigError, match="COELAB_SECRET_KEY is not set"):
        create_app()


def test_production_command_line_says_why(clean_env, tmp_path):
    env = {"COELAB_ENV": "production", "COELAB_INSTANCE_PATH": str(tmp_path / "i"),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "coelab.launcher", "db", "upgrade"],
                            env=env, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert "COELAB_SECRET_KEY is not set" in result.stderr


def test_production_mode_uses_secure_cookies_and_smtp(clean_env):
    clean_env.setenv("COELAB_ENV", "production")
    clean_env.setenv("COELAB_SECRET_KEY", "a" * 64)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["MAIL_BACKEND"] == "smtp"


def test_bad_values_are_explained(clean_env):
    clean_env.setenv("COELAB_ENV", "staging")
    with pytest.raises(ConfigError, match="COELAB_ENV must be"):
        create_app()
    clean_env.setenv("COELAB_ENV", "local")
    clean_env.setenv("COELAB_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="COELAB_SMTP_PORT must be a whole number"):
        create_app()


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_stdlib_platform_module_is_not_shadowed():
    """``platform/`` is a plain folder: from the repo root, ``import platform`` is the stdlib's."""
    assert not (ROOT / "platform" / "__init__.py").exists()
    code = ("import platform, sys; assert sys.path[0] == ''; "
            "print(platform.python_implementation(), platform.__file__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    implementation, path = result.stdout.split()
    assert implementation == "CPython"
    assert not path.startswith(str(ROOT))


def test_ruff_checks_stdlib_shadowing():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    selected = config["tool"]["ruff"]["lint"]["select"]
    assert "A" in selected or "A005" in selected
