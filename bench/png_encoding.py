"""PNG encoding of visheat pictures: speed and size per zlib level and strategy.

Writing files, not rendering, bounds ``save_heatmaps``: rendering a 224² map takes
about 0.05 ms, Pillow's PNG encoder at its default zlib level (6) about 10-20 ms.
This script measures, on pictures visheat draws from real attribution maps
(``visheat.sample_data``) and from the Student-t maps of the streaming benchmark:

* the encode time per picture and the file size of Pillow's encoder at zlib
  levels 0-9, with ``optimize=True``, and with the Z_RLE strategy
  (``compress_type=3``) at level 1, and of visheat's ``encode_png`` (unfiltered
  rows where they deflate smaller, see ``visheat.io.png``), relative to Pillow's
  default (level 6), which visheat used before;
* end to end, maps/s of ``save_heatmaps`` (new default) against the same loop
  writing with Pillow at level 6 (what ``save_heatmaps`` did before).

Run: ``python bench/png_encoding.py [--quick] [--write]``; prints Markdown tables
(about a minute); ``--write`` also puts them into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

import visheat
from visheat import heatmap, save_heatmaps
from visheat.io.png import DEFAULT_COMPRESS_LEVEL, encode_png
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


def measure(batch: np.ndarray, repeats: int) -> dict[str, tuple[float, float]]:
    """Per option: the fastest of ``repeats`` passes in ms per picture (options take turns,
    so a busy machine slows them alike), and the mean bytes per picture."""
    times: dict[str, list[float]] = {name: [] for name, _ in OPTIONS}
    sizes: dict[str, float] = {}
    for _ in range(repeats):
        for name, options in OPTIONS:
            start = time.perf_counter()
            size = sum(len(encode(p, options)) for p in batch)
            times[name].append((time.perf_counter() - start) / len(batch) * 1e3)
            sizes[name] = size / len(batch)
    return {name: (min(times[name]), sizes[name]) for name, _ in OPTIONS}


def table(kind: str, batch: np.ndarray, repeats: int) -> list[str]:
    lines = [f"### {kind}: {len(batch)} pictures {batch.shape[1]}×{batch.shape[2]}", "",
             "| encoder | ms / picture | pictures / s | × faster than Pillow level 6 "
             "| KB / picture | size vs Pillow level 6 |", "|---|---:|---:|---:|---:|---:|"]
    found = measure(batch, repeats)
    base_ms, base_kb = found["level 6"]
    for name, options in OPTIONS:
        ms, size = found[name]
        mark = " **(default)**" if options == {"visheat": DEFAULT_COMPRESS_LEVEL} else ""
        label = name if "visheat" in options else "Pillow " + name
        lines.append(f"| {label}{mark} | {ms:.2f} | {1e3 / ms:.0f} | {base_ms / ms:.2f} | "
                     f"{size / 1e3:.1f} | {size / base_kb - 1:+.1%} |")
    return lines + [""]


def save_as_before(x: np.ndarray, directory: str) -> list:
    """``save_heatmaps`` as it was: the same slices and threads, Pillow at level 6."""
    from pathlib import Path

    from visheat.engine import default_threads, map_threads
    from visheat.io.files import write_atomic

    folder = Path(directory)
    folder.mkdir(parents=True)
    paths = []
    for k, part in enumerate(visheat.heatmap_batches(x, "attribution", batch_size=256)):
        pictures = part.to_numpy()
        names = [folder / f"{k * 256 + i:05d}.png" for i in range(len(pictures))]

        def write(i: int, names=names, pictures=pictures) -> None:
            write_atomic(names[i], encode(pictures[i], {"compress_level": 6}))

        map_threads(write, list(range(len(pictures))), default_threads())
        paths += names
    return paths


def end_to_end(count: int, repeats: int) -> list[str]:
    rng = np.random.default_rng(1)
    sample = load_sample()
    x = np.concatenate([sample.attributions.astype(np.float32)] * (-(-count // 4)))[:count]
    x = x + rng.normal(scale=1e-3, size=x.shape).astype(np.float32)  # not four repeated files
    routes = {"before: Pillow level 6": save_as_before,
              f"save_heatmaps (compress_level={DEFAULT_COMPRESS_LEVEL})":
              lambda x, d: save_heatmaps(x, "attribution", directory=d)}
    times: dict[str, list[float]] = {name: [] for name in routes}
    sizes = {}
    with tempfile.TemporaryDirectory(dir=".") as folder:  # /tmp may create files slowly
        for name, route in routes.items():
            route(x[:8], f"{folder}/warm-{len(times[name])}-{hash(name)}")
        for k in range(repeats):
            for name, route in routes.items():
                out = f"{folder}/out-{k}-{abs(hash(name))}"
                start = time.perf_counter()
                paths = route(x, out)
                times[name].append(time.perf_counter() - start)
                sizes[name] = sum(p.stat().st_size for p in paths)
    before = "before: Pillow level 6"
    lines = [f"### End to end: {count} maps 3×224×224 (sample attributions), 'attribution', "
             f"to PNG files, {visheat.engine.default_threads()} threads (fastest of {repeats})", "",
             "| writer | seconds | maps / s | × before | MB written | size vs before |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in routes:
        seconds, size = min(times[name]), sizes[name]
        lines.append(f"| {name} | {seconds:.2f} | {count / seconds:.0f} | "
                     f"{min(times[before]) / seconds:.2f} | {size / 1e6:.1f} | "
                     f"{size / sizes[before] - 1:+.1%} |")
    return lines


def write_section(path: Path, lines: list[str]) -> None:
    """Put the tables into ``path`` between this script's markers (replacing earlier ones)."""
    begin, end = "<!-- begin png_encoding -->", "<!-- end png_encoding -->"
    text = path.read_text() if path.exists() else ""
    block = "\n".join([begin, *lines, end]) + "\n"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pictures and repeats")
    parser.add_argument("--write", action="store_true",
                        help="also put the tables into docs/benchmarks.md")
    args = parser.parse_args()
    count, repeats = (8, 1) if args.quick else (32, 5)
    lines = ["## PNG encoding", "",
             "Generated by `python bench/png_encoding.py --write` (this section only). "
             f"Pillow {Image.__version__}, numpy {np.__version__}, zlib {zlib.ZLIB_VERSION}; "
             f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
             f"one thread per encode, fastest of {repeats} passes, options taking turns. "
             "visheat's `encode_png` writes rows unfiltered where a band of them deflates "
             "smaller so (colormapped maps), else Pillow's adaptive filters with Z_RLE "
             "(see `visheat.io.png`).", ""]
    for kind, batch in pictures(count).items():
        lines += table(kind, batch, repeats)
    lines += end_to_end(64 if args.quick else 256, 1 if args.quick else 3)
    print("\n".join(lines))
    if args.write and not args.quick:
        write_section(Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md", lines)


if __name__ == "__main__":
    main()
