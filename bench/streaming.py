"""Streaming: render a memmapped batch larger than memory to PNG files, in a subprocess.

The parent writes a ``(count, 3, 224, 224)`` float32 ``.npy`` file (about 6 GB for
10 000 maps), then runs ``save_heatmaps(np.load(path, mmap_mode="r"), "attribution",
...)`` in a child process and measures the child's memory while it runs: resident
memory polled from ``/proc/<pid>/status`` every 0.1 s (all resident pages, and the
anonymous ones alone) and the child's own high-water mark (``VmHWM``, read by the child
just before it exits), which is the reported peak.

``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is *not* used: Python starts children with
``vfork`` + ``exec``, and Linux carries the parent's own high-water mark (here the
parent that just wrote 6 GB through a memmap) into the child's ``maxrss`` at ``exec``.

Run as ``python bench/streaming.py --child NPY OUTDIR BATCH`` it is the child.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

POOL = 512          # distinct seeded Student-t maps; the file cycles through them
CHUNK = 256         # maps written per step
NEEDED_FREE = 15e9  # bytes of free disk required before writing the data
SPLIT = 128         # maps rendered and encoded apart (by the child, after its run)


@dataclass
class StreamResult:
    count: int
    batch_size: int
    data_gb: float
    write_s: float
    wall_s: float
    peak_rss_mb: float          # the child's VmHWM
    polled_peak_mb: float
    polled_peak_anon_mb: float
    png_count: int
    png_gb: float
    trace: list[tuple[float, float, float, int]] = field(default_factory=list)
    # (seconds, RSS MB, anonymous RSS MB, PNG files written)
    save_s: float = float("nan")      # the save_heatmaps call alone, timed by the child
    render_ms: float = float("nan")   # per map, rendering alone
    encode_ms: float = float("nan")   # per map, PNG encoding alone

    @property
    def maps_per_s(self) -> float:
        return self.count / self.save_s


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def write_data(path: Path, count: int, size: int = 224, seed: int = 1) -> float:
    """Write the seeded memmap in chunks; return the seconds it took.

    Every map is one of ``POOL`` Student-t (3 degrees of freedom) maps, with its own
    seeded scale and sign, so the file is 6 GB of distinct heavy-tailed maps without
    drawing 1.5 billion t variates.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    pool = rng.standard_t(3, size=(POOL, 3, size, size)).astype(np.float32)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                    shape=(count, 3, size, size))
    for begin in range(0, count, CHUNK):
        stop = min(count, begin + CHUNK)
        pick = rng.integers(0, POOL, stop - begin)
        scale = (rng.uniform(0.1, 10.0, stop - begin)
                 * rng.choice([-1.0, 1.0], stop - begin)).astype(np.float32)
        out[begin:stop] = pool[pick] * scale[:, None, None, None]
    out.flush()
    del out
    return time.perf_counter() - start


def split_costs(data: Path, count: int = SPLIT) -> tuple[float, float]:
    """ms per map of rendering ``count`` maps spread over the file and of PNG-encoding
    them, apart (warm; the encoder is the one ``save_heatmaps`` uses). Run in a second
    child after the streaming one, so it touches neither its memory nor its time."""
    import visheat
    from visheat.io.png import png_bytes

    source = np.load(data, mmap_mode="r")
    x = np.array(source[np.linspace(0, len(source) - 1, count).astype(int)])
    visheat.heatmap(x[:2], "attribution")
    start = time.perf_counter()
    pictures = visheat.heatmap(x, "attribution").to_numpy()
    render = time.perf_counter() - start
    start = time.perf_counter()
    for picture in pictures:
        png_bytes(picture)
    encode = time.perf_counter() - start
    return render / len(x) * 1e3, encode / len(x) * 1e3


def _status(pid: int | str) -> dict[str, float]:
    """``VmRSS``, ``RssAnon``, ``RssFile``, ``VmHWM`` of a process, in MB."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                    values[key] = float(rest.split()[0]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def _count_files(folder: Path) -> int:
    with os.scandir(folder) as it:
        return sum(1 for entry in it if entry.name.endswith(".png"))


def run_child(data: Path, out: Path, batch_size: int, progress: bool) -> StreamResult:
    """Run the child, poll its memory, and collect the figures."""
    count = int(np.load(data, mmap_mode="r").shape[0])
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(data), str(out),
               str(batch_size)] + (["--progress"] if progress else [])
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    trace: list[tuple[float, float, float, int]] = []
    last_count = 0.0
    while child.poll() is None:
        now = time.perf_counter() - start
        status = _status(child.pid)
        if status:
            files = _count_files(out) if now - last_count >= 2.0 else -1
            last_count = now if files >= 0 else last_count
            trace.append((now, status.get("VmRSS", 0.0), status.get("RssAnon", 0.0), files))
        time.sleep(0.1)
    report_text, _ = child.communicate()
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"streaming child failed with exit code {child.returncode}")
    report = json.loads(report_text.strip().splitlines()[-1])
    pngs = list(out.glob("*.png"))
    return StreamResult(
        count=count, batch_size=batch_size, data_gb=data.stat().st_size / 1e9, write_s=0.0,
        wall_s=wall, peak_rss_mb=report["VmHWM"],
        polled_peak_mb=max((t[1] for t in trace), default=0.0),
        polled_peak_anon_mb=max((t[2] for t in trace), default=0.0),
        png_count=len(pngs), png_gb=sum(p.stat().st_size for p in pngs) / 1e9, trace=trace,
        save_s=report["seconds"])


def measure(count: int = 10_000, batch_size: int = 256, folder: Path | None = None,
            keep: bool = False, progress: bool = True) -> StreamResult | str:
    """Write the data, stream it to PNGs in a child; a message instead when skipped."""
    folder = Path(folder or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    need = count * 3 * 224 * 224 * 4 * 1.25 if count < 10_000 else NEEDED_FREE
    if free_bytes(folder) < need:
        return (f"skipped: {free_bytes(folder) / 1e9:.1f} GB free in {folder}, "
                f"{need / 1e9:.0f} GB needed")
    work = Path(tempfile.mkdtemp(prefix="visheat-stream-", dir=folder))
    data, out = work / "attributions.npy", work / "png"
    try:
        print(f"streaming: writing {count} maps to {data} ...", file=sys.stderr, flush=True)
        write_s = write_data(data, count)
        print(f"streaming: {write_s:.0f} s; rendering in a subprocess ...", file=sys.stderr,
              flush=True)
        result = run_child(data, out, batch_size, progress)
        result.write_s = write_s
        split = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--split",
                                str(data)], capture_output=True, text=True, check=True)
        result.render_ms, result.encode_ms = json.loads(split.stdout.strip().splitlines()[-1])
        return result
    finally:
        if keep:
            print(f"streaming: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def trace_table(result: StreamResult, rows: int = 10) -> list[str]:
    """The child's memory over time, at ``rows`` evenly spaced moments."""
    counted = [t for t in result.trace if t[3] >= 0]
    if not result.trace:
        return []
    lines = ["| time (s) | PNG files written | RSS (MB) | anonymous RSS (MB) |",
             "|---:|---:|---:|---:|"]
    end = result.trace[-1][0]
    for k in range(1, rows + 1):
        moment = end * k / rows
        sample = min(result.trace, key=lambda t: abs(t[0] - moment))
        files = min(counted, key=lambda t: abs(t[0] - moment))[3] if counted else 0
        lines.append(f"| {sample[0]:.0f} | {files} | {sample[1]:.0f} | {sample[2]:.0f} |")
    return lines


def _child(data: str, out: str, batch_size: int, progress: bool) -> None:
    import visheat

    x = np.load(data, mmap_mode="r")
    start = time.perf_counter()
    paths = visheat.save_heatmaps(x, "attribution", directory=out, batch_size=batch_size,
                                  progress=progress)
    seconds = time.perf_counter() - start
    print(json.dumps({"files": len(paths), "seconds": seconds, **_status("self")}))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--progress" in sys.argv)
    elif len(sys.argv) == 3 and sys.argv[1] == "--split":
        print(json.dumps(split_costs(Path(sys.argv[2]))))
    else:
        sys.exit("usage: streaming.py --child NPY OUTDIR BATCH_SIZE [--progress] | --split NPY")
