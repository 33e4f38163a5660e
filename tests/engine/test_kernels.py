"""The compiled kernels against independent numpy computations, edge by edge.

Each kernel is compared with a plain computation of the same quantity: a full
sort for order statistics, the scalar resize weights of ``tests/reference.py``
in float64 for the resize, numpy's fancy indexing for the colour lookup, the
fixed-point blend written out. Buffer edges (the 4-byte stores of the
colour loop, partial 16-lane stretches, block boundaries) get inputs sized to
land on them.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import resize_weights

from visheat.core.batch import Batch, Stage
from visheat.engine import jit, ops
from visheat.engine.execute import PARALLEL_BYTES, _chunk_bounds
from visheat.engine.ops import resize_maps as resize_maps_fast
from visheat.engine.ops import resize_pictures as resize_pictures_fast
from visheat.transforms.colour import lut_packed, lut_u8
from visheat.transforms.resampling import resize_volume_taps

k = jit.kernels()
# a kernel that does not load fails these tests (see conftest), it never skips them
pytestmark = pytest.mark.usefixtures("compiled_kernels")


def _rows(style, n_rows, n, seed):
    rng = np.random.default_rng(seed)
    if style == "heavy":
        return rng.standard_t(2, size=(n_rows, n)).astype(np.float32)
    if style == "ties":
        return rng.integers(-3, 4, size=(n_rows, n)).astype(np.float32)
    if style == "sorted":
        return np.sort(rng.normal(size=(n_rows, n)), axis=1).astype(np.float32)
    if style == "spiky":  # a few huge values on a flat background
        rows = np.zeros((n_rows, n), np.float32)
        rows[:, rng.integers(0, n, 40)] = rng.normal(size=40) * 1e6
        return rows
    return rng.normal(size=(n_rows, n)).astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["normal", "heavy", "ties", "sorted", "spiky"]), st.integers(1, 3),
       st.integers(4096, 70_000), st.floats(0, 0.02), st.integers(0, 2**32 - 1))
def test_tail_ranks_equal_a_full_sort_where_resolved(style, n_rows, n, tail, seed):
    rows = _rows(style, n_rows, n, seed)
    j = int(tail * (n - 1))
    low, high = np.array([j, j + 1]), np.array([n - 2 - j, n - 1 - j])
    out = np.empty((n_rows, 4), np.float32)
    ok = np.empty(n_rows, np.bool_)
    k.tail_ranks(rows, low, high, out, ok)
    expected = np.sort(rows, axis=1)[:, np.concatenate([low, high])]
    assert np.array_equal(out[ok], expected[ok])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, width=32) | st.sampled_from([0.0, 1.0, -2.5]),
                min_size=1, max_size=300), st.data())
def test_quickselect_picks_the_ranks_of_a_sort(values, data):
    from visheat.engine.compiled.select import _pick

    arr = np.array(values, np.float32)
    ranks = np.array(data.draw(st.lists(st.integers(0, len(arr) - 1), min_size=1,
                                        max_size=5)), np.int64)
    out = np.empty(len(ranks), np.float32)
    work = arr.copy()
    _pick(work, len(work), ranks, 0, out, 0)
    assert np.array_equal(out, np.sort(arr)[ranks])
    assert np.array_equal(np.sort(work), np.sort(arr))  # reordered, nothing lost


def test_tail_ranks_resolve_typical_attribution_maps():
    """The fast path is the one that runs: heavy-tailed maps and a 0.1 % clip."""
    rows = _rows("heavy", 8, 224 * 224, 1)
    n = rows.shape[1]
    low, high = np.array([49, 50]), np.array([n - 51, n - 50])
    out, ok = np.empty((8, 4), np.float32), np.empty(8, np.bool_)
    k.tail_ranks(rows, low, high, out, ok)
    assert ok.all()
    assert np.array_equal(out, np.sort(rows, axis=1)[:, [49, 50, n - 51, n - 50]])


@pytest.mark.parametrize("where", [0, 17, 5000, 50175])
def test_tail_ranks_hand_rows_with_nan_back(where):
    rows = _rows("normal", 2, 50176, 2)
    rows[1, where] = np.nan
    out, ok = np.empty((2, 2), np.float32), np.empty(2, np.bool_)
    k.tail_ranks(rows, np.array([50]), np.array([50125]), out, ok)
    assert ok[0] and not ok[1]
    assert np.array_equal(out[0], np.sort(rows[0])[[50, 50125]])


def test_order_statistics_with_nan_follow_numpy_sort():
    rows = _rows("normal", 3, 20000, 3).astype(np.float64)
    rows[2, 123] = np.nan
    ranks = [19, 20, 19979, 19999]
    assert np.array_equal(ops.order_statistics(rows, ranks), np.sort(rows, axis=1)[:, ranks],
                          equal_nan=True)


#: Methods whose every output pixel needs at most 4 taps on each axis, by their
#: definition: the compiled kernels must take every resize by them (and by "area"
#: when an axis grows: two taps).
FEW_TAPS = ["lanczos1", "bilinear", "nearest", "nearest-opencv", "cubic"]
#: Methods that widen with the scale (area when shrinking, Lanczos-3): the kernels may
#: leave a resize to the matrix products (they count taps with rounding noise).
WIDE = ["area", "lanczos3"]


def _reference_weights(size_in, size_out, method):
    upsampling = size_out[0] > size_in[0] or size_out[1] > size_in[1]
    return (resize_weights(size_in[0], size_out[0], method, upsampling),
            resize_weights(size_in[1], size_out[1], method, upsampling))


def _declined(got, size_in, size_out, method):
    """Whether the kernel left this resize to numpy; fails when it had to take it."""
    growing = size_out[0] > size_in[0] or size_out[1] > size_in[1]
    if got is None:
        assert method == "lanczos3" or (method == "area" and not growing), "declined"
    return got is None


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(FEW_TAPS + WIDE), st.integers(1, 3),
       st.tuples(st.integers(1, 12), st.integers(1, 12)),
       st.tuples(st.integers(1, 70), st.integers(1, 70)), st.integers(0, 2**32 - 1))
def test_resize_kernel_matches_a_scalar_reference(method, n, size_in, size_out, seed):
    maps = np.random.default_rng(seed).normal(size=(n,) + size_in).astype(np.float32)
    keys = np.empty((n, 2), np.int32)
    got = resize_maps_fast(maps, size_out, method, keys)
    if _declined(got, size_in, size_out, method):
        return
    wy, wx = _reference_weights(size_in, size_out, method)
    exact = wy @ maps.astype(np.float64) @ wx.T
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-6 * max(1.0, np.abs(maps).max()))
    bits = keys ^ ((keys >> 31) & np.int32(0x7FFFFFFF))  # order keys back to floats
    extrema = bits.view(np.float32)
    assert np.array_equal(extrema[:, 0], got.reshape(n, -1).min(axis=1))
    assert np.array_equal(extrema[:, 1], got.reshape(n, -1).max(axis=1))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(FEW_TAPS + WIDE), st.integers(1, 3),
       st.tuples(st.integers(1, 9), st.integers(1, 9)),
       st.tuples(st.integers(1, 60), st.integers(1, 60)), st.integers(0, 2**32 - 1))
def test_picture_resize_is_the_rounded_reference_resize(method, n, size_in, size_out, seed):
    """8-bit RGB resized by the kernel: the exact resize rounded, give or take a level at .5."""
    pictures = np.random.default_rng(seed).integers(0, 256, (n,) + size_in + (3,), np.uint8)
    got = resize_pictures_fast(pictures, size_out, method)
    if _declined(got, size_in, size_out, method):
        return
    wy, wx = _reference_weights(size_in, size_out, method)
    exact = np.einsum("yh,nhwc,xw->nyxc", wy, pictures.astype(np.float64), wx)
    rounded = np.rint(np.clip(exact, 0, 255))
    assert got.shape == rounded.shape and got.dtype == np.uint8
    diff = np.abs(got - rounded)
    assert diff.max() <= 1
    # a level apart only where float32 rounding moved a value across .5
    assert (np.abs(np.clip(exact, 0, 255)[diff > 0] % 1 - 0.5) < 1e-3).all()


@pytest.mark.parametrize("pixels", [1, 2, 3, 1023, 1024, 1025, 2048, 4099])
@pytest.mark.parametrize("name", ["viridis", "jet"])
def test_colour_lookup_writes_exactly_its_pixels(pixels, name):
    """Every pixel gets its table colour, and nothing past the last one is touched."""
    rng = np.random.default_rng(pixels)
    m = rng.normal(size=(3, pixels)).astype(np.float32)
    lo, hi = m.min(axis=1), m.max(axis=1)
    lo = np.where(hi > lo, lo, lo - 1).astype(np.float32)
    packed, table = lut_packed(name), lut_u8(name)
    buffer = np.full(3 * (3 * pixels) + 7, 77, np.uint8)
    out = buffer[: 3 * 3 * pixels].reshape(3, 3 * pixels)
    k.colorize_u8(m, lo, hi, lo, hi, packed, out)
    size = len(packed) - 1
    scale = np.float32(size - 1) / (hi - lo)
    idx = ((m - lo[:, None]) * scale[:, None] + np.float32(0.5)).astype(np.int64)
    assert np.array_equal(out.reshape(3, pixels, 3), table[idx])
    assert (buffer[3 * 3 * pixels:] == 77).all()


@pytest.mark.parametrize("pixels", [1, 5, 1024, 1031])
def test_colour_and_blend_equal_colour_then_blend(pixels):
    rng = np.random.default_rng(pixels)
    m = rng.random((2, pixels), dtype=np.float32)
    lo, hi = m.min(axis=1) - np.float32(0.1), m.max(axis=1)
    images = rng.integers(0, 256, (2, 3 * pixels), dtype=np.uint8)
    packed = lut_packed("jet")
    heat = np.empty((2, 3 * pixels), np.uint8)
    k.colorize_u8(m, lo, hi, lo, hi, packed, heat)
    fused = np.empty_like(heat)
    k.colorize_blend_u8(m, lo, hi, lo, hi, packed, images, 39322, fused)
    # 16-bit fixed point, rounded half up: the blend's definition, written out
    exact = (images.astype(np.int64) * (65536 - 39322) + heat.astype(np.int64) * 39322
             + 32768) >> 16
    assert np.array_equal(fused, exact)
    separate = np.empty_like(heat)
    k.blend_u8(heat, images, 39322, separate)
    assert np.array_equal(fused, separate)


@given(st.integers(1, 300), st.integers(1, 4), st.integers(1, 1 << 22))
def test_chunks_cover_the_batch_in_order_and_share_the_threads(n, threads, chunk_bytes):
    batch = Batch(np.zeros((n, 3, 64, 64), np.float32), Stage.VALUES)
    bounds = _chunk_bounds(batch, chunk_bytes, threads)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert all(stop > start for start, stop in bounds)
    per_sample = 3 * 64 * 64 * 4
    assert all(stop - start <= max(1, chunk_bytes // per_sample) for start, stop in bounds)
    if threads > 1 and n > 2 and n * per_sample >= PARALLEL_BYTES:
        # one sample to learn the shape of the result, then an even split
        rest = bounds[1:]
        assert bounds[0] == (0, 1)
        assert len(rest) >= min(threads, n - 1)  # every thread has work
        assert len({stop - start for start, stop in rest[:-1]}) <= 1  # and as much as the others


def test_scratch_buffers_do_not_leak_into_results():
    from visheat import heatmap

    rng = np.random.default_rng(0)
    first = heatmap(rng.normal(size=(30, 3, 128, 128)).astype(np.float32))
    kept = first.to_numpy().copy()
    heatmap(rng.normal(size=(30, 3, 128, 128)).astype(np.float32))
    assert np.array_equal(first.to_numpy(), kept)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(FEW_TAPS + WIDE), st.integers(1, 2),
       st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6)),
       st.tuples(st.integers(1, 19), st.integers(1, 19), st.integers(1, 19)),
       st.booleans(), st.integers(0, 2**32 - 1))
def test_volume_resize_kernels_are_the_numpy_definition(method, n, size_in, size_out,
                                                        pictures, seed):
    """3-D resizes (maps and 8-bit colours): resize_volume_taps's values exactly, and
    within float32 rounding of the float64 separable product of the reference weights."""
    rng = np.random.default_rng(seed)
    data = (rng.integers(0, 256, (n,) + size_in + (3,), np.uint8) if pictures
            else rng.normal(size=(n,) + size_in).astype(np.float32))
    got = ops.resize_volumes(data, size_out, method)
    growing = any(o > i for i, o in zip(size_in, size_out))
    if got is None:
        assert method == "lanczos3" or (method == "area" and not growing), "declined"
        return
    np.testing.assert_array_equal(got, resize_volume_taps(data, size_out, method, 1))
    wd, wy, wx = (resize_weights(i, o, method, growing) for i, o in zip(size_in, size_out))
    exact = np.einsum("zd,yh,xw,ndhw...->nzyx...", wd, wy, wx, data.astype(np.float64))
    if pictures:
        exact = np.rint(np.clip(exact, 0, 255))
        assert np.abs(got - exact).max() <= 1
    else:
        np.testing.assert_allclose(got, exact, rtol=0, atol=1e-5 * max(1.0, np.abs(data).max()))
