"""The inputs, the three workloads and every route that renders them.

Every route takes an :class:`Inputs` and returns the whole batch as ``(N, H, W, 3)``
uint8 RGB, freshly allocated, as a user would get it. Routes differ only in how they
get there; ``bench_heatmaps.py`` checks that their pictures agree with visheat's.

Workloads
---------
a  sensitivity: L2 norm over channels -> min-max per sample -> sequential colormap
b  attribution: sum over channels -> clip to the 0.1 / 99.9 percentiles per sample ->
   symmetric (max |x|) normalisation -> divergent colormap
c  CAM: 7x7 map -> bilinear resize to the image -> min-max -> jet -> alpha 0.6 blend
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import _peers
import cv2
import matplotlib
import numpy as np

SEQUENTIAL, DIVERGING, CAM_CMAP, ALPHA = "viridis", "bwr", "jet", 0.6
LOWER, UPPER = 0.001, 0.999
CAM_SIZE = 7
#: captum's ``outlier_perc``: scale by the largest value. Exactly 0 can fail in
#: ``_cumulative_sum_threshold`` (float32 cumulative sum vs ``total * 0.01 * 100``).
CAPTUM_OUTLIERS = 1e-6


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Inputs:
    """One seeded batch: attributions, the images they belong to, and CAMs."""

    x: np.ndarray        # (N, 3, H, W) float32, Student-t with 3 degrees of freedom
    images: np.ndarray   # (N, H, W, 3) uint8
    cams: np.ndarray     # (N, 7, 7) float32, non-negative (as after Grad-CAM's ReLU)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        return int(self.x.shape[2]), int(self.x.shape[3])

    def head(self, n: int) -> Inputs:
        return Inputs(self.x[:n], self.images[:n], self.cams[:n])


def student_t(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Student-t (3 degrees of freedom) samples as float32."""
    return rng.standard_t(3, size=shape).astype(np.float32)


def make_inputs(n: int = 64, size: int = 224, seed: int = 0) -> Inputs:
    """The seeded batch every route renders."""
    rng = np.random.default_rng(seed)
    x = student_t(rng, (n, 3, size, size))
    images = rng.integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)
    cams = rng.random((n, CAM_SIZE, CAM_SIZE), dtype=np.float32)
    return Inputs(x, images, cams)


def tile_inputs(base: Inputs, n: int) -> Inputs:
    """``n`` samples made by repeating ``base`` (cheap; contiguous fresh arrays)."""
    reps = -(-n // base.n)
    def grow(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate([a] * reps)[:n]) if reps > 1 else a[:n].copy()
    return Inputs(grow(base.x), grow(base.images), grow(base.cams))


# ---------------------------------------------------------------------------- helpers
def lut256(name: str) -> np.ndarray:
    """matplotlib's colormap ``name`` as a (256, 3) uint8 RGB table."""
    return matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256), bytes=True)[:, :3].copy()


def cv_lut(name: str) -> np.ndarray:
    """The same table shaped (256, 1, 3) for ``cv2.applyColorMap`` (RGB in, RGB out)."""
    return np.ascontiguousarray(lut256(name)[:, None, :])


def out_like(inputs: Inputs, n: int | None = None) -> np.ndarray:
    h, w = inputs.images.shape[1:3]
    return np.empty((inputs.n if n is None else n, h, w, 3), np.uint8)


def linear_quantile_rank(count: int, p: float) -> tuple[int, float]:
    """0-based lower index and weight of the linear (numpy's default, type 7) quantile."""
    h = (count - 1) * p
    j = min(int(np.floor(h)), count - 2)
    return j, h - j


def sample_bounds(flat: np.ndarray) -> tuple[float, float]:
    """0.1 / 99.9 % linear quantiles of one flat sample, one ``np.partition`` for both."""
    n = flat.size
    (j0, g0), (j1, g1) = linear_quantile_rank(n, LOWER), linear_quantile_rank(n, UPPER)
    part = np.partition(flat, [j0, j0 + 1, j1, j1 + 1])
    lo = part[j0] + g0 * (float(part[j0 + 1]) - part[j0])
    hi = part[j1] + g1 * (float(part[j1 + 1]) - part[j1])
    return float(lo), float(hi)


def tail_bounds(flat: np.ndarray, stride: int = 16) -> tuple[float, float]:
    """The same quantiles exactly, partitioning only the tails.

    A strided subsample gives thresholds that hold (with margin) more than the
    needed number of values in each tail; the tails are then partitioned alone.
    Falls back to :func:`sample_bounds` when a threshold was not wide enough.
    """
    n = flat.size
    (j0, g0), (j1, g1) = linear_quantile_rank(n, LOWER), linear_quantile_rank(n, UPPER)
    sub = np.partition(flat[::stride], [4 * (j0 + 2) // stride + 1,
                                        -(4 * (n - j1) // stride + 2)])
    t_lo, t_hi = sub[4 * (j0 + 2) // stride + 1], sub[-(4 * (n - j1) // stride + 2)]
    low, high = flat[flat <= t_lo], flat[flat >= t_hi]
    need_lo, need_hi = j0 + 2, n - j1
    if low.size < need_lo or high.size < need_hi:
        return sample_bounds(flat)
    low = np.partition(low, [j0, j0 + 1])
    k = high.size - (n - j1)  # index of order statistic j1 inside `high`
    high = np.partition(high, [k, k + 1])
    lo = low[j0] + g0 * (float(low[j0 + 1]) - low[j0])
    hi = high[k] + g1 * (float(high[k + 1]) - high[k])
    return float(lo), float(hi)


# ---------------------------------------------------------------------------- routes
@dataclass
class Route:
    """One way to render a workload.

    ``subset`` times the route on the first images only (for very slow routes);
    ``tolerance`` is the largest mean absolute difference from visheat's pictures
    (in 8-bit levels) that still counts as the same picture for this route. The
    default, 1.5, allows for 256-entry colour tables (visheat interpolates 65 536
    levels; a 256-level table is up to half a bin off) and for routes that truncate
    to 8 bits instead of rounding (half a level more).
    """

    name: str
    fn: Callable[[Inputs], np.ndarray]
    kind: str = "peer"            # "visheat", "single", "peer", "hand", "floor", "info"
    tolerance: float = 1.5
    threads: str = "1"
    notes: str = ""
    subset: int | None = None
    setup: Callable[[], None] | None = field(default=None, repr=False)


def visheat_pipelines() -> dict[str, object]:
    from visheat import (
        AlphaOverlay,
        CenteredColormap,
        ExtremaColormap,
        NormReduction,
        PercentileClip,
        ResizeToImage,
        SumReduction,
    )

    return {
        "a": NormReduction() | ExtremaColormap(SEQUENTIAL),
        "b": SumReduction() | PercentileClip(LOWER, UPPER) | CenteredColormap(DIVERGING),
        "c": (SumReduction() | ResizeToImage("bilinear") | ExtremaColormap(CAM_CMAP)
              | AlphaOverlay(ALPHA)),
    }


def visheat_route(workload: str, threads: int | None = None) -> Callable[[Inputs], np.ndarray]:
    """``heatmap(...)`` as users call it (``threads=None``: every usable CPU), or pinned."""
    from visheat import heatmap

    pipe = visheat_pipelines()[workload]
    if workload == "c":
        return lambda d: np.asarray(heatmap(d.cams, d.images, pipe, layout="NHW",
                                            threads=threads).to_numpy())
    return lambda d: np.asarray(heatmap(d.x, pipe, threads=threads).to_numpy())


# --- (a) sensitivity ---------------------------------------------------------------
def a_numpy_mpl(d: Inputs) -> np.ndarray:
    cmap = matplotlib.colormaps[SEQUENTIAL]
    out = out_like(d)
    for i in range(d.n):
        m = np.linalg.norm(d.x[i], axis=0)
        m = (m - m.min()) / (m.max() - m.min())
        out[i] = cmap(m, bytes=True)[..., :3]
    return out


def a_cv2_apply(d: Inputs) -> np.ndarray:
    lut, out = cv_lut(SEQUENTIAL), out_like(d)
    for i in range(d.n):
        x = d.x[i]
        m = cv2.magnitude(cv2.magnitude(x[0], x[1]), x[2])
        u8 = cv2.normalize(m, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
        cv2.applyColorMap(u8, lut, dst=out[i])
    return out


def a_cv2_take(d: Inputs) -> np.ndarray:
    lut, out = lut256(SEQUENTIAL), out_like(d)
    u8 = np.empty((d.n,) + d.size, np.uint8)
    for i in range(d.n):
        x = d.x[i]
        m = cv2.magnitude(cv2.magnitude(x[0], x[1]), x[2])
        cv2.normalize(m, u8[i], 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
    np.take(lut, u8, axis=0, out=out)
    return out


def a_numpy_vector(d: Inputs) -> np.ndarray:
    x = d.x
    m = x[:, 0] * x[:, 0]
    m += x[:, 1] * x[:, 1]
    m += x[:, 2] * x[:, 2]
    np.sqrt(m, out=m)
    flat = m.reshape(d.n, -1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    scale = (np.float32(255) / np.where(hi > lo, hi - lo, 1)).astype(np.float32)
    m -= lo[:, None, None]
    m *= scale[:, None, None]
    m += np.float32(0.5)
    return lut256(SEQUENTIAL)[m.astype(np.uint8)]


def a_captum_array(d: Inputs) -> np.ndarray:
    vis, _ = _peers.load_captum()
    cmap, out = matplotlib.colormaps[SEQUENTIAL], out_like(d)
    for i in range(d.n):
        m = np.linalg.norm(d.x[i], axis=0)
        norm = vis._normalize_attr(m, "absolute_value", outlier_perc=CAPTUM_OUTLIERS)
        out[i] = cmap(norm, bytes=True)[..., :3]
    return out


def captum_figure(vis: object, m: np.ndarray, sign: str, cmap: str) -> np.ndarray:
    """captum's ``visualize_image_attr`` on a new 224x224-pixel figure, rendered to RGB."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    h, w = m.shape
    fig = Figure(figsize=(w / 100, h / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    vis.visualize_image_attr(m, method="heat_map", sign=sign, outlier_perc=CAPTUM_OUTLIERS,
                             cmap=cmap,
                             plt_fig_axis=(fig, ax), use_pyplot=False)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3]


def a_captum_figure(d: Inputs) -> np.ndarray:
    vis, _ = _peers.load_captum()
    out = out_like(d)
    for i in range(d.n):
        out[i] = captum_figure(vis, np.linalg.norm(d.x[i], axis=0), "absolute_value", SEQUENTIAL)
    return out


def a_gradcam(d: Inputs) -> np.ndarray:
    gc = _peers.load_gradcam_image()
    out = out_like(d)
    maps = np.stack([np.linalg.norm(d.x[i], axis=0) for i in range(d.n)])
    for i, mask in enumerate(gc.scale_cam_image(maps)):
        heat = cv2.applyColorMap(np.uint8(255 * mask), cv2.COLORMAP_VIRIDIS)
        out[i] = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return out


_ZENNIT_CMAPS: dict[str, object] = {}


def zennit_cmap(name: str) -> object:
    """matplotlib's ``name`` as a zennit ColorMap (256 indexed nodes, same colours)."""
    if name not in _ZENNIT_CMAPS:
        source = ",".join(f"{k:02x}:{r:02x}{g:02x}{b:02x}"
                          for k, (r, g, b) in enumerate(lut256(name)))
        _ZENNIT_CMAPS[name] = _peers.load_zennit_image().ColorMap(source)
    return _ZENNIT_CMAPS[name]


def a_zennit(d: Inputs) -> np.ndarray:
    zi = _peers.load_zennit_image()
    cmap, out = zennit_cmap(SEQUENTIAL), out_like(d)
    for i in range(d.n):
        img = zi.imgify(np.linalg.norm(d.x[i], axis=0), symmetric=False, cmap=cmap)
        out[i] = np.asarray(img.convert("RGB"))
    return out


# --- (b) attribution ---------------------------------------------------------------
def b_numpy_mpl(d: Inputs) -> np.ndarray:
    cmap, out = matplotlib.colormaps[DIVERGING], out_like(d)
    for i in range(d.n):
        m = d.x[i].sum(axis=0)
        lo, hi = np.percentile(m, [100 * LOWER, 100 * UPPER])
        m = np.clip(m, lo, hi)
        a = np.abs(m).max()
        out[i] = cmap((m / a + 1) / 2, bytes=True)[..., :3]
    return out


def _sum3(x: np.ndarray) -> np.ndarray:
    m = cv2.add(x[0], x[1])
    return cv2.add(m, x[2], dst=m)


def _b_index_lut(lut: np.ndarray, lo: float, hi: float) -> tuple[float, np.ndarray]:
    """Scale to 8-bit indices and a 256-entry table that also does the clipping."""
    a = max(-lo, hi, 1e-30)
    scale = 127.5 / a
    ilo, ihi = (int(np.clip(np.rint(v * scale + 127.5), 0, 255)) for v in (lo, hi))
    return scale, lut[np.clip(np.arange(256), ilo, ihi)][:, None, :]


def b_cv2(d: Inputs, bounds: Callable[[np.ndarray], tuple[float, float]] = sample_bounds
          ) -> np.ndarray:
    lut, out = lut256(DIVERGING), out_like(d)
    for i in range(d.n):
        m = _sum3(d.x[i])
        lo, hi = bounds(m.ravel())
        scale, table = _b_index_lut(lut, lo, hi)
        u8 = cv2.addWeighted(m, scale, m, 0.0, 127.5, dtype=cv2.CV_8U)
        cv2.applyColorMap(u8, np.ascontiguousarray(table), dst=out[i])
    return out


def b_cv2_tails(d: Inputs) -> np.ndarray:
    return b_cv2(d, tail_bounds)


def b_cv2_clip(d: Inputs) -> np.ndarray:
    """Clip in float, then scale: the textbook order."""
    lut, out = cv_lut(DIVERGING), out_like(d)
    for i in range(d.n):
        m = _sum3(d.x[i])
        lo, hi = sample_bounds(m.ravel())
        np.clip(m, lo, hi, out=m)
        a = max(-lo, hi, 1e-30)
        u8 = cv2.addWeighted(m, 127.5 / a, m, 0.0, 127.5, dtype=cv2.CV_8U)
        cv2.applyColorMap(u8, lut, dst=out[i])
    return out


def _clipped_sum(x: np.ndarray) -> np.ndarray:
    m = x.sum(axis=0)
    lo, hi = np.quantile(m, [LOWER, UPPER])
    return np.clip(m, lo, hi)


def b_captum_array(d: Inputs) -> np.ndarray:
    vis, _ = _peers.load_captum()
    cmap, out = matplotlib.colormaps[DIVERGING], out_like(d)
    for i in range(d.n):
        # captum's symmetric normalisation: [-1, 1]
        norm = vis._normalize_attr(_clipped_sum(d.x[i]), "all", outlier_perc=CAPTUM_OUTLIERS)
        out[i] = cmap((norm + 1) / 2, bytes=True)[..., :3]
    return out


def b_captum_figure(d: Inputs) -> np.ndarray:
    vis, _ = _peers.load_captum()
    out = out_like(d)
    for i in range(d.n):
        out[i] = captum_figure(vis, _clipped_sum(d.x[i]), "all", DIVERGING)
    return out


def b_zennit(d: Inputs) -> np.ndarray:
    zi = _peers.load_zennit_image()
    out = out_like(d)
    for i in range(d.n):
        img = zi.imgify(_clipped_sum(d.x[i]), symmetric=True, cmap="bwr")
        out[i] = np.asarray(img.convert("RGB"))
    return out


# --- (c) CAM over the image ---------------------------------------------------------
def c_numpy_mpl(d: Inputs) -> np.ndarray:
    cmap, out = matplotlib.colormaps[CAM_CMAP], out_like(d)
    h, w = d.images.shape[1:3]
    for i in range(d.n):
        m = cv2.resize(d.cams[i], (w, h), interpolation=cv2.INTER_LINEAR)
        m = (m - m.min()) / (m.max() - m.min())
        heat = cmap(m)[..., :3]
        blend = (1 - ALPHA) * (d.images[i] / 255.0) + ALPHA * heat
        out[i] = np.rint(blend * 255).astype(np.uint8)
    return out


def c_cv2(d: Inputs) -> np.ndarray:
    lut, out = cv_lut(CAM_CMAP), out_like(d)
    h, w = d.images.shape[1:3]
    for i in range(d.n):
        m = cv2.resize(d.cams[i], (w, h), interpolation=cv2.INTER_LINEAR)
        u8 = cv2.normalize(m, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
        heat = cv2.applyColorMap(u8, lut)
        cv2.addWeighted(d.images[i], 1 - ALPHA, heat, ALPHA, 0.0, dst=out[i])
    return out


def c_cv2_batch_blend(d: Inputs) -> np.ndarray:
    lut, heat = cv_lut(CAM_CMAP), out_like(d)
    h, w = d.images.shape[1:3]
    for i in range(d.n):
        m = cv2.resize(d.cams[i], (w, h), interpolation=cv2.INTER_LINEAR)
        u8 = cv2.normalize(m, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
        cv2.applyColorMap(u8, lut, dst=heat[i])
    flat = (d.n * h, w * 3)
    out = cv2.addWeighted(d.images.reshape(flat), 1 - ALPHA, heat.reshape(flat), ALPHA, 0.0)
    return out.reshape(heat.shape)


def c_gradcam(d: Inputs) -> np.ndarray:
    gc = _peers.load_gradcam_image()
    h, w = d.images.shape[1:3]
    out = out_like(d)
    masks = gc.scale_cam_image(d.cams, (w, h))
    for i in range(d.n):
        img = np.float32(d.images[i]) / 255
        out[i] = gc.show_cam_on_image(img, masks[i], use_rgb=True, image_weight=1 - ALPHA)
    return out


def c_captum_array(d: Inputs) -> np.ndarray:
    import torch

    vis, layer = _peers.load_captum()
    cmap, out = matplotlib.colormaps[CAM_CMAP], out_like(d)
    h, w = d.images.shape[1:3]
    up = layer.interpolate(torch.from_numpy(d.cams)[:, None], (h, w), "bilinear")
    maps = up[:, 0].numpy()
    for i in range(d.n):
        m = maps[i] - maps[i].min()
        heat = cmap(vis._normalize_scale(m, m.max()), bytes=True)[..., :3]
        blend = (1 - ALPHA) * d.images[i].astype(np.float32) + ALPHA * heat.astype(np.float32)
        out[i] = np.rint(blend).astype(np.uint8)
    return out


# --- the memory floor ----------------------------------------------------------------
def floor_fresh(workload: str) -> Callable[[Inputs], np.ndarray]:
    """Copy the input batch into a fresh array and write a fresh output batch."""
    def run(d: Inputs) -> np.ndarray:
        if workload == "c":
            _ = d.cams.copy(), d.images.copy()
        else:
            _ = d.x.copy()
        out = out_like(d)
        out.fill(0)
        return out
    return run


def floor_read(workload: str) -> Callable[[Inputs], np.ndarray]:
    """Read the input once (a max, no copy) and fill a fresh output: the least any route
    must move. Shown for information; the floor of the ratios is :func:`floor_fresh`."""
    def run(d: Inputs) -> np.ndarray:
        sources = (d.cams, d.images) if workload == "c" else (d.x,)
        for src in sources:
            src.max()
        out = out_like(d)
        out.fill(0)
        return out
    return run


def floor_preallocated(workload: str) -> Callable[[Inputs], np.ndarray]:
    """The same bytes moved into arrays allocated once (no page faults)."""
    buffers: dict[tuple, np.ndarray] = {}

    def buffer(shape: tuple, dtype: type) -> np.ndarray:
        key = (shape, np.dtype(dtype).str)
        if key not in buffers:
            buffers[key] = np.ones(shape, dtype)
        return buffers[key]

    def run(d: Inputs) -> np.ndarray:
        sources = (d.cams, d.images) if workload == "c" else (d.x,)
        for src in sources:
            np.copyto(buffer(src.shape, src.dtype), src)
        out = buffer((d.n,) + d.images.shape[1:], np.uint8)
        out.fill(0)
        return out
    return run


def _with_cv2_threads(fn: Callable[[Inputs], np.ndarray]) -> Callable[[Inputs], np.ndarray]:
    def run(d: Inputs) -> np.ndarray:
        before = cv2.getNumThreads()
        cv2.setNumThreads(-1)  # OpenCV's default: as many threads as CPUs
        try:
            return fn(d)
        finally:
            cv2.setNumThreads(before)
    return run


# ---------------------------------------------------------------------------- tables
def routes_for(workload: str, multi_threaded: bool = True) -> list[Route]:
    """Every route of one workload: visheat first, the memory floor last."""
    cpus = str(os.cpu_count())
    hand = {"a": [("hand: cv2.magnitude + normalize + applyColorMap", a_cv2_apply),
                  ("hand: cv2.magnitude + normalize, one np.take", a_cv2_take),
                  ("hand: vectorised numpy + np.take", a_numpy_vector)],
            "b": [("hand: cv2.add + np.partition + addWeighted + clipping LUT", b_cv2),
                  ("hand: cv2.add + tail-only np.partition + addWeighted + clipping LUT",
                   b_cv2_tails),
                  ("hand: cv2.add + np.partition + np.clip + addWeighted + LUT", b_cv2_clip)],
            "c": [("hand: cv2.resize + normalize + applyColorMap + addWeighted", c_cv2),
                  ("hand: cv2.resize + normalize + applyColorMap, one addWeighted for the batch",
                   c_cv2_batch_blend)]}[workload]
    from visheat.engine import default_threads

    routes = [Route("visheat", visheat_route(workload), kind="visheat",
                    threads=str(default_threads()), notes=_VISHEAT_NOTES[workload])]
    routes.append(Route("numpy + matplotlib loop",
                        {"a": a_numpy_mpl, "b": b_numpy_mpl, "c": c_numpy_mpl}[workload],
                        notes=_LOOP_NOTES[workload]))
    routes += [Route(name, fn, kind="hand", notes="256-entry LUT of the same colormap")
               for name, fn in hand]
    routes += _PEERS[workload]()
    routes.append(Route("memory floor (fresh arrays)", floor_fresh(workload), kind="floor",
                        tolerance=float("inf"), notes=_FLOOR_NOTES[workload]))
    routes.append(Route("memory floor (preallocated)", floor_preallocated(workload),
                        kind="info", tolerance=float("inf"),
                        notes="same copies into arrays allocated once: bandwidth only"))
    routes.append(Route("memory floor (read input + write output)", floor_read(workload),
                        kind="info", tolerance=float("inf"),
                        notes="input read once (a max), no copy; fresh output filled"))
    if multi_threaded:
        # every route at its own default too: OpenCV threads by default, as visheat does
        best_hand = hand[0][1]
        routes.append(Route(f"{hand[0][0]} [cv2 default threads]", _with_cv2_threads(best_hand),
                            kind="hand", threads=f"cv2 {cpus}",
                            notes="OpenCV's own threading on"))
    routes.append(Route("visheat [threads=1]", visheat_route(workload, threads=1),
                        kind="single", threads="1",
                        notes="heatmap(..., threads=1): the single-threaded table"))
    if workload == "c":
        from visheat import heatmap
        from visheat.engine import default_threads

        routes.append(Route("visheat \"cam\" preset", lambda d: np.asarray(heatmap(
            d.cams, d.images, "cam", layout="NHW").to_numpy()), kind="info",
            tolerance=float("inf"),
            threads=str(default_threads()),
            notes="VisionHeatmaps.jl's order: jet on the 7x7 map, then the colours resized "
                  "(Lanczos(1)) and blended; not the workload's order, so not compared"))
    return routes


_VISHEAT_NOTES = {
    "a": "NormReduction() | ExtremaColormap('viridis')",
    "b": "SumReduction() | PercentileClip(0.001, 0.999) | CenteredColormap('bwr')",
    "c": "SumReduction() | ResizeToImage('bilinear') | ExtremaColormap('jet') | "
         "AlphaOverlay(0.6), layout='NHW'",
}
_LOOP_NOTES = {
    "a": "np.linalg.norm, min-max, cmap(m, bytes=True)",
    "b": "sum, np.percentile, np.clip, max-abs, cmap(t, bytes=True)",
    "c": "cv2.resize, min-max, cmap(m), float blend",
}
_FLOOR_NOTES = {
    "a": "x.copy() (38.5 MB at N=64) + fill a fresh uint8 output",
    "b": "x.copy() (38.5 MB at N=64) + fill a fresh uint8 output",
    "c": "copy cams and images + fill a fresh uint8 output",
}


def _peer_routes_a() -> list[Route]:
    return [
        Route("captum _normalize_attr + matplotlib cmap", a_captum_array,
              notes="np.linalg.norm; captum's normalisation (sorts for its threshold)"),
        Route("captum visualize_image_attr -> figure array", a_captum_figure, subset=8,
              notes="new 224x224 px Figure per image, Agg canvas buffer_rgba"),
        Route("pytorch-grad-cam scale_cam_image + cv2 colormap", a_gradcam, tolerance=2.0,
              notes="norm in numpy; OpenCV's VIRIDIS, as show_cam_on_image colours"),
        Route("zennit imgify", a_zennit,
              notes="norm in numpy; imgify(symmetric=False) with viridis as a zennit ColorMap"),
    ]


def _peer_routes_b() -> list[Route]:
    return [
        Route("captum _normalize_attr + matplotlib cmap", b_captum_array,
              notes="sum + np.quantile clip; captum's symmetric normalisation (sorts)"),
        Route("captum visualize_image_attr -> figure array", b_captum_figure, subset=8,
              notes="sign='all', outlier_perc=1e-6 on the clipped sum; new Figure per image"),
        Route("zennit imgify", b_zennit,
              notes="sum + np.quantile clip; imgify(symmetric=True, cmap='bwr'); "
                    "truncates to 8 bits"),
    ]


def _peer_routes_c() -> list[Route]:
    return [
        Route("pytorch-grad-cam scale_cam_image + show_cam_on_image", c_gradcam, tolerance=6.0,
              notes="normalises before resizing, OpenCV's JET, divides by the blend's max "
                    "(hence the larger difference)"),
        Route("captum LayerAttribution.interpolate + numpy", c_captum_array,
              notes="torch bilinear upsampling, _normalize_scale, matplotlib jet, float blend"),
    ]


_PEERS = {"a": _peer_routes_a, "b": _peer_routes_b, "c": _peer_routes_c}
