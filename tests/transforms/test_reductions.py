"""Channel reductions against a scalar reference of VisionHeatmaps.jl's arithmetic."""

import numpy as np
import pytest
from hypothesis import example, given
from reference import reduce_batch

from visheat import AbsSumReduction, MaxAbsReduction, NormReduction, SumAbsReduction, SumReduction
from visheat.testing import check_transform, maps, values
from visheat.transforms.reductions import reduce_channels, underflow_limit

REDUCTIONS = {"sum": SumReduction(), "norm": NormReduction(), "maxabs": MaxAbsReduction(),
              "sumabs": SumAbsReduction(), "abssum": AbsSumReduction()}


@pytest.mark.parametrize("how", REDUCTIONS)
@given(x=values(max_n=2, max_side=4))
@example(x=np.array([[[[-32768.0, 1.5e-36]]]], np.float32))  # one channel: no rescue
@example(x=np.array([[[[3e-268]], [[3e-268]]]]))  # squares underflow: rescued
def test_reductions_match_the_scalar_reference_bit_for_bit(how, x):
    expected = reduce_batch(x, how)
    if how == "norm" and x.shape[1] >= 2:  # one channel passes through unreduced
        # Julia's order squares values as they are; a sample whose squares underflow is
        # reduced again on values scaled by a power of two (exact), so its map is the norm
        # of the unscaled values instead of zeros: the reference on the scaled sample
        for i in range(x.shape[0]):
            peak = np.abs(x[i]).max() if x[i].size else 0
            if expected[i].size and expected[i].max() < underflow_limit(x.dtype) and peak > 0:
                k = -int(np.frexp(peak)[1])
                expected[i] = np.ldexp(reduce_batch(np.ldexp(x[i:i + 1], k), how)[0], -k)
    assert np.array_equal(reduce_channels(x, how), expected)


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e-25), (np.float64, 1e-200)])
def test_the_norm_of_tiny_values_is_the_scaled_norm_of_the_values(dtype, scale):
    x = np.random.default_rng(2).standard_normal((3, 3, 5, 6))
    plain = reduce_channels(x.astype(dtype), "norm").astype(np.float64)
    tiny = reduce_channels((x * scale).astype(dtype), "norm").astype(np.float64) / scale
    assert np.allclose(tiny, plain, rtol=1e-5)  # float32 rounding of the scaled inputs
    assert np.array_equal(reduce_batch((x * scale).astype(dtype), "norm"),
                          np.zeros_like(plain, dtype))  # Julia's order alone would give zeros


@pytest.mark.parametrize("how, t", REDUCTIONS.items())
@given(x=values(max_n=3, max_side=5))
def test_reductions_keep_the_transform_contract(how, t, x):
    out = check_transform(t, x)
    assert out.shape == (x.shape[0],) + x.shape[2:] and out.dtype == x.dtype


@given(values(max_n=2, max_side=4))
def test_reductions_are_ordered_as_the_math_says(x):
    r = {how: reduce_channels(x, how).astype(np.float64) for how in REDUCTIONS}
    if x.shape[1] == 1:  # one channel passes through unchanged, sign included
        for out in r.values():
            assert np.array_equal(out, x[:, 0])
        return
    tol = 1e-5 * (1 + np.abs(x).sum(axis=1))
    assert (r["norm"] >= 0).all() and (r["abssum"] >= 0).all()
    assert (r["maxabs"] <= r["norm"] + tol).all()
    assert (r["norm"] <= r["sumabs"] + tol).all()
    assert (r["abssum"] <= r["sumabs"] + tol).all()
    assert np.allclose(np.abs(r["sum"]), r["abssum"])


@pytest.mark.parametrize("t", REDUCTIONS.values())
@given(m=maps(max_n=2))
def test_reductions_pass_maps_through(t, m):
    assert np.array_equal(t(m), m)


def test_norm_of_a_pythagorean_pixel():
    x = np.array([[[[3.0]], [[4.0]], [[12.0]]]])
    assert NormReduction()(x)[0, 0, 0] == 13.0
