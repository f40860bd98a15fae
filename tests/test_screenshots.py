"""`make screenshots` (scripts/screenshots.py): a demo server of its own, the demo roles
logged in through the login page, full-page PNGs at 1366 and 390 pixels wide."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "screenshots.py"
# as tests/browser/conftest.py finds Chromium
CHROMIUM = os.environ.get("COELAB_CHROMIUM", "/usr/bin/chromium")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("COELAB_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (COELAB_REQUIRE_BROWSER is set)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    return CHROMIUM


def run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path.name} has no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


def test_the_chosen_shots_are_real_pngs(chromium_path, tmp_path):
    # the login page (a visitor) and the trainee's dashboard (logged in), one per width
    done = run("--out", str(tmp_path), "--chromium", chromium_path,
               "--only", "1366-login", "--only", "390-trainee-dashboard")
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["1366-login.png", "390-trainee-dashboard.png"], done.stdout
    for name, expected_width in (("1366-login.png", 1366), ("390-trainee-dashboard.png", 390)):
        path = tmp_path / name
        assert str(path) in done.stdout  # each file written is printed
        width, height = png_size(path)
        assert width == expected_width
        assert height >= 844  # full page, at least the screen's height
        assert path.stat().st_size > 10_000, f"{name} is suspiciously small"


def test_an_unknown_only_pattern_is_refused(tmp_path):
    done = run("--out", str(tmp_path / "out"), "--only", "no-such-page", timeout=60)
    assert done.returncode != 0
    assert "no shot matches --only 'no-such-page'" in done.stderr
    assert "1366-trainee-dashboard" in done.stderr  # the names to choose from
    assert not (tmp_path / "out").exists()  # nothing started, nothing written
