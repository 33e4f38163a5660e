"""``Heatmaps``: the pictures ``heatmap()`` returns, with what made them."""

from __future__ import annotations

import base64
import html
import os
import re
import secrets
import string
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from ._errors import type_error, value_error
from .batch import Record
from .plotting import format_number
from .png import DEFAULT_COMPRESS_LEVEL, encode_png

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


def colormap_name(name: Any) -> str:
    """The display name of a colormap's ``name`` field (a name or a colour table)."""
    return name if isinstance(name, str) else f"colour table ({len(name)} stops)"


def to_uint8(picture: np.ndarray) -> np.ndarray:
    """An RGB picture as uint8 (floats in [0, 1] are rounded half to even)."""
    if picture.dtype == np.uint8:
        return picture
    return np.rint(np.clip(picture, 0, 1) * 255).astype(np.uint8)


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe version of a user label.

    >>> safe_name("../../etc/passwd <script>")
    'etc_passwd_script'
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    return cleaned[:limit] or "item"


_FIELDS = ("index", "label")


def file_name(pattern: Any, index: int, label: str = "", argument: str = "pattern") -> str:
    """``pattern`` filled in with ``index`` and ``label``: a plain file name, nothing else.

    Only the fields ``{index}`` and ``{label}`` are allowed, with an optional format
    spec such as ``{index:05d}``: no attribute or item access (``{index.__class__}``),
    no nested fields, no widths beyond 255, and the result must be a plain file
    name (no folder, not ``.`` or ``..``). ``label`` should be :func:`safe_name`'d.

    Examples
    --------
    >>> file_name("{index:03d}_{label}.png", 7, "cat")
    '007_cat.png'
    >>> file_name("{index.__class__}.png", 7)
    Traceback (most recent call last):
    ...
    ValueError: pattern: expected a file name pattern with the fields {index} and {label} only; got
    '{index.__class__}.png' (str).
    """
    if not isinstance(pattern, str):
        raise type_error(argument, "a file name pattern such as '{index:05d}.png'", pattern)
    expected = "a file name pattern with the fields {index} and {label} only"
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(pattern)
                  if name is not None]
    except ValueError:  # unbalanced braces
        raise value_error(argument, expected, pattern) from None
    for name, spec in fields:
        widths = [int(d) for d in re.findall(r"\d+", spec or "")]
        if name not in _FIELDS or "{" in (spec or "") or any(w > 255 for w in widths):
            raise value_error(argument, expected, pattern)
    try:
        name = pattern.format(index=index, label=label)
    except (ValueError, TypeError) as err:  # a format spec that does not fit, e.g. {label:d}
        raise value_error(argument, expected, pattern, str(err)) from None
    if Path(name).name != name or name in ("", ".", "..") or "\\" in name or "\0" in name:
        raise value_error(argument, "a plain file name (no folders)", name)
    return name


def prepare_folder(folder: str | os.PathLike, argument: str = "directory") -> Path:
    """Create ``folder`` (and its parents) for output; a path that cannot be one is a ValueError.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     prepare_folder(f.name, "out_dir")
    Traceback (most recent call last):
    ...
    ValueError: out_dir: expected a folder (created if missing); got ... (File exists).
    """
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file in the way, no permission, a read-only file system
        raise value_error(argument, "a folder (created if missing)",
                          f"{path} ({err.strerror or err})", described=True) from None
    return path


def check_distinct(paths: Sequence[Path], argument: str = "pattern") -> None:
    """Refuse output paths that repeat: a second picture would replace the first.

    >>> check_distinct([Path("cat.png"), Path("cat.png")])
    Traceback (most recent call last):
    ...
    ValueError: pattern: expected a different file name for every picture; got 'cat.png' for
    pictures 0 and 1. Put {index} in the pattern.
    """
    seen: dict[Path, int] = {}
    for i, path in enumerate(paths):
        if path in seen:
            raise value_error(argument, "a different file name for every picture",
                              f"{path.name!r} for pictures {seen[path]} and {i}",
                              "Put {index} in the pattern.", described=True)
        seen[path] = i


def png_bytes(picture: np.ndarray, compress_level: int = DEFAULT_COMPRESS_LEVEL,
              unfiltered: bool | None = None, argument: str = "picture") -> bytes:
    """Encode an ``(H, W, 3)`` picture as PNG (see :func:`visheat.png.encode_png`).

    ``compress_level`` is zlib's 0-9; the default, 1, writes colormapped maps
    5-8x faster than Pillow's default level 6, and smaller (measured in
    ``bench/png_encoding.py``). ``unfiltered`` chooses the rows' PNG filter (None:
    :func:`visheat.png.encode_png` decides; a batch passes one choice for all its
    pictures). A picture without pixels is refused, naming ``argument``.

    >>> png_bytes(np.zeros((0, 8, 3), np.uint8), argument="heatmaps[0]")
    Traceback (most recent call last):
    ...
    ValueError: heatmaps[0]: expected a picture of at least 1 x 1 pixels; got shape (0, 8, 3). A
    step that removes every row or column (a crop) leaves nothing to save.
    """
    check_not_empty(picture, argument)
    return encode_png(to_uint8(picture), compress_level, unfiltered)


def check_not_empty(picture: Any, argument: str) -> None:
    """Refuse a picture with no rows or no columns (PIL cannot write it)."""
    shape = tuple(np.shape(picture))
    if len(shape) < 2 or 0 in shape[:2]:
        raise value_error(argument, "a picture of at least 1 x 1 pixels", f"shape {shape}",
                          "A step that removes every row or column (a crop) leaves nothing "
                          "to save.", described=True)


#: Suffix of :func:`write_atomic`'s temporary files (hidden: their names start with a dot).
TEMPORARY_SUFFIX = ".tmp"
_TEMPORARY = re.compile(r"\..+\.(?P<pid>[0-9a-f]{6})[0-9a-f]{6}\.tmp", re.DOTALL)  # fullmatch
_IN_FLIGHT: set[str] = set()  # names of the temporaries this process is writing right now
_IN_FLIGHT_LOCK = threading.Lock()


def _name_max(folder: Path) -> int:
    """The longest file name (in bytes) ``folder`` allows: ``PC_NAME_MAX``, else 255."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError, TypeError):  # no pathconf (Windows), no folder
        return 255


def temporary_path(path: Path) -> Path:
    """A fresh hidden temporary name beside ``path``: ``.<name>.<pid><random>.tmp``.

    Six hex digits of the process id and six random ones tell whose file it is
    (see :func:`remove_temporaries`). ``<name>`` is shortened when needed, so the
    temporary fits the file system's name limit whenever ``path``'s own name does.

    >>> name = temporary_path(Path("out") / ("a" * 250 + ".png")).name
    >>> len(name), name.startswith(".aaa"), name.endswith(".tmp")
    (255, True, True)
    """
    tag = f"{os.getpid() & 0xFFFFFF:06x}{secrets.token_hex(3)}"
    room = max(1, _name_max(path.parent) - len(f"..{tag}{TEMPORARY_SUFFIX}"))
    name = path.name
    while len(os.fsencode(name)) > room and len(name) > 1:
        name = name[:-1]
    return path.parent / f".{name}.{tag}{TEMPORARY_SUFFIX}"


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename.

    An interrupted write never leaves a half-written ``path`` behind. The file
    gets the usual permissions (``0o666`` less the umask), as ``open`` would give.
    Any failure (a full disk, no permission, a name too long) is an ``OSError``
    whose ``filename`` is ``path``, never the temporary name; the temporary file
    is removed.
    """
    path = Path(path)
    tmp = temporary_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except OSError as err:  # name the file the caller asked for, not the temporary one
        raise OSError(err.errno, err.strerror or str(err), str(path)) from None
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT.add(tmp.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError as err:  # a full disk (ENOSPC), a file too large (EFBIG), ...
        tmp.unlink(missing_ok=True)
        raise OSError(err.errno, err.strerror or str(err), str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(tmp.name)


def _writer_alive(pid: int) -> bool:
    """Whether the process that named a temporary file still runs (so it is not stale)."""
    if pid == os.getpid() & 0xFFFFFF:
        return False  # ours, and not in flight (checked by the caller): left by an error
    if os.name != "posix" or pid <= 0:
        return False  # no cheap check: the folder is taken to have one writer
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM): alive
        return True
    try:  # a killed writer that its parent has not reaped yet (a zombie) runs no more
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (macOS): alive
        return True


def remove_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files an interrupted :func:`write_atomic` left in ``folder``.

    A process killed between creating its temporary file and renaming it (SIGKILL,
    power loss) leaves a hidden ``.<name>.<12 hex digits>.tmp``; nothing else is
    touched. Writers that resume or overwrite call this first (``existing="skip"``
    or ``"overwrite"``, ``--resume``, ``--overwrite``). A temporary file that a
    running process (this one included) is still writing is kept: its name holds
    the writer's process id. Processes on other machines sharing the folder cannot
    be seen, so run one writer per folder.
    """
    found = []
    directory = Path(folder)
    if directory.is_dir():
        with _IN_FLIGHT_LOCK:
            ours = set(_IN_FLIGHT)
        for entry in directory.iterdir():
            match = _TEMPORARY.fullmatch(entry.name)  # any name, newlines too
            if match is None or entry.name in ours or _writer_alive(int(match["pid"], 16)):
                continue
            if entry.is_file():
                entry.unlink(missing_ok=True)
                found.append(entry)
    return found


class Heatmaps(Sequence):
    """A sequence of RGB pictures, backed by one ``(N, H, W, 3)`` array when sizes agree.

    ``h[i]`` is a ``PIL.Image``; ``h[a:b]`` is a ``Heatmaps``; ``h.to_numpy()`` is the
    array (a list when sizes differ). In Jupyter the batch shows as a grid.

    Attributes
    ----------
    records : tuple of Record
        What the pipeline's steps did per sample, e.g. the value range each
        colormap used (see :meth:`value_ranges`).
    pipeline : Transform
        The pipeline that made the pictures.
    grid_shape : tuple of int
        ``(N, C)`` when every channel was drawn as its own picture
        (``heatmap(..., channels="separate")``), else ``(len(h), 1)``.
    """

    def __init__(self, data: np.ndarray | list[np.ndarray], records: tuple[Record, ...] = (),
                 pipeline: Any = None, grid_shape: tuple[int, int] | None = None) -> None:
        self._data = data
        self.records = records
        self.pipeline = pipeline
        self._grid = grid_shape

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            data = self._data[index]
            records = tuple(Record(r.transform, {k: v[index] for k, v in r.values.items()})
                            for r in self.records)
            return Heatmaps(data, records, self.pipeline)
        if not isinstance(index, (int, np.integer)):
            raise type_error("index", "an int or a slice", index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for {len(self)} heatmaps")
        return Image.fromarray(to_uint8(np.asarray(self._data[index])))

    def __iter__(self) -> Iterator[Image.Image]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        if isinstance(self._data, np.ndarray):
            return f"Heatmaps({len(self)} pictures, shape {self._data.shape}, {self._data.dtype})"
        return f"Heatmaps({len(self)} pictures of different sizes)"

    @property
    def dtype(self) -> np.dtype:
        """uint8 for 8-bit pictures, or the float dtype of exact colours."""
        first = self._data if isinstance(self._data, np.ndarray) else self._data[0]
        return np.asarray(first).dtype

    def to_numpy(self) -> np.ndarray | list[np.ndarray]:
        """The pictures: ``(N, H, W, 3)`` (a list of ``(H_i, W_i, 3)`` when sizes differ)."""
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
        again (``C`` is 1).
        """
        data = self.to_numpy()
        if isinstance(data, list):
            raise value_error("heatmaps", "pictures of one size to form a grid",
                              "pictures of different sizes", described=True)
        return data.reshape(self.grid_shape + data.shape[1:])

    def value_ranges(self) -> np.ndarray:
        """``(N, 2)`` value range each picture's colormap used (``lo``, ``hi``).

        Taken from the pipeline's record of what it did, not recomputed.
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

    def colorbar_info(self, i: int) -> ColorbarInfo:
        """What picture ``i``'s colours mean: its range, colour stops and colormap name.

        Read from the last colormap step's record, so the range is the one the
        picture was really scaled to.

        Examples
        --------
        >>> import numpy as np
        >>> from visheat import heatmap, SumReduction, CenteredColormap
        >>> x = np.array([[[[-1.0, 2.0]]]])
        >>> info = heatmap(x, SumReduction() | CenteredColormap("bwr")).colorbar_info(0)
        >>> info.lo, info.hi, info.name, info.stops.shape, info.clipped
        (-2.0, 2.0, 'bwr', (256, 3), False)
        """
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise type_error("i", "an int", i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} is out of range for {len(self)} heatmaps")
        position = self._colormap_position()
        record = self.records[position]
        clipped = any({"lo", "hi"} <= set(r.values) and not hasattr(r.transform, "stops")
                      for r in self.records[:position])
        cmap = record.transform
        return ColorbarInfo(float(record.values["lo"][i]), float(record.values["hi"][i]),
                            cmap.stops, colormap_name(cmap.name), clipped)

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
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise type_error("i", "an int", i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} is out of range for {len(self)} heatmaps")
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
        an error that names ``existing="overwrite"``.

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
        pictures); got .../000.png. Pass existing='overwrite' to replace them or existing='skip' to
        keep them.
        """
        if existing not in ("error", "overwrite", "skip"):
            raise value_error("existing", "'error', 'overwrite' or 'skip'", existing)
        if labels is not None and len(labels) != len(self):
            raise value_error("labels", f"{len(self)} labels", f"{len(labels)} labels",
                              described=True)
        folder = Path(directory)
        paths = [folder / file_name(pattern, i, safe_name(str(labels[i])) if labels is not None
                                    else "") for i in range(len(self))]
        check_distinct(paths)
        for i in range(len(self)):
            check_not_empty(self._data[i], f"heatmaps[{i}]")
        same: set[int] = set()  # files that hold this picture already (a re-run cell)
        if existing == "error":
            for i, path in enumerate(paths):
                if path.exists() and not self._holds(path, i):
                    raise value_error("directory", "no existing output files (or files "
                                      "holding the same pictures)", str(path),
                                      "Pass existing='overwrite' to replace them or "
                                      "existing='skip' to keep them.", described=True)
                if path.exists():
                    same.add(i)
        prepare_folder(folder, "directory")
        if existing != "error":  # the folder is ours to resume or replace
            remove_temporaries(folder)
        for i, path in enumerate(paths):
            if i not in same and (existing != "skip" or not path.exists()):
                write_atomic(path, png_bytes(np.asarray(self._data[i])))
        return paths

    def _holds(self, path: Path, i: int) -> bool:
        """Whether the file ``path`` is exactly the PNG that picture ``i`` is saved as."""
        try:
            if not path.is_file() or path.stat().st_size > 4 * self._data[i].nbytes + 2**16:
                return False
            return path.read_bytes() == png_bytes(np.asarray(self._data[i]))
        except OSError:
            return False

    # -- notebooks ---------------------------------------------------------
    def _repr_png_(self) -> bytes | None:
        if len(self) == 1:
            return png_bytes(np.asarray(self._data[0]))
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
        picture = thumbnail(self[i])
        width = picture.width
        data = base64.b64encode(png_bytes(np.asarray(picture))).decode("ascii")
        caption, title = f"#{i}", f"heatmap {i}"
        if ranges:
            info = self.colorbar_info(i)
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


def thumbnail(picture: Image.Image) -> Image.Image:
    """A grid thumbnail: at most ``THUMBNAIL`` px on a side, small pictures enlarged.

    Pictures under ``MIN_THUMBNAIL`` px on their longer side are enlarged by the
    whole factor that brings them to at least that size (nearest neighbour: each
    pixel becomes a block; never past ``THUMBNAIL``); larger ones shrink to fit.

    >>> thumbnail(Image.new("RGB", (32, 20))).size
    (96, 60)
    >>> thumbnail(Image.new("RGB", (7, 7))).size
    (98, 98)
    >>> thumbnail(Image.new("RGB", (224, 112))).size
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
