"""``write_gallery()``: heatmaps as a static HTML page that works offline.

One card per sample: the image, the heatmap, the heatmap over the image, a
caption (label, score, method) and a colour bar with the value range the
picture was really scaled to. The page is plain HTML and CSS: no script, no
network (no external CSS, JS or fonts), so it opens from ``file://``; a content
security policy forbids scripts altogether. Every caption and attribute is
escaped, so a label such as ``<script>`` shows as text.

Files: ``index.html`` and a ``files/`` folder of PNGs (full pictures, thumbnails
that link to them, colour-bar ramps) plus one small JSON record per card that
lets an interrupted run resume. Every file is written atomically (a temporary
file, then a rename), names derived from labels are sanitised, and nothing is
written outside ``out_dir``. ``self_contained=True`` writes one HTML file with the
pictures inlined as data URIs instead.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..core.errors import check_number, type_error, value_error
from ..core.version import VERSION
from ..io.files import (
    check_existing,
    prepare_folder,
    printable_name,
    remove_temporaries,
    safe_name,
    write_atomic,
    write_checked,
)
from ..io.png import png_bytes, to_uint8
from .cards import _Caption, _check_alpha, _read_images, check_pictures, panels, read_captions
from .heatmaps import ColorbarInfo, Heatmaps, format_number
from .plotting import ramp, ticks

__all__ = ["write_gallery", "GalleryWriter"]

PANEL_KINDS = ("image", "heatmap", "overlay")
FILES = "files"
INDEX = "index.html"
#: Largest side of a thumbnail; larger pictures get a thumbnail that links to them.
THUMBNAIL = 320
#: Width of a panel on the page, in CSS pixels.
PANEL_WIDTH = 160
CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class _Panel:
    kind: str
    width: int
    height: int
    src: str  # what the card shows (a thumbnail)
    href: str  # the full picture


@dataclass(frozen=True)
class _Card:
    index: int
    caption: _Caption
    panels: tuple[_Panel, ...]
    colorbar: dict[str, Any] | None


def write_gallery(out_dir: str | os.PathLike, heatmaps: Heatmaps, images: Any = None,
                  captions: Any = None, colorbar: bool = True, *, title: str = "visheat gallery",
                  alpha: float | None = 0.5, self_contained: bool = False,
                  existing: str = "error") -> Path:
    """Write a static HTML gallery of ``heatmaps``; return the path of its ``index.html``.

    Parameters
    ----------
    out_dir : str or path
        Folder of the gallery (created).
    heatmaps : Heatmaps
        The pictures, as :func:`visheat.heatmap` returns them.
    images : array_like or list, optional
        The images the heatmaps belong to (any form :func:`visheat.heatmap` accepts).
    captions : list of str or dict, optional
        One per sample: a label, or a dict with ``label``, ``score`` and ``method``.
        Shown as text (escaped); labels also name the files (sanitised).
    colorbar : bool
        Show each picture's colour bar: the colormap over the recorded value range.
    title : str
        Title of the page.
    alpha : float or None
        Opacity of the heatmap in the overlay panel; ``None`` leaves it out.
    self_contained : bool
        Write a single HTML file with every picture inlined.
    existing : {"error", "overwrite", "skip"}
        What to do when ``out_dir`` holds a gallery already: refuse (default),
        replace its files, or keep the complete cards and write the rest (resume).

    Returns
    -------
    pathlib.Path
        ``out_dir / "index.html"``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from visheat import heatmap, write_gallery
    >>> x = np.random.default_rng(0).normal(size=(2, 3, 8, 8))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     page = write_gallery(d, heatmap(x, "attribution"), captions=["cat", "<dog>"])
    ...     text = page.read_text(encoding="utf-8")
    ...     names = sorted(p.name for p in (page.parent / "files").iterdir())
    >>> "&lt;dog&gt;" in text and "<dog>" not in text
    True
    >>> names[:3]
    ['00000_cat.json', '00000_cat_heatmap.png', '00001_dog.json']
    """
    if not isinstance(heatmaps, Heatmaps):  # mistakes first: nothing is created for them
        raise type_error("heatmaps", "a Heatmaps result of visheat.heatmap()", heatmaps)
    check_pictures(heatmaps, "a gallery")
    _read_images(images, heatmaps)
    read_captions(captions, len(heatmaps))
    if colorbar and len(heatmaps) and not heatmaps.has_colorbar():
        raise value_error("heatmaps", "pictures made by a colormap step for colour bars",
                          "no colormap record", "Pass colorbar=False.", described=True)
    writer = GalleryWriter(out_dir, title=title, colorbar=colorbar, alpha=alpha,
                           self_contained=self_contained, existing=existing)
    writer.add(heatmaps, images, captions)
    return writer.finish()


class GalleryWriter:
    """Write a gallery a slice at a time (bounded memory), then its page.

    ``add()`` writes the cards of one :class:`~visheat.Heatmaps` slice; ``finish()``
    writes ``index.html``. :func:`write_gallery` is both in one call; the
    ``visheat gallery`` command uses this class to render large inputs slice by
    slice. Parameters are those of :func:`write_gallery`.
    """

    def __init__(self, out_dir: str | os.PathLike, *, title: str = "visheat gallery",
                 colorbar: bool = True, alpha: float | None = 0.5, self_contained: bool = False,
                 existing: str = "error", pipeline: Any = None) -> None:
        check_existing(existing)
        if self_contained and existing == "skip":
            raise value_error("existing", "'error' or 'overwrite' for a self-contained page",
                              existing, "Resuming needs the gallery's files.")
        if not isinstance(title, str):
            raise type_error("title", "a string", title)
        self.out = Path(out_dir)
        self.index = self.out / INDEX
        if self_contained and self.out.suffix.lower() in (".html", ".htm"):
            self.index, self.out = self.out, self.out.parent  # one file: that is its name
        self.title, self.colorbar, self.alpha = title, bool(colorbar), _check_alpha(alpha)
        self.self_contained, self.existing, self.pipeline = self_contained, existing, pipeline
        self._cards: dict[int, _Card] = {}
        self._resumed: set[int] = set()
        self._ramps: dict[str, str] = {}
        prepare_folder(self.out if self_contained else self.out / FILES, "out_dir")
        if existing != "error":  # temporary files of a killed run: never complete, never used
            remove_temporaries(self.out)
            remove_temporaries(self.out / FILES)

    def _put(self, path: Path, payload: bytes) -> None:
        """Write one file of the gallery: with ``existing="error"`` a file that holds the
        same bytes is kept (re-running a notebook gives the same gallery) and any other
        file in the way stops the write (:func:`visheat.io.files.write_checked`)."""
        if self.existing == "error":
            write_checked(path, payload, "error", "out_dir")
        else:
            write_atomic(path, payload)

    # -- cards -------------------------------------------------------------
    def stem(self, index: int, caption: _Caption) -> str:
        """File-name stem of card ``index``: its number and its sanitised label."""
        index = int(check_number("index", index, low=0, integer=True))
        return f"{index:05d}_{safe_name(caption.label)}" if caption.label else f"{index:05d}"

    def resume(self, index: int, caption: _Caption) -> bool:
        """Keep card ``index`` of an earlier run if its files are all there (``"skip"``)."""
        if self.existing != "skip":
            return False
        record = self.out / FILES / f"{self.stem(index, caption)}.json"
        try:
            card = _card_from_json(json.loads(record.read_text(encoding="utf-8")), index)
        except (OSError, ValueError, KeyError, TypeError):
            return False
        files = [p.src for p in card.panels] + [p.href for p in card.panels]
        if card.colorbar is not None:
            files.append(card.colorbar["src"])
        if not all((self.out / name).is_file() for name in files):
            return False
        self._cards[index] = card
        self._resumed.add(index)
        return True

    def add(self, heatmaps: Heatmaps, images: Any = None, captions: Any = None,
            start: int = 0) -> None:
        """Write the cards of ``heatmaps``, numbered from ``start``."""
        if not isinstance(heatmaps, Heatmaps):
            raise type_error("heatmaps", "a Heatmaps result of visheat.heatmap()", heatmaps)
        check_pictures(heatmaps, "a gallery")
        found_images = _read_images(images, heatmaps)
        found_captions = read_captions(captions, len(heatmaps))
        if self.colorbar and len(heatmaps) and not heatmaps.has_colorbar():
            raise value_error("heatmaps", "pictures made by a colormap step for colour bars",
                              "no colormap record", "Pass colorbar=False.", described=True)
        if self.pipeline is None:
            self.pipeline = heatmaps.pipeline
        for i, caption in enumerate(found_captions):
            index = start + i
            if index in self._resumed:  # kept from an earlier run (resume() found it complete)
                continue
            if index in self._cards:
                raise value_error("start", "cards not written before", f"card {index} again",
                                  described=True)
            if self.resume(index, caption):
                continue
            card_panels = panels(heatmaps, found_images, i, self.alpha)
            info = heatmaps.colorbar_info(i) if self.colorbar else None
            self._cards[index] = self._write_card(index, caption, card_panels, info)

    def _write_card(self, index: int, caption: _Caption, card_panels: list[tuple[str, np.ndarray]],
                    info: ColorbarInfo | None) -> _Card:
        stem = self.stem(index, caption)
        written = tuple(self._write_panel(f"{stem}_{kind}", kind, picture)
                        for kind, picture in card_panels)
        colorbar = None
        if info is not None:
            colorbar = {"lo": info.lo, "hi": info.hi, "name": info.name, "clipped": info.clipped,
                        "src": self._ramp(info)}
        card = _Card(index, caption, written, colorbar)
        if not self.self_contained:  # written last: its presence marks the card complete
            self._put(self.out / FILES / f"{stem}.json",
                         json.dumps(_card_to_json(card), indent=1).encode("utf-8"))
        return card

    def _write_panel(self, stem: str, kind: str, picture: np.ndarray) -> _Panel:
        height, width = picture.shape[:2]
        full = png_bytes(picture)
        small = full
        if max(height, width) > THUMBNAIL:
            image = Image.fromarray(to_uint8(picture))
            image.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
            small = png_bytes(np.asarray(image))
        if self.self_contained:
            return _Panel(kind, width, height, _data_uri(small), _data_uri(full))
        href = f"{FILES}/{stem}.png"
        self._put(self.out / href, full)
        src = href
        if small is not full:
            src = f"{FILES}/{stem}_thumb.png"
            self._put(self.out / src, small)
        return _Panel(kind, width, height, src, href)

    def _ramp(self, info: ColorbarInfo) -> str:
        """The colour-bar ramp of ``info``'s colormap: one file per colormap."""
        digest = hashlib.sha1(np.ascontiguousarray(info.stops).tobytes()).hexdigest()[:10]
        if digest not in self._ramps:
            colours = to_uint8(ramp(info.stops))
            payload = png_bytes(np.repeat(colours[None], 8, axis=0))
            if self.self_contained:
                self._ramps[digest] = _data_uri(payload)
            else:
                name = f"{FILES}/colorbar_{safe_name(info.name, 40)}_{digest}.png"
                self._put(self.out / name, payload)
                self._ramps[digest] = name
        return self._ramps[digest]

    # -- the page -----------------------------------------------------------
    def finish(self) -> Path:
        """Write ``index.html`` with every card added or resumed; return its path."""
        cards = [self._cards[i] for i in sorted(self._cards)]
        page = _page(self.title, cards, self.pipeline, VERSION, self.self_contained)
        self._put(self.index, page.encode("utf-8"))
        return self.index


def _data_uri(payload: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(payload).decode("ascii")


def _card_to_json(card: _Card) -> dict[str, Any]:
    caption = {"label": card.caption.label, "score": card.caption.score,
               "method": card.caption.method}
    return {"index": card.index, "caption": caption, "colorbar": card.colorbar,
            "panels": [vars(p) for p in card.panels]}


def _card_from_json(data: dict[str, Any], index: int) -> _Card:
    """A card record written by an earlier run; its file names must be this gallery's own."""
    if data["index"] != index:
        raise ValueError("card record of another index")
    panel_list = tuple(_Panel(str(p["kind"]), int(p["width"]), int(p["height"]), str(p["src"]),
                              str(p["href"])) for p in data["panels"])
    for panel in panel_list:  # a record is data from disk: nothing in it is trusted
        if panel.kind not in PANEL_KINDS or not (0 < panel.width and 0 < panel.height):
            raise ValueError(f"unexpected panel {panel!r}")
    names = [p.src for p in panel_list] + [p.href for p in panel_list]
    colorbar = data["colorbar"]
    if colorbar is not None:
        colorbar = {"lo": float(colorbar["lo"]), "hi": float(colorbar["hi"]),
                    "name": str(colorbar["name"]), "clipped": bool(colorbar["clipped"]),
                    "src": str(colorbar["src"])}
        if not (math.isfinite(colorbar["lo"]) and math.isfinite(colorbar["hi"])
                and colorbar["lo"] <= colorbar["hi"]):
            raise ValueError("colour bar range out of order")
        names.append(colorbar["src"])
    for name in names:  # only this gallery's own files: plain names inside files/
        folder, _, file = name.partition("/")
        if folder != FILES or safe_name(file) != file:
            raise ValueError(f"unexpected file name {name!r}")
    caption = data["caption"]
    score = None if caption["score"] is None else float(caption["score"])
    if score is not None and not math.isfinite(score):
        raise ValueError("caption score is not a finite number")
    return _Card(index, _Caption(str(caption["label"]), score, str(caption["method"])),
                 panel_list, colorbar)


# -- HTML --------------------------------------------------------------------------

_STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
body { margin: 1rem 1.5rem; background: #f6f6f6; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
.summary { margin: 0 0 1rem; color: #555; font-size: .9rem; }
.summary code { background: #e8e8e8; padding: 0 .25em; border-radius: 3px; }
.cards { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; }
.panels { display: flex; gap: 6px; align-items: flex-start; }
.panel { margin: 0; width: %(w)dpx; font-size: 12px; color: #555; text-align: center; }
.panel img.picture { display: block; width: %(w)dpx; height: auto; background: #eee; }
.panel img.small { image-rendering: pixelated; }
.caption { margin: 6px 0 0; font-size: 13px; max-width: 520px; overflow-wrap: anywhere; }
.caption .label { font-weight: 600; }
.caption .score, .caption .method { color: #555; }
.colorbar { margin-top: 4px; font-size: 11px; color: #333; }
.colorbar img { display: block; width: %(w)dpx; height: 10px; border: 1px solid #999;
                box-sizing: border-box; }
.colorbar .ticks { position: relative; height: 1.3em; }
.colorbar .ticks span { position: absolute; top: 0; transform: translateX(-50%%); }
.colorbar .ticks span.first { transform: none; }
.colorbar .ticks span.last { transform: translateX(-100%%); }
.colorbar .name { color: #555; }
.close { display: none; }
.panel:target .close { display: block; position: fixed; inset: 0; z-index: 1;
                        background: rgba(0, 0, 0, .75); }
.panel:target img.picture { position: fixed; z-index: 2; top: 50%%; left: 50%%;
    transform: translate(-50%%, -50%%); width: auto; height: auto;
    min-width: min(60vw, 60vh); max-width: 95vw; max-height: 95vh; }
""" % {"w": PANEL_WIDTH}  # noqa: UP031 - CSS braces make str.format unreadable


def _e(text: Any) -> str:
    """Escape text for HTML content and (double-quoted) attributes; the bytes of a
    non-UTF-8 file name show as ``\\xff`` (:func:`~visheat.io.files.printable_name`)."""
    return html.escape(printable_name(str(text)), quote=True)


def _page(title: str, cards: list[_Card], pipeline: Any, version: str, inline: bool) -> str:
    made = f"{len(cards)} picture{'s' if len(cards) != 1 else ''}"
    if pipeline is not None:
        made += f" · pipeline <code>{_e(pipeline)}</code>"
    note = (" · each colour bar shows the value range its picture was scaled to"
            if any(card.colorbar for card in cards) else "")
    body = "\n".join(_card_html(card, inline) for card in cards)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<link rel=\"icon\" href=\"data:,\">\n"
        f"<meta name=\"generator\" content=\"visheat {_e(version)}\">\n"
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(title)}</h1>\n<p class=\"summary\">{made}{note}.</p></header>\n"
        f"<main class=\"cards\">\n{body}\n</main>\n</body>\n</html>\n")


def _card_html(card: _Card, inline: bool) -> str:
    name = card.caption.text() or f"#{card.index}"
    heat = next((j for j, p in enumerate(card.panels) if p.kind != "image"), 0)
    figures = []
    for j, panel in enumerate(card.panels):
        extra = _colorbar_html(card.colorbar) if j == heat and card.colorbar else ""
        figures.append(_panel_html(card.index, panel, name, inline, extra))
    return (f"<article class=\"card\" id=\"card-{card.index}\">\n"
            f"<div class=\"panels\">\n{''.join(figures)}</div>\n"
            f"{_caption_html(card)}\n</article>")


def _panel_html(index: int, panel: _Panel, name: str, inline: bool, extra: str) -> str:
    ident = f"view-{index}-{panel.kind}"
    size = "picture small" if max(panel.width, panel.height) < PANEL_WIDTH else "picture"
    shown_height = max(1, round(PANEL_WIDTH * panel.height / max(panel.width, 1)))
    img = (f"<img class=\"{size}\" src=\"{_e(panel.src)}\" width=\"{PANEL_WIDTH}\" "
           f"height=\"{shown_height}\" alt=\"{_e(f'{panel.kind} {index}: {name}')}\">")
    if inline:  # a data URI cannot be opened as a page: enlarge in place instead
        link = (f"<a href=\"#{_e(ident)}\" title=\"enlarge\">{img}</a>"
                f"<a class=\"close\" href=\"#card-{index}\" aria-label=\"close\"></a>")
    else:
        size_text = f"full picture ({panel.width}x{panel.height})"
        link = f"<a href=\"{_e(panel.href)}\" title=\"{size_text}\">{img}</a>"
    return (f"<figure class=\"panel panel-{_e(panel.kind)}\" id=\"{_e(ident)}\">{link}"
            f"<figcaption>{_e(panel.kind)}</figcaption>{extra}</figure>\n")


def _caption_html(card: _Card) -> str:
    parts = card.caption.parts() or [("label", f"#{card.index}")]
    spans = " · ".join(f"<span class=\"{field}\">{_e(text)}</span>" for field, text in parts)
    return f"<p class=\"caption\">{spans}</p>"


def _colorbar_html(colorbar: dict[str, Any]) -> str:
    lo, hi = colorbar["lo"], colorbar["hi"]
    name = colorbar["name"] + (" (clipped)" if colorbar["clipped"] else "")
    described = f"colour bar: {name}, from {format_number(lo)} to {format_number(hi)}"
    marks = []
    for k, tick in enumerate(ticks(lo, hi) if hi > lo else [lo]):
        where = 100.0 * (tick - lo) / (hi - lo) if hi > lo else 0.0
        kind = " class=\"first\"" if k == 0 else (" class=\"last\"" if tick == hi else "")
        marks.append(f"<span{kind} style=\"left:{where:.2f}%\">{_e(format_number(tick))}</span>")
    return (f"<div class=\"colorbar\" title=\"{_e(described)}\" data-lo=\"{lo!r}\" "
            f"data-hi=\"{hi!r}\" data-colormap=\"{_e(colorbar['name'])}\">"
            f"<img src=\"{_e(colorbar['src'])}\" alt=\"{_e(described)}\" width=\"{PANEL_WIDTH}\" "
            f"height=\"10\"><div class=\"ticks\">{''.join(marks)}</div>"
            f"<div class=\"name\">{_e(name)}</div></div>")

