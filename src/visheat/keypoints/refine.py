"""Sub-pixel refinement around a grid maximum, vectorised over many maps.

Every function takes ``maps`` ``(M, H, W)`` (float64) and the integer ``rows``
and ``cols`` ``(M,)`` of one maximum per map, and returns the refined
``(x, y)`` in heatmap index coordinates. ``flavour`` selects the border rules
and stencils of a reference system (see :class:`~visheat.keypoints.Convention`);
``"visheat"`` is the library's own, which never reads or moves off the map.
"""

from __future__ import annotations

import numpy as np

from .gaussfit import fit_gaussian_peaks
from .smoothing import _convolve_separable, gaussian_kernel

#: Floor of the heatmap before the log in ``dark`` (DarkPose uses 1e-10).
LOG_FLOOR = 1e-10


def at(maps: np.ndarray, m: np.ndarray, r: np.ndarray, c: np.ndarray,
       fill: float = 0.0) -> np.ndarray:
    """``maps[m, r, c]``, with ``fill`` where ``(r, c)`` is off the map."""
    h, w = maps.shape[-2:]
    inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
    values = maps[m, np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)]
    return np.where(inside, values, fill)


def quarter(maps: np.ndarray, rows: np.ndarray, cols: np.ndarray, flavour: str = "visheat",
            delta: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Step ``delta`` toward the larger neighbour on each axis.

    visheat steps on an axis only where both neighbours exist. ``"hrnet"``
    steps only when ``1 < x < W - 1`` and ``1 < y < H - 1``; ``"mmpose"`` tests
    each axis on its own (``1 < x < W - 1 and 0 < y`` for x) as those codes do.
    ``"sleap"`` reads missing neighbours as 0 (SLEAP's local direction).
    """
    h, w = maps.shape[-2:]
    m = np.arange(len(rows))
    dx = at(maps, m, rows, cols + 1) - at(maps, m, rows, cols - 1)
    dy = at(maps, m, rows + 1, cols) - at(maps, m, rows - 1, cols)
    if flavour == "hrnet":
        both = (cols > 1) & (cols < w - 1) & (rows > 1) & (rows < h - 1)
        x_ok = y_ok = both
    elif flavour in ("mmpose", "mmpose-udp"):
        x_ok = (cols > 1) & (cols < w - 1) & (rows > 0)
        y_ok = (rows > 1) & (rows < h - 1) & (cols > 0)
    elif flavour == "sleap":
        x_ok = y_ok = np.ones(len(rows), dtype=bool)
    else:
        x_ok, y_ok = (cols > 0) & (cols < w - 1), (rows > 0) & (rows < h - 1)
    x = cols + np.where(x_ok, np.sign(dx) * delta, 0.0)
    y = rows + np.where(y_ok, np.sign(dy) * delta, 0.0)
    return x, y


def _blur_for_dark(maps: np.ndarray, sigma: float, radius: int | None,
                  flavour: str) -> np.ndarray:
    """The blur ``dark`` applies first.

    Reference flavours blur with zero padding and rescale each map to its old
    maximum (DarkPose's ``gaussian_blur``). visheat divides the zero-padded blur
    by the square root of the kernel energy inside the map, the normalised
    matched filter: for targets of the same sigma its maximum stays on the point
    near borders too, where plain zero padding drags it inward.
    """
    kernel = gaussian_kernel(sigma, radius)
    out = _convolve_separable(maps, kernel)
    if flavour == "visheat":
        energy = _convolve_separable(np.ones(maps.shape[-2:]), kernel * kernel)
        return out / np.sqrt(energy)
    peak, after = maps.max(axis=(-2, -1)), out.max(axis=(-2, -1))
    ok = after != 0
    return out * np.where(ok, peak / np.where(ok, after, 1.0), 1.0)[:, None, None]


def dark(maps: np.ndarray, rows: np.ndarray, cols: np.ndarray,
         flavour: str = "visheat", blurred: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Newton step on the log-heatmap (DARK's Taylor expansion); ``maps`` already blurred.

    visheat fits a Gaussian to the 13 x 13 window around the maximum
    (:func:`~visheat.keypoints.gaussfit.fit_gaussian_peaks`) and reads the 3 x 3
    stencil (:func:`_dark_stencil`) where that fit fails. On maps it
    ``blurred`` it reads the stencil only: near a border a blurred map is no
    longer Gaussian, and only its maximum, which the normalised blur keeps in
    place, still marks the point.
    """
    if flavour == "visheat" and not blurred:
        x, y, fitted = fit_gaussian_peaks(maps, rows, cols)
        if not fitted.all():
            rest = ~fitted
            logs = np.log(np.maximum(maps[rest], LOG_FLOOR))
            x[rest], y[rest] = _dark_stencil(logs, rows[rest], cols[rest])
        return x, y
    if flavour == "mmpose-udp":
        return _dark_udp(maps, rows, cols)
    logs = np.log(np.maximum(maps, LOG_FLOOR))
    if flavour == "visheat":
        return _dark_stencil(logs, rows, cols)
    return _dark_reference(logs, rows, cols)


def _dark_stencil(logs: np.ndarray, rows: np.ndarray, cols: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Quadratic through the 3 x 3 stencil nearest the maximum that fits in the map.

    A log-Gaussian is exactly quadratic, so the stencil finds its peak from any
    position, also shifted inward at a border. The step is kept only where the
    quadratic has a maximum, and limited to one pixel from the grid maximum and
    to the map's extent.
    """
    h, w = logs.shape[-2:]
    m = np.arange(len(rows))
    cx, cy = np.clip(cols, 1, max(w - 2, 1)), np.clip(rows, 1, max(h - 2, 1))
    f = lambda dy, dx: at(logs, m, cy + dy, cx + dx)  # noqa: E731
    gx, gy = (f(0, 1) - f(0, -1)) / 2, (f(1, 0) - f(-1, 0)) / 2
    gxx, gyy = f(0, 1) - 2 * f(0, 0) + f(0, -1), f(1, 0) - 2 * f(0, 0) + f(-1, 0)
    gxy = (f(1, 1) - f(-1, 1) - f(1, -1) + f(-1, -1)) / 4
    if w < 3:
        gx, gxx, gxy = np.zeros_like(gx), -np.ones_like(gx), np.zeros_like(gx)
    if h < 3:
        gy, gyy, gxy = np.zeros_like(gy), -np.ones_like(gy), np.zeros_like(gy)
    det = gxx * gyy - gxy * gxy
    ok = (gxx < 0) & (det > 0)
    safe = np.where(ok, det, 1.0)
    x = np.where(ok, cx - (gyy * gx - gxy * gy) / safe, cols)
    y = np.where(ok, cy - (gxx * gy - gxy * gx) / safe, rows)
    x = np.clip(np.clip(x, cols - 1, cols + 1), -0.5, w - 0.5)
    y = np.clip(np.clip(y, rows - 1, rows + 1), -0.5, h - 0.5)
    return x, y


def _dark_reference(logs: np.ndarray, rows: np.ndarray, cols: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """DarkPose's ``taylor()``: interior only, second differences over two pixels."""
    h, w = logs.shape[-2:]
    m = np.arange(len(rows))
    f = lambda dy, dx: at(logs, m, rows + dy, cols + dx)  # noqa: E731
    dx, dy = 0.5 * (f(0, 1) - f(0, -1)), 0.5 * (f(1, 0) - f(-1, 0))
    dxx = 0.25 * (f(0, 2) - 2 * f(0, 0) + f(0, -2))
    dyy = 0.25 * (f(2, 0) - 2 * f(0, 0) + f(-2, 0))
    dxy = 0.25 * (f(1, 1) - f(-1, 1) - f(1, -1) + f(-1, -1))
    det = dxx * dyy - dxy * dxy
    ok = (cols > 1) & (cols < w - 2) & (rows > 1) & (rows < h - 2) & (det != 0)
    safe = np.where(ok, det, 1.0)
    x = cols - np.where(ok, (dyy * dx - dxy * dy) / safe, 0.0)
    y = rows - np.where(ok, (dxx * dy - dxy * dx) / safe, 0.0)
    return x, y


def _dark_udp(maps: np.ndarray, rows: np.ndarray, cols: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """mmpose's ``refine_keypoints_dark_udp``: edge-padded log, one-pixel stencil, eps ridge."""
    logs = np.log(np.clip(maps, 1e-3, 50.0))
    padded = np.pad(logs, ((0, 0), (1, 1), (1, 1)), mode="edge")
    m, r, c = np.arange(len(rows)), rows + 1, cols + 1
    f = lambda dy, dx: padded[m, r + dy, c + dx]  # noqa: E731
    i = f(0, 0)
    dx, dy = 0.5 * (f(0, 1) - f(0, -1)), 0.5 * (f(1, 0) - f(-1, 0))
    dxx = f(0, 1) - 2 * i + f(0, -1) + np.finfo(np.float32).eps
    dyy = f(1, 0) - 2 * i + f(-1, 0) + np.finfo(np.float32).eps
    dxy = 0.5 * (f(1, 1) - f(0, 1) - f(1, 0) + 2 * i - f(0, -1) - f(-1, 0) + f(-1, -1))
    det = dxx * dyy - dxy * dxy
    safe = np.where(det != 0, det, 1.0)
    x = cols - np.where(det != 0, (dyy * dx - dxy * dy) / safe, 0.0)
    y = rows - np.where(det != 0, (dxx * dy - dxy * dx) / safe, 0.0)
    return x, y


def integral(maps: np.ndarray, rows: np.ndarray, cols: np.ndarray, patch: int = 5,
             flavour: str = "visheat") -> tuple[np.ndarray, np.ndarray]:
    """Centre of mass of the ``patch x patch`` window around the maximum.

    visheat weighs by the map clipped at 0, reads only pixels on the map, and
    keeps the grid maximum where the window holds no mass. ``"sleap"`` weighs by
    the raw values with zeros off the map, as SLEAP's integral regression does
    (an empty window gives NaN there).
    """
    half = patch // 2
    offsets = np.arange(patch) - (patch - 1) / 2
    m = np.arange(len(rows))[:, None, None]
    rr = rows[:, None, None] + (np.arange(patch) - half)[None, :, None]
    cc = cols[:, None, None] + (np.arange(patch) - half)[None, None, :]
    window = at(maps, m, rr, cc)
    if flavour != "sleap":
        window = np.maximum(window, 0.0)
    total = window.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = (window * offsets[None, None, :]).sum(axis=(1, 2)) / total
        dy = (window * offsets[None, :, None]).sum(axis=(1, 2)) / total
    if flavour != "sleap":
        dx, dy = np.where(total > 0, dx, 0.0), np.where(total > 0, dy, 0.0)
    return cols + dx, rows + dy


def topk(maps: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Softmax-weighted mean position of the ``k`` highest pixels (ties: row-major first)."""
    flat = maps.reshape(len(maps), maps.shape[-2] * maps.shape[-1])  # also for zero maps
    order = np.argsort(-flat, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(flat, order, axis=1)
    weights = np.exp(values - values[:, :1])
    weights /= weights.sum(axis=1, keepdims=True)
    w = maps.shape[-1]
    return (weights * (order % w)).sum(axis=1), (weights * (order // w)).sum(axis=1)
