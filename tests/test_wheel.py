"""A built wheel, installed in a clean virtual environment, serves the app."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent(
    """
    import os, sys
    import coelab
    assert os.environ["VENV"] in coelab.__file__, coelab.__file__
    from coelab import create_app
    from coelab.migrate import upgrade
    app = create_app({"SECRET_KEY": "wheel", "MAIL_BACKEND": "memory"})
    upgrade(app)  # migrations of the core and of the cohort plugin are packaged
    client = app.test_client()
    login = client.get("/login")
    assert login.status_code == 200, login.status_code
    html = login.get_data(as_text=True)
    assert "Connexion à Coélab" in html, html[:500]
    css = client.get("/static/coelab.css")
    assert css.status_code == 200 and b"--accent" in css.data
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in" in english
    kinds = sorted(app.extensions["coelab_plugins"].kinds)
    print("OK", kinds)
    """
)


def test_every_python_package_of_the_checkout_is_packaged():
    """A new sub-package missing from pyproject's list installs a wheel that cannot import."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(tool["packages"])
    found = set()
    for name, directory in tool["package-dir"].items():
        root = ROOT / directory
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root).parts
            found.add(".".join((name, *relative)))
    assert found - listed == set()


@pytest.mark.slow
def test_wheel_installs_and_serves_the_login_page(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    [wheel] = list(dist.glob("coelab-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = subprocess.run(
        [str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # the wheel alone goes into the clean environment...
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target,
         str(wheel)],
        check=True, capture_output=True, text=True,
    )
    # ...and its dependencies come from this environment, appended after it, so that no
    # file of the working tree can stand in for a missing one in the wheel
    deps = Path(sysconfig.get_path("purelib"))
    (Path(target) / "zz_test_dependencies.pth").write_text(str(deps) + "\n")
    env = {"PATH": "/usr/bin:/bin", "VENV": str(venv),
           "COELAB_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run([str(venv / "bin/python"), "-c", CHECK], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "collective_case_study" in result.stdout
    assert "recommendation_collection" in result.stdout
    assert os.path.exists(tmp_path / "instance" / "coelab.db")
