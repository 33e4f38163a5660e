"""Every golden case draws the pictures it drew when tests/data/golden_pictures.json was
written by hand (``python tools/make_golden_pictures.py``): moving code between modules,
splitting a module or changing an engine must not move a pixel.

The hashes were recorded once, reviewed, and committed before the refactor they guard;
this test never writes them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "tests" / "data" / "golden_pictures.json").read_text("utf-8"))


def _tool():
    spec = importlib.util.spec_from_file_location(
        "make_golden_pictures", ROOT / "tools" / "make_golden_pictures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()
CASES = TOOL.cases()


def test_every_recorded_case_is_still_drawn_and_no_case_is_unrecorded():
    assert sorted(CASES) == sorted(GOLDEN)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_pictures_are_the_recorded_ones(name):
    assert TOOL.digest(CASES[name]()) == GOLDEN[name], (
        f"{name}: the pictures changed; if that is meant, rerun "
        "tools/make_golden_pictures.py, review the pictures and say why in the commit")
