"""Colormap transforms: map (N, H, W) -> RGB pictures (N, H, W, 3).

The colour arithmetic (ColorSchemes.jl's linear interpolation between stops, the
8-bit tables) lives in :mod:`visheat.transforms.colour`; here the transforms choose
each sample's value range and call it.

The range is per sample: ``(min, max)`` for :class:`ExtremaColormap`,
``(-m, m)`` with ``m = max |x|`` for :class:`CenteredColormap`. A zero-width
range has a defined answer: a constant map takes the first colour of an
Extrema map; an all-zero map takes the centre colour of a Centered map (the
colour of 0, as for any other centred map).

:class:`LookupColormap` instead picks one of ``bins`` colours per value, as
matplotlib's ``cmap(x)`` and zennit's palettes do.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.batch import Batch, Stage, per_sample_rows
from ..core.errors import check_number, type_error, value_error
from ..core.pipeline import Transform, option
from .colour import (
    SCOPES,
    _as_table,
    _check_finite_map,
    _combine_extrema,
    _extrema_stats,
    _fix_degenerate,
    _sample_extrema,
    colorize,
    colorize_u8,
    fits,
    stops_of,
)


def _check_limit(argument: str, value: Any) -> float | None:
    return None if value is None else check_number(argument, value)


class RangeColormap(Transform):
    """Base of the colormaps that colour a map over a value range per sample.

    Subclasses choose the range (:meth:`range_from_extrema`); the colours come
    from the colour stops of ``name``, interpolated linearly as ColorSchemes.jl
    does (exact path) or through :func:`lut_u8` (8-bit path).
    """

    name: Any = "batlow"
    if TYPE_CHECKING:  # every subclass declares it, as an option in its own place
        scope: str = "sample"
    takes = frozenset({Stage.MAP})
    gives = Stage.RGB
    centered = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _as_table(self.name))
        if self.scope not in SCOPES + ("slice",):
            raise value_error("scope", "'sample', 'batch' or 'slice'", self.scope)

    def is_per_sample(self) -> bool:
        return self.scope != "batch"

    @property
    def stops(self) -> np.ndarray:
        """The colour stops ``(K, 3)`` of this colormap."""
        return stops_of(self.name)

    def work_map(self, m: np.ndarray) -> np.ndarray:
        """``m`` in a float dtype that holds this colormap's fixed limits (float64 if needed)."""
        return m if fits(self._limits(), m.dtype) else m.astype(np.float64)

    def _limits(self) -> tuple[float | None, ...]:
        return ()

    def value_range(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample ``(lo, hi)`` this colormap maps onto its colours.

        Raises a `ValueError` when ``m`` holds NaN or infinite values.
        """
        lo, hi = _sample_extrema(m, self.centered)
        return self.range_from_extrema(lo, hi, m)

    def range_from_extrema(self, lo: np.ndarray, hi: np.ndarray, m: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`value_range` from the map's per-sample extrema (``(-max|x|, max|x|)``
        for a centred colormap), as a fused loop finds them."""
        _check_finite_map(m, lo, hi, self)
        if self.scope == "batch" and m.shape[0]:
            lo, hi = np.full_like(lo, lo.min()), np.full_like(hi, hi.max())
        lo, hi = self._fixed(lo, hi)
        return _fix_degenerate(lo, hi, self.centered)

    def _fixed(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return lo, hi

    # -- two passes: a batch-wide range from slices (see visheat.render.twopass) -----
    def partial_stats(self, batch: Batch) -> tuple[Any, Any] | None:
        """This slice's share of the batch range: its ``(min lo, max hi)``, None if empty."""
        return _extrema_stats(self.work_map(batch.data), self)

    combine_stats = staticmethod(_combine_extrema)

    def with_stats(self, stats: tuple[Any, Any] | None) -> RangeColormap:
        """The per-sample colormap that gives this one's pictures for the batch
        whose combined :meth:`partial_stats` are ``stats``: its range, fixed."""
        if self.scope != "batch":
            return self
        if stats is None:  # an empty batch: nothing is coloured
            return replace(self, scope="sample")
        lo, hi = (np.array([v]) for v in stats)
        lo, hi = _fix_degenerate(*self._fixed(lo, hi), self.centered)
        return self._with_range(lo[0].item(), hi[0].item())

    def _with_range(self, lo: float, hi: float) -> RangeColormap:
        raise NotImplementedError

    def apply(self, batch: Batch) -> Batch:
        m = self.work_map(batch.data)
        d = batch.depth
        if self.scope == "slice" and d > 1:  # a range per slice or frame: (N·D, h, w)
            rgb, lo, hi = self._colour(m.reshape((m.shape[0] * d, -1, m.shape[2])), batch,
                                       None)
            rgb = rgb.reshape(m.shape + (3,))
            lo, hi = lo.reshape(-1, d), hi.reshape(-1, d)
        else:
            rgb, lo, hi = self._colour(m, batch, batch.out)
        done = batch.replace(data=rgb, stage=Stage.RGB)
        if batch.is_volume:  # where each volume's highest value lies (OrthoViews(at="peak"))
            return done.with_record(self, lo=lo, hi=hi, peak=peak_position(m, d))
        return done.with_record(self, lo=lo, hi=hi)

    def _colour(self, m: np.ndarray, batch: Batch, out: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = self.value_range(m)
        if batch.fast:
            rgb = colorize_u8(m, lo, hi, self.name, out,
                              clamp=any(v is not None for v in self._limits()))
        else:
            rgb = colorize(m, lo, hi, self.stops)
        return rgb, lo, hi


def peak_position(m: np.ndarray, depth: int) -> np.ndarray:
    """Where each folded volume's map ``(N, D·H, W)`` is highest, as ``(N, 3)`` fractions
    ``((z + 0.5) / D, (y + 0.5) / H, (x + 0.5) / W)`` (they survive a resize).

    >>> peak_position(np.array([[[0.0], [0.0], [0.0], [1.0]]]), 2).tolist()
    [[0.75, 0.75, 0.5]]
    """
    n, dh, w = m.shape
    if not m.size:
        return np.zeros((n, 3))
    return peak_fractions(per_sample_rows(m).argmax(axis=1), (depth, dh // depth, w))


def peak_fractions(flat: np.ndarray, size: tuple[int, int, int]) -> np.ndarray:
    """Flat indices into ``(D, H, W)`` volumes as :func:`peak_position`'s ``(N, 3)`` fractions.

    >>> peak_fractions(np.array([7]), (2, 2, 2)).tolist()
    [[0.75, 0.75, 0.75]]
    """
    index = np.stack(np.unravel_index(flat, size), axis=1)
    return (index + 0.5) / np.array(size)


class ExtremaColormap(RangeColormap):
    """Colour each sample between its minimum and maximum.

    Use sequential colour schemes (the default, ``"batlow"``, is Crameri's
    perceptually uniform map, as in VisionHeatmaps.jl).

    Parameters
    ----------
    name : str or array_like of shape (K, 3)
        A colormap name (matplotlib, colorcet, Crameri, ``"colorschemes:..."``
        for ColorSchemes.jl's exact data; ``"_r"`` reverses) or a colour table.
    vmin, vmax : float, optional
        Fixed ends of the range instead of the data's minimum / maximum (values
        outside are clamped), e.g. ``vmin=0, vmax=1`` for probabilities.
    scope : {"sample", "batch", "slice"}
        ``"batch"`` uses one range for every sample, so pictures can be compared.
        A volume or clip is one sample: its range covers every slice or frame, so a
        value has one colour throughout; ``"slice"`` gives each slice or frame its
        own range instead (recorded as ``(N, D)`` arrays; for images it is
        ``"sample"``).

    Examples
    --------
    >>> ExtremaColormap("gray")(np.array([[[0.0, 5.0, 10.0]]]))[0, 0, :, 0]
    array([0. , 0.5, 1. ])
    >>> ExtremaColormap("gray", vmin=0, vmax=20)(np.array([[[0.0, 5.0, 10.0]]]))[0, 0, :, 0]
    array([0.  , 0.25, 0.5 ])
    >>> ExtremaColormap("gray", scope="batch")(np.array([[[0.0, 1.0]], [[2.0, 4.0]]]))[:, 0, :, 0]
    array([[0.  , 0.25],
           [0.5 , 1.  ]])
    """

    name: Any = "batlow"
    vmin: float | None = option(default=None)
    vmax: float | None = option(default=None)
    scope: str = option(default="sample")

    def __post_init__(self) -> None:
        super().__post_init__()
        vmin, vmax = _check_limit("vmin", self.vmin), _check_limit("vmax", self.vmax)
        if vmin is not None and vmax is not None and not vmin < vmax:
            raise value_error("vmin", f"a number below vmax={vmax:g}", self.vmin)
        object.__setattr__(self, "vmin", vmin)
        object.__setattr__(self, "vmax", vmax)

    def _limits(self) -> tuple[float | None, ...]:
        return self.vmin, self.vmax

    def _fixed(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.vmin is not None:
            lo = np.full_like(lo, self.vmin)
        if self.vmax is not None:
            hi = np.full_like(hi, self.vmax)
        return lo, np.maximum(hi, lo)

    def _with_range(self, lo: float, hi: float) -> ExtremaColormap:
        return ExtremaColormap(self.name, vmin=lo, vmax=hi)


class CenteredColormap(RangeColormap):
    """Colour each sample symmetrically around zero, on ``[-max|x|, max|x|]``.

    Zero takes the centre colour. Use diverging schemes (default ``"berlin"``).

    Parameters
    ----------
    name : str or array_like of shape (K, 3)
        See :class:`ExtremaColormap`.
    vmax : float, optional
        A fixed half-width: the range is ``[-vmax, vmax]``.
    scope : {"sample", "batch", "slice"}
        ``"batch"`` uses the largest ``|x|`` of the whole batch for every sample;
        ``"slice"``, of each slice or frame of a volume or clip (see
        :class:`ExtremaColormap`).

    Examples
    --------
    >>> CenteredColormap("gray")(np.array([[[-2.0, 0.0, 1.0]]]))[0, 0, :, 0]
    array([0.  , 0.5 , 0.75])
    >>> CenteredColormap("gray", vmax=4)(np.array([[[-2.0, 0.0, 1.0]]]))[0, 0, :, 0]
    array([0.25 , 0.5  , 0.625])
    """

    name: Any = "berlin"
    vmax: float | None = option(default=None)
    scope: str = option(default="sample")
    centered = True

    def __post_init__(self) -> None:
        super().__post_init__()
        vmax = _check_limit("vmax", self.vmax)
        if vmax is not None and vmax <= 0:
            raise value_error("vmax", "a positive half-width", self.vmax)
        object.__setattr__(self, "vmax", vmax)

    def _limits(self) -> tuple[float | None, ...]:
        return (self.vmax,)

    def _fixed(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.vmax is None:
            return lo, hi
        return np.full_like(lo, -self.vmax), np.full_like(hi, self.vmax)

    def _with_range(self, lo: float, hi: float) -> CenteredColormap:
        return CenteredColormap(self.name, vmax=hi)

QUANTIZE = ("bins", "levels", "nearest")
ROUNDINGS = ("nearest", "down", "truncate")


def _as_limit(argument: str, value: Any) -> float | tuple[float, ...] | None:
    """``None``, one number, or one number per sample (a tuple), all finite."""
    if value is None or isinstance(value, (int, float, np.integer, np.floating)):
        return _check_limit(argument, value)
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error(argument, "None, a number or one number per sample", value) from None
    if arr.ndim != 1 or not np.isfinite(arr).all():
        raise value_error(argument, "None, a number or a 1-D sequence of finite numbers", arr)
    return tuple(float(v) for v in arr)


def _lookup_positions(t: np.ndarray, bins: int, quantize: str) -> np.ndarray:
    """Bin indices of unit positions ``t`` (values outside [0, 1] are clamped).

    ``"bins"`` is matplotlib's ``Colormap.__call__``: ``floor(t * bins)``, with
    ``t == 1`` in the last bin. ``"levels"`` is an 8-bit cast as zennit and
    OpenCV users do it: ``uint8(clip(t * (bins - 1)))``, truncated.
    ``"nearest"`` rounds ``t * (bins - 1)`` half to even, as imgaug's
    ``to_uint8()`` does before its colour lookup.

    Examples
    --------
    >>> t = np.array([-0.5, 0.0, 0.499, 0.5, 0.999, 1.0, 2.0])
    >>> _lookup_positions(t, 4, "bins")
    array([0, 0, 1, 2, 3, 3, 3])
    >>> _lookup_positions(t, 4, "levels")
    array([0, 0, 1, 1, 2, 3, 3])
    >>> _lookup_positions(t, 4, "nearest")
    array([0, 0, 1, 2, 3, 3, 3])
    """
    scale = t.dtype.type(bins if quantize == "bins" else bins - 1)
    with np.errstate(invalid="ignore"):
        f = np.clip(t * scale, 0, bins - 1)
        if quantize == "nearest":
            f = np.round(f)
    return f.astype(np.intp)


@lru_cache(maxsize=64)
def lookup_table(name: str | tuple, bins: int, level: float = 1.0) -> np.ndarray:
    """The ``(bins, 3)`` float64 colours of a quantised colormap (read-only).

    Bin ``k`` takes the scheme's colour at ``clip(((2 k / (bins - 1) - 1) * level
    + 1) / 2, 0, 1)``: evenly spaced for ``level=1`` (matplotlib's lookup table of
    a map with ``bins`` entries); zennit's ``level`` squeezes (< 1) or steepens
    (> 1) the colours around the centre.

    Examples
    --------
    >>> lookup_table("gray", 3)
    array([[0. , 0. , 0. ],
           [0.5, 0.5, 0.5],
           [1. , 1. , 1. ]])
    """
    k = np.linspace(-1.0, 1.0, bins) * level
    ramp = np.clip((k + 1.0) / 2.0, 0.0, 1.0)[None, None, :]
    table = np.clip(colorize(ramp, np.zeros(1), np.ones(1), stops_of(name))[0, 0], 0, 1)
    table.flags.writeable = False
    return table


class LookupColormap(Transform):
    """Colour each value with the nearest of ``bins`` colours, as matplotlib and zennit draw.

    :class:`ExtremaColormap` interpolates between colour stops, as
    ColorSchemes.jl does; matplotlib's ``cmap(norm(x))`` instead picks one of
    ``N = 256`` precomputed colours (``floor(t * N)``), and zennit casts
    ``255 * t`` to uint8 and looks it up in a 256-colour palette. This colormap
    does either, so pictures ported from them keep their colours.

    Per sample, ``t = (x - lo) / (hi - lo)`` in the map's precision, where
    ``lo, hi`` are ``vmin``/``vmax`` if given, else the sample's minimum and
    maximum (``centered=True``: ``-max|x|, max|x|``). A zero-width range gives
    the first colour (the middle colour when centred).

    Parameters
    ----------
    name : str or array_like of shape (K, 3)
        A colormap name or table, as in :class:`ExtremaColormap`.
    vmin, vmax : float or sequence of float, optional
        Fixed range ends: one number for every sample, or one per sample.
    bins : int
        Number of colours, >= 2 (default 256, matplotlib's and zennit's).
    quantize : {"bins", "levels", "nearest"}
        ``"bins"``: matplotlib's ``floor(t * bins)``; ``"levels"``: zennit's
        ``uint8(t * (bins - 1))``; ``"nearest"``: imgaug's ``round(t * (bins - 1))``.
        See :func:`_lookup_positions`.
    centered : bool
        Default range symmetric around zero (zennit's ``symmetric=True``).
    level : float
        zennit's palette ``level`` (> 0; 1 spreads the colours evenly).
    rounding : {"nearest", "down", "truncate"}
        How the 8-bit path turns the bin colours into levels: to the nearest
        (default); down, as zennit's palette does (``uint8(round(255 * c, 12))``);
        or truncated in float64 as imgaug does (``uint8(255 * c)``, where e.g.
        ``255 * (128 / 255)`` lands just below 128 and becomes 127).

    Examples
    --------
    >>> LookupColormap("gray", bins=2)(np.array([[[0.0, 0.49, 0.51, 1.0]]]))[0, 0, :, 0]
    array([0., 0., 1., 1.])
    >>> LookupColormap("gray", vmin=[0, 0], vmax=[1, 4], bins=5, quantize="levels")(
    ...     np.array([[[1.0]], [[1.0]]]))[:, 0, 0, 0]
    array([1.  , 0.25])
    """

    name: Any = "viridis"
    vmin: Any = option(default=None)
    vmax: Any = option(default=None)
    bins: int = option(default=256)
    quantize: str = option(default="bins")
    centered: bool = option(default=False)
    level: float = option(default=1.0)
    rounding: str = option(default="nearest")
    takes = frozenset({Stage.MAP})
    gives = Stage.RGB

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _as_table(self.name))
        if self.rounding not in ROUNDINGS:
            raise value_error("rounding", "'nearest', 'down' or 'truncate'", self.rounding)
        object.__setattr__(self, "vmin", _as_limit("vmin", self.vmin))
        object.__setattr__(self, "vmax", _as_limit("vmax", self.vmax))
        bins = check_number("bins", self.bins, low=2, high=1 << 16)
        if bins != int(bins):
            raise value_error("bins", "a whole number of colours", self.bins)
        object.__setattr__(self, "bins", int(bins))
        if self.quantize not in QUANTIZE:
            raise value_error("quantize", "'bins', 'levels' or 'nearest'", self.quantize)
        if not isinstance(self.centered, (bool, np.bool_)):
            raise type_error("centered", "True or False", self.centered)
        level = check_number("level", self.level)
        if not level > 0:
            raise value_error("level", "a positive number", self.level)
        object.__setattr__(self, "level", float(level))

    def _limit(self, value: Any, found: np.ndarray, batch: Batch) -> np.ndarray:
        if value is None:
            return found
        if isinstance(value, tuple):
            if len(value) < batch.start + batch.n:
                raise value_error("vmin/vmax", f"one number per sample ({batch.start + batch.n})",
                                  f"{len(value)} numbers", described=True)
            return np.array(value[batch.start:batch.start + batch.n], found.dtype)
        return np.full_like(found, value)

    def apply(self, batch: Batch) -> Batch:
        m = batch.data if batch.data.dtype.kind == "f" else batch.data.astype(np.float64)
        lo, hi = _sample_extrema(m, bool(self.centered)) if m.size else (
            np.zeros(m.shape[0], m.dtype), np.ones(m.shape[0], m.dtype))
        _check_finite_map(m, lo, hi, self)
        lo, hi = self._limit(self.vmin, lo, batch), self._limit(self.vmax, hi, batch)
        shape = (-1,) + (1,) * (m.ndim - 1)
        width = (hi - lo).reshape(shape)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            t = (m - lo.reshape(shape)) / np.where(width > 0, width, m.dtype.type(1))
        if self.centered:
            t = np.where(width > 0, t, m.dtype.type(0.5))
        idx = _lookup_positions(t.astype(m.dtype, copy=False), self.bins, self.quantize)
        table = lookup_table(self.name, self.bins, self.level)
        if batch.fast:
            levels = table * 255
            if self.rounding == "nearest":
                levels = np.rint(levels)
            elif self.rounding == "down":
                levels = np.floor(np.round(levels, 12))
            rgb = np.clip(levels, 0, 255).astype(np.uint8)[idx]
        else:
            rgb = table[idx]
        return batch.replace(data=rgb, stage=Stage.RGB).with_record(self, lo=lo, hi=hi)
