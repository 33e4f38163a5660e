"""Fused pipelines give exactly what their steps give one by one.

The reference is the same pipeline applied step by step (``apply_steps``), with
the fusion switched off: pictures must be identical to the bit, and so must the
records (colour bars read them) and the errors.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visheat import (
    AbsSumReduction,
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    MaxAbsReduction,
    NormReduction,
    PercentileClip,
    ResizeToImage,
    SumAbsReduction,
    SumReduction,
    heatmap,
)
from visheat.core.batch import Batch, Stage
from visheat.engine import execute, fusion

# kernels that do not load fail these tests (see conftest), they never skip them
pytestmark = pytest.mark.usefixtures("compiled_kernels")

REDUCTIONS = [None, SumReduction(), NormReduction(), MaxAbsReduction(), SumAbsReduction(),
              AbsSumReduction()]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-40, 1e30, -3e38, 2.5]


def steps_of(pipe):
    return list(pipe.steps) if hasattr(pipe, "steps") else [pipe]


@st.composite
def pipelines(draw, maps=False):
    steps = []
    reduction = draw(st.sampled_from(REDUCTIONS if maps else REDUCTIONS[1:]))
    if reduction is not None:
        steps.append(reduction)
    if draw(st.booleans()):
        lower = draw(st.floats(0, 0.4))
        steps.append(PercentileClip(lower, draw(st.floats(lower + 0.01, 1.0))))
    name = draw(st.sampled_from(["viridis", "bwr", "jet", "gray", "batlow"]))
    if draw(st.booleans()):
        vmax = draw(st.none() | st.floats(0.5, 10))
        steps.append(CenteredColormap(name, vmax=vmax))
    else:
        vmin = draw(st.none() | st.floats(-10, 0))
        vmax = draw(st.none() | st.floats(0.5, 10))
        steps.append(ExtremaColormap(name, vmin=vmin, vmax=vmax))
    if draw(st.booleans()):
        steps.append(AlphaOverlay(draw(st.floats(0, 1))))
    pipe = steps[0]
    for step in steps[1:]:
        pipe = pipe | step
    return pipe


@st.composite
def values(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    style = draw(st.sampled_from(["normal", "heavy", "constant", "ties", "special"]))
    shape = (n, c, h, w)
    if style == "normal":
        x = rng.normal(size=shape)
    elif style == "heavy":
        x = rng.standard_t(2, size=shape) * 10.0 ** rng.integers(-20, 20)
    elif style == "constant":
        x = np.full(shape, rng.choice(SPECIAL))
    elif style == "ties":
        x = rng.integers(-2, 3, size=shape).astype(float)
    else:
        x = rng.choice(SPECIAL, size=shape)
    return x.astype(np.float32)


def step_by_step(x, pipe, images=None):
    """The unfused reference: every step applied to the whole batch in turn."""
    stage = Stage.VALUES if x.ndim == 4 else Stage.MAP
    batch = Batch(x, stage, images=images, dtype=np.dtype(np.uint8))
    with np.errstate(all="ignore"):  # as heatmap() runs them: steps check their results
        return execute.apply_steps(steps_of(pipe), batch)


def run_fused(pipe, batch):
    """``batch`` through the fused plan of ``pipe``, which must exist and run only the
    steps before its fused tail step by step (the tail itself is one compiled pass)."""
    plan = fusion.plan(steps_of(pipe), batch)
    assert plan is not None, f"{pipe} is not fused for this batch"
    ran = []

    def prefix_only(steps, part, **_):
        ran.append(tuple(steps))
        return execute.apply_steps(steps, part)

    result = plan.run(batch, None, None, prefix_only)
    assert ran == [plan.prefix]  # the steps before the fused tail, nothing more
    return result


def assert_same(result, reference):
    assert result.to_numpy().dtype == np.uint8
    np.testing.assert_array_equal(result.to_numpy(), reference.data)
    assert len(result.records) == len(reference.records)
    for got, want in zip(result.records, reference.records):
        assert got.transform == want.transform
        assert got.values.keys() == want.values.keys()
        for key in want.values:
            assert got.values[key].dtype == want.values[key].dtype
            np.testing.assert_array_equal(got.values[key], want.values[key])


@settings(max_examples=300, deadline=None)
@given(pipelines(), values(), st.integers(0, 2**32 - 1))
def test_fused_pipelines_match_their_steps(pipe, x, seed):
    assert fusion.plan(steps_of(pipe), Batch(x, Stage.VALUES, dtype=np.dtype(np.uint8)))
    images = np.random.default_rng(seed).integers(0, 256, x.shape[:1] + x.shape[2:] + (3,),
                                                  dtype=np.uint8)
    try:
        reference = step_by_step(x, pipe, images)
    except ValueError:  # e.g. a map that overflowed: the fused run must refuse it too
        with pytest.raises(ValueError):
            heatmap(x, images, pipe)
        return
    assert_same(heatmap(x, images, pipe), reference)


@settings(max_examples=100, deadline=None)
@given(pipelines(maps=True), values())
def test_fused_maps_match_their_steps(pipe, x):
    maps = x[:, 0]
    assert_same(heatmap(maps, pipe, layout="NHW"), step_by_step(maps, pipe))


def test_a_chunked_224px_batch_matches_the_steps():
    rng = np.random.default_rng(3)
    x = rng.standard_t(3, size=(20, 3, 224, 224)).astype(np.float32)
    images = rng.integers(0, 256, (20, 224, 224, 3), dtype=np.uint8)
    for pipe in (NormReduction() | ExtremaColormap("viridis"),
                 SumReduction() | PercentileClip(0.001, 0.999) | CenteredColormap("bwr"),
                 MaxAbsReduction() | ExtremaColormap("jet") | AlphaOverlay(0.6)):
        assert_same(heatmap(x, images, pipe), step_by_step(x, pipe, images))
        assert_same(heatmap(x, images, pipe, threads=2), step_by_step(x, pipe, images))


def test_cam_overlay_fuses_after_the_resize():
    rng = np.random.default_rng(4)
    cams = rng.random((9, 7, 7)).astype(np.float32)
    images = rng.integers(0, 256, (9, 64, 48, 3), dtype=np.uint8)
    pipe = SumReduction() | ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(0.6)
    plan = fusion.plan(list(pipe.steps), Batch(cams, Stage.MAP, dtype=np.dtype(np.uint8)))
    assert plan.prefix == () and plan.resize == ResizeToImage("bilinear")
    assert plan.overlay == AlphaOverlay(0.6)
    assert_same(heatmap(cams, images, pipe, layout="NHW"), step_by_step(cams, pipe, images))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["lanczos1", "bilinear", "nearest", "lanczos3"]), st.booleans(),
       st.integers(1, 3), st.tuples(st.integers(1, 9), st.integers(1, 9)),
       st.tuples(st.integers(1, 40), st.integers(1, 40)), st.booleans(), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_fused_resize_matches_its_steps(method, values_in, n, size, image_size, clip, overlay,
                                        seed):
    """Maps (or channel values) resized to their images, then coloured, as the steps do it."""
    rng = np.random.default_rng(seed)
    x = rng.standard_t(3, size=(n, 3) + size if values_in else (n,) + size).astype(np.float32)
    images = rng.integers(0, 256, (n,) + image_size + (3,), dtype=np.uint8)
    pipe = NormReduction() | ResizeToImage(method)
    if clip:
        pipe = pipe | PercentileClip(0.05, 0.95)
    pipe = pipe | ExtremaColormap("jet")
    if overlay:
        pipe = pipe | AlphaOverlay(0.6)
    batch = Batch(x, Stage.VALUES if values_in else Stage.MAP, images=images,
                  dtype=np.dtype(np.uint8))
    assert fusion.plan(steps_of(pipe), batch).resize == ResizeToImage(method)
    assert_same(heatmap(x, images, pipe, layout="NCHW" if values_in else "NHW"),
                step_by_step(x, pipe, images))


@pytest.mark.parametrize("pipe, layout", [
    (NormReduction() | ExtremaColormap("viridis"), "NCHW"),
    (SumReduction() | PercentileClip(0.001, 0.999) | CenteredColormap("bwr"), "NCHW"),
    (SumReduction() | ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(0.6),
     "NHW"),
])
def test_the_benchmark_pipelines_run_fused(pipe, layout):
    """The fallback gives the same pictures, so check that it is not what ran."""
    rng = np.random.default_rng(5)
    x = rng.standard_t(3, size=(4, 3, 16, 16) if layout == "NCHW" else (4, 7, 7))
    images = rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    stage = Stage.VALUES if layout == "NCHW" else Stage.MAP
    batch = Batch(x.astype(np.float32), stage, images=images, dtype=np.dtype(np.uint8))
    result = run_fused(pipe, batch)
    assert_same(heatmap(x.astype(np.float32), images, pipe, layout=layout),
                step_by_step(x.astype(np.float32), pipe, images))
    np.testing.assert_array_equal(result.data, step_by_step(batch.data, pipe, images).data)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_non_finite_input_is_refused_with_or_without_fusion(bad, reduction, monkeypatch):
    x = np.random.default_rng(0).normal(size=(3, 3, 5, 5)).astype(np.float32)
    x[1, 0, 3, 4] = bad
    pipe = ExtremaColormap() if reduction is None else reduction | ExtremaColormap()
    with pytest.raises(ValueError) as fused:
        heatmap(x if reduction else x[:, 0], pipe, layout="NCHW" if reduction else "NHW")
    monkeypatch.setattr(fusion, "plan", lambda steps, batch: None)
    with pytest.raises(ValueError) as unfused:
        heatmap(x if reduction else x[:, 0], pipe, layout="NCHW" if reduction else "NHW")
    assert str(fused.value) == str(unfused.value)
    assert "1 NaN" in str(fused.value) or "1 infinite" in str(fused.value)


def test_overflowing_reduction_is_refused_by_the_colormap():
    x = np.full((2, 3, 4, 4), 3e38, np.float32)
    with pytest.raises(ValueError, match="step 2 of the pipeline.*overflowed"):
        heatmap(x, SumReduction() | ExtremaColormap())


@pytest.mark.parametrize("pipe", [
    NormReduction() | ExtremaColormap(scope="batch"),          # statistics over the batch
    NormReduction() | ExtremaColormap(vmax=1e300),              # a limit beyond float32
    NormReduction() | ExtremaColormap() | AlphaOverlay(np.full((4, 4), 0.5)),  # alpha planes
    NormReduction() | PercentileClip() | ResizeToImage() | ExtremaColormap(),  # no fused clip
])
def test_pipelines_outside_the_fused_family_run_step_by_step(pipe):
    batch = Batch(np.zeros((1, 3, 4, 4), np.float32), Stage.VALUES, dtype=np.dtype(np.uint8))
    plan = fusion.plan(list(pipe.steps), batch)
    assert plan is None or plan.reduction is None


def test_float_pictures_are_not_fused():
    batch = Batch(np.zeros((1, 3, 4, 4), np.float32), Stage.VALUES, dtype=np.dtype(np.float64))
    assert fusion.plan(list((NormReduction() | ExtremaColormap()).steps), batch) is None


def test_float64_input_falls_back_to_the_steps():
    x = np.random.default_rng(1).normal(size=(3, 2, 6, 6))
    pipe = SumReduction() | PercentileClip(0.1, 0.9) | CenteredColormap()
    assert_same(heatmap(x, pipe), step_by_step(x, pipe))


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 0.6), st.floats(0.01, 0.4), st.sampled_from(["normal", "heavy", "ties"]),
       st.booleans(), st.tuples(st.integers(8, 70), st.integers(8, 75)),
       st.integers(0, 2**32 - 1))
def test_fused_clips_of_larger_maps_match_their_steps(lower, width, style, centered, size,
                                                      seed):
    """Maps of 256 pixels and more take the compiled tail selection; ranks it does not
    resolve take a partition (up to 4096 pixels) or send the chunk the long way. Either
    way: the steps' pictures and records."""
    rng = np.random.default_rng(seed)
    shape = (3, 2) + size
    x = {"normal": rng.normal(size=shape), "heavy": rng.standard_t(2, size=shape),
         "ties": rng.integers(-3, 4, size=shape).astype(float)}[style].astype(np.float32)
    upper = min(1.0, lower + width)
    colormap = CenteredColormap("bwr") if centered else ExtremaColormap("viridis")
    pipe = SumReduction() | PercentileClip(lower, upper) | colormap
    assert_same(heatmap(x, pipe, threads=1), step_by_step(x, pipe))


@pytest.mark.parametrize("pipe, image_depth", [
    (ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(0.5), 8),
    (ResizeToImage("nearest") | PercentileClip(0.01, 0.99) | CenteredColormap(), 3),
    (ResizeToImage("lanczos1") | PercentileClip(0.2, 0.6) | ExtremaColormap(), 4),
    (PercentileClip(0.05, 0.9) | ExtremaColormap("jet") | AlphaOverlay(0.4), 4),
])
def test_volumes_run_fused_as_their_numpy_steps(pipe, image_depth):
    """Folded volumes (4 slices of 6 x 5 here) take the fused pass, depth resize and
    the colormap's peak record included, and give the numpy steps' pictures."""
    rng = np.random.default_rng(8)
    maps = rng.standard_t(3, size=(3, 4 * 6, 5)).astype(np.float32)
    size = (12, 10) if image_depth != 4 else (6, 5)
    images = rng.integers(0, 256, (3, image_depth * size[0], size[1], 3), dtype=np.uint8)
    batch = Batch(maps, Stage.MAP, images=images, dtype=np.dtype(np.uint8), depth=4,
                  image_depth=image_depth)
    result = run_fused(pipe, batch)
    expected = pipe.apply(batch)  # the transforms' numpy code
    np.testing.assert_array_equal(result.data, expected.data)
    assert result.depth == expected.depth == image_depth
    assert len(result.records) == len(expected.records)
    for got, want in zip(result.records, expected.records):
        assert got.values.keys() == want.values.keys()
        for key in want.values:
            np.testing.assert_array_equal(got.values[key], want.values[key])
    assert "peak" in result.records[-1].values


def test_a_volume_of_one_slice_runs_as_its_steps_and_records_its_peak():
    """A volume of one slice (``volumetric``, depth 1) is not fused and its colormap is not
    the compiled kernel: the record keeps the peak that ``OrthoViews("peak")`` reads."""
    x = np.random.default_rng(3).normal(size=(4, 3, 6, 5)).astype(np.float32)
    pipe = SumReduction() | PercentileClip(0.1, 0.9) | ExtremaColormap()
    batch = Batch(x, Stage.VALUES, dtype=np.dtype(np.uint8), volumetric=True)
    got = execute.run_batch(pipe, batch)
    with np.errstate(all="ignore"):
        want = pipe.apply(batch)  # the transforms' own code, no kernel
    np.testing.assert_array_equal(got.data, want.data)
    assert "peak" in got.records[-1].values
    for g, w in zip(got.records, want.records, strict=True):
        assert g.values.keys() == w.values.keys()
        for key in w.values:
            np.testing.assert_array_equal(g.values[key], w.values[key])
