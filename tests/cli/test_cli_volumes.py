"""``visheat render`` of a NIfTI pair: a 3-D CAM over a CT shown through a window."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import visheat
from visheat.cli import main

nib = pytest.importorskip("nibabel")

PIPE = ("SumReduction() | ExtremaColormap('jet') | ResizeToImage('bilinear') | AlphaOverlay(0.5)"
        " | OrthoViews(at='peak', crosshair=False)")


@pytest.fixture
def pair(tmp_path):
    """A synthetic phantom (no patient data): a CT in Hounsfield units and a coarse CAM."""
    z, y, x = np.mgrid[0:12, 0:16, 0:20]
    ct = (np.exp(-((z - 6) ** 2 + (y - 8) ** 2 + (x - 10) ** 2) / 30.0) * 400 - 100)
    cam = np.random.default_rng(3).random((3, 4, 5))
    nib.save(nib.Nifti1Image(ct.astype(np.float32), np.eye(4)), tmp_path / "ct.nii.gz")
    nib.save(nib.Nifti1Image(cam.astype(np.float32), np.diag([4, 4, 4, 1])),
             tmp_path / "cam.nii.gz")
    return tmp_path


@pytest.mark.parametrize("window, args", [("brain", ("brain",)), ("40,80", (40.0, 80.0)),
                                          ("p1,p99", ())])
def test_a_nifti_pair_renders_as_the_python_call_draws_it(pair, window, args):
    out = pair / "out"
    assert main(["render", str(pair / "cam.nii.gz"), "--images", str(pair / "ct.nii.gz"),
                 "--window", window, "--layout", "DHW", "--pipe", PIPE, "--out", str(out),
                 "--quiet"]) == 0
    ct = visheat.io.load_nifti(pair / "ct.nii.gz").data
    cam = visheat.io.load_nifti(pair / "cam.nii.gz").data
    shown = (visheat.window(ct, *args) if args else visheat.window(ct, percentiles=(1, 99)))
    expected = visheat.heatmap(cam[None], shown[None], visheat.Pipeline.parse(PIPE),
                               layout="NDHW").to_numpy()[0]
    with Image.open(out / "00000.png") as picture:
        np.testing.assert_array_equal(np.asarray(picture), expected)


def test_a_scan_outside_0_1_without_a_window_says_to_window_it(pair, capsys):
    assert main(["render", str(pair / "cam.nii.gz"), "--images", str(pair / "ct.nii.gz"),
                 "--layout", "DHW", "--pipe", PIPE, "--out", str(pair / "o"), "--quiet"]) == 2
    assert "Window a scan first" in capsys.readouterr().err


@pytest.mark.parametrize("window", ["nope", "40", "p1,x"])
def test_a_window_that_cannot_be_read_is_one_line(pair, capsys, window):
    assert main(["render", str(pair / "cam.nii.gz"), "--images", str(pair / "ct.nii.gz"),
                 "--window", window, "--layout", "DHW", "--out", str(pair / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("visheat render: error: --window: expected a preset") and \
        err.count("\n") == 1


def test_a_missing_nifti_file_exits_2_in_one_line(tmp_path, capsys):
    assert main(["render", str(tmp_path / "nothing.nii.gz"), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing.nii.gz" in err
