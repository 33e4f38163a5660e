"""The explorer in a notebook: a live widget whose kernel keeps the data.

:class:`Explorer` displayed in a notebook is an anywidget (``pip install
'.[notebook]'`` in visheat's folder; JupyterLab, Notebook 7, VS Code and Colab render it without an
extension). Its front end is the offline page's own script, ``explorer.js``, whose
source of data is the kernel: the page asks for the rows in view by their position in
the current order, and the kernel answers each sample as the page's data blocks hold it
(:mod:`visheat.explorer.rows`). One scale across the batch, sorting and filtering run in
the kernel (:mod:`visheat.explorer.stats`). Nothing of the dataset is read until a row
is shown; :meth:`Explorer.save` writes the offline page for sharing.

Messages (``model.send`` / ``msg:custom``), each with the page's ``id``:

- ``{"op": "rows", "positions" or "indices": [...]}`` -> ``{"rows": [{"index", "position",
  "label", "score", "exps", "values", "image"}]}`` with the float16 values and the
  zlib-compressed images as binary buffers (``values``/``image`` are buffer numbers);
- ``{"op": "order", "sort", "filter", "min_score"}`` -> ``{"count"}``;
- ``{"op": "locate", "index"}`` -> ``{"position"}`` (-1: filtered out);
- ``{"op": "order_list"}`` -> ``{"indices"}``;
- ``{"op": "batch", "method", "view"}`` -> ``{"range": [lo, hi]}``.

An error answers ``{"error": message}``: the page shows it and the call's promise rejects;
the kernel log (``logging.getLogger("visheat")``) has the traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import type_error, value_error
from ..core.pipeline import Pipeline
from ..core.version import VERSION
from ..render.apply import heatmap
from ..render.twopass import resolve
from ..transforms.colour import lut_u8
from .page import (
    CLIPS,
    COLORMAPS,
    MAX_BYTES,
    REDUCTIONS,
    VIEW_KEYS,
    Page,
    _auto_colormaps,
    _check_colormaps,
    _check_size,
    _check_view,
    assets,
)
from .rows import CACHE_BYTES, Rows
from .stats import _batch_range, _pipeline_text, _read_scores, _row_order, colour, read_labels

__all__ = ["Explorer"]

log = logging.getLogger("visheat")
INSTALL = "pip install '.[notebook]' in visheat's folder"
#: Decoded rows the page keeps (bytes of float32 values and RGB).
PAGE_CACHE_BYTES = 192 * 2**20


class Explorer:
    """Compare attribution methods per image: a live widget in a notebook, an offline page.

    In a notebook (JupyterLab, Notebook 7, VS Code, Colab) the explorer is a widget
    whose kernel keeps the data: numpy arrays, memmaps, zarr, HDF5, xarray or Dask
    arrays of any length, read a few rows at a time as they scroll into view. Without
    anywidget it shows the offline page instead (and says how to install the widget).
    :meth:`save` writes the offline page. Parameters are those of
    :func:`visheat.write_explorer`, and ``cache_bytes``, the encoded rows the kernel keeps.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ex = Explorer({"Saliency": rng.normal(size=(2, 3, 8, 8)),
    ...                "Grad-CAM": rng.random((2, 4, 4))}, rng.random((2, 8, 8, 3)),
    ...               layout={"Grad-CAM": "NHW"}, labels=["cat", "<dog>"])
    >>> ex
    Explorer(2 samples, methods ['Saliency', 'Grad-CAM'])
    >>> ex.pipeline("Grad-CAM").split(" | ")
    ['SumReduction()', "ResizeToImage('lanczos1')", 'PercentileClip(0.001, 0.999)', \
"ExtremaColormap('batlow')", 'AlphaOverlay(0.5)']
    >>> ex.view = {"colormap": "jet", "scope": "batch"}
    >>> ex.pipeline("Saliency").split(" | ")[2]
    "ExtremaColormap('jet', scope='batch')"
    >>> ex.pictures(1)["Saliency"].shape
    (8, 8, 3)
    """

    def __init__(self, methods: Mapping[str, Any], images: Any = None, *,
                 layout: str | Mapping[str, str] = "NCHW", labels: Any = None,
                 scores: Any = None, title: str = "visheat explorer", view: Any = None,
                 colormaps: Sequence[str] = COLORMAPS, tokens: Any = None,
                 cache_bytes: int = CACHE_BYTES) -> None:
        self._arguments = ((methods, images), {
            "layout": layout, "labels": labels, "scores": scores, "title": title,
            "view": view, "colormaps": colormaps, "tokens": tokens})
        self._sources = dict(methods) if isinstance(methods, Mapping) else {}
        if "ipykernel" in sys.modules:  # in a notebook: the widget's imports meanwhile
            threading.Thread(target=_warm_up, args=(colormaps,), daemon=True).start()
        self.rows = Rows(methods, images, layout, tokens, cache_bytes)
        self.n = self.rows.n
        self.labels = read_labels(labels, self.n)
        self.scores = _read_scores(scores, self.n)
        self.title = str(title)
        self.colormaps = _check_colormaps(colormaps)
        self._view = _page_state(_check_view(view, self.colormaps), self._kinds)
        self._order: np.ndarray | None = None
        self._ranges: dict[tuple[Any, ...], tuple[float, float] | None] = {}
        self._widget: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Explorer({self.n} samples, methods {[m.name for m in self.rows.methods]})"

    @functools.cached_property
    def _kinds(self) -> dict[str, str]:
        from ..transforms.schemes import kind_of

        return {c: kind_of(c) for c in self.colormaps}

    @functools.cached_property
    def _methods(self) -> list[dict[str, Any]]:
        return self.rows.meta()

    # -- the view, from Python ---------------------------------------------------------
    @property
    def view(self) -> dict[str, Any]:
        """The view (the page's ``visheat.get()``); setting it changes the given keys, as
        the page's ``visheat.set`` does, and the widget follows."""
        return {**self._view, "clip": self._view["clip"] and list(self._view["clip"])}

    @view.setter
    def view(self, changes: Mapping[str, Any]) -> None:
        self._view = merge_view(self._view, changes, self.colormaps, self._kinds)
        if self._widget is not None:
            self._widget.view = self.view

    def pipeline(self, method: str | int) -> str:
        """The text of ``method``'s pipeline in the current view, as the page shows it:
        ``heatmap(x, images, Pipeline.parse(text))`` draws the same pictures."""
        return _pipeline_text(self._methods[self._method(method)], self._view,
                             self._auto, self._kinds, self.rows.images is not None)

    def pictures(self, i: int) -> dict[str, np.ndarray]:
        """Sample ``i``'s pictures ``(H, W, 3)`` per method in the current view, drawn by
        :func:`visheat.heatmap` in the kernel (one scale across the batch included)."""
        i = self._sample(i)
        found = {}
        for j, m in enumerate(self.rows.methods):
            data, images = self.rows.read(j, i, i + 1)
            found[m.name] = heatmap(data, images, self._resolved(j), layout="NCHW").to_numpy()[0]
        return found

    def _resolved(self, j: int) -> Pipeline:
        pipe = Pipeline.parse(self.pipeline(j))
        if self._view["scope"] != "batch":
            return pipe
        found = self._batch_range(j, self._view)
        return resolve(pipe, lambda prefix, step: found)

    @functools.cached_property
    def _auto(self) -> dict[str, str]:
        return _auto_colormaps(self.colormaps)

    def _method(self, method: Any) -> int:
        names = [m.name for m in self.rows.methods]
        if isinstance(method, (int, np.integer)) and not isinstance(method, bool) \
                and 0 <= method < len(names):
            return int(method)
        if method in names:
            return names.index(method)
        raise value_error("method", f"one of {names} or an index", method)

    def _sample(self, i: Any) -> int:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or not 0 <= i < self.n:
            raise value_error("i", f"a sample index in [0, {self.n})", i)
        return int(i)

    # -- the kernel's answers ------------------------------------------------------------
    def handle(self, content: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        """The answer to one message of the page, and its binary buffers."""
        op = content.get("op")
        if op == "rows":
            return self._rows(content)
        if op == "order":
            self._order = _row_order(self.n, self.labels, self.scores, content.get("sort", "index"),
                                    content.get("filter") or "", content.get("min_score"))
            return {"count": self._count()}, []
        if op == "locate":
            return {"position": self._locate(self._sample(content.get("index")))}, []
        if op == "order_list":
            shown = np.arange(self.n) if self._order is None else self._order
            return {"indices": shown.tolist()}, []
        if op == "batch":
            view = merge_view(self._view, content.get("view", {}), self.colormaps, self._kinds)
            found = self._batch_range(self._method(content.get("method")), view)
            return {"range": None if found is None else list(found)}, []
        raise value_error("op", "one of 'rows', 'order', 'locate', 'order_list', 'batch'", op)

    def _count(self) -> int:
        return self.n if self._order is None else int(self._order.size)

    def _locate(self, i: int) -> int:
        if self._order is None:
            return i
        found = np.flatnonzero(self._order == i)
        return int(found[0]) if found.size else -1

    def _rows(self, content: Mapping[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        if "positions" in content:
            positions = [int(p) for p in content["positions"] if 0 <= int(p) < self._count()]
            indices = positions if self._order is None else [int(self._order[p]) for p in positions]
        else:
            indices = [self._sample(i) for i in content.get("indices", [])]
            positions = [self._locate(i) for i in indices]
        buffers: list[bytes] = []
        answer = []
        for row, pos in zip(self.rows.rows(indices), positions):
            values = list(range(len(buffers), len(buffers) + len(row.values)))
            buffers.extend(row.values)
            image = None
            if row.image is not None:
                image = len(buffers)
                buffers.append(row.image)
            answer.append({
                "index": row.sample, "position": pos if pos >= 0 else None, "exps": row.exps,
                "values": values, "image": image,
                "label": None if self.labels is None else self.labels[row.sample],
                "score": None if self.scores is None else float(self.scores[row.sample])})
        return {"rows": answer}, buffers

    def _batch_range(self, j: int, view: Mapping[str, Any]) -> tuple[float, float] | None:
        method = self._methods[j]
        _, centered = colour(method, dict(view), self._auto, self._kinds)
        key = (j, view["reduction"], tuple(view["clip"] or ()), centered)
        with self._lock:
            if key in self._ranges:
                return self._ranges[key]
        text = _pipeline_text(method, {**view, "scope": "batch"}, self._auto, self._kinds,
                             self.rows.images is not None)
        rows, resize = self.rows, method["resize"] is not None

        def read(start: int, stop: int) -> tuple[np.ndarray, Any]:
            images = rows.images.read(start, stop) if resize and rows.images else None
            return rows.methods[j].read(start, stop, images), images

        found = _batch_range(read, self.n, Pipeline.parse(text), self._sources.get(method["name"]),
                            threads=max(1, min(4, os.cpu_count() or 1)))
        with self._lock:
            self._ranges[key] = found
        return found

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, Mapping) or "id" not in content:
            return
        if content.get("op") == "batch":  # seconds: the rows keep flowing meanwhile
            threading.Thread(target=self._answer, args=(widget, content), daemon=True).start()
        else:
            self._answer(widget, content)

    def _answer(self, widget: Any, content: Mapping[str, Any]) -> None:
        try:
            reply, buffers = self.handle(content)
        except Exception as error:  # every failure reaches the page and the kernel log
            log.exception("visheat explorer: %s failed", content.get("op"))
            widget.send({"id": content["id"], "error": f"{type(error).__name__}: {error}"})
            return
        widget.send({"id": content["id"], **reply}, buffers=buffers)

    def _on_view(self, change: Mapping[str, Any]) -> None:
        new = dict(change["new"])
        if set(new) == set(VIEW_KEYS):
            self._view = new

    # -- the widget ------------------------------------------------------------------------
    def widget_meta(self) -> dict[str, Any]:
        """What the page needs to start: the page's metadata without the data."""
        cmaps = [{"name": c, "kind": self._kinds[c], "lut": _lut_base64(c)}
                 for c in self.colormaps]
        return {"title": self.title, "n": self.n, "height": int(self.rows.size[0]),
                "width": int(self.rows.size[1]), "images": self.rows.images is not None,
                "methods": self._methods, "labels": self.labels is not None,
                "scores": self.scores is not None, "colormaps": cmaps, "reductions": REDUCTIONS,
                "clips": [list(c) if c else None for c in CLIPS], "view": self.view,
                "auto": self._auto, "version": VERSION, "cacheBytes": PAGE_CACHE_BYTES}

    @property
    def widget(self) -> Any:
        """The anywidget of this explorer (made on first use; needs the ``notebook`` extra)."""
        if self._widget is None:
            widget = widget_class()(meta=self.widget_meta(), view=self.view)
            widget.on_msg(self._on_message)
            widget.observe(self._on_view, names="view")
            self._widget = widget
        return self._widget

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        try:
            widget = self.widget
        except ImportError:
            note = f"<p>visheat: the live explorer needs anywidget: <code>{INSTALL}</code>."
            if self._least_bytes() > MAX_BYTES:  # too large for a page: the note alone
                display(HTML(note + "</p>"))
            else:
                display(HTML(note + " Meanwhile, the offline page:</p>" + self._repr_html_()))
            return
        display(widget)

    # -- the offline page ---------------------------------------------------------------
    def page(self) -> Page:
        """The offline page of this explorer (every sample read)."""
        args, kwargs = self._arguments
        return Page(*args, **{**kwargs, "view": _page_view(self._view)})

    @property
    def nbytes(self) -> int:
        """The size of the offline page in bytes."""
        return self.page().nbytes

    def to_html(self) -> str:
        """The offline page as one HTML string."""
        return self.page().to_html()

    def save(self, path: str | os.PathLike, existing: str = "error", *,
             max_bytes: int = MAX_BYTES) -> Path:
        """Write the offline page (see :func:`visheat.write_explorer`); a page above
        ``max_bytes`` is refused before anything is read."""
        _check_size(self._least_bytes(), max_bytes, self.n, len(self.rows.methods))
        return self.page().save(path, existing, max_bytes=max_bytes)

    def _least_bytes(self) -> int:
        """A lower bound of the page's size, from the shapes alone (4 base64 bytes per 3)."""
        raw = sum(2 * m.channels * int(np.prod(m.size)) for m in self.rows.methods)
        raw += 0 if self.rows.images is None else 3 * int(np.prod(self.rows.size))
        return self.n * 4 * raw // 3

    def _repr_html_(self) -> str:
        """The offline page in an iframe (what shows where the widget cannot)."""
        return self.page()._repr_html_()


def merge_view(state: Mapping[str, Any], changes: Any, colormaps: Sequence[str],
               kinds: Mapping[str, str]) -> dict[str, Any]:
    """``state`` with ``changes`` applied as the page's ``visheat.set`` applies them."""
    if not isinstance(changes, Mapping):
        raise type_error("view", f"a dict with keys among {VIEW_KEYS}", changes)
    given = {k: v for k, v in changes.items() if not (k == "centered" and v is None)}
    checked = _check_view(given, colormaps)
    out = {**state, **{k: checked[k] for k in given}}
    if "centered" in changes and changes["centered"] is None:
        out["centered"] = None
    elif "colormap" in changes and "centered" not in changes:
        out["centered"] = _own_centring(out["colormap"], kinds)
    return out


def _page_state(view: dict[str, Any], kinds: Mapping[str, str]) -> dict[str, Any]:
    out = dict(view)
    if "centered" not in out:
        out["centered"] = _own_centring(out["colormap"], kinds)
    return out


def _own_centring(colormap: str, kinds: Mapping[str, str]) -> bool | None:
    """What a colour map chosen without ``centered`` means: None (each method's own) for
    ``"auto"``, else whether the map is diverging."""
    return None if colormap == "auto" else kinds[colormap] == "diverging"


def _page_view(state: Mapping[str, Any]) -> dict[str, Any]:
    """The view as :class:`Page` takes it (``centered`` left out when it is each method's own)."""
    return {k: v for k, v in state.items() if not (k == "centered" and v is None)}


def _warm_up(colormaps: Any) -> None:
    """Import anywidget and encode the colour tables while the first rows are read."""
    with contextlib.suppress(Exception):  # the display says what is wrong, if anything is
        widget_class()
        for name in colormaps:
            _lut_base64(name)


@functools.cache
def _lut_base64(name: str) -> str:
    import base64

    return base64.b64encode(lut_u8(name).tobytes()).decode("ascii")


def esm() -> str:
    """The widget's ES module: the page's script, and anywidget's ``render`` from it."""
    return assets("explorer.js") + "\nexport default { render: visheatExplorer.render };\n"


def css() -> str:
    """The page's style, every rule scoped to the widget's ``.visheat-explorer`` element."""
    rules = []
    for rule in assets("explorer.css").split("}"):
        if "{" not in rule:
            continue
        selectors, body = rule.split("{", 1)
        scoped = [".visheat-explorer" if s.strip() == "body" else f".visheat-explorer {s.strip()}"
                  for s in selectors.split(",")]
        rules.append(f"{', '.join(scoped)} {{{body}}}")
    return re.sub(r"\n\s*\n", "\n", "\n".join(rules)) + "\n"


_CLASS_LOCK = threading.Lock()


def widget_class() -> type:
    """The anywidget class (imported on first display: ``import visheat`` stays light)."""
    with _CLASS_LOCK:
        return _widget_class()


@functools.cache
def _widget_class() -> type:
    try:
        import anywidget
        import traitlets
    except ImportError as error:
        raise ImportError(f"The live explorer needs anywidget: {INSTALL}") from error

    class ExplorerWidget(anywidget.AnyWidget):
        _esm = esm()
        _css = css()
        meta = traitlets.Dict().tag(sync=True)
        view = traitlets.Dict().tag(sync=True)

    return ExplorerWidget

