"""The bad-input catalogue (docs/bad-inputs.md), one test per row.

Every row of the catalogue's tables has an id (``IN-01``, ``CM-03``, ...). Rows whose
answer is an error state the exception type and the start of its message; the tests
below raise them and compare with the text of the page itself, so the page and the
library cannot drift apart. Rows whose answer is a picture are checked against an
independent computation. Every case passes its arrays read-only and checks that they
are unchanged afterwards. ``test_every_row_has_a_test_and_every_test_a_row`` ties the
two sets of ids together.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from standins import tensor, to_bfloat16  # tests/standins.py: torch's tensors, or stand-ins

from visheat import (
    AlphaOverlay,
    AvgPool,
    BoxRenormalize,
    CenteredColormap,
    CombineMaps,
    Crop,
    DrawDetections,
    DrawKeypoints,
    DropDims,
    ExtremaColormap,
    FlipImage,
    FromUnitRange,
    GaussianSmooth,
    GradCamOverlay,
    HeatAlphaOverlay,
    Heatmaps,
    Invert,
    Letterbox,
    MaxPool,
    NormReduction,
    Pad,
    PadToAspectRatio,
    PercentileClip,
    PermuteDims,
    Pipeline,
    Resize,
    ResizeImageToHeatmap,
    ResizeToImage,
    SumReduction,
    ToUnitRange,
    Unletterbox,
    Unpad,
    combine_cams,
    figure,
    heatmap,
    heatmap_batches,
    letterbox,
    save_heatmaps,
    write_gallery,
)
from visheat import keypoints as kp
from visheat.cli import main
from visheat.display.gallery import GalleryWriter
from visheat.transforms.schemes import get_table

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "bad-inputs.md"
RNG = np.random.default_rng(7)
X = RNG.normal(size=(2, 3, 8, 8))  # attributions, NCHW
M = RNG.random((2, 8, 8))  # maps, NHW
IMG = RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8)
BIG = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (100_000, 100_000, 3))  # no memory


# -- the catalogue, read from the page ----------------------------------------------------------

def message_pattern(text: str) -> re.Pattern:
    """The documented start of a message; ``…`` stands for any text (paths, reprs)."""
    return re.compile(".*?".join(re.escape(part) for part in text.split("…")), re.DOTALL)


ROW = re.compile(r"^\|\s*(?P<id>[A-Z]+-\d{2})\s*\|(?P<input>.*?)(?<!\\)\|(?P<answer>.*)\|\s*$")
ERROR = re.compile(r"^`(?P<type>ValueError|TypeError)`: `(?P<message>.+?)`")
EXIT = re.compile(r"^exit code 2: `(?P<message>.+?)`")


def catalogue() -> dict[str, str]:
    """Row id -> the answer column, as written in docs/bad-inputs.md (pipes unescaped)."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if found:
            assert found["id"] not in rows, f"row {found['id']} twice"
            rows[found["id"]] = found["answer"].strip().replace("\\|", "|")
    return rows


ROWS = catalogue()


def documented(row: str, pattern: re.Pattern) -> re.Match:
    found = pattern.match(ROWS[row])
    assert found, f"{row}: the page says {ROWS[row]!r}, not an error of this form"
    return found


def readonly(value):
    """A read-only copy of an array (any write inside visheat would raise).

    Arrays that are read-only already (broadcast views of absurd sizes) are passed as
    they are: copying them is what the case is about.
    """
    if isinstance(value, np.ndarray) and value.flags.writeable:
        value = np.array(value, copy=True, subok=True)  # masked arrays keep their mask
        value.flags.writeable = False
    return value


def same(a, b) -> bool:
    return a is b or np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind in "fc")


def case(fn, *arrays):
    """An error case: ``fn(*arrays)`` with the arrays passed read-only and checked after."""
    return fn, arrays


def with_env(name, value, fn):
    """``fn`` run with the environment variable ``name`` set to ``value``."""
    def run(*args):
        before = os.environ.get(name)
        os.environ[name] = value
        try:
            return fn(*args)
        finally:
            if before is None:
                del os.environ[name]
            else:
                os.environ[name] = before
    return run


# -- error rows: the call, and the page says which error ----------------------------------------

def nan_x():
    x = X.copy()
    x[0, 0, 0, :3] = np.nan
    return x


def inf_x():
    x = X.copy()
    x[1, 2, 3, 4] = np.inf
    x[0, 0, 0, 0] = -np.inf
    return x


class Tensor:
    """Speaks the DLPack protocol like a framework tensor, on a device of our choosing."""

    def __init__(self, a, device=(1, 0), requires_grad=False, cpu=True, array=False):
        self.a, self.device, self.requires_grad = a, device, requires_grad
        self._cpu, self._array = cpu, array

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, **kwargs):
        if self.device[0] != 1:
            raise BufferError("the array lives on another device")
        if self.requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self.a.__dlpack__(**kwargs)

    def detach(self):
        return Tensor(self.a, self.device, False, self._cpu, self._array)

    def __getattr__(self, name):
        if name == "cpu" and self._cpu:
            return lambda: Tensor(self.a)
        if name == "__array__" and self._array:
            return self.a.__array__
        raise AttributeError(name)


class Unexportable(Tensor):
    """In CPU memory, but its DLPack export keeps failing and it has no other way out."""

    def __init__(self, a):
        super().__init__(a, requires_grad=True, cpu=False)

    def detach(self):
        return self  # still requires grad


#: A folder the gallery cases must never create: their mistakes are reported first.
UNUSED = Path(tempfile.gettempdir()) / "visheat-bad-inputs-never-written"

ERRORS = {
    # inputs
    "IN-01": case(heatmap, nan_x()),
    "IN-02": case(heatmap, inf_x()),
    "IN-06": case(heatmap, None),
    "IN-07": case(heatmap, "attributions.npy"),
    "IN-08": case(heatmap, [[[[1.0]]], [[[1.0, 2.0]]]]),
    "IN-09": case(heatmap, np.array(3.0)),
    "IN-10": case(heatmap, np.zeros((2, 0, 8, 8))),
    "IN-11": case(heatmap, np.zeros((2, 3, 0, 8))),
    "IN-12": case(lambda x: heatmap(x, "sensitivity"), np.full((1, 3, 4, 4), 1e308)),
    "IN-13": case(lambda x: heatmap(x, "attribution"), np.full((1, 3, 4, 4), 3e38, np.float32)),
    # layouts
    "LAY-01": case(heatmap, X[0]),
    "LAY-02": case(lambda x: heatmap(x, layout="NCHX"), X),
    "LAY-03": case(lambda x: heatmap(x, layout="NCHH"), X),
    "LAY-04": case(lambda x: heatmap(x, layout="NC"), X),
    "LAY-05": case(lambda x: heatmap(x, layout=""), X),
    "LAY-06": case(lambda x: heatmap(x, layout=("N", "C", "H", "W")), X),
    "LAY-07": case(lambda x: heatmap(x, layout="NHWC"), X[0]),
    "LAY-08": case(lambda x: heatmap(x, layout="HWC"), M[0]),
    # dtypes
    "DT-05": case(heatmap, X.astype(np.complex64)),
    "DT-06": case(heatmap, X.astype(object)),
    "DT-07": case(heatmap, np.full((1, 1, 2, 2), "a")),
    "DT-08": case(heatmap, np.zeros((1, 1, 2, 2), "datetime64[s]")),
    "DT-09": case(heatmap, np.zeros((1, 1, 2, 2), [("a", float)])),
    "MEM-06": case(heatmap, np.ma.masked_array(X, mask=np.arange(X.size).reshape(X.shape) < 4)),
    # frameworks
    "FW-03": case(lambda x: heatmap(Tensor(x, device=(2, 0), cpu=False)), X),
    "FW-05": case(lambda x: heatmap(Unexportable(x)), X),
    # images
    "IMG-01": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, np.zeros((3, 8, 8, 3),
                                                                                 np.uint8)),
    "IMG-02": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, np.full((8, 8, 3), 2.0)),
    "IMG-03": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M,
                   np.where(np.eye(8)[..., None] > 0, np.nan, 0.5)),
    "IMG-04": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, IMG.astype(np.int16)),
    "IMG-05": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, IMG > 128),
    "IMG-06": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, IMG[..., :2]),
    "IMG-07": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, IMG.transpose(2, 0, 1)),
    "IMG-08": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, IMG[0, :, 0]),
    "IMG-09": case(lambda m, i: heatmap(m, i, "cam", layout="NHW"), M, IMG[:0]),
    "IMG-10": case(lambda m: heatmap(m, "cat.png", "cam", layout="NHW"), M),
    "IMG-11": case(lambda m: heatmap(m, [IMG, None], "cam", layout="NHW"), M),
    "IMG-12": case(lambda m, i: heatmap(m, i, ExtremaColormap() | AlphaOverlay(), layout="NHW"),
                   M, np.zeros((16, 16, 3), np.uint8)),
    "IMG-13": case(lambda m: heatmap(m, GradCamOverlay(), layout="NHW"), M),
    "IMG-14": case(lambda m, i: heatmap(m, i, GradCamOverlay(), layout="NHW"), M,
                   np.zeros((16, 16, 3), np.uint8)),
    # colormaps
    "CM-04": case(lambda: ExtremaColormap("viridsi")),
    "CM-05": case(lambda: ExtremaColormap(3)),
    "CM-06": case(lambda: ExtremaColormap([[0, 0, 0], [255, 255, 255]])),
    "CM-07": case(lambda: ExtremaColormap([[0, 0, 0]])),
    "CM-08": case(lambda: ExtremaColormap(vmin=1, vmax=1)),
    "CM-09": case(lambda: CenteredColormap(vmax=0)),
    "CM-10": case(lambda: ExtremaColormap(scope="global")),
    "CM-11": case(lambda: ExtremaColormap(vmin=np.nan)),
    "CM-12": case(lambda m: ExtremaColormap()(m), np.where(np.eye(8) > 0, np.nan, 0.0)[None]),
    # transform parameters
    "TP-01": case(lambda: PercentileClip(0.5, 0.2)),
    "TP-02": case(lambda: PercentileClip(-0.1)),
    "TP-03": case(lambda: PercentileClip("0.1")),
    "TP-04": case(lambda: PercentileClip(True)),
    "TP-05": case(lambda m: PermuteDims((0, 0))(m), M),
    "TP-06": case(lambda: PermuteDims("hw")),
    "TP-07": case(lambda: DropDims(1)),
    "TP-08": case(lambda x: heatmap(x, DropDims() | ExtremaColormap()), X),
    "TP-09": case(lambda: ResizeToImage("lanczos")),
    "TP-10": case(lambda: AlphaOverlay(1.5)),
    "TP-11": case(lambda m, i: heatmap(m, i, ExtremaColormap() | AlphaOverlay(np.ones((4, 4))),
                                      layout="NHW"), M, IMG),
    "TP-12": case(lambda: AlphaOverlay(np.full((8, 8), 2.0))),
    "TP-13": case(lambda: ToUnitRange(1, 1)),
    "TP-14": case(lambda: ToUnitRange(-1e308, 1e308)),
    "TP-15": case(lambda: ToUnitRange(0, 1, clip="yes")),
    "TP-16": case(lambda: FromUnitRange(2, 1)),
    "TP-17": case(lambda: Invert(0, np.inf)),
    "TP-18": case(lambda: Pad(-1)),
    "TP-19": case(lambda: Pad(1.5)),
    "TP-20": case(lambda: Pad(mode="symetric")),
    "TP-21": case(lambda: Pad(cval=np.nan)),
    "TP-22": case(lambda: PadToAspectRatio(0)),
    "TP-23": case(lambda m: heatmap(m, Crop(5, 0, 5, 0) | ExtremaColormap(), layout="NHW"), M),
    "TP-24": case(lambda m: heatmap(m, Unpad() | ExtremaColormap(), layout="NHW"), M),
    "TP-25": case(lambda: AvgPool(0)),
    "TP-26": case(lambda: MaxPool((2, 2, 2))),
    "TP-27": case(lambda: Resize(2)),
    "TP-28": case(lambda: Resize((0, 5))),
    "TP-29": case(lambda: Resize(0.0)),
    "TP-30": case(lambda: Resize(0.5, "cubic2")),
    "TP-31": case(lambda: ResizeImageToHeatmap("bicubic")),
    "TP-32": case(lambda: GaussianSmooth(-1)),
    "TP-33": case(lambda: GaussianSmooth(1, truncate=0)),
    "TP-34": case(lambda: CombineMaps("median")),
    "TP-35": case(lambda: CombineMaps(relu=1)),
    "TP-36": case(lambda: BoxRenormalize([[[5, 0, 4, 2]]])),
    "TP-37": case(lambda: BoxRenormalize([[[0, 0, np.nan, 1]]])),
    "TP-38": case(lambda m: heatmap(m, BoxRenormalize([[[0, 0, 4, 4]]]) | ExtremaColormap(),
                                    layout="NHW"), M),
    "TP-39": case(lambda: BoxRenormalize([], overlap="min")),
    "TP-40": case(lambda: Letterbox(0)),
    "TP-41": case(lambda: Letterbox(stride=0)),
    "TP-42": case(lambda: Letterbox(auto="no")),
    "TP-43": case(lambda: Unletterbox((1, 2, 3))),
    "TP-44": case(lambda m: heatmap(m, Unletterbox() | ExtremaColormap(), layout="NHW"), M),
    "TP-45": case(lambda: DrawDetections([[[0, 0, 4, 4]]], labels=[[1.5]])),
    "TP-46": case(lambda: DrawDetections([[[0, 0, 4, 4]]], scores=[[0.5, 0.7]])),
    "TP-47": case(lambda: DrawDetections([], colors=[[2, 0, 0]])),
    "TP-48": case(lambda: DrawDetections([], width=0)),
    "TP-49": case(lambda: GradCamOverlay(1.5)),
    "TP-50": case(lambda: HeatAlphaOverlay(alpha=-0.1)),
    "TP-51": case(lambda: DrawKeypoints([[1, 2, 3]])),
    "TP-52": case(lambda: DrawKeypoints([[np.inf, 1.0]])),
    "TP-53": case(lambda: DrawKeypoints([[1, 1]], colors=["no such colour"])),
    "TP-54": case(lambda: Pad(2**70)(np.ones((1, 2, 2)))),
    "TP-55": case(lambda: Pipeline(NormReduction(), "jet")),
    "TP-65": case(lambda: SumReduction(1)),
    "TP-56": case(lambda: ExtremaColormap() | NormReduction()),
    # absurd sizes
    "SIZE-01": case(lambda m: heatmap(m, BIG, "cam", layout="NHW"), M),
    "SIZE-02": case(lambda m: Resize((100_000, 100_000))(m), M),
    "SIZE-03": case(lambda m: Pad(10**9)(m), M),
    "SIZE-04": case(lambda m: PadToAspectRatio(1e9)(m), M),
    "SIZE-05": case(lambda m: AvgPool(10**6)(m), M),
    "SIZE-06": case(lambda m: Letterbox(100_000)(m), M),
    "SIZE-07": case(lambda m: GaussianSmooth(1e9)(m), M),
    "SIZE-08": case(lambda: kp.gaussian_heatmaps([[1, 1]], size=(100_000, 100_000), sigma=1)),
    "SIZE-09": case(lambda: combine_cams([np.ones((2, 2))], size=(100_000, 100_000))),
    "SIZE-10": case(lambda i: letterbox(i, 100_000), IMG),
    "SIZE-11": case(lambda: kp.smooth(np.zeros((1, 3, 3)), 1, radius=10**9)),
    "SIZE-12": case(lambda x: figure(heatmap(x), panel_size=1000.0), X),
    "SIZE-15": case(heatmap, np.broadcast_to(np.int8(1), (1, 3, 100_000, 100_000))),
    "SIZE-16": case(heatmap, np.broadcast_to(np.float32(1), (1, 3, 100_000, 100_000))),
    "SIZE-17": case(lambda m: heatmap(m, np.broadcast_to(np.uint8(9), (100_000, 100_000)), "cam",
                                      layout="NHW"), M),
    "SIZE-13": case(lambda x, i: heatmap(x, i, channels="separate"),
                    np.zeros((1, 20_000, 2, 2)), np.zeros((1, 600, 600, 3), np.uint8)),
    # pipelines and text
    "PIPE-01": case(lambda x: heatmap(x, "atribution"), X),
    "PIPE-02": case(lambda x: heatmap(x, SumReduction()), X),
    "PIPE-03": case(lambda x: heatmap(x, None, 3), X),
    "PIPE-04": case(lambda x: heatmap(x, channels="sep"), X),
    "PIPE-05": case(lambda x: heatmap(x, dtype=np.int32), X),
    "PIPE-06": case(lambda x: heatmap(x, threads=0), X),
    "PIPE-07": case(lambda x: heatmap(x, IMG, images=IMG), X),
    "PIPE-08": case(lambda x: list(heatmap_batches(x, batch_size=0)), X),
    "ENG-05": case(with_env("VISHEAT_THREADS", "0", lambda x: heatmap(x)), X),
    "ENG-08": case(with_env("VISHEAT_MAX_BYTES", "1536",
                            lambda m: heatmap(m, layout="NHW")), np.zeros((1, 1, 513))),
    "ENG-09": case(with_env("VISHEAT_NUMBA", "fast", lambda x: heatmap(x)), X),
    "PIPE-10": case(lambda: Pipeline.parse("__import__('os').system('echo hacked')")),
    "PIPE-11": case(lambda: Pipeline.parse("(lambda: ExtremaColormap())()")),
    "PIPE-12": case(lambda: Pipeline.parse("NormReduction().__class__")),
    "PIPE-13": case(lambda: Pipeline.parse("ExtremaColormap(f'{1}')")),
    "PIPE-14": case(lambda: Pipeline.parse("ExtremaColormap([c for c in 'jet'])")),
    "PIPE-15": case(lambda: Pipeline.parse("ExtremaColormap((name := 'jet'))")),
    "PIPE-16": case(lambda: Pipeline.parse("PercentileClip(*[0.1, 0.9])")),
    "PIPE-17": case(lambda: Pipeline.parse("PercentileClip(**{'lower': 0.1})")),
    "PIPE-18": case(lambda: Pipeline.parse("NormReduction")),
    "PIPE-19": case(lambda: Pipeline.parse("Normreduction()")),
    "PIPE-20": case(lambda: Pipeline.parse("NormReduction() | " * 1200 + "ExtremaColormap()")),
    "PIPE-21": case(lambda: Pipeline.parse("Pad(" + "[" * 25 + "]" * 25 + ")")),
    "PIPE-22": case(lambda: Pipeline.parse(b"NormReduction()")),
    "PIPE-23": case(lambda: Pipeline.parse("PercentileClip(0.1, 0.9, 0.5)")),
    "PIPE-24": case(lambda: Pipeline.parse("Pad('2')")),
    "PIPE-25": case(lambda: Pipeline.parse("NormReduction(", transforms=[3])),
    # gallery, files written by the library
    "GAL-07": case(lambda x: write_gallery(UNUSED, heatmap(x), captions=[
        {"label": "cat", "score": float("nan")}, "dog"]), X),
    "GAL-08": case(lambda x: write_gallery(UNUSED, heatmap(x), captions=["cat"]), X),
    "GAL-09": case(lambda x: write_gallery(UNUSED, heatmap(x), captions=[{"name": "cat"}, "x"]),
                   X),
    "GAL-10": case(lambda: GalleryWriter(UNUSED, self_contained=True, existing="skip")),
    "GAL-11": case(lambda: GalleryWriter(UNUSED, title=3)),
    "GAL-12": case(lambda x: write_gallery(UNUSED, x), X),
    "GAL-17": case(lambda x: heatmap(x).save(UNUSED, "{label}.png", labels=["cat", "cat"]), X),
    "GAL-18": case(lambda x: write_gallery(Path(__file__), heatmap(x)), X),
    "GAL-14": case(lambda x: heatmap(x).save(UNUSED, "{label.__class__}.png"), X),
    # keypoints
    "KP-03": case(kp.decode, np.where(np.eye(4) > 0, np.nan, 0.0)[None]),
    "KP-04": case(kp.decode, np.zeros((1, 3, 3), bool)),
    "KP-06": case(lambda m: kp.decode(m, "soft-argmax"), M),
    "KP-07": case(lambda m: kp.decode(m, "topk", k=0), M),
    "KP-08": case(lambda m: kp.decode(m, "integral", patch=4), M),
    "KP-09": case(lambda: kp.gaussian_heatmaps([[1, 2, 3]], (8, 8), 1.0)),
    "KP-10": case(lambda: kp.gaussian_heatmaps([[1, 2]], (8, 8), 0.0)),
    "KP-11": case(lambda: kp.gaussian_heatmaps([[1, 2]], (0, 8), 1.0)),
    "KP-13": case(lambda m: kp.smooth(m, 1.0, preserve="mean"), M),
    "KP-14": case(lambda m: kp.find_global_peaks(m, refine="quadratic"), M),
    "KP-15": case(lambda m: kp.decode(m, convention="mmpose"), M),
    "KP-16": case(lambda: kp.gaussian_heatmaps([[1, 2]], (8, 8), 1.0, visible="yes")),
    # the second probe (issue 17)
    "TP-69": case(lambda m: heatmap(m, Crop(4, 0, 4, 0) | ExtremaColormap(), layout="NHW"), M),
    "SIZE-18": case(lambda m: Resize(1e308)(m), M),
    "SIZE-19": case(lambda m: Pad(10**400)(m), M),
    "PIPE-26": case(lambda: Pipeline.parse("NormReduction() | " + "1+" * 900 + "1")),
    "GAL-19": case(lambda: Heatmaps(np.zeros((2, 0, 8, 3), np.uint8)).save(UNUSED)),
}


@pytest.mark.parametrize("row", sorted(ERRORS))
def test_error_rows_raise_what_the_catalogue_says(row):
    expected = documented(row, ERROR)
    fn, arrays = ERRORS[row]
    passed = [readonly(a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on the way to the error
        with pytest.raises((ValueError, TypeError)) as info:
            fn(*passed)
    assert type(info.value).__name__ == expected["type"], (row, info.value)
    assert message_pattern(expected["message"]).match(str(info.value)), (row, str(info.value))
    for a, p in zip(arrays, passed):
        if isinstance(a, np.ndarray):
            assert same(a, p), f"{row}: an argument was modified"
    assert not UNUSED.exists(), f"{row} wrote files before reporting the mistake"


# -- picture rows: what visheat draws, computed independently -----------------------------------

PICTURES: dict[str, object] = {}


def row(*ids):
    """Register a test as the test of catalogue rows ``ids``."""
    def register(test):
        for i in ids:
            PICTURES[i] = test
        return test
    return register


def colour_at(stops: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation between colour stops at ``t`` in [0, 1], written out."""
    f = t * (len(stops) - 1)
    b = min(int(np.floor(f)), len(stops) - 1)
    w = f - b
    return stops[b] * (1 - w) + stops[min(b + 1, len(stops) - 1)] * w


def pictures(x, *args, **kwargs):
    """``heatmap(...)`` on a read-only copy of ``x``; checks ``x`` is unchanged; float64."""
    passed = readonly(x) if isinstance(x, np.ndarray) else x
    kwargs.setdefault("dtype", np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = heatmap(passed, *args, **kwargs).to_numpy()
    if isinstance(x, np.ndarray):
        assert same(x, passed)
    return out


KINDS = [("batlow", "sequential"), ("berlin", "diverging"), ("twilight", "cyclic"),
         ("tab10", "categorical"), ("jet_r", "sequential (reversed)"),
         (((0.0, 0.0, 0.0), (1.0, 0.5, 0.25)), "a 2-stop table")]


@row("IN-03")
@row("ENG-01", "ENG-02", "ENG-03", "ENG-04", "ENG-07")
def test_engine_rows_are_tested_in_their_own_processes():
    """The engine rows run in tests/engine/test_jit.py (forks, JIT off, a read-only mount, tiny
    values, thread counts); this checks that those tests are there to run."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("test_jit", ROOT / "tests" / "engine" / "test_jit.py")
    assert spec is not None and spec.loader is not None
    test_jit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_jit)

    for name in ("test_a_process_forked_after_the_pool_started_renders",
                 "test_numba_jit_turned_off_gives_the_same_pictures_and_one_warning",
                 "test_no_writable_cache_location_falls_back_to_numpy_with_one_warning",
                 "test_tiny_values_give_the_picture_of_the_unscaled_values",
                 "test_many_thread_counts_share_one_bounded_pool"):
        assert callable(getattr(test_jit, name))


@row("ENG-06")
def test_empty_environment_variables_mean_the_defaults(monkeypatch):
    from visheat import engine
    from visheat.core.limits import DEFAULT_MAX_BYTES, max_bytes

    monkeypatch.setenv("VISHEAT_THREADS", "")
    monkeypatch.setenv("VISHEAT_MAX_BYTES", "")
    assert engine.default_threads() == engine.usable_cpus()
    assert max_bytes() == DEFAULT_MAX_BYTES
    assert heatmap(X).to_numpy().shape == (2, 8, 8, 3)


@row("PIPE-09")
def test_batch_wide_statistics_in_slices_give_the_pictures_of_the_whole_batch():
    pipe = SumReduction() | ExtremaColormap("gray", scope="batch")
    x = X * np.array([1.0, 3.0])[:, None, None, None]  # the second sample spans a wider range
    whole = heatmap(x, pipe).to_numpy()
    sliced = np.concatenate([h.to_numpy() for h in heatmap_batches(x, pipe, batch_size=1)])
    assert np.array_equal(sliced, whole)
    assert not np.array_equal(whole[0], heatmap(x[:1], pipe).to_numpy()[0])  # one scale for both


def test_an_empty_batch_gives_no_pictures():
    for pipe in ("sensitivity", "attribution", "gradcam"):
        images = np.zeros((0, 8, 8, 3), np.uint8) if pipe == "gradcam" else None
        layout = "NHW" if pipe == "gradcam" else "NCHW"
        x = np.zeros((0, 8, 8)) if pipe == "gradcam" else np.zeros((0, 3, 8, 8))
        out = pictures(x, images, pipe, layout=layout, dtype=np.uint8)
        assert out.shape == (0, 8, 8, 3) and out.dtype == np.uint8


@row("IN-17")
def test_an_empty_batch_with_an_empty_list_of_images_gives_no_pictures():
    overlays = ["cam", "gradcam", ExtremaColormap() | AlphaOverlay(0.5), HeatAlphaOverlay()]
    for pipe in overlays:
        for images in ([], ()):
            out = pictures(np.zeros((0, 8, 8)), images, pipe, layout="NHW", dtype=np.uint8)
            assert out.shape == (0, 8, 8, 3) and out.dtype == np.uint8, pipe
    out = pictures(np.zeros((0, 3, 5, 7)), [], "attribution", dtype=np.float32)
    assert out.shape == (0, 5, 7, 3) and out.dtype == np.float32


@row("IN-04")
def test_one_pixel_maps_take_the_first_colour():
    out = pictures(np.array([[[[0.7]], [[-2.0]], [[1.0]]]]), "sensitivity")
    np.testing.assert_allclose(out[0, 0, 0], get_table("batlow").colors[0], atol=1e-12)


@row("IN-05")
def test_huge_finite_ranges_are_coloured_without_overflow():
    x = np.array([[[-1e308, 0.0, 1e308]]])
    out = pictures(x, ExtremaColormap("gray"), layout="NHW")
    np.testing.assert_allclose(out[0, 0, :, 0], [0.0, 0.5, 1.0], atol=1e-12)


@row("IN-14")
def test_subnormal_ranges_are_coloured():
    out = pictures(np.array([[[0.0, 5e-324]]]), ExtremaColormap("gray"), layout="NHW")
    np.testing.assert_allclose(out[0, 0, :, 0], [0.0, 1.0], atol=1e-12)


@row("IN-15")
def test_constant_maps_beyond_float32_steps_take_the_first_colour():
    for value in (3e7, -1e17, 1e308):
        dtype = np.float32 if abs(value) < 1e38 else np.float64
        for out_dtype in (np.uint8, np.float64):
            out = pictures(np.full((1, 4, 4), value, dtype), "sensitivity", layout="NHW",
                           dtype=out_dtype)
            expected = get_table("batlow").colors[0]
            if out_dtype == np.uint8:
                assert np.abs(out[0].astype(int) - np.rint(expected * 255)).max() <= 1
            else:
                np.testing.assert_allclose(out[0], np.broadcast_to(expected, (4, 4, 3)))


@row("IN-16")
def test_a_constant_map_at_the_largest_float_has_a_one_value_colour_bar(tmp_path):
    top = np.finfo(np.float64).max
    h = heatmap(readonly(np.full((1, 2, 2), top)), layout="NHW", dtype=np.float64)
    np.testing.assert_allclose(h.to_numpy()[0, 0, 0], get_table("batlow").colors[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ticks = [t.get_text() for t in figure(h).get_axes()[1].get_xticklabels()]
        page = write_gallery(tmp_path, h).read_text(encoding="utf-8")
    assert ticks == ["1.8e+308"] and ">1.8e+308</span>" in page


@row("LAY-09")
def test_lower_case_layouts_read_like_upper_case():
    assert np.array_equal(pictures(X, layout="nchw"), pictures(X, layout="NCHW"))


@row("LAY-11")
def test_channels_last_with_the_default_layout_warns_and_renders_as_asked():
    x = np.random.default_rng(11).normal(size=(2, 32, 24, 3))
    message = documented("LAY-11", re.compile(r".*`UserWarning`: `(?P<message>.+?)`"))["message"]
    with pytest.warns(UserWarning) as caught:
        out = heatmap(readonly(x), dtype=np.float64).to_numpy()
    assert [str(w.message) for w in caught] == [message]
    transposed = pictures(x.transpose(0, 2, 3, 1).copy(), layout="NHWC")  # the same numbers
    assert out.shape == (2, 24, 3, 3) and np.array_equal(out, transposed)


@row("DT-11")
def test_bfloat16_tensors_render_as_float32():
    t = tensor(X.astype(np.float32), bfloat16=True)  # torch's, or a stand-in without torch
    assert np.array_equal(pictures(t), pictures(t.float().numpy()))
    assert np.array_equal(t.float().numpy(), to_bfloat16(X.astype(np.float32)))  # rounded


@row("LAY-10")
def test_julia_layout_reads_the_transposed_array_upright():
    assert np.array_equal(pictures(X.transpose(3, 2, 1, 0), layout="WHCN"), pictures(X))


@row("DT-01", "DT-02", "DT-10")
def test_integers_and_booleans_read_as_their_float64_values():
    for x in (np.arange(-24, 24).reshape(1, 3, 4, 4).astype(np.int8),
              np.arange(48).reshape(1, 3, 4, 4).astype(np.uint8),
              (np.arange(48).reshape(1, 3, 4, 4) % 3 == 0),
              np.arange(48).reshape(1, 3, 4, 4).astype(np.int64) * 2**52):
        assert np.array_equal(pictures(x, "attribution"), pictures(x.astype(np.float64),
                                                                   "attribution"))


@row("DT-03", "DT-04")
def test_float16_reads_as_float32_and_float64_stays_exact():
    x16 = X.astype(np.float16)
    assert np.array_equal(pictures(x16), pictures(x16.astype(np.float32)))
    x = np.array([[[0.0, 0.25, 1.0]]])
    np.testing.assert_allclose(pictures(x, ExtremaColormap("gray"), layout="NHW")[0, 0, :, 0],
                               [0.0, 0.25, 1.0], atol=1e-15)


@row("MEM-01", "MEM-02", "MEM-03", "MEM-04")
def test_memory_layouts_give_the_pictures_of_a_contiguous_copy():
    expected = pictures(X, "attribution")
    variants = [readonly(X), np.asfortranarray(X), np.ascontiguousarray(X[..., ::-1])[..., ::-1],
                X.transpose(0, 2, 3, 1)]
    for v, layout in zip(variants, ["NCHW", "NCHW", "NCHW", "NHWC"]):
        assert np.array_equal(pictures(v, "attribution", layout=layout), expected)
    one = np.broadcast_to(X[:1], (3,) + X.shape[1:])
    assert np.array_equal(pictures(one, "attribution"), pictures(one.copy(), "attribution"))


@row("MEM-05")
def test_memory_maps_render_slice_by_slice_like_arrays(tmp_path):
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    parts = [h.to_numpy() for h in heatmap_batches(mapped, "attribution", batch_size=1)]
    assert np.array_equal(np.concatenate(parts), heatmap(X, "attribution").to_numpy())


@row("MEM-07")
def test_ndarray_subclasses_read_as_plain_arrays():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # np.matrix's own
        matrix = np.matrix(M[0])
    assert np.array_equal(pictures(matrix, layout="HW"), pictures(M[0], layout="HW"))
    masked = np.ma.masked_array(X)
    assert np.array_equal(pictures(masked, "attribution"), pictures(X, "attribution"))
    parts = [h.to_numpy() for h in heatmap_batches(masked, "attribution", batch_size=1)]
    assert np.array_equal(np.concatenate(parts), pictures(X, "attribution", dtype=np.uint8))


@row("FW-01")
def test_tensors_that_require_grad_are_detached():
    assert np.array_equal(pictures(Tensor(X, requires_grad=True)), pictures(X))


@row("FW-06")
def test_image_tensors_that_require_grad_are_detached():
    maps, image = readonly(M), RNG.random((8, 8, 3))
    expected = pictures(maps, image, "cam", layout="NHW")
    assert np.array_equal(pictures(maps, Tensor(image, requires_grad=True), "cam", layout="NHW"),
                          expected)
    assert np.array_equal(pictures(maps, [Tensor(image, requires_grad=True)] * 2, "cam",
                                   layout="NHW"), expected)


def test_torch_image_tensors_that_require_grad_are_detached():
    image = tensor(RNG.random((2, 8, 8, 3)), requires_grad=True)  # torch's, or a stand-in
    out = pictures(M, image, ExtremaColormap() | AlphaOverlay(0.5), layout="NHW")
    assert np.array_equal(out, pictures(M, image.detach().numpy().copy(),
                                        ExtremaColormap() | AlphaOverlay(0.5), layout="NHW"))
    assert image.requires_grad and image.grad is None  # the caller's tensor is untouched


@row("FW-02")
def test_tensors_on_an_accelerator_with_cpu_are_copied_with_a_note():
    with pytest.warns(UserWarning, match=r"^x: copied from CUDA:0 to the host") as record:
        out = heatmap(Tensor(X, device=(2, 0)), dtype=np.float64).to_numpy()
    assert record[0].filename == __file__  # the note points at the caller's line
    assert np.array_equal(out, pictures(X))


@row("FW-04")
def test_accelerator_arrays_with_array_are_read_through_it():
    assert np.array_equal(pictures(Tensor(X, device=(2, 0), cpu=False, array=True)), pictures(X))


@row("IMG-15", "IMG-16", "IMG-17")
def test_gray_rgba_and_float16_images_are_read_as_rgb():
    gray = IMG[..., 0]
    rgba = np.concatenate([IMG, np.full((8, 8, 1), 7, np.uint8)], axis=2)
    base = pictures(M, np.repeat(gray[..., None], 3, axis=2), "cam", layout="NHW")
    assert np.array_equal(pictures(M, gray, "cam", layout="NHW"), base)
    assert np.array_equal(pictures(M, rgba, "cam", layout="NHW"),
                          pictures(M, IMG, "cam", layout="NHW"))
    half = (IMG / 255).astype(np.float16)
    assert np.array_equal(pictures(M, half, "cam", layout="NHW"),
                          pictures(M, half.astype(np.float64), "cam", layout="NHW"))


@row("IMG-18")
def test_images_of_different_sizes_give_pictures_of_their_sizes():
    images = [np.zeros((5, 9, 3), np.uint8), np.zeros((12, 4, 3), np.uint8)]
    out = pictures(M, images, "cam", layout="NHW")
    assert [p.shape for p in out] == [(5, 9, 3), (12, 4, 3)]


@row("CM-01")
@pytest.mark.parametrize("name, kind", KINDS, ids=[k for _, k in KINDS])
def test_constant_maps_take_the_first_colour_of_every_kind(name, kind):
    stops = np.asarray(get_table(name).colors if isinstance(name, str) else name)
    for value in (0.0, -3.5, 12.0):
        out = pictures(np.full((1, 3, 4), value), ExtremaColormap(name), layout="NHW")
        np.testing.assert_allclose(out[0], np.broadcast_to(stops[0], (3, 4, 3)), atol=1e-12)


@row("CM-02")
@pytest.mark.parametrize("name, kind", KINDS, ids=[k for _, k in KINDS])
def test_all_zero_maps_take_the_centre_colour_of_every_kind(name, kind):
    stops = np.asarray(get_table(name).colors if isinstance(name, str) else name)
    out = pictures(np.zeros((1, 3, 4)), CenteredColormap(name), layout="NHW")
    np.testing.assert_allclose(out[0], np.broadcast_to(colour_at(stops, 0.5), (3, 4, 3)),
                               atol=1e-12)
    u8 = pictures(np.zeros((1, 3, 4)), CenteredColormap(name), layout="NHW", dtype=np.uint8)
    assert np.abs(u8[0].astype(int) - np.rint(colour_at(stops, 0.5) * 255)).max() <= 1


@row("CM-03")
def test_constant_non_zero_maps_take_an_end_colour_when_centred():
    stops = get_table("bwr").colors
    up = pictures(np.full((1, 2, 2), 4.0), CenteredColormap("bwr"), layout="NHW")
    down = pictures(np.full((1, 2, 2), -4.0), CenteredColormap("bwr"), layout="NHW")
    np.testing.assert_allclose(up[0, 0, 0], stops[-1], atol=1e-12)
    np.testing.assert_allclose(down[0, 0, 0], stops[0], atol=1e-12)


@row("CM-13")
def test_fixed_ranges_beyond_float32_colour_float32_maps_in_float64():
    out = pictures(np.zeros((1, 2, 2), np.float32), ExtremaColormap("gray", vmin=-1e300,
                                                                      vmax=1e300), layout="NHW")
    np.testing.assert_allclose(out[0, :, :, 0], 0.5, atol=1e-12)


@row("TP-57")
def test_zero_pads_and_crops_change_nothing():
    for step in (Pad(0, 0, 0, 0), Crop(0, 0, 0, 0), PadToAspectRatio(1.0)):
        square = np.array(M[:1], copy=True)
        assert np.array_equal(step(readonly(square)), square)


@row("TP-58")
def test_pooling_a_map_smaller_than_its_block():
    small = readonly(M[:, :3, :3])
    np.testing.assert_allclose(MaxPool(16)(small)[:, 0, 0], small.max(axis=(1, 2)))
    padded = np.pad(small, ((0, 0), (6, 7), (6, 7)), mode="reflect")
    np.testing.assert_allclose(AvgPool(16)(small)[:, 0, 0], padded.mean(axis=(1, 2)))


@row("TP-59")
def test_smoothing_one_pixel_or_with_kernels_wider_than_the_map():
    from scipy.ndimage import gaussian_filter

    one = readonly(np.full((2, 1, 1), 3.0))
    assert np.array_equal(GaussianSmooth(5.0)(one), one)
    small = readonly(M[:, :3, :5])
    for sigma in (2.0, 50.0):
        expected = np.stack([gaussian_filter(m, sigma, mode="reflect") for m in small])
        np.testing.assert_allclose(GaussianSmooth(sigma)(small), expected, atol=1e-12)


@row("TP-60")
def test_letterboxing_tiny_maps():
    out = Letterbox(8)(readonly(np.full((1, 1, 1), 2.5)))
    assert out.shape == (1, 8, 8) and np.all(out == 2.5)


@row("TP-68")
def test_letterboxing_thin_maps_keeps_one_row():
    out = Letterbox(4)(readonly(np.full((1, 1, 20), 2.5)))
    assert out.shape == (1, 4, 4)  # ultralytics 8.4: max(round(h * r), 1) rows
    assert out[0, :, 0].tolist() == [0.0, 2.5, 0.0, 0.0]  # pad (1, 0, 2, 0), cval 0


@row("TP-61")
def test_flat_boxes_and_layers_become_zero():
    assert not BoxRenormalize([[[0, 0, 4, 4]]])(readonly(np.full((1, 4, 4), 3.0))).any()
    assert not CombineMaps()(readonly(np.ones((1, 2, 4, 4)))).any()


@row("TP-62")
def test_to_unit_range_of_float32_with_a_range_beyond_float32():
    out = ToUnitRange(0, 1e300)(readonly(np.full((1, 2, 2), 3.0, np.float32)))
    assert out.dtype == np.float32 and not out.any()
    wide = ToUnitRange(0, 1e-40)(readonly(np.full((1, 2, 2), 3.0, np.float32)))
    assert wide.dtype == np.float32 and np.all(wide == 1)


@row("TP-63")
def test_heat_alpha_overlay_of_a_constant_map_shows_the_image():
    out = pictures(np.full((1, 8, 8), 2.0), IMG, HeatAlphaOverlay(), layout="NHW")
    np.testing.assert_allclose(out[0], IMG / 255, atol=1e-12)


@row("TP-66", "TP-67")
def test_reductions_of_one_channel_and_flips():
    from visheat import AbsSumReduction, MaxAbsReduction, SumAbsReduction

    one = readonly(-np.abs(X[:, :1]))
    for reduction in (SumReduction(), NormReduction(), MaxAbsReduction(), SumAbsReduction(),
                      AbsSumReduction()):
        assert np.array_equal(reduction(one), one[:, 0])
        assert np.array_equal(reduction(readonly(M)), M)
    row_map = readonly(M[:, :1, :])
    assert np.array_equal(FlipImage()(row_map), M[:, :1, :].transpose(0, 2, 1))


@row("TP-64")
def test_huge_line_widths_fonts_and_radii_draw_the_same_within_the_picture(monkeypatch):
    """Pillow's work grows with widths, radii, font sizes and coordinates; none of them reaches
    Pillow beyond a few times the picture's size. No timing: each size is checked before Pillow
    gets it, so a missing cap fails here at once instead of drawing for minutes."""
    from PIL import ImageDraw, ImageFont

    limit = 4 * 8 + 4  # the pictures are 8 x 8; the caps allow a few times that
    asked = []

    def checked(sizes):
        asked.extend(sizes)
        assert max(sizes, default=0) <= limit, f"Pillow asked for {max(sizes)}"

    def spy(name):
        original = getattr(ImageDraw.ImageDraw, name)

        def drawing(self, xy, *args, **kwargs):
            checked([abs(float(v)) for v in np.ravel(xy)] + [float(kwargs.get("width") or 0)])
            return original(self, xy, *args, **kwargs)
        monkeypatch.setattr(ImageDraw.ImageDraw, name, drawing)

    for name in ("rectangle", "ellipse", "text"):
        spy(name)
    font = ImageFont.load_default
    monkeypatch.setattr(ImageFont, "load_default",
                        lambda size=None: checked([float(size or 0)]) or font(size=size))
    rgb = readonly(RNG.random((1, 8, 8, 3)))
    wide = DrawDetections([[[1, 1, 6, 6]]], width=10**9)(rgb)
    assert np.array_equal(wide, DrawDetections([[[1, 1, 6, 6]]], width=8)(rgb))
    far = DrawDetections([[[-1e300, -1e300, 1e300, 1e300]]], labels=[[1]], font_size=10**9)(rgb)
    assert np.array_equal(far, DrawDetections([[[-2, -2, 10, 10]]], labels=[[1]],
                                              font_size=9)(rgb))  # the box and font capped
    big = DrawKeypoints([[4, 4]], colors=["red"], radius=1e21)(rgb)
    assert np.array_equal(big, DrawKeypoints([[4, 4]], colors=["red"], radius=32)(rgb))
    assert len(asked) > 10  # the spies saw the drawing


@row("SIZE-14")
def test_the_allocation_limit_can_be_raised_and_lowered(monkeypatch):
    monkeypatch.setenv("VISHEAT_MAX_BYTES", "1K")
    with pytest.raises(ValueError, match=r"^size: expected a resized array \(one sample\) of "
                                         r"at most 1 KiB"):
        Resize((64, 64))(readonly(M))
    monkeypatch.setenv("VISHEAT_MAX_BYTES", "64K")
    assert Resize((64, 64))(readonly(M)).shape == (2, 64, 64)
    monkeypatch.setenv("VISHEAT_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match=r"^VISHEAT_MAX_BYTES: expected a number of bytes"):
        Resize((64, 64))(readonly(M))


@row("KP-01", "KP-02")
def test_flat_and_one_pixel_maps_decode_to_no_peak():
    for method in kp.METHODS:
        flat = kp.decode(readonly(np.zeros((2, 3, 3))), method, k=1, patch=1)
        assert np.isnan(flat.points).all() and np.array_equal(flat.scores, [0.0, 0.0])
        one = kp.decode(readonly(np.array([[[0.4]], [[0.9]]])), method, k=1, patch=1)
        assert np.isnan(one.points).all() and np.array_equal(one.scores, [0.4, 0.9])


@row("KP-05")
def test_zero_keypoints_decode_to_empty_results():
    points, scores = kp.decode(readonly(np.zeros((0, 3, 3))))
    assert points.shape == (0, 2) and scores.shape == (0,)


@row("KP-12")
def test_missing_points_give_empty_channels_with_weight_zero():
    maps, weights = kp.gaussian_heatmaps([[np.nan, 1.0], [1e300, 2.0], [2.0, 2.0]], (5, 5), 1.0)
    assert not maps[0].any() and not maps[1].any() and maps[2].max() == 1.0
    assert weights.tolist() == [0.0, 0.0, 1.0]


@row("KP-17")
def test_float16_heatmaps_decode_like_float64():
    maps = kp.gaussian_heatmaps([[2.3, 1.6]], (5, 6), 1.0).heatmaps
    got = kp.decode(readonly(maps.astype(np.float16)), "argmax").points
    assert np.array_equal(got, kp.decode(maps.astype(np.float16).astype(np.float64),
                                         "argmax").points)


def test_the_recipe_for_missing_values_shows_the_image_through_them():
    cam = np.array(M, copy=True)
    cam[0, :2, :3] = np.nan  # the page's recipe, verbatim
    images = IMG
    bad = ~np.isfinite(cam)
    pictures_ = heatmap(np.where(bad, 0.0, cam), images,
                        ExtremaColormap("jet") | AlphaOverlay(np.where(bad, 0.0, 0.6)),
                        layout="NHW").to_numpy()
    assert np.array_equal(pictures_[0, :2, :3], IMG[:2, :3])
    assert not np.array_equal(pictures_[0, 2:], np.broadcast_to(IMG, (8, 8, 3))[2:])
    assert "ExtremaColormap(\"jet\") | AlphaOverlay(np.where(bad, 0.0, 0.6))" in \
        DOC.read_text(encoding="utf-8")


# -- files, command line, gallery ------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Inputs for the command line, good and bad."""
    root = tmp_path_factory.mktemp("files")
    np.save(root / "x.npy", X.astype(np.float32))
    np.save(root / "maps.npy", M)
    np.save(root / "nan.npy", nan_x())
    np.save(root / "objects.npy", np.array([{}, 1], dtype=object), allow_pickle=True)
    np.save(root / "complex.npy", X.astype(np.complex64))
    (root / "pickle.npy").write_bytes(b"\x80\x04\x95" + b"\x00" * 40)
    header = BytesIO()
    np.lib.format.write_array_header_2_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (100_000, 100_000, 100)})
    with zipfile.ZipFile(root / "forged.npz", "w") as archive:
        archive.writestr("x.npy", header.getvalue() + b"\x00" * 64)
    np.savez(root / "big.npz", x=X)
    (root / "truncated.npy").write_bytes((root / "x.npy").read_bytes()[:300])
    for name, count, size in (("images", 2, 8), ("three", 3, 8)):
        (root / name).mkdir()
        for i in range(count):
            Image.fromarray(RNG.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
                root / name / f"{i}.png")
    (root / "images" / "notes.txt").write_text("not an image")
    (root / "broken").mkdir()
    Image.fromarray(IMG).save(root / "broken" / "0.png")
    (root / "broken" / "1.png").write_bytes(b"not a png")
    (root / "sizes").mkdir()
    for i, (h, w) in enumerate([(8, 8), (12, 5)]):
        Image.fromarray(RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(
            root / "sizes" / f"{i}.png")
    (root / "evil.txt").write_text("../../etc/passwd\n<script>alert(1)</script>\n")
    (root / "latin1.txt").write_bytes(b"caf\xe9\nna\xefve\n")
    (root / "swatches.png").write_bytes(b"keep me")
    return root


CLI = {
    "CLI-01": ["render", "{files}/missing.npy"],
    "CLI-02": ["render", "{files}/objects.npy"],
    "CLI-03": ["render", "{files}/pickle.npy"],
    "CLI-04": ["render", "{files}/forged.npz"],
    "CLI-05": ["render", "{files}/big.npz", "--max-npz-bytes", "1K"],
    "CLI-06": ["render", "{files}/truncated.npy"],
    "CLI-07": ["render", "{files}/complex.npy"],
    "CLI-08": ["render", "{files}/x.npy", "--pipe", "__import__('os').system('touch {files}/x')"],
    "CLI-09": ["render", "{files}/x.npy", "--pipe", "atribution"],
    "CLI-10": ["render", "{files}/x.npy", "--layout", "NCHX"],
    "CLI-11": ["render", "{files}/maps.npy"],
    "CLI-13": ["render", "{files}/x.npy", "--images", "{files}/broken"],
    "CLI-14": ["render", "{files}/x.npy", "--images", "{files}/three"],
    "CLI-19": ["render", "{files}/x.npy", "--pattern", "{index.__class__}.png"],
    "CLI-20": ["render", "{files}/x.npy", "--pattern", "../{index}.png"],
    "CLI-21": ["render", "{files}/x.npy", "--labels", "{files}/latin1.txt"],
    "CLI-22": ["cam", "{files}/images", "--cams", "{files}/x.npy"],
    "CLI-23": ["cam", "{files}/images", "--cams", "{files}/forged.npz"],
    "CLI-24": ["colormaps", "--swatches", "{files}/swatches.png"],
    "CLI-27": ["render", "{files}/x.npy", "--batch-size", "0"],
    "CLI-28": ["render", "{files}/x.npy", "--max-npz-bytes", "lots"],
    "CLI-29": ["render", "{files}/nan.npy"],
    "CLI-31": ["render", "{files}/x.npy", "--pattern", "same.png"],
    "CLI-30": ["cam", "{files}/images", "--cams", "{files}/x.npz", "--pipe", "gradcan"],
}


def cli(argv, files, out, capsys):
    argv = [a.replace("{files}", str(files)) for a in argv]
    if argv[0] != "colormaps":
        argv += ["--out", str(out)]
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("row", sorted(CLI))
def test_cli_rows_exit_2_with_the_catalogued_line(row, files, tmp_path, capsys):
    expected = documented(row, EXIT)["message"]
    before = {p: p.read_bytes() for p in files.rglob("*") if p.is_file()}
    code, err = cli(CLI[row], files, tmp_path / "out", capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert message_pattern(expected).match(err), (row, err)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.png"))
    assert before == {p: p.read_bytes() for p in files.rglob("*") if p.is_file()}  # no x file


@row("CLI-12")
def test_non_image_files_in_an_image_folder_are_skipped(files, tmp_path, capsys):
    code, _ = cli(["render", "{files}/maps.npy", "--layout", "NHW", "--images",
                   "{files}/images", "--pipe", "cam", "--quiet"], files, tmp_path, capsys)
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["00000_0.png",
                                                                         "00001_1.png"]


@row("CLI-15")
def test_images_of_different_sizes_give_pictures_of_their_sizes_on_the_command_line(
        files, tmp_path, capsys):
    code, _ = cli(["render", "{files}/maps.npy", "--layout", "NHW", "--images", "{files}/sizes",
                   "--pipe", "cam", "--quiet"], files, tmp_path, capsys)
    sizes = []
    for path in sorted(tmp_path.glob("*.png")):
        with Image.open(path) as image:
            sizes.append(image.size)
    assert code == 0 and sizes == [(8, 8), (5, 12)]


@row("CLI-16", "CLI-17")
def test_existing_files_need_overwrite_and_resume_keeps_them(files, tmp_path, capsys):
    argv = ["render", "{files}/x.npy", "--quiet"]
    assert cli(argv, files, tmp_path, capsys)[0] == 0
    first = tmp_path / "00000.png"
    first.write_bytes(b"edited by the user")
    code, err = cli(argv, files, tmp_path, capsys)
    assert code == 2 and message_pattern(documented("CLI-16", EXIT)["message"]).match(err)
    assert first.read_bytes() == b"edited by the user"
    (tmp_path / "00001.png").unlink()
    (tmp_path / ".00001.png.0123456789ab.tmp").write_bytes(b"left by a killed run")
    assert cli(argv + ["--resume"], files, tmp_path, capsys)[0] == 0
    assert first.read_bytes() == b"edited by the user" and (tmp_path / "00001.png").is_file()
    assert not list(tmp_path.glob(".*.tmp"))
    assert cli(argv + ["--overwrite"], files, tmp_path, capsys)[0] == 0
    assert first.read_bytes() != b"edited by the user"


@row("CLI-18")
def test_labels_cannot_lead_files_out_of_the_folder(files, tmp_path, capsys):
    out = tmp_path / "out"
    code, _ = cli(["render", "{files}/x.npy", "--labels", "{files}/evil.txt", "--quiet"], files,
                  out, capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "00000_etc_passwd.png", "00001_script_alert_1_script.png", "out"]


@row("CLI-25")
def test_demo_refuses_to_overwrite_an_earlier_demo(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0  # the same files: a re-run
    next(tmp_path.rglob("*.png")).write_bytes(b"a picture of the user's")
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 2
    assert message_pattern(documented("CLI-25", EXIT)["message"]).match(capsys.readouterr().err)
    assert main(["demo", "--out", str(tmp_path), "--quiet", "--overwrite"]) == 0


@row("CLI-26")
def test_unwritable_outputs_exit_2_naming_the_path(files, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, err = cli(["render", "{files}/x.npy"], files, blocker / "out", capsys)
    assert code == 2 and message_pattern(documented("CLI-26", EXIT)["message"]).match(err)
    assert str(blocker) in err and "Errno" not in err


@row("GAL-01", "GAL-03")
def test_captions_are_text_and_the_page_runs_no_script(tmp_path):
    evil = ['<script>alert(1)</script>', {"label": '"><img src=x onerror=alert(1)>',
                                          "method": "<b>IG</b>"}]
    page = write_gallery(tmp_path, heatmap(readonly(X)), IMG, evil, title="<i>t</i>")
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script" not in text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in text and "<img src=x" not in text
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" in text


@row("GAL-02")
def test_labels_name_files_inside_the_gallery(tmp_path):
    write_gallery(tmp_path / "g", heatmap(X), captions=["../../evil", "/abs/path"])
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    assert names == ["g/files/00000_evil.json", "g/files/00001_abs_path.json"]


@row("GAL-04")
def test_an_existing_gallery_is_kept_unless_asked(tmp_path):
    write_gallery(tmp_path, heatmap(X))
    write_gallery(tmp_path, heatmap(X))  # the same gallery again
    with pytest.raises(ValueError, match="^out_dir: expected no existing output files"):
        write_gallery(tmp_path, heatmap(X[::-1]))
    assert write_gallery(tmp_path, heatmap(X), existing="overwrite").is_file()


@row("GAL-06")
def test_tampered_card_records_are_not_trusted(tmp_path):
    h = heatmap(X)
    write_gallery(tmp_path, h)
    record = tmp_path / "files" / "00000.json"
    data = json.loads(record.read_text())
    data["panels"][0]["kind"] = '"><script>alert(1)</script>'
    data["panels"][0]["src"] = "../../../etc/passwd"
    record.write_text(json.dumps(data))
    page = write_gallery(tmp_path, h, existing="skip").read_text()
    assert "<script" not in page and "etc/passwd" not in page
    assert json.loads(record.read_text())["panels"][0]["kind"] == "heatmap"  # rewritten


@row("GAL-13")
def test_heatmaps_save_keeps_existing_files(tmp_path):
    h = heatmap(X)
    h.save(tmp_path)
    (tmp_path / "000.png").write_bytes(b"mine")
    with pytest.raises(ValueError, match="^directory: expected no existing output files"):
        h.save(tmp_path)
    assert (tmp_path / "000.png").read_bytes() == b"mine"
    h.save(tmp_path, existing="skip")
    assert (tmp_path / "000.png").read_bytes() == b"mine"


@row("GAL-15")
def test_save_heatmaps_labels_stay_in_the_folder(tmp_path):
    paths = save_heatmaps(readonly(X), directory=tmp_path / "out", pattern="{label}.png",
                          labels=["../up", "a/b"])
    assert [p.name for p in paths] == ["up.png", "a_b.png"]
    assert all(p.parent == tmp_path / "out" for p in paths)


@row("GAL-16")
def test_only_hidden_temporaries_are_cleaned_up(tmp_path):
    from visheat.io.files import remove_temporaries

    # ffffff: a process id above every system's pid_max (2**22), so its writer has ended
    names = [".a.png.ffffff6789ab.tmp", ".a.png.tmp", "a.png.ffffff6789ab.tmp", "b.tmp", "c.png"]
    for name in names:
        (tmp_path / name).write_text("x")
    removed = remove_temporaries(tmp_path)
    assert [p.name for p in removed] == [".a.png.ffffff6789ab.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


# -- writing: deep text, full disks, long names, two writers (issue 17) --------------------------

def run_cli(args: list[str], timeout: float = 120, preamble: str = "") -> subprocess.CompletedProcess:
    """``visheat ARGS`` in its own process (a crash or hang cannot take the suite with it)."""
    code = f"import sys\n{preamble}\nfrom visheat.cli import main\nsys.exit(main({args!r}))"
    return subprocess.run([sys.executable, "-c", code], check=False, env=environment(),
                          capture_output=True, text=True, timeout=timeout)


@row("CLI-32")
def test_a_deep_pipe_expression_exits_2_without_a_traceback(files, tmp_path):
    done = run_cli(["render", str(files / "x.npy"), "--out", str(tmp_path / "out"), "--pipe",
                    "NormReduction() | " + "1+" * 900 + "1"])
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
    assert message_pattern(documented("CLI-32", EXIT)["message"]).match(done.stderr), done.stderr


@row("CLI-33")
def test_a_failed_write_names_the_file_and_leaves_no_temporary(files, tmp_path):
    # RLIMIT_FSIZE makes the kernel refuse writes past 2000 bytes (EFBIG), as a full disk
    # refuses them (ENOSPC): a real failed write, in a process of its own
    limit = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))")
    out = tmp_path / "out"
    np.save(tmp_path / "big.npy", RNG.normal(size=(2, 3, 64, 64)))  # PNGs of ~10 KB
    done = run_cli(["render", str(tmp_path / "big.npy"), "--out", str(out)], preamble=limit)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and "Errno" not in done.stderr
    assert message_pattern(documented("CLI-33", EXIT)["message"]).match(done.stderr), done.stderr
    assert str(out / "00000.png") in done.stderr
    assert list(out.iterdir()) == []  # neither the file nor its temporary


def test_write_errors_name_the_file_not_the_temporary(tmp_path):
    from visheat.io.files import write_atomic

    target = tmp_path / "no-such-folder" / "x.png"
    with pytest.raises(FileNotFoundError) as info:
        write_atomic(target, b"x")
    assert info.value.filename == str(target) and ".tmp" not in str(info.value)


@row("CLI-34")
def test_the_longest_legal_names_are_written(files, tmp_path):
    from visheat.io.files import write_atomic

    room = os.pathconf(tmp_path, "PC_NAME_MAX")
    name = "p" * (room - len("_0.png")) + "_{index}.png"  # names of exactly NAME_MAX bytes
    done = run_cli(["render", str(files / "x.npy"), "--out", str(tmp_path / "out"), "--pattern",
                    name, "--quiet"])
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [name.format(index=i) for i in range(2)]
    assert {len(os.fsencode(n)) for n in written} == {room}
    umlaut = "ä" * ((room - 4) // 2) + ".png"  # two bytes a letter: the limit in bytes
    write_atomic(tmp_path / umlaut, b"x")
    assert (tmp_path / umlaut).read_bytes() == b"x" and len(list(tmp_path.iterdir())) == 2


@row("CLI-35")
def test_a_writer_keeps_the_temporaries_of_another_running_writer(files, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    other, killed = (subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
                     for _ in range(2))
    try:
        theirs = out / f".00000.png.{other.pid:06x}abcdef.tmp"  # a running writer's file
        theirs.write_bytes(b"half")
        dead = out / ".00001.png.ffffffabcdef.tmp"  # a writer that no longer runs
        dead.write_bytes(b"half")
        killed.kill()  # killed, not yet reaped by its parent (a zombie): it runs no more
        time.sleep(0.5)
        zombie = out / f".00001.png.{killed.pid:06x}abcdef.tmp"
        zombie.write_bytes(b"half")
        done = run_cli(["render", str(files / "x.npy"), "--out", str(out), "--overwrite",
                        "--quiet"])
        assert done.returncode == 0, done.stderr
        assert theirs.read_bytes() == b"half" and not dead.exists() and not zombie.exists()
    finally:
        for process in (other, killed):
            process.kill()
            process.wait()
    # two real writers on one folder, each replacing the other's files: both succeed
    np.save(tmp_path / "many.npy", RNG.normal(size=(40, 3, 16, 16)))
    args = [sys.executable, "-m", "visheat", "render", str(tmp_path / "many.npy"), "--out",
            str(tmp_path / "both"), "--overwrite", "--quiet", "--batch-size", "1"]
    writers = [subprocess.Popen(args, env=environment(), stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0 and ".tmp" not in err, err
    assert sorted(p.name for p in (tmp_path / "both").iterdir()) == [f"{i:05d}.png"
                                                                     for i in range(40)]


# -- installations -----------------------------------------------------------------------------

def declared_floors() -> dict[str, str]:
    """``name -> version`` of every ``name>=version`` in pyproject's ``dependencies``."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.MULTILINE | re.DOTALL)
    return dict(re.findall(r'"([A-Za-z0-9_.-]+)>=([0-9][^",;]*)"', block[1]))


@row("DEP-01")
def test_the_floor_environment_pins_every_declared_floor():
    pins = {}
    for line in (ROOT / ".ci" / "floors.txt").read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line.split("#")[0].strip())
        if found:
            pins[found[1].lower()] = found[2]
    floors = {name.lower(): version for name, version in declared_floors().items()}
    assert floors and set(floors) <= set(pins), sorted(set(floors) - set(pins))
    for name, version in floors.items():  # 1.24 is pinned as 1.24 or 1.24.0
        assert pins[name].split(".")[:len(version.split("."))] == version.split("."), name
        assert set(pins[name].split(".")[len(version.split(".")):]) <= {"0"}, name
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '-c .ci/floors.txt -e ".[test]"' in ci  # and CI installs them


# -- the interruption bar -----------------------------------------------------------------------

def gallery_command(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "visheat", "gallery", str(inputs / "cams.npy"),
            "--layout", "NHW", "--images", str(inputs / "images.npy"), "--pipe", "cam",
            "--captions", str(inputs / "captions.json"), "--out", str(out), "--quiet", *extra]


def environment() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT / "src")] + [p for p in os.environ.get(
        "PYTHONPATH", "").split(os.pathsep) if p])
    return dict(os.environ, PYTHONPATH=path)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Inputs for a 60-card gallery, and that gallery rendered in one go."""
    inputs = tmp_path_factory.mktemp("interrupt")
    rng = np.random.default_rng(11)
    np.save(inputs / "cams.npy", rng.random((60, 12, 12)).astype(np.float32))
    np.save(inputs / "images.npy", rng.integers(0, 256, (60, 48, 48, 3), dtype=np.uint8))
    captions = [{"label": f"<b>sample {i}</b>", "score": i / 60} for i in range(60)]
    (inputs / "captions.json").write_text(json.dumps(captions))
    out = inputs / "whole"
    subprocess.run(gallery_command(inputs, out), env=environment(), check=True, timeout=300)
    return inputs, folder_bytes(out)


@row("GAL-05")
@pytest.mark.parametrize("batch_size", ["1", "4"])
def test_a_killed_gallery_leaves_complete_files_and_resumes_to_the_same_gallery(
        uninterrupted, tmp_path, batch_size):
    inputs, whole = uninterrupted
    out = tmp_path / "g"
    process = subprocess.Popen(gallery_command(inputs, out, "--batch-size", batch_size),
                               env=environment(), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list((out / "files").glob("*.json"))) < 10:  # cards complete, a slice half done
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL and not (out / "index.html").exists()
    temporary = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")
    for path in out.rglob("*"):
        if not path.is_file() or temporary.match(path.name):
            continue  # a hidden temporary: never the name of a result, removed on resume
        if path.suffix == ".png":
            with Image.open(path) as image:
                image.load()  # decodes: the file is complete
        else:
            assert path.suffix == ".json"
            json.loads(path.read_text(encoding="utf-8"))
    subprocess.run(gallery_command(inputs, out, "--batch-size", batch_size, "--resume"),
                   env=environment(), check=True, timeout=300)
    assert folder_bytes(out) == whole  # same files, byte for byte, no temporaries left


# -- the page and the tests agree ------------------------------------------------------------

def test_every_row_has_a_test_and_every_test_a_row():
    tested = set(ERRORS) | set(PICTURES) | set(CLI)
    assert set(ROWS) == tested, {"rows without a test": sorted(set(ROWS) - tested),
                                 "tests without a row": sorted(tested - set(ROWS))}
    assert len(ROWS) >= 60
    for row_id in PICTURES:
        assert not ERROR.match(ROWS[row_id]) and not EXIT.match(ROWS[row_id]) or row_id in (
            "CLI-16", "CLI-25", "CLI-26", "CLI-32", "CLI-33"), f"{row_id} documents an error but tests a picture"


# -- the third probe (issue 25): Dask -----------------------------------------------------------

def dask_save(scheduler):
    """``visheat.dask.save_heatmaps`` into the folder that must never be created."""
    def run(x):
        import visheat.dask as vd

        return vd.save_heatmaps(x, directory=UNUSED, scheduler=scheduler)
    return run


DASK_ERRORS = {
    "DASK-04": case(dask_save("tls://10.0.0.5:8786"), X),
    "DASK-05": case(dask_save("tcp://10.0.0.5:99999"), X),
    "DASK-06": case(dask_save("10.0.0.5:8786"), X),
}
ERRORS.update(DASK_ERRORS)
DASK_CLI = {"DASK-07": ["render", "{files}/missing.npy", "--scheduler", "garbage:"]}
CLI.update(DASK_CLI)


@pytest.mark.parametrize("row", sorted(DASK_ERRORS))
def test_dask_error_rows_raise_what_the_catalogue_says(row):
    test_error_rows_raise_what_the_catalogue_says(row)


@pytest.mark.parametrize("row", sorted(DASK_CLI))
def test_dask_cli_rows_exit_2_with_the_catalogued_line(row, files, tmp_path, capsys):
    test_cli_rows_exit_2_with_the_catalogued_line(row, files, tmp_path, capsys)


DASK_X = np.random.default_rng(25).normal(size=(10, 3, 16, 16)).astype(np.float32)


@row("DASK-01")
@pytest.mark.parametrize("chunks", [(4, 3, 8, 8), (10, 1, 16, 16), ((3, 7), 3, (5, 11), 16)])
def test_dask_arrays_chunked_along_any_axis_give_the_pictures_of_heatmap(chunks):
    da = pytest.importorskip("dask.array")
    import visheat.dask as vd

    x = readonly(DASK_X)
    pipe = SumReduction() | ExtremaColormap("jet", scope="batch")
    for lazy in (da.from_array(x, chunks=chunks), da.from_array(x, chunks=chunks)[:, :, 1:]):
        out = vd.render(lazy, pipe).compute(scheduler="sync")
        np.testing.assert_array_equal(out, pictures(np.asarray(lazy), pipe, dtype=np.uint8))
    assert same(x, DASK_X)


@row("DASK-02")
@pytest.mark.parametrize("low, high", [(9, 9), (5, 9), (9, 5)])
def test_dask_batch_ranges_come_from_every_chunk(low, high):
    da = pytest.importorskip("dask.array")
    import visheat.dask as vd

    x = DASK_X.copy()
    x[low, :, 2, 3], x[high, :, 9, 9] = -30.0, 40.0  # chunks of 4: samples 0-3, 4-7, 8-9
    x = readonly(x)
    pipe = SumReduction() | ExtremaColormap("jet", scope="batch")
    out = vd.render(da.from_array(x, chunks=(4, 3, 16, 16)), pipe).compute(scheduler="sync")
    np.testing.assert_array_equal(out, pictures(x, pipe, dtype=np.uint8))


@row("DASK-03")
def test_dask_closes_the_clients_it_opens_and_only_those(tmp_path):
    distributed = pytest.importorskip("distributed")
    import visheat.dask as vd

    def clients():
        return len([c for c in cluster.scheduler.clients if c != "fire-and-forget"])

    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=":0") as cluster:
        for i in range(3):
            vd.save_heatmaps(readonly(X), directory=tmp_path / str(i),
                             scheduler=cluster.scheduler_address)
        deadline = time.monotonic() + 60
        while clients() and time.monotonic() < deadline:  # the scheduler hears of it soon
            time.sleep(0.05)
        assert clients() == 0
        with distributed.Client(cluster, set_as_default=False) as client:
            vd.save_heatmaps(X, directory=tmp_path / "mine", scheduler=client)
            assert client.status == "running" and clients() == 1


# -- transformer tokens (issue 22) -----------------------------------------------------------

from visheat import TokenGrid  # noqa: E402  (this section is appended to the catalogue)

TOKENS = RNG.normal(size=(2, 197, 8))  # (N, L, C): a class token and 14 x 14 patches

TOKEN_ERRORS = {
    "TOK-01": case(lambda x: heatmap(x, layout="NLC", tokens=TokenGrid()), TOKENS),
    "TOK-02": case(lambda x: heatmap(x, layout="NLC", tokens=TokenGrid((15, 15), prefix=1)),
                   TOKENS),
    "TOK-03": case(lambda x, i: heatmap(x, i, layout="NLC", tokens=TokenGrid(prefix=1)),
                   TOKENS, np.zeros((384, 512, 3), np.uint8)),
    "TOK-04": case(lambda x: heatmap(x, layout="NLC", tokens=TokenGrid(prefix=197)), TOKENS),
    "TOK-05": case(lambda: TokenGrid(grid=(27, 40), merge=2)),
    "TOK-06": case(lambda: TokenGrid.from_grid_thw([1, 27, 40], merge_size=2)),
    "TOK-07": case(lambda x, a, b: heatmap(x, [a, b], layout="NLC", tokens=TokenGrid()),
                   RNG.normal(size=(2, 768, 4)), np.zeros((384, 512, 3), np.uint8),
                   np.zeros((512, 384, 3), np.uint8)),
    "TOK-08": case(lambda: TokenGrid.from_grid_thw([[1, 28, 40], [1, 30, 40]], 2)),
    "TOK-09": case(lambda: TokenGrid.from_grid_thw([2, 28, 40], 2)),
    "TOK-10": case(lambda x: heatmap(x, layout="NLC"), TOKENS),
    "TOK-11": case(lambda x: heatmap(x, tokens=TokenGrid(prefix=1)), X),
    "TOK-12": case(lambda x: heatmap(x, layout="NLHW", tokens=TokenGrid(prefix=1)), X),
    "TOK-13": case(heatmap, np.zeros((4, 197, 768), np.float32)),
    "TOK-14": case(heatmap, np.zeros((4, 196), np.float32)),
    "TOK-15": case(lambda x: heatmap(x, layout="NLC", tokens=(14, 14)), TOKENS),
    "TOK-16": case(lambda: TokenGrid.parse("__import__('os').system('true')")),
}
ERRORS.update(TOKEN_ERRORS)


@pytest.mark.parametrize("row", sorted(TOKEN_ERRORS))
def test_token_error_rows_raise_what_the_catalogue_says(row):
    test_error_rows_raise_what_the_catalogue_says(row)


@row("TOK-17")
@pytest.mark.parametrize("layout", ["NLC", "LNC", "NCL", "CLN"])
def test_read_only_tokens_in_any_order_give_the_hand_reshaped_pictures(layout):
    x = TOKENS.transpose(["NLC".index(c) for c in layout])
    images = RNG.integers(0, 256, (2, 56, 56, 3), dtype=np.uint8)
    pipe = SumReduction() | ResizeToImage("nearest") | CenteredColormap() | AlphaOverlay(0.5)
    grid = TOKENS[:, 1:].reshape(2, 14, 14, 8).transpose(0, 3, 1, 2)
    got = pictures(x, images, pipe, layout=layout, tokens=TokenGrid(prefix=1))
    assert np.array_equal(got, pictures(grid, images, pipe))


@row("TOK-18")
def test_nearest_resizing_gives_each_token_its_patch():
    images = np.zeros((2, 14 * 16, 14 * 16, 3), np.uint8)
    got = pictures(TOKENS, images, SumReduction() | ResizeToImage("nearest") | ExtremaColormap(),
                   layout="NLC", tokens=TokenGrid(prefix=1))
    patches = got.reshape(2, 14, 16, 14, 16, 3)
    assert (patches == patches[:, :, :1, :, :1]).all()


TOKEN_CLI = {
    "TOK-19": ["render", "{files}/tokens.npy", "--layout", "NLC"],
    "TOK-20": ["render", "{files}/tokens.npy"],
}
CLI.update(TOKEN_CLI)


@pytest.fixture(scope="module")
def token_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("token-files")
    np.save(root / "tokens.npy", TOKENS)
    return root


@pytest.mark.parametrize("row", sorted(TOKEN_CLI))
def test_token_cli_rows_exit_2_with_the_catalogued_line(row, token_files, tmp_path, capsys):
    expected = documented(row, EXIT)["message"]
    code, err = cli(TOKEN_CLI[row], token_files, tmp_path / "out", capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert message_pattern(expected).match(err), (row, err)
    assert not (tmp_path / "out").exists()


# -- clips and volumes as files (issue 23) --------------------------------------------------------

CLIP = RNG.integers(0, 256, (1, 3, 8, 8, 3), dtype=np.uint8)  # one clip of three frames


def sheared_nifti():
    import nibabel

    affine = np.eye(4)
    affine[0, 1] = 0.5
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheared.nii.gz"
        nibabel.save(nibabel.Nifti1Image(np.zeros((4, 4, 4), np.float32), affine), str(path))
        from visheat.io import load_nifti

        return load_nifti(path)


VIDEO_ERRORS = {
    "VID-01": case(lambda c: Heatmaps(c).save_video(UNUSED, "{index}.avi"), CLIP),
    "VID-02": case(lambda c: Heatmaps(c).save_video(UNUSED, fps=0), CLIP),
    "VID-03": case(lambda c: Heatmaps(c).save_video(UNUSED, "{index}.gif", fps=60), CLIP),
    "VID-04": case(sheared_nifti),
}
ERRORS.update(VIDEO_ERRORS)


@pytest.mark.parametrize("row", sorted(VIDEO_ERRORS))
def test_video_error_rows_raise_what_the_catalogue_says(row):
    test_error_rows_raise_what_the_catalogue_says(row)


VIDEO_CLI = {"VID-05": ["render", "{files}/missing.nii.gz"]}
CLI.update(VIDEO_CLI)


@pytest.mark.parametrize("row", sorted(VIDEO_CLI))
def test_video_cli_rows_exit_2_with_the_catalogued_line(row, tmp_path, capsys):
    expected = documented(row, EXIT)["message"]
    code, err = cli(VIDEO_CLI[row], tmp_path, tmp_path / "out", capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert message_pattern(expected).match(err), (row, err)
    assert not (tmp_path / "out").exists()


@row("VID-06")
def test_odd_mp4_frames_get_a_copy_of_the_last_row_and_column(tmp_path):
    av = pytest.importorskip("av")
    clip = np.repeat(np.linspace(0, 255, 7 * 9).reshape(1, 7, 9, 1), 3, -1)
    clip = np.repeat(clip, 4, 0).astype(np.uint8)  # 4 frames of 7 x 9: a smooth ramp
    path, = Heatmaps(readonly(clip[None])).save_video(tmp_path, "{index}.mp4")
    with av.open(str(path)) as container:
        luma = np.stack([f.to_ndarray(format="gray") for f in container.decode(video=0)])
    padded = np.pad(clip, ((0, 0), (0, 1), (0, 1), (0, 0)), mode="edge")[..., 0]
    assert luma.shape == (4, 8, 10)
    mse = np.mean((luma.astype(float) - padded) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) >= 36


# -- issue 25: hints that lead somewhere ---------------------------------------------------------

#: Error rows added after the table above was parametrized: run by the test below, and counted
#: by test_every_row_has_a_test_and_every_test_a_row through ERRORS.
MORE_ERRORS = {
    "PIPE-27": case(lambda x: heatmap(x, ExtremaColormap()), X),
    "PIPE-28": case(lambda x: heatmap(x, PercentileClip() | ExtremaColormap()), X),
    "PIPE-29": case(lambda: Pipeline.parse("Pad(0x" + "f" * 4150 + ")")),
}
ERRORS.update(MORE_ERRORS)


@pytest.mark.parametrize("row_id", sorted(MORE_ERRORS))
def test_later_error_rows_raise_what_the_catalogue_says(row_id):
    test_error_rows_raise_what_the_catalogue_says(row_id)


@row("KP-18")
def test_topk_decodes_maps_smaller_than_its_default_k():
    m = readonly(np.array([[[0.0, 1.0], [2.0, 4.0]], [[3.0, 0.0], [0.0, 0.0]]]))
    weights = np.exp(m - m.max(axis=(1, 2), keepdims=True))  # every pixel counts
    ys, xs = np.mgrid[0:2, 0:2]
    expected = np.stack([(weights * xs).sum(axis=(1, 2)), (weights * ys).sum(axis=(1, 2))], -1)
    np.testing.assert_allclose(kp.decode(m, "topk").points,
                               expected / weights.sum(axis=(1, 2))[:, None], rtol=1e-12)


@row("IMG-19")
def test_gray_image_batches_read_with_image_layout_nhw():
    gray = readonly(RNG.integers(0, 256, (2, 8, 8), dtype=np.uint8))
    rgb = np.stack([gray] * 3, axis=-1)
    assert np.array_equal(pictures(M, gray, "cam", layout="NHW", image_layout="NHW"),
                          pictures(M, rgb, "cam", layout="NHW"))
    assert np.array_equal(pictures(M, gray[0], "cam", layout="NHW", image_layout="HW"),
                          pictures(M, rgb[0], "cam", layout="NHW"))


# -- every hint, followed literally ---------------------------------------------------------------
#
# A hint is only as good as the call it leads to. For each row whose message suggests something
# (a layout, a name, a step, a call, an option), the test below makes the mistake, reads the
# suggestion out of the message, makes the suggested call and checks that it works.

HINTED = re.compile(r"Did you mean|e\.g\.|come before|\b(?:Add|Pass|pass|Use|use|Put|Write|Take|Fill"
                    r"|Divide|Convert|Read|Raise|Start|Point|Clean|Replace|Set|Build|Copy|scale)\b")


def each(found: list) -> list:
    """The suggestions a hint makes, at least one."""
    assert found, "the hint suggests nothing to follow"
    return found


def hint_of(message: str) -> str:
    """The part of a message after what it received: where a hint stands."""
    return message.split("; got ", 1)[-1] if "; got " in message else message


def suggested(pattern: str, message: str) -> re.Match:
    found = re.search(pattern, message)
    assert found, f"no suggestion matching {pattern!r} in {message!r}"
    return found


def meant(message: str) -> list[str]:
    """The names of a "Did you mean 'a' or 'b'?" hint."""
    names = re.findall(r"'([^']+)'", suggested(r"Did you mean (.+)\?$", message)[1])
    assert names, message
    return names


def cleaned(message: str, value: np.ndarray) -> np.ndarray:
    """``value`` cleaned as the hint's ``np.nan_to_num(x, nan=..., ...)`` says."""
    call = suggested(r"np\.nan_to_num\(\w+((?:, \w+=[-\d.]+)*)\)", message)[1]
    return np.nan_to_num(value, **{k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", call)})


def inserted(message: str, pipe: Pipeline) -> Pipeline:
    """``pipe`` with the step an "Add Step() before Other()." hint names, where it says."""
    found = suggested(r"Add (\w+\(\)) before (\w+)\(\)\.", message)
    at = [type(step).__name__ for step in pipe].index(found[2])
    return Pipeline(*pipe.steps[:at], *Pipeline.parse(found[1]).steps, *pipe.steps[at:])


def limit_admits(message: str) -> None:
    """A refused allocation: the VISHEAT_MAX_BYTES the hint suggests admits it. (Following it
    would allocate the gigabytes; ENG-08 follows it for a few bytes.)"""
    from visheat.core.limits import parse_bytes

    found = suggested(r"got shape (\([\d, ]+\)) of (\w+) -> .*VISHEAT_MAX_BYTES=(\w+)\)", message)
    shape = tuple(int(d) for d in re.findall(r"\d+", found[1]))
    assert parse_bytes(found[3]) >= np.prod(shape, dtype=object) * np.dtype(found[2]).itemsize


def runs(fn, *args, **kwargs):
    """``fn(...)`` works, without a warning on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


IMG16 = np.zeros((16, 16, 3), np.uint8)

#: row -> what following its hint means: ``follow(message, env)`` makes the suggested calls.
FOLLOW = {
    "LAY-01": lambda msg, env: [runs(heatmap, X[0], layout=lay)
                                for lay in each(re.findall(r"layout='(\w+)'", msg))],
    "LAY-07": lambda msg, env: [runs(heatmap, X[0], layout=lay)
                                for lay in each(re.findall(r"layout='(\w+)'", msg))],
    "DT-05": lambda msg, env: (suggested(r"Take np\.abs\(x\) or x\.real first\.", msg),
                               runs(heatmap, np.abs(X.astype(np.complex64))),
                               runs(heatmap, X.astype(np.complex64).real)),
    "MEM-06": lambda msg, env: runs(heatmap, np.ma.masked_array(X, mask=X > 1).filled(
        int(suggested(r"e\.g\. x\.filled\((\d+)\)", msg)[1]))),
    "IN-01": lambda msg, env: runs(heatmap, cleaned(msg, nan_x())),
    "IN-02": lambda msg, env: runs(heatmap, cleaned(msg, inf_x())),
    "IN-12": lambda msg, env: (suggested(r"e\.g\. x / np\.abs\(x\)\.max\(\)\.$", msg),
                               runs(heatmap, np.full((1, 3, 4, 4), 1e308)
                                    / np.abs(np.full((1, 3, 4, 4), 1e308)).max(), "sensitivity")),
    "IN-13": lambda msg, env: runs(heatmap, np.full((1, 3, 4, 4), 3e38, np.float32)
                                   / np.abs(np.full((1, 3, 4, 4), 3e38, np.float32)).max(),
                                   "attribution"),
    "IMG-02": lambda msg, env: (suggested("Divide 0..255 images by 255 or pass them as uint8", msg),
                                runs(heatmap, M, np.full((8, 8, 3), 2.0) / 255, "cam", layout="NHW"),
                                runs(heatmap, M, np.full((8, 8, 3), 2.0).astype(np.uint8), "cam",
                                     layout="NHW")),
    "IMG-03": lambda msg, env: runs(heatmap, M, cleaned(msg, np.where(np.eye(8)[..., None] > 0,
                                                                      np.inf, 0.5)),
                                    "cam", layout="NHW"),
    "IMG-04": lambda msg, env: (suggested(r"Convert with img\.astype\(np\.uint8\)", msg),
                                runs(heatmap, M, IMG.astype(np.int16).astype(np.uint8), "cam",
                                     layout="NHW")),
    "IMG-10": lambda msg, env: follow_read_files(msg, env),
    "IMG-12": lambda msg, env: runs(heatmap, M, IMG16, inserted(
        msg, ExtremaColormap() | AlphaOverlay()), layout="NHW"),
    "IMG-13": lambda msg, env: (suggested(r"Pass them as heatmap\(x, images, pipe\)\.", msg),
                                runs(heatmap, M, IMG, GradCamOverlay(), layout="NHW")),
    "IMG-14": lambda msg, env: runs(heatmap, M, IMG16, inserted(msg, Pipeline(GradCamOverlay())),
                                    layout="NHW"),
    "CM-04": lambda msg, env: [ExtremaColormap(name) for name in meant(msg)],
    "CM-06": lambda msg, env: (suggested("Divide 0..255 colours by 255", msg),
                               ExtremaColormap(np.array([[0, 0, 0], [255, 255, 255]]) / 255)),
    "TP-07": lambda msg, env: runs(heatmap, X, Pipeline.parse(suggested(
        r"Use a reduction such as (\w+\(\))", msg)[1]) | ExtremaColormap()),
    "TP-08": lambda msg, env: runs(heatmap, X, Pipeline.parse(suggested(
        r"Use a reduction such as (\w+\(\))", msg)[1]) | ExtremaColormap()),
    "TP-09": lambda msg, env: [runs(heatmap, M, IMG16, ExtremaColormap() | ResizeToImage(name),
                                    layout="NHW") for name in meant(msg)],
    "TP-20": lambda msg, env: [runs(Pad(1, mode=name), M) for name in meant(msg)],
    "TP-27": lambda msg, env: (runs(Resize(tuple(int(v) for v in suggested(
        r"For a square use \((\d+), (\d+)\)", msg).groups())), M),
        runs(Resize(float(suggested(r"for a scale factor, ([\d.]+)\.", msg)[1])), M)),
    "TP-30": lambda msg, env: [runs(Resize(0.5, name), M) for name in meant(msg)],
    "TP-31": lambda msg, env: [ResizeImageToHeatmap(name) for name in meant(msg)],
    "TP-44": lambda msg, env: (suggested(r"Pass them, or give pad=\(top, right, bottom, left\)",
                                         msg),
                               runs(heatmap, M, IMG, Unletterbox() | ExtremaColormap(),
                                    layout="NHW"),
                               runs(heatmap, M, Unletterbox(pad=(0, 0, 0, 0)) | ExtremaColormap(),
                                    layout="NHW")),
    "TP-47": lambda msg, env: (suggested("Divide 0..255 colours by 255", msg),
                               runs(DrawDetections([[[0, 0, 4, 4]]], colors=np.array([[2, 0, 0]])
                                                   / 255), RNG.random((1, 8, 8, 3)))),
    "TP-55": lambda msg, env: runs(Pipeline, NormReduction(), *Pipeline.parse(suggested(
        r"Build pipelines from transforms such as (\w+\(\))", msg)[1])),
    "TP-56": lambda msg, env: (suggested(r"Reductions come before the colormap\.$", msg),
                               runs(heatmap, X, NormReduction() | ExtremaColormap())),
    "PIPE-01": lambda msg, env: [runs(heatmap, X, name) for name in meant(msg)],
    "PIPE-02": lambda msg, env: follow_example_pipeline(msg),
    "PIPE-27": lambda msg, env: follow_example_pipeline(msg),
    "PIPE-28": lambda msg, env: follow_example_pipeline(msg),
    "PIPE-18": lambda msg, env: Pipeline.parse(suggested(r"Write (\w+\(\)) with parentheses", msg)[1]),
    "KP-03": lambda msg, env: kp.decode(cleaned(msg, np.where(np.eye(4) > 0, np.nan, 0.0)[None])),
    "KP-15": lambda msg, env: [kp.decode(M, convention=name) for name in meant(msg)],
    "SIZE-12": lambda msg, env: runs(figure, heatmap(X), panel_size=float(suggested(
        r"e\.g\. panel_size=([\d.]+)\.", msg)[1])),
    "ENG-08": lambda msg, env: with_env("VISHEAT_MAX_BYTES", suggested(
        r"VISHEAT_MAX_BYTES=(\w+)\)", msg)[1], lambda: runs(heatmap, np.zeros((1, 1, 513)),
                                                          layout="NHW"))(),
    "GAL-17": lambda msg, env: (suggested(r"Put \{index\} in the pattern\.", msg),
                                heatmap(X).save(env.tmp / "gal17", "{index}_{label}.png",
                                                labels=["cat", "cat"])),
}
for _row in ("SIZE-01", "SIZE-02", "SIZE-03", "SIZE-04", "SIZE-05", "SIZE-06", "SIZE-07",
             "SIZE-08", "SIZE-09", "SIZE-10", "SIZE-11", "SIZE-13", "SIZE-15", "SIZE-16",
             "SIZE-17"):
    FOLLOW[_row] = lambda msg, env: limit_admits(msg)

#: rows whose message suggests something that cannot be followed here, and why
NOT_FOLLOWED = {
    "FW-03": "names the frameworks' own copies (x.cpu(), jax.device_get, x.get()); the stand-in "
             "is made without them (FW-02 follows x.cpu())",
    "FW-05": "the stand-in's data cannot leave it: converting it is the user's own code",
    "CM-12": "the hint speaks of a finite x whose steps overflowed (IN-12 follows it); this x "
             "is NaN itself",
}

# -- token and scheduler hints, followed literally ------------------------------------------
_TOKEN_GRID = r"tokens=(TokenGrid\((?:[^()]|\([^()]*\))*\))"


def follow_tokens(msg: str, x, *images, layout: str = "NLC") -> None:
    """Run the ``tokens=TokenGrid(...)`` (and ``layout='...'``) the message suggests."""
    spec = suggested(_TOKEN_GRID, msg)[1]
    found = re.search(r"layout='(\w+)'", hint_of(msg))
    runs(heatmap, x, *images, layout=found[1] if found else layout,
         tokens=TokenGrid.parse(spec))


FOLLOW.update({
    "TOK-01": lambda msg, env: follow_tokens(msg, TOKENS),
    "TOK-03": lambda msg, env: follow_tokens(msg, TOKENS, np.zeros((384, 512, 3), np.uint8)),
    "TOK-07": lambda msg, env: [  # one heatmap() call per aspect ratio, as the hint says
        (suggested(r"one heatmap\(\) call per aspect ratio", msg),
         runs(heatmap, x[None], image, layout="NLC", tokens=TokenGrid()))
        for x, image in zip(RNG.normal(size=(2, 768, 4)),
                            [np.zeros((384, 512, 3), np.uint8), np.zeros((512, 384, 3), np.uint8)])],
    "TOK-10": lambda msg, env: follow_tokens(msg, TOKENS),
    "TOK-11": lambda msg, env: (suggested(r"or leave tokens out", msg), runs(heatmap, X)),
    "TOK-12": lambda msg, env: (  # "e.g. 'NLC' or 'NCHW'": each, with what it reads
        (found := suggested(r"e\.g\. '(\w+)' or '(\w+)'", msg)),
        runs(heatmap, TOKENS, layout=found[1], tokens=TokenGrid(prefix=1)),
        runs(heatmap, X, layout=found[2])),
    "TOK-13": lambda msg, env: follow_tokens(msg, np.zeros((4, 197, 768), np.float32)),
    "TOK-14": lambda msg, env: follow_tokens(msg, np.zeros((4, 196), np.float32)),
    "LAY-04": lambda msg, env: [runs(heatmap, TOKENS, layout=lay, tokens=TokenGrid(prefix=1))
                                for lay in each(re.findall(r"'(\w*L\w*)'", hint_of(msg)))],
    "LAY-05": lambda msg, env: [runs(heatmap, TOKENS, layout=lay, tokens=TokenGrid(prefix=1))
                                for lay in each(re.findall(r"'(\w*L\w*)'", hint_of(msg)))],
    "DASK-06": lambda msg, env: __import__("visheat.dask").dask.check_scheduler(
        suggested(r"'(tcp://[^']+)'", msg)[1]),
})
NOT_FOLLOWED.update({
    "TOK-04": "says what the prefix tokens are; the right prefix is the model's (TOK-01 and "
              "TOK-10 follow TokenGrid(prefix=1))",
    "TOK-05": "explains merged grids; the grid to give is the model's image_grid_thw "
              "(TokenGrid.from_grid_thw, tested in tests/core/test_tokens.py)",
    "TOK-06": "as TOK-05",
    "DASK-04": "tls:// needs the cluster's certificates; passing a Client of one's own is "
               "tested with a real LocalCluster (DASK-03)",
})



def follow_read_files(message: str, env) -> None:
    suggested(r"Read files first, e\.g\. np\.asarray\(PIL\.Image\.open\(path\)\)\.", message)
    path = env.tmp / "cat.png"
    Image.fromarray(IMG).save(path)
    runs(heatmap, M, np.asarray(Image.open(path)), "cam", layout="NHW")


def follow_example_pipeline(message: str) -> None:
    runs(heatmap, X, Pipeline.parse(suggested(r", e\.g\. (.+)\.$", message)[1]))


def message_of(row_id: str) -> str:
    fn, arrays = ERRORS[row_id]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)) as info:
            fn(*arrays)
    return str(info.value)


@pytest.mark.parametrize("row_id", sorted(FOLLOW))
def test_following_a_hint_literally_works(row_id, tmp_path):
    env = type("Env", (), {"tmp": tmp_path})
    FOLLOW[row_id](message_of(row_id), env)


def test_every_error_row_with_a_hint_has_its_hint_followed():
    hinted = {row_id for row_id in ERRORS if HINTED.search(hint_of(message_of(row_id)))}
    assert hinted - set(NOT_FOLLOWED) == set(FOLLOW), {
        "hints nobody follows": sorted(hinted - set(FOLLOW) - set(NOT_FOLLOWED)),
        "followed but no hint": sorted(set(FOLLOW) - hinted)}


def warning_of(fn, *args, **kwargs) -> str:
    with pytest.warns(UserWarning) as caught:
        fn(*args, **kwargs)
    return str(caught[0].message)


def cli_error(env, argv: list[str], out: str | None = "out") -> str:
    """The one error line of ``visheat argv`` (exit code 2)."""
    argv = [a.replace("{files}", str(env.files)).replace("{tmp}", str(env.tmp)) for a in argv]
    code = main(argv + (["--out", str(env.tmp / out)] if out else []))
    err = env.capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    return err.strip()


def cli_works(env, argv: list[str], out: str | None = "out") -> None:
    argv = [a.replace("{files}", str(env.files)).replace("{tmp}", str(env.tmp)) for a in argv]
    code = main(argv + (["--out", str(env.tmp / out)] if out else []) + ["--quiet"])
    err = env.capsys.readouterr().err
    assert code == 0, err


def existing_clash(env, argv: list[str]) -> str:
    """A run into a folder where one file holds something else: the refusal."""
    cli_works(env, argv)
    next((env.tmp / "out").rglob("*.png")).write_bytes(b"a picture of the user's")
    return cli_error(env, argv + ["--quiet"])


def follow_existing(message: str, env, argv: list[str], out: str | None = "out") -> None:
    choices = re.findall(r"(--existing \w+|--overwrite)", hint_of(message))
    assert choices, message
    for choice in choices:
        cli_works(env, argv + choice.split(), out)


def zarr_group(env) -> Path:
    zarr = pytest.importorskip("zarr")
    store = env.tmp / "runs.zarr"
    zarr.open_group(str(store), mode="w")
    for name, data in (("ig", X), ("cams", M)):
        zarr.open_array(str(store / name), mode="w", shape=data.shape, dtype=data.dtype)[:] = data
    return store


def cam_files(env) -> Path:
    np.savez(env.tmp / "cams.npz", **{"0": M[0], "1": M[1]})
    return env.tmp / "cams.npz"


NHWC = np.random.default_rng(11).normal(size=(2, 32, 24, 3))


def nhwc_on_the_command_line(env) -> str:
    np.save(env.tmp / "nhwc.npy", NHWC)
    assert main(["render", str(env.tmp / "nhwc.npy"), "--out", str(env.tmp / "o")]) == 0
    return env.capsys.readouterr().err.strip()


def existing_gallery(env) -> str:
    write_gallery(env.tmp, heatmap(X))
    with pytest.raises(ValueError) as info:
        write_gallery(env.tmp, heatmap(X[::-1]))
    return str(info.value)


def existing_pictures(env) -> str:
    heatmap(X, "attribution").save(env.tmp)
    with pytest.raises(ValueError) as info:
        heatmap(-X, "attribution").save(env.tmp)
    return str(info.value)


def follow_npz_limit(message: str, env) -> None:
    suggested(r"Raise the limit \(--max-npz-bytes\)", message)
    needed = math.ceil(float(suggested(r"got ([\d.]+) KiB", message)[1]))
    cli_works(env, ["render", "{files}/big.npz", "--max-npz-bytes", f"{needed}K"])


def follow_clean_file(message: str, env) -> None:
    np.save(env.tmp / "clean.npy", cleaned(message, np.load(env.files / "nan.npy")))
    cli_works(env, ["render", "{tmp}/clean.npy"])


def follow_zarr_group(message: str, env) -> None:
    path = suggested(r"Point at one: (\S+) \(", message)[1]
    key = suggested(r"\(or (--key \S+)\)\.$", message)[1].split()
    for way in ([path], ["{tmp}/runs.zarr", *key]):
        cli_works(env, ["render", *way, "--layout", "NHW", "--overwrite"])


#: row -> (the mistake, returning its message; following the hint in that message)
FOLLOW_MORE = {
    "LAY-11": (lambda env: warning_of(heatmap, NHWC),
               lambda msg, env: runs(heatmap, NHWC,
                                     layout=suggested(r"pass layout='(\w+)'", msg)[1])),
    "LAY-11 (command line)": (
        nhwc_on_the_command_line,
        lambda msg, env: cli_works(env, ["render", "{tmp}/nhwc.npy",
                                         *suggested(r"pass (--layout \w+)\.", msg)[1].split()])),
    "FW-02": (lambda env: warning_of(heatmap, Tensor(X, device=(2, 0))),
              lambda msg, env: (suggested(r"pass x\.cpu\(\)", msg),
                                runs(heatmap, Tensor(X, device=(2, 0)).cpu()))),
    "GAL-04": (existing_gallery,
               lambda msg, env: [write_gallery(env.tmp, heatmap(X[::-1]), existing=choice)
                                 for choice in each(re.findall(r"existing='(\w+)'",
                                                               hint_of(msg)))]),
    "GAL-13": (existing_pictures,
               lambda msg, env: [heatmap(-X, "attribution").save(env.tmp, existing=choice)
                                 for choice in each(re.findall(r"existing='(\w+)'",
                                                               hint_of(msg)))]),
    "CLI-05": (lambda env: cli_error(env, CLI["CLI-05"]), follow_npz_limit),
    "CLI-09": (lambda env: cli_error(env, CLI["CLI-09"]),
               lambda msg, env: [cli_works(env, ["render", "{files}/x.npy", "--pipe", name,
                                                 "--overwrite"]) for name in meant(msg)]),
    "CLI-11": (lambda env: cli_error(env, CLI["CLI-11"]),
               lambda msg, env: [cli_works(env, ["render", "{files}/maps.npy", "--layout", layout,
                                                 "--overwrite"])
                                 for layout in each([found for found in suggested(
                                     r"e\.g\. (\w+) for attributions, (\w+) for CAMs\.$",
                                     msg).groups() if len(found) == M.ndim])]),
    "CLI-29": (lambda env: cli_error(env, CLI["CLI-29"]), follow_clean_file),
    "CLI-16": (lambda env: existing_clash(env, ["render", "{files}/x.npy"]),
               lambda msg, env: follow_existing(msg, env, ["render", "{files}/x.npy"])),
    "CLI-24": (lambda env: ((env.tmp / "s.png").write_bytes(b"keep me"),
                            cli_error(env, ["colormaps", "--swatches", "{tmp}/s.png"], None))[1],
               lambda msg, env: follow_existing(msg, env, ["colormaps", "--swatches",
                                                           "{tmp}/s.png"], None)),
    "CLI-25": (lambda env: existing_clash(env, ["demo"]),
               lambda msg, env: follow_existing(msg, env, ["demo"])),
    "CLI-30": (lambda env: cli_error(env, ["cam", "{files}/images", "--cams", str(cam_files(env)),
                                           "--pipe", "gradcan"]),
               lambda msg, env: [cli_works(env, ["cam", "{files}/images", "--cams",
                                                 "{tmp}/cams.npz", "--pipe", name,
                                                 "--overwrite"]) for name in meant(msg)]),
    "CLI-31": (lambda env: cli_error(env, CLI["CLI-31"]),
               lambda msg, env: (suggested(r"Put \{index\} in the pattern\.", msg),
                                 cli_works(env, ["render", "{files}/x.npy", "--pattern",
                                                 "{index}same.png"]))),
    "CLI-48": (lambda env: cli_error(env, ["render", str(zarr_group(env))]), follow_zarr_group),
}


@pytest.mark.parametrize("row_id", sorted(FOLLOW_MORE))
def test_following_a_hint_of_a_warning_a_writer_or_the_command_line_works(
        row_id, files, tmp_path, capsys):
    env = type("Env", (), {"tmp": tmp_path, "files": files, "capsys": capsys})
    mistake, follow = FOLLOW_MORE[row_id]
    message = mistake(env)
    assert HINTED.search(hint_of(message)), message
    follow(message, env)


def test_every_command_line_row_with_a_hint_has_its_hint_followed(files, tmp_path, capsys):
    env = type("Env", (), {"tmp": tmp_path, "files": files, "capsys": capsys})
    hinted = set()
    for row_id, argv in CLI.items():
        if row_id == "CLI-48":
            continue  # its store is made by its own test
        if HINTED.search(hint_of(cli_error(env, argv, None if argv[0] == "colormaps" else
                                           f"o-{row_id}"))):
            hinted.add(row_id)
    assert hinted <= set(FOLLOW_MORE), sorted(hinted - set(FOLLOW_MORE))


CLI["CLI-48"] = ["render", "{tmp}/runs.zarr"]  # counted with the rows; its store is made here


def test_a_zarr_group_on_the_command_line_names_its_arrays(files, tmp_path, capsys):
    env = type("Env", (), {"tmp": tmp_path, "files": files, "capsys": capsys})
    zarr_group(env)
    err = cli_error(env, CLI["CLI-48"])
    assert message_pattern(documented("CLI-48", EXIT)["message"]).match(err), err


def installed_names(line: str) -> list[str]:
    """What each ``pip install`` on a line installs: its arguments that are not options.

    >>> installed_names('pip install . && visheat demo; pip install -e ".[test]"')
    ['.', '.[test]']
    """
    found = []
    for command in re.findall(r"pip install ([^`&;|#\n]*)", line):
        found += [word.strip("\"'") for word in command.split() if not word.startswith("-")]
    return found


@row("DEP-02")
def test_no_install_line_names_the_unpublished_package():
    pages = [ROOT / "README.md", ROOT / "pyproject.toml", *sorted((ROOT / "docs").rglob("*.md")),
             *sorted((ROOT / "docs").rglob("*.rst"))]
    pages = [p for p in pages if "_build" not in p.parts]
    wrong = [f"{page.relative_to(ROOT)}: {line.strip()}" for page in pages
             for line in page.read_text(encoding="utf-8").splitlines()
             if any(re.match(r"visheat\b", name) for name in installed_names(line))]
    assert not wrong, wrong
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install ." in readme and 'pip install ".[dask]"' in readme
    assert installed_names('pip install "visheat[dask]" x') == ["visheat[dask]", "x"]


def extra_floors(extra: str) -> dict[str, str]:
    """``name -> version`` of every ``name>=version`` in pyproject's optional ``extra``."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(rf"^{extra} = \[(.*?)^\]", text, re.MULTILINE | re.DOTALL)
    assert block, extra
    return {name.lower(): version for name, version in
            re.findall(r'"([A-Za-z0-9_.-]+)(?:\[\w+\])?>=([0-9][^",;]*)"', block[1])}


@row("DEP-03")
def test_the_dask_extras_floors_are_pinned_and_the_test_extra_holds_them():
    dask = extra_floors("dask")
    assert set(dask) == {"dask", "distributed", "zarr", "h5py", "xarray"}
    test = extra_floors("test")
    assert {name: test[name] for name in dask} == dask  # the one test command installs them
    assert "ipython" in test  # figures shown through IPython's display run, never skip
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / ".ci" / "floors.txt").read_text(
        encoding="utf-8"), re.MULTILINE))
    for name, version in dask.items():  # 2026.8 is pinned as 2026.8 or 2026.8.0
        pinned = pins[name].split(".")
        assert pinned[:len(version.split("."))] == version.split("."), name
        assert set(pinned[len(version.split(".")):]) <= {"0"}, name


# -- volumes and clips (issue 23) ---------------------------------------------------------
import visheat  # noqa: E402  (this section is appended to the catalogue)

VOLUME = np.zeros((2, 4, 5, 6))
VOLUME_ERRORS = {
    "VOL-01": case(lambda: heatmap(np.zeros((2, 3, 4, 5, 6)), [np.zeros((4, 5, 6), np.uint8),
                                                              np.zeros((3, 5, 6), np.uint8)],
                                   "cam", layout="NCDHW")),
    "VOL-02": case(lambda m: heatmap(m, ExtremaColormap() | visheat.Slices("D", 0),
                                     layout="NHW"), M),
    "VOL-03": case(lambda: visheat.Slices("H", spacing=(0, 1, 1))),
    "VOL-04": case(lambda v: visheat.window(v, 40, 0), VOLUME),
    "VOL-05": case(lambda: heatmap(np.zeros((2, 3, 4, 5, 6)), layout="NDTHW")),
    "VOL-06": case(lambda v, ct: heatmap(v, ct, "cam", layout="NDHW"), VOLUME, VOLUME + 40.0),
    "VOL-07": case(lambda v: heatmap(v, visheat.PermuteDims((0, 2, 1)) | ExtremaColormap(),
                                     layout="NDHW"), VOLUME),
    "VOL-08": case(lambda v: heatmap(v, ExtremaColormap() | visheat.Slices("D", 4),
                                     layout="NDHW"), VOLUME),
    "VOL-11": case(lambda: visheat.PercentileClip(0.01, 0.99, scope="frame")),
    "VOL-12": case(lambda v: visheat.figure(heatmap(v, ExtremaColormap(), layout="NDHW"),
                                            every=2, frames=[0]), VOLUME),
    "VOL-13": case(lambda v: visheat.figure(heatmap(v, ExtremaColormap(), layout="NDHW"),
                                            frames=[4]), VOLUME),
    "VOL-14": case(lambda m: visheat.figure(heatmap(m, ExtremaColormap(), layout="NHW"),
                                            every=2), M),
    "VOL-15": case(lambda v: heatmap(v, ExtremaColormap(scope="slice"), layout="NDHW")
                   .colorbar_info(0), VOLUME + np.arange(4.0)[:, None, None]),
    "VOL-16": case(lambda v: heatmap(v, ExtremaColormap(), layout="NDHW").plot(1), VOLUME),
    "VOL-17": case(lambda v: visheat.write_gallery(UNUSED, heatmap(v, ExtremaColormap(),
                                                                   layout="NDHW")), VOLUME),
}
ERRORS.update(VOLUME_ERRORS)

#: the volume rows' hints, followed literally (run by the test below)
VOLUME_FOLLOW = {
    "VOL-02": lambda msg: (suggested(r"leave the view out for images", msg),
                           runs(heatmap, M, ExtremaColormap(), layout="NHW")),
    "VOL-05": lambda msg: [runs(heatmap, np.zeros((2, 3, 4, 5, 6)), layout=lay)
                           for lay in suggested(r"e\.g\. '(\w+)' or '(\w+)'", msg).groups()],
    "VOL-06": lambda msg: runs(heatmap, VOLUME, visheat.window(
        VOLUME + 40.0, suggested(r"visheat\.window\(ct, '(\w+)'\)", msg)[1]), "cam",
        layout="NDHW"),
    "VOL-07": lambda msg: runs(heatmap, VOLUME, visheat.MaxProjection(
        suggested(r"MaxProjection\('(\w)'\)", msg)[1]) | ExtremaColormap(), layout="NDHW"),
    "VOL-15": lambda msg: runs(heatmap(VOLUME + np.arange(4.0)[:, None, None], ExtremaColormap(
        scope="slice"), layout="NDHW").colorbar_info, 0, frame=int(suggested(
            r"Pass frame=(k)", msg)[1].replace("k", "2"))),
    "VOL-16": lambda msg: runs(visheat.figure, heatmap(VOLUME, ExtremaColormap(),
                                                       layout="NDHW")[slice(*map(int, suggested(
        r"Use visheat\.figure\(h\[(\d+):(\d+)\]\)", msg).groups()))]),
    "VOL-17": lambda msg: runs(heatmap, VOLUME, ExtremaColormap() | visheat.Pipeline.parse(
        suggested(r"\.\.\. \| (Montage\('D'\))", msg)[1]), layout="NDHW"),
}
FOLLOW.update({row: (lambda msg, env, row=row: VOLUME_FOLLOW[row](msg)) for row in VOLUME_FOLLOW})


@pytest.mark.parametrize("row", sorted(VOLUME_FOLLOW))
def test_following_a_volume_hint_literally_works(row):
    VOLUME_FOLLOW[row](message_of(row))


@pytest.mark.parametrize("row", sorted(VOLUME_ERRORS))
def test_volume_rows_raise_what_the_catalogue_says(row):
    test_error_rows_raise_what_the_catalogue_says(row)


@row("VOL-09")
def test_smoothing_a_volume_keeps_each_slice_to_itself():
    v = np.zeros((1, 3, 9, 9))
    v[0, 1, 0, 4] = 1.0  # at the edge of its slice: a folded blur would leak
    pipe = visheat.GaussianSmooth(1.0) | ExtremaColormap("gray", vmin=0, vmax=1)
    got = pictures(v, None, pipe, layout="NDHW")
    middle = pictures(v[:, 1], None, pipe, layout="NHW")
    assert np.array_equal(got[:, 1], middle)
    assert (got[:, [0, 2]] == 0).all()


@row("VOL-10")
def test_an_rgb_picture_beside_volumes_warns_and_renders_as_asked():
    message = documented("VOL-10", re.compile(r".*`UserWarning`: `(?P<message>.+?)`"))["message"]
    image = RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    cams = RNG.random((1, 1, 4, 5, 6))
    with pytest.warns(UserWarning) as caught:
        out = heatmap(cams, readonly(image), "cam", layout="NCDHW").to_numpy()
    assert [str(w.message) for w in caught] == [message]
    assert out.shape == (1, 64, 64, 3, 3)


# -- the third probe (issue 25): writers in threads, Ctrl-C ------------------------------------

import threading  # noqa: E402 - the tests above this section do not use it


@row("CLI-36")
def test_a_thread_overwriting_a_folder_loses_no_file_another_thread_writes(tmp_path):
    h = heatmap(readonly(X))
    errors: list[BaseException] = []
    done = threading.Event()

    def write_galleries() -> None:  # pages and pictures, while the folder is overwritten
        count = 0
        while count < 30 or not done.is_set():
            try:
                write_gallery(tmp_path, h, existing="overwrite")
            except BaseException as err:  # noqa: BLE001 - reported by the assertion below
                errors.append(err)
                return
            count += 1

    writer = threading.Thread(target=write_galleries)
    writer.start()
    try:
        for _ in range(300):
            save_heatmaps(readonly(X), directory=tmp_path, existing="overwrite", threads=2)
    finally:
        done.set()
        writer.join()
    assert errors == []
    for picture in tmp_path.rglob("*.png"):
        with Image.open(picture) as image:
            image.load()  # complete
    assert "</html>" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert not list(tmp_path.rglob("*.tmp"))


# A child that runs `visheat render` again and again; the parent ends each run with SIGINT,
# at a moment that moves through the run. The pool's thread starts first: CPython's
# ThreadPoolExecutor, interrupted while it starts a thread, forgets it and the interpreter
# then waits for that thread forever at exit.
INTERRUPTED_RENDERS = """
import sys, time
from visheat.cli import main
from visheat.engine import map_threads
inputs, root, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
map_threads(abs, [1, 2], 2)
for k in range(runs):
    try:
        print("start", k, flush=True)
        code = main(["render", inputs, "--out", f"{root}/{k}", "--batch-size", "25", "--quiet"])
        print("code", code, flush=True)
        while code == 0:  # done before the signal: wait for it (short sleeps, as a signal
            time.sleep(0.01)  # that reaches another thread does not wake a long one)
    except KeyboardInterrupt:
        pass
    print("end", k, flush=True)
"""


@row("CLI-37")
def test_ctrl_c_during_render_leaves_only_complete_files(tmp_path):
    inputs = tmp_path / "maps.npy"
    np.save(inputs, RNG.normal(size=(200, 3, 8, 8)).astype(np.float32))
    runs, codes = 30, []
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED_RENDERS, str(inputs),
                              str(tmp_path / "out"), str(runs)],
                             env=dict(environment(), VISHEAT_NUMBA="0"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(600, child.kill)  # a hung child fails the test, not the suite
    watchdog.start()
    try:
        for k in range(runs):
            assert child.stdout.readline().split() == ["start", str(k)]
            folder, wanted = tmp_path / "out" / str(k), (k * 13) % 200
            while child.poll() is None and (
                    len(os.listdir(folder)) if folder.is_dir() else 0) < wanted:
                time.sleep(0.001)
            child.send_signal(signal.SIGINT)
            line = child.stdout.readline().split()
            if line[:1] == ["code"]:
                codes.append(int(line[1]))
                line = child.stdout.readline().split()
            assert line == ["end", str(k)]
        _, err = child.communicate()
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0 and codes.count(130) >= runs // 2, (codes, err)
    assert err.count("interrupted; finished files are complete") == codes.count(130)
    assert not list((tmp_path / "out").rglob("*.tmp"))
    for picture in (tmp_path / "out").rglob("*.png"):
        with Image.open(picture) as image:
            image.load()  # every file with its final name is complete


@row("CLI-38")
def test_writes_are_not_flushed_to_the_disk_as_documented(tmp_path, monkeypatch):
    from visheat.io.files import write_atomic

    flushed = []
    for name in ("fsync", "fdatasync", "sync"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, lambda *args, name=name: flushed.append(name))
    save_heatmaps(readonly(X), directory=tmp_path, threads=2)
    write_gallery(tmp_path / "g", heatmap(X))
    assert flushed == [] and len(list(tmp_path.rglob("*.png"))) > 2
    promise = " ".join((write_atomic.__doc__ or "").split())
    assert "What is not promised: durability. Nothing is flushed to the disk (no ``fsync``)" \
        in promise


# -- forged headers: one line naming the file ----------------------------------------------------

def npy_bytes(header: str, data: bytes) -> bytes:
    """A ``.npy`` file (format 1.0) whose header dictionary is ``header``, verbatim."""
    body = header.encode("latin1")
    body += b" " * (-(len(body) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + data


def forged_header(shape: str, descr: str = "<f8") -> str:
    return f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"


#: row -> (file name, header, data, other headers answered the same way)
FORGED_HEADERS = {
    "CLI-39": ("negative.npy", forged_header("(-1, 3)"), b"\0" * 64, [forged_header("(-2, -4)")]),
    "CLI-40": ("bool.npy", forged_header("(True, 3)"), b"\0" * 64, []),
    "CLI-41": ("axes.npy", forged_header("(" + "1, " * 100 + ")"), b"\0" * 8, []),
    "CLI-42": ("overflow.npy", forged_header("(0, 1180591620717411303424)"), b"",
               [forged_header("(0, 9223372036854775807)")]),
    "CLI-44": ("text.npy", forged_header("(2,)", "<U0"), b"",
               [forged_header("(2,)", "|V0"), forged_header("(2,)", "<M8[s]"),
                forged_header("(2,)", "<x9")]),
}
# Command-line rows whose tests below write their own forged files (the catalogue's
# test_cli_rows_exit_2_with_the_catalogued_line reads the shared `files`).
FORGED_CLI = {row_id: ["render", f"{{tmp}}/{name}"]
              for row_id, (name, *_) in FORGED_HEADERS.items()}
FORGED_CLI.update({"CLI-43": ["render", "{tmp}/short.npz"],
                   "CLI-45": ["cam", "{tmp}/images", "--cams", "{tmp}/cams.npz"]})
CLI.update(FORGED_CLI)


def exits_2_with_one_line(argv: list[str], capsys) -> str:
    code = main(argv + ["--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("row_id", sorted(FORGED_HEADERS))
def test_a_forged_npy_header_is_one_line_naming_the_file(row_id, tmp_path, capsys):
    expected = documented(row_id, EXIT)["message"]
    name, text, data, others = FORGED_HEADERS[row_id]
    path = tmp_path / name
    path.write_bytes(npy_bytes(text, data))
    with pytest.raises(ValueError) as info:  # the Python API
        from visheat.io.arrays import load_array

        load_array(path)
    assert message_pattern(expected.removeprefix("visheat render: error: ")).match(
        str(info.value)), str(info.value)
    err = exits_2_with_one_line(["render", str(path), "--out", str(tmp_path / "o")], capsys)
    assert message_pattern(expected).match(err), err
    (tmp_path / "images").mkdir()
    Image.fromarray(IMG).save(tmp_path / "images" / "a.png")
    for i, other in enumerate([text, *others]):
        (tmp_path / "cams").mkdir(exist_ok=True)
        forged = tmp_path / "cams" / "a.npy"
        forged.write_bytes(npy_bytes(other, data))
        for argv in (["render", str(forged)], ["explore", str(forged)],
                     ["cam", str(tmp_path / "images"), "--cams", str(tmp_path / "cams")]):
            out = str(tmp_path / f"{argv[0]}{i}.html")
            assert f"{forged}: expected " in exits_2_with_one_line(argv + ["--out", out], capsys)


def test_a_npz_member_cut_short_is_one_line_naming_it(tmp_path, capsys):
    archive = tmp_path / "short.npz"
    with zipfile.ZipFile(archive, "w") as zipped:  # ten float64 claimed, 40 bytes held
        zipped.writestr("x.npy", npy_bytes(forged_header("(10,)"), b"\0" * 40))
    err = exits_2_with_one_line(["render", str(archive), "--out", str(tmp_path / "o")], capsys)
    assert message_pattern(documented("CLI-43", EXIT)["message"]).match(err), err


def test_a_forged_image_header_in_cam_is_one_line_naming_the_file(tmp_path, capsys):
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "bomb.png").write_bytes(  # a header claiming 20000 x 20000 pixels
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0,
                                                          0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 31)) + chunk(b"IEND", b""))
    np.savez(tmp_path / "cams.npz", bomb=np.ones((4, 4)))
    err = exits_2_with_one_line(["cam", str(tmp_path / "images"), "--cams",
                                 str(tmp_path / "cams.npz"), "--out", str(tmp_path / "o")],
                                capsys)
    assert message_pattern(documented("CLI-45", EXIT)["message"]).match(err), err


@row("CLI-46")
def test_labels_hold_unicode_line_separators(tmp_path, capsys):
    np.save(tmp_path / "x.npy", RNG.normal(size=(3, 3, 8, 8)).astype(np.float32))
    (tmp_path / "labels.txt").write_bytes("cat\u2028dog\nbird\x1cfish\r\nowl\u0085bat\n".encode())
    code = main(["render", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "labels.txt"),
                 "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "00000_cat_dog.png", "00001_bird_fish.png", "00002_owl_bat.png"]


@row("CLI-47")
def test_file_names_that_are_not_utf8_are_shown_escaped_and_written_safely(tmp_path, capsys):
    images, cams = (os.path.join(os.fsencode(tmp_path), name) for name in (b"images", b"cams"))
    os.mkdir(images)
    os.mkdir(cams)
    for name in (b"caf\xe9", b"\xff"):
        Image.fromarray(IMG).save(os.fsdecode(os.path.join(images, name + b".png")))
        np.save(os.fsdecode(os.path.join(cams, name + b".npy")), M[0])
    np.save(tmp_path / "maps.npy", M)
    given = ["--layout", "NHW", "--images", os.fsdecode(images), "--pipe", "cam", "--quiet"]
    for extra in ([], ["--resume"]):
        code = main(["gallery", str(tmp_path / "maps.npy"), *given, "--out",
                     str(tmp_path / "g"), *extra])
        assert code == 0, capsys.readouterr().err
    page = (tmp_path / "g" / "index.html").read_text(encoding="utf-8")
    assert "caf\\xe9" in page and ">\\xff<" in page
    assert sorted(p.name for p in (tmp_path / "g" / "files").glob("*.json")) == [
        "00000_caf_xe9.json", "00001_xff.json"]
    assert main(["render", str(tmp_path / "maps.npy"), *given, "--out", str(tmp_path / "r")]) == 0
    assert sorted(os.listdir(tmp_path / "r")) == ["00000_caf_xe9.png", "00001_xff.png"]
    assert main(["cam", os.fsdecode(images), "--cams", os.fsdecode(cams), "--out",
                 str(tmp_path / "c"), "--quiet"]) == 0
    assert sorted(os.listdir(tmp_path / "c")) == ["caf_xe9_cam.png", "xff_cam.png"]
