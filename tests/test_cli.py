"""The visheat command, run for real in a subprocess."""

import subprocess
import sys

import numpy as np
from PIL import Image


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visheat.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_demo_writes_pictures_for_every_preset(tmp_path):
    result = run("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    for preset in ("sensitivity", "attribution", "cam"):
        files = sorted((tmp_path / "demo" / preset).glob("*.png"))
        assert len(files) >= 3, preset
        assert str(tmp_path / "demo" / preset) in result.stdout
        with Image.open(files[0]) as img:
            arr = np.asarray(img)
        assert arr.ndim == 3 and arr.shape[2] == 3 and arr.std() > 5


def test_user_mistakes_exit_with_code_2_and_no_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("demo", "--out", str(blocker / "sub"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "visheat demo: error:" in result.stderr
