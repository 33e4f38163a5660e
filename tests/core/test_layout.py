"""Reading array-likes and layouts: explicit, never guessed."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import heatmap
from visheat.core.batch import Stage
from visheat.core.layout import check_finite, parse_layout, read_batch, to_numpy
from visheat.testing import layouts


@given(layouts(), st.data())
def test_any_layout_reads_the_same_samples_as_nchw(layout, data):
    sizes = {"N": data.draw(st.integers(1, 3)), "C": data.draw(st.integers(1, 3)),
             "H": data.draw(st.integers(1, 5)), "W": data.draw(st.integers(1, 5))}
    nchw = np.arange(np.prod(list(sizes.values())), dtype=np.float32).reshape(
        sizes["N"], sizes["C"], sizes["H"], sizes["W"])
    kept = [c for c in "NCHW" if c in layout]
    index = tuple(slice(None) if c in layout else 0 for c in "NCHW")
    reduced = nchw[index]  # drop the axes the layout does not have
    x = np.transpose(reduced, [kept.index(c) for c in layout])
    arr, stage = read_batch(x, layout)
    expected = reduced
    if "N" not in layout:
        expected = expected[None]
    assert stage is (Stage.VALUES if "C" in layout else Stage.MAP)
    assert np.array_equal(arr, expected)


def test_whcn_reads_julia_arrays_upright():
    # a Julia array x[w, h, c, n] saved with its shape (W, H, C, N)
    julia = np.arange(2 * 3 * 1 * 1, dtype=np.float32).reshape((2, 3, 1, 1), order="F")
    arr, _ = read_batch(julia, "WHCN")
    assert arr.shape == (1, 1, 3, 2)
    assert arr[0, 0, 2, 1] == julia[1, 2, 0, 0]


@pytest.mark.parametrize("layout, match", [
    ("NCHX", "Unknown letter 'X'"), ("NCHH", "Repeated letter 'H'"), ("NC", "Both H and W"),
    ("", "Both H and W"),
])
def test_bad_layouts_are_refused(layout, match):
    with pytest.raises(ValueError, match=f"layout: expected letters from N, C, H, W.*{match}"):
        parse_layout(layout)


def test_layout_must_be_a_string():
    with pytest.raises(TypeError, match="layout: expected a string"):
        parse_layout(["N", "C", "H", "W"])


def test_shape_not_fitting_the_layout_shows_shape_layout_and_form():
    with pytest.raises(ValueError, match=r"x: expected 4 axes \(N, C, H, W\) for layout 'NCHW'; "
                                         r"got shape \(3, 8, 8\)\. For one image use layout='CHW'"):
        heatmap(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match=r"3 axes \(H, W, C\) for layout 'HWC'; got shape \(8, 8\)"):
        heatmap(np.zeros((8, 8)), layout="HWC")


def test_nested_lists_and_dlpack_objects_are_read():
    assert read_batch([[[1.0, 2.0]]], "NHW")[0].shape == (1, 1, 2)

    class Tensor:  # anything that speaks the DLPack protocol, like torch or jax
        def __init__(self, a, requires_grad=True):
            self.a = a
            self.requires_grad = requires_grad

        def detach(self):
            return Tensor(self.a, requires_grad=False)

        def __dlpack__(self, **kwargs):
            if self.requires_grad:
                raise RuntimeError("Can't export tensors that require gradient")
            return self.a.__dlpack__(**kwargs)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    t = Tensor(np.ones((1, 3, 2, 2), np.float32))
    arr = to_numpy(t)
    assert arr.shape == (1, 3, 2, 2) and arr.dtype == np.float32

    class Broken(Tensor):
        def detach(self):
            return self  # still requires grad: the export keeps failing

    with pytest.raises(TypeError, match="x: expected an array that numpy can read"):
        to_numpy(Broken(np.ones(3)))


@pytest.mark.parametrize("x, cls, match", [
    (np.zeros((1, 1, 2, 2), complex), TypeError, "np.abs\\(x\\) or x.real"),
    (np.array([[[["a"]]]]), TypeError, "real numbers"),
    (np.zeros((1, 1, 2, 2), object), TypeError, "real numbers"),
    ("not an array", TypeError, "x: expected an array"),
    (None, TypeError, "x: expected an array"),
])
def test_unreadable_dtypes_are_refused(x, cls, match):
    with pytest.raises(cls, match=match):
        read_batch(x)


@pytest.mark.parametrize("dtype, expected", [
    (np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64),
    (np.int64, np.float64), (np.uint8, np.float64), (np.bool_, np.float64),
])
def test_numeric_dtypes_are_read_as_floats(dtype, expected):
    arr, _ = read_batch(np.ones((1, 1, 2, 2), dtype))
    assert arr.dtype == expected and (arr == 1).all()


def test_non_finite_values_are_counted_in_the_error():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 0, :2] = np.nan
    x[0, 0, 1, 0] = np.inf
    with pytest.raises(ValueError, match="x: expected finite values; got 2 NaN and 1 infinite"):
        check_finite(x)
    with pytest.raises(ValueError, match="2 NaN and 1 infinite"):
        heatmap(x)


def test_caller_array_is_read_only_for_visheat():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4)).astype(np.float32)
    x.flags.writeable = False  # any write inside visheat would raise
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        heatmap(x, "attribution")
        heatmap(x.transpose(0, 2, 3, 1), layout="NHWC")
        heatmap(x[:, :, ::-1, ::2], dtype=np.float64)
