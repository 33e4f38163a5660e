"""The compiled engine agrees with plain numpy and with the exact path."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import (
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    OrthoViews,
    PercentileClip,
    ResizeToImage,
    SumReduction,
    engine,
    heatmap,
)
from visheat.core.batch import Batch, Stage
from visheat.engine import jit
from visheat.engine import ops as engine_ops
from visheat.engine.execute import run_batch as run

FLOATS = st.sampled_from([np.float32, np.float64])
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, 3e38, -1.5])


@given(FLOATS, st.integers(0, 3), st.integers(0, 40), st.data())
def test_all_finite_agrees_with_isfinite(dtype, n, k, data):
    values = data.draw(st.lists(st.one_of(st.floats(-1e30, 1e30), SPECIAL),
                                min_size=n * k, max_size=n * k))
    arr = np.array(values, dtype=dtype).reshape(n, k)
    assert engine.all_finite(arr) == bool(np.isfinite(arr).all())


@given(st.integers(1, 3), st.integers(1, 9000), st.data())
def test_order_statistics_equal_a_full_sort(rows, n, data):
    style = data.draw(st.sampled_from(["normal", "ties", "sorted", "constant", "heavy"]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    arr = {"normal": rng.normal(size=(rows, n)),
           "ties": rng.integers(0, 5, size=(rows, n)).astype(float),
           "sorted": np.sort(rng.normal(size=(rows, n)), axis=1),
           "constant": np.full((rows, n), 2.5),
           "heavy": rng.standard_t(1, size=(rows, n))}[style].astype(np.float32)
    ranks = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4)))
    assert np.array_equal(engine_ops.order_statistics(arr, ranks), np.sort(arr, axis=1)[:, ranks])


def test_order_statistics_with_a_structured_map_far_from_the_subsample():
    # the extreme values sit between the subsample's stride: thresholds must still hold
    row = np.zeros(100_000, np.float32)
    row[1::97] = -1000.0 - np.arange(row[1::97].size)
    ranks = [99, 100, 99_899, 99_900]
    assert np.array_equal(engine_ops.order_statistics(row[None], ranks), np.sort(row)[None, ranks])


def test_last_step_writes_into_the_final_array_without_leaking_it():
    x = np.random.default_rng(0).normal(size=(40, 3, 32, 32)).astype(np.float32)
    batch = Batch(x, Stage.VALUES, dtype=np.dtype(np.uint8))
    result = run(NormReduction() | ExtremaColormap(), batch, chunk_bytes=1 << 14)
    assert result.out is None and result.data.flags.owndata
    unchunked = run(NormReduction() | ExtremaColormap(), batch, chunk_bytes=1 << 30)
    assert np.array_equal(result.data, unchunked.data)


def _render_all():
    rng = np.random.default_rng(5)
    x = rng.standard_t(3, size=(6, 3, 40, 36)).astype(np.float32)
    cams = rng.random((6, 7, 7)).astype(np.float32)
    images = rng.integers(0, 256, (6, 40, 36, 3)).astype(np.uint8)
    return {
        "a": heatmap(x, NormReduction() | ExtremaColormap("viridis")).to_numpy(),
        "b": heatmap(x, SumReduction() | PercentileClip() | CenteredColormap("bwr")).to_numpy(),
        "c": heatmap(cams, images, SumReduction() | ResizeToImage("bilinear")
                     | ExtremaColormap("jet") | AlphaOverlay(0.6), layout="NHW").to_numpy(),
        "cam": heatmap(cams, images, "cam", layout="NHW").to_numpy(),  # resizes 8-bit colours
        "maps": NormReduction()(x).tolist(),
        "clip": PercentileClip()(SumReduction()(x), dtype=np.uint8).tolist(),
        # volumes (issue 23): folded, with a resize in depth the fused tail must decline
        "volume": heatmap(x.reshape(6, 3, 4, 10, 36), images.reshape(6, 4, 10, 36, 3)[:, :2],
                          SumReduction() | ResizeToImage("bilinear") | ExtremaColormap()
                          | AlphaOverlay(0.5), layout="NCDHW").to_numpy(),
        # quantiles per slice (the clip kernel declines them on volumes; on images the
        # fused tail clips per sample, which is the same) and a volume of one slice
        "slice_clip": heatmap(x.reshape(6, 3, 4, 10, 36), SumReduction()
                              | PercentileClip(0.02, 0.98, scope="slice")
                              | CenteredColormap("vik"), layout="NCDHW").to_numpy(),
        "slice_clip_2d": heatmap(x, SumReduction() | PercentileClip(0.02, 0.98, scope="slice")
                                 | CenteredColormap("vik")).to_numpy(),
        "one_slice": heatmap(x[:, :, None], SumReduction() | ExtremaColormap()
                             | OrthoViews("peak"), layout="NCDHW").to_numpy(),
    }


SCRIPT = """
import json, sys
sys.path[:0] = [{tests!r}, {root!r}]
from test_engine import _render_all
print(json.dumps({{k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in _render_all().items()}}))
"""


def test_numpy_engine_and_compiled_engine_agree(tmp_path):
    from pathlib import Path

    code = SCRIPT.format(tests=str(Path(__file__).parent), root=str(Path(__file__).parents[1]))
    env = {**__import__("os").environ, "VISHEAT_NUMBA": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True, timeout=300)
    with_numpy = json.loads(done.stdout)
    compiled = _render_all()
    assert jit.kernels() is not None
    # the numpy code is the definition; the kernels give the same values, pixel for pixel,
    # so pictures never depend on whether the kernels had loaded yet
    for key in ("maps", "clip", "a", "b", "c", "cam", "volume", "slice_clip", "slice_clip_2d",
                "one_slice"):
        assert np.array_equal(np.array(with_numpy[key]), np.array(compiled[key])), key


@pytest.mark.parametrize("alpha", [0.0, 0.37, 1.0])
def test_integer_blend_is_within_one_level_of_the_float_blend(alpha):
    rng = np.random.default_rng(1)
    heat = rng.integers(0, 256, (3, 5, 7, 3)).astype(np.uint8)
    images = rng.integers(0, 256, (3, 5, 7, 3)).astype(np.uint8)
    got = engine_ops.blend_u8(heat, images, alpha).astype(int)
    exact = np.rint(images * (1 - alpha) + heat * alpha)
    assert np.abs(got - exact).max() <= 1
    if alpha in (0.0, 1.0):
        assert np.array_equal(got, images if alpha == 0 else heat)
