"""The one output policy (visheat.io.files), as every writer follows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import visheat
import visheat.dask
from visheat.io.files import EXISTING, check_existing, plan_outputs, write_checked

X = np.random.default_rng(3).normal(size=(2, 3, 8, 8)).astype(np.float32)
MESSAGE = "existing: expected 'error', 'overwrite' or 'skip'; got 'replace' (str)."


def _writers(tmp: Path) -> dict[str, object]:
    images = tmp / "images"
    images.mkdir(exist_ok=True)
    from PIL import Image

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(images / "a.png")
    np.savez(tmp / "cams.npz", a=np.ones((4, 4), np.float32))
    return {
        "Heatmaps.save": lambda e: visheat.heatmap(X).save(tmp / "h", existing=e),
        "save_heatmaps": lambda e: visheat.save_heatmaps(X, directory=tmp / "s", existing=e),
        "dask.save_heatmaps": lambda e: visheat.dask.save_heatmaps(
            X, directory=tmp / "d", existing=e, scheduler="sync"),
        "write_gallery": lambda e: visheat.write_gallery(tmp / "g", visheat.heatmap(X),
                                                         existing=e),
        "render_folder": lambda e: visheat.render_folder(images, tmp / "cams.npz", tmp / "f",
                                                         existing=e),
        "write_explorer": lambda e: visheat.write_explorer(tmp / "e.html", {"A": X},
                                                           existing=e),
    }


WRITERS = ["Heatmaps.save", "save_heatmaps", "dask.save_heatmaps", "write_gallery",
           "render_folder", "write_explorer"]


@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_gives_the_same_answer_to_a_bad_existing(writer, tmp_path):
    with pytest.raises(ValueError) as err:
        _writers(tmp_path)[writer]("replace")
    assert str(err.value) == MESSAGE


@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_runs_twice_and_refuses_different_content(writer, tmp_path):
    write = _writers(tmp_path)[writer]
    write("error")
    write("error")  # a re-run ("Run all" twice): the same files are not in the way
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".png", ".html") and "images" not in path.parts:
            path.write_bytes(b"something else")
            break
    with pytest.raises(ValueError, match="expected no existing output files"):
        write("error")
    write("overwrite")


def test_check_existing_names_the_argument_it_checks():
    assert [check_existing(e) for e in EXISTING] == list(EXISTING)
    with pytest.raises(ValueError, match=r"^--existing: expected"):
        check_existing("keep", "--existing")


def test_a_plan_keeps_what_skip_keeps_and_rewrites_what_overwrite_replaces(tmp_path):
    paths = [tmp_path / "a", tmp_path / "b"]
    paths[0].write_bytes(b"old")
    assert [plan_outputs(tmp_path, paths, "skip").todo(i) for i in (0, 1)] == [False, True]
    assert [plan_outputs(tmp_path, paths, "overwrite").todo(i) for i in (0, 1)] == [True, True]
    same = plan_outputs(tmp_path, paths, "error", holds=lambda i, p: p.read_bytes() == b"old")
    assert [same.todo(i) for i in (0, 1)] == [False, True]


def test_write_checked_keeps_equal_files_and_refuses_others(tmp_path):
    path = tmp_path / "a.png"
    assert write_checked(path, b"x", "error") is True
    assert write_checked(path, b"x", "error") is False
    with pytest.raises(ValueError, match="existing='overwrite'"):
        write_checked(path, b"y", "error")
    assert write_checked(path, b"y", "skip") is False and path.read_bytes() == b"x"
    assert write_checked(path, b"y", "overwrite") is True and path.read_bytes() == b"y"


def test_a_temporary_of_a_killed_writer_is_removed_by_the_next_overwrite(tmp_path):
    stale = tmp_path / ".000.png.fffffe0000ab.tmp"  # a pid above any pid_max: a dead writer
    stale.write_bytes(b"half")
    visheat.heatmap(X).save(tmp_path, existing="overwrite")
    assert not stale.exists()


def test_the_demo_runs_twice_and_the_second_run_keeps_the_files(tmp_path):
    out = tmp_path / "demo"
    command = [sys.executable, "-m", "visheat", "demo", "--out", str(out), "--quiet"]
    subprocess.run(command, check=True)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    assert len(before) == 4 * len(visheat.PRESETS)
    subprocess.run(command, check=True)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.png")} == before


def test_a_self_contained_gallery_to_an_html_name_writes_that_file(tmp_path):
    page = visheat.write_gallery(tmp_path / "page.html", visheat.heatmap(X),
                                 self_contained=True)
    assert page == tmp_path / "page.html" and page.is_file()
    assert "data:image/png;base64," in page.read_text(encoding="utf-8")


def test_python_dash_m_visheat_and_version():
    result = subprocess.run([sys.executable, "-m", "visheat", "--version"], check=True,
                            capture_output=True, text=True)
    assert result.stdout.strip() == f"visheat {visheat.__version__}"


def test_names_that_are_not_utf8_are_escaped_and_stay_distinct():
    import os

    from visheat.io.files import printable_name, safe_name

    names = [os.fsdecode(b) for b in (b"caf\xe9", b"\xff", b"\xfe", b"\xc3\xa9t\xe9")]
    assert [printable_name(n) for n in names] == ["caf\\xe9", "\\xff", "\\xfe", "ét\\xe9"]
    assert [safe_name(n) for n in names] == ["caf_xe9", "xff", "xfe", "t_xe9"]
    assert printable_name("a\ud800b") == "a\\ud800b"  # a surrogate no file name gives
    for name in names:
        printable_name(name).encode("utf-8")  # encodable
