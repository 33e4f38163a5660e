"""Fuzzing the public surface: every input gets a picture or a visheat error that names it.

Random layouts, shapes, dtypes, memory layouts, images and pipelines built from every
public transform with random (valid and invalid) parameters go through ``heatmap()``.
Whatever happens, only `ValueError` / `TypeError` may escape, their message must start
with a real argument name (possibly after ``step k of the pipeline, <step>: ``), the
caller's arrays must be unchanged, and every picture must be uint8 (or finite floats
in [0, 1]) of the size the pipeline promises. ``Pipeline.parse`` is fuzzed with
arbitrary and mutated text: it must answer fast, never import or execute anything.

Example counts follow the hypothesis profile of ``conftest.py`` ("ci" by default,
``HYPOTHESIS_PROFILE=thorough`` for a long run).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import visheat
from visheat import (
    AbsSumReduction,
    AlphaOverlay,
    AvgPool,
    BoxRenormalize,
    CamSumReduction,
    CenteredColormap,
    ChannelOrder,
    CombineMaps,
    Crop,
    CumulativeSumClip,
    DrawDetections,
    DrawKeypoints,
    DropDims,
    ExtremaColormap,
    FlipImage,
    FromUnitRange,
    GaussianSmooth,
    GradCamOverlay,
    GrayOverlay,
    HeatAlphaOverlay,
    Invert,
    Letterbox,
    LookupColormap,
    MaskImage,
    MaxAbsReduction,
    MaxPool,
    MinMaxScale,
    NormReduction,
    Pad,
    PadToAspectRatio,
    PercentileClip,
    PermuteDims,
    Pipeline,
    Resize,
    ResizeImageToHeatmap,
    ResizeToImage,
    SignSelect,
    Stage,
    SumAbsReduction,
    SumReduction,
    ToUnitRange,
    Transform,
    Unletterbox,
    Unpad,
    heatmap,
)
from visheat.cam.letterboxing import letterbox_geometry
from visheat.testing import layouts
from visheat.transforms.padding import aspect_ratio_pads
from visheat.transforms.resize import target_size

EXAMPLES = max(settings.default.max_examples, 150)  # at least 150 even in the CI profile


# -- what an error message may start with ------------------------------------------------

def _public_arguments() -> set[str]:
    """Every parameter name of visheat's public functions and transforms."""
    names: set[str] = set()
    for name in visheat.__all__:
        obj = getattr(visheat, name)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj):
            names |= {f.name for f in dataclasses.fields(obj)}
        elif callable(obj):
            try:
                names |= set(inspect.signature(obj).parameters)
            except (TypeError, ValueError):
                pass
    for fn in (visheat.keypoints.decode, visheat.keypoints.gaussian_heatmaps,
               visheat.keypoints.smooth, visheat.keypoints.find_global_peaks):
        names |= set(inspect.signature(fn).parameters)
    return names


#: Argument names that are no parameter of a public function: the array a transform is
#: called on (``x``), Pipeline.parse's ``text``, the crop ``amounts``, ``Unpad()`` and
#: the images of ``Transform.__call__``.
ARGUMENTS = _public_arguments() | {"x", "text", "amounts", "Unpad()", "image", "images", "data"}
STEP = r"step \d+ of the pipeline, .+?: "
ARGUMENT = re.compile(rf"^(?:{STEP})?(?P<name>[A-Za-z_]\w*(?:\(\))?)(?:\[[^\]]*\])*: ")
STAGES = re.compile(r"^step \d+, .+, takes .+, but step \d+, .+, gives ")  # Pipeline(...)


def assert_names_an_argument(err: BaseException) -> None:
    """A visheat error: ValueError/TypeError whose message starts with a real argument."""
    assert type(err) in (ValueError, TypeError), f"{type(err).__name__} escaped: {err!r}"
    message = str(err)
    found = ARGUMENT.match(message)
    if found is None:
        assert STAGES.match(message), f"no argument named: {message!r}"
        return
    assert found.group("name") in ARGUMENTS, f"unknown argument in {message!r}"
    assert ": expected " in message, message


def assert_warnings_name_an_argument(caught: list[warnings.WarningMessage]) -> None:
    """visheat's warnings (a picture that may not show what was meant, issue 25) are
    UserWarnings in the errors' template; any other warning still escapes."""
    for w in caught:
        assert issubclass(w.category, UserWarning), f"{w.category.__name__}: {w.message}"
        found = ARGUMENT.match(str(w.message))
        assert found and found.group("name") in ARGUMENTS, f"no argument named: {w.message}"
        assert ": expected " in str(w.message), str(w.message)


# -- inputs -------------------------------------------------------------------------------

DTYPES = [np.float32, np.float64, np.float16, np.int8, np.int64, np.uint8, np.bool_,
          np.complex64, object]
SPECIAL = [np.nan, np.inf, -np.inf, 1e300, -1e300, 3e38, 5e-324, 0.0]


@st.composite
def arrays_in_layout(draw, valid: bool = True):
    """``(x, layout)``: a random array in a random (mostly valid) layout."""
    layout = draw(layouts())
    if not valid and draw(st.booleans()):
        layout = draw(st.sampled_from(["NCHX", "NCHH", "NC", "", "nchw", "HWCNN", "W"]))
    letters = [c for c in layout.upper() if c in "NCHW"]
    sizes = {"N": draw(st.integers(0, 3)), "C": draw(st.integers(1, 3)),
             "H": draw(st.integers(1, 7)), "W": draw(st.integers(1, 7))}
    shape = [sizes.get(c, 2) for c in letters]
    if not valid and draw(st.integers(0, 5)) == 0:  # one axis too many or too few
        shape = shape[:-1] if draw(st.booleans()) else shape + [2]
    dtype = draw(st.sampled_from(DTYPES)) if not valid else draw(st.sampled_from(DTYPES[:7]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1.0, 1e-30, 1e30, 1e300]))
    values = np.asarray(rng.normal(size=shape) * scale, np.float64)
    if draw(st.integers(0, 7)) == 0 and values.size:  # a special value somewhere
        values.flat[draw(st.integers(0, values.size - 1))] = draw(st.sampled_from(SPECIAL))
    with np.errstate(all="ignore"):
        if dtype is object:
            x = values.astype(object)
        elif np.dtype(dtype).kind in "iub":
            x = np.nan_to_num(values, posinf=100, neginf=-100).clip(-100, 100).astype(dtype)
        else:
            x = values.astype(dtype)
    x = _memory_layout(draw, np.asarray(x))
    return x, layout


def _memory_layout(draw, x: np.ndarray) -> np.ndarray:
    """The same values as read-only, Fortran-ordered, negatively strided or broadcast."""
    kind = draw(st.sampled_from(["plain", "readonly", "fortran", "reversed", "broadcast",
                                 "masked"]))
    if kind == "readonly":
        x = x.copy()
        x.flags.writeable = False
    elif kind == "fortran":
        x = np.asfortranarray(x)
    elif kind == "reversed" and x.ndim:
        x = np.ascontiguousarray(x[..., ::-1])[..., ::-1]  # same values, negative stride
    elif kind == "broadcast" and x.ndim and x.shape[0]:
        x = np.broadcast_to(x[:1], x.shape) if x.shape[0] == 1 else x
    elif kind == "masked":  # masked values are refused like NaN; no mask reads as the data
        x = np.ma.masked_array(x, mask=np.zeros(x.shape, bool) if draw(st.booleans())
                               else np.arange(x.size).reshape(x.shape) % 7 == 0)
    return x


@st.composite
def image_sets(draw, n: int, valid: bool = False):
    """Images for ``n`` samples, in any accepted form, sometimes wrong (unless ``valid``)."""
    kinds = ["none", "one", "batch", "list", "gray", "float"] + ([] if valid else ["bad"])
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    if kind == "none":
        return None
    if kind == "one":
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == "batch":
        return rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    if kind == "list":
        return [rng.integers(0, 256, (draw(st.integers(1, 9)), draw(st.integers(1, 9)), 3),
                             dtype=np.uint8) for _ in range(n)]
    if kind == "gray":
        return rng.integers(0, 256, (h, w), dtype=np.uint8)
    if kind == "float":
        return rng.random((h, w, 3))
    return draw(st.sampled_from([
        np.zeros((h, w, 2), np.uint8), np.full((h, w, 3), 2.0), np.zeros((h, w, 3), np.int16),
        np.full((h, w, 3), np.nan), np.zeros((n + 1, h, w, 3), np.uint8), "image.png",
        np.zeros((0, w, 3), np.uint8), [None] * max(n, 1), np.zeros((h, w, 3), bool)]))


# -- transforms with random parameters ------------------------------------------------------

def floats(lo: float, hi: float, special: bool = True):
    base = st.floats(lo, hi, allow_nan=False)
    if not special:
        return base
    return st.one_of(base, base, base, st.sampled_from([np.nan, np.inf, -1.0, 1e300, "a", None,
                                                         True]))


def small_ints(lo: int, hi: int):
    return st.one_of(st.integers(lo, hi), st.integers(lo, hi), st.integers(lo, hi),
                     st.sampled_from([-1, 10**9, 2**70, 1.5, "2", None, True]))


NAMES = st.sampled_from(["batlow", "berlin", "jet", "gray", "twilight", "tab10", "bwr_r",
                         "viridsi", 3, [[0, 0, 0], [1, 1, 1]], [[0, 0, 0]], [[0, 0, 2]]])
METHODS = st.sampled_from(["lanczos1", "bilinear", "nearest", "lanczos3", "cubic", "area",
                           "nearest-opencv", "lanczos"])
PAD_MODES = st.sampled_from(list(visheat.transforms.padding.PAD_MODES) + ["symetric", 3])
SIZES = st.one_of(st.floats(0.1, 3.0), st.tuples(st.integers(1, 12), st.integers(1, 12)),
                  st.sampled_from([(10**5, 10**5), 1e9, 0.0, 2, (0, 3), "big"]))
VIEW_AXES = st.sampled_from(["D", "H", "W", "w", "X", 2])
SPACINGS = st.sampled_from([None, (1, 1, 1), (3, 1, 1), (0.5, 2.0, 1.0), (0, 1, 1), (1, 1)])
FLAGS = st.one_of(st.booleans(), st.booleans(), st.sampled_from(["yes", 1, None]))
BOXES = st.lists(st.lists(st.tuples(*[st.floats(-4, 16)] * 4).map(
    lambda b: (min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3]))),
    max_size=3), min_size=0, max_size=4)

#: transform -> strategy of its keyword arguments (valid ones mostly, invalid ones too).
PARAMETERS = {
    NormReduction: st.just({}), SumReduction: st.just({}), MaxAbsReduction: st.just({}),
    SumAbsReduction: st.just({}), AbsSumReduction: st.just({}), CamSumReduction: st.just({}),
    FlipImage: st.just({}),
    Unpad: st.just({}),
    PercentileClip: st.fixed_dictionaries({"lower": floats(0, 0.4), "upper": floats(0.6, 1)}),
    ExtremaColormap: st.fixed_dictionaries({"name": NAMES}, optional={
        "vmin": st.one_of(st.none(), floats(-2, 0)), "vmax": st.one_of(st.none(), floats(0, 2)),
        "scope": st.sampled_from(["sample", "batch", "all"])}),
    CenteredColormap: st.fixed_dictionaries({"name": NAMES}, optional={
        "vmax": st.one_of(st.none(), floats(-1, 3)), "scope": st.sampled_from(["sample", "batch"])}),
    PermuteDims: st.fixed_dictionaries({"dims": st.one_of(
        st.permutations([0, 1]).map(tuple), st.permutations([0, 1, 2]).map(tuple),
        st.sampled_from([(0, 0), 5, "ab", (1.0, 0)]))}),
    DropDims: st.fixed_dictionaries({"dims": st.sampled_from([(0,), 0, (1,), "0"])}),
    ResizeToImage: st.fixed_dictionaries({"method": METHODS}),
    AlphaOverlay: st.fixed_dictionaries({"alpha": st.one_of(
        floats(0, 1), st.sampled_from([np.full((3, 3), 0.5), np.full((2, 2, 2), 2.0), [1, 2]]))}),
    ToUnitRange: st.fixed_dictionaries({"min_value": floats(-5, 0), "max_value": floats(0, 5)},
                                       optional={"clip": FLAGS}),
    FromUnitRange: st.fixed_dictionaries({"min_value": floats(-5, 0), "max_value": floats(0, 5)}),
    Invert: st.fixed_dictionaries({"min_value": floats(-5, 0), "max_value": floats(0, 5)}),
    MinMaxScale: st.fixed_dictionaries({}, optional={"eps": st.one_of(
        st.sampled_from([0.0, 1e-7]), floats(0, 1)), "relu": FLAGS}),
    Pad: st.fixed_dictionaries({"top": small_ints(0, 4), "right": small_ints(0, 4)},
                               optional={"bottom": small_ints(0, 4), "left": small_ints(0, 4),
                                         "mode": PAD_MODES, "cval": floats(-3, 3)}),
    PadToAspectRatio: st.fixed_dictionaries({"ratio": st.one_of(
        st.floats(0.2, 5.0), st.sampled_from([0.0, -1.0, 1e-320, 1e308, np.nan]))},
        optional={"mode": PAD_MODES}),
    Crop: st.fixed_dictionaries({"top": small_ints(0, 3), "left": small_ints(0, 3)}),
    AvgPool: st.fixed_dictionaries({"block": st.one_of(small_ints(1, 9), st.tuples(
        st.integers(1, 5), st.integers(1, 5)), st.just((1, 2, 3)))}, optional={"mode": PAD_MODES}),
    MaxPool: st.fixed_dictionaries({"block": small_ints(1, 9)}, optional={"cval": floats(0, 1)}),
    Resize: st.fixed_dictionaries({"size": SIZES}, optional={"method": METHODS}),
    ResizeImageToHeatmap: st.fixed_dictionaries({"method": METHODS}),
    GaussianSmooth: st.fixed_dictionaries({"sigma": st.one_of(
        floats(0, 3), st.sampled_from([50.0, 1e4, 1e9]))}, optional={"truncate": floats(0.5, 4)}),
    CombineMaps: st.fixed_dictionaries({"how": st.sampled_from(["mean", "max", "median"])},
                                       optional={"relu": FLAGS}),
    BoxRenormalize: st.fixed_dictionaries({"boxes": BOXES}, optional={
        "overlap": st.sampled_from(["max", "last", "min"]),
        "scale": st.sampled_from(["box", "rows", "row"])}),
    Letterbox: st.fixed_dictionaries({"new_shape": st.one_of(
        st.integers(1, 16), st.tuples(st.integers(1, 16), st.integers(1, 16)),
        st.sampled_from([0, 10**5, "640"]))}, optional={
        "auto": FLAGS, "stride": small_ints(1, 8), "scaleup": st.booleans(),
        "scale_fill": st.booleans(), "center": FLAGS, "cval": floats(-1, 1),
        "method": METHODS}),
    Unletterbox: st.fixed_dictionaries({}, optional={
        "pad": st.one_of(st.none(), st.tuples(*[st.integers(0, 3)] * 4),
                         st.sampled_from([(1, 2, 3), (-1, 0, 0, 0)])),
        "new_shape": st.one_of(st.none(), st.integers(1, 16)), "center": FLAGS,
        "method": METHODS}),
    DrawDetections: st.fixed_dictionaries({"boxes": BOXES}, optional={
        "width": small_ints(1, 4), "font_size": small_ints(1, 30),
        "colors": st.sampled_from([None, [[1, 0, 0]], [[2, 0, 0]], "red"]),
        "class_names": st.sampled_from([None, ("cat", "dog"), "cat", (1, 2)])}),
    GradCamOverlay: st.fixed_dictionaries({"image_weight": floats(0, 1)}, optional={
        "colormap": st.sampled_from(["jet", "bone", "twilight_shifted", "jte", 2]),
        "channels": st.sampled_from(["rgb", "bgr", "brg"])}),
    ChannelOrder: st.fixed_dictionaries({"order": st.sampled_from(["rgb", "bgr", "BGR"])}),
    GrayOverlay: st.fixed_dictionaries({"alpha": floats(0, 1)}),
    MaskImage: st.fixed_dictionaries({}, optional={
        "background": st.sampled_from(["black", "white", "gray"])}),
    SignSelect: st.fixed_dictionaries({"sign": st.sampled_from(
        ["all", "positive", "negative", "absolute_value", "abs"])}),
    CumulativeSumClip: st.fixed_dictionaries({"percent": floats(0, 100)}),
    LookupColormap: st.fixed_dictionaries({"name": NAMES}, optional={
        "vmin": st.one_of(st.none(), floats(-2, 0), st.just([0.0, -1.0, 0.5])),
        "vmax": st.one_of(st.none(), floats(0.5, 2)), "bins": st.sampled_from([2, 256, 1, 2.5]),
        "quantize": st.sampled_from(["bins", "levels", "nearest", "round"]), "centered": st.booleans(),
        "level": st.sampled_from([1.0, 0.5, 2.0, 0.0]),
        "rounding": st.sampled_from(["nearest", "down", "truncate", "up"])}),
    HeatAlphaOverlay: st.fixed_dictionaries({"name": NAMES}, optional={
        "alpha": floats(0, 1), "vmin": st.one_of(st.none(), floats(-2, 0))}),
    DrawKeypoints: st.fixed_dictionaries({"points": st.sampled_from([
        [[1.0, 2.0]], [[1.0, 2.0], [np.nan, 0.0]], [[1e300, 4.0]], [[1, 2, 3]], [[np.inf, 1.0]],
        "points"])}, optional={"radius": st.one_of(st.none(), floats(0.5, 4), st.just(1e21)),
                              "labels": st.sampled_from([None, ["a"], "a"])}),
    # views of volumes and clips (issue 23): on the fuzzer's images they refuse, naming x
    visheat.Slices: st.fixed_dictionaries({"axis": VIEW_AXES}, optional={
        "at": st.one_of(st.none(), st.integers(-3, 3), st.just(1.5)), "spacing": SPACINGS,
        "method": st.sampled_from(["nearest", "bilinear", "cubic"])}),
    visheat.MaxProjection: st.fixed_dictionaries({"axis": VIEW_AXES}),
    visheat.OrthoViews: st.fixed_dictionaries({}, optional={
        "at": st.sampled_from([None, "peak", (0, 0, 0), (1, -1, 2), (1, 2), "centre"]),
        "crosshair": st.booleans(), "spacing": SPACINGS, "gap": small_ints(0, 3)}),
    visheat.Montage: st.fixed_dictionaries({}, optional={
        "axis": VIEW_AXES, "every": small_ints(1, 3), "cols": st.one_of(st.none(),
                                                                       small_ints(1, 3)),
        "gap": small_ints(0, 2), "labels": st.booleans()}),
}


def test_every_public_transform_has_a_parameter_strategy():
    public = [getattr(visheat, n) for n in visheat.__all__]
    transforms = {t for t in public if isinstance(t, type) and issubclass(t, Transform)
                  and t not in (Transform, Pipeline)}
    assert transforms == set(PARAMETERS), transforms ^ set(PARAMETERS)


@st.composite
def transforms(draw, cls=None, tries: int = 1):
    """A transform with random parameters, or None when its constructor refused them.

    Refusals must be visheat errors naming the argument; ``tries`` draws again that
    many times to get a valid transform more often.
    """
    cls = draw(st.sampled_from(sorted(PARAMETERS, key=lambda c: c.__name__))) if cls is None \
        else cls
    for _ in range(tries):
        kwargs = draw(PARAMETERS[cls])
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as err:
            assert_names_an_argument(err)
    return None


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_constructor_accepts_or_names_the_argument(data):
    t = data.draw(transforms())
    if t is not None:  # a valid transform prints as code that builds it again
        namespace = {name: getattr(visheat, name) for name in visheat.__all__}
        namespace["nan"], namespace["inf"] = math.nan, math.inf
        assert eval(repr(t), namespace) == t


@st.composite
def pipelines(draw, stage: Stage, valid: bool = False):
    """A random pipeline from ``stage`` to pictures (stage-consistent when ``valid``)."""
    steps: list[Transform] = []
    current = stage
    tries = 4 if valid else 1
    for _ in range(draw(st.integers(0, 4))):
        t = draw(transforms(tries=tries))
        if t is None:
            continue
        if current in t.input_stages() or (not valid and draw(st.integers(0, 9)) == 0):
            steps.append(t)
            if current in t.input_stages():
                current = t.output_stage(current)
    if current is not Stage.RGB:
        if current is Stage.VALUES:
            steps.append(draw(st.sampled_from([NormReduction(), SumReduction(), DropDims()])))
        last = draw(transforms(draw(st.sampled_from([ExtremaColormap, CenteredColormap,
                                                     HeatAlphaOverlay, GradCamOverlay])),
                               tries=tries))
        if last is not None:
            steps.append(last)
    return steps


# -- the promised size of a picture ---------------------------------------------------------

def expected_size(steps, size, image_size):
    """``(H, W)`` a pipeline promises for a sample of ``size`` with an image of ``image_size``.

    Follows each step's documented geometry; ``None`` when a step's size depends on
    more than this (Unletterbox from shapes).
    """
    h, w = size
    pads: list[tuple[int, int, int, int]] = []
    for t in steps:
        if isinstance(t, FlipImage):
            h, w = w, h
        elif isinstance(t, PermuteDims) and len(t.dims) == 2 and t.dims == (1, 0):
            h, w = w, h
        elif isinstance(t, PermuteDims) and len(t.dims) == 3:
            return None  # which axes are spatial depends on the stage
        elif isinstance(t, Pad):
            pads.append((t.top, t.right, t.bottom, t.left))
            h, w = h + t.top + t.bottom, w + t.left + t.right
        elif isinstance(t, PadToAspectRatio):
            top, right, bottom, left = aspect_ratio_pads(h, w, t.ratio)
            pads.append((top, right, bottom, left))
            h, w = h + top + bottom, w + left + right
        elif isinstance(t, Unpad) and pads:
            top, right, bottom, left = pads.pop()
            h, w = h - top - bottom, w - left - right
        elif isinstance(t, Crop):
            h, w = h - t.top - t.bottom, w - t.left - t.right
        elif isinstance(t, (AvgPool, MaxPool)):
            bh, bw = (t.block, t.block) if isinstance(t.block, int) else t.block
            h, w = -(-h // bh) if h else 1, -(-w // bw) if w else 1
        elif isinstance(t, Resize):
            h, w = target_size(t.size, h, w)
        elif isinstance(t, Letterbox):
            g = letterbox_geometry((h, w), t.new_shape, auto=t.auto, stride=t.stride,
                                   scaleup=t.scaleup, scale_fill=t.scale_fill)
            pads.append(g.pad)
            h, w = g.shape
        elif isinstance(t, (ResizeToImage, Unletterbox)) and image_size is not None:
            h, w = image_size
        elif isinstance(t, Unletterbox):
            if t.pad is None:
                return None
            h, w = h - t.pad[0] - t.pad[2], w - t.pad[1] - t.pad[3]
        elif isinstance(t, ResizeImageToHeatmap):
            image_size = (h, w)
    return h, w


def _image_size(images, i):
    if images is None:
        return None
    if isinstance(images, list):
        return np.asarray(images[i]).shape[:2]
    arr = np.asarray(images)
    return arr.shape[1:3] if arr.ndim == 4 else arr.shape[:2]


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    return value


def _is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ma.MaskedArray):
        return (_unchanged(np.ma.getdata(before), np.ma.getdata(after))
                and np.array_equal(np.ma.getmaskarray(before), np.ma.getmaskarray(after)))
    if isinstance(before, np.ndarray) and before.dtype == object:
        return before.shape == after.shape and all(
            a is b or a == b or (_is_nan(a) and _is_nan(b))
            for a, b in zip(before.flat, after.flat))
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if isinstance(before, list):
        return all(_unchanged(b, a) for b, a in zip(before, after))
    return True


def check_pictures(result, steps, x_shape, layout, images, dtype, channels):
    letters = layout.upper()
    n = x_shape[letters.index("N")] if "N" in letters else 1
    c = x_shape[letters.index("C")] if "C" in letters else 1
    count = n * c if channels == "separate" else n
    assert len(result) == count
    pictures = result.to_numpy()
    size = (x_shape[letters.index("H")], x_shape[letters.index("W")])
    for i in range(count):
        picture = np.asarray(pictures[i])
        assert picture.ndim == 3 and picture.shape[2] == 3
        if dtype == np.uint8:
            assert picture.dtype == np.uint8
        else:
            assert picture.dtype == dtype and np.isfinite(picture).all()
            assert ((picture >= 0) & (picture <= 1)).all()
        sample = i // c if channels == "separate" else i
        promised = expected_size(steps, size, _image_size(images, sample))
        if promised is not None:
            assert picture.shape[:2] == tuple(promised), (steps, picture.shape, promised)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow,
                                                        HealthCheck.filter_too_much])
@given(st.data())
def test_heatmap_answers_every_input_with_pictures_or_a_named_error(data):
    valid = data.draw(st.sampled_from([True, True, False]))  # a third: anything goes
    x, layout = data.draw(arrays_in_layout(valid=valid))
    letters = layout.upper()
    n = x.shape[letters.index("N")] if "N" in letters and x.ndim == len(letters) \
        and set(letters) <= set("NCHW") else 1
    images = data.draw(image_sets(max(n, 1), valid))
    stage = Stage.VALUES if "C" in letters else Stage.MAP
    channels = "together"
    if stage is Stage.VALUES or not valid:
        channels = data.draw(st.sampled_from(["together", "together", "separate"]))
    if channels == "separate":
        stage = Stage.MAP
    steps = data.draw(pipelines(stage, valid))
    dtype = data.draw(st.sampled_from([np.uint8, np.uint8, np.float32, np.float64]))
    before_x, before_images = _snapshot(x), _snapshot(images)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = heatmap(x, images, Pipeline(*steps), layout=layout, dtype=dtype,
                             channels=channels)
        assert_warnings_name_an_argument(caught)
    except (ValueError, TypeError) as err:
        assert_names_an_argument(err)
        event(f"error: {str(err).split(':')[0][:30]}")
    except Exception as err:  # anything else is a bug
        raise AssertionError(f"{type(err).__name__} escaped heatmap(): {err}") from err
    else:
        event("pictures")
        check_pictures(result, steps, x.shape, layout, images, np.dtype(dtype), channels)
    assert _unchanged(before_x, x), "heatmap() modified x"
    assert _unchanged(before_images, images), "heatmap() modified the images"


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_transforms_called_on_arrays_answer_or_name_the_argument(data):
    t = data.draw(transforms())
    assume(t is not None)
    stage = data.draw(st.sampled_from(sorted(t.input_stages(), key=lambda s: s.value)))
    shape = {Stage.VALUES: (2, 2, 5, 6), Stage.MAP: (2, 5, 6), Stage.RGB: (2, 5, 6, 3)}[stage]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.random(shape)
    if stage is Stage.RGB and data.draw(st.booleans()):
        x = (x * 255).astype(np.uint8)
    x.flags.writeable = False
    image = data.draw(st.sampled_from([None, np.zeros((5, 6, 3), np.uint8),
                                       rng.random((2, 7, 4, 3))]))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = t(x, image=image, stage=stage)
        assert_warnings_name_an_argument(caught)
    except (ValueError, TypeError) as err:
        assert_names_an_argument(err)
    else:
        assert out.shape[0] == 2 and out.ndim == t.output_stage(stage).ndim


# -- Pipeline.parse -----------------------------------------------------------------------

#: Audit events that would mean the parser ran, imported or opened something.
FORBIDDEN = re.compile(r"^(exec|import|open|os\.|subprocess\.|shutil\.|socket\.|ctypes\.|"
                       r"builtins\.input|code\.|cpython\.run_)")
_events: list[str] = []
_listening = [False]


def _audit(event: str, args: tuple) -> None:
    if _listening[0] and FORBIDDEN.match(event):
        _events.append(event)


sys.addaudithook(_audit)  # hooks cannot be removed; it only records while listening
Pipeline.parse("NormReduction()")  # the parser's own module is imported on first use


def parse_safely(text: str):
    """Parse ``text`` and return the pipeline or the visheat error; check its audit events.

    The work is bounded by the parser's limits on length and depth (tested as rows of
    docs/bad-inputs.md), not timed here: a timed assertion fails on a busy machine.
    """
    _events.clear()
    _listening[0] = True
    try:
        return Pipeline.parse(text)
    except (ValueError, TypeError) as err:
        assert_names_an_argument(err)
        return err
    finally:
        _listening[0] = False
        assert not _events, f"parse triggered {_events} on {text[:80]!r}"


VALID_SPECS = ["NormReduction() | ExtremaColormap('jet')",
               "SumReduction() | PercentileClip(0.01, 0.99) | CenteredColormap('bwr', vmax=2.0)",
               "Pad(1, 2, 3, 4, mode='edge') | GaussianSmooth(1.5) | Unpad() | ExtremaColormap()",
               "Resize((4, 8), 'cubic') | AvgPool((2, 2)) | HeatAlphaOverlay('jet', 0.5)",
               "DrawKeypoints([[1.0, None]], None, ['a'], 2.0)"]
PIECES = ["(", ")", "[", "]", ",", "|", "'", '"', "=", "-", "*", "**", ":=", "lambda x: x",
          "__import__('os')", ".__class__", "[x for x in ()]", "f'{1}'", "1e999", "0x10",
          "NormReduction", "()", "None", "True", "...", "\\", "\x00", "#", ";", "\n", "{}",
          "b'x'", "1j", "@", "await", "yield", "if", "not", "~", "2**70"]


@settings(max_examples=EXAMPLES)
@given(st.one_of(st.text(max_size=300), st.sampled_from(VALID_SPECS)))
def test_parse_reads_or_refuses_arbitrary_text_without_running_anything(text):
    result = parse_safely(text)  # no import, no call, an error that names an argument
    if isinstance(result, Pipeline):  # what parsed prints back as text that parses the same
        assert Pipeline.parse(str(result)) == result
    else:  # refused on one line that shows what was wrong
        assert isinstance(result, (ValueError, TypeError)) and "\n" not in str(result)
        assert "; got " in str(result) or str(result).startswith("step "), str(result)


@settings(max_examples=EXAMPLES)
@given(st.sampled_from(VALID_SPECS), st.lists(st.tuples(st.integers(0, 200),
                                                        st.integers(0, 3),
                                                        st.sampled_from(PIECES)), max_size=4))
def test_parse_answers_mutated_specs_fast_without_running_anything(spec, edits):
    text = spec
    for where, kind, piece in edits:
        where %= len(text) + 1
        if kind == 0:
            text = text[:where] + piece + text[where:]  # insert
        elif kind == 1:
            text = text[:where] + text[where + len(piece):]  # delete
        elif kind == 2:
            text = text[:where] + piece + text[where + len(piece):]  # replace
        else:
            text = text * 2 if len(text) < 5000 else text  # repeat
    result = parse_safely(text)
    if isinstance(result, Pipeline):  # whatever parsed prints back as text that parses
        assert Pipeline.parse(str(result)) == result


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')", "NormReduction().__class__",
    "ExtremaColormap(name=__import__('os'))", "(lambda: 0)()", "NormReduction(*[1])",
    "NormReduction(**{})", "ExtremaColormap([c for c in 'jet'])", "ExtremaColormap(f'{1}')",
    "ExtremaColormap((n := 'jet'))", "ExtremaColormap('jet' if 1 else 'x')",
    "ExtremaColormap(name=open('/etc/passwd'))", "getattr(NormReduction, 'apply')",
    "ExtremaColormap(vmin=1 + 1)", "Pad(" + "[" * 30 + "]" * 30 + ")",
    "Pad(" + "-" * 5000 + "1)", "NormReduction() | " * 3000 + "ExtremaColormap()",
    "Invert()|" * 2200 + "Invert()", "\x00", "NormReduction(); import os",
])
def test_parse_refuses_code_and_bounds_its_work(text):
    result = parse_safely(text)
    if text.startswith("Invert()|"):
        assert isinstance(result, Pipeline) and len(result) == 2201  # long chains, no recursion
    else:
        assert isinstance(result, ValueError | TypeError), result


# -- the public functions ----------------------------------------------------------------

def _arrays(draw, ndims=(2, 3), dtypes=(np.float32, np.float64, np.int64, np.bool_, object)):
    ndim = draw(st.sampled_from(ndims))
    shape = tuple(draw(st.integers(0 if k == 0 else 1, 6)) for k in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.random(shape)
    if values.size and draw(st.integers(0, 5)) == 0:
        values.flat[0] = draw(st.sampled_from([np.nan, np.inf, 1e300]))
    with np.errstate(all="ignore"):
        return values.astype(draw(st.sampled_from(dtypes)))


ANY = st.sampled_from([None, "x", -1, 0, 1.5, np.nan, (1, 2), [[1, 2, 3, 4]], True, 10**9])


@st.composite
def function_calls(draw):
    """``(function, args, kwargs)`` for a public function with random arguments."""
    from visheat import combine_cams, letterbox, letterbox_geometry, pad_amounts, unletterbox_boxes
    from visheat import keypoints as kp

    which = draw(st.sampled_from(["combine_cams", "letterbox", "letterbox_geometry",
                                  "unletterbox_boxes", "pad_amounts", "decode",
                                  "gaussian_heatmaps", "binary_heatmaps", "smooth",
                                  "find_global_peaks", "find_local_peaks"]))
    if which == "combine_cams":
        cams = st.lists(st.builds(lambda: None).map(lambda _: _arrays(draw)), max_size=3)
        return combine_cams, (draw(st.one_of(cams, ANY)),), draw(st.fixed_dictionaries({}, optional={
            "size": st.one_of(st.tuples(st.integers(1, 9), st.integers(1, 9)), ANY),
            "how": st.sampled_from(["mean", "max", "median"]), "method": METHODS,
            "relu": st.booleans()}))
    if which == "letterbox":
        image = draw(st.one_of(st.builds(lambda: None).map(lambda _: _arrays(
            draw, (3,), (np.uint8, np.float64, np.int16))), ANY))
        if isinstance(image, np.ndarray) and image.ndim == 3 and draw(st.booleans()):
            image = np.zeros(image.shape[:2] + (3,), image.dtype)
        return letterbox, (image,), draw(st.fixed_dictionaries({}, optional={
            "new_shape": st.one_of(st.integers(1, 16), ANY), "auto": st.booleans(),
            "stride": st.one_of(st.integers(1, 8), ANY),
            "color": st.sampled_from([(114, 114, 114), (0.5, 0.5, 0.5), (300, 0, 0), "red"])}))
    if which == "letterbox_geometry":
        return letterbox_geometry, (draw(st.one_of(st.tuples(st.integers(1, 50),
                                                             st.integers(1, 50)), ANY)),
                                    draw(st.one_of(st.integers(1, 64), ANY))), {}
    if which == "unletterbox_boxes":
        geometry = letterbox_geometry((draw(st.integers(1, 30)), draw(st.integers(1, 30))), 16)
        return unletterbox_boxes, (draw(st.one_of(st.builds(lambda: None).map(
            lambda _: _arrays(draw, (1, 2), (np.float64, object))), ANY)),
            draw(st.sampled_from([geometry, None, (1, 2)]))), {}
    if which == "pad_amounts":
        h = heatmap(np.ones((1, 2, 3)), Pad(1) | ExtremaColormap(), layout="NHW")
        return pad_amounts, (draw(st.sampled_from([h.records, (), 3, None, "records"])),), {}
    maps = draw(st.one_of(st.builds(lambda: None).map(lambda _: _arrays(
        draw, (3, 4), (np.float32, np.float64, np.int64, np.bool_, np.float16))), ANY))
    if which == "decode":
        return kp.decode, (maps,), draw(st.fixed_dictionaries({}, optional={
            "method": st.sampled_from(list(kp.METHODS) + ["soft"]),
            "k": st.one_of(st.integers(0, 12), ANY), "patch": st.one_of(st.integers(0, 7), ANY),
            "blur": st.one_of(st.none(), st.floats(0, 3), ANY), "stride": st.one_of(
                st.integers(1, 4), ANY),
            "convention": st.sampled_from(["visheat", "sleap", "hrnet", "mmpose-msra", "x"])}))
    if which in ("find_global_peaks", "find_local_peaks"):
        return getattr(kp, which), (maps,), draw(st.fixed_dictionaries({}, optional={
            "threshold": st.one_of(st.floats(0, 1), ANY),
            "refine": st.sampled_from([None, "local", "integral", "x"])}))
    if which == "smooth":
        return kp.smooth, (maps, draw(st.one_of(st.floats(0.1, 3), ANY))), draw(
            st.fixed_dictionaries({}, optional={
                "radius": st.one_of(st.none(), st.integers(0, 5), ANY),
                "preserve": st.sampled_from(["peak", "sum", None, "mean"])}))
    points = draw(st.one_of(st.builds(lambda: None).map(lambda _: _arrays(
        draw, (2, 3), (np.float64, np.int64, object))), ANY))
    kwargs = draw(st.fixed_dictionaries({}, optional={
        "stride": st.one_of(st.integers(1, 4), ANY),
        "visible": st.sampled_from([None, [True], [[1, 0]], "x"])}))
    size = draw(st.one_of(st.tuples(st.integers(1, 9), st.integers(1, 9)), ANY))
    if which == "gaussian_heatmaps":
        kwargs["kind"] = draw(st.sampled_from([None, "unbiased", "msra", "udp", "x"]))
        return kp.gaussian_heatmaps, (points, size, draw(st.one_of(st.floats(0.1, 3), ANY))), \
            kwargs
    return kp.binary_heatmaps, (points, size), kwargs


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(function_calls())
def test_public_functions_answer_or_name_the_argument(call):
    function, args, kwargs = call
    before = [_snapshot(a) for a in args]
    try:
        function(*args, **kwargs)
    except (ValueError, TypeError) as err:
        assert_names_an_argument(err)
    except Exception as err:
        raise AssertionError(f"{type(err).__name__} escaped {function.__name__}: {err}") from err
    assert all(_unchanged(b, a) for b, a in zip(before, args)), "an argument was modified"


# -- streaming, galleries -------------------------------------------------------------------

@settings(max_examples=max(settings.default.max_examples // 2, 30),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 7), st.one_of(st.integers(1, 9), ANY), st.data())
def test_heatmap_batches_equal_heatmap_or_name_the_argument(n, batch_size, data):
    from visheat import heatmap_batches

    x = np.random.default_rng(n).normal(size=(n, 2, 4, 5)).astype(np.float32)
    x.flags.writeable = False
    pipe = data.draw(st.sampled_from(["attribution", "sensitivity",
                                      ExtremaColormap(scope="batch")]))
    try:
        parts = list(heatmap_batches(x, pipe, batch_size=batch_size))
    except (ValueError, TypeError) as err:
        assert_names_an_argument(err)
        return
    whole = heatmap(x, pipe).to_numpy()
    assert np.array_equal(np.concatenate([p.to_numpy() for p in parts] or [whole]), whole)


#: The elements a gallery page is made of: no script, no iframe, no object, no form.
PAGE_TAGS = {"html", "head", "meta", "link", "title", "style", "body", "header", "h1", "p",
             "code", "main", "article", "div", "figure", "a", "img", "figcaption", "span"}


def page_elements(text: str) -> list[tuple[str, list[str]]]:
    """``(tag, attribute names)`` of every element of an HTML page, as a browser parses it."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[str]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [name for name, _ in attrs]))

    Collect().feed(text)
    return found


CAPTION_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40) \
    | st.sampled_from(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                       "../../etc/passwd", "..", "/abs", "a\\b", "\x00", "' onload='x",
                       "&amp;", "<!--", "]]>", "{index}", "%s"])


@settings(max_examples=max(settings.default.max_examples // 3, 20),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(CAPTION_TEXT, st.fixed_dictionaries(
    {"label": CAPTION_TEXT}, optional={"score": st.one_of(st.floats(), ANY),
                                       "method": CAPTION_TEXT})), min_size=1, max_size=3),
    CAPTION_TEXT)
def test_gallery_pages_escape_every_caption_and_stay_in_their_folder(tmp_path_factory, captions,
                                                                     title):
    from visheat import write_gallery

    out = tmp_path_factory.mktemp("gallery")
    h = heatmap(np.random.default_rng(0).normal(size=(len(captions), 3, 6, 6)), "attribution")
    try:
        page = write_gallery(out / "g", h, np.zeros((6, 6, 3), np.uint8), captions, title=title)
    except (ValueError, TypeError) as err:
        assert_names_an_argument(err)
        return
    text = page.read_text(encoding="utf-8")
    tags = page_elements(text)
    assert {tag for tag, _ in tags} <= PAGE_TAGS, {tag for tag, _ in tags} - PAGE_TAGS
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")], "event handler"
    assert "default-src 'none'" in text
    root = (out / "g").resolve()
    assert all(p.resolve().is_relative_to(root) for p in out.rglob("*"))
    for src in re.findall(r'(?:src|href)="([^"#][^"]*)"', text):
        if not src.startswith("data:"):
            assert (root / src).resolve().is_relative_to(root) and (root / src).is_file(), src
