"""``figure()``: heatmaps as a matplotlib figure, with truthful colour bars.

The figure is built with matplotlib's object-oriented API
(:class:`matplotlib.figure.Figure`), never with ``pyplot``: it touches no global
state and works with any backend (Agg included). Because pyplot never sees it, it
carries its own PNG form (``_repr_png_``), so it shows in Jupyter without
``%matplotlib inline``. Clips and volumes are drawn as strips of frames or montages of
slices (:func:`pick_frames` chooses them). :meth:`visheat.Heatmaps.plot` draws one picture with its
colour bar into an Axes of your own layout. matplotlib is imported only when a
figure is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.errors import check_number, type_error, value_error
from ..core.limits import check_allocation, max_bytes
from .cards import _check_alpha, _read_images, panels, read_captions
from .heatmaps import ColorbarInfo, Heatmaps
from .plotting import draw_colorbar

__all__ = ["figure", "pick_frames"]

#: Panels per row of the figure when ``ncols`` is not given.
PANELS_PER_ROW = 6
#: Frames (slices) of a clip (volume) drawn when neither ``every`` nor ``frames`` is given.
MAX_FRAMES = 16


def figure(heatmaps: Heatmaps, images: Any = None, titles: Any = None, ncols: int | None = None,
           colorbar: bool = True, *, alpha: float | None = 0.5, panel_size: float = 2.0,
           every: int | None = None, frames: Any = None) -> Any:
    """Draw a batch of heatmaps as a grid: image, heatmap and overlay per sample.

    Clips and volumes (``heatmap()`` of a layout with T or D, without a view) are drawn
    one below the other, each as a strip of its frames (clips) or a montage of its
    slices (volumes), every panel titled with its index (``frame 3``, ``slice 3``), and
    one colour bar under each: the range of that clip or volume (with ranges per slice,
    ``scope="slice"``, a bar under every panel instead).

    Each sample is one cell: its image (when there are images), its heatmap,
    the heatmap blended over the image, a title, and a colour bar under the
    heatmap. The colour bar spreads the colormap's stops over the value range the
    picture was really scaled to, read from the pipeline's record (the clipped
    range after :class:`~visheat.PercentileClip`, ``[-m, m]`` for a
    :class:`~visheat.CenteredColormap`), and names the colormap.

    Parameters
    ----------
    heatmaps : Heatmaps
        The pictures, as :func:`visheat.heatmap` returns them.
    images : array_like, list or False, optional
        The images the heatmaps belong to, in any form :func:`visheat.heatmap`
        accepts (one per sample, or one for all). Default: the images the heatmaps
        were made with (``heatmaps.images``); ``False`` draws the heatmaps alone.
    titles : list of str or dict, optional
        One per sample: a string, or a dict with ``label``, ``score`` and
        ``method``. Default: the sample's index, ``#i``.
    ncols : int, optional
        Samples per row (default: as many as fit six panels).
    colorbar : bool
        Draw a colour bar per sample (needs pictures made by a colormap step).
    alpha : float or None
        Opacity of the heatmap in the computed overlay; ``None`` leaves the
        overlay out. Pictures that are overlays already (the pipeline ends in
        :class:`~visheat.AlphaOverlay`) are shown as they are.
    panel_size : float
        Width of one panel in inches.
    every : int, optional
        Clips and volumes: draw frames (slices) ``0, every, 2·every, ...``. Default: the
        smallest step that draws at most 16 (:data:`MAX_FRAMES`).
    frames : sequence of int, optional
        Clips and volumes: the frames (slices) to draw, instead of ``every``; negative
        indices count from the end. ``ncols`` is then panels per row (default: all
        in one row for clips, a square montage for volumes).

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig(path)``; in Jupyter it shows itself (as the
        last expression of a cell, or with ``display(fig)``), also without
        ``%matplotlib inline``.

    Examples
    --------
    >>> import numpy as np
    >>> from visheat import heatmap, figure
    >>> x = np.random.default_rng(0).normal(size=(2, 3, 16, 16))
    >>> fig = figure(heatmap(x, "attribution"), titles=["first", "second"])
    >>> [ax.get_label() for ax in fig.get_axes() if ax.get_visible()]
    ['heatmap 0', 'colorbar 0', 'heatmap 1', 'colorbar 1']
    >>> [t.get_text() for t in fig.get_axes()[1].get_xticklabels()][1]
    '0'

    A volume of four slices, every other one:

    >>> v = np.random.default_rng(0).normal(size=(1, 4, 8, 8))
    >>> fig = figure(heatmap(v, "attribution", layout="NDHW"), every=2)
    >>> [ax.get_title() for ax in fig.get_axes() if ax.get_title()]
    ['slice 0', 'slice 2']
    """
    from ._notebook_figure import HeatmapFigure

    if not isinstance(heatmaps, Heatmaps):
        raise type_error("heatmaps", "a Heatmaps result of visheat.heatmap()", heatmaps)
    if heatmaps.is_clips():
        return _clip_figure(heatmaps, images, titles, ncols, colorbar, panel_size, every,
                            frames)
    for name, value in (("every", every), ("frames", frames)):
        if value is not None:
            raise type_error(name, "None for pictures (frames are of clips and volumes: a "
                             "layout with D or T)", value)
    n = len(heatmaps)
    found_images = _read_images(images, heatmaps)
    captions = read_captions(titles, n, "titles")
    alpha = _check_alpha(alpha)
    size = check_number("panel_size", panel_size, low=0, low_open=True)
    if colorbar and n and not heatmaps.has_colorbar():
        raise value_error("heatmaps", "pictures made by a colormap step for colour bars",
                          "no colormap record", "Pass colorbar=False.", described=True)
    cards = [panels(heatmaps, found_images, i, alpha) for i in range(n)]
    k = len(cards[0]) if cards else 1
    columns = _columns(ncols, n, k)
    rows = max(1, math.ceil(n / columns))
    height = size * (1.45 if colorbar else 1.2)
    _check_canvas(columns, rows, k, size, height, ncols)
    fig = HeatmapFigure(figsize=(columns * k * size, rows * height), layout="constrained")
    if not n:
        return fig
    cells = fig.subfigures(rows, columns, squeeze=False)
    for i, card in enumerate(cards):
        info = heatmaps.colorbar_info(i) if colorbar else None
        title = captions[i].text() or f"#{i}"
        _draw_card(cells[i // columns][i % columns], card, title, info, i)
    return fig


#: Agg, matplotlib's raster backend, draws at most this many pixels on a side.
MAX_PIXELS = 2**16


def _check_canvas(columns: int, rows: int, k: int, size: float, height: float,
                  ncols: int | None) -> None:
    """Refuse a figure too large to draw, before matplotlib builds it.

    A cell is ``k`` panels of ``size`` inches, ``height`` inches tall. The hint names a
    value of the argument at fault with which the figure fits (on each side and in memory).
    """
    from matplotlib import rcParams

    dpi = float(rcParams["figure.dpi"])
    pixels = (math.ceil(rows * height * dpi), math.ceil(columns * k * size * dpi))
    argument = ("panel_size" if size * dpi > MAX_PIXELS / 8 else
                "ncols" if ncols is not None and pixels[1] >= MAX_PIXELS else "heatmaps")
    if max(pixels) >= MAX_PIXELS:
        raise value_error(argument, f"a figure under {MAX_PIXELS} pixels on each side at "
                          f"{dpi:g} dpi", f"{pixels[1]} x {pixels[0]} pixels",
                          _canvas_hint(argument, columns, rows, k, size, height, dpi),
                          described=True)
    check_allocation(argument, pixels + (4,), np.uint8, what="a figure canvas")


def _canvas_hint(argument: str, columns: int, rows: int, k: int, size: float, height: float,
                 dpi: float) -> str:
    """A value of ``argument`` with which the figure fits: cells of ``k`` panels of ``size``
    inches, ``height`` inches tall, in ``rows`` x ``columns``."""
    width = k * size
    if argument == "panel_size":
        scale = _largest_fraction(lambda f: _fits(columns, rows, width * f, height * f, dpi))
        return (f"Use a smaller panel_size, e.g. panel_size={_round_down(size * scale):g}."
                if scale else "Use a smaller panel_size.")
    if argument == "ncols":
        fit = _largest_count(lambda c: _fits(c, rows, width, height, dpi))
        return f"Use fewer columns, e.g. ncols={max(1, fit)}."
    fit = _largest_count(lambda r: _fits(columns, r, width, height, dpi))
    return (f"Draw fewer samples per figure, e.g. figure(h[:{max(1, fit) * columns}]), or a "
            "smaller panel_size.")


def _fits(columns: int, rows: int, width: float, height: float, dpi: float) -> bool:
    """Whether ``rows`` x ``columns`` cells of ``width`` x ``height`` inches can be drawn."""
    pixels = (math.ceil(rows * height * dpi), math.ceil(columns * width * dpi))
    return max(pixels) < MAX_PIXELS and pixels[0] * pixels[1] * 4 <= max_bytes()


def _largest_fraction(fits: Callable[[float], bool]) -> float:
    """The largest ``f`` in (0, 1] with ``fits(f)`` (to 2**-40), for ``fits`` that holds below
    some value and fails above it."""
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def _largest_count(fits: Callable[[int], bool]) -> int:
    """The largest whole ``n >= 1`` with ``fits(n)`` (0 if none), ``fits`` as above."""
    low, high = 0, 1
    while fits(high):
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def _round_down(x: float) -> float:
    """``x`` rounded down to two significant digits: ``_round_down(3.279) == 3.2``."""
    scale = 10.0 ** (1 - math.floor(math.log10(x)))
    return math.floor(x * scale) / scale


def _columns(ncols: int | None, n: int, k: int) -> int:
    if ncols is None:
        return max(1, min(n, PANELS_PER_ROW // k))
    return int(check_number("ncols", ncols, low=1, integer=True))


def _draw_card(cell: Any, card: list[tuple[str, np.ndarray]], title: str,
               info: ColorbarInfo | None, i: int) -> None:
    cell.suptitle(title, fontsize="medium")
    rows = 2 if info is not None else 1
    ratios = [1.0, 0.07] if info is not None else [1.0]
    axes = cell.subplots(rows, len(card), squeeze=False, height_ratios=ratios)
    for j, (kind, picture) in enumerate(card):
        ax = axes[0][j]
        ax.imshow(picture)
        ax.set_axis_off()
        ax.set_label(f"{kind} {i}")
        if len(card) > 1:
            ax.set_title(kind, fontsize="small")
    if info is None:
        return
    heat_column = next(j for j, (kind, _) in enumerate(card) if kind != "image")
    for j in range(len(card)):
        if j != heat_column:
            axes[1][j].set_visible(False)
    _draw_colorbar(axes[1][heat_column], info, i)


def _draw_colorbar(ax: Any, info: ColorbarInfo, i: int) -> None:
    """The colour stops over ``[lo, hi]``, ticks at the ends (and 0), the colormap's name."""
    draw_colorbar(ax, info, label=f"colorbar {i}")


# -- clips and volumes --------------------------------------------------------------------
def pick_frames(depth: int, every: Any = None, frames: Any = None) -> list[int]:
    """The frames (slices) of a clip (volume) of ``depth`` that a figure draws.

    ``frames`` names them (negative from the end); else ``0, every, 2·every, ...``, by
    default the smallest step that draws at most :data:`MAX_FRAMES`.

    Examples
    --------
    >>> pick_frames(5, every=2), pick_frames(5, frames=[-1, 0]), len(pick_frames(40))
    ([0, 2, 4], [4, 0], 14)
    >>> pick_frames(5, frames=[5])
    Traceback (most recent call last):
    ...
    ValueError: frames: expected frame indices in [-5, 4]; got [5] (list).
    """
    if every is not None and frames is not None:
        raise type_error("frames", "either every= or frames=", "both", described=True)
    if frames is None:
        step = max(1, math.ceil(depth / MAX_FRAMES)) if every is None else int(
            check_number("every", every, low=1, integer=True))
        return list(range(0, depth, step))
    if isinstance(frames, (str, bytes)) or not hasattr(frames, "__iter__"):
        raise type_error("frames", "a sequence of frame indices (ints)", frames)
    picked = list(frames)
    if not picked or not all(isinstance(f, (int, np.integer)) and not isinstance(f, bool)
                             for f in picked):
        raise type_error("frames", "a non-empty sequence of frame indices (ints)", frames)
    if not all(-depth <= f < depth for f in picked):
        raise value_error("frames", f"frame indices in [{-depth}, {depth - 1}]", frames)
    return [int(f) % depth for f in picked]


def _clip_figure(heatmaps: Heatmaps, images: Any, titles: Any, ncols: int | None,
                 colorbar: bool, panel_size: float, every: Any, frames: Any) -> Any:
    """:func:`figure` of clips or volumes: per clip, its frames in a grid and its colour bar."""
    from ._notebook_figure import HeatmapFigure

    if images is not None and images is not False:
        raise value_error("images", "None or False for clips and volumes", "images",
                          "Draw over the volume's pictures in the pipeline, e.g. "
                          "... | AlphaOverlay(0.5).", described=True)
    data = np.asarray(heatmaps.to_numpy())
    n, depth, h, w = data.shape[:4]
    picks = pick_frames(depth, every, frames)
    size = check_number("panel_size", panel_size, low=0, low_open=True)
    if colorbar and n and not heatmaps.has_colorbar():
        raise value_error("heatmaps", "pictures made by a colormap step for colour bars",
                          "no colormap record", "Pass colorbar=False.", described=True)
    square = heatmaps.axis == "D"  # volumes a montage, clips a strip
    default = math.ceil(math.sqrt(len(picks))) if square else len(picks)
    columns = min(len(picks), _columns(ncols, 1, 1) if ncols is not None else default)
    rows = math.ceil(len(picks) / columns)
    infos = [[heatmaps.colorbar_info(i, f) for f in picks] if colorbar else None
             for i in range(n)]
    per_panel = any(info is not None and len({(b.lo, b.hi) for b in info}) > 1
                    for info in infos)
    height = rows * (size * h / w + 0.3 + (0.4 if per_panel else 0)) + 0.4 + (
        0.45 if colorbar and not per_panel else 0)
    _check_canvas(columns, max(n, 1), 1, size, height, ncols)
    fig = HeatmapFigure(figsize=(columns * size, max(n, 1) * height), layout="constrained")
    captions = read_captions(titles, n, "titles")
    name = "slice" if square else "frame"
    for i, cell in enumerate(fig.subfigures(n, 1, squeeze=False)[:, 0] if n else []):
        cell.suptitle(captions[i].text() or f"#{i}", fontsize="medium")
        _draw_frames(cell, data[i], picks, columns, infos[i], per_panel, f"{name}", i)
    return fig


def _draw_frames(cell: Any, clip: np.ndarray, picks: list[int], columns: int,
                 infos: list[ColorbarInfo] | None, per_panel: bool, name: str, i: int) -> None:
    """Frames ``picks`` of one clip in a grid of ``columns``, each titled with its index; a
    colour bar under each (``per_panel``) or one under all."""
    rows = math.ceil(len(picks) / columns)
    bars = infos is not None
    ratios = [1.0, 0.08] * rows if bars and per_panel else [1.0] * rows
    step = 2 if bars and per_panel else 1
    if bars and not per_panel:
        ratios = ratios + [0.08 * rows]
    grid = cell.add_gridspec(len(ratios), columns, height_ratios=ratios)
    for j, f in enumerate(picks):
        r, c = divmod(j, columns)
        ax = cell.add_subplot(grid[r * step, c])
        ax.imshow(clip[f])
        ax.set_axis_off()
        ax.set_title(f"{name} {f}", fontsize="small")
        ax.set_label(f"heatmap {i} {name} {f}")
        if infos is not None and per_panel:
            draw_colorbar(cell.add_subplot(grid[r * step + 1, c]), infos[j],
                          label=f"colorbar {i} {name} {f}")
    if infos is not None and not per_panel:
        draw_colorbar(cell.add_subplot(grid[-1, :]), infos[0], label=f"colorbar {i}")
