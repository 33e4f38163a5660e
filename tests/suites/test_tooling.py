"""ruff and mypy as tests: a finding fails the suite like any other failure.

Both read their settings from pyproject.toml; the tools themselves come with the
test extras.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_ruff_reports_nothing():
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_reports_nothing():
    done = _run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert done.returncode == 0, done.stdout + done.stderr


USER_SCRIPT = '''\
import numpy as np
import visheat

h = visheat.heatmap(np.zeros((1, 3, 4, 4), np.float32))
fig = visheat.figure(h)
page = visheat.write_gallery("out", h)
paths = visheat.render_folder("images", "cams.npz", "out")
reveal_type(visheat.figure)
reveal_type(visheat.write_gallery)
reveal_type(visheat.render_folder)
reveal_type(visheat.compat.show_cam_on_image)
'''


def test_a_users_type_checker_sees_the_lazily_loaded_names_as_what_they_are(tmp_path):
    """``mypy --strict`` on a user's script: nothing to report, and the names loaded on
    first use are the functions (a lazy ``__getattr__`` alone would make them ``Any``)."""
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--cache-dir", "/dev/null", str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "error" not in done.stdout, done.stdout + done.stderr
    revealed = [line for line in done.stdout.splitlines() if "Revealed type" in line]
    assert len(revealed) == 4
    assert all('is "def (' in line for line in revealed), revealed
    assert "heatmaps: visheat.display.heatmaps.Heatmaps" in revealed[0]
