"""``Heatmaps``: the pictures ``heatmap()`` returns, with what made them."""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from ..core.batch import Record
from ..core.errors import type_error, value_error
from ..io.files import (
    check_existing,
    file_name,
    plan_outputs,
    safe_name,
    write_atomic,
)
from ..io.png import check_not_empty, png_bytes, to_uint8
from ..io.video import DEFAULT_CRF, DEFAULT_FPS
from .plotting import format_number

#: Pictures shown inline in a notebook; larger batches show the first ones.
MAX_INLINE = 48
THUMBNAIL = 160
#: Small pictures are enlarged in the grid to at least this many pixels on their longer
#: side (nearest neighbour, by a whole factor, so every value stays a crisp block).
MIN_THUMBNAIL = 96


class ColorbarInfo(NamedTuple):
    """What one picture's colours mean: the colour stops spread over ``[lo, hi]``.

    Attributes
    ----------
    lo, hi : float
        The value range the colormap mapped onto its first and last colour, as
        the pipeline recorded it (e.g. the clipped range after
        :class:`~visheat.PercentileClip`, ``[-m, m]`` for a
        :class:`~visheat.CenteredColormap`).
    stops : (K, 3) ndarray
        The colour stops, RGB floats in [0, 1], interpolated linearly.
    name : str
        The colormap's name, or ``"colour table (K stops)"``.
    clipped : bool
        True when a step before the colormap clipped the values, so the end
        colours also stand for values beyond ``lo`` and ``hi``.
    """

    lo: float
    hi: float
    stops: np.ndarray
    name: str
    clipped: bool

    def __repr__(self) -> str:
        stops = np.asarray(self.stops)
        return (f"ColorbarInfo(lo={self.lo!r}, hi={self.hi!r}, name={self.name!r}, "
                f"stops=<{stops.shape[0]} colour stops>, clipped={self.clipped!r})")


def _colormap_name(name: Any) -> str:
    """The display name of a colormap's ``name`` field (a name or a colour table)."""
    return name if isinstance(name, str) else f"colour table ({len(name)} stops)"


class Heatmaps(Sequence):
    """A sequence of RGB pictures, backed by one ``(N, H, W, 3)`` array when sizes agree.

    ``h[i]`` is a ``PIL.Image``; ``h[a:b]`` is a ``Heatmaps``; ``h.to_numpy()`` is the
    array (a list when sizes differ). In Jupyter the batch shows as a grid.

    A batch of clips (or volumes) is backed by ``(N, T, H, W, 3)`` (``heatmap()`` of a layout
    with T or D, without a view): one item per clip or volume. ``h[i]`` is then the first
    frame of clip ``i`` (so grids and thumbnails show it), ``h.frames(i)`` all of its
    frames, ``h[a:b]`` the clips ``a`` to ``b`` (``to_numpy()`` ``(b - a, T, H, W, 3)``),
    :meth:`save_video` writes one file per clip, :meth:`save` one PNG per clip (its frames
    one below the other) and :func:`visheat.figure` draws their frames.

    Attributes
    ----------
    records : tuple of Record
        What the pipeline's steps did per sample, e.g. the value range each
        colormap used (see :meth:`value_ranges`).
    pipeline : Transform
        The pipeline that made the pictures.
    grid_shape : tuple of int
        ``(N, C)`` when every channel was drawn as its own picture (or volume)
        (``heatmap(..., channels="separate")``), else ``(len(h), 1)``.
    axis : {"D", "T"} or None
        The letter of the frames' axis of clips and volumes: ``"D"`` slices of volumes,
        ``"T"`` frames of clips (``heatmap()`` sets it from the layout); None else.
    images : ndarray or tuple of ndarray or None
        The images the pictures were drawn for, one per picture, as ``heatmap()`` read
        them: RGB ``(N, H, W, 3)`` (a tuple of ``(H_i, W_i, 3)`` when sizes differ),
        uint8 or floats in [0, 1], read-only. :func:`visheat.figure` and
        :func:`visheat.write_gallery` draw them unless told otherwise.
    """

    def __init__(self, data: np.ndarray | list[np.ndarray], records: tuple[Record, ...] = (),
                 pipeline: Any = None, grid_shape: tuple[int, int] | None = None,
                 images: np.ndarray | tuple[np.ndarray, ...] | None = None,
                 axis: str | None = None) -> None:
        self._data = data
        self.records = records
        self.pipeline = pipeline
        self._grid = grid_shape
        self._images = _readonly_images(images)
        self.axis = axis if axis is not None or not self.is_clips() else "T"

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            data = self._data[index]
            rows = self._record_rows(index)
            records = tuple(Record(r.transform, {k: v[rows] if len(v) != len(self) else
                                                 v[index] for k, v in r.values.items()})
                            for r in self.records)
            images = None if self._images is None else self._images[index]
            return Heatmaps(data, records, self.pipeline, images=images, axis=self.axis)
        if not isinstance(index, (int, np.integer)):
            raise type_error("index", "an int or a slice", index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for {len(self)} heatmaps")
        picture = np.asarray(self._data[index])
        return Image.fromarray(to_uint8(picture[0] if picture.ndim == 4 else picture))

    def _depth(self) -> int:
        """Frames per clip (slices per volume); 1 for pictures."""
        return int(self._data.shape[1]) if self.is_clips() and isinstance(
            self._data, np.ndarray) else 1

    def _record_rows(self, index: Any) -> Any:
        """The rows of records kept per frame (``len(h) · T`` of them) that clips
        ``index`` cover, sample-major."""
        d = self._depth()
        return np.arange(len(self) * d).reshape(len(self), d)[index].reshape(-1)

    def is_clips(self) -> bool:
        """Whether each sample is a clip (or volume) of frames: ``(N, T, H, W, 3)``."""
        first = self._data if isinstance(self._data, np.ndarray) else self._data[:1]
        return np.ndim(first) == 5 or (isinstance(first, list) and bool(first)
                                       and np.ndim(first[0]) == 4)

    def frames(self, i: int) -> list[Image.Image]:
        """The frames of clip ``i`` as ``PIL.Image``s (a batch of pictures: ``[h[i]]``)."""
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise type_error("i", "an int", i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} is out of range for {len(self)} heatmaps")
        clip = np.asarray(self._data[i])
        return [Image.fromarray(to_uint8(f)) for f in (clip if clip.ndim == 4 else [clip])]

    def save_video(self, directory: str | os.PathLike, pattern: str = "{index:05d}.mp4",
                   fps: float = DEFAULT_FPS, existing: str = "error",
                   labels: Sequence[str] | None = None, crf: int = DEFAULT_CRF) -> list[Path]:
        """Write each clip as one file (APNG, lossless WebP, GIF or MP4); return the paths.

        The extension of ``pattern`` chooses the format: ``.png`` (APNG) and ``.webp``
        (lossless) hold exactly the pictures, ``.gif`` frames of more than 256 colours
        are quantised, ``.mp4`` is H.264 ``yuv420p`` at quality ``crf`` (needs
        ``pip install ".[video]"``; odd sizes get a copy of the last row or
        column). See :mod:`visheat.io.video` and docs/video.md. ``fps``, ``labels`` and
        ``existing`` as in :meth:`save` (a re-run that would write the same clips
        writes nothing). A batch of plain pictures ``(N, H, W, 3)`` is written as ONE
        clip whose frames are the pictures, in order (``pattern``'s ``index`` is 0).

        Examples
        --------
        >>> import numpy as np, tempfile
        >>> h = Heatmaps(np.zeros((2, 5, 8, 8, 3), np.uint8))  # two clips of five frames
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     [p.name for p in h.save_video(folder, "{index}.webp", fps=5)]
        ['0.webp', '1.webp']
        """
        from ..io.video import save_clips

        if self.is_clips():
            clips: list[Any] = list(self._data)
        elif isinstance(self._data, np.ndarray) and len(self):
            clips = [self._data]  # the pictures are the frames of one clip
        else:
            raise value_error("heatmaps", "clips, or pictures of one size to be one clip's "
                              "frames", f"{len(self)} pictures of different sizes"
                              if len(self) else "no pictures", described=True)
        if labels is not None and len(labels) != len(clips):
            raise value_error("labels", f"{len(clips)} labels", f"{len(labels)} labels",
                              described=True)
        names = [safe_name(str(label)) for label in labels] if labels is not None else None
        return save_clips(clips, directory, pattern, fps=fps, existing=existing, crf=crf,
                          labels=names)

    def __iter__(self) -> Iterator[Image.Image]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        if isinstance(self._data, np.ndarray):
            kind = ("volumes" if self.axis == "D" else "clips") if self._data.ndim == 5 \
                else "pictures"
            return f"Heatmaps({len(self)} {kind}, shape {self._data.shape}, {self._data.dtype})"
        return f"Heatmaps({len(self)} pictures of different sizes)"

    @property
    def images(self) -> np.ndarray | tuple[np.ndarray, ...] | None:
        """The images the pictures were drawn for (read-only), or None; see the class."""
        return self._images

    @property
    def dtype(self) -> np.dtype:
        """uint8 for 8-bit pictures, or the float dtype of exact colours."""
        first = self._data if isinstance(self._data, np.ndarray) else self._data[0]
        return np.asarray(first).dtype

    def to_numpy(self) -> np.ndarray | list[np.ndarray]:
        """The pictures: ``(N, H, W, 3)`` (a list of ``(H_i, W_i, 3)`` when sizes differ).

        Volumes and clips (a layout with D or T, without a view) give one picture per
        slice or frame: ``to_numpy()`` is ``(N, D, H, W, 3)``, and ``h[a:b].to_numpy()``
        ``(b - a, D, H, W, 3)``.

        Examples
        --------
        >>> from visheat import heatmap
        >>> v = np.random.default_rng(0).normal(size=(4, 3, 5, 6))  # 4 volumes of 3 slices
        >>> h = heatmap(v, "attribution", layout="NDHW")
        >>> len(h), h.to_numpy().shape, h[1:3].to_numpy().shape
        (4, (4, 3, 5, 6, 3), (2, 3, 5, 6, 3))
        >>> bool((h[1:3].to_numpy() == heatmap(v[1:3], "attribution", layout="NDHW")
        ...       .to_numpy()).all())
        True
        """
        if isinstance(self._data, np.ndarray):
            return self._data
        return list(self._data)

    @property
    def grid_shape(self) -> tuple[int, int]:
        """``(samples, channels)``: how the pictures form a grid (see :meth:`to_grid`)."""
        return self._grid if self._grid is not None else (len(self), 1)

    def to_grid(self) -> np.ndarray:
        """The pictures as an ``(N, C, H, W, 3)`` array: sample ``i``, channel ``c``.

        With ``channels="separate"`` picture ``i * C + c`` is channel ``c`` of
        sample ``i``; otherwise ``C`` is 1. A slice ``h[a:b]`` is a flat sequence
        again (``C`` is 1). Volumes and clips give ``(N, C, D, H, W, 3)``.

        Examples
        --------
        >>> from visheat import heatmap
        >>> x = np.random.default_rng(0).normal(size=(2, 3, 4, 5, 6))  # (N, C, D, H, W)
        >>> heatmap(x, "attribution", layout="NCDHW", channels="separate").to_grid().shape
        (2, 3, 4, 5, 6, 3)
        """
        data = self._data if isinstance(self._data, np.ndarray) else list(self._data)
        if isinstance(data, list):
            raise value_error("heatmaps", "pictures of one size to form a grid",
                              "pictures of different sizes", described=True)
        return data.reshape(self.grid_shape + data.shape[1:])

    def value_ranges(self) -> np.ndarray:
        """``(N, 2)`` value range each picture's colormap used (``lo``, ``hi``).

        Taken from the pipeline's record of what it did, not recomputed. Volumes and
        clips have one row per slice or frame, sample-major: ``(N · D, 2)``.
        """
        record = self._colormap_record()
        return np.stack([record.values["lo"], record.values["hi"]], axis=1)

    def has_colorbar(self) -> bool:
        """Whether a colormap step recorded the value ranges (so colour bars can be drawn)."""
        try:
            self._colormap_record()
        except ValueError:
            return False
        return True

    def colorbar_info(self, i: int, frame: int | None = None) -> ColorbarInfo:
        """What picture ``i``'s colours mean: its range, colour stops and colormap name.

        Read from the last colormap step's record, so the range is the one the
        picture was really scaled to. For volumes and clips, ``i`` is the volume: its
        one range, or with ``frame`` that of its slice (frame) ``frame``; slices with
        ranges of their own (``scope="slice"``) need ``frame``.

        Examples
        --------
        >>> import numpy as np
        >>> from visheat import heatmap, SumReduction, CenteredColormap
        >>> x = np.array([[[[-1.0, 2.0]]]])
        >>> info = heatmap(x, SumReduction() | CenteredColormap("bwr")).colorbar_info(0)
        >>> info.lo, info.hi, info.name, info.stops.shape, info.clipped
        (-2.0, 2.0, 'bwr', (256, 3), False)

        A volume of two slices, ``[0, 1]`` and ``[2, 4]``, one range or one per slice:

        >>> from visheat import ExtremaColormap
        >>> v = np.array([[[[0.0, 1.0]], [[2.0, 4.0]]]])  # (N, D, H, W)
        >>> heatmap(v, ExtremaColormap(), layout="NDHW").colorbar_info(0)[:2]
        (0.0, 4.0)
        >>> per_slice = heatmap(v, ExtremaColormap(scope="slice"), layout="NDHW")
        >>> per_slice.colorbar_info(0, frame=1)[:2]
        (2.0, 4.0)
        """
        _check_index(i, len(self), "i")
        position = self._colormap_position()
        record = self.records[position]
        clipped = any({"lo", "hi"} <= set(r.values) and not hasattr(r.transform, "stops")
                      for r in self.records[:position])
        cmap = record.transform
        lo, hi = self._range_of(record, int(i), frame)
        return ColorbarInfo(lo, hi, cmap.stops, _colormap_name(cmap.name), clipped)

    def _range_of(self, record: Record, i: int, frame: int | None) -> tuple[float, float]:
        """Picture ``i``'s ``(lo, hi)`` in ``record``; of a clip, its frame's or its one range."""
        lo, hi = record.values["lo"], record.values["hi"]
        if not self.is_clips():
            if frame is not None:
                raise type_error("frame", "None for pictures (frames are of clips and "
                                 "volumes)", frame)
            return float(lo[i]), float(hi[i])
        d, i = self._depth(), i % len(self)
        rows = range(i * d, i * d + d) if len(lo) == len(self) * d else [i] * d
        if frame is not None:
            _check_index(frame, d, "frame")
            return float(lo[rows[frame]]), float(hi[rows[frame]])
        spans = {(float(lo[r]), float(hi[r])) for r in rows}
        if len(spans) > 1:
            what = "volume" if self.axis == "D" else "clip"
            raise value_error("frame", f"a frame for the range of {what} {i}, whose frames "
                              "have ranges of their own (scope='slice')", "no frame",
                              "Pass frame=k, or colour with scope='sample' for one range.",
                              described=True)
        return spans.pop()

    def plot(self, i: int, ax: Any = None, colorbar: bool = True, title: str | None = None
             ) -> Any:
        """Draw picture ``i`` into a matplotlib Axes, with its colour bar under it.

        The axes-level sibling of :func:`visheat.figure`: the picture goes into
        ``ax`` of your own layout (``fig.subplots(...)``), and the colour bar (the
        range this picture was really scaled to, as :meth:`colorbar_info` tells)
        into an inset Axes under it, ``ax.child_axes[0]``.

        Parameters
        ----------
        i : int
            The picture.
        ax : matplotlib.axes.Axes, optional
            Where to draw; default: a new figure (no pyplot), ``ax.figure``, which
            shows itself in Jupyter.
        colorbar : bool
            Draw the colour bar (needs pictures made by a colormap step).
        title : str, optional
            Title of the Axes.

        Returns
        -------
        matplotlib.axes.Axes
            ``ax``.

        Examples
        --------
        >>> import numpy as np
        >>> from visheat import heatmap, SumReduction, CenteredColormap
        >>> h = heatmap(np.array([[[[-1.0, 2.0]]]]), SumReduction() | CenteredColormap("bwr"))
        >>> ax = h.plot(0)
        >>> [float(v) for v in ax.child_axes[0].get_xlim()]
        [-2.0, 2.0]
        """
        _check_index(i, len(self), "i")
        if self.is_clips():
            raise value_error("heatmaps", "pictures for plot()", "clips or volumes of frames",
                              f"Use visheat.figure(h[{i}:{int(i) + 1}]) to draw it, or "
                              f"h[{i}:{int(i) + 1}].frames(0) for a frame.", described=True)
        if not isinstance(colorbar, (bool, np.bool_)):
            raise type_error("colorbar", "True or False", colorbar)
        if colorbar and not self.has_colorbar():
            raise value_error("colorbar", "pictures made by a colormap step for a colour bar",
                              "no colormap record", "Pass colorbar=False.", described=True)
        if ax is not None and not (hasattr(ax, "imshow") and hasattr(ax, "inset_axes")):
            raise type_error("ax", "a matplotlib Axes", ax)
        from .plotting import plot_picture

        info = self.colorbar_info(i) if colorbar else None
        return plot_picture(to_uint8(np.asarray(self._data[i])), info, ax, title)

    def _colormap_record(self) -> Record:
        return self.records[self._colormap_position()]

    def _colormap_position(self) -> int:
        for position in range(len(self.records) - 1, -1, -1):
            record = self.records[position]
            if {"lo", "hi"} <= set(record.values) and hasattr(record.transform, "stops"):
                return position
        raise value_error("heatmaps", "pictures made by a colormap step", "no colormap record",
                          described=True)

    def save(self, directory: str | os.PathLike, pattern: str = "{index:03d}.png",
             labels: Sequence[str] | None = None, existing: str = "error") -> list[Path]:
        """Write every picture as a PNG file; return the paths.

        ``pattern`` is formatted with ``index`` and, when ``labels`` are given,
        ``label`` (sanitised to letters, digits, ``.``, ``_`` and ``-``, so a label
        cannot leave ``directory``; see :func:`file_name`). Files are written
        atomically (temporary file, then rename); ``directory`` is created.
        ``existing`` decides what happens to files already there: ``"error"``
        (default: nothing is overwritten, and nothing is written), ``"overwrite"``
        or ``"skip"`` (keep them: resume an interrupted run). A file that already
        holds exactly the picture is no clash, so running a notebook cell with
        ``h.save("out/")`` twice works; a file with other contents stops it with
        an error that names ``existing="overwrite"``. A clip or volume is one file,
        its frames (slices) one below the other, as :func:`visheat.save_heatmaps`
        writes them.

        Examples
        --------
        >>> import numpy as np, tempfile
        >>> from visheat import heatmap
        >>> h = heatmap(np.ones((2, 3, 4, 4)))
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     first = h.save(folder)
        ...     again = h.save(folder)                 # the same pictures: nothing to refuse
        ...     heatmap(np.zeros((2, 3, 4, 4)), "attribution").save(folder)
        Traceback (most recent call last):
        ...
        ValueError: directory: expected no existing output files (or files holding the same
        content); got .../000.png. Pass existing='overwrite' to replace them or existing='skip' to
        keep them.
        """
        check_existing(existing)
        if labels is not None and len(labels) != len(self):
            raise value_error("labels", f"{len(self)} labels", f"{len(labels)} labels",
                              described=True)
        folder = Path(directory)
        paths = [folder / file_name(pattern, i, safe_name(str(labels[i])) if labels is not None
                                    else "") for i in range(len(self))]
        for i in range(len(self)):
            check_not_empty(self._data[i], f"heatmaps[{i}]")
        plan = plan_outputs(folder, paths, existing, holds=lambda i, path: self._holds(path, i))
        for i, path in enumerate(paths):
            if plan.todo(i):
                write_atomic(path, png_bytes(self._file_picture(i)))
        return paths

    def _file_picture(self, i: int) -> np.ndarray:
        """Picture ``i`` as its PNG file holds it: a clip's frames one below the other (as
        :func:`visheat.save_heatmaps` writes volumes)."""
        picture = np.asarray(self._data[i])
        return picture.reshape((-1,) + picture.shape[2:]) if picture.ndim == 4 else picture

    def _holds(self, path: Path, i: int) -> bool:
        """Whether the file ``path`` is exactly the PNG that picture ``i`` is saved as."""
        try:
            if not path.is_file() or path.stat().st_size > 4 * self._data[i].nbytes + 2**16:
                return False
            return path.read_bytes() == png_bytes(self._file_picture(i))
        except OSError:
            return False

    # -- notebooks ---------------------------------------------------------
    def _repr_png_(self) -> bytes | None:
        if len(self) == 1:
            return png_bytes(np.asarray(self[0]))
        return None

    def _repr_html_(self) -> str | None:
        """A compact grid: at most ``MAX_INLINE`` thumbnails with index and value range.

        A single picture has no HTML form, so it shows as itself (``_repr_png_``).
        """
        if len(self) == 1:
            return None
        shown = min(len(self), MAX_INLINE)
        ranges = self.has_colorbar()
        cells = [self._grid_cell(i, ranges) for i in range(shown)]
        more = len(self) - shown
        tail = f"<p>… and {more} more ({html.escape(repr(self))})</p>" if more else ""
        if not len(self):
            tail = f"<p>{html.escape(repr(self))}</p>"
        return ('<div style="display:flex;flex-wrap:wrap;align-items:flex-end">'
                + "".join(cells) + "</div>" + tail)

    def _grid_cell(self, i: int, ranges: bool) -> str:
        picture = _thumbnail(self[i])
        width = picture.width
        data = base64.b64encode(png_bytes(np.asarray(picture))).decode("ascii")
        caption, title = f"#{i}", f"heatmap {i}"
        if ranges:
            info = self.colorbar_info(i, 0 if self.is_clips() else None)  # what it shows
            span = f"{format_number(info.lo)} … {format_number(info.hi)}"
            caption += f" · {span}"
            title = f"heatmap {i}: {info.name} on [{span}]" + (", clipped" if info.clipped else "")
        # the caption wraps within the picture's width (at the range's own spaces)
        return (f'<figure style="margin:2px;text-align:center;width:{width}px" '
                f'title="{html.escape(title)}">'
                f'<img src="data:image/png;base64,{data}" alt="{html.escape(title)}" '
                f'width="{width}" height="{picture.height}" style="image-rendering:pixelated">'
                f'<figcaption style="font-size:x-small;max-width:{width}px;'
                f'overflow-wrap:anywhere">{html.escape(caption)}</figcaption></figure>')


def _check_index(i: Any, n: int, argument: str) -> None:
    """Refuse an ``i`` that is not an int index into ``n`` items."""
    if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
        raise type_error(argument, "an int", i)
    if not -n <= i < n:
        raise IndexError(f"{argument}: index {i} is out of range for {n} "
                         f"{'heatmaps' if argument == 'i' else 'frames'}")


def _readonly_images(images: Any) -> np.ndarray | tuple[np.ndarray, ...] | None:
    """The images kept beside the pictures, as read-only views (never copies)."""
    if images is None:
        return None
    if isinstance(images, tuple):
        return tuple(_readonly_view(image) for image in images)
    return _readonly_view(images)


def _readonly_view(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


def _thumbnail(picture: Image.Image) -> Image.Image:
    """A grid _thumbnail: at most ``THUMBNAIL`` px on a side, small pictures enlarged.

    Pictures under ``MIN_THUMBNAIL`` px on their longer side are enlarged by the
    whole factor that brings them to at least that size (nearest neighbour: each
    pixel becomes a block; never past ``THUMBNAIL``); larger ones shrink to fit.

    >>> _thumbnail(Image.new("RGB", (32, 20))).size
    (96, 60)
    >>> _thumbnail(Image.new("RGB", (7, 7))).size
    (98, 98)
    >>> _thumbnail(Image.new("RGB", (224, 112))).size
    (160, 80)
    """
    longest = max(picture.size)
    if 0 < longest < MIN_THUMBNAIL:
        factor = min(-(-MIN_THUMBNAIL // longest), max(1, THUMBNAIL // longest))
        return picture.resize((picture.width * factor, picture.height * factor),
                              Image.Resampling.NEAREST)
    picture = picture.copy()
    picture.thumbnail((THUMBNAIL, THUMBNAIL))
    return picture
