"""The explorer's offline page: one self-contained HTML file to compare methods per image.

:func:`write_explorer` (and :meth:`visheat.Explorer.save`, through :class:`Page`)
writes a single self-contained file (no network, works from ``file://``, a strict
Content-Security-Policy, no external references): rows are samples, columns are
methods, with shared controls for the channel reduction, the clip percentiles, the
colour map, the scale (per sample or one per method across the batch), the overlay
alpha, and sorting / filtering by label and score.

What travels in the page, and why the pictures are visheat's:

- the raw values ``(N, C, H, W)`` of every method as float16, each sample
  scaled by its own power of two first (exact, and it keeps tiny gradients out
  of float16's subnormal range), base64-encoded; the page reduces the channels
  itself, so every reduction stays available;
- the images as raw 8-bit RGB, base64-encoded;
- the 8-bit colour tables of the offered colour maps, from
  :func:`visheat.transforms.colormaps.lut_u8` (never a second definition in JavaScript),
  and the resize weights of :func:`visheat.transforms.resampling.resize_weights` for maps of
  another size than their images.

The page then follows the 8-bit path's arithmetic (float32 through ``Math.fround``):
the reduction, ``ResizeToImage()``, the quantiles of :class:`PercentileClip`
(Julia's rank rule, exactly), the range of the colormap (per sample or per
batch, with the degenerate-range rule) and the table position
``(v - lo) * (L - 1) / (hi - lo) + 0.5``, and the fixed-point blend of
:class:`AlphaOverlay`. At every moment each column's view is a pipeline whose
text the page shows; ``heatmap(x, images, Pipeline.parse(text))`` draws the
same pictures (within one level: the page starts from float16 values). It keeps
each sample's power of two: reductions, resize and quantiles run on the scaled
values, and only ranges and table positions on the values themselves (float64
numbers, in the map's precision), so any magnitude draws the same picture.

Page size: about ``8/3`` bytes per value (float16 in base64) plus 4 bytes per
image pixel; see ``bench/explorer.py``. The page is written to disk a sample at a
time (never whole in memory), and a page above :data:`MAX_BYTES` is refused unless
``max_bytes=`` allows it: a browser reads the whole file and holds it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import check_number, type_error, value_error
from ..core.images import images_as_uint8, to_images
from ..core.layout import read_batch
from ..core.limits import format_bytes
from ..core.version import VERSION
from ..transforms.colour import SCOPES, lut_u8
from ..transforms.resampling import resize_weights

#: The channel reductions offered, by the name :func:`reduce_channels` uses.
REDUCTIONS = {"sum": "SumReduction", "norm": "NormReduction", "maxabs": "MaxAbsReduction",
              "sumabs": "SumAbsReduction", "abssum": "AbsSumReduction"}
#: The default colour maps: the presets' (batlow, berlin, jet) and common others
#: (their 8-bit tables add about 0.4 MB to a page).
COLORMAPS = ("batlow", "berlin", "jet", "viridis", "magma", "inferno", "plasma", "cividis",
             "gray", "Greys", "hot", "Reds", "Blues", "turbo", "vik", "bwr", "coolwarm",
             "RdBu_r", "RdBu", "PuOr", "seismic")
#: Clip choices of the page's menu, as (lower, upper) quantiles; None is no clip.
CLIPS = (None, (0.001, 0.999), (0.005, 0.995), (0.01, 0.99), (0.02, 0.98), (0.05, 0.95))
#: The resize step the page uses for maps smaller or larger than their images.
RESIZE = "lanczos1"
#: The first view. ``"colormap": "auto"`` chooses per method (see :data:`AUTO_COLORMAPS`).
DEFAULT_VIEW = {"reduction": "sum", "clip": [0.001, 0.999], "colormap": "auto",
                "scope": "sample", "alpha": 0.5}
#: The colour map ``"auto"`` gives a method whose reduced maps can be negative ("signed":
#: centred on zero, diverging) and one whose maps never are ("unsigned": a CAM, a saliency
#: map, or any method under a reduction of magnitudes: its own range, sequential), so that
#: each uses the whole colour map. When a map is not offered, the first offered of its kind.
AUTO_COLORMAPS = {"signed": ("berlin", "diverging"), "unsigned": ("batlow", "sequential")}
VIEW_KEYS = ("reduction", "clip", "colormap", "scope", "alpha", "centered")
FLOAT16_TOP = 15  # each sample is scaled so that max |x| <= 2**15 (float16 max: 65504)
#: Largest page :meth:`Explorer.save` writes unless ``max_bytes=`` says more: 256 MiB.
MAX_BYTES = 256 * 2**20
_TAIL = b"</body>\n</html>\n"


def assets(name: str) -> str:
    """The text of ``visheat/data/<name>`` (the page's script and style)."""
    return (resources.files("visheat") / "data" / name).read_text(encoding="utf-8")


def encode_float16(values: np.ndarray) -> tuple[str, int]:
    """One sample's values as base64 float16 (little-endian) and its power-of-two scale.

    The page reads ``float16 * 2**-k``. Multiplying by a power of two is exact,
    so only the float16 rounding (relative ``2**-11``) remains.

    Examples
    --------
    >>> text, k = encode_float16(np.array([1e-6, -3e-6], np.float32))
    >>> k
    33
    >>> decoded = np.frombuffer(base64.b64decode(text), "<f2").astype(np.float64) * 2.0 ** -k
    >>> bool(np.allclose(decoded, [1e-6, -3e-6], rtol=2**-11))
    True
    """
    k = _exponent(values)
    return _float16_base64(values, k).decode("ascii"), k


def _exponent(values: np.ndarray) -> int:
    """The power of two ``k`` that brings ``max |values|`` into ``[2**14, 2**15)``."""
    top = float(max(values.max(initial=0), -values.min(initial=0)))
    return FLOAT16_TOP - int(np.frexp(top)[1]) if top > 0 else 0


def _float16_base64(values: np.ndarray, k: int) -> bytes:
    # in the values' own float dtype: exact, as k keeps the scaled values below 2**15
    scaled = np.ldexp(values, np.intc(k)).astype("<f2")
    return base64.b64encode(scaled.tobytes())


def _read_methods(methods: Any, layout: Any, tokens: Any = None,
                  images: Any = None) -> dict[str, np.ndarray]:
    if not isinstance(methods, Mapping) or not methods:
        raise type_error("methods", "a non-empty dict of method name -> attributions", methods)
    found, used = {}, False
    for name, x in methods.items():
        if not isinstance(name, str) or not name:
            raise type_error("methods", "method names as non-empty strings", name)
        lay = layout.get(name, "NCHW") if isinstance(layout, Mapping) else layout
        grid = _method_tokens(tokens, name, lay)
        used = used or grid is not None
        data, stage = read_batch(x, lay, argument=f"methods[{name!r}]", tokens=grid,
                                 images=images)
        data = data if stage.value == "values" else data[:, None]
        if not np.isfinite(data).all():
            raise value_error(f"methods[{name!r}]", "finite values",
                              f"{int((~np.isfinite(data)).sum())} NaN or infinite values",
                              described=True)
        found[name] = data
    if tokens is not None and not used:
        raise value_error("tokens", "a method whose layout has L (transformer tokens)",
                          f"tokens={tokens!r} and layout={layout!r}", described=True)
    sizes = {name: d.shape[0] for name, d in found.items()}
    if len(set(sizes.values())) != 1:
        raise value_error("methods", "the same number of samples for every method",
                          f"{sizes}", described=True)
    return found


def _method_tokens(tokens: Any, name: str, layout: Any) -> Any:
    """The TokenGrid of one method: ``tokens`` per name, or one for every layout with L."""
    if isinstance(tokens, Mapping):
        return tokens.get(name)
    return tokens if isinstance(layout, str) and "L" in layout.upper() else None


def _read_images(images: Any, n: int) -> np.ndarray | None:
    if images is None:
        return None
    found = to_images(images, n)
    if isinstance(found, tuple):
        raise value_error("images", "images of one size", "images of several sizes",
                          "Resize them to one size first.", described=True)
    return np.ascontiguousarray(images_as_uint8(np.asarray(found)))


def _texts(argument: str, items: Any, n: int, kind: str) -> list[Any] | None:
    if items is None:
        return None
    if isinstance(items, (str, bytes)) or not isinstance(items, (Sequence, np.ndarray)):
        raise type_error(argument, f"a sequence of {n} {kind}s (one per sample)", items)
    found = list(items)
    if len(found) != n:
        raise value_error(argument, f"{n} {kind}s (one per sample)", f"{len(found)}",
                          described=True)
    if kind == "label":
        return [str(t) for t in found]
    return [check_number(f"{argument}[{i}]", s) for i, s in enumerate(found)]


def _check_view(view: Any, colormaps: Sequence[str]) -> dict[str, Any]:
    if view is None:
        view = {}
    if not isinstance(view, Mapping):
        raise type_error("view", f"a dict with keys among {VIEW_KEYS}", view)
    unknown = sorted(set(view) - set(VIEW_KEYS))
    if unknown:
        raise value_error("view", f"keys among {VIEW_KEYS}", f"{unknown}", described=True)
    out = {**DEFAULT_VIEW, **view}
    if out["reduction"] not in REDUCTIONS:
        raise value_error("view['reduction']", f"one of {tuple(REDUCTIONS)}", out["reduction"])
    if out["colormap"] != "auto" and out["colormap"] not in colormaps:
        raise value_error("view['colormap']",
                          f"'auto' or one of the offered colormaps {tuple(colormaps)}",
                          out["colormap"])
    if out["scope"] not in SCOPES:
        raise value_error("view['scope']", "'sample' or 'batch'", out["scope"])
    out["alpha"] = check_number("view['alpha']", out["alpha"], low=0, high=1)
    if "centered" in out and not isinstance(out["centered"], bool):
        raise type_error("view['centered']", "True or False", out["centered"])
    if out["clip"] is not None:
        lo, hi = (check_number("view['clip']", v, low=0, high=1) for v in out["clip"])
        if not lo < hi:
            raise value_error("view['clip']", "[lower, upper] with lower < upper", out["clip"])
        out["clip"] = [lo, hi]
    return out


def _check_colormaps(colormaps: Any) -> tuple[str, ...]:
    from ..transforms.schemes import kind_of

    if isinstance(colormaps, str) or not isinstance(colormaps, Sequence) or not colormaps:
        raise type_error("colormaps", "a non-empty sequence of colormap names", colormaps)
    for name in colormaps:
        if not isinstance(name, str):
            raise type_error("colormaps", "colormap names", name)
        kind_of(name)  # unknown names: ValueError with "did you mean"
        if "'" in name or "\\" in name:
            raise value_error("colormaps", "names without quotes or backslashes", name)
    return tuple(colormaps)


def _auto_colormaps(colormaps: Sequence[str]) -> dict[str, str]:
    """What ``"auto"`` means among the offered colour maps (see :data:`AUTO_COLORMAPS`).

    >>> _auto_colormaps(("jet", "bwr", "viridis"))
    {'signed': 'bwr', 'unsigned': 'jet'}
    """
    from ..transforms.schemes import kind_of

    return {key: name if name in colormaps
            else next((c for c in colormaps if kind_of(c) == kind), colormaps[0])
            for key, (name, kind) in AUTO_COLORMAPS.items()}


def _sparse_rows(weights: np.ndarray) -> list[list[Any]]:
    """Each output row as ``[first input index, [weights...]]`` (float32 values)."""
    rows = []
    for row in weights.astype(np.float32):
        nonzero = np.flatnonzero(row)
        first, last = (int(nonzero[0]), int(nonzero[-1])) if nonzero.size else (0, 0)
        rows.append([first, [float(w) for w in row[first:last + 1]]])
    return rows


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no ``<``, ``>``, ``&``)."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("/", "\\/")  # no "https://" in the page, even from a label


def _ascii_html(text: str) -> str:
    """Escaped text with non-ASCII characters (and ``/``) as references: pure ASCII, and no
    ``https://`` in the page even from a title."""
    text = html.escape(text).replace("/", "&#47;")
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


class Page:
    """An explorer page, its data read whole (a page holds them all); :meth:`save` writes it.

    :meth:`_repr_html_` is the page in an ``<iframe srcdoc>`` (no server, no network):
    what :class:`visheat.Explorer` shows without the widget. Parameters are those of
    :func:`write_explorer`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ex = Page({"Saliency": rng.normal(size=(2, 3, 8, 8)),
    ...                "Grad-CAM": rng.random((2, 4, 4))}, rng.random((2, 8, 8, 3)),
    ...               layout={"Grad-CAM": "NHW"}, labels=["cat", "<dog>"])
    >>> ex
    Page(2 samples, methods ['Saliency', 'Grad-CAM'])
    >>> page = ex.to_html()
    >>> "http://" in page or "https://" in page, "&lt;dog&gt;" in page or "<dog>" not in page
    (False, True)
    """

    def __init__(self, methods: Mapping[str, Any], images: Any = None, *,
                 layout: str | Mapping[str, str] = "NCHW", labels: Any = None,
                 scores: Any = None, title: str = "visheat explorer", view: Any = None,
                 colormaps: Sequence[str] = COLORMAPS, tokens: Any = None) -> None:
        if not isinstance(layout, (str, Mapping)):
            raise type_error("layout", "axis letters such as 'NCHW', or a dict per method",
                             layout)
        self.methods = _read_methods(methods, layout, tokens, images)
        self.n = next(iter(self.methods.values())).shape[0]
        self.images = _read_images(images, self.n)
        if self.images is None and len({d.shape[2:] for d in self.methods.values()}) > 1:
            raise value_error("methods", "maps of one size when there are no images",
                              f"sizes {sorted({d.shape[2:] for d in self.methods.values()})}",
                              "Pass images=, to which every map is resized.", described=True)
        self.labels = _texts("labels", labels, self.n, "label")
        self.scores = _texts("scores", scores, self.n, "score")
        self.title = str(title)
        self.colormaps = _check_colormaps(colormaps)
        self.view = _check_view(view, self.colormaps)

    def __repr__(self) -> str:
        return f"Page({self.n} samples, methods {list(self.methods)})"

    def _method_meta(self, name: str, data: np.ndarray) -> dict[str, Any]:
        size = data.shape[2:]
        meta: dict[str, Any] = {"name": name, "channels": data.shape[1], "mh": size[0],
                                "mw": size[1], "resize": None, "dtype": data.dtype.name,
                                "signed": bool(data.min(initial=0) < 0)}
        if self.images is not None and size != self.images.shape[1:3]:
            wy, wx = resize_weights(size, self.images.shape[1:3], RESIZE)
            meta["resize"] = {"method": RESIZE, "wy": _sparse_rows(wy), "wx": _sparse_rows(wx)}
        return meta

    def _meta(self, exponents: dict[str, list[int]]) -> dict[str, Any]:
        from ..transforms.schemes import kind_of

        size = (self.images.shape[1:3] if self.images is not None
                else next(iter(self.methods.values())).shape[2:])
        methods = [dict(self._method_meta(name, d), exps=exponents[name])
                   for name, d in self.methods.items()]
        cmaps = [{"name": c, "kind": kind_of(c),
                  "lut": base64.b64encode(lut_u8(c).tobytes()).decode("ascii")}
                 for c in self.colormaps]
        return {"title": self.title, "n": self.n, "height": int(size[0]), "width": int(size[1]),
                "images": self.images is not None, "methods": methods, "labels": self.labels,
                "scores": self.scores, "colormaps": cmaps, "reductions": REDUCTIONS,
                "clips": [list(c) if c else None for c in CLIPS], "view": self.view,
                "auto": _auto_colormaps(self.colormaps), "version": VERSION}

    @cached_property
    def _exponents(self) -> dict[str, list[int]]:
        """Each sample's power of two, per method (they travel in the page's head)."""
        return {name: [_exponent(data[i]) for i in range(self.n)]
                for name, data in self.methods.items()}

    def _blocks(self) -> Iterator[bytes]:
        """The data blocks, encoded one at a time, sample by sample: the page draws the
        first rows while the rest loads, and the writer never holds the whole page."""
        for i in range(self.n):
            for j, (name, data) in enumerate(self.methods.items()):
                yield _block(f"vh-m{j}-{i}", _float16_base64(data[i], self._exponents[name][i]))
            if self.images is not None:
                yield _block(f"vh-i{i}", base64.b64encode(self.images[i].tobytes()))

    @property
    def nbytes(self) -> int:
        """The size of the page in bytes, computed without encoding it."""
        size = len(self._head()) + len(_TAIL)
        for i in range(self.n):
            for j, data in enumerate(self.methods.values()):
                size += _block_size(f"vh-m{j}-{i}", 2 * data[i].size)
            if self.images is not None:
                size += _block_size(f"vh-i{i}", self.images[i].size)
        return size

    def to_html(self) -> str:
        """The page as one HTML string."""
        return b"".join([self._head(), *self._blocks(), _TAIL]).decode("utf-8")

    def _head(self) -> bytes:
        """Everything before the data blocks: the style, the metadata and the script."""
        script, style = assets("explorer.js"), assets("explorer.css")
        csp = (f"default-src 'none'; script-src {_csp_hash(script)}; "
               f"style-src {_csp_hash(style)}; base-uri 'none'; form-action 'none'")
        head = "".join([
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            f"<title>{_ascii_html(self.title)}</title>\n<style>{style}</style>\n</head>\n",
            f"<body>\n<h1>{_ascii_html(self.title)}</h1>\n",
            "<noscript>This page needs JavaScript to draw its pictures.</noscript>\n",
            "<script type=\"application/json\" id=\"visheat-meta\">",
            _json_for_script(self._meta(self._exponents)), "</script>\n",
            f"<script>{script}</script>\n"])  # before the data: draws while they load
        return head.encode("utf-8")

    def save(self, path: str | os.PathLike, existing: str = "error", *,
             max_bytes: int = MAX_BYTES) -> Path:
        """Write the page to ``path`` (an ``.html`` file), a sample at a time; returns the path.

        ``existing`` is every writer's choice (:func:`visheat.io.files.plan_outputs`):
        ``"error"`` refuses a file in the way unless it holds this very page (a re-run),
        ``"overwrite"`` replaces it, ``"skip"`` keeps it. A page larger than ``max_bytes``
        (default :data:`MAX_BYTES`, 256 MiB) is refused before anything is written.
        """
        from ..io.files import plan_outputs, write_atomic

        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise value_error("path", "an .html file name", str(path))
        self._check_size(check_number("max_bytes", max_bytes, low=1, integer=True))
        plan = plan_outputs(path.parent, [path], existing, argument="path",
                            holds=lambda i, p: self._holds(p))
        if plan.todo(0):
            write_atomic(path, self._pieces())
        return path

    def _pieces(self) -> Iterator[bytes]:
        return itertools.chain([self._head()], self._blocks(), [_TAIL])

    def _holds(self, path: Path) -> bool:
        """Whether ``path`` holds exactly this page (compared a piece at a time)."""
        try:
            if path.stat().st_size != self.nbytes:
                return False
            with path.open("rb") as file:
                return all(file.read(len(piece)) == piece for piece in self._pieces())
        except OSError:
            return False

    def _check_size(self, limit: float) -> None:
        _check_size(self.nbytes, limit, self.n, len(self.methods))

    def _repr_html_(self) -> str:
        """The page in an iframe (``srcdoc``): works offline, scripts sandboxed."""
        return ("<iframe sandbox=\"allow-scripts\" style=\"width:100%;height:640px;border:0\" "
                f"title=\"{html.escape(self.title)}\" srcdoc=\"{html.escape(self.to_html())}\">"
                "</iframe>")


def _check_size(size: int, limit: float, n: int, methods: int) -> None:
    """Refuse a page of ``size`` bytes above ``limit``, naming the live widget."""
    if size <= limit:
        return
    wanted, allowed = format_bytes(size), format_bytes(int(limit))
    if wanted == allowed:  # just past the limit: both would read the same when rounded
        wanted, allowed = f"{size:,} bytes", f"{int(limit):,} bytes"
    raise value_error(
        "max_bytes", f"an explorer page of at most {allowed}",
        f"a page of {wanted} ({n} samples x {methods} methods)",
        "A browser reads the whole page and holds it in memory: pass a larger max_bytes= "
        "to write it anyway, or, for large datasets, use the live notebook widget "
        "(visheat.Explorer in a notebook), which keeps the data in the kernel and sends "
        "only the rows on screen.", described=True)


def _block(ident: str, payload: bytes) -> bytes:
    """A data block (base64): never executed, not covered by script-src."""
    return _block_open(ident) + payload + b"</script>\n"


def _block_open(ident: str) -> bytes:
    return f"<script type=\"application/octet-stream\" id=\"{ident}\">".encode("ascii")


def _block_size(ident: str, raw: int) -> int:
    """The size of :func:`_block` for ``raw`` bytes of data (base64: 4 per 3, padded)."""
    return len(_block_open(ident)) + 4 * -(-raw // 3) + len(b"</script>\n")


def write_explorer(path: str | os.PathLike, methods: Mapping[str, Any], images: Any = None, *,
                   layout: str | Mapping[str, str] = "NCHW", labels: Any = None,
                   scores: Any = None, title: str = "visheat explorer", view: Any = None,
                   colormaps: Sequence[str] = COLORMAPS, existing: str = "error",
                   max_bytes: int = MAX_BYTES, tokens: Any = None) -> Path:
    """Write an offline HTML page that compares attribution methods per image.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.html`` file to write.
    methods : dict of str to array_like
        Method name -> its batch (``N`` samples each, the same ``N`` for all),
        e.g. ``{"Integrated Gradients": a, "Saliency": b, "Grad-CAM": cams}``.
        Maps of another size than the images are resized with ``ResizeToImage()``.
    images : array_like, optional
        One image per sample (``(N, H, W, 3)`` or a list of one size), uint8 or
        floats in [0, 1] (rounded to 8 bits); shown under the maps with the alpha.
    layout : str or dict of str to str
        Axis letters of every method's array, or a dict per method name
        (default ``"NCHW"``; e.g. ``{"Grad-CAM": "NHW"}``). A layout with L holds
        transformer tokens, read with ``tokens``.
    labels : sequence of str, optional
        One label per sample, shown as text (escaped), for sorting and filtering.
    scores : sequence of float, optional
        One score per sample (e.g. the class probability), for sorting and filtering.
    title : str
        Title of the page.
    view : dict, optional
        The first view: ``reduction`` (``"sum"``, ``"norm"``, ``"maxabs"``,
        ``"sumabs"``, ``"abssum"``), ``clip`` (``[lower, upper]`` quantiles or
        None), ``colormap`` (default ``"auto"``: per method, ``berlin`` centred on zero
        for maps that can be negative and ``batlow`` over their range for maps that
        never are, see :data:`AUTO_COLORMAPS`; a name applies to every method),
        ``scope`` (``"sample"`` or ``"batch"``), ``alpha``, ``centered`` (default: True
        for diverging colour maps).
    colormaps : sequence of str
        The colour maps offered (default :data:`COLORMAPS`).
    existing : {"error", "overwrite", "skip"}
        A file already at ``path``: refused (the default) unless it holds this very page,
        replaced, or kept; as for every writer of visheat.
    max_bytes : int
        The largest page written (default :data:`MAX_BYTES`, 256 MiB); a larger one
        is refused with a ValueError before anything is written. A browser reads the
        whole page and holds it in memory: for large datasets, the live notebook widget
        (:class:`Explorer` in a notebook) keeps the data in the kernel.
    tokens : TokenGrid or dict of str to TokenGrid, optional
        How the methods whose layout has L lie on the image (one
        :class:`visheat.TokenGrid` for all of them, or one per method name), as in
        :func:`visheat.heatmap`: the page then shows their patch grids.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> x = np.random.default_rng(1).normal(size=(3, 3, 16, 16)).astype(np.float32)
    >>> folder = tempfile.mkdtemp()
    >>> write_explorer(f"{folder}/page.html", {"Saliency": x}).name
    'page.html'
    >>> write_explorer(f"{folder}/page.html", {"Saliency": x})    # the same page: kept
    PosixPath('.../page.html')
    >>> write_explorer(f"{folder}/page.html", {"Saliency": -x})
    Traceback (most recent call last):
    ...
    ValueError: path: expected no existing output files (or files holding the same content); got
    .../page.html. Pass existing='overwrite' to replace them or existing='skip' to keep them.
    """
    page = Page(methods, images, layout=layout, labels=labels, scores=scores,
                title=title, view=view, colormaps=colormaps, tokens=tokens)
    return page.save(path, existing=existing, max_bytes=max_bytes)
