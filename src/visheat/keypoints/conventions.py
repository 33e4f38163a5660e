"""Coordinate conventions: where a heatmap pixel lies in the image.

Points are ``(x, y)`` in *pixel-index coordinates*: the centre of image pixel
``(row r, column c)`` is the point ``(c, r)``, so an image of width ``w`` spans
``[-0.5, w - 0.5]``. A heatmap of stride ``s`` (``s`` image pixels per heatmap
pixel) maps heatmap index ``i`` to the image coordinate

    x = s * i + offset,   with visheat's offset (s - 1) / 2,

the centre of the ``s x s`` block of image pixels that heatmap pixel ``i``
covers. With this offset the heatmap's extent ``[-0.5, W - 0.5]`` lands exactly
on the image's ``[-0.5, s W - 0.5]``, so flipping the image (``x -> s W - 1 - x``)
and flipping the heatmap (``i -> W - 1 - i``) agree to the last bit.

Other systems chose differently. Each choice is a named :class:`Convention`
in :data:`CONVENTIONS`; pass its name as ``convention=`` to the target, decoding
and peak functions to reproduce that system's numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ..core.errors import raise_unknown_name, type_error, value_error

_TARGETS = ("unbiased", "msra", "udp")
_METHODS = ("argmax", "quarter", "dark", "topk", "integral")
_FLAVOURS = ("visheat", "hrnet", "mmpose", "mmpose-udp", "sleap")


@dataclass(frozen=True)
class Convention:
    """How one system encodes points as heatmaps and reads them back.

    Parameters
    ----------
    name : str
        The preset's name in :data:`CONVENTIONS`.
    offset : "centered" or float
        Image coordinate of heatmap index 0: ``"centered"`` is ``(s - 1) / 2``
        (visheat); a number is used for every stride (``0.0``: SLEAP, mmpose,
        HRNet; ``0.5``: imgaug's pixel corners).
    stride_rule : {"ratio", "aligned"}
        How :meth:`stride` derives the stride from image and heatmap sizes:
        ``w / W``, or ``(w - 1) / (W - 1)`` (UDP's aligned corners).
    target : {"unbiased", "msra", "udp"}
        Default kind of :func:`~visheat.keypoints.gaussian_heatmaps`.
    window : float
        Half-width, in sigmas, of the patch that ``"msra"`` and ``"udp"``
        targets fill (3 everywhere).
    reference_ints : bool
        Round and size the patch as the reference code does with C-style
        ``int()`` casts (truncation toward zero), instead of floors.
    clip : {"extent", "window", "none"}
        When a target channel is left empty with weight 0: the point lies
        outside the map's extent; the patch lies wholly outside the map
        (mmpose, HRNet); never, only NaN points (SLEAP).
    method : str
        Default decoder of :func:`~visheat.keypoints.decode`.
    flavour : str
        Which system's refinement details to follow (border rules, stencils).
    blur : float or None
        Sigma of the Gaussian blur ``"dark"`` applies first (``None``: none).
    blur_radius : int or None
        Radius of that blur's kernel (``None``: ``ceil(3 * blur)``).
    empty : {"nan", "minus-one", "zero"}
        Heatmap index reported for a channel without a peak.
    threshold : float or None
        Peak value below which the decoder reports ``empty`` (``None``: only
        maps without a peak).
    source : str
        The code this preset follows.
    notes : str
        Known differences from that code.
    """

    name: str
    offset: Any = "centered"
    stride_rule: str = "ratio"
    target: str = "unbiased"
    window: float = 3.0
    reference_ints: bool = False
    clip: str = "extent"
    method: str = "dark"
    flavour: str = "visheat"
    blur: float | None = None
    blur_radius: int | None = None
    empty: str = "nan"
    threshold: float | None = None
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.offset != "centered" and not isinstance(self.offset, (int, float)):
            raise type_error("offset", "'centered' or a number", self.offset)
        for argument, value, allowed in [
            ("stride_rule", self.stride_rule, ("ratio", "aligned")),
            ("target", self.target, _TARGETS), ("method", self.method, _METHODS),
            ("flavour", self.flavour, _FLAVOURS),
            ("clip", self.clip, ("extent", "window", "none")),
            ("empty", self.empty, ("nan", "minus-one", "zero"))]:
            if value not in allowed:
                raise value_error(argument, "one of " + ", ".join(map(repr, allowed)), value)

    def offset_for(self, stride: float) -> float:
        """Image coordinate of heatmap index 0 for ``stride``."""
        return (stride - 1) / 2 if self.offset == "centered" else float(self.offset)

    def stride(self, image_size: tuple[int, int], heatmap_size: tuple[int, int]
               ) -> tuple[float, float]:
        """``(sx, sy)`` for an image of ``(h, w)`` and a heatmap of ``(H, W)``.

        Examples
        --------
        >>> CONVENTIONS["mmpose-udp"].stride((256, 192), (64, 48))
        (4.0638297872340425, 4.0476190476190474)
        >>> CONVENTIONS["visheat"].stride((256, 192), (64, 48))
        (4.0, 4.0)
        """
        (h, w), (hh, ww) = image_size, heatmap_size
        if self.stride_rule == "aligned":
            return ((w - 1) / max(ww - 1, 1), (h - 1) / max(hh - 1, 1))
        return (w / ww, h / hh)


_COMMON_REF: dict[str, Any] = dict(offset=0.0, reference_ints=True, clip="window")

#: The named presets, read-only. ``visheat`` is the default everywhere.
CONVENTIONS: MappingProxyType[str, Convention] = MappingProxyType({c.name: c for c in [
    Convention("visheat", source="visheat", notes="Pixel-centred grid; exact under flips."),
    Convention("sleap", offset=0.0, clip="none", method="integral", flavour="sleap",
               threshold=0.2, source="sleap-nn 0.3.5 (sleap_nn.data.confidence_maps, "
               "sleap_nn.inference.ops.peaks); SLEAP 1.x TensorFlow code has the same grid",
               notes="sigma is in heatmap pixels (SLEAP's config sigma times output_stride "
               "in image pixels). Plateau peaks of sleap-nn >= 0.3 are not kept by "
               "find_local_peaks (strict maximum)."),
    Convention("mmpose-msra", target="msra", method="quarter", flavour="mmpose",
               empty="minus-one", source="mmpose 1.3.2 MSRAHeatmap (unbiased=False)",
               notes="Reproduces mmpose's quarter-offset border rule (no step at x = 1 "
               "or y = 0).", **_COMMON_REF),
    Convention("mmpose-dark", method="dark", flavour="mmpose", blur=2.0, blur_radius=5,
               empty="minus-one", source="mmpose 1.3.2 MSRAHeatmap (unbiased=True, "
               "blur_kernel_size=11) = DarkPose's taylor()",
               notes="NaN points give empty channels (mmpose writes NaN maps).",
               **{**_COMMON_REF, "reference_ints": False}),
    Convention("mmpose-udp", stride_rule="aligned", target="udp", method="dark",
               flavour="mmpose-udp", blur=2.0, blur_radius=5, empty="minus-one",
               source="mmpose 1.3.2 UDPHeatmap (heatmap_type='gaussian', "
               "blur_kernel_size=11)",
               notes="Image coordinates use stride (w-1)/(W-1) both ways; mmpose's decode "
               "multiplies by w/(W-1) because its next step divides by w. Empty maps are "
               "not refined (mmpose refines them from the padded corner).", **_COMMON_REF),
    Convention("hrnet", target="msra", method="quarter", flavour="hrnet", empty="zero",
               source="deep-high-resolution-net.pytorch (JointsDataset.generate_target, "
               "core/inference.get_final_preds) and DarkPose's taylor()",
               notes="Quarter step only when 1 < x < W-1 and 1 < y < H-1, as HRNet does.",
               **_COMMON_REF),
    Convention("imgaug", offset=0.5, method="argmax", threshold=1e-12,
               empty="minus-one", source="imgaug 0.4.0 KeypointsOnImage."
               "from_keypoint_image / to_keypoint_image(size=1)",
               notes="imgaug decodes a pixel to its centre i + 0.5 but encodes with "
               "round(x); visheat encodes with the same grid both ways, so points whose "
               "fraction is >= 0.5 land one pixel further than imgaug puts them."),
]})


def get_convention(convention: Any, argument: str = "convention") -> Convention:
    """A :class:`Convention` from itself or its name, with "did you mean".

    Examples
    --------
    >>> get_convention("sleap").offset
    0.0
    >>> get_convention("mmpose")
    Traceback (most recent call last):
    ...
    ValueError: convention: expected a known convention name; got 'mmpose'. Did you mean
    'mmpose-udp' or 'mmpose-msra' or 'mmpose-dark'?
    """
    if isinstance(convention, Convention):
        return convention
    if not isinstance(convention, str):
        raise type_error(argument, "a Convention or one of " + ", ".join(CONVENTIONS), convention)
    if convention not in CONVENTIONS:
        raise_unknown_name(argument, convention, CONVENTIONS, "convention")
    return CONVENTIONS[convention]


def _as_stride(stride: Any) -> np.ndarray:
    """``stride`` as a float array ``[sx, sy]``; one number means both.

    >>> _as_stride(4).tolist()
    [4.0, 4.0]
    """
    arr = np.asarray(stride, dtype=np.float64) if not isinstance(stride, (str, bytes)) else None
    if (arr is None or arr.shape not in ((), (2,)) or not np.all(np.isfinite(arr))
            or np.any(arr <= 0)):
        raise value_error("stride", "a positive number or a pair (sx, sy)", stride)
    return np.broadcast_to(arr, (2,)).astype(np.float64)


def to_image(points: Any, stride: Any = 1, convention: Any = "visheat") -> np.ndarray:
    """Heatmap index coordinates ``(..., 2)`` to image coordinates.

    ``x = s * i + offset``; see the module docstring.

    Examples
    --------
    >>> to_image([[0, 0], [1, 2]], stride=4).tolist()
    [[1.5, 1.5], [5.5, 9.5]]
    >>> to_image([[1, 2]], stride=4, convention="sleap").tolist()
    [[4.0, 8.0]]
    """
    conv, s = get_convention(convention), _as_stride(stride)
    offset = np.array([conv.offset_for(s[0]), conv.offset_for(s[1])])
    return np.asarray(points, dtype=np.float64) * s + offset


def to_heatmap(points: Any, stride: Any = 1, convention: Any = "visheat") -> np.ndarray:
    """Image coordinates ``(..., 2)`` to heatmap index coordinates (inverse of :func:`to_image`).

    >>> to_heatmap([[1.5, 1.5], [-0.5, -0.5]], stride=4).tolist()
    [[0.0, 0.0], [-0.5, -0.5]]
    """
    conv, s = get_convention(convention), _as_stride(stride)
    offset = np.array([conv.offset_for(s[0]), conv.offset_for(s[1])])
    return (np.asarray(points, dtype=np.float64) - offset) / s


def blur_from_kernel_size(kernel_size: int) -> tuple[float, int]:
    """OpenCV's sigma and radius for ``GaussianBlur(ksize, 0)``, as mmpose and DarkPose use it.

    >>> blur_from_kernel_size(11)
    (2.0, 5)
    """
    sigma = 0.3 * ((kernel_size - 1) * 0.5 - 1) + 0.8
    return (math.floor(sigma * 1e12 + 0.5) / 1e12, (kernel_size - 1) // 2)
