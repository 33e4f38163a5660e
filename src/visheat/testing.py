"""A test kit for transforms: hypothesis strategies and :func:`check_transform`.

Use it in your own property tests the way visheat's tests do::

    from hypothesis import given
    from visheat.testing import maps, check_transform

    @given(maps())
    def test_my_transform(m):
        check_transform(MyTransform(), m)

Requires the ``hypothesis`` package (``pip install ".[test]"``).
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np

from .core.batch import Batch, Stage
from .core.pipeline import Pipeline, Transform, apply_steps

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as err:  # pragma: no cover - exercised only without hypothesis
    raise ImportError("visheat.testing needs hypothesis: pip install '.[test]'") from err

#: Finite floats of moderate size: large enough to have heavy tails, small enough
#: that sums of squares stay finite in float32.
FINITE: dict[str, Any] = {"allow_nan": False, "allow_infinity": False, "min_value": -1e6,
                          "max_value": 1e6, "allow_subnormal": False}


@st.composite
def batch_shapes(draw: Any, stage: Stage = Stage.VALUES, max_n: int = 3, max_side: int = 9,
                 max_channels: int = 4) -> tuple[int, ...]:
    """Shapes of batch arrays in ``stage`` (the batch axis may be empty)."""
    n = draw(st.integers(0, max_n))
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    if stage is Stage.VALUES:
        return (n, draw(st.integers(1, max_channels)), h, w)
    if stage is Stage.MAP:
        return (n, h, w)
    return (n, h, w, 3)


def float_arrays(shape: Any, dtype: Any = None) -> st.SearchStrategy[np.ndarray]:
    """Arrays of finite float32 or float64 values of the given shape strategy."""
    dtypes = st.sampled_from([np.float32, np.float64]) if dtype is None else st.just(dtype)
    return dtypes.flatmap(lambda dt: hnp.arrays(dt, shape, elements=st.floats(
        width=32 if dt == np.float32 else 64, **FINITE)))


def values(dtype: Any = None, **shape_kwargs: Any) -> st.SearchStrategy[np.ndarray]:
    """``(N, C, H, W)`` channel values."""
    return float_arrays(batch_shapes(Stage.VALUES, **shape_kwargs), dtype)


def maps(dtype: Any = None, **shape_kwargs: Any) -> st.SearchStrategy[np.ndarray]:
    """``(N, H, W)`` maps."""
    return float_arrays(batch_shapes(Stage.MAP, **shape_kwargs), dtype)


def rgb_pictures(**shape_kwargs: Any) -> st.SearchStrategy[np.ndarray]:
    """``(N, H, W, 3)`` float pictures in [0, 1]."""
    return hnp.arrays(np.float64, batch_shapes(Stage.RGB, **shape_kwargs),
                      elements=st.floats(0, 1))


def layouts() -> st.SearchStrategy[str]:
    """Layout strings: every order of N, C, H, W with N and C optional."""
    return st.sets(st.sampled_from("NC")).flatmap(
        lambda extra: st.permutations(["H", "W", *sorted(extra)])).map("".join)


def _stage_of(t: Transform, x: np.ndarray, stage: Any) -> Stage:
    return Stage.coerce(stage) if stage is not None else t._stage_of(x, None)


def check_transform(t: Transform, x: np.ndarray, *, image: Any = None, stage: Any = None,
                    dtype: Any = np.float64) -> np.ndarray:
    """Assert the contract every visheat transform keeps; return its output.

    Checks: the input is not modified; the output has the shape contract of the
    declared output stage and the same batch size; a second call gives the same
    result; a per-sample transform gives on each sample alone what it gives on
    the batch; ``repr`` evaluates back to an equal transform with the same hash;
    pickling round-trips; and the text form parses back when the transform is
    one of visheat's own.
    """
    import visheat

    before = np.array(x, copy=True)
    found = _stage_of(t, x, stage)
    out = t(x, image=image, stage=found, dtype=dtype)
    assert np.array_equal(x, before, equal_nan=True), "the transform modified its input"
    expected = t.output_stage(found)
    assert out.ndim == expected.ndim and out.shape[0] == x.shape[0], (out.shape, expected)
    again = t(x, image=image, stage=found, dtype=dtype)
    assert np.array_equal(out, again, equal_nan=True), "two calls gave different results"
    if t.is_per_sample():
        for i in range(x.shape[0]):
            one = t(x[i:i + 1], image=_image_of(image, i), stage=found, dtype=dtype)
            assert np.array_equal(one[0], out[i], equal_nan=True), \
                f"sample {i} depends on the batch"
    namespace = {name: getattr(visheat, name) for name in visheat.__all__}
    namespace[type(t).__name__] = type(t)
    copy = eval(repr(t), namespace)  # repr must be pasteable code
    assert copy == t and hash(copy) == hash(t), f"repr does not round-trip: {t!r}"
    assert pickle.loads(pickle.dumps(t)) == t, "pickle does not round-trip"
    if type(t).__name__ in visheat.__all__ or isinstance(t, Pipeline):
        assert Pipeline.parse(str(Pipeline(t))) == Pipeline(t), "text form does not round-trip"
    return out


def _image_of(image: Any, i: int) -> Any:
    if image is None:
        return None
    arr = np.asarray(image)
    return arr[i:i + 1] if arr.ndim == 4 else arr


def run_steps(steps: list[Transform], data: np.ndarray, stage: Stage) -> np.ndarray:
    """Apply ``steps`` without chunking (a reference for the chunked runner)."""
    return apply_steps(steps, Batch(data, stage)).data
