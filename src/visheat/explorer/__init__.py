"""The attribution explorer: methods side by side per image, live in a notebook or as a page.
May import every layer above it (core, transforms, cam, keypoints, engine, io, display,
render).

``widget`` (:class:`Explorer`: the live notebook widget, whose kernel keeps the data,
and the page's writer), ``page`` (:class:`Page`, :func:`write_explorer`: the offline
page, one self-contained file), ``rows`` (samples read lazily from any array source and
encoded as the page reads them), ``stats`` (one scale across the batch by the two-pass
protocol, sorting and filtering, the view's pipeline text). The page and the widget run
one script, ``visheat/data/explorer.js``. anywidget is imported only when a widget is shown.
"""

from typing import TYPE_CHECKING

from ..core.lazy import attach

if TYPE_CHECKING:
    from .page import Page, write_explorer
    from .widget import Explorer

__getattr__, __dir__ = attach(__name__, {
    "Explorer": "widget", "Page": "page", "write_explorer": "page"}, [])

__all__ = ["Explorer", "Page", "write_explorer"]
