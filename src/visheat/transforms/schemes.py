"""Read-only registry of colour tables (colour stops) from well-kept packages.

A colour table is the ordered list of RGB stops of a colour scheme, labelled with
its kind and source. Nothing is registered into matplotlib, and neither colorcet
nor cmcrameri is imported (both register maps into matplotlib at import time):
their data files are found with :func:`importlib.util.find_spec` and read as
text, lazily, once per process.

Resolution rules (:func:`get_table`, :func:`kind_of`)
------------------------------------------------------
1. ``"NAME_r"`` resolves ``NAME`` and reverses the colour order, for every source
   (matplotlib's own ``_r`` maps are not used); the table keeps the ``_r``.
2. A namespace forces a source: ``"mpl:NAME"``, ``"cet:NAME"``,
   ``"crameri:NAME"``, ``"colorschemes:NAME"``; colorcet's ``"cet_NAME"`` means
   ``"cet:NAME"``. Such tables are named ``"<namespace>:NAME"``.
3. A bare name is looked up in Crameri's maps (colours rounded to 4 decimals, as
   in ColorSchemes.jl), then matplotlib's built-ins, then colorcet (aliases such
   as ``"fire"``, ``"CET_L3"`` and algorithmic names such as
   ``"linear_kryw_0_100_c71"``). On a collision this order decides
   (``"berlin"`` is Crameri's, ``"gray"`` matplotlib's); the others stay
   reachable through their namespace. Matplotlib names are recognised from
   :data:`_MPL_CATEGORIES` (matplotlib 3.11's built-ins) so that resolving does
   not import matplotlib needlessly; newer built-ins come after colorcet.
4. An unknown name raises `ValueError` with close matches; a non-str `TypeError`.

``crameri:`` is cmcrameri's full-precision data. ``colorschemes:`` holds
ColorSchemes.jl's own stops for six names only, copied from its ``data/*.jl``
files into ``data/colorschemes.csv`` by ``tools/make_colorschemes_data.py``:
``batlow``, ``berlin`` (Crameri rounded to 4 decimals), ``viridis``, ``inferno``
(matplotlib's 256 colours), ``seismic`` (101 stops: matplotlib's segment data at
k/100, not its 256-entry lookup table) and ``jet`` (9 stops). ``opencv:`` holds
OpenCV's colormaps (``cv2.COLORMAP_JET`` is ``"opencv:jet"``), 256 colours each,
written from OpenCV's own ``applyColorMap`` by ``tools/make_opencv_colormaps.py``;
as stops they are interpolated like any table, while ``GradCamOverlay`` looks
them up by level as OpenCV does. ``zennit:`` holds zennit's built-in colour maps
(``coldnhot``, ``france``, ``coolio``, ...) at the 256 positions k/255, which
describe them exactly (zennit's maps are linear between integer indices),
written by ``tools/make_zennit_colormaps.py`` from zennit's own code. ``captum:``
holds ``RdWhGn`` (red, white, matplotlib's green), captum's default diverging
map, also reachable bare as ``"RdWhGn"``. Matplotlib's built-ins are
``matplotlib.colormaps._builtin_cmaps`` where it exists, else the names of
:data:`_MPL_CATEGORIES` the installed matplotlib has; maps registered at run
time (``cet_*``, ``cmc.*``) are never listed.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from ..core.errors import raise_unknown_name, type_error, value_error

__all__ = ["KINDS", "SOURCES", "NAMESPACE_ONLY", "ColorTable", "get_table", "kind_of", "list_names",
           "opencv_table"]

KINDS = ("sequential", "diverging", "cyclic", "categorical", "unknown")
SOURCES = ("matplotlib", "colorcet", "crameri", "colorschemes", "opencv", "zennit", "captum")
NAMESPACE_ONLY = ("opencv", "zennit")
_NAMESPACES = {"mpl": "matplotlib", "cet": "colorcet", "crameri": "crameri",
               "colorschemes": "colorschemes", "opencv": "opencv", "zennit": "zennit",
               "captum": "captum"}
# captum's default diverging map, LinearSegmentedColormap.from_list("RdWhGn",
# ["red", "white", "green"]): matplotlib's named colours, evenly spaced.
_CAPTUM = {"RdWhGn": ((1.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.0, 128 / 255, 0.0))}

# matplotlib's documented colormap categories ("Choosing Colormaps"), as data:
# (category, visheat kind, names). Aliases (Grays, grey, ...) join their originals.
_MPL_CATEGORIES = (
    ("Perceptually Uniform Sequential", "sequential", "viridis plasma inferno magma cividis"),
    ("Sequential", "sequential", "Greys Grays Purples Blues Greens Oranges Reds YlOrBr YlOrRd "
                                 "OrRd PuRd RdPu BuPu GnBu PuBu YlGnBu PuBuGn BuGn YlGn"),
    ("Sequential (2)", "sequential", "binary gist_yarg gist_yerg gist_gray gist_grey gray grey "
                                     "bone pink spring summer autumn winter cool Wistia hot "
                                     "afmhot gist_heat copper"),
    ("Diverging", "diverging", "PiYG PRGn BrBG PuOr RdGy RdBu RdYlBu RdYlGn Spectral coolwarm "
                               "bwr seismic berlin managua vanimo"),
    ("Cyclic", "cyclic", "twilight twilight_shifted hsv"),
    ("Qualitative", "categorical", "Pastel1 Pastel2 Paired Accent Dark2 Set1 Set2 Set3 tab10 "
                                   "tab20 tab20b tab20c okabe_ito"),
    # Miscellaneous whose CIE L* rises black to white, dips < 0.5 (matplotlib 3.11).
    ("Miscellaneous, monotonic lightness", "sequential", "gist_earth gnuplot gnuplot2 CMRmap "
                                                         "cubehelix"),
    # Rainbow-like hue sweeps, folded into "sequential" as colorcet's rainbow_ maps are.
    ("Miscellaneous, rainbow", "sequential", "jet turbo rainbow gist_rainbow nipy_spectral "
                                             "gist_ncar"),
    ("Miscellaneous", "unknown", "flag prism ocean terrain gist_stern brg"),
)
_MPL_KINDS = {name: kind for _, kind, names in _MPL_CATEGORIES for name in names.split()}

_CRAMERI_DIVERGING = frozenset(
    "broc cork vik lisbon tofino berlin roma bam vanimo managua".split())

# Kind of a colorcet map from the prefix of its algorithmic (base) name.
_CET_PREFIX_KINDS = (("linear_", "sequential"), ("diverging_", "diverging"),
                     ("cyclic_", "cyclic"), ("circle_", "cyclic"),
                     ("isoluminant_", "sequential"), ("rainbow_", "sequential"),
                     ("glasbey_", "categorical"))
_CET_BLOCK = re.compile(r"^(\w+)(?::[^=\n]*)? = \[  # cmap_def$", re.M)
_CET_ALIAS = re.compile(r"^cm\['(\w+)'\] = m_(\w+)$", re.M)

_COLORSCHEMES = {"batlow": "sequential", "berlin": "diverging", "viridis": "sequential",
                 "inferno": "sequential", "seismic": "diverging", "jet": "sequential"}


@dataclass(frozen=True, eq=False)
class ColorTable:
    """An immutable, labelled table of RGB colour stops.

    Parameters
    ----------
    name : str
        The name the table was resolved from, e.g. ``"batlow"``, ``"viridis_r"``,
        ``"cet:fire"``; any non-empty string for a table built by hand.
    colors : array_like, shape (K, 3)
        RGB stops in [0, 1], K >= 2. Stored as a read-only C-contiguous float64 copy.
    kind : str
        One of :data:`KINDS`.
    source : str
        One of :data:`SOURCES`, or ``"user"`` for a table built by hand.

    Equality and hashing compare all four fields, the colours by value.

    Examples
    --------
    >>> table = ColorTable("ramp", [[0, 0, 0], [1, 1, 1]])
    >>> table.colors.shape, table.colors.flags.writeable, table.kind
    ((2, 3), False, 'unknown')
    >>> table == ColorTable("ramp", np.array([[0.0, 0, 0], [1, 1, 1]]))
    True
    >>> ColorTable("bad", [[0, 0, 0], [2, 0, 0]])
    Traceback (most recent call last):
    ...
    ValueError: colors: expected RGB values in [0, 1]; got values in [0, 2].
    """

    name: str
    colors: np.ndarray
    kind: str = "unknown"
    source: str = "user"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise type_error("name", "a non-empty str", self.name)
        object.__setattr__(self, "colors", _as_stops(self.colors))
        if self.kind not in KINDS:
            raise value_error("kind", f"one of {', '.join(map(repr, KINDS))}", self.kind)
        if self.source not in (*SOURCES, "user"):
            raise value_error("source", f"one of {', '.join(map(repr, (*SOURCES, 'user')))}",
                              self.source)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.kind, self.source, self.colors.shape, self.colors.tobytes())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ColorTable):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        k = len(self.colors)
        return (f"ColorTable(name={self.name!r}, colors=<{k}x3 float64>, "
                f"kind={self.kind!r}, source={self.source!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        # Through __init__, so an unpickled table is validated and read-only again.
        return (ColorTable, (self.name, np.array(self.colors), self.kind, self.source))


def _as_stops(colors: Any) -> np.ndarray:
    """Validated read-only (K, 3) float64 copy of ``colors``."""
    raw = np.asarray(colors)
    if raw.dtype.kind not in "iuf":
        raise type_error("colors", "a numeric array of shape (K, 3)", raw)
    if raw.ndim != 2 or raw.shape[1] != 3 or raw.shape[0] < 2:
        raise value_error("colors", "shape (K, 3) with K >= 2", raw)
    stops = np.array(raw, dtype=np.float64, order="C")
    if not np.isfinite(stops).all():
        raise value_error("colors", "finite RGB values", "non-finite values", described=True)
    if stops.min() < 0 or stops.max() > 1:
        got = f"values in [{stops.min():g}, {stops.max():g}]"
        raise value_error("colors", "RGB values in [0, 1]", got, described=True)
    stops.flags.writeable = False
    return stops


# --- Crameri (cmcrameri's cmaps/*.txt, read without importing the package) ------------

@functools.cache
def _crameri_files() -> dict[str, str]:
    spec = importlib.util.find_spec("cmcrameri")
    if spec is None or not spec.submodule_search_locations:
        return {}
    folder = os.path.join(spec.submodule_search_locations[0], "cmaps")
    return {f[:-4]: os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".txt")}


@functools.cache
def _crameri_data(name: str) -> np.ndarray:
    return np.loadtxt(_crameri_files()[name], dtype=np.float64, ndmin=2)


def _crameri_kind(name: str) -> str:
    if name.endswith("S"):
        return "categorical"
    if name.endswith("O"):
        return "cyclic"
    return "diverging" if name in _CRAMERI_DIVERGING else "sequential"


# --- matplotlib built-ins -----------------------------------------------------------

@functools.cache
def _mpl_names() -> frozenset[str]:
    import matplotlib

    builtin = getattr(matplotlib.colormaps, "_builtin_cmaps", None)
    if builtin is None:
        builtin = [name for name in _MPL_KINDS if name in matplotlib.colormaps]
    return frozenset(name for name in builtin if not name.endswith("_r"))


def _mpl_data(name: str) -> np.ndarray:
    import matplotlib
    from matplotlib.colors import ListedColormap, to_rgba_array

    if name not in _mpl_names():  # a table name this matplotlib does not have yet
        raise_unknown_name("name", name, sorted(_mpl_names()), "matplotlib colormap")
    cmap = matplotlib.colormaps[name]
    if isinstance(cmap, ListedColormap):
        return to_rgba_array(cmap.colors)[:, :3]
    return cmap(np.linspace(0, 1, cmap.N))[:, :3]


# --- colorcet (colorcet/__init__.py read as text, never imported) ---------------------

@functools.cache
def _colorcet_text() -> str:
    spec = importlib.util.find_spec("colorcet")
    if spec is None or spec.origin is None:
        return ""
    with open(spec.origin, encoding="utf-8") as file:
        return file.read()


@functools.cache
def _colorcet_catalogue() -> tuple[dict[str, str], dict[str, int]]:
    """Map every colorcet name to its base name, and each base to its data offset."""
    text = _colorcet_text()
    offsets = {m.group(1): m.end() for m in _CET_BLOCK.finditer(text)}
    bases = {name: name for name in offsets}
    for alias, base in _CET_ALIAS.findall(text):
        if not alias.endswith("_r") and base in offsets:
            bases.setdefault(alias, base)
    return bases, offsets


def _colorcet_data(name: str) -> np.ndarray:
    bases, offsets = _colorcet_catalogue()
    text = _colorcet_text()
    start = offsets[bases[name]]
    body = text[start:text.index("\n]", start)]
    numbers = body.translate(str.maketrans("[],", "   ")).split()
    return np.array(numbers, dtype=np.float64).reshape(-1, 3)


def _colorcet_kind(name: str) -> str:
    base = _colorcet_catalogue()[0][name]
    return next((kind for prefix, kind in _CET_PREFIX_KINDS if base.startswith(prefix)),
                "unknown")


# --- ColorSchemes.jl ------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _colorschemes_tables() -> dict[str, np.ndarray]:
    """ColorSchemes.jl's stops, as ``tools/make_colorschemes_data.py`` copied them."""
    from importlib import resources

    text = (resources.files("visheat") / "data" / "colorschemes.csv").read_text("ascii")
    rows: dict[str, list[list[float]]] = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "name,")):
            name, *rgb = line.split(",")
            rows.setdefault(name, []).append([float(v) for v in rgb])
    return {name: np.array(stops) for name, stops in rows.items()}


def _colorschemes_data(name: str) -> np.ndarray:
    return _colorschemes_tables()[name]


# --- OpenCV ---------------------------------------------------------------------------

_OPENCV_CYCLIC = frozenset({"hsv", "twilight", "twilight_shifted"})


@functools.lru_cache(maxsize=1)
def _opencv_tables() -> dict[str, np.ndarray]:
    """OpenCV's 256-entry colormaps, ``(256, 3)`` uint8 RGB (``tools/make_opencv_colormaps.py``)."""
    from importlib import resources

    text = (resources.files("visheat") / "data" / "opencv_colormaps.csv").read_text("ascii")
    tables = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, colours = line.split(",")
            table = np.frombuffer(bytes.fromhex(colours), np.uint8).reshape(256, 3)
            tables[name] = table
    return tables


def opencv_table(name: str) -> np.ndarray:
    """OpenCV's colormap ``name`` (``cv2.COLORMAP_<NAME>`` in lower case) as a
    read-only ``(256, 3)`` uint8 RGB table, one colour per level 0..255.

    Examples
    --------
    >>> opencv_table("jet")[[0, 255]]
    array([[  0,   0, 128],
           [128,   0,   0]], dtype=uint8)
    >>> opencv_table("bone").shape
    (256, 3)
    """
    if not isinstance(name, str):
        raise type_error("colormap", "an OpenCV colormap name (str)", name)
    tables = _opencv_tables()
    if name not in tables:
        raise_unknown_name("colormap", name, sorted(tables), "OpenCV colormap")
    return tables[name]


# --- zennit ---------------------------------------------------------------------------

_ZENNIT_DIVERGING = frozenset({"coldnhot", "bwr", "france", "seismic", "coolio", "coleus"})


@functools.lru_cache(maxsize=1)
def _zennit_tables() -> dict[str, np.ndarray]:
    """zennit's built-in maps at k/255 in [0, 1] (``tools/make_zennit_colormaps.py``)."""
    from importlib import resources

    text = (resources.files("visheat") / "data" / "zennit_colormaps.csv").read_text("ascii")
    tables = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, values = line.split(",")
            tables[name] = np.array(values.split(), np.float64).reshape(256, 3) / 255
    return tables


# --- resolution -----------------------------------------------------------------------

def _source_names(source: str) -> frozenset[str] | dict[str, Any]:
    if source == "crameri":
        return _crameri_files()
    if source == "matplotlib":
        return _mpl_names()
    if source == "colorcet":
        return _colorcet_catalogue()[0]
    if source == "opencv":
        return _opencv_tables()
    if source == "zennit":
        return _zennit_tables()
    if source == "captum":
        return _CAPTUM
    return _COLORSCHEMES


def _bare_source(name: str) -> str | None:
    if name in _crameri_files():
        return "crameri"
    if name in _MPL_KINDS:
        return "matplotlib"
    if name in _colorcet_catalogue()[0]:
        return "colorcet"
    if name in _CAPTUM:
        return "captum"
    return "matplotlib" if name in _mpl_names() else None


def _kind(source: str, name: str) -> str:
    if source == "crameri":
        return _crameri_kind(name)
    if source == "matplotlib":
        return _MPL_KINDS.get(name, "unknown")
    if source == "colorcet":
        return _colorcet_kind(name)
    if source == "opencv":
        return "cyclic" if name in _OPENCV_CYCLIC else "sequential"
    if source == "zennit":
        return "diverging" if name in _ZENNIT_DIVERGING else "sequential"
    if source == "captum":
        return "diverging"
    return _COLORSCHEMES[name]


def _unknown(name: str, namespace: str, source: str | None, suffix: str) -> NoReturn:
    if source == "colorschemes":
        known = ", ".join(repr(f"colorschemes:{n}{suffix}") for n in _COLORSCHEMES)
        raise value_error("name", f"one of {known}", name,
                          "Drop the 'colorschemes:' prefix for any other colormap.")
    prefix = f"{namespace}:" if namespace else ""
    names = sorted(_source_names(source)) if source else list_names()
    raise_unknown_name("name", name, [prefix + n + suffix for n in names], "colormap")


def _locate(name: Any) -> tuple[str, str, bool, str]:
    """Resolve ``name`` to (source, key, reversed, canonical name) without loading data."""
    if not isinstance(name, str):
        raise type_error("name", "a colormap name (str)", name,
                         "Pass e.g. 'batlow', 'viridis_r' or 'cet:fire'; see list_names().")
    suffix = "_r" if name.endswith("_r") else ""
    base = name[:len(name) - len(suffix)]
    base = "cet:" + base[4:] if base.startswith("cet_") else base
    namespace, _, key = base.rpartition(":")
    if namespace and namespace not in _NAMESPACES:
        raise value_error("name", "a namespace 'mpl:', 'cet:', 'crameri:', 'colorschemes:', "
                          "'opencv:', 'zennit:' or 'captum:'", name)
    source = _NAMESPACES[namespace] if namespace else _bare_source(key)
    # matplotlib's built-ins are known by name without importing matplotlib (slow);
    # one this matplotlib lacks is refused when its colours load
    listed = source == "matplotlib" and key in _MPL_KINDS
    if source is None or not (listed or key in _source_names(source)):
        _unknown(name, namespace, source, suffix)
    return source, key, bool(suffix), base + suffix


def _load(source: str, key: str, bare: bool) -> np.ndarray:
    if source == "crameri":
        return np.round(_crameri_data(key), 4) if bare else _crameri_data(key)
    if source == "matplotlib":
        return _mpl_data(key)
    if source == "opencv":
        return _opencv_tables()[key] / 255.0
    if source == "zennit":
        return np.clip(_zennit_tables()[key], 0, 1)
    if source == "captum":
        return np.array(_CAPTUM[key])
    return _colorcet_data(key) if source == "colorcet" else _colorschemes_data(key)


@functools.cache
def _build(source: str, key: str, reverse: bool, canonical: str) -> ColorTable:
    colors = _load(source, key, bare=":" not in canonical)
    return ColorTable(canonical, colors[::-1] if reverse else colors, _kind(source, key), source)


def get_table(name: str) -> ColorTable:
    """Resolve a colormap name to its read-only :class:`ColorTable`.

    Parameters
    ----------
    name : str
        A bare name (``"batlow"``), a reversed name (``"batlow_r"``) or a
        namespaced one (``"crameri:batlow"``, ``"cet:fire"``, ``"cet_fire"``,
        ``"mpl:berlin"``, ``"colorschemes:jet"``); see the module docstring.

    Returns
    -------
    ColorTable
        The same object for names that resolve alike (cached).

    Raises
    ------
    TypeError
        If ``name`` is not a str.
    ValueError
        If ``name`` is unknown; the message suggests close matches.

    Examples
    --------
    >>> get_table("batlow").colors.shape
    (256, 3)
    >>> get_table("batlow").colors[0], get_table("crameri:batlow").colors[0]
    (array([0.0052, 0.0982, 0.3498]), array([0.005193, 0.098238, 0.349842]))
    >>> bool((get_table("batlow_r").colors == get_table("batlow").colors[::-1]).all())
    True
    >>> get_table("cet_fire")
    ColorTable(name='cet:fire', colors=<256x3 float64>, kind='sequential', source='colorcet')
    >>> get_table("colorschemes:jet").colors.shape
    (9, 3)
    >>> get_table("viridsi")
    Traceback (most recent call last):
    ...
    ValueError: name: expected a known colormap name; got 'viridsi'. Did you mean 'viridis'?
    """
    return _build(*_locate(name))


def kind_of(name: str) -> str:
    """Kind of the colormap ``name`` (one of :data:`KINDS`), without loading its colours.

    Examples
    --------
    >>> kind_of("batlow"), kind_of("berlin"), kind_of("romaO"), kind_of("batlowS")
    ('sequential', 'diverging', 'cyclic', 'categorical')
    >>> kind_of("cet:CET_D1A_r")
    'diverging'
    """
    source, key, _, _ = _locate(name)
    return _kind(source, key)


def list_names(kind: str | None = None, source: str | None = None) -> list[str]:
    """Sorted bare colormap names, optionally filtered by kind and source.

    Without ``source``, every name that resolves bare (kinds as resolved by
    precedence); ``opencv:`` and ``zennit:`` names are reachable only through their
    namespace (:data:`NAMESPACE_ONLY`), as most share a name with matplotlib's maps. With
    ``source``, the names that source provides, reachable as
    ``"<namespace>:NAME"`` (bare they follow the precedence rule), with that
    source's kinds. ``"_r"`` variants are never listed; every name has one.
    Listing matplotlib's names imports matplotlib (never registering anything).

    Examples
    --------
    >>> list_names(source="colorschemes")
    ['batlow', 'berlin', 'inferno', 'jet', 'seismic', 'viridis']
    >>> "fire" in list_names(kind="sequential"), "berlin" in list_names(kind="diverging")
    (True, True)
    >>> list_names(kind="isoluminant")
    Traceback (most recent call last):
    ...
    ValueError: kind: expected None or one of 'sequential', 'diverging', 'cyclic', \
'categorical', 'unknown'; got 'isoluminant' (str).
    """
    if kind is not None and kind not in KINDS:
        raise value_error("kind", "None or one of " + ", ".join(map(repr, KINDS)), kind)
    if source is not None and source not in SOURCES:
        raise value_error("source", "None or one of " + ", ".join(map(repr, SOURCES)), source)
    if source is None:
        names = {*_crameri_files(), *_mpl_names(), *_colorcet_catalogue()[0], *_CAPTUM}
        kinds = {n: kind_of(n) for n in names} if kind else {}
    else:
        names = set(_source_names(source))
        kinds = {n: _kind(source, n) for n in names} if kind else {}
    return sorted(n for n in names if kind is None or kinds[n] == kind)
