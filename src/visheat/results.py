"""``Heatmaps``: the pictures ``heatmap()`` returns, with what made them."""

from __future__ import annotations

import base64
import html
import io
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ._errors import type_error, value_error
from .batch import Record

#: Pictures shown inline in a notebook; larger batches show the first ones.
MAX_INLINE = 48
THUMBNAIL = 160


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


def png_bytes(picture: np.ndarray) -> bytes:
    """Encode an ``(H, W, 3)`` picture as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(picture)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename.

    An interrupted write never leaves a half-written ``path`` behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        for record in reversed(self.records):
            if {"lo", "hi"} <= set(record.values) and hasattr(record.transform, "stops"):
                return np.stack([record.values["lo"], record.values["hi"]], axis=1)
        raise value_error("heatmaps", "pictures made by a colormap step", "no colormap record",
                          described=True)

    def save(self, directory: str | os.PathLike, pattern: str = "{index:03d}.png",
             labels: Sequence[str] | None = None) -> list[Path]:
        """Write every picture as a PNG file; return the paths.

        ``pattern`` is formatted with ``index`` and, when ``labels`` are given,
        ``label`` (sanitised to letters, digits, ``.``, ``_`` and ``-``, so a label
        cannot leave ``directory``). Files are written atomically (temporary file,
        then rename); ``directory`` is created.
        """
        if labels is not None and len(labels) != len(self):
            raise value_error("labels", f"{len(self)} labels", f"{len(labels)} labels",
                              described=True)
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for i in range(len(self)):
            label = safe_name(str(labels[i])) if labels is not None else ""
            name = pattern.format(index=i, label=label)
            if Path(name).name != name or name in ("", ".", ".."):
                raise value_error("pattern", "a plain file name (no folders)", name)
            write_atomic(folder / name, png_bytes(np.asarray(self._data[i])))
            paths.append(folder / name)
        return paths

    # -- notebooks ---------------------------------------------------------
    def _repr_png_(self) -> bytes | None:
        if len(self) == 1:
            return png_bytes(np.asarray(self._data[0]))
        return None

    def _repr_html_(self) -> str:
        shown = min(len(self), MAX_INLINE)
        cells = []
        for i in range(shown):
            picture = self[i]
            if len(self) > 1:  # a single picture shows at its own size
                picture.thumbnail((THUMBNAIL, THUMBNAIL))
            data = base64.b64encode(png_bytes(np.asarray(picture))).decode("ascii")
            cells.append(f'<figure style="margin:2px;text-align:center">'
                         f'<img src="data:image/png;base64,{data}" alt="heatmap {i}">'
                         f'<figcaption style="font-size:small">#{i}</figcaption></figure>')
        more = len(self) - shown
        tail = f"<p>… and {more} more ({html.escape(repr(self))})</p>" if more else ""
        return ('<div style="display:flex;flex-wrap:wrap;align-items:flex-end">'
                + "".join(cells) + "</div>" + tail)
