"""Rows of an explorer read lazily from any array source, and encoded as the page reads them.

A method's array (numpy, a memmap, zarr, HDF5, xarray or Dask) is sliced along N a
contiguous run of samples at a time; a Dask array computes only the chunks that hold
them (synchronously, in the calling thread), so nothing of the dataset is
materialised. Each sample travels as the page's data blocks hold it: float16 values
scaled by the sample's power of two (:func:`visheat.explorer.page.encode_float16`),
and its image as zlib-compressed 8-bit RGB, which the page inflates to the exact bytes.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np

from ..core.errors import type_error, value_error
from ..core.images import images_as_uint8, to_images
from ..core.layout import parse_layout, read_batch
from ..transforms.resampling import resize_weights
from .page import RESIZE, _exponent, _method_tokens, _read_images, _sparse_rows

#: Samples read to decide whether a method's maps can be negative (the "auto" colour map).
SIGNED_SAMPLES = 16
#: Encoded rows the kernel keeps (bytes), for a page that scrolls back.
CACHE_BYTES = 64 * 2**20
#: Rows read beside the ones asked for (a chunk read once serves a scroll's neighbours).
AROUND = 4


class Row(NamedTuple):
    """One sample as it travels: per method its float16 bytes and power of two, its image."""

    sample: int
    values: list[bytes]
    exps: list[int]
    image: bytes | None

    @property
    def nbytes(self) -> int:
        return sum(len(v) for v in self.values) + len(self.image or b"")


def take(x: Any, axis: int | None, start: int, stop: int) -> Any:
    """Samples ``start:stop`` of ``x`` along ``axis`` (all of ``x`` when it has no N axis),
    read into memory: a Dask array computes only the chunks that hold them."""
    if axis is not None:
        index: list[Any] = [slice(None)] * len(np.shape(x))
        index[axis] = slice(start, stop)
        x = x[tuple(index)]
    if type(x).__module__.startswith("xarray"):
        x = x.data
    if hasattr(x, "compute") and hasattr(x, "dask"):
        return x.compute(scheduler="sync")
    return np.asarray(x)


class _MethodRows:
    """One method's samples, read on demand from its array as maps or values ``(n, C, h, w)``."""

    def __init__(self, name: str, x: Any, layout: str, tokens: Any, images: Any) -> None:
        if not hasattr(x, "shape") or not hasattr(x, "__getitem__"):
            x = np.asarray(x)
        self.name, self.x, self.layout, self.tokens = name, x, layout, tokens
        letters = parse_layout(layout)
        self.axis = letters.index("N") if "N" in letters else None
        self.n = int(x.shape[self.axis]) if self.axis is not None else 1
        first = self.read(0, min(self.n, SIGNED_SAMPLES), images)
        self.channels, self.dtype = first.shape[1], first.dtype
        self.size: tuple[int, int] = (int(first.shape[2]), int(first.shape[3]))
        self.signed = bool(first.min(initial=0) < 0)
        self.first: np.ndarray | None = first  # the first rows, encoded once Rows is made
        self.edges = _chunk_edges(x, self.axis, self.n)

    def read(self, start: int, stop: int, images: Any = None) -> np.ndarray:
        """Samples ``start:stop`` as ``(n, C, h, w)`` floats, checked finite."""
        part = take(self.x, self.axis, start, stop)
        data, stage = read_batch(part, self.layout, argument=f"methods[{self.name!r}]",
                                 tokens=self.tokens, images=images)
        data = data if stage.value == "values" else data[:, None]
        bad = ~np.isfinite(data)
        if bad.any():
            at = start + int(np.flatnonzero(bad.reshape(len(data), -1).any(axis=1))[0])
            raise value_error(f"methods[{self.name!r}]", "finite values",
                              f"{int(bad.sum())} NaN or infinite values (sample {at} first)",
                              described=True)
        return data


class _ImageRows:
    """The images beside the maps: sliced lazily from an ``(N, H, W, 3)`` array, else read once."""

    def __init__(self, images: Any, n: int) -> None:
        shape = getattr(images, "shape", None)
        self.lazy = shape is not None and len(shape) == 4 and shape[0] == n and n > 1
        found = images if self.lazy else _read_images(images, n)
        assert found is not None  # images=None never reaches here (Rows keeps None)
        self.images = found
        self.size: tuple[int, int] = (int(found.shape[1]), int(found.shape[2]))

    def read(self, start: int, stop: int) -> np.ndarray:
        if not self.lazy:
            return self.images[start:stop]
        part = take(self.images, 0, start, stop)
        return np.ascontiguousarray(images_as_uint8(np.asarray(to_images(part, stop - start))))


class Rows:
    """Every method's rows and the images, read lazily; encoded rows in a bounded cache.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(5, 3, 8, 8)).astype(np.float32)
    >>> rows = Rows({"IG": x})
    >>> rows.n, [m.channels for m in rows.methods]
    (5, [3])
    >>> (row,) = rows.rows([4])
    >>> len(row.values[0]), row.image is None
    (384, True)
    """

    def __init__(self, methods: Any, images: Any = None, layout: Any = "NCHW",
                 tokens: Any = None, cache_bytes: int = CACHE_BYTES) -> None:
        if not isinstance(methods, Mapping) or not methods:
            raise type_error("methods", "a non-empty dict of method name -> attributions", methods)
        if not isinstance(layout, (str, Mapping)):
            raise type_error("layout", "axis letters such as 'NCHW', or a dict per method",
                             layout)
        for name in methods:
            if not isinstance(name, str) or not name:
                raise type_error("methods", "method names as non-empty strings", name)
        with ThreadPoolExecutor(len(methods)) as pool:  # the first rows of all at once
            self.methods = list(pool.map(
                lambda item: self._method(item[0], item[1], layout, tokens, images),
                methods.items()))
        if tokens is not None and all(m.tokens is None for m in self.methods):
            raise value_error("tokens", "a method whose layout has L (transformer tokens)",
                              f"tokens={tokens!r} and layout={layout!r}", described=True)
        sizes = {m.name: m.n for m in self.methods}
        if len(set(sizes.values())) != 1:
            raise value_error("methods", "the same number of samples for every method",
                              f"{sizes}", described=True)
        self.n = self.methods[0].n
        self.images = None if images is None else _ImageRows(images, self.n)
        maps = {m.size for m in self.methods}
        if self.images is None and len(maps) > 1:
            raise value_error("methods", "maps of one size when there are no images",
                              f"sizes {sorted(maps)}",
                              "Pass images=, to which every map is resized.", described=True)
        self.size = self.images.size if self.images is not None else self.methods[0].size
        self.cache: OrderedDict[int, Row] = OrderedDict()
        self.cache_bytes = cache_bytes
        self.lock = threading.Lock()
        first = [m.first for m in self.methods]
        for m in self.methods:
            m.first = None
        if all(f is not None for f in first):  # the first rows are read already: kept
            k = min(len(f) for f in first if f is not None)
            images = None if self.images is None else self.images.read(0, k)
            for row in self._encode_data(0, [f[:k] for f in first if f is not None], images):
                self._keep(row)

    def _method(self, name: str, x: Any, layout: Any, tokens: Any, images: Any) -> _MethodRows:
        lay = layout.get(name, "NCHW") if isinstance(layout, Mapping) else layout
        grid = _method_tokens(tokens, name, lay)
        probe = None if images is None or grid is None else _first_image(images)
        return _MethodRows(name, x, lay, grid, probe)

    def meta(self) -> list[dict[str, Any]]:
        """What the page needs of each method (as the page's own metadata, without exponents)."""
        found = []
        for m in self.methods:
            meta: dict[str, Any] = {"name": m.name, "channels": int(m.channels),
                                    "mh": int(m.size[0]), "mw": int(m.size[1]), "resize": None,
                                    "dtype": m.dtype.name, "signed": m.signed}
            if self.images is not None and m.size != self.size:
                wy, wx = resize_weights(m.size, self.size, RESIZE)
                meta["resize"] = {"method": RESIZE, "wy": _sparse_rows(wy),
                                  "wx": _sparse_rows(wx)}
            found.append(meta)
        return found

    def rows(self, indices: list[int]) -> list[Row]:
        """The encoded rows of ``indices``: the missing ones read a contiguous run at a time,
        with :data:`AROUND` rows either side (kept for a scroll that comes next)."""
        found: dict[int, Row] = {}
        with self.lock:
            for i in indices:
                if i in self.cache:
                    self.cache.move_to_end(i)
                    found[i] = self.cache[i]
        missing = sorted(set(indices) - set(found))
        for start, stop in _runs(missing):
            for row in self._encode(*self._around(start, stop)):
                self._keep(row)
                if start <= row.sample < stop:
                    found[row.sample] = row
        for i in missing:  # the rows asked for are the most recently used
            self._keep(found[i])
        return [found[i] for i in indices]

    def _around(self, start: int, stop: int) -> tuple[int, int]:
        """``start:stop`` with up to :data:`AROUND` rows either side, within the chunks
        along N that hold it (a Dask array's: no other chunk is computed for them)."""
        low, high = max(0, start - AROUND), min(self.n, stop + AROUND)
        for m in self.methods:
            edges = m.edges
            if edges is not None:
                low = max(low, int(edges[np.searchsorted(edges, start, "right") - 1]))
                high = min(high, int(edges[np.searchsorted(edges, stop - 1, "right")]))
        return low, high

    def read(self, j: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Method ``j``'s samples ``start:stop`` as read (not encoded), and their images."""
        images = None if self.images is None else self.images.read(start, stop)
        return self.methods[j].read(start, stop, images), images

    def _encode(self, start: int, stop: int) -> Iterator[Row]:
        images = None if self.images is None else self.images.read(start, stop)
        if len(self.methods) == 1:
            data = [self.methods[0].read(start, stop, images)]
        else:  # every method's chunks at once (Dask computes them without the GIL)
            with ThreadPoolExecutor(len(self.methods)) as pool:
                data = list(pool.map(lambda m: m.read(start, stop, images), self.methods))
        return self._encode_data(start, data, images)

    def _encode_data(self, start: int, data: list[np.ndarray], images: np.ndarray | None
                     ) -> Iterator[Row]:
        for k in range(len(data[0])):
            exps = [_exponent(d[k]) for d in data]
            values = [np.ldexp(d[k], np.intc(e)).astype("<f2").tobytes()
                      for d, e in zip(data, exps)]
            image = None if images is None else zlib.compress(images[k].tobytes(), 1)
            yield Row(start + k, values, exps, image)

    def _keep(self, row: Row) -> None:
        with self.lock:
            self.cache[row.sample] = row
            total = sum(r.nbytes for r in self.cache.values())
            while total > self.cache_bytes and len(self.cache) > 1:
                total -= self.cache.popitem(last=False)[1].nbytes


def _chunk_edges(x: Any, axis: int | None, n: int) -> np.ndarray | None:
    """Where the chunks along N of a Dask, zarr or HDF5 array start and end (None: unchunked).

    >>> _chunk_edges(np.zeros((5, 2)), 0, 5) is None
    True
    """
    chunks = getattr(x, "chunks", None)
    if not isinstance(chunks, tuple) or axis is None or axis >= len(chunks):
        return None
    along = chunks[axis]
    if isinstance(along, tuple):  # Dask: the size of every chunk
        return np.cumsum((0,) + along)
    if isinstance(along, (int, np.integer)) and along > 0:  # zarr, HDF5: one chunk size
        return np.append(np.arange(0, n, int(along)), n)
    return None


def _first_image(images: Any) -> Any:
    shape = getattr(images, "shape", None)
    if shape is not None and len(shape) == 4:
        return take(images, 0, 0, 1)
    return images


def _runs(indices: list[int], longest: int = 64) -> Iterator[tuple[int, int]]:
    """Sorted indices as ``(start, stop)`` runs of consecutive ones, at most ``longest`` long.

    >>> list(_runs([1, 2, 3, 7, 9, 10]))
    [(1, 4), (7, 8), (9, 11)]
    """
    if not indices:
        return
    start = prev = indices[0]
    for i in indices[1:]:
        if i == prev + 1 and i - start < longest:
            prev = i
            continue
        yield start, prev + 1
        start = prev = i
    yield start, prev + 1
