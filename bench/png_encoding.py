"""PNG encoding of visheat pictures: speed and size per zlib level and strategy.

Writing files, not rendering, bounds ``save_heatmaps``: rendering a 224² map takes
about 0.05 ms, Pillow's PNG encoder at its default zlib level (6) about 10-20 ms.
This script measures, on pictures visheat draws from real attribution maps
(``visheat.sample_data``) and from the Student-t maps of the streaming benchmark:

* the encode time per picture and the file size of Pillow's encoder at zlib
  levels 0-9, with ``optimize=True``, and with the Z_RLE strategy
  (``compress_type=3``) at level 1, and of visheat's ``encode_png`` (unfiltered
  rows where they deflate smaller, see ``visheat.png``), relative to Pillow's
  default (level 6), which visheat used before;
* end to end, maps/s of ``save_heatmaps`` (new default) against the same loop
  writing with Pillow at level 6 (what ``save_heatmaps`` did before).

Run: ``python bench/png_encoding.py [--quick]``; prints Markdown tables (about 40 s).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time

import numpy as np
from PIL import Image

import visheat
from visheat import heatmap, save_heatmaps
from visheat.png import DEFAULT_COMPRESS_LEVEL, encode_png
from visheat.sample_data import load_sample

OPTIONS = [("level 0", {"compress_level": 0})] + [
    (f"level {k}", {"compress_level": k}) for k in range(1, 10)] + [
    ("level 6, optimize=True", {"compress_level": 6, "optimize": True}),
    ("level 1, Z_RLE", {"compress_level": 1, "compress_type": 3}),
] + [(f"visheat encode_png, level {k}", {"visheat": k}) for k in (1, 3, 6)]


def pictures(count: int) -> dict[str, np.ndarray]:
    """Pictures as users write them: attribution maps, CAM overlays, Student-t maps."""
    sample = load_sample()
    reps = -(-count // len(sample.images))
    x = np.concatenate([sample.attributions.astype(np.float32)] * reps)[:count]
    images = np.concatenate([sample.images] * reps)[:count]
    cams = np.concatenate([sample.cams] * reps)[:count]
    rng = np.random.default_rng(0)
    student = rng.standard_t(3, size=(count, 3, 224, 224)).astype(np.float32)
    return {
        "sample attributions ('attribution')": heatmap(x, "attribution").to_numpy(),
        "sample Grad-CAM overlays ('cam')": heatmap(cams, images, "cam", layout="NHW").to_numpy(),
        "Student-t maps ('attribution')": heatmap(student, "attribution").to_numpy(),
    }


def encode(picture: np.ndarray, options: dict) -> bytes:
    if "visheat" in options:
        return encode_png(picture, options["visheat"])
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def measure(batch: np.ndarray, options: dict, repeats: int) -> tuple[float, float]:
    """Median ms per picture over ``repeats`` passes, and mean bytes per picture."""
    times = []
    size = 0
    for _ in range(repeats):
        start = time.perf_counter()
        size = sum(len(encode(p, options)) for p in batch)
        times.append((time.perf_counter() - start) / len(batch) * 1e3)
    return statistics.median(times), size / len(batch)


def table(kind: str, batch: np.ndarray, repeats: int) -> None:
    print(f"\n### {kind}: {len(batch)} pictures {batch.shape[1]}×{batch.shape[2]}\n")
    print("| encoder | ms / picture | pictures / s | × faster than level 6 "
          "| KB / picture | size vs level 6 |")
    print("|---|---:|---:|---:|---:|---:|")
    base_ms, base_kb = measure(batch, {"compress_level": 6}, repeats)
    for name, options in OPTIONS:
        ms, size = measure(batch, options, repeats)
        mark = " **(default)**" if options == {"visheat": DEFAULT_COMPRESS_LEVEL} else ""
        name = name if "visheat" in options else "Pillow " + name
        print(f"| {name}{mark} | {ms:.2f} | {1e3 / ms:.0f} | {base_ms / ms:.2f} | "
              f"{size / 1e3:.1f} | {size / base_kb - 1:+.1%} |")


def save_as_before(x: np.ndarray, directory: str) -> list:
    """``save_heatmaps`` as it was: the same slices and threads, Pillow at level 6."""
    from pathlib import Path

    from visheat.run import default_threads, map_threads
    from visheat.results import write_atomic

    folder = Path(directory)
    folder.mkdir(parents=True)
    paths = []
    for k, part in enumerate(visheat.heatmap_batches(x, "attribution", batch_size=256)):
        pictures = part.to_numpy()
        names = [folder / f"{k * 256 + i:05d}.png" for i in range(len(pictures))]

        def write(i: int) -> None:
            write_atomic(names[i], encode(pictures[i], {"compress_level": 6}))

        map_threads(write, list(range(len(pictures))), default_threads())
        paths += names
    return paths


def end_to_end(count: int) -> None:
    rng = np.random.default_rng(1)
    sample = load_sample()
    x = np.concatenate([sample.attributions.astype(np.float32)] * (-(-count // 4)))[:count]
    x = x + rng.normal(scale=1e-3, size=x.shape).astype(np.float32)  # not four repeated files
    print(f"\n### End to end: {count} maps 3×224×224 (sample attributions), 'attribution', "
          f"to PNG files, default threads ({visheat.run.default_threads()})\n")
    print("| writer | seconds | maps / s | × before | MB written | size vs before |")
    print("|---|---:|---:|---:|---:|---:|")
    routes = {"before: Pillow level 6": save_as_before,
              f"save_heatmaps (compress_level={DEFAULT_COMPRESS_LEVEL})":
              lambda x, d: save_heatmaps(x, "attribution", directory=d)}
    rows = {}
    for name, route in routes.items():
        with tempfile.TemporaryDirectory() as folder:
            route(x[:8], folder + "/warm")
            start = time.perf_counter()
            paths = route(x, folder + "/out")
            seconds = time.perf_counter() - start
            rows[name] = (seconds, sum(p.stat().st_size for p in paths))
    before = rows["before: Pillow level 6"]
    for name, (seconds, size) in rows.items():
        print(f"| {name} | {seconds:.2f} | {count / seconds:.0f} | {before[0] / seconds:.2f} | "
              f"{size / 1e6:.1f} | {size / before[1] - 1:+.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pictures and repeats")
    args = parser.parse_args()
    count, repeats = (8, 1) if args.quick else (32, 3)
    print(f"Pillow {Image.__version__}, numpy {np.__version__}, visheat default "
          f"compress_level={DEFAULT_COMPRESS_LEVEL}; one thread per encode; median of "
          f"{repeats} passes.")
    for kind, batch in pictures(count).items():
        table(kind, batch, repeats)
    end_to_end(64 if args.quick else 512)


if __name__ == "__main__":
    main()
