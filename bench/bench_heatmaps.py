"""visheat beside the other ways of turning attributions into pictures.

Usage: ``bash bench/run.sh [options]`` (sets up the environment, then runs this), or
``python bench/bench_heatmaps.py [options]`` in an environment that has the peers.
Prints the results as markdown and writes them to ``docs/benchmarks.md``.
See ``bench/README.md`` for what is measured and how.
"""

from __future__ import annotations

import os

# Single-threaded unless a row says otherwise: fixed before numpy loads its BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import _peers  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import routes as R  # noqa: E402
import streaming  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = {"a": "sensitivity", "b": "attribution", "c": "CAM overlay"}
DESCRIPTIONS = {
    "a": "L2 norm over channels -> min-max per sample -> sequential colormap (viridis)",
    "b": "sum over channels -> clip to the 0.1 / 99.9 percentiles per sample -> "
         "symmetric max-abs normalisation -> divergent colormap (bwr)",
    "c": "7x7 CAM -> bilinear resize to 224x224 -> min-max -> jet -> alpha 0.6 blend "
         "over the uint8 image",
}
SPEED_TARGET = 0.5                              # visheat / fastest other route
FLOOR_TARGET = {"a": 2.0, "b": 4.0, "c": 3.0}   # visheat / memory floor


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- timing
@dataclass
class Timing:
    route: R.Route
    n: int                       # images per call
    seconds: list[float]
    check: str = ""              # how the output compares with visheat's
    valid: bool = True
    cpu_seconds: list[float] = field(default_factory=list)  # process CPU time per call

    @property
    def per_image_ms(self) -> float:
        return float(np.median(self.seconds)) / self.n * 1e3

    @property
    def cpu_per_image_ms(self) -> float:
        return float(np.median(self.cpu_seconds)) / self.n * 1e3 if self.cpu_seconds else 0.0

    @property
    def spread(self) -> float:
        """Half the interquartile range, relative to the median."""
        q1, q2, q3 = np.percentile(self.seconds, [25, 50, 75])
        return float((q3 - q1) / 2 / q2)


def _check(route: R.Route, out: np.ndarray, reference: np.ndarray) -> tuple[str, bool]:
    want = reference.shape
    if not isinstance(out, np.ndarray) or out.shape != want or out.dtype != np.uint8:
        got = getattr(out, "shape", type(out)), getattr(out, "dtype", "")
        return f"WRONG OUTPUT {got}, expected {want} uint8", False
    if route.kind in ("floor", "visheat") or "floor" in route.name:
        return "shape/dtype ok", True
    diff = np.abs(out.astype(np.int16) - reference.astype(np.int16))
    mean, p99 = float(diff.mean()), float(np.percentile(diff, 99))
    ok = mean <= route.tolerance
    text = f"mean abs diff {mean:.2f}, p99 {p99:.0f}"
    return (text if ok else f"{text} > {route.tolerance}: NOT THE SAME PICTURE"), ok


def time_routes(routes: Sequence[R.Route], data: R.Inputs, repeats: int, warmup: int
                ) -> list[Timing]:
    """Warm each route up (checking its output), then time them round-robin."""
    inputs, timings = [], []
    reference = None
    for route in routes:
        part = data.head(route.subset) if route.subset and route.subset < data.n else data
        log(f"  warm-up {route.name}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(max(1, warmup)):
                    out = route.fn(part)
        except Exception as err:  # a peer that is missing or broken is reported, not fatal
            timings.append(Timing(route, part.n, [float("nan")],
                                  f"ERROR {type(err).__name__}: {err}"[:160], False))
            inputs.append(None)
            continue
        if reference is None:
            reference = out  # visheat comes first
        check, ok = _check(route, out, reference[:part.n])
        timings.append(Timing(route, part.n, [], check, ok))
        inputs.append(part)
        del out
    live = [(t, d) for t, d in zip(timings, inputs, strict=True) if d is not None]
    gc.collect()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for rep in range(repeats):
                order = live[rep % len(live):] + live[:rep % len(live)]
                for timing, part in order:
                    cpu, start = time.process_time(), time.perf_counter()
                    out = timing.route.fn(part)
                    timing.seconds.append(time.perf_counter() - start)
                    timing.cpu_seconds.append(time.process_time() - cpu)
                    del out
    finally:
        gc.enable()
    return timings


def time_pair(first: Callable[[R.Inputs], np.ndarray], second: Callable[[R.Inputs], np.ndarray],
              data: R.Inputs, repeats: int, budget: float = 1.0) -> tuple[float, float]:
    """Median seconds per call of two routes, called alternately after a warm-up each.

    At least ``repeats`` calls each, more when they are fast (up to 50, ``budget`` s).
    """
    start = time.perf_counter()
    first(data)
    second(data)
    both = time.perf_counter() - start
    count = max(repeats, min(50, int(budget / max(both, 1e-6))))
    seconds: tuple[list[float], list[float]] = ([], [])
    gc.collect()
    gc.disable()
    try:
        for _ in range(count):
            for fn, store in ((first, seconds[0]), (second, seconds[1])):
                start = time.perf_counter()
                out = fn(data)
                store.append(time.perf_counter() - start)
                del out
    finally:
        gc.enable()
    return float(np.median(seconds[0])), float(np.median(seconds[1]))


def peak_extra_mb(fn: Callable[[R.Inputs], np.ndarray], data: R.Inputs) -> float:
    """Peak memory numpy allocated during one call, above what was allocated before (MB).

    numpy reports its array buffers to ``tracemalloc``, so this counts the arrays a call
    creates (its output included, its input not), whatever the allocator keeps cached.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = fn(data)
        peak = tracemalloc.get_traced_memory()[1]
        del out
    finally:
        tracemalloc.stop()
    return (peak - before) / 1e6


# ---------------------------------------------------------------------------- machine
def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
        ram = f"{mem_kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        ram = "unknown"
    caches = []
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            kind = (index / "type").read_text().strip()
            if kind != "Instruction":
                caches.append(f"L{(index / 'level').read_text().strip()} "
                              f"{(index / 'size').read_text().strip()}")
        except OSError:
            pass
    import matplotlib

    import visheat

    versions = _peers.versions()
    try:
        import torch
        torch_threads = str(torch.get_num_threads())
    except ImportError:
        torch_threads = "torch not installed"
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--", "src") else ""
    return [
        f"- **CPU**: {cpu}, {os.cpu_count()} logical CPUs "
        f"({len(os.sched_getaffinity(0))} usable); caches {', '.join(caches) or 'unknown'} "
        f"(as the VM reports them); **RAM** {ram}",
        f"- **OS**: {platform.system()} {platform.release()}; **Python** "
        f"{platform.python_version()}",
        f"- **visheat** {visheat.__version__} at commit `{_git('rev-parse', '--short', 'HEAD')}`"
        f"{dirty}, from `{Path(visheat.__file__).parent}`",
        f"- numpy {np.__version__}, matplotlib {matplotlib.__version__}, OpenCV "
        f"{cv2.__version__}, torch {versions['torch']}, captum {versions['captum']}, "
        f"grad-cam {versions['grad-cam']}, zennit {versions['zennit']}, "
        f"Pillow {versions['pillow']}",
        f"- **Threads**: OMP/OpenBLAS/MKL = {os.environ['OMP_NUM_THREADS']}, "
        f"torch.set_num_threads -> {torch_threads}, cv2.setNumThreads -> "
        f"{cv2.getNumThreads()}, visheat its default (every usable CPU), unless a row says "
        "otherwise",
        f"- **visheat engine**: {engine_status()}",
        f"- **Date**: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"load average at the start {load()}",
    ]


def load() -> str:
    """The 1-minute load average (other processes compete for the same CPUs)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def engine_status() -> str:
    """Whether visheat's compiled kernels are in use, where the checkout has them."""
    try:
        from visheat import engine
    except ImportError:
        return "numpy (this visheat has no compiled engine)"
    if hasattr(engine, "wait_for_kernels"):  # the kernels load in the background: time them
        engine.wait_for_kernels()
        return engine.status()
    kernels = engine.kernels() if hasattr(engine, "kernels") else None
    return "numpy (compiled kernels unavailable or disabled)" if kernels is None else \
        "compiled kernels"


# ---------------------------------------------------------------------------- reports
def _ms(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def workload_table(timings: list[Timing], visheat_ms: float) -> list[str]:
    lines = ["| route | ms / image | images / s | × visheat time | CPU ms / image | threads | "
             "output check | notes |", "|---|---:|---:|---:|---:|---|---|---|"]
    for t in timings:
        ms = t.per_image_ms if t.seconds and np.isfinite(t.seconds[0]) else float("nan")
        rate = f"{1e3 / ms:,.0f}" if np.isfinite(ms) else "–"
        ratio = f"{ms / visheat_ms:.2f}" if np.isfinite(ms) else "–"
        subset = f" (timed on {t.n} images)" if t.route.subset else ""
        spread = f" ±{100 * t.spread:.0f}%" if np.isfinite(ms) and len(t.seconds) > 2 else ""
        cpu = _ms(t.cpu_per_image_ms) if np.isfinite(ms) else "–"
        lines.append(f"| {t.route.name} | {_ms(ms)}{spread} | {rate} | {ratio} | {cpu} | "
                     f"{t.route.threads} | {t.check} | {t.route.notes}{subset} |")
    return lines


@dataclass
class Summary:
    workload: str
    visheat: Timing
    best: Timing | None
    floor: Timing

    @property
    def visheat_ms(self) -> float:
        return self.visheat.per_image_ms

    @property
    def floor_ms(self) -> float:
        return self.floor.per_image_ms

    def cpu_ratios(self) -> str:
        """The same two ratios from process CPU time (robust to a busy machine)."""
        v = self.visheat.cpu_per_image_ms
        best = f"{v / self.best.cpu_per_image_ms:.2f}" if self.best else "–"
        return f"{best} / {v / self.floor.cpu_per_image_ms:.2f}"

    @property
    def speed_ratio(self) -> float:
        return self.visheat_ms / self.best.per_image_ms if self.best else float("nan")

    @property
    def floor_ratio(self) -> float:
        return self.visheat_ms / self.floor_ms

    def row(self) -> str:
        speed_ok = self.speed_ratio <= SPEED_TARGET
        floor_ok = self.floor_ratio <= FLOOR_TARGET[self.workload]
        best = self.best
        return (f"| ({self.workload}) {WORKLOADS[self.workload]} | {_ms(self.visheat_ms)} | "
                f"{best.route.name if best else '–'} | {_ms(best.per_image_ms) if best else '–'} | "
                f"**{self.speed_ratio:.2f}** (≤ {SPEED_TARGET}) "
                f"{'PASS' if speed_ok else 'FAIL'} | {_ms(self.floor_ms)} | "
                f"**{self.floor_ratio:.2f}** (≤ {FLOOR_TARGET[self.workload]:g}) "
                f"{'PASS' if floor_ok else 'FAIL'} | {self.cpu_ratios()} |")


def summarise(workload: str, timings: list[Timing], single: bool = False) -> Summary:
    """visheat beside the fastest other route and the floor; ``single``: one thread each."""
    visheat = next(t for t in timings if t.route.kind == ("single" if single else "visheat"))
    others = [t for t in timings if t.route.kind in ("peer", "hand") and t.valid and t.seconds
              and np.isfinite(t.seconds[0]) and not (single and t.route.threads != "1")]
    best = min(others, key=lambda t: t.per_image_ms, default=None)
    floor = next(t for t in timings if t.route.kind == "floor")
    return Summary(workload, visheat, best, floor)


SUMMARY_HEAD = ["| workload | visheat ms / image | fastest other route | its ms / image | "
                "visheat / fastest other | memory floor ms / image | visheat / floor | "
                "same ratios in CPU time |",
                "|---|---:|---|---:|---|---:|---|---|"]


# ---------------------------------------------------------------------------- scaling
def _scaling_inputs(base: R.Inputs, counts: Sequence[int], sizes: Sequence[int], size_n: int
                    ) -> Iterator[tuple[str, str, R.Inputs]]:
    """``(dimension, label, inputs)``: batches tiled from ``base``, then crops of one big batch."""
    for n in counts:
        yield "N", f"N = {n}, 224²", R.tile_inputs(base, n)
    if sizes:
        big = R.make_inputs(size_n, max(sizes), seed=2)
        for s in sizes:
            yield "size", f"N = {size_n}, {s}²", R.Inputs(
                np.ascontiguousarray(big.x[:, :, :s, :s]),
                np.ascontiguousarray(big.images[:, :s, :s]), big.cams.copy())


@dataclass
class ScalePoint:
    dimension: str
    label: str
    n: int
    pixels: int
    visheat_s: float      # per image
    other_s: float        # per image
    extra_mb: float

    @property
    def visheat_ns_px(self) -> float:
        return self.visheat_s / self.pixels * 1e9


def _spread(values: list[float]) -> str:
    return f"{max(values) / min(values):.2f}×" if len(values) > 1 else "–"


def scaling(best: dict[str, R.Route], base: R.Inputs, counts: Sequence[int],
            sizes: Sequence[int], size_n: int, repeats: int) -> list[str]:
    """ms / image and ns / pixel of visheat and the fastest other route as N and H x W grow."""
    lines: list[str] = []
    for w, other in best.items():
        vis, points = R.visheat_route(w), []
        for dimension, label, data in _scaling_inputs(base, counts, sizes, size_n):
            log(f"  scaling ({w}) {label}")
            pixels = data.images.shape[1] * data.images.shape[2]
            t_vis, t_other = time_pair(vis, other.fn, data, repeats)
            points.append(ScalePoint(dimension, label, data.n, pixels, t_vis / data.n,
                                     t_other / data.n, peak_extra_mb(vis, data)))
            del data
        ref = next((p.visheat_ns_px for p in points if p.label == "N = 64, 224²"),
                   points[0].visheat_ns_px)
        lines += ["", f"### ({w}) {WORKLOADS[w]}: visheat beside *{other.name}*", "",
                  "| batch | visheat ms / image | visheat ns / pixel | × ns / pixel at "
                  "N = 64, 224² | visheat peak extra MB | extra bytes / output byte | "
                  "other ms / image | other ns / pixel |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for p in points:
            per_output = p.extra_mb * 1e6 / (p.n * p.pixels * 3)
            lines.append(f"| {p.label} | {_ms(p.visheat_s * 1e3)} | {p.visheat_ns_px:.1f} | "
                         f"{p.visheat_ns_px / ref:.2f} | {p.extra_mb:,.1f} | {per_output:.1f} | "
                         f"{_ms(p.other_s * 1e3)} | {p.other_s / p.pixels * 1e9:.1f} |")
        by_n = [p.visheat_ns_px for p in points if p.dimension == "N" and p.n >= 64]
        by_size = [p.visheat_ns_px for p in points if p.dimension == "size"
                   and p.pixels >= 224 * 224]
        worst = max(by_n + by_size, default=ref) / ref
        lines += ["", f"visheat ns / pixel varies by {_spread(by_n)} over N = 64 … "
                  f"{max(counts)} and by {_spread(by_size)} over 224² … {max(sizes or [0])}² "
                  f"(1.00× is perfectly linear); at most {worst:.2f}× the N = 64, 224² cost, "
                  "where a super-linear term would grow with N or pixels. Smaller calls "
                  "carry fixed per-call costs (Python, threads) over fewer pixels."]
    return lines


# ---------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=64, help="batch size of the main tables (64)")
    p.add_argument("--repeats", type=int, default=11, help="timed repeats per route (11)")
    p.add_argument("--warmup", type=int, default=2, help="untimed calls per route first (2)")
    p.add_argument("--workloads", default="abc", help="any of a, b, c (abc)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 3 repeats, small scaling, no streaming, nothing written")
    p.add_argument("--no-scaling", dest="scaling", action="store_false")
    p.add_argument("--streaming", dest="streaming", action="store_true", default=None,
                   help="render the 10 000-map memmap (default on, off with --quick)")
    p.add_argument("--no-streaming", dest="streaming", action="store_false")
    p.add_argument("--stream-count", type=int, default=10_000)
    p.add_argument("--stream-batch", type=int, default=256)
    p.add_argument("--stream-dir", type=Path, default=None,
                   help="where to write the ~6 GB of data (default: the temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the streaming data and PNGs")
    p.add_argument("--out", type=Path, default=None,
                   help="markdown file to write (docs/benchmarks.md; --quick writes none)")
    p.add_argument("--no-write", dest="write", action="store_false")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = min(args.repeats, 3)
        args.write = args.write and args.out is not None
    args.out = args.out or ROOT / "docs" / "benchmarks.md"
    if args.streaming is None:
        args.streaming = not args.quick
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cv2.setNumThreads(1)
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
    command = "bash bench/run.sh" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    out = ["# Benchmarks", "",
           f"Generated by `{command}` — do not edit by hand; see `bench/README.md` for what is "
           "measured and how.", "", "## Machine", "", *machine()]
    log("generating inputs")
    base = R.make_inputs(args.n, 224, seed=0)
    out += ["", f"Inputs (seeded): attributions {args.n} × 3 × 224 × 224 float32, Student-t with "
            f"3 degrees of freedom; images {args.n} × 224 × 224 × 3 uint8; CAMs {args.n} × 7 × 7 "
            f"float32. Every route renders the whole batch to `({args.n}, 224, 224, 3)` uint8 "
            f"RGB. Times are the median of {args.repeats} timed calls after {args.warmup} "
            "warm-up calls, routes interleaved round-robin in one process; ± is half the "
            "interquartile range. ms / image = call time / images in the call."]
    summaries, singles, sections, best = [], [], [], {}
    for w in args.workloads:
        log(f"workload ({w}) {WORKLOADS[w]}")
        timings = time_routes(R.routes_for(w), base, args.repeats, args.warmup)
        summary = summarise(w, timings)
        summaries.append(summary)
        singles.append(summarise(w, timings, single=True))
        if summary.best is not None:
            best[w] = summary.best.route
        sections += ["", f"## ({w}) {WORKLOADS[w]}", "", DESCRIPTIONS[w] + ".", "",
                     *workload_table(timings, summary.visheat_ms)]
        log("\n".join(sections[-len(timings) - 2:]))
    out += ["", "## Summary", "",
            "Targets: visheat at least 2× faster than the fastest other route (ratio ≤ 0.5) "
            "and within 2× (a), 4× (b), 3× (c) of the memory floor. Every route runs as its "
            "users get it: visheat's `heatmap(x, pipe)` uses every usable CPU by default, "
            "OpenCV's own threading is one of the hand routes, the numpy-based peers run on "
            "one thread (OMP/BLAS/torch threads = 1). The fastest other route is the fastest "
            "peer or hand-written route whose pictures passed the output check; rows marked "
            "*info* (other memory floors) are shown but not compared. The memory floor is "
            "single-threaded numpy. The last column repeats both ratios from process CPU "
            "time, which sums the threads' time (1-minute load average after the timing: "
            f"{load()}).", "", *SUMMARY_HEAD, *[s.row() for s in summaries], "",
            "**One thread each**: `heatmap(..., threads=1)` beside the fastest "
            "single-threaded route.", "", *SUMMARY_HEAD, *[s.row() for s in singles]]
    out += sections
    if args.scaling and best:
        counts = (1, 4, 16, 64) if args.quick else (1, 4, 16, 64, 256, 1024)
        sizes = (64, 128, 224) if args.quick else (64, 128, 224, 512, 1024)
        log("scaling")
        out += ["", "## Scaling", "",
                "Cost per image and per output pixel as the batch grows (224², inputs tiled "
                "from the seeded batch) and as the images grow (N = 16): median of at least "
                f"{max(5, args.repeats // 2 + 1)} calls, visheat and the other route called "
                "alternately. Linear cost shows as a flat ns / pixel column. *Peak extra MB* "
                "is the most memory numpy held during one visheat call beyond what it held "
                "before (`tracemalloc`; the input excluded, the output included); the output "
                "itself is 1.0 byte per output byte.",
                *scaling(best, base, counts, sizes, 16, max(5, args.repeats // 2 + 1))]
    if args.streaming:
        out += ["", "## Streaming", "", *stream_section(args)]
    text = "\n".join(out) + "\n"
    print("\n" + text)
    if args.write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.exists():  # sections other scripts write (bench/png_encoding.py)
            old = args.out.read_text()
            text += "".join(re.findall(r"\n<!-- begin [\w.]+ -->.*?<!-- end [\w.]+ -->\n",
                                       old, flags=re.S))
        args.out.write_text(text)
        log(f"wrote {args.out}")
    return 0


def stream_section(args: argparse.Namespace) -> list[str]:
    log("streaming")
    result = streaming.measure(args.stream_count, args.stream_batch, args.stream_dir,
                               keep=args.keep, progress=True)
    call = (f"`visheat.save_heatmaps(np.load(path, mmap_mode='r'), 'attribution', "
            f"directory=..., batch_size={args.stream_batch}, progress=True)`")
    if isinstance(result, str):
        return [f"{call} on {args.stream_count} maps: {result}."]
    verdict = "PASS" if result.peak_rss_mb < 1024 else "FAIL"
    return [
        f"{call} in a subprocess, on a {result.count:,} × 3 × 224 × 224 float32 `.npy` "
        f"memmap ({result.data_gb:.2f} GB on disk, written in {result.write_s:.0f} s just "
        "before, so mostly in the page cache).", "",
        "| maps | save_heatmaps (s) | maps / s | process wall time (s) | peak RSS (MB) | "
        "target | PNG files | PNG size (GB) |",
        "|---:|---:|---:|---:|---:|---|---:|---:|",
        f"| {result.count:,} | {result.save_s:.1f} | {result.maps_per_s:.1f} | "
        f"{result.wall_s:.1f} | "
        f"**{result.peak_rss_mb:.0f}** | < 1024 MB: {verdict} | {result.png_count:,} | "
        f"{result.png_gb:.2f} |", "",
        f"Peak RSS is the child's own `VmHWM` (file-backed memmap pages included); polling "
        f"`/proc` every 0.1 s saw at most {result.polled_peak_mb:.0f} MB resident, "
        f"{result.polled_peak_anon_mb:.0f} MB of it anonymous. The process wall time adds "
        "starting Python, importing visheat and compiling its kernels to the call. "
        f"Where the time goes, measured apart in a second process on "
        f"{streaming.SPLIT} maps spread over the file: "
        f"rendering {result.render_ms:.2f} ms / map, PNG encoding (visheat's encoder, Pillow "
        f"defaults) {result.encode_ms:.1f} ms / map, against {1e3 / result.maps_per_s:.1f} "
        "ms / map in the run. The child's memory over the run:",
        "",
        *streaming.trace_table(result)]


if __name__ == "__main__":
    sys.exit(main())
