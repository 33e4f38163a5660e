"""The README's quick start is the contract CI runs."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from quickstart import quickstart_commands  # noqa: E402


def test_quick_start_holds_exactly_the_two_commands():
    commands = quickstart_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && visheat demo")
    assert "pip install -e \".[test]\"" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    printed = subprocess.run([sys.executable, str(ROOT / "tools" / "quickstart.py"), "test"],
                             capture_output=True, text=True, check=True).stdout.strip()
    commands = quickstart_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert printed == commands[1]
    assert "tools/quickstart.py test" in (ROOT / ".ci" / "run").read_text()


def test_readme_picture_exists():
    assert (ROOT / "docs" / "images" / "readme.png").stat().st_size > 10_000
