"""Reductions over the channel axis: channel values (N, C, H, W) -> map (N, H, W).

Each reduction follows VisionHeatmaps.jl's arithmetic step by step, so results
match Julia's to the last bit for float32 and float64 input. With one channel,
or when the input is already a map, every reduction returns it unchanged (as in
VisionHeatmaps.jl: a lone channel is not made absolute).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.batch import Batch, Stage, per_sample_rows
from ..core.pipeline import Transform


def _sum(x: np.ndarray) -> np.ndarray:
    out = x[:, 0].copy()
    for c in range(1, x.shape[1]):
        out += x[:, c]
    return out


def _norm_in_order(x: np.ndarray) -> np.ndarray:
    # Julia's reduce(f, x; dims=3, init=0) with f(a, c) = sqrt(a^2 + c^2), step by step
    out = np.sqrt(x[:, 0] * x[:, 0])
    for c in range(1, x.shape[1]):
        out *= out
        out += x[:, c] * x[:, c]
        np.sqrt(out, out=out)
    return out


def underflow_limit(dtype: np.dtype) -> float:
    """Largest norm at which squaring a sample's values may have underflowed.

    Below ``4 * sqrt(tiny)`` the squares of a sample's largest values are
    subnormal or zero, so their norm loses precision or vanishes (a map of
    values near 1e-25 in float32 would come out flat). :func:`reduce_channels`
    computes such samples again on values scaled by a power of two.

    >>> underflow_limit(np.dtype(np.float32)) < 1e-18 < underflow_limit(np.dtype(np.float64)) + 1
    True
    """
    return float(4 * np.sqrt(np.finfo(dtype).tiny))


def _norm(x: np.ndarray) -> np.ndarray:
    out = _norm_in_order(x)
    if out.size == 0:
        return out
    peaks = per_sample_rows(out).max(axis=1)
    for i in np.flatnonzero(peaks < underflow_limit(out.dtype)):
        top = np.abs(x[i]).max()
        if top > 0:  # scaling by 2**k is exact both ways: the norm of the unscaled values
            k = -int(np.frexp(top)[1])
            out[i] = np.ldexp(_norm_in_order(np.ldexp(x[i:i + 1], k))[0], -k)
    return out


def _max_abs(x: np.ndarray) -> np.ndarray:
    return np.abs(x).max(axis=1)


def _sum_abs(x: np.ndarray) -> np.ndarray:
    out = np.abs(x[:, 0])
    for c in range(1, x.shape[1]):
        out += np.abs(x[:, c])
    return out


def _abs_sum(x: np.ndarray) -> np.ndarray:
    return np.abs(_sum(x))


#: The numpy definition of each reduction, by the ``how`` of its transform.
REDUCERS = {"sum": _sum, "norm": _norm, "maxabs": _max_abs, "sumabs": _sum_abs,
            "abssum": _abs_sum}


def reduce_channels(values: np.ndarray, how: str) -> np.ndarray:
    """Reduce ``(N, C, H, W)`` channel values to an ``(N, H, W)`` map.

    Parameters
    ----------
    values : numpy.ndarray
        Float array of shape ``(N, C, H, W)``.
    how : {"sum", "norm", "maxabs", "sumabs", "abssum"}
        ``sum`` Σc, ``norm`` √(Σc²), ``maxabs`` max|c|, ``sumabs`` Σ|c|,
        ``abssum`` |Σc|.

    Examples
    --------
    >>> x = np.array([[[[3.0]], [[-4.0]]]])          # N=1, C=2, H=W=1
    >>> hows = ("sum", "norm", "maxabs", "sumabs", "abssum")
    >>> [float(reduce_channels(x, h)[0, 0, 0]) for h in hows]
    [-1.0, 5.0, 4.0, 7.0, 1.0]
    >>> float(reduce_channels(x[:, :1] * -1, "norm")[0, 0, 0])   # one channel: unchanged
    -3.0
    """
    if values.shape[1] == 1:
        return values[:, 0]
    return REDUCERS[how](values)


class ChannelReduction(Transform):
    """Base of the channel reductions: ``(N, C, H, W)`` values to an ``(N, H, W)`` map.

    A subclass sets ``how`` to a key of :data:`REDUCERS`; a map passes through.
    """

    takes = frozenset({Stage.VALUES, Stage.MAP})
    gives = Stage.MAP
    how = "sum"

    def apply(self, batch: Batch) -> Batch:
        self.check_values(batch)
        if batch.stage is Stage.MAP:
            return batch.replace(stage=Stage.MAP)
        return batch.replace(data=reduce_channels(batch.data, self.how), stage=Stage.MAP)

    def check_values(self, batch: Batch) -> None:
        """A hook run before reducing, by ``apply`` and by the engine's kernel alike: a
        subclass warns here about values it would reduce to a misleading map."""


class SumReduction(ChannelReduction):
    """Sum the channels: ``Σ c``. Keeps signs; pair it with :class:`CenteredColormap`.

    Examples
    --------
    >>> SumReduction()(np.ones((1, 3, 2, 2))).shape
    (1, 2, 2)
    """

    how = "sum"


#: Channels a CAM preset sums without a word: 1 (a CAM), 3 or 4 (RGB- or RGBA-shaped maps,
#: which VisionHeatmaps.jl's ``cam`` preset sums too). More are most likely another axis
#: read as channels: the depth of a 3-D CAM, or the CAMs of several layers, stacked.
CAM_CHANNELS = 4


def _cam_channels_message(step: ChannelReduction, shape: tuple[int, ...]) -> str:
    """The warning of :class:`CamSumReduction` for per-sample values of ``shape`` (C, H, W)."""
    c = shape[0]
    size = " x ".join(map(str, shape[1:]))
    return (f"x: expected a CAM of at most {CAM_CHANNELS} channels for {step!r} (the 'cam' and "
            "'gradcam' presets), (N, 1, H, W), or (N, H, W) with layout='NHW'; got "
            f"{c} channels of {size} per sample, summed as asked. If they are the depth of a "
            "3-D CAM, draw it as a volume with layout='NDHW' (one range for the whole volume, "
            "depth resampled to the scan's); if they are the CAMs of several layers, combine them "
            "first with visheat.combine_cams(...); SumReduction() sums channels without this "
            "warning.")


class CamSumReduction(ChannelReduction):
    """Sum the channels of class-activation maps, and warn when there are too many.

    The reduction of the ``"cam"`` and ``"gradcam"`` presets: ``Σ c``, the maps of
    :class:`SumReduction`, with a ``UserWarning`` when a sample has more than
    :data:`CAM_CHANNELS` (4) channels. A CAM has one channel, ``(N, 1, H, W)``,
    or none, ``(N, H, W)`` with ``layout="NHW"``; more channels are most likely
    another axis read as channels (the depth of a 3-D CAM, ``(N, D, H, W)``), and
    their sum is a picture of none of them. Attributions with 3 channels are
    summed quietly.

    Examples
    --------
    >>> CamSumReduction()(np.ones((1, 3, 2, 2)))[0]
    array([[3., 3.],
           [3., 3.]])
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     depth = CamSumReduction()(np.ones((2, 8, 16, 16)))
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    x: expected a CAM of at most 4 channels ...; got 8 channels of 16 x 16 per sample, ...
    """

    how = "sum"

    def check_values(self, batch: Batch) -> None:  # the kernel runs it too (no own apply)
        if batch.stage is Stage.VALUES and batch.data.shape[1] > CAM_CHANNELS:
            warnings.warn(_cam_channels_message(self, batch.data.shape[1:]), UserWarning,
                          stacklevel=3)


class NormReduction(ChannelReduction):
    """Euclidean norm over the channels: ``√(Σ c²)``, always ≥ 0.

    Examples
    --------
    >>> float(NormReduction()(np.array([[[[3.0]], [[4.0]]]]))[0, 0, 0])
    5.0
    """

    how = "norm"


class MaxAbsReduction(ChannelReduction):
    """Largest absolute channel value: ``max |c|``.

    Examples
    --------
    >>> float(MaxAbsReduction()(np.array([[[[1.0]], [[-2.0]]]]))[0, 0, 0])
    2.0
    """

    how = "maxabs"


class SumAbsReduction(ChannelReduction):
    """Sum of absolute channel values: ``Σ |c|``.

    Examples
    --------
    >>> float(SumAbsReduction()(np.array([[[[1.0]], [[-2.0]]]]))[0, 0, 0])
    3.0
    """

    how = "sumabs"


class AbsSumReduction(ChannelReduction):
    """Absolute value of the channel sum: ``|Σ c|``.

    Examples
    --------
    >>> float(AbsSumReduction()(np.array([[[[1.0]], [[-2.0]]]]))[0, 0, 0])
    1.0
    """

    how = "abssum"
