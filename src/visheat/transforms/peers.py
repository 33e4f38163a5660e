"""The peers' pictures as visheat pipelines: one function per peer function, named after it.

Each function returns an ordinary :class:`~visheat.Pipeline` of visheat
transforms (printable, composable), so users see which parts make the picture
they know:

=============================================  ==============================================
peer call                                      visheat
=============================================  ==============================================
captum ``visualize_image_attr(attr, img, ...)`` ``heatmap(attr_nchw, images,
                                               compat.visualize_image_attr(method, sign))``
zennit ``imgify(relevance, cmap, ...)``        ``heatmap(maps, compat.imgify(cmap, ...),
                                               layout="NHW")``
grad-cam ``show_cam_on_image(img, cam, ...)``  ``heatmap(cams, images,
                                               compat.show_cam_on_image(...), layout="NHW")``
imgaug ``hm.draw_on_image(img, alpha, ...)``   ``heatmap(maps, images,
                                               compat.draw_on_image(alpha, ...), layout="NHW")``
=============================================  ==============================================

How close each comes is measured, not asserted, in ``tests/transforms/test_peers.py``
against pictures made by the peers' own code (``tools/make_compat_vectors.py``)
and on the porting pages (docs/porting-*.md).

Examples
--------
>>> from visheat import compat
>>> compat.show_cam_on_image("viridis", 0.3, use_rgb=False)
Pipeline(
    GradCamOverlay(0.3, colormap='viridis', channels='bgr'),
)
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..core.errors import check_number, type_error, value_error
from ..core.pipeline import Pipeline
from .cam_overlays import GradCamOverlay
from .clipping import SIGNS, CumulativeSumClip, SignSelect
from .colormaps import ExtremaColormap, LookupColormap
from .overlay import AlphaOverlay, GrayOverlay, MaskImage
from .reductions import SumReduction
from .resize import Resize, ResizeImageToHeatmap
from .schemes import list_names

__all__ = ["show_cam_on_image", "visualize_image_attr", "imgify", "zennit_table",
           "draw_on_image"]

METHODS = ("heat_map", "blended_heat_map", "masked_image", "alpha_scaling", "original_image")

# captum's _initialize_cmap_and_vmin_vmax: default colour map and range per sign
_CAPTUM_DEFAULTS = {"all": ("RdWhGn", -1.0, 1.0), "positive": ("mpl:Greens", 0.0, 1.0),
                    "negative": ("mpl:Reds", 0.0, 1.0),
                    "absolute_value": ("mpl:Blues", 0.0, 1.0)}


def show_cam_on_image(colormap: Any = "jet", image_weight: float = 0.5,
                      use_rgb: bool = True) -> Pipeline:
    """pytorch-grad-cam's ``show_cam_on_image(img, mask, use_rgb, colormap, image_weight)``.

    Use as ``heatmap(masks, images, pipe, layout="NHW")`` with masks in [0, 1]
    (what grad-cam's CAM methods return) and images of the masks' size, uint8 or
    floats in [0, 1]. Gives grad-cam's pixels exactly (every OpenCV colormap,
    both channel orders; ``tests/transforms/test_peers.py``).

    Parameters
    ----------
    colormap : str or int
        An OpenCV colormap: ``cv2.COLORMAP_<NAME>`` as its value (``cv2.COLORMAP_JET``
        is 2) or its lower-case name (``"jet"``).
    image_weight : float
        As in grad-cam, in [0, 1].
    use_rgb : bool
        grad-cam's default is ``False`` (BGR colours, for BGR images); visheat's
        default is ``True``, the way grad-cam's README calls it.

    Examples
    --------
    >>> show_cam_on_image(2)
    Pipeline(
        GradCamOverlay(0.5),
    )
    """
    if isinstance(colormap, (int, np.integer)) and not isinstance(colormap, bool):
        if not 0 <= int(colormap) < len(_OPENCV_ORDER):
            raise value_error("colormap", f"an OpenCV colormap code 0..{len(_OPENCV_ORDER) - 1}",
                              colormap)
        colormap = _OPENCV_ORDER[int(colormap)]
    if not isinstance(use_rgb, (bool, np.bool_)):
        raise type_error("use_rgb", "True or False", use_rgb)
    return Pipeline(GradCamOverlay(image_weight, colormap=colormap,
                                   channels="rgb" if use_rgb else "bgr"))


# cv2.COLORMAP_* codes 0..21, in order (OpenCV 4.x and 5.x)
_OPENCV_ORDER = ("autumn", "bone", "jet", "winter", "rainbow", "ocean", "summer", "spring",
                 "cool", "hsv", "pink", "hot", "parula", "magma", "inferno", "plasma",
                 "viridis", "cividis", "twilight", "twilight_shifted", "turbo", "deepgreen")


def _captum_cmap(cmap: Any, sign: str) -> Any:
    if cmap is None:
        return _CAPTUM_DEFAULTS[sign][0]
    if isinstance(cmap, str) and ":" not in cmap and cmap not in ("RdWhGn", "RdWhGn_r"):
        return f"mpl:{cmap}"  # captum passes names to matplotlib
    return cmap


def visualize_image_attr(method: str = "heat_map", sign: str = "absolute_value",
                         outlier_perc: float = 2, cmap: Any = None,
                         alpha_overlay: float = 0.5) -> Pipeline:
    """captum's ``visualize_image_attr(attr, original_image, method, sign, ...)``.

    Use as ``heatmap(attr_nchw, images, pipe)`` with the attributions as captum
    holds them (``(N, C, H, W)``) and the images uint8 or floats in [0, 1]. The
    pipeline sums the channels, keeps the sign (:class:`SignSelect`), divides by
    captum's cumulative-sum threshold and clips (:class:`CumulativeSumClip`),
    and colours with matplotlib's 256-bin lookup (:class:`LookupColormap`) over
    captum's fixed range.

    Parameters
    ----------
    method : {"heat_map", "blended_heat_map", "masked_image", "alpha_scaling", "original_image"}
    sign : {"absolute_value", "all", "positive", "negative"}
        ``masked_image`` and ``alpha_scaling`` refuse ``"all"``, as captum does.
    outlier_perc : float
        In [0, 100]; the clip is where the sorted magnitudes' running sum
        reaches ``100 - outlier_perc`` % of the total.
    cmap : str or array_like, optional
        A matplotlib colour map name (looked up as ``"mpl:NAME"``) or a table;
        default as captum: ``RdWhGn`` for ``"all"``, ``Greens``, ``Reds``, ``Blues``.
    alpha_overlay : float
        Heat opacity of ``blended_heat_map``.

    Examples
    --------
    >>> visualize_image_attr("blended_heat_map", "all")
    Pipeline(
        SumReduction(),
        SignSelect('all'),
        CumulativeSumClip(98.0),
        LookupColormap('RdWhGn', vmin=-1.0, vmax=1.0),
        GrayOverlay(0.5),
    )
    """
    if method not in METHODS:
        raise value_error("method", "one of " + ", ".join(map(repr, METHODS)), method)
    if sign not in SIGNS:
        raise value_error("sign", "one of " + ", ".join(map(repr, SIGNS)), sign)
    perc = check_number("outlier_perc", outlier_perc, low=0, high=100)
    if method == "original_image":
        return SumReduction() | ExtremaColormap("gray") | AlphaOverlay(0.0)
    if method in ("masked_image", "alpha_scaling") and sign == "all":
        raise value_error("sign", f"'positive', 'negative' or 'absolute_value' for {method}",
                          sign, "captum cannot mask by both signs at once.")
    prepare = SumReduction() | SignSelect(sign) | CumulativeSumClip(100.0 - perc)
    if method == "masked_image":
        return prepare | MaskImage("black")
    if method == "alpha_scaling":
        return prepare | MaskImage("white")
    _, vmin, vmax = _CAPTUM_DEFAULTS[sign]
    colours = prepare | LookupColormap(_captum_cmap(cmap, sign), vmin=vmin, vmax=vmax)
    if method == "blended_heat_map":
        return colours | GrayOverlay(alpha_overlay)
    return colours


# --- zennit ----------------------------------------------------------------------------

_ZENNIT_TOKEN = re.compile(r"(?P<long>[0-9a-fA-F]{6})|(?P<short>[0-9a-fA-F]{3})|"
                           r"(?P<index>[0-9a-fA-F]{1,2})|(?P<colon>:)|(?P<comma>,)|"
                           r"(?P<space>\s+)|(?P<error>.+)")


def _zennit_nodes(source: str) -> list[tuple[int | None, np.ndarray]]:
    """Parse zennit's colour-map language: ``[index:]colour`` items separated by commas."""
    nodes: list[tuple[int | None, np.ndarray]] = []
    for item in source.split(","):
        tokens = [(m.lastgroup, m.group()) for m in _ZENNIT_TOKEN.finditer(item)
                  if m.lastgroup != "space"]
        kinds = [kind for kind, _ in tokens]
        if kinds in (["long"], ["short"]):
            index, colour = None, tokens[0][1]
        elif len(kinds) == 3 and kinds[0] in ("index", "short") and kinds[1] == "colon" \
                and len(tokens[0][1]) <= 2 and kinds[2] in ("long", "short"):
            index, colour = int(tokens[0][1] * (2 if len(tokens[0][1]) == 1 else 1), 16), \
                tokens[2][1]
        else:
            raise value_error("cmap", "zennit colour-map source such as '0:fff,80:f00,ff0'",
                              source, f"Could not read {item.strip()!r}.")
        digits = colour if len(colour) == 6 else "".join(c * 2 for c in colour)
        nodes.append((index, np.array([int(digits[i:i + 2], 16) for i in (0, 2, 4)], float)))
    return nodes


def zennit_table(source: str) -> np.ndarray:
    """The ``(256, 3)`` colours in [0, 1] of a zennit colour-map source at k/255.

    zennit's colour-map language: comma-separated colours (``fff`` or
    ``ffffff``), each optionally preceded by a hexadecimal index 0..ff and a
    colon; unindexed colours are spread evenly between their indexed
    neighbours, the first defaults to 0 and the last to ff, and the map is
    linear between them. Tables of the built-in maps ship as ``"zennit:NAME"``.

    Examples
    --------
    >>> (zennit_table("000,fff")[[0, 255]] * 255).tolist()
    [[0.0, 0.0, 0.0], [255.0, 255.0, 255.0]]
    >>> (zennit_table("00f,80:fff,f00")[128] * 255).tolist()
    [255.0, 255.0, 255.0]
    >>> float(zennit_table("0:fff,80:fff,f00").max())  # rounding stays inside [0, 1]
    1.0
    """
    if not isinstance(source, str):
        raise type_error("cmap", "a zennit colour map name or source string", source)
    nodes = _zennit_nodes(source)
    if len(nodes) < 2:
        raise value_error("cmap", "a zennit colour-map source with at least 2 colours", source)
    first_index, first = nodes.pop(0)
    result = [(0, first)]
    if first_index is not None and first_index > 0:
        result.append((first_index, first))
    pending: list[np.ndarray] = []
    for n, (index, colour) in enumerate(nodes):
        if index is None:
            if n < len(nodes) - 1:
                pending.append(colour)
                continue
            index = 255
        elif index < result[-1][0]:
            raise value_error("cmap", "colour indices in ascending order", source)
        start = result[-1][0]
        for share, between in zip(np.linspace(0.0, 1.0, len(pending) + 2)[1:-1], pending):
            result.append((int(start * (1.0 - share) + index * share), between))
        pending.clear()
        result.append((index, colour))
    result.append((256, result[-1][1]))
    indices = np.array([i for i, _ in result], float)
    colours = np.stack([c for _, c in result])
    x = np.arange(256.0)
    after = np.searchsorted(indices[:-1], x, side="right")
    share = ((x - indices[after - 1]) / (indices[after] - indices[after - 1]))[:, None]
    table = (colours[after - 1] * (1 - share) + colours[after] * share) / 255.0
    # (1 - t) * 255 + t * 255 can round to 255.00000000000003: the colours are in [0, 1]
    return np.clip(table, 0.0, 1.0)


def imgify(cmap: Any = "bwr", symmetric: bool = False, level: float = 1.0,
           vmin: Any = None, vmax: Any = None) -> Pipeline:
    """zennit's ``imgify(relevance, vmin, vmax, cmap, level, symmetric)`` for one-channel maps.

    Use as ``heatmap(maps, pipe, layout="NHW")`` with ``(N, H, W)`` maps (zennit's
    tutorials sum relevance over channels first). Each map is scaled to
    ``[vmin, vmax]`` (default its own range, or ``[-max|x|, max|x|]`` when
    ``symmetric``), cast to 8-bit levels and looked up in the 256-colour palette
    of ``cmap`` at ``level``, as zennit does.

    Parameters
    ----------
    cmap : str or array_like
        A zennit built-in name (``"bwr"``, ``"coldnhot"``, ``"france"``, ...),
        zennit colour-map source (``"0:fff,80:f00,ff0"``), or a colour table.
    symmetric, level
        As in zennit.
    vmin, vmax : float or sequence of float, optional
        Fixed range ends, for all maps or one per map.

    Examples
    --------
    >>> imgify("coldnhot", symmetric=True)
    Pipeline(
        LookupColormap('zennit:coldnhot', quantize='levels', centered=True, rounding='down'),
    )
    """
    if isinstance(cmap, str):
        if cmap in list_names(source="zennit"):
            cmap = f"zennit:{cmap}"
        elif not cmap.startswith("zennit:"):
            cmap = zennit_table(cmap)
    if not isinstance(symmetric, (bool, np.bool_)):
        raise type_error("symmetric", "True or False", symmetric)
    return Pipeline(LookupColormap(cmap, vmin=vmin, vmax=vmax, quantize="levels",
                                   centered=bool(symmetric), level=level, rounding="down"))


# --- imgaug ----------------------------------------------------------------------------

def draw_on_image(alpha: float = 0.75, cmap: Any = "jet", resize: str = "heatmaps") -> Pipeline:
    """imgaug's ``HeatmapsOnImage(arr, shape).draw_on_image(image, alpha, cmap, resize)``.

    Use as ``heatmap(maps, images, pipe, layout="NHW")`` with maps in [0, 1]
    (imgaug's ``arr_0to1``; use ``ToUnitRange(min_value, max_value)`` first for
    other ranges) and uint8 images. imgaug rounds the map to 8-bit levels, looks
    them up in matplotlib's 256 colours (truncated to 8 bits), enlarges the
    coloured map with OpenCV's nearest neighbour (``resize="heatmaps"``) or shrinks
    the image with OpenCV's cubic (``resize="image"``), and blends.

    Parameters
    ----------
    alpha : float
        Heat opacity in [0, 1].
    cmap : str or array_like
        A matplotlib colour map name (looked up as ``"mpl:NAME"``) or a table.
    resize : {"heatmaps", "image"}

    Examples
    --------
    >>> draw_on_image(0.5)
    Pipeline(
        Resize('image', 'nearest-opencv'),
        LookupColormap('mpl:jet', vmin=0.0, vmax=1.0, quantize='nearest', rounding='truncate'),
        AlphaOverlay(0.5),
    )
    """
    if resize not in ("heatmaps", "image"):
        raise value_error("resize", "'heatmaps' or 'image'", resize)
    if isinstance(cmap, str) and ":" not in cmap:
        cmap = f"mpl:{cmap}"  # imgaug passes names to matplotlib
    colours = LookupColormap(cmap, vmin=0.0, vmax=1.0, quantize="nearest", rounding="truncate")
    if resize == "heatmaps":  # nearest neighbour commutes with colouring
        return Resize("image", "nearest-opencv") | colours | AlphaOverlay(alpha)
    return colours | ResizeImageToHeatmap("cubic") | AlphaOverlay(alpha)
