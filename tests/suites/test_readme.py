"""The README's quick start is the contract CI runs."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from quickstart import quickstart_commands  # noqa: E402


def test_quick_start_holds_exactly_the_two_commands():
    commands = quickstart_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && visheat demo")
    assert "pip install -e \".[test]\"" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    commands = quickstart_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    # the command must be a line of its own, not in a comment or an echo
    assert commands[1] in ci_lines


def test_readme_picture_exists():
    assert (ROOT / "docs" / "images" / "readme.png").stat().st_size > 10_000
