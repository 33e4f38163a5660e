"""What figures and galleries show per sample: panels, captions, colour-bar ramps.

A *card* is one sample: its image (if any), its heatmap, the heatmap blended over
the image, a caption (label, score, method) and a colour bar. :mod:`visheat.display.figures`
draws cards with matplotlib, :mod:`visheat.display.gallery` writes them as HTML; both take
the panels and captions from here so they always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import check_number, type_error, value_error
from ..core.images import to_images
from ..io.png import to_uint8
from .heatmaps import Heatmaps, format_number

CAPTION_KEYS = ("label", "score", "method")


@dataclass(frozen=True)
class _Caption:
    """The caption of one card; every field is optional.

    Examples
    --------
    >>> _Caption("cat", 0.98765, "Integrated Gradients").text()
    'cat · score 0.988 · Integrated Gradients'
    """

    label: str = ""
    score: float | None = None
    method: str = ""

    def parts(self) -> list[tuple[str, str]]:
        """``(field, text)`` pairs of the fields that are set."""
        found = [("label", self.label)] if self.label else []
        if self.score is not None:
            found.append(("score", f"score {format_number(self.score)}"))
        if self.method:
            found.append(("method", self.method))
        return found

    def text(self) -> str:
        """The caption as one line of plain text."""
        return " · ".join(text for _, text in self.parts())


def read_captions(captions: Any, n: int, argument: str = "captions") -> list[_Caption]:
    """Captions for ``n`` samples from strings, dicts (label, score, method) or None.

    Without captions every caption is empty (figures and pages then show ``#i``).

    Examples
    --------
    >>> read_captions(None, 2)
    [_Caption(label='', score=None, method=''), _Caption(label='', score=None, method='')]
    >>> read_captions([{"label": "cat", "score": 0.5}], 1)[0].text()
    'cat · score 0.5'
    >>> read_captions([{"name": "cat"}], 1)
    Traceback (most recent call last):
    ...
    ValueError: captions[0]: expected keys among 'label', 'score', 'method'; got 'name'.
    """
    if captions is None:
        return [_Caption() for _ in range(n)]
    if isinstance(captions, (str, bytes, Mapping)) or not isinstance(captions, Sequence):
        raise type_error(argument, "a list of strings or dicts, one per sample", captions)
    if len(captions) != n:
        raise value_error(argument, f"{n} captions (one per sample)", f"{len(captions)} captions",
                          described=True)
    return [_caption(item, f"{argument}[{i}]") for i, item in enumerate(captions)]


def _caption(item: Any, argument: str) -> _Caption:
    if isinstance(item, str):
        return _Caption(item)
    if not isinstance(item, Mapping):
        raise type_error(argument, "a string or a dict with label, score, method", item)
    unknown = [key for key in item if key not in CAPTION_KEYS]
    if unknown:
        raise value_error(argument, "keys among 'label', 'score', 'method'", repr(unknown[0]),
                          described=True)
    score = item.get("score")
    if score is not None:
        score = check_number(f"{argument}['score']", score)
    return _Caption(str(item.get("label", "")), score, str(item.get("method", "")))


def is_overlay(pipeline: Any) -> bool:
    """Whether ``pipeline`` blends its pictures over the images itself (ends in an overlay)."""
    from ..transforms.cam_overlays import GradCamOverlay
    from ..transforms.overlay import AlphaOverlay

    steps = getattr(pipeline, "steps", (pipeline,))
    return any(isinstance(step, (AlphaOverlay, GradCamOverlay))
               for step in steps)


def check_pictures(heatmaps: Heatmaps, what: str) -> None:
    """Refuse clips and volumes (``(N, T, H, W, 3)``) where ``what`` shows one picture per
    sample, naming what draws them."""
    if heatmaps.is_clips():
        raise value_error("heatmaps", f"pictures for {what}", "clips or volumes of frames",
                          "Draw their frames with visheat.figure(h), or take a view in the "
                          "pipeline first, e.g. ... | Montage('D') or ... | Slices('D').",
                          described=True)


def _read_images(images: Any, heatmaps: Heatmaps) -> Any:
    """The images to draw beside ``heatmaps`` (as :func:`visheat.heatmap` reads them), or None.

    ``None`` means the images the heatmaps were made with (``heatmaps.images``), ``False``
    none at all; anything else is read as new images, one per picture or one for all.
    """
    if images is None:
        images = heatmaps.images
    if images is None or images is False:
        return None
    return to_images(images, len(heatmaps))


def blend(heat: np.ndarray, image: np.ndarray, alpha: float) -> np.ndarray:
    """``heat`` (resized to the image if needed) over ``image`` with opacity ``alpha``: uint8.

    The same arithmetic as ``ResizeToImage() | AlphaOverlay(alpha)`` on the 8-bit path.
    """
    from ..transforms.overlay import AlphaOverlay
    from ..transforms.resize import ResizeToImage

    pipe = ResizeToImage() | AlphaOverlay(alpha)
    return pipe(to_uint8(heat)[None], image=image, stage="rgb", dtype=np.uint8)[0]


def panels(heatmaps: Heatmaps, images: Any, i: int, alpha: float | None
           ) -> list[tuple[str, np.ndarray]]:
    """``(kind, uint8 picture)`` pairs of card ``i``: image, heatmap, overlay.

    ``images`` is what :func:`_read_images` returned. Pictures that are overlays
    already (the pipeline has an :class:`~visheat.AlphaOverlay` step) are shown
    as the overlay; ``alpha=None`` leaves the computed overlay out.
    """
    heat = to_uint8(np.asarray(heatmaps.to_numpy()[i]))
    if images is None:
        return [("heatmap", heat)]
    image = to_uint8(np.asarray(images[i]))
    if is_overlay(heatmaps.pipeline):
        return [("image", image), ("overlay", heat)]
    found = [("image", image), ("heatmap", heat)]
    if alpha is not None:
        found.append(("overlay", blend(heat, image, alpha)))
    return found


def _check_alpha(alpha: Any) -> float | None:
    """Validate the opacity of computed overlays (None: no overlay panel)."""
    return None if alpha is None else check_number("alpha", alpha, low=0, high=1)
